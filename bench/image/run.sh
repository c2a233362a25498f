#!/usr/bin/env bash
# metis image vs dd (and xz -dc | dd) writing the same golden image to the same target file, one run.
#   bench/image/run.sh        (as root on Debian 12; SIZE_MIB=1024 RUNS=3 by default)
# The golden image (a FAT32 'system-boot' partition and a root partition half full of real binaries,
# half empty, like a fresh Ubuntu card) is built once and kept in /var/cache/metis-bench/image.
# dd runs as `dd bs=4M oflag=direct conv=fsync`; Metis's figure is its whole run (JVM start, inventory,
# injection, write, fsync) minus the read-back verify, which is reported on its own.
# The same four runs are repeated at card speed: writes to the target throttled to CARD_MBPS (60) MB/s by
# a blkio cgroup (cgroup v1) for both tools, as on an SD card; skipped where the controller is missing.
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${SIZE_MIB:-1024}
runs=${RUNS:-3}
cache=/var/cache/metis-bench/image
work=$(mktemp -d /var/tmp/metis-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -f target/metis.jar ] || mvn -B -q -DskipTests package
for tool in sfdisk mkfs.vfat mcopy xz; do command -v "$tool" >/dev/null || { echo "missing $tool: run deploy/dev/setup test" >&2; exit 1; }; done

golden="$cache/golden-${size_mib}m.img"
if [ ! -f "$golden.xz" ]; then
  mkdir -p "$cache"
  tmp="$golden.tmp"
  truncate -s "${size_mib}M" "$tmp"
  printf 'label: dos\nstart=8192, size=524288, type=c\nstart=532480, type=83\n' | sfdisk --no-reread --no-tell-kernel -q "$tmp"
  mkfs.vfat -F 32 -s 1 -n system-boot --offset 8192 "$tmp" 262144 >/dev/null
  echo "console=serial0,115200 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc" > "$work/cmdline.txt"
  printf '[all]\nkernel=vmlinuz\n' > "$work/config.txt"
  head -c $((40 * 1024 * 1024)) /usr/lib/jvm/*/lib/modules > "$work/vmlinuz" 2>/dev/null || head -c $((40 * 1024 * 1024)) /dev/urandom > "$work/vmlinuz"
  mcopy -i "$tmp@@4M" "$work/cmdline.txt" "$work/config.txt" "$work/vmlinuz" ::
  # Root partition: real binaries for half of it, zeros (free space) for the rest.
  root_mib=$(( (size_mib - 260) / 2 ))
  { find /usr/lib /usr/bin -type f -size +64k 2>/dev/null | sort | xargs cat 2>/dev/null || true; } | head -c $((root_mib * 1024 * 1024)) \
    | dd of="$tmp" bs=4M seek=$((532480 * 512)) oflag=seek_bytes conv=notrunc status=none
  xz -T2 -3 -c "$tmp" > "$golden.xz.tmp"
  mv "$tmp" "$golden"; mv "$golden.xz.tmp" "$golden.xz"
fi
[ -f "$golden" ] || xz -dc "$golden.xz" > "$golden"
raw_sha=$(sha256sum "$golden" | cut -c1-64)
xz_sha=$(sha256sum "$golden.xz" | cut -c1-64)
cat > "$work/inventory.yaml" <<YAML
site: {name: bench, domain: bench.example, server_url: "http://192.0.2.2:8080", k3s_server: "https://192.0.2.10:6443"}
classes:
  pi: {arch: arm64, delivery: sdcard, gateway: 192.0.2.1, k3s: {role: agent}}
nodes:
  raw: {class: pi, mac: "dc:a6:32:00:00:01", ip: 192.0.2.31/24, image: {path: "$golden", sha256: $raw_sha}}
  xz:  {class: pi, mac: "dc:a6:32:00:00:02", ip: 192.0.2.32/24, image: {path: "$golden.xz", sha256: $xz_sha}}
YAML

now() { date +%s.%N; }
# Keeps both sources in the page cache, as they are on a flash host that just downloaded them.
cat "$golden" "$golden.xz" > /dev/null

# Runs a command inside the throttling cgroup when THROTTLE is set.
in_group() {
  if [ -n "${THROTTLE:-}" ]; then sh -c 'echo $$ > "$0/tasks"; exec "$@"' "$THROTTLE" "$@"; else "$@"; fi
}
dd_run() { local start; start=$(now); in_group dd if="$golden" of="$work/target.img" bs=4M oflag=direct conv=fsync status=none; echo "$(now) - $start" | bc; rm -f "$work/target.img"; }
xzdd_run() { local start; start=$(now); in_group sh -c "xz -dc '$golden.xz' | dd of='$work/target.img' bs=4M oflag=direct conv=fsync status=none iflag=fullblock"; echo "$(now) - $start" | bc; rm -f "$work/target.img"; }
# Prints "<seconds without verify> <verify seconds>".
metis_run() {
  local start end verify
  start=$(now)
  in_group java -jar target/metis.jar image --inventory "$work/inventory.yaml" --node "$1" --output "$work/target.img" \
    --cache "$work/cache" --state-dir "$work/state" > "$work/metis.out" 2>&1
  end=$(now)
  verify=$(sed -n 's/.*verify \([0-9.]*\) s.*/\1/p' "$work/metis.out")
  echo "$(echo "$end - $start - $verify" | bc) $verify"
  rm -f "$work/target.img"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

