#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2154  # the variables set here are read, and set, by the sourced functions
# tools/labctl's budget lines, printed at the end of a build folder's first
# selftest (README, docs/authoring.md): the seconds spent against the 600 (package
# time left out), ccache's share of the compiles, and the CPU seconds used
# against the 1200 that 2 cores give in 10 minutes, with the kernel's share.
# The functions are sourced from the wrapper itself, so this is what it prints.
#
#   usage: tools/labctl-src/tests/wrapper_budget_test.sh SOURCE_ROOT
# CTest runs it as `labctl.wrapper_budget` (tools/labctl-src/CMakeLists.txt).
set -euo pipefail
src=${1:?usage: wrapper_budget_test.sh SOURCE_ROOT}
# shellcheck source-path=SCRIPTDIR source=../../labctl
LABCTL_FUNCTIONS_ONLY=1 source "$src/tools/labctl"

failures=0
expect() { # expect NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "ok: $1"
  else
    printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}

# 1. Seconds: package steps are not part of the budget; over 600 says by how much.
timings=("packages: apt-get update 1" "packages: download 7" "packages: install 57" "configure 16" "build 478" "tests 283")
cache_before="10 40" cache_after="12 293" cpu_before=""
expect "seconds over, packages apart" \
  "labctl: budget: this first selftest of build/default spent 777 s configuring, building and testing: 177 s over the 10 minutes a fresh clone with an empty ccache has on 2 cores (here: $(nproc) cores, 2 of 255 compiles from ccache; docs/authoring.md)" \
  "$(print_budget 2>&1)"

timings=("configure 12" "build 300" "tests 200")
cache_before="0 0" cache_after="250 5"
expect "within, from a warm cache" \
  "labctl: budget: this first selftest of build/default spent 512 s configuring, building and testing: within the 10 minutes a fresh clone with an empty ccache has on 2 cores (here: $(nproc) cores, 250 of 255 compiles from ccache: not a fresh clone's time; docs/authoring.md)" \
  "$(print_budget 2>&1)"

# 2. CPU seconds: over 1200 cannot fit on 2 cores; a kernel share of a fifth or more is named.
expect "CPU over, kernel share high" \
  "budget: it used 1492 CPU seconds (1140 user, 352 system) against the 1200 that 2 cores give in 10 minutes: too much work for 2 cores, however it overlaps; the kernel's share, 23%, is high (on some VMs a page fault costs about 10 us: README)" \
  "$(budget_cpu_line 1140 352)"
expect "CPU within, kernel share low" \
  "budget: it used 1000 CPU seconds (920 user, 80 system) against the 1200 that 2 cores give in 10 minutes" \
  "$(budget_cpu_line 920 80)"
expect "no CPU time at all" \
  "budget: it used 0 CPU seconds (0 user, 0 system) against the 1200 that 2 cores give in 10 minutes" \
  "$(budget_cpu_line 0 0)"

# 3. children_cpu counts the CPU time of finished children: read in this
#    shell, not in a subshell (which has no children of its own and reads 0).
#    Children work until it reads a whole second more (about one second),
#    or for 10 s at most.
children_cpu before
end=$((SECONDS + 10)) used=0
while [ "$used" -lt 1 ] && [ "$SECONDS" -lt "$end" ]; do
  head -c 20000000 /dev/zero | cksum > /dev/null
  children_cpu after
  used=$((${after% *} + ${after#* } - ${before% *} - ${before#* }))
done
if [ "$used" -ge 1 ]; then
  echo "ok: children_cpu saw $used CPU second(s) of children"
else
  echo "FAIL: children_cpu saw no CPU time after 10 s of children at work (before: $before, after: $after)"
  failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all budget-line checks passed"
