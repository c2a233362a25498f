#!/usr/bin/env bash
# metis image vs dd (and xz -dc | dd) writing the same golden image to the same target, one run.
#   bench/image/run.sh        (as root on Debian 12; SIZES_MIB="1024 4096" RUNS=3 by default;
#                              METIS="java -jar other/metis.jar" to measure another build;
#                              SMOKE=1: see bench/lib.sh, one 320 MiB image and a 600 MB/s card)
# Each golden image (a FAT32 'system-boot' partition and a root partition half full of real binaries,
# half empty, like a fresh Ubuntu card; 4096 MiB is the size of Ubuntu for Pi's image) is built once and
# kept in /var/cache/metis-bench/image.
# dd runs as `dd bs=4M oflag=direct conv=fsync`; Metis runs as deploy/bin/metis (the launcher the README
# documents) and its figure is its whole run (JVM start, inventory, injection, image check, write,
# fsync) minus the read-back verify, which is reported on its own; beside it, the rate of its write phase
# alone (first write to last fsync, as Metis reports it), which leaves out the fixed cost of starting
# and tells it from the streaming rate. Before the timed runs, one untimed run
# writes the launcher's class archive, and one run per image is its first use: no chunk manifest yet, so
# the whole file is hashed in order (reported as "first use").
# Into a file (`metis image --output`), Metis leaves chunks of zeros as holes; for reference, the last column
# is dd with conv=sparse, which does the same.
# The runs of the first size are repeated on a card: a loop device (`metis burn --device`, every byte
# written) whose writes a blkio cgroup (cgroup v1) throttles to CARD_MBPS (60) MB/s for both tools, as on an
# SD card; skipped where the controller is missing.
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
read -r -a sizes <<< "${SIZES_MIB:-$(smoke_or "1024 4096" 320)}"
runs=${RUNS:-$(smoke_or 3 1)}
card_mbps=${CARD_MBPS:-$(smoke_or 60 600)}
read -r -a metis <<< "${METIS:-deploy/bin/metis}"
cache=/var/cache/metis-bench/image
work=$(mktemp -d /var/tmp/metis-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/xdg

# Real binaries, over and over: enough for the root partition of any size.
binaries() {
  while :; do
    find /usr/lib /usr/bin -type f -size +64k 2>/dev/null | sort | xargs cat 2>/dev/null
    [ $? -ne 125 ] || break   # xargs: cat was killed, the reader has all it wants
  done
}

# Builds golden-<size>m.img and .img.xz once.
golden() {
  local size_mib=$1 golden="$cache/golden-$1m.img"
  if [ ! -f "$golden.xz" ]; then
    mkdir -p "$cache"
    local tmp="$golden.tmp"
    truncate -s "${size_mib}M" "$tmp"
    printf 'label: dos\nstart=8192, size=524288, type=c\nstart=532480, type=83\n' | sfdisk --no-reread --no-tell-kernel -q "$tmp"
    mkfs.vfat -F 32 -s 1 -n system-boot --offset 8192 "$tmp" 262144 >/dev/null
    echo "console=serial0,115200 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc" > "$work/cmdline.txt"
    printf '[all]\nkernel=vmlinuz\n' > "$work/config.txt"
    head -c $((40 * 1024 * 1024)) /usr/lib/jvm/*/lib/modules > "$work/vmlinuz" 2>/dev/null || head -c $((40 * 1024 * 1024)) /dev/urandom > "$work/vmlinuz"
    mcopy -i "$tmp@@4M" "$work/cmdline.txt" "$work/config.txt" "$work/vmlinuz" ::
    # Root partition: real binaries for half of it, zeros (free space) for the rest.
    local root_mib=$(( (size_mib - 260) / 2 ))
    { binaries || true; } | head -c $((root_mib * 1024 * 1024)) \
      | dd of="$tmp" bs=4M seek=$((532480 * 512)) oflag=seek_bytes conv=notrunc status=none
    xz -T2 -3 -c "$tmp" > "$golden.xz.tmp"
    mv "$tmp" "$golden"; mv "$golden.xz.tmp" "$golden.xz"
  fi
  [ -f "$golden" ] || xz -dc "$golden.xz" > "$golden"
}

{
  echo 'site: {name: bench, domain: bench.example, server_url: "http://192.0.2.2:8080", k3s_server: "https://192.0.2.10:6443"}'
  echo 'classes:'
  echo '  pi: {arch: arm64, delivery: sdcard, gateway: 192.0.2.1, k3s: {role: agent}}'
  echo 'nodes:'
} > "$work/inventory.yaml"
n=0
for size in "${sizes[@]}"; do
  golden "$size"
  g="$cache/golden-${size}m.img"
  n=$((n + 1))
  cat >> "$work/inventory.yaml" <<YAML
  raw-$size: {class: pi, mac: "dc:a6:32:00:01:$(printf %02x $n)", ip: 192.0.2.$((30 + n))/24, image: {path: "$g", sha256: $(sha256sum "$g" | cut -c1-64)}}
  xz-$size:  {class: pi, mac: "dc:a6:32:00:02:$(printf %02x $n)", ip: 192.0.2.$((60 + n))/24, image: {path: "$g.xz", sha256: $(sha256sum "$g.xz" | cut -c1-64)}}
YAML
done

now() { date +%s.%N; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN {printf "%.3f\n", end - start}'; }
# Reads a source into the page cache just before a timed run, as it is on a flash host that just
# downloaded it: this VM pages out files left alone for a few seconds (DAMON reclaim), and whichever tool
# ran first after a long xz run would otherwise pay for reading the image from disk.
warm() { cat "$1" > /dev/null; }
# Runs a command inside the throttling cgroup when THROTTLE is set.
in_group() {
  if [ -n "${THROTTLE:-}" ]; then sh -c 'echo $$ > "$0/tasks"; exec "$@"' "$THROTTLE" "$@"; else "$@"; fi
}
# Where every tool writes: a file on the disk, or (card rows) a loop device, which Metis writes as the block
# device a card is, every byte of it, while a file it writes sparse.
target=$work/target.img
clear_target() { [ -b "$target" ] || rm -f "$target"; }
# $2: extra dd conversions (",sparse": seek over zero blocks instead of writing them, as Metis does in a file).
dd_run() { local start; warm "$1"; start=$(now); in_group dd if="$1" of="$target" bs=4M oflag=direct "conv=fsync${2:-}" status=none; since "$start"; clear_target; }
xzdd_run() { local start; warm "$1"; start=$(now); in_group sh -c "xz -dc '$1' | dd of='$target' bs=4M oflag=direct conv=fsync${2:-} status=none iflag=fullblock"; since "$start"; clear_target; }
# Prints "<seconds without verify> <verify seconds> <write-phase MB/s>" for node $1, whose image is $2. The
# write phase is Metis's own figure: from its first write to the target's last fsync, without the start
# (JVM, inventory, rendering) before it. Read from Metis's closing lines as bytes and seconds, which it
# prints in fixed units, and computed here: a line in any other form stops the run.
metis_run() {
  local start end bytes summary write_s verify_s
  warm "$2"
  start=$(now)
  local write=(image --output "$target"); [ -b "$target" ] && write=(burn --device "$target" --yes)
  in_group "${metis[@]}" "${write[0]}" --inventory "$work/inventory.yaml" --node "$1" "${write[@]:1}" \
    --cache "$work/cache" --state-dir "$work/state" > "$work/metis.out" 2>&1 || { cat "$work/metis.out" >&2; exit 1; }
  end=$(now)
  bytes=$(sed -n -E 's/^node .* written to .*: ([0-9]+) bytes.*/\1/p' "$work/metis.out")
  summary=$(grep '^write .*: OK$' "$work/metis.out" || true)
  [[ $summary =~ ^write\ ([0-9.]+)\ s\ \(.*\),\ verify\ ([0-9.]+)\ s\ \(.*\):\ OK$ ]] \
    || { echo "metis printed no 'write S s (...), verify S s (...): OK' line:" >&2; cat "$work/metis.out" >&2; exit 1; }
  write_s=${BASH_REMATCH[1]}; verify_s=${BASH_REMATCH[2]}
  positive "metis's bytes written" "$bytes"; positive "metis's write seconds" "$write_s"; positive "metis's verify seconds" "$verify_s"
  awk -v start="$start" -v end="$end" -v bytes="$bytes" -v write="$write_s" -v verify="$verify_s" \
    'BEGIN {printf "%.3f %s %.1f\n", end - start - verify, verify, bytes / write / 1e6}'
  clear_target
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2] + a[NR/2+1]) / 2}'; }

