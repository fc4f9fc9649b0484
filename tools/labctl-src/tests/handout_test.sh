#!/usr/bin/env bash
# End-to-end check of `labctl handout`: the handout of a small track
# (simd-dot, and the HDL lab hdl-alu where Verilator is there) holds no
# reference source and no hidden test, holds the compiled reference (for
# hdl-alu, the Verilated model and its header), and passes `labctl handout
# --check` (no withheld line, builds from a fresh clone, the starter fails at
# a TODO, the compiled reference passes). Then a handout with one reference
# line pasted into the starter must fail the check, naming the file and the line.
#   usage: LABCTL=path/to/labctl [LABS_HAVE_VERILATOR=1] handout_test.sh WORK_DIR
set -euo pipefail
work=$1
: "${LABCTL:?set LABCTL to the labctl binary}"
rm -rf "$work"
mkdir -p "$work"
printf 'name = "Handout test"\n[[labs]]\nid = "simd-dot"\n' > "$work/track.toml"
hdl=${LABS_HAVE_VERILATOR:-0}
[ "$hdl" = 1 ] && printf '[[labs]]\nid = "hdl-alu"\n' >> "$work/track.toml"

"$LABCTL" handout --track "$work/track.toml" --out "$work/handout" | tee "$work/handout.log"
lab=$work/handout/phases/01-foundations/simd-dot
fail() { echo "handout_test: $*" >&2; exit 1; }
[ -f "$lab/student/simd_dot.cpp" ] || fail "the starter is missing"
[ -f "$lab/prebuilt/libsimd-dot_reference.a" ] || fail "the compiled reference is missing"
[ ! -e "$lab/reference" ] || fail "reference/ was handed out"
[ ! -e "$lab/tests/hidden" ] || fail "tests/hidden/ was handed out"
[ ! -e "$work/handout/phases/01-foundations/sgemm" ] || fail "a lab outside the track was handed out"
[ "$(git -C "$work/handout" rev-list --count HEAD)" = 1 ] || fail "the handout has more than one commit"
if [ "$hdl" = 1 ]; then
  alu=$work/handout/phases/01-foundations/hdl-alu
  [ ! -e "$alu/reference" ] || fail "hdl-alu's reference RTL was handed out"
  [ -f "$alu/prebuilt/libhdl-alu_reference.a" ] || fail "hdl-alu's compiled model is missing"
  [ -f "$alu/prebuilt/include/Valu_reference.h" ] || fail "hdl-alu's model header is missing"
  grep -qx "[0-9][0-9.]*" "$alu/prebuilt/verilator-version.txt" || fail "hdl-alu's Verilator version is missing"
fi

"$LABCTL" handout --check "$work/handout" --work "$work/check" | tee "$work/check.log"
grep -q "simd-dot: the untouched starter fails its tests and points at a TODO" "$work/check.log"
grep -q "simd-dot: the bench times the reference row" "$work/check.log"
if [ "$hdl" = 1 ]; then
  grep -q "hdl-alu: the untouched starter fails its tests and points at a TODO" "$work/check.log"
  grep -q "hdl-alu: the compiled reference (prebuilt/) passes the handout's tests" "$work/check.log"
fi
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
