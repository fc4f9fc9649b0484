#!/usr/bin/env bash
# The `quantize` command's contract, through the real binary (CTest:
# quantization.quantize_cli). Usage: quantize_cli.sh path/to/quantize WORKDIR
set -u
Q="$1"; W="$2"
mkdir -p "$W" && cd "$W" || exit 1
fail=0
check() { if [ "$2" != "$3" ]; then echo "FAIL: $1"; echo "  got:      $2"; echo "  expected: $3"; fail=1; else echo "ok: $1"; fi; }
hexof() { od -An -v -tx1 "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }

# One block of 32 float32 (little-endian): 127, -2.5, 2.5, 0.5, -0.5,
# 1.4999999 (0x3FBFFFFF), -126.5, 100.25, then 24 zeros. amax = 127, so
# d = 1.0 (fp16 3c00) and q = roundf(x), halves away from zero.
printf '\x00\x00\xfe\x42\x00\x00\x20\xc0\x00\x00\x20\x40\x00\x00\x00\x3f\x00\x00\x00\xbf\xff\xff\xbf\x3f\x00\x00\xfd\xc2\x00\x80\xc8\x42' > block.f32
head -c 96 /dev/zero >> block.f32

"$Q" --type q8_0 block.f32 block.q8_0 || { echo "FAIL: quantize --type q8_0 exited $?"; fail=1; }
check "q8_0 bytes" "$(hexof block.q8_0)" \
  "00 3c 7f fd 03 01 ff 01 81 64 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"

# Back to float32: 127, -3, 3, 1, -1, 1, -127, 100 (0x42FE0000, 0xC0400000, ...), zeros.
"$Q" --dequantize --type q8_0 block.q8_0 back.f32 || { echo "FAIL: --dequantize exited $?"; fail=1; }
check "q8_0 dequantized" "$(head -c 32 back.f32 | od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')" \
  "00 00 fe 42 00 00 40 c0 00 00 40 40 00 00 80 3f 00 00 80 bf 00 00 80 3f 00 00 fe c2 00 00 c8 42"
check "q8_0 dequantized size" "$(wc -c < back.f32 | tr -d ' ')" "128"

# Q4_0 of the same block: the largest magnitude is 127, d = 127 / -8 =
# -15.875 (fp16 cbf0), id = -1/15.875; 127 -> -8 -> nibble 0, -126.5 ->
# 7.97 + 8.5 -> 16 -> 15, 100.25 -> -6.31 + 8.5 -> 2, the small ones -> 8.
"$Q" --type q4_0 block.f32 block.q4_0 || { echo "FAIL: quantize --type q4_0 exited $?"; fail=1; }
check "q4_0 bytes" "$(hexof block.q4_0)" "f0 cb 80 88 88 88 88 88 8f 82 88 88 88 88 88 88 88 88"

# Errors: a length that is not a multiple of 32, a missing file, a bad type.
head -c 132 /dev/zero > short.f32   # 33 values
msg="$("$Q" --type q8_0 short.f32 out.bin 2>&1)"; rc=$?
check "33 values: exit code" "$rc" "2"
case "$msg" in *"short.f32"*"33 float32 values, not a multiple of 32"*) echo "ok: 33 values: message";; *) echo "FAIL: 33 values: message: $msg"; fail=1;; esac
msg="$("$Q" --type q8_0 missing.f32 out.bin 2>&1)"; rc=$?
check "missing file: exit code" "$rc" "2"
case "$msg" in *"missing.f32"*) echo "ok: missing file: message";; *) echo "FAIL: missing file: message: $msg"; fail=1;; esac
msg="$("$Q" --type q5_1 block.f32 out.bin 2>&1)"; rc=$?
check "bad type: exit code" "$rc" "2"
case "$msg" in *"q8_0 or --type q4_0"*) echo "ok: bad type: message";; *) echo "FAIL: bad type: message: $msg"; fail=1;; esac
msg="$("$Q" --dequantize --type q8_0 block.f32 out.bin 2>&1)"; rc=$?   # 128 bytes: not whole 34-byte blocks
check "dequantize wrong size: exit code" "$rc" "2"
exit $fail
