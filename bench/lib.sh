# shellcheck shell=bash disable=SC2034  # what this sets, the scripts that source it use
# Sourced by the bench scripts, from the repository's root.

# Every figure a tool prints or a script reads is written with a decimal point: in a locale with a decimal
# comma, sort -n and awk would misread "12.5".
export LC_ALL=C

# SMOKE=1: one short round of every workload, with small files and warm-ups, to check that every server,
# client and step of a benchmark still works (the test suite runs each benchmark so); its figures mean
# nothing. `smoke_or N M` prints M under SMOKE=1, N otherwise.
smoke=${SMOKE:-0}
smoke_or() { if [ "$smoke" = 1 ]; then echo "$2"; else echo "$1"; fi; }
# METIS_BENCH_NETNS_PREFIX goes before the name of every network namespace and veth a benchmark makes, so
# that benchmarks run side by side on one machine (as by several people) do not take each other's.
netns_prefix=${METIS_BENCH_NETNS_PREFIX:-}

# What every benchmark runs and compares against (installed, never started: an anchor server runs only
# inside a benchmark, on its own ports), then Metis itself.
deploy/dev/setup bench
[ -f target/metis.jar ] || mvn -B -q -DskipTests package

# Stops the benchmark, naming the figure, unless $2 is a plain positive number (digits, maybe a decimal
# point; no unit, no exponent): a tool whose output changed must fail the run, not print a nonsense figure.
positive() { # what value
  [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ && ! $2 =~ ^0*(\.0*)?$ ]] || { echo "$1 is not a positive number: '$2'" >&2; exit 1; }
}
