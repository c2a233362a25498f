package dev.metis.served;

import dev.metis.secrets.SecretUnavailableException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which nodes' secrets failed at their last lookup, for {@code /healthz} and the API. A node's failure
 * ends with its next successful lookup; a failure of the source as a whole (unreachable, timeout,
 * login) also ends when any later read from the source succeeds, since the source is back.
 */
final class SecretHealth {

    private record Failure(SecretUnavailableException.Reason reason, String message, long seenAtRead) {
    }

    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private volatile long lastGoodRead = -1;

    /** A read from the source came back, well or not. */
    void read(boolean succeeded) {
        long n = reads.incrementAndGet();
        if (succeeded) {
            lastGoodRead = n;
        }
    }

    /** @return true when this is news: the node was fine before, or failed differently */
    boolean failed(String node, SecretUnavailableException e) {
        Failure before = failures.put(node, new Failure(e.reason(), e.getMessage(), reads.get()));
        return before == null || !before.message().equals(e.getMessage());
    }

    /** @return true when the node had been failing */
    boolean succeeded(String node) {
        return failures.remove(node) != null;
    }

    /** The failing nodes among {@code nodes}, by name, with what went wrong. */
    Map<String, String> failing(Set<String> nodes) {
        Map<String, String> failing = new TreeMap<>();
        failures.forEach((node, failure) -> {
            if (nodes.contains(node) && !recovered(failure)) {
                failing.put(node, failure.message());
            }
        });
        return failing;
    }

    Optional<String> failure(String node) {
        return Optional.ofNullable(failures.get(node)).filter(f -> !recovered(f)).map(Failure::message);
    }

    private boolean recovered(Failure failure) {
        return failure.reason().sourceWide() && lastGoodRead > failure.seenAtRead();
    }
}
