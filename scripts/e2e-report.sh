#!/usr/bin/env bash
# The HTML report in a real browser: `kord analyze --format html -o FILE`
# for the bundled recordings (each under 2 MB, nothing external in it), then
# Debian's chromium, headless and with every host name resolving to
# nothing, screenshots hot-key's page from a file:// URL; the PNG must be
# the window's size and not blank (many colours, much non-white). Also the
# Markdown format. Needs chromium (scripts/test.sh installs it); about 10 s.
# $KORD_BIN defaults to target/release/kord; SHOT=FILE keeps the screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-report: $KORD_BIN not built" >&2; exit 1; }
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || { echo "e2e-report: chromium is required (apt-get install -y chromium)" >&2; exit 1; }

DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
fail() { echo "e2e-report: FAIL: $*" >&2; exit 1; }

echo "e2e-report: every bundled recording as HTML"
for rec in recordings/*.jsonl; do
  name="$(basename "$rec" .jsonl)"
  out="$DIR/$name.html"
  "$KORD_BIN" analyze "$rec" --format html -o "$out" 2>"$DIR/err" || fail "$name: exit $?: $(cat "$DIR/err")"
  grep -q "wrote $out" "$DIR/err" || fail "$name: kord did not say where it wrote"
  size=$(stat -c %s "$out")
  [ "$size" -lt 2000000 ] || fail "$name: $size bytes, over 2 MB"
  # Self-contained: no script, no external URL in src/href/url(), no @import.
  if grep -Eiq '<script|@import|(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[a-z]+://|url\(' "$out"; then
    fail "$name: the page refers to something outside itself"
  fi
  grep -q '<svg' "$out" || fail "$name: no chart"
  echo "  $name: $size bytes"
done

echo "e2e-report: the hot-key story is told in words"
hk="$DIR/hot-key.html"
for want in 'Partition <b>7</b> is hot' 'bot-7' "consumer <b>c7</b> owns it" \
  'p99 wait climbs to' 'The fix kord measured' 'Wait over stream time' \
  'Entities with findings'; do
  grep -qF "$want" "$hk" || fail "hot-key.html lacks: $want"
done

echo "e2e-report: markdown"
"$KORD_BIN" analyze recordings/alert-flap.jsonl --format markdown >"$DIR/a.md"
grep -q '^| strategy | lost |' "$DIR/a.md" || fail "markdown has no strategy table"
grep -q '^### First findings' "$DIR/a.md" || fail "markdown has no findings table"

echo "e2e-report: chromium screenshot of file://$hk, offline"
png="$DIR/shot.png"
# Bounded: chromium gets 60 s; a headless screenshot takes a few seconds.
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update \
  --disable-sync --user-data-dir="$DIR/profile" \
  --host-resolver-rules="MAP * ~NOTFOUND" \
  --screenshot="$png" --window-size=1280,2000 "file://$hk" \
  >"$DIR/chromium.log" 2>&1 || { cat "$DIR/chromium.log" >&2; fail "chromium exit $?"; }
[ -s "$png" ] || { cat "$DIR/chromium.log" >&2; fail "no screenshot"; }

python3 - "$png" <<'EOF'
# A PNG decoder (8-bit RGB/RGBA, no interlace: what chromium writes), so the
# check needs no Pillow: the image has the window's size, many colours, and
# enough non-white pixels to be a page, not a blank or an error tab.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours, inked = set(), 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, w, 4):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours.add(px)
            if min(px) < 200:
                inked += 1
    prev = line
sampled = (h // 4 + (h % 4 > 0)) * (w // 4 + (w % 4 > 0))
share = inked / sampled
print(f"  screenshot {w}x{h}: {len(colours)} colours, {share:.1%} inked")
assert (w, h) == (1280, 2000), (w, h)
assert len(colours) >= 40, f"only {len(colours)} colours: blank?"
assert share >= 0.03, f"only {share:.1%} of the page is drawn: blank?"
EOF
if [ -n "${SHOT:-}" ]; then cp "$png" "$SHOT"; echo "  kept $SHOT"; fi
echo "e2e-report: ok"
