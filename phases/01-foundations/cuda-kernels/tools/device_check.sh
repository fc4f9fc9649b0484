#!/usr/bin/env bash
# Runs the cuda-kernels lab on a GPU machine from binaries built elsewhere:
# the resource report, the CUDA tests, and the full benchmark, keeping every
# log. Nothing is compiled here, so the machine needs no GoogleTest, Google
# Benchmark, fmt or spdlog, and no network: only the NVIDIA driver and
# cuBLAS 13 (libcublas.so.13, part of the CUDA 13 toolkit).
#
#   bash phases/01-foundations/cuda-kernels/tools/device_check.sh <dir>
#
# <dir> holds what `cmake --build --preset default --target cuda-kernels_test_reference
# cuda-kernels_test_student cuda-kernels_bench cuda-kernels_resources labkit_cuda_tests`
# put in build/default/bin:
#   cuda-kernels_test_reference cuda-kernels_test_student cuda-kernels_bench
#   cuda-kernels_resources      labkit_cuda_tests (optional)
# and optionally <dir>/solved/: cuda-kernels_test_student and cuda-kernels_bench
# built with the student TODOs filled in, to check the student path on a GPU
# (tools/fill_starter_from_reference.py fills them; its docstring has the steps).
#
# Logs go to $OUT (or ./device-out), at most 8 files:
#   device-check.log           everything below, in order, with a summary at the end
#   tests-reference.log        tests-student.log        bench.log
#   cuda-bench.json            the benchmark's labkit.bench/1 results
#   cuobjdump-resources.txt    cuobjdump --dump-resource-usage of the bench (when cuobjdump exists)
#   solved.log                 the solved student's tests and benchmark (when <dir>/solved exists)
# Run it from the repository root (the labkit tests read common/cuda/tests/data).
# Exit status: 0 when the reference tests, the labkit tests and the benchmark passed.
set -u -o pipefail

bin=${1:?usage: device_check.sh <dir with the cuda-kernels binaries>}
bin=$(cd "$bin" && pwd)
out=${OUT:-$PWD/device-out}
mkdir -p "$out"
log="$out/device-check.log"
: >"$log"

say() { echo "$*" | tee -a "$log"; }
step() { say ""; say "=== $*"; }
declare -A rc

# FP32 everywhere: no TF32 tensor cores in cuBLAS either, so sgemm compares like with like.
export NVIDIA_TF32_OVERRIDE=0
# cuBLAS: the bench's RUNPATH names /usr/local/cuda/lib; add the other usual places.
cublas_dirs=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64)
pip_cublas=$(python3 -c 'import nvidia.cublas as m; print(list(m.__path__)[0] + "/lib")' 2>/dev/null || true)
[ -n "$pip_cublas" ] && cublas_dirs+=("$pip_cublas")
for d in "${cublas_dirs[@]}"; do
  if [ -e "$d/libcublas.so.13" ]; then LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"

step "machine"
{ nvidia-smi; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv; } 2>&1 | tee -a "$log"
say "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
ldd "$bin/cuda-kernels_bench" 2>&1 | tee -a "$log"

step "resource report (from ptxas at build time)"
"$bin/cuda-kernels_resources" --brief 2>&1 | tee -a "$log"
rc[resources]=$?
if command -v cuobjdump >/dev/null; then
  step "cross-check: cuobjdump --dump-resource-usage of the bench, through the same parser"
  cuobjdump --dump-resource-usage "$bin/cuda-kernels_bench" >"$out/cuobjdump-resources.txt" 2>&1
  "$bin/cuda-kernels_resources" --input "$out/cuobjdump-resources.txt" --brief 2>&1 | tee -a "$log"
  rc[cuobjdump]=$?
fi

if [ -x "$bin/labkit_cuda_tests" ]; then
  step "labkit CUDA tests"
  # Its parser tests read common/cuda/tests/data: from this checkout, not the build machine's.
  LABKIT_CUDA_TEST_DATA="$PWD/common/cuda/tests/data" timeout 60 "$bin/labkit_cuda_tests" --gtest_brief=1 2>&1 | tee -a "$log"
  rc[labkit]=$?
fi

step "reference tests (every step of every ladder)"
timeout 200 "$bin/cuda-kernels_test_reference" --gtest_brief=1 2>&1 | tee "$out/tests-reference.log" | tail -n 40 | tee -a "$log"
rc[reference]=$?

step "student tests (the untouched starter: expect Written.* to fail at TODO(1..3))"
timeout 60 "$bin/cuda-kernels_test_student" --gtest_brief=1 2>&1 | tee "$out/tests-student.log" | tail -n 20 | tee -a "$log"
rc[student]=$?

step "benchmark (full sizes)"
timeout 240 "$bin/cuda-kernels_bench" --out "$out/cuda-bench.json" 2>&1 | tee "$out/bench.log" | grep -v "^  count " | tee -a "$log"
rc[bench]=$?

if [ -d "$bin/solved" ]; then
  step "solved student: tests and benchmark (student rows only)"
  {
    timeout 120 "$bin/solved/cuda-kernels_test_student" --gtest_brief=1
    echo "student tests rc=$?"
    timeout 120 "$bin/solved/cuda-kernels_bench" --impl student --quick
    echo "student bench rc=$?"
  } 2>&1 | tee "$out/solved.log" | grep -v "^  count " | tail -n 60 | tee -a "$log"
fi

step "summary"
for k in resources cuobjdump labkit reference student bench; do
  [ -n "${rc[$k]+x}" ] && say "$k rc=${rc[$k]}"
done
say "(student rc=1 is expected: the starter's Written.* tests fail at their TODO)"
status=0
for k in reference bench labkit; do
  if [ -n "${rc[$k]+x}" ] && [ "${rc[$k]}" != 0 ]; then status=1; fi
done
say "device check: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
