#!/usr/bin/env bash
# `labctl handout` of a CUDA lab, end to end: the handout of cuda-kernels holds
# no reference kernel source, holds the compiled kernels and ptxas's report on
# them, passes `labctl handout --check` (CUDA on), and the handout's resource
# report (registers, shared memory, occupancy of every kernel, no GPU needed)
# is the course's, line for line. Without a GPU the reference tests skip, so
# this proves the build and the report, not the kernels' answers.
#   usage: LABCTL=path/to/labctl RESOURCES=path/to/the course's cuda-kernels_resources \
#          handout_cuda_test.sh WORK_DIR
set -euo pipefail
work=$1
: "${LABCTL:?set LABCTL to the labctl binary}" "${RESOURCES:?set RESOURCES to cuda-kernels_resources of the course build}"
fail() { echo "handout_cuda_test: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
printf 'name = "CUDA handout test"\n[[labs]]\nid = "cuda-kernels"\n' > "$work/track.toml"

"$LABCTL" handout --track "$work/track.toml" --out "$work/handout" | tee "$work/handout.log"
lab=$work/handout/phases/01-foundations/cuda-kernels
[ ! -e "$lab/reference" ] || fail "reference/ was handed out"
[ -f "$lab/prebuilt/libcuda-kernels_reference.a" ] || fail "the compiled kernels are missing"
grep -q "Compiling entry function '.*reference" "$lab/prebuilt/libcuda-kernels_reference.resource-usage.txt" ||
  fail "ptxas's report on the reference kernels is missing"

"$LABCTL" handout --check "$work/handout" --work "$work/check" | tee "$work/check.log"
grep -q "cuda-kernels: the untouched starter fails its tests and points at a TODO" "$work/check.log"
grep -q "the handout passes the check" "$work/check.log"

cmake --build "$work/check/handout/build/check" --target cuda-kernels_resources > "$work/resources-build.log"
"$work/check/handout/build/check/bin/cuda-kernels_resources" > "$work/handout-resources.txt"
"$RESOURCES" > "$work/course-resources.txt"
diff "$work/course-resources.txt" "$work/handout-resources.txt" ||
  fail "the handout's resource report differs from the course's (above)"
echo "handout_cuda_test: ok"