m() { printf '%s\n' "$@" | median; }
bytes=$(stat -c %s "$golden")
rate() { echo "scale=1; $bytes / $1 / 1000000" | bc; }
# One table row per source: median times of dd, metis, verify.
rows() {
  local label=$1 dd_t=() xzdd_t=() metis_t=() metis_v=() metisxz_t=() metisxz_v=() t v
  for _ in $(seq "$runs"); do
    dd_t+=("$(dd_run)")
    read -r t v < <(metis_run raw); metis_t+=("$t"); metis_v+=("$v")
    xzdd_t+=("$(xzdd_run)")
    read -r t v < <(metis_run xz); metisxz_t+=("$t"); metisxz_v+=("$v")
  done
  local d mt mv xd xt xv
  d=$(m "${dd_t[@]}"); mt=$(m "${metis_t[@]}"); mv=$(m "${metis_v[@]}")
  xd=$(m "${xzdd_t[@]}"); xt=$(m "${metisxz_t[@]}"); xv=$(m "${metisxz_v[@]}")
  echo "| $label | raw .img | dd bs=4M oflag=direct conv=fsync | $(rate "$d") | $(rate "$mt") | $(echo "scale=2; $d / $mt" | bc)x | $(rate "$mv") |"
  echo "| $label | .img.xz | xz -dc \| dd bs=4M oflag=direct conv=fsync | $(rate "$xd") | $(rate "$xt") | $(echo "scale=2; $xd / $xt" | bc)x | $(rate "$xv") |"
}

echo "Golden image: $size_mib MiB ($(stat -c %s "$golden.xz") bytes as xz), target a file on $(df --output=source "$work" | tail -1), median of $runs runs."
echo
echo "| target speed | source | anchor | anchor MB/s | metis image MB/s (without verify) | ratio | metis verify MB/s |"
echo "|---|---|---|---|---|---|---|"
rows "disk"
group=/sys/fs/cgroup/blkio/metis-bench-image
if [ -d /sys/fs/cgroup/blkio ] && mkdir -p "$group" 2>/dev/null; then
  echo "$(stat -c '%Hd:%Ld' "$work") $(( ${CARD_MBPS:-60} * 1000000 ))" > "$group/blkio.throttle.write_bps_device"
  THROTTLE=$group rows "card (${CARD_MBPS:-60} MB/s)"
  rmdir "$group"
fi
