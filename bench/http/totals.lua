-- wrk's end-of-run hook (wrk -s bench/http/totals.lua): the run's totals as plain integers, bytes and
-- microseconds, on one line of their own, so that bench/http/run.sh reads no figure through wrk's
-- human-readable units ("2.00GB", "6.45ms"), which once turned 2 GB/s into 2 bytes.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("totals requests=%.0f bytes=%.0f duration_us=%.0f p99_us=%.0f http_errors=%.0f socket_errors=%.0f\n",
    summary.requests, summary.bytes, summary.duration, latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
