#!/usr/bin/env bash
# Proxy-DHCP: Metis vs dnsmasq in proxy mode, same load generator, same namespaces, one run.
#   bench/dhcp/run.sh            (as root; installs what it needs with deploy/dev/setup bench; SMOKE=1: see bench/lib.sh)
# A client namespace sends PXE DISCOVERs (BIOS, 256 client MACs) to a server namespace over a veth
# pair, keeping IN_FLIGHT requests outstanding, and counts OFFERs. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
seconds=${SECONDS_PER_RUN:-$(smoke_or 10 1)}
# DhcpLoad is built with the tests and runs with the Metis jar, for its DHCP codec; rebuilt when its source
# is newer, so that an edit to it counts, as it did when it ran from source.
load_class=target/test-classes/dev/metis/bench/DhcpLoad.class
[ "$load_class" -nt src/test/java/dev/metis/bench/DhcpLoad.java ] || mvn -B -q -DskipTests package

srv=${netns_prefix}dbench-srv; cli=${netns_prefix}dbench-cli; srv_if=${netns_prefix}db-s; cli_if=${netns_prefix}db-c; work=$(mktemp -d); server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  ip netns del "$srv" 2>/dev/null || true; ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup; work=$(mktemp -d)
ip netns add "$srv"; ip netns add "$cli"
ip link add "$srv_if" type veth peer name "$cli_if"
ip link set "$srv_if" netns "$srv"; ip link set "$cli_if" netns "$cli"
ip -n "$srv" addr add 10.78.0.2/24 dev "$srv_if"; ip -n "$cli" addr add 10.78.0.10/24 dev "$cli_if"
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "$srv_if" up; ip -n "$cli" link set "$cli_if" up
ip -n "$cli" route add default dev "$cli_if"

{
  echo "site: {name: bench, server_url: 'http://10.78.0.2:8080'}"
  echo "classes: {c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}}"
  echo "nodes:"
  for i in $(seq 0 255); do printf '  n%d: {class: c, mac: "02:00:00:00:00:%02x", ip: 10.79.0.%d/16}\n' "$i" "$i" "$i"; done
} > "$work/inventory.yaml"

generate() { ip netns exec "$cli" java -cp target/test-classes:target/metis.jar dev.metis.bench.DhcpLoad "$1" "$2" 256; }
load() { # seconds in_flight -> "OFFERs/s p99_ms lost", from the plain counts and nanoseconds DhcpLoad prints
  local out field; local -A got
  out=$(generate "$1" "$2")
  for field in $out; do got[${field%%=*}]=${field#*=}; done
  for field in offers elapsed_ns p99_ns; do positive "DhcpLoad's $field at $2 in flight" "${got[$field]:-}"; done
  [[ ${got[lost]:-} =~ ^[0-9]+$ ]] || { echo "DhcpLoad's lost at $2 in flight is not a count: '${got[lost]:-}'" >&2; exit 1; }
  awk -v n="${got[offers]}" -v ns="${got[elapsed_ns]}" -v p99="${got[p99_ns]}" -v lost="${got[lost]}" \
    'BEGIN {printf "%.0f %.3f %d\n", n / (ns / 1e9), p99 / 1e6, lost}'
}
wait_port() {
  for _ in $(seq 100); do ip netns exec "$srv" ss -lun | grep -q ":67 " && return; sleep 0.1; done
  echo "no server on port 67:" >&2; cat "$work"/*.log >&2; exit 1
}

declare -A results  # server window -> "OFFERs/s p99_ms lost"
# Metis: proxy-DHCP only (HTTP on a port nothing uses here), access log off like dnsmasq's quiet mode.
METIS_ACCESS_LOG=OFF ip netns exec "$srv" java -jar target/metis.jar serve --inventory "$work/inventory.yaml" \
  --state-dir "$work/state" --boot-assets "$work" --interface "$srv_if" --http-port 18090 --no-tftp 2>"$work/metis.log" & server_pid=$!
wait_port; generate "$(smoke_or 5 1)" 32 >/dev/null   # JIT warm-up
for window in 16 64; do results[metis-$window]=$(load "$seconds" "$window"); done
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

ip netns exec "$srv" dnsmasq --keep-in-foreground --port=0 --bind-interfaces --interface="$srv_if" \
  --dhcp-range=10.78.0.0,proxy --pxe-service=x86PC,"Network Boot",undionly --dhcp-lease-max=1000000 \
  --pid-file="$work/dnsmasq.pid" --log-facility=/dev/null & server_pid=$!
wait_port; generate "$(smoke_or 2 1)" 32 >/dev/null
for window in 16 64; do results[dnsmasq-$window]=$(load "$seconds" "$window"); done

echo "| in flight | Metis OFFERs/s | Metis p99 | dnsmasq OFFERs/s | dnsmasq p99 | rate ratio | lost (Metis/dnsmasq) |"
echo "|---|---|---|---|---|---|---|"
for window in 16 64; do
  read -r m_rate m_p99 m_lost <<< "${results[metis-$window]}"; read -r d_rate d_p99 d_lost <<< "${results[dnsmasq-$window]}"
  awk -v w="$window" -v mr="$m_rate" -v mp="$m_p99" -v ml="$m_lost" -v dr="$d_rate" -v dp="$d_p99" -v dl="$d_lost" \
    'BEGIN {printf "| %s | %s | %s ms | %s | %s ms | %.2fx | %s / %s |\n", w, mr, mp, dr, dp, mr / dr, ml, dl}'
done
