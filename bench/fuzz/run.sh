#!/usr/bin/env bash
# Long Jazzer runs of every fuzz target (src/test/java/dev/metis/fuzz), one JVM each, seeded like FuzzIT.
#   bench/fuzz/run.sh          (FUZZ_MINUTES=10 per target by default)
# Prints a Markdown table (executions, seconds, crashes) for docs/benchmarks.md. A crash leaves its
# input and a Java reproducer in bench/fuzz/findings/ and makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${FUZZ_MINUTES:-10}
mvn -B -q -o test-compile 2>/dev/null || mvn -B -q test-compile
cp_file=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$cp_file" "$work"' EXIT
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null 2>&1 \
  || mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
classpath="target/test-classes:target/classes:$(cat "$cp_file")"
findings=bench/fuzz/findings
mkdir -p "$findings"

seed() {
  local target=$1 corpus=$2
  case "$target" in
    DhcpFuzzer) for f in src/test/resources/dhcp/*.hex; do xxd -r -p "$f" > "$corpus/$(basename "$f" .hex)"; done ;;
    TftpCodecFuzzer) printf '\0\1ipxe.efi\0octet\0blksize\0001468\0tsize\0000\0windowsize\0008\0' > "$corpus/rrq"; printf '\0\4\0\7' > "$corpus/ack" ;;
    InventoryFuzzer) cp deploy/example/inventory.yaml "$corpus/example" ;;
    HttpPathFuzzer) printf '\0/ipxe/52:54:00:20:00:11\1' > "$corpus/ipxe" ;;
  esac
}

echo "| target | executions | seconds | exec/s | crashes |"
echo "|---|---|---|---|---|"
status=0
for target in DhcpFuzzer TftpCodecFuzzer InventoryFuzzer HttpPathFuzzer; do
  corpus="$work/$target"; mkdir -p "$corpus"; seed "$target" "$corpus"
  log="$work/$target.log"
  set +e
  java -Xmx1g -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
    --target_class="dev.metis.fuzz.$target" \
    --instrumentation_includes='dev.metis.**:org.yaml.**:com.fasterxml.**:com.helger.**' \
    --reproducer_path="$findings" -artifact_prefix="$findings/" \
    -rss_limit_mb=4096 -max_total_time=$((minutes * 60)) "$corpus" > "$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log")
  secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log")
  crashes=0
  if [ "$rc" -ne 0 ]; then crashes=1; status=1; tail -40 "$log" >&2; fi
  echo "| $target | ${runs:-?} | ${secs:-?} | $(( ${runs:-0} / ${secs:-1} )) | $crashes |"
done
exit $status
