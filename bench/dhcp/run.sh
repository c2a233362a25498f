#!/usr/bin/env bash
# Proxy-DHCP: Metis vs dnsmasq in proxy mode, same load generator, same namespaces, one run.
#   bench/dhcp/run.sh            (as root; installs what it needs with deploy/dev/setup bench; SMOKE=1: see bench/lib.sh)
# A client namespace sends PXE DISCOVERs (BIOS, 256 client MACs) to a server namespace over a veth
# pair, keeping IN_FLIGHT requests outstanding, and counts OFFERs. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
seconds=${SECONDS_PER_RUN:-$(smoke_or 10 1)}

srv=dbench-srv; cli=dbench-cli; work=$(mktemp -d); server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  ip netns del "$srv" 2>/dev/null || true; ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup; work=$(mktemp -d)
ip netns add "$srv"; ip netns add "$cli"
ip link add db-s type veth peer name db-c
ip link set db-s netns "$srv"; ip link set db-c netns "$cli"
ip -n "$srv" addr add 10.78.0.2/24 dev db-s; ip -n "$cli" addr add 10.78.0.10/24 dev db-c
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set db-s up; ip -n "$cli" link set db-c up
ip -n "$cli" route add default dev db-c

{
  echo "site: {name: bench, server_url: 'http://10.78.0.2:8080'}"
  echo "classes: {c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}}"
  echo "nodes:"
  for i in $(seq 0 255); do printf '  n%d: {class: c, mac: "02:00:00:00:00:%02x", ip: 10.79.0.%d/16}\n' "$i" "$i" "$i"; done
} > "$work/inventory.yaml"

load() { ip netns exec "$cli" java -cp target/metis.jar bench/dhcp/DhcpLoad.java "$1" "$2" 256; }
wait_port() {
  for _ in $(seq 100); do ip netns exec "$srv" ss -lun | grep -q ":67 " && return; sleep 0.1; done
  echo "no server on port 67:" >&2; cat "$work"/*.log >&2; exit 1
}

results=()
# Metis: proxy-DHCP only (HTTP on a port nothing uses here), access log off like dnsmasq's quiet mode.
METIS_ACCESS_LOG=OFF ip netns exec "$srv" java -jar target/metis.jar serve --inventory "$work/inventory.yaml" \
  --state-dir "$work/state" --boot-assets "$work" --interface db-s --http-port 18090 --no-tftp 2>"$work/metis.log" & server_pid=$!
wait_port; load "$(smoke_or 5 1)" 32 >/dev/null   # JIT warm-up
for window in 16 64; do results+=("metis $window $(load "$seconds" "$window")"); done
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

ip netns exec "$srv" dnsmasq --keep-in-foreground --port=0 --bind-interfaces --interface=db-s \
  --dhcp-range=10.78.0.0,proxy --pxe-service=x86PC,"Network Boot",undionly --dhcp-lease-max=1000000 \
  --pid-file="$work/dnsmasq.pid" --log-facility=/dev/null & server_pid=$!
wait_port; load "$(smoke_or 2 1)" 32 >/dev/null
for window in 16 64; do results+=("dnsmasq $window $(load "$seconds" "$window")"); done

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2"; }
echo "| in flight | Metis OFFERs/s | Metis p99 | dnsmasq OFFERs/s | dnsmasq p99 | rate ratio | lost (Metis/dnsmasq) |"
echo "|---|---|---|---|---|---|---|"
for window in 16 64; do
  m=$(printf '%s\n' "${results[@]}" | grep "^metis $window "); d=$(printf '%s\n' "${results[@]}" | grep "^dnsmasq $window ")
  printf '| %s | %s | %s ms | %s | %s ms | %.2fx | %s / %s |\n' "$window" "$(field rate "$m")" "$(field p99_ms "$m")" \
    "$(field rate "$d")" "$(field p99_ms "$d")" "$(echo "$(field rate "$m") / $(field rate "$d")" | bc -l)" \
    "$(field lost "$m")" "$(field lost "$d")"
done