m() { printf '%s\n' "$@" | median; }
rate() { awk -v bytes="$1" -v seconds="$2" 'BEGIN {printf "%.1f\n", bytes / seconds / 1e6}'; } # MB/s
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx\n", a / b}'; }
# Metis's write-phase MB/s over the anchor's whole-run MB/s.
phase_ratio() { ratio "$1" "$(rate "$2" "$3")"; }
# One table row per source of one size: median times of dd, metis, verify; the first use when measured.
rows() {
  local label=$1 size=$2 first_raw=$3 first_xz=$4 dd_t=() xzdd_t=() metis_t=() metis_v=() metis_p=() metisxz_t=() metisxz_v=() metisxz_p=() t v p run
  local sparse_t=() xzsparse_t=()
  local g="$cache/golden-${size}m.img" bytes
  bytes=$(stat -c %s "$g")
  for _ in $(seq "$runs"); do
    dd_t+=("$(dd_run "$g")")
    run=$(metis_run "raw-$size" "$g"); read -r t v p <<< "$run"; metis_t+=("$t"); metis_v+=("$v"); metis_p+=("$p")
    xzdd_t+=("$(xzdd_run "$g.xz")")
    run=$(metis_run "xz-$size" "$g.xz"); read -r t v p <<< "$run"; metisxz_t+=("$t"); metisxz_v+=("$v"); metisxz_p+=("$p")
    if [ ! -b "$target" ]; then sparse_t+=("$(dd_run "$g" ,sparse)"); xzsparse_t+=("$(xzdd_run "$g.xz" ,sparse)"); fi
  done
  # Every run's figures, for the spread: seconds, and Metis's write phase in MB/s.
  echo "$label $size raw: dd ${dd_t[*]} | metis ${metis_t[*]} | phase ${metis_p[*]} | sparse dd ${sparse_t[*]:-}" >&2
  echo "$label $size xz: dd ${xzdd_t[*]} | metis ${metisxz_t[*]} | phase ${metisxz_p[*]} | sparse dd ${xzsparse_t[*]:-}" >&2
  local ds=- xds=-
  [ ${#sparse_t[@]} -eq 0 ] || { ds=$(rate "$bytes" "$(m "${sparse_t[@]}")"); xds=$(rate "$bytes" "$(m "${xzsparse_t[@]}")"); }
  local d mt mv mp xd xt xv xp
  d=$(m "${dd_t[@]}"); mt=$(m "${metis_t[@]}"); mv=$(m "${metis_v[@]}"); mp=$(m "${metis_p[@]}")
  xd=$(m "${xzdd_t[@]}"); xt=$(m "${metisxz_t[@]}"); xv=$(m "${metisxz_v[@]}"); xp=$(m "${metisxz_p[@]}")
  local image="$size MiB"; [ $((size % 1024)) -ne 0 ] || image="$((size / 1024)) GiB"
  [ "$first_raw" = - ] || first_raw=$(rate "$bytes" "$first_raw")
  [ "$first_xz" = - ] || first_xz=$(rate "$bytes" "$first_xz")
  echo "| $label | $image | raw .img | dd bs=4M oflag=direct conv=fsync | $(rate "$bytes" "$d") | $(rate "$bytes" "$mt") | $(ratio "$d" "$mt") | $mp | $(phase_ratio "$mp" "$bytes" "$d") | $first_raw | $(rate "$bytes" "$mv") | $ds |"
  echo "| $label | $image | .img.xz | xz -dc \| dd bs=4M oflag=direct conv=fsync | $(rate "$bytes" "$xd") | $(rate "$bytes" "$xt") | $(ratio "$xd" "$xt") | $xp | $(phase_ratio "$xp" "$bytes" "$xd") | $first_xz | $(rate "$bytes" "$xv") | $xds |"
}

# The launcher's class archive, written by the first run of `image` and used by every later one.
metis_run "raw-${sizes[0]}" "$cache/golden-${sizes[0]}m.img" > /dev/null
rm -rf "$work/cache"

echo "Golden images: ${sizes[*]} MiB (as xz: $(for s in "${sizes[@]}"; do printf '%s ' "$(stat -c %s "$cache/golden-${s}m.img.xz")"; done)bytes), target a file on $(df --output=source "$work" | tail -1), median of $runs runs."
echo
echo "| target | image | source | anchor | anchor MB/s | metis MB/s (without verify) | ratio | metis write phase MB/s | its ratio | metis first use MB/s | metis verify MB/s | anchor with conv=sparse MB/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  g="$cache/golden-${size}m.img"
  first_raw=$(metis_run "raw-$size" "$g"); first_raw=${first_raw%% *}
  first_xz=$(metis_run "xz-$size" "$g.xz"); first_xz=${first_xz%% *}
  rows "disk" "$size" "$first_raw" "$first_xz"
done
# The card: a loop device over a preallocated file on the same disk, its writes throttled.
group=/sys/fs/cgroup/blkio/metis-bench-image
if [ -d /sys/fs/cgroup/blkio ] && mkdir -p "$group" 2>/dev/null; then
  fallocate -l "$(stat -c %s "$cache/golden-${sizes[0]}m.img")" "$work/card.img"
  target=$(losetup --direct-io=on --find --show "$work/card.img")
  trap 'losetup -d "$target"; rmdir "$group"; rm -rf "$work"' EXIT
  echo "$(cat "/sys/block/${target#/dev/}/dev") $(( card_mbps * 1000000 ))" > "$group/blkio.throttle.write_bps_device"
  THROTTLE=$group rows "card: loop device, $card_mbps MB/s" "${sizes[0]}" - -
fi
