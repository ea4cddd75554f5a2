#!/usr/bin/env bash
# Soak: `kord live` in tmux against tansu while a producer writes without
# pause, for SOAK_SECS (default 120 in CI; 600 by hand). Every 10 s it samples
# kord's RSS and the title's "received" count, then checks: the screen kept
# updating (the count grew in every sample after the first minute), nothing
# was dropped but by the window (the title's received equals what was
# produced, within what is still in flight), and RSS levelled off (the last
# third of the samples grew less than 10% over their first). Prints the
# samples. Needs tmux and a tansu install (scripts/tansu.sh).
# Bounded: SOAK_SECS + about 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
SOAK_SECS="${SOAK_SECS:-120}"
WINDOW="${SOAK_WINDOW:-50000}"
[ -x "$KORD_BIN" ] || { echo "e2e-soak: $KORD_BIN not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "e2e-soak: tmux is required" >&2; exit 1; }

WORK="$(mktemp -d)"
NAME=e2e-soak S=soak PAUSE=0.3
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
PRODUCER=""
cleanup() {
  [ -n "$PRODUCER" ] && kill "$PRODUCER" 2>/dev/null || true
  T kill-server 2>/dev/null || true
  scripts/tansu.sh stop "$WORK/broker" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BROKER="$(scripts/tansu.sh start "$WORK/broker")"
TOPIC="e2e-soak-$$"
"$KORD_BIN" synth alert-flap -o "$WORK/lens.jsonl" --events 10 >/dev/null
# A first batch creates the topic (4 partitions).
"$KORD_BIN" produce alert-flap -b "$BROKER" -t "$TOPIC" --events 2000 --partitions 4 --seed 1 >/dev/null

# The producer: batches of 2000 events, one after the other, counted.
(
  seed=2
  while :; do
    "$KORD_BIN" produce alert-flap -b "$BROKER" -t "$TOPIC" --events 2000 --partitions 4 --seed "$seed" >/dev/null 2>&1 || exit 0
    echo "$seed" >"$WORK/batches"
    seed=$((seed + 1))
  done
) &
PRODUCER=$!

T new-session -d -s "$S" -x 200 -y 45 \
  "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME PS1='e2e\$ ' bash --norc --noprofile"
wait_for 'e2e$'
keys "clear; $KORD_BIN live -b $BROKER -t $TOPIC --lens $WORK/lens.jsonl --window $WINDOW --timeout 5s" Enter
wait_for '● connected' 30

PANE_PID="$(T list-panes -t "$S" -F '#{pane_pid}')"
KORD_PID=""
for _ in $(seq 50); do
  KORD_PID="$(pgrep -P "$PANE_PID" -x kord || true)"
  [ -n "$KORD_PID" ] && break
  sleep 0.1
done
[ -n "$KORD_PID" ] || fail "kord is not running"

# received: the title's count, expanded (1.2k -> 1200, 34k -> 34000, 1.2M -> 1200000).
received() {
  screen | grep -o '[0-9.]*[kM]\? received' | head -1 | awk '{
    v = $1; m = 1; if (v ~ /k$/) m = 1000; if (v ~ /M$/) m = 1000000; sub(/[kM]$/, "", v); printf "%d\n", v * m }'
}

echo "e2e-soak: ${SOAK_SECS}s, window $WINDOW; t(s) rss(kB) received"
samples=()
counts=()
end=$((SECONDS + SOAK_SECS))
while [ $SECONDS -lt $end ]; do
  sleep 10
  kill -0 "$KORD_PID" 2>/dev/null || fail "kord exited"
  rss="$(awk '/VmRSS/ {print $2}' "/proc/$KORD_PID/status")"
  n="$(received)"
  samples+=("$rss"); counts+=("${n:-0}")
  echo "  $((SOAK_SECS - end + SECONDS)) $rss ${n:-?}"
done
kill "$PRODUCER" 2>/dev/null || true; PRODUCER=""

k=${#samples[@]}
[ "$k" -ge 3 ] || fail "too few samples"
# The screen kept updating: the count never went back, and grew over every
# 20 s (the title shows 1.2M-style counts, 100k steps past a million, which
# one 10 s sample may not cross).
for i in $(seq 1 $((k - 1))); do
  [ "${counts[$i]}" -ge "${counts[$((i - 1))]}" ] || fail "the received count went back at sample $i (${counts[$i]})"
  if [ "$i" -ge 2 ]; then
    [ "${counts[$i]}" -gt "${counts[$((i - 2))]}" ] || fail "the received count stalled at sample $i (${counts[$i]})"
  fi
done
# RSS levelled off: over the last third, growth under 10%.
first=$((k - k / 3 - 1))
a="${samples[$first]}"; b="${samples[$((k - 1))]}"
[ $((b * 100)) -le $((a * 110)) ] || fail "RSS still growing in the last third: $a kB -> $b kB"
# Nothing dropped but by the window: kord has received all produced so far
# (counted once the producer stopped and kord caught up).
batches="$(cat "$WORK/batches" 2>/dev/null || echo 1)"
produced=$((2000 * batches))
sleep 5
n="$(received)"
[ "$n" -ge $((produced * 95 / 100)) ] || fail "received $n of at least $produced produced"
screen | grep -q "window $(awk -v n="$WINDOW" 'BEGIN { if (n < 1000) print n; else if (n < 10000) printf "%.1fk\n", n/1000; else if (n < 1000000) printf "%dk\n", n/1000; else printf "%.1fM\n", n/1000000 }')" \
  || fail "the title should name the window once it drops events"
keys 'q'
wait_for 'e2e$'
echo "e2e-soak: ok (rss ${samples[0]} -> ${samples[$((k - 1))]} kB, received $n)"
