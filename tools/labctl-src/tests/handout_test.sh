#!/usr/bin/env bash
# End-to-end check of `labctl handout`: the handout of a one-lab track
# (simd-dot) holds no reference source and no hidden test, holds the compiled
# reference, and passes `labctl handout --check` (no withheld line, builds
# from a fresh clone, the starter fails at a TODO, the compiled reference
# passes). Then a handout with one reference line pasted into the starter
# must fail the check, naming the file and the line.
#   usage: LABCTL=path/to/labctl handout_test.sh WORK_DIR
set -euo pipefail
work=$1
: "${LABCTL:?set LABCTL to the labctl binary}"
rm -rf "$work"
mkdir -p "$work"
printf 'name = "Handout test"\n[[labs]]\nid = "simd-dot"\n' > "$work/track.toml"

"$LABCTL" handout --track "$work/track.toml" --out "$work/handout" | tee "$work/handout.log"
lab=$work/handout/phases/01-foundations/simd-dot
fail() { echo "handout_test: $*" >&2; exit 1; }
[ -f "$lab/student/simd_dot.cpp" ] || fail "the starter is missing"
[ -f "$lab/prebuilt/libsimd-dot_reference.a" ] || fail "the compiled reference is missing"
[ ! -e "$lab/reference" ] || fail "reference/ was handed out"
[ ! -e "$lab/tests/hidden" ] || fail "tests/hidden/ was handed out"
[ ! -e "$work/handout/phases/01-foundations/sgemm" ] || fail "a lab outside the track was handed out"
[ "$(git -C "$work/handout" rev-list --count HEAD)" = 1 ] || fail "the handout has more than one commit"

"$LABCTL" handout --check "$work/handout" --work "$work/check" | tee "$work/check.log"
grep -q "simd-dot: the untouched starter fails its tests and points at a TODO" "$work/check.log"
grep -q "simd-dot: the bench times the reference row" "$work/check.log"
grep -q "the handout passes the check" "$work/check.log"

# A leak: one line of the reference pasted into the starter.
secret=$(grep -m1 "acc1 = _mm256_fmadd_ps" "$LABS_SOURCE_DIR/phases/01-foundations/simd-dot/reference/avx2.cpp")
echo "$secret" >> "$lab/student/simd_dot.cpp"
git -C "$work/handout" -c user.name=t -c user.email=t@t commit -qam leak
if "$LABCTL" handout --check "$work/handout" --work "$work/check" > "$work/leak.log" 2>&1; then
  cat "$work/leak.log"; fail "a handout with a reference line passed the check"
fi
grep -q "phases/01-foundations/simd-dot/student/simd_dot.cpp:[0-9]*: acc1 = _mm256_fmadd_ps" "$work/leak.log" ||
  { cat "$work/leak.log"; fail "the leak report does not name the file, line and text"; }
echo "handout_test: ok"
