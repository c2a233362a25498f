#!/usr/bin/env bash
# TFTP: Metis vs dnsmasq, tftpd-hpa and atftpd, same files, same clients, one run.
#   bench/tftp/run.sh            (as root; installs the servers and clients with deploy/dev/setup bench,
#                                 without starting them; SMOKE=1: see bench/lib.sh)
# Every server listens on 127.0.0.1:69 in a network namespace of its own, all four at once. Workloads:
# ipxe.efi and a 32 MiB file (4 MiB under SMOKE=1) with one curl client at blksize 1468, the same with
# atftp and windowsize 8, and 128 concurrent curl transfers of ipxe.efi. Each round runs every workload
# against every server back to back, so this machine's drift from minute to minute hits all servers
# alike; figures are medians over RUNS rounds. Prints a Markdown table.
# PIN=1 puts every server on CPU 0 and every client on CPU 1, as between two machines: on shared CPUs the
# scheduler may run a server and a lock-step client on one CPU, where they exchange packets without the
# wake-ups a network always costs.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
runs=${RUNS:-$(smoke_or 5 1)}
big_mib=$(smoke_or 32 4)
server_cpu=(); client_cpu=()
if [ "${PIN:-0}" = 1 ]; then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); fi
# tftpd-hpa and atftpd conflict as packages (both ship in.tftpd): run tftpd-hpa from its unpacked .deb.
hpa_dir=${METIS_BENCH_CACHE:-/var/cache/metis-bench}/tftpd-hpa
if [ ! -x "$hpa_dir/usr/sbin/in.tftpd" ]; then
  mkdir -p "$hpa_dir" && (cd "$hpa_dir" && { apt-get download tftpd-hpa || { apt-get update -qq && apt-get download tftpd-hpa; }; } >/dev/null 2>&1 && dpkg-deb -x tftpd-hpa_*.deb . && rm -f ./*.deb)
fi

servers=(metis dnsmasq tftpd-hpa atftpd)
work=$(mktemp -d); pids=()
ns_of() { echo "${netns_prefix}tb-$1"; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for s in "${servers[@]}"; do ip netns del "$(ns_of "$s")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/root"; chmod 755 "$work" "$work/root"
cp /usr/lib/ipxe/ipxe.efi "$work/root/ipxe.efi"
head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$work/root/big.bin"
head -c 512 /dev/urandom > "$work/root/warm-up.bin"
chmod 644 "$work/root"/*

start_server() {
  local ns; ns=$(ns_of "$1")
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"; ip -n "$ns" link set lo up
  # tftpd-hpa resolves its bind address with AI_ADDRCONFIG, which ignores loopback: give the namespace
  # one non-loopback IPv4 address (nothing is sent to it).
  ip -n "$ns" link add tb0 type veth peer name tb1
  ip -n "$ns" addr add 10.80.0.1/24 dev tb0; ip -n "$ns" link set tb0 up; ip -n "$ns" link set tb1 up
  case "$1" in
    metis)
      printf 'site: {name: bench, server_url: "http://127.0.0.1:18095"}\nclasses: {}\nnodes: {}\n' > "$work/inventory.yaml"
      # 128 clients share one address here, more than the default --tftp-per-client (32): the limit measured before
      METIS_ACCESS_LOG=OFF ip netns exec "$ns" "${server_cpu[@]}" java -jar target/metis.jar serve --inventory "$work/inventory.yaml" --no-dhcp \
        --state-dir "$work/state" --boot-assets "$work/root" --tftp-root "$work/root" --http-addr 127.0.0.1 \
        --http-port 18095 --tftp-port 69 --tftp-per-client 256 2>"$work/metis.log" & pids+=($!) ;;
    dnsmasq)
      ip netns exec "$ns" "${server_cpu[@]}" dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root="$work/root" --tftp-max=1000 \
        --user=root --pid-file="$work/dnsmasq.pid" --log-facility=/dev/null & pids+=($!) ;;
    tftpd-hpa) ip netns exec "$ns" "${server_cpu[@]}" "$hpa_dir/usr/sbin/in.tftpd" -L -u root -s "$work/root" -a 127.0.0.1:69 & pids+=($!) ;;
    atftpd)
      ip netns exec "$ns" "${server_cpu[@]}" atftpd --daemon --no-fork --user root.root --bind-address 127.0.0.1 --port 69 --maxthread 300 \
        --logfile /dev/null "$work/root" & pids+=($!) ;;
  esac
  for _ in $(seq 200); do ip netns exec "$ns" ss -lun | grep -q "127.0.0.1:69 \|0.0.0.0:69 \|\*:69 " && break; sleep 0.05; done
}

now() { date +%s%N; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms_since() { awk -v ns=$(( $(now) - $1 )) 'BEGIN {printf "%.1f", ns / 1e6}'; }
curl_get() { # server file; fails on any error
  ip netns exec "$(ns_of "$1")" "${client_cpu[@]}" curl -sS --tftp-blksize 1468 -o /dev/null "tftp://127.0.0.1/$2"
}
atftp_get() { # server file; windowsize 8
  ip netns exec "$(ns_of "$1")" "${client_cpu[@]}" atftp --option "blksize 1468" --option "windowsize 8" -g -r "$2" -l /dev/null 127.0.0.1 \
    >/dev/null 2>&1 || { echo "atftp failed against $1" >&2; return 1; }
}
concurrent() { # server -> "milliseconds failures"
  local args=() t0 failures
  for _ in $(seq 128); do args+=(-o /dev/null "tftp://127.0.0.1/ipxe.efi"); done
  t0=$(now)
  failures=$(ip netns exec "$(ns_of "$1")" "${client_cpu[@]}" curl -sS -Z --parallel-max 128 --tftp-blksize 1468 "${args[@]}" 2>&1 | grep -c "curl:" || true)
  echo "$(ms_since "$t0") $failures"
}

for server in "${servers[@]}"; do start_server "$server"; done
sleep 1
# The first 128 concurrent transfers of each server just started, reported below the table: for Metis,
# before the JIT has compiled its per-packet path.
declare -A cold
for server in "${servers[@]}"; do
  read -r ms failures < <(concurrent "$server")
  cold[$server]="$ms$([ "$failures" = 0 ] || echo " ($failures failed)")"
done
# Warm-up of every workload, for every server alike (JIT for Metis, page cache for all): 2000 one-block
# transfers (Metis runs its per-transfer set-up in the interpreter for the first few hundred, about
# 1 ms each instead of 0.1-0.3 ms), three lock-step 32 MiB runs (Metis's first ones were measured
# 2-3x slower than warm ones while the JIT compiled), the windowed runs and twelve concurrent runs (the
# JIT, logged, still compiled per-transfer code for 40-290 ms of a pinned CPU in each of the first ten
# after the rest, and for 0-55 ms after twelve).
warm_up=(); for _ in $(seq "$(smoke_or 2000 20)"); do warm_up+=(-o /dev/null "tftp://127.0.0.1/warm-up.bin"); done
for server in "${servers[@]}"; do
  ip netns exec "$(ns_of "$server")" "${client_cpu[@]}" curl -sS -Z --parallel-max 4 --tftp-blksize 1468 "${warm_up[@]}" 2>/dev/null
  for _ in $(seq "$(smoke_or 3 1)"); do curl_get "$server" big.bin; done
  for _ in $(seq "$(smoke_or 5 1)"); do atftp_get "$server" ipxe.efi || true; done
  atftp_get "$server" big.bin || true
  for _ in $(seq "$(smoke_or 12 1)"); do concurrent "$server" >/dev/null; done
done

declare -A efi big wefi wbig conc fail
for _ in $(seq "$runs"); do
  for server in "${servers[@]}"; do
    t0=$(now); curl_get "$server" ipxe.efi; efi[$server]+=" $(ms_since "$t0")"
    t0=$(now); curl_get "$server" big.bin; big[$server]+=" $(ms_since "$t0")"
    t0=$(now); atftp_get "$server" ipxe.efi && wefi[$server]+=" $(ms_since "$t0")"
    t0=$(now); atftp_get "$server" big.bin && wbig[$server]+=" $(ms_since "$t0")"
    read -r ms failures < <(concurrent "$server")
    conc[$server]+=" $ms"; fail[$server]=$(( ${fail[$server]:-0} + failures ))
  done
done
for server in "${servers[@]}"; do
  # shellcheck disable=SC2004  # f is a name for an associative array, whose keys are not arithmetic
  for figure in efi big wefi wbig conc; do
    declare -n f=$figure
    echo "$figure $server:${f[$server]:-}" >&2  # every round's figure, for the spread
    f[$server]=$(echo "${f[$server]:-}" | median); [ -n "${f[$server]}" ] || f[$server]=n/a
    unset -n f
  done
done

best() { # figure -> the fastest anchor's value (smallest time)
  local -n figure=$1; local b=""
  for s in dnsmasq tftpd-hpa atftpd; do
    v=${figure[$s]}; [ "$v" = "n/a" ] && continue
    if [ -z "$b" ] || awk -v a="$v" -v c="$b" 'BEGIN {exit !(a < c)}'; then b=$v; fi
  done
  echo "$b"
}
ratio() { awk -v m="$1" -v b="$2" 'BEGIN {if (m == "n/a" || b == "") print "n/a"; else printf "%.2fx", b / m}'; }

placement="shared CPUs"; [ "${PIN:-0}" = 1 ] && placement="servers on CPU 0, clients on CPU 1"
echo "| workload (loopback, $(nproc) cores, $placement; median of $runs rounds; ms, lower is better) | Metis | dnsmasq | tftpd-hpa | atftpd | fastest anchor / Metis |"
echo "|---|---|---|---|---|---|"
# shellcheck disable=SC2178  # f is a name for an array
row() { local -n f=$2; echo "| $1 | ${f[metis]} | ${f[dnsmasq]} | ${f[tftpd-hpa]} | ${f[atftpd]} | $(ratio "${f[metis]}" "$(best "$2")") |"; }
row "ipxe.efi ($(stat -c %s "$work/root/ipxe.efi") B), curl, blksize 1468" efi
row "$big_mib MiB, curl, blksize 1468" big
row "ipxe.efi, atftp, blksize 1468, windowsize 8" wefi
row "$big_mib MiB, atftp, blksize 1468, windowsize 8" wbig
row "128 concurrent curl transfers of ipxe.efi" conc
echo
echo "First 128 concurrent transfers after start, before any warm-up (ms): Metis ${cold[metis]}, dnsmasq ${cold[dnsmasq]}, tftpd-hpa ${cold[tftpd-hpa]}, atftpd ${cold[atftpd]}."
echo "Failed transfers out of $((128 * runs)) concurrent: Metis ${fail[metis]}, dnsmasq ${fail[dnsmasq]}, tftpd-hpa ${fail[tftpd-hpa]}, atftpd ${fail[atftpd]}."
