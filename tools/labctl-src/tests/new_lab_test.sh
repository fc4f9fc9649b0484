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

# The build sits two levels inside the tree, like build/<preset> in a checkout:
# ccache's base_dir is the tree (cmake/Ccache.cmake), so labkit's objects come
# from the main build's cache entries.
build=$work/tree/build/check
cmake -S "$work/tree" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLABS_ENABLE_CUDA=OFF \
  -DLABS_ENABLE_VERILATOR=OFF -DLABS_ALLOW_FETCH=OFF > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$build" --target scaffold-check_test_reference scaffold-check_test_student scaffold-check_bench \
  > "$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }

# The template compiles without a warning of its own (it warned -Wvolatile once):
# a new lab starts clean, so its author sees their own warnings.
if grep -E "scaffold-check/.*warning:" "$work/build.log"; then
  echo "FAIL: the scaffolded lab's sources warn"; exit 1
fi
"$build/bin/scaffold-check_test_reference" --gtest_brief=1
# Every test task's filter names tests of the lab, and not every test ("*"):
# a test the author adds must not join a task unasked.
lab=$work/tree/phases/03-ml-systems/scaffold-check
filters=$(sed -n 's/^filter *= *"\(.*\)".*/\1/p' "$lab/lab.toml")
[ -n "$filters" ] || { echo "FAIL: the template's lab.toml has no test task with a filter"; exit 1; }
for f in $filters; do
  [ "$f" != "*" ] || { echo "FAIL: a template task has filter = \"*\""; exit 1; }
  "$build/bin/scaffold-check_test_reference" --gtest_list_tests --gtest_filter="$f" | grep -q "^  " ||
    { echo "FAIL: the template's filter '$f' matches no test"; exit 1; }
done
if "$build/bin/scaffold-check_test_student" > "$work/student.log" 2>&1; then
  echo "FAIL: the untouched starter passed its tests"; exit 1
fi
grep -q "TODO(1)" "$work/student.log" || { echo "FAIL: the starter's failure does not point at TODO(1)"; cat "$work/student.log"; exit 1; }
"$build/bin/scaffold-check_bench" --smoke
echo "new lab scaffold: builds, reference passes, starter fails at TODO(1), bench runs"
rm -rf "$work"
