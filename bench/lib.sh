# Sourced by the bench scripts, from the repository's root.

# SMOKE=1: one short round of every workload, with small files and warm-ups, to check that every server,
# client and step of a benchmark still works (the test suite runs each benchmark so); its figures mean
# nothing. `smoke_or N M` prints M under SMOKE=1, N otherwise.
smoke=${SMOKE:-0}
smoke_or() { if [ "$smoke" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# Installs the Debian packages given that are missing, without starting the daemons they ship (an
# anchor server runs only inside a benchmark, on its own ports).
install_missing() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  apt-get update -qq
  (
    # A policy the machine already has stays as it is.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    fi
    for p in "${missing[@]}"; do DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; done
  )
}

[ -f target/metis.jar ] || mvn -B -q -DskipTests package
