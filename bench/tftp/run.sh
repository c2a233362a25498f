#!/usr/bin/env bash
# TFTP: Metis vs dnsmasq, tftpd-hpa and atftpd, same files, same clients, one run.
#   bench/tftp/run.sh            (as root; installs the servers and clients if missing, without starting them)
# Each server in turn listens on 127.0.0.1:69 inside a private network namespace. Workloads:
# ipxe.efi and a 32 MiB file with one curl client at blksize 1468 (median of several runs), the same
# with atftp and windowsize 8, and 128 concurrent curl transfers of ipxe.efi. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-5}
missing=()
for p in dnsmasq-base atftpd atftp curl ipxe; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d  # install, do not start
  for p in "${missing[@]}"; do DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; done
  rm -f /usr/sbin/policy-rc.d
fi
[ -f target/metis.jar ] || mvn -B -q -DskipTests package
# tftpd-hpa and atftpd conflict as packages (both ship in.tftpd): run tftpd-hpa from its unpacked .deb.
hpa_dir=${METIS_BENCH_CACHE:-/var/cache/metis-bench}/tftpd-hpa
if [ ! -x "$hpa_dir/usr/sbin/in.tftpd" ]; then
  mkdir -p "$hpa_dir" && (cd "$hpa_dir" && apt-get download tftpd-hpa >/dev/null 2>&1 && dpkg-deb -x tftpd-hpa_*.deb . && rm -f ./*.deb)
fi

ns=tbench; work=$(mktemp -d); pid=""
stop() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }; pid=""; }
cleanup() { stop; ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"; ip -n "$ns" link set lo up
# tftpd-hpa resolves its bind address with AI_ADDRCONFIG, which ignores loopback: give the namespace
# one non-loopback IPv4 address (nothing is sent to it).
ip -n "$ns" link add tb0 type veth peer name tb1
ip -n "$ns" addr add 10.80.0.1/24 dev tb0; ip -n "$ns" link set tb0 up; ip -n "$ns" link set tb1 up
mkdir -p "$work/root"; chmod 755 "$work" "$work/root"
cp /usr/lib/ipxe/ipxe.efi "$work/root/ipxe.efi"
head -c $((32 * 1024 * 1024)) /dev/urandom > "$work/root/32m.bin"
chmod 644 "$work/root"/*
in_ns() { ip netns exec "$ns" "$@"; }

start_server() {
  case "$1" in
    metis)
      printf 'site: {name: bench, server_url: "http://127.0.0.1:18095"}\nclasses: {}\nnodes: {}\n' > "$work/inventory.yaml"
      METIS_ACCESS_LOG=OFF ip netns exec "$ns" java -jar target/metis.jar serve --inventory "$work/inventory.yaml" --no-dhcp \
        --state-dir "$work/state" --boot-assets "$work/root" --tftp-root "$work/root" --http-addr 127.0.0.1 \
        --http-port 18095 --tftp-port 69 2>"$work/metis.log" & pid=$! ;;
    dnsmasq)
      ip netns exec "$ns" dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root="$work/root" --tftp-max=1000 \
        --user=root --pid-file="$work/dnsmasq.pid" --log-facility=/dev/null & pid=$! ;;
    tftpd-hpa) ip netns exec "$ns" "$hpa_dir/usr/sbin/in.tftpd" -L -u root -s "$work/root" -a 127.0.0.1:69 & pid=$! ;;
    atftpd)
      ip netns exec "$ns" atftpd --daemon --no-fork --user root.root --bind-address 127.0.0.1 --port 69 --maxthread 300 \
        --logfile /dev/null "$work/root" & pid=$! ;;
  esac
  for _ in $(seq 200); do in_ns ss -lun | grep -q "127.0.0.1:69 \|0.0.0.0:69 \|\*:69 " && break; sleep 0.05; done
  sleep 0.3
}

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one_curl() { # file -> milliseconds (median); fails on any error
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    in_ns curl -sS --tftp-blksize 1468 -o /dev/null "tftp://127.0.0.1/$1"
    echo $(( ($(now) - t0) / 1000 ))
  done | median | awk '{printf "%.1f", $1 / 1000}'
}
one_atftp() { # file -> milliseconds with windowsize 8
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    in_ns atftp --option "blksize 1468" --option "windowsize 8" -g -r "$1" -l /dev/null 127.0.0.1 >/dev/null 2>&1 \
      || { echo "atftp failed" >&2; exit 1; }
    echo $(( ($(now) - t0) / 1000 ))
  done | median | awk '{printf "%.1f", $1 / 1000}'
}
concurrent() { # -> "seconds failures"
  local args=() t0 failures
  for i in $(seq 128); do args+=(-o /dev/null "tftp://127.0.0.1/ipxe.efi"); done
  t0=$(now)
  failures=$(in_ns curl -sS -Z --parallel-max 128 --tftp-blksize 1468 "${args[@]}" 2>&1 | grep -c "curl:" || true)
  echo "$(awk -v ns=$(( $(now) - t0 )) 'BEGIN {printf "%.2f", ns / 1e9}') $failures"
}

declare -A efi big wefi wbig conc fail
for server in metis dnsmasq tftpd-hpa atftpd; do
  start_server "$server"
  # Warm-up of every workload, for every server alike (JIT for Metis, page cache for all). Three lock-step
  # 32 MiB runs: Metis's first ones were measured 2-3x slower than warm ones while the JIT compiled.
  for _ in 1 2 3; do in_ns curl -sS --tftp-blksize 1468 -o /dev/null tftp://127.0.0.1/32m.bin; done
  for _ in 1 2 3 4 5; do one_atftp ipxe.efi >/dev/null 2>&1 || true; done
  one_atftp 32m.bin >/dev/null 2>&1 || true
  concurrent >/dev/null; concurrent >/dev/null
  efi[$server]=$(one_curl ipxe.efi); big[$server]=$(one_curl 32m.bin)
  wefi[$server]=$(one_atftp ipxe.efi 2>/dev/null || echo n/a); wbig[$server]=$(one_atftp 32m.bin 2>/dev/null || echo n/a)
  read -r conc[$server] fail[$server] < <(concurrent)
  stop
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

echo "| workload (loopback, $(nproc) cores; time, lower is better) | Metis | dnsmasq | tftpd-hpa | atftpd | fastest anchor / Metis |"
echo "|---|---|---|---|---|---|"
row() { local -n f=$2; echo "| $1 | ${f[metis]} $3 | ${f[dnsmasq]} $3 | ${f[tftpd-hpa]} $3 | ${f[atftpd]} $3 | $(ratio "${f[metis]}" "$(best "$2")") |"; }
row "ipxe.efi ($(stat -c %s "$work/root/ipxe.efi") B), curl, blksize 1468, median of $runs" efi ms
row "32 MiB, curl, blksize 1468, median of $runs" big ms
row "ipxe.efi, atftp, blksize 1468, windowsize 8" wefi ms
row "32 MiB, atftp, blksize 1468, windowsize 8" wbig ms
row "128 concurrent curl transfers of ipxe.efi" conc s
echo
echo "Failed transfers out of 128 concurrent: Metis ${fail[metis]}, dnsmasq ${fail[dnsmasq]}, tftpd-hpa ${fail[tftpd-hpa]}, atftpd ${fail[atftpd]}."
