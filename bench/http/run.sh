#!/usr/bin/env bash
# Metis HTTP vs nginx, same files, same load generator, one run.
#   bench/http/run.sh            (as root on Debian 12; installs what it needs with deploy/dev/setup bench;
#                                 SMOKE=1: see bench/lib.sh)
# Prints a Markdown table for docs/benchmarks.md. Both servers run with access logs off.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
duration=${DURATION:-$(smoke_or 10s 1s)}

work=$(mktemp -d)
nginx_pid=""; metis_pid=""
cleanup() {
  if [ -n "$metis_pid" ]; then kill "$metis_pid" 2>/dev/null || true; fi
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www" "$work/assets" "$work/state" "$work/nginx"
chmod 755 "$work" "$work/www"  # nginx workers run as nobody
head -c 1024 /dev/urandom > "$work/www/1k.bin"
chmod 644 "$work/www/1k.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/assets/64m.bin"
cp "$work/assets/64m.bin" "$work/www/64m.bin"
chmod 644 "$work/www/64m.bin"
nginx_port=18181; metis_port=18182

cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' & nginx_pid=$!

cat > "$work/inventory.yaml" <<YAML
site: {name: bench, domain: bench.example, server_url: "http://127.0.0.1:$metis_port", k3s_server: "https://127.0.0.1:6443"}
classes:
  c: {arch: amd64, delivery: netboot, gateway: 127.0.0.254, netboot: {kernel: 64m.bin}, k3s: {role: agent, labels: {a: b}}}
nodes:
  # at the address the bench asks from: a node's script goes only to where it is seen booting (or its own address)
  n1: {class: c, mac: "02:00:00:00:00:01", ip: 127.0.0.1/8}
YAML
# wrk opens 64 connections from one address, more than one client may have by default.
METIS_ACCESS_LOG=OFF java -jar target/metis.jar serve --no-dhcp --no-tftp --inventory "$work/inventory.yaml" --state-dir "$work/state" \
  --boot-assets "$work/assets" --http-addr 127.0.0.1 --http-port $metis_port --http-connections-per-client 256 \
  2>"$work/metis.log" & metis_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$metis_port/healthz" >/dev/null && curl -sf "http://127.0.0.1:$nginx_port/1k.bin" >/dev/null && break; sleep 0.1; done

# user-data goes only to the booting node, with the seed token its iPXE script carries, from the address
# that fetched the script: fetch the script as the node would, then the seed under its token.
seed=$(curl -sf "http://127.0.0.1:$metis_port/ipxe/02:00:00:00:00:01" | grep -o 'nocloud/02:00:00:00:00:01/[A-Za-z0-9_-]*/' | head -1)
[ -n "$seed" ] || { echo "no seed URL in the node's iPXE script" >&2; exit 1; }
user_data="http://127.0.0.1:$metis_port/${seed}user-data"
echo "user-data is $(curl -sf "$user_data" | wc -c) bytes" >&2

run() { # url connections figure... -> "requests/s bytes/s p99_ms", from the plain totals bench/http/totals.lua prints;
  # only the named figures must be positive: in a short run on a busy machine, 8 connections may finish no whole
  # 64 MiB answer, though bytes flowed (wrk counts the bytes of answers still arriving)
  wrk -t2 -c"$2" -d"$duration" -s bench/http/totals.lua "$1" > "$work/wrk.out"
  local totals field; local -A total
  totals=$(grep '^totals ' "$work/wrk.out") || { echo "wrk printed no totals for $1:" >&2; cat "$work/wrk.out" >&2; exit 1; }
  for field in ${totals#totals }; do total[${field%%=*}]=${field#*=}; done
  [ "${total[http_errors]:-}" = 0 ] || { echo "error responses from $1 (${total[http_errors]:-no count}):" >&2; cat "$work/wrk.out" >&2; exit 1; }
  for field in duration_us "${@:3}"; do positive "wrk's $field for $1" "${total[$field]:-}"; done
  awk -v r="${total[requests]}" -v b="${total[bytes]}" -v us="${total[duration_us]}" -v p99="${total[p99_us]}" \
    'BEGIN {printf "%.0f %.0f %.2f\n", r / (us / 1e6), b / (us / 1e6), p99 / 1000}'
}

# Warm up the JVM (and nginx's page cache) before measuring.
wrk -t2 -c64 -d"$(smoke_or 5s 1s)" "$user_data" >/dev/null; wrk -t2 -c8 -d"$(smoke_or 3s 1s)" "http://127.0.0.1:$metis_port/assets/64m.bin" >/dev/null
# Assignments, so that a run that fails stops the script.
m_small=$(run "$user_data" 64 requests p99_us)
n_small=$(run "http://127.0.0.1:$nginx_port/1k.bin" 64 requests p99_us)
m_big=$(run "http://127.0.0.1:$metis_port/assets/64m.bin" 8 bytes)
n_big=$(run "http://127.0.0.1:$nginx_port/64m.bin" 8 bytes)
read -r m_rps _ m_p99 <<< "$m_small"; read -r n_rps _ n_p99 <<< "$n_small"
read -r _ m_bps _ <<< "$m_big"; read -r _ n_bps _ <<< "$n_big"

echo "| workload (wrk -t2, $duration, loopback, $(nproc) cores) | Metis | nginx | ratio | target |"
echo "|---|---|---|---|---|"
awk -v m="$m_rps" -v mp="$m_p99" -v n="$n_rps" -v np="$n_p99" 'BEGIN {printf "| Metis user-data vs nginx 1 KiB static file, 64 connections | %.0f req/s (p99 %.2f ms) | %.0f req/s (p99 %.2f ms) | %.2fx | >= 0.5x |\n", m, mp, n, np, m / n}'
awk -v m="$m_bps" -v n="$n_bps" 'BEGIN {printf "| 64 MiB asset, 8 connections | %.2f GB/s | %.2f GB/s | %.2fx | >= 0.8x |\n", m / 1e9, n / 1e9, m / n}'
