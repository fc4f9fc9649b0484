#!/usr/bin/env bash
# End-to-end check of `labctl new`: in a copy of the source tree, scaffold a
# lab, configure and build just that lab, and check that its reference passes,
# its starter fails at a TODO, and its benchmark runs.
#   usage: LABCTL=path/to/labctl new_lab_test.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
src=$1
work=$2
: "${LABCTL:?set LABCTL to the labctl binary}"
rm -rf "$work"
mkdir -p "$work/tree"
# The tree without build outputs, results or existing labs: only the new lab is built.
tar -C "$src" --exclude=./build --exclude=./out --exclude=./.git --exclude=./phases -cf - . | tar -C "$work/tree" -xf -
cp "$src/phases/CMakeLists.txt" "$work/tree/phases/" 2>/dev/null || { mkdir -p "$work/tree/phases"; cp "$src/phases/CMakeLists.txt" "$work/tree/phases/"; }

"$LABCTL" --root "$work/tree" new scaffold-check --phase 3 --title "Scaffold check"
test -f "$work/tree/phases/03-ml-systems/scaffold-check/lab.toml"

export CCACHE_BASEDIR="$work/tree"
cmake -S "$work/tree" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLABS_ENABLE_CUDA=OFF \
  -DLABS_ENABLE_VERILATOR=OFF -DLABS_ALLOW_FETCH=OFF > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" --target scaffold-check_test_reference scaffold-check_test_student scaffold-check_bench \
  > "$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }

"$work/build/bin/scaffold-check_test_reference" --gtest_brief=1
if "$work/build/bin/scaffold-check_test_student" > "$work/student.log" 2>&1; then
  echo "FAIL: the untouched starter passed its tests"; exit 1
fi
grep -q "TODO(1)" "$work/student.log" || { echo "FAIL: the starter's failure does not point at TODO(1)"; cat "$work/student.log"; exit 1; }
"$work/build/bin/scaffold-check_bench" --smoke
echo "new lab scaffold: builds, reference passes, starter fails at TODO(1), bench runs"
rm -rf "$work"
