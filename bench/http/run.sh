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
  [ -n "$metis_pid" ] && kill "$metis_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
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
  c: {arch: amd64, delivery: netboot, gateway: 192.0.2.1, netboot: {kernel: 64m.bin}, k3s: {role: agent, labels: {a: b}}}
nodes:
  n1: {class: c, mac: "02:00:00:00:00:01", ip: 192.0.2.21/24}
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

run() { # url connections -> "req/s bytes/s p99"
  wrk -t2 -c"$2" -d"$duration" --latency "$1" > "$work/wrk.out"
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "error responses from $1:" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  awk '/Requests\/sec/ {r=$2} /Transfer\/sec/ {t=$2} / 99%/ {p=$2} END {print r, t, p}' "$work/wrk.out"
}
to_bytes() { # wrk's "3.05GB" -> bytes
  awk -v v="$1" 'BEGIN { n=v+0; u=substr(v, length(n "")+1); m=1; if (u ~ /^KB/) m=1024; if (u ~ /^MB/) m=1048576; if (u ~ /^GB/) m=1073741824; printf "%.0f", n*m }'
}

# Warm up the JVM (and nginx's page cache) before measuring.
wrk -t2 -c64 -d"$(smoke_or 5s 1s)" "$user_data" >/dev/null; wrk -t2 -c8 -d"$(smoke_or 3s 1s)" "http://127.0.0.1:$metis_port/assets/64m.bin" >/dev/null
read -r m_rps _ m_p99 < <(run "$user_data" 64)
read -r n_rps _ n_p99 < <(run "http://127.0.0.1:$nginx_port/1k.bin" 64)
read -r _ m_big _ < <(run "http://127.0.0.1:$metis_port/assets/64m.bin" 8)
read -r _ n_big _ < <(run "http://127.0.0.1:$nginx_port/64m.bin" 8)
m_big_b=$(to_bytes "$m_big"); n_big_b=$(to_bytes "$n_big")

echo "| workload (wrk -t2, $duration, loopback, $(nproc) cores) | Metis | nginx | ratio | target |"
echo "|---|---|---|---|---|"
printf '| Metis user-data vs nginx 1 KiB static file, 64 connections | %s req/s (p99 %s) | %s req/s (p99 %s) | %.2fx | >= 0.5x |\n' \
  "$m_rps" "$m_p99" "$n_rps" "$n_p99" "$(echo "$m_rps / $n_rps" | bc -l)"
printf '| 64 MiB asset, 8 connections | %.2f GB/s | %.2f GB/s | %.2fx | >= 0.8x |\n' \
  "$(echo "$m_big_b / 1000000000" | bc -l)" "$(echo "$n_big_b / 1000000000" | bc -l)" "$(echo "$m_big_b / $n_big_b" | bc -l)"
