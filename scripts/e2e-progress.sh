#!/usr/bin/env bash
# Progress on stderr, as a person sees it: `kord analyze BIG.jsonl` in tmux
# (stderr a terminal) shows a progress line while it reads, then clears it;
# on a pipe, or with --quiet, stderr stays empty and JSON on stdout is never
# mixed with it. With KORD_TEST_BROKER set, `kord record` of a topic shows
# its progress too. Needs tmux; about 20 s (a 1M-event synth and its reads).
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-progress: $KORD_BIN not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "e2e-progress: tmux is required" >&2; exit 1; }

NAME=e2e-progress
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
DIR="$(mktemp -d)"
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

BIG="$DIR/big.jsonl"
"$KORD_BIN" synth alert-flap -o "$BIG" --events 1000000 --partitions 16 --entities 50000
# The scenario loses 0.2% of its versions: the report counts the file's records.
N=$(($(wc -l <"$BIG") - 1))

S=progress
T new-session -d -s "$S" -x 160 -y 30 \
  "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME PS1='e2e\$ ' bash --norc --noprofile"
wait_for 'e2e$'

echo "e2e-progress: a terminal shows the progress line while reading"
# KORD_THREADS=1: one reader, so the read lasts long enough to be seen.
T send-keys -t "$S" "clear; KORD_THREADS=1 $KORD_BIN analyze $BIG --strategy versioned --format json > $DIR/out.json; echo DONE-\$?" Enter
wait_for "reading $BIG" 30
wait_for 'DONE-0' 60
screen | grep -qF "reading $BIG" && fail "the progress line was not cleared"
jq -e --argjson n "$N" '.events == $n' "$DIR/out.json" >/dev/null || fail "the JSON report is not clean"

echo "e2e-progress: --quiet shows none on a terminal"
T send-keys -t "$S" "clear; KORD_THREADS=1 $KORD_BIN analyze $BIG --strategy versioned --format json --quiet > $DIR/q.json; echo QDONE-\$?" Enter
deadline=$((SECONDS + 60))
until screen | grep -qF 'QDONE-0'; do
  screen | grep -qF 'reading' && fail "--quiet showed progress"
  [ $SECONDS -lt $deadline ] || fail "--quiet run never ended"
  sleep 0.05
done

echo "e2e-progress: a pipe gets none"
KORD_THREADS=1 "$KORD_BIN" analyze "$BIG" --strategy versioned --format json 2>"$DIR/err" | jq -e --argjson n "$N" '.events == $n' >/dev/null
[ ! -s "$DIR/err" ] || { echo "e2e-progress: FAIL: stderr on a pipe: $(head -c 300 "$DIR/err")" >&2; exit 1; }

if [ -n "${KORD_TEST_BROKER:-}" ]; then
  echo "e2e-progress: kord record shows records, partitions and the end"
  TOPIC="progress-$$-$(date +%s%N)"
  # alert-flap drops 0.2% of its versions: produce says how many records it wrote.
  M="$("$KORD_BIN" produce alert-flap -b "$KORD_TEST_BROKER" -t "$TOPIC" --events 200000 --partitions 8 2>&1 >/dev/null \
    | sed -n 's/.*produced \([0-9]*\) records.*/\1/p')"
  [ -n "$M" ] || fail "produce did not say how many records it wrote"
  T send-keys -t "$S" "clear; $KORD_BIN record -b $KORD_TEST_BROKER -t $TOPIC -o $DIR/rec.jsonl; echo RDONE-\$?" Enter
  wait_for 'partitions at the end' 30
  wait_for 'RDONE-0' 60
  wait_for "recorded $M records"
  [ "$(wc -l < "$DIR/rec.jsonl")" -eq $((M + 1)) ] || fail "recording incomplete"
  "$KORD_BIN" record -b "$KORD_TEST_BROKER" -t "$TOPIC" -o "$DIR/rec2.jsonl" 2>"$DIR/rerr"
  grep -q 'partitions at the end' "$DIR/rerr" && fail "progress on a pipe"
fi
echo "e2e-progress: ok"
