#!/usr/bin/env bash
# `labctl portfolio` as a browser draws it: writes the portfolio of a fixed
# simd-dot run (tests/data/portfolio), opens the HTML page in headless
# Chromium and checks that the roofline's dots (with their hover labels) and
# the tables are in the page it built, and that a screenshot shows the dots.
#   usage: portfolio_browser_test.sh LABCTL SOURCE_ROOT WORK_DIR
# Exit 77 (ctest: skipped) with the reason where Chromium is missing and
# cannot be installed, or cannot start here.
set -euo pipefail
labctl=$1
src=$2
work=$3
fixture=$src/tools/labctl-src/tests/data/portfolio
skip() {
  echo "SKIPPED: $*"
  exit 77
}

# Debian's chromium package, installed once on demand (a download of ~100 MB).
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get > /dev/null; then
    skip "no chromium, and installing it needs root and apt-get: sudo apt-get install chromium"
  fi
  echo "installing chromium (once; Debian's package) ..."
  if ! { nice -n 10 apt-get install -y --no-install-recommends chromium > "${TMPDIR:-/tmp}/portfolio-chromium-install.log" 2>&1 ||
    { apt-get update > /dev/null 2>&1 && nice -n 10 apt-get install -y --no-install-recommends chromium \
      > "${TMPDIR:-/tmp}/portfolio-chromium-install.log" 2>&1; }; }; then
    tail -5 "${TMPDIR:-/tmp}/portfolio-chromium-install.log"
    skip "apt-get install chromium failed (log above; offline?)"
  fi
  browser=$(command -v chromium)
fi

rm -rf "$work"
mkdir -p "$work/out/simd-dot"
cp "$fixture/results.json" "$work/out/simd-dot/"
cp "$fixture/machine.json" "$work/out/"
cp "$fixture/Counter.CountsUp.vcd" "$work/out/simd-dot/"
LABS_OUT=$work/out NO_COLOR=1 "$labctl" --root "$src" portfolio simd-dot
page=$work/out/simd-dot/portfolio.html
test -s "$page"
test -s "$work/out/simd-dot/portfolio.md"

# --no-sandbox: Chromium's sandbox refuses to run as root (containers, CI).
chrome() {
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" "$@" 2>> "$work/chromium.log"
}
if ! chrome --dump-dom "file://$page" > "$work/dom.html" || [[ ! -s $work/dom.html ]]; then
  tail -5 "$work/chromium.log"
  skip "chromium is installed but could not render a page here (log above)"
fi

fail() {
  echo "FAILED: $*"
  exit 1
}
dom=$work/dom.html
# The fixture has three timed rows with an arithmetic intensity (scalar,
# avx2, student): three dots, each carrying its hover label.
dots=$(grep -o '<circle[^>]*><title>dot/[a-z0-9]*/2048: [0-9.]* GFLOP/s at 0.25 flop/B</title>' "$dom" | wc -l)
[[ $dots -eq 3 ]] || fail "expected 3 labelled roofline dots in the rendered page, found $dots"
# Tables: tests, targets, speedups, measurements, machine.
tables=$(grep -o '<table>' "$dom" | wc -l)
[[ $tables -eq 5 ]] || fail "expected 5 tables in the rendered page, found $tables"
grep -q '<td>dot</td><td>2048</td><td>student</td><td>student</td><td>500 ns</td><td>8.19</td>' "$dom" ||
  fail "the student's measurement row is missing from the rendered page"
grep -q 'AMD EPYC (AuthenticAMD, CPU family 26, 2 logical CPUs)' "$dom" || fail "the machine is not named"
# The testbench's waveform: the bus q's segments, each with its hover label.
grep -q '<title>q = 0xa at 5</title></polygon>' "$dom" || fail "the waveform of Counter.CountsUp.vcd is not drawn"

# The screenshot: the dots are the page's only saturated colours (text is
# black, tables grey), so coloured pixels mean the SVG was drawn.
chrome --screenshot="$work/page.png" --window-size=1000,1400 "file://$page" > /dev/null ||
  fail "chromium rendered the DOM but could not take a screenshot (see $work/chromium.log)"
if ! command -v python3 > /dev/null; then
  echo "note: no python3 to read the screenshot; checked the rendered DOM only"
  echo "portfolio page rendered: $dots labelled dots, $tables tables"
  exit 0
fi
python3 - "$work/page.png" << 'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and colour in (2, 6), f"unexpected PNG format (depth {depth}, colour type {colour})"
        bpp = 4 if colour == 6 else 3
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), width * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(height):  # undo the PNG row filters
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
ink = coloured = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        ink += (r, g, b) != (255, 255, 255)
        coloured += max(r, g, b) - min(r, g, b) > 80
total = width * height
print(f"screenshot {width}x{height}: {100 * ink / total:.1f}% non-white, {coloured} saturated pixels")
assert ink > total * 0.01, "the page is blank"
assert coloured > 50, "no coloured dots: the roofline was not drawn"
EOF
echo "portfolio page rendered: $dots labelled dots, $tables tables"
