#!/usr/bin/env bash
# End-to-end run of `kord live` in tmux against a real broker (tansu): publish
# a scenario with `kord produce`, watch the topic, check the screen shows the
# connection, the events, the partitions and the watermarks; publish more and
# see the view follow; observe a group in the consumers panel; then stop the
# broker and check "disconnected" appears while everything loaded stays
# browsable; quit and check the terminal is restored.
# It starts a broker of its own (scripts/tansu.sh start), since it kills it;
# KORD_TEST_BROKER (scripts/test.sh) is left alone. $KORD_BIN defaults to
# target/release/kord.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-live: $KORD_BIN not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "e2e-live: tmux is required" >&2; exit 1; }

WORK="$(mktemp -d)"
NAME=e2e-live S=live PAUSE=0.3
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
cleanup() {
  T kill-server 2>/dev/null || true
  scripts/tansu.sh stop "$WORK/broker" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# compact N: the title's short form of a count (999, 1.2k, 34k, 1.2M).
compact() {
  awk -v n="$1" 'BEGIN { if (n < 1000) print n; else if (n < 10000) printf "%.1fk\n", n/1000;
                         else if (n < 1000000) printf "%dk\n", n/1000; else printf "%.1fM\n", n/1000000 }'
}

BROKER="$(scripts/tansu.sh start "$WORK/broker")"
TOPIC="e2e-live-$$"
echo "e2e-live: broker $BROKER, topic $TOPIC"
"$KORD_BIN" synth alert-flap -o "$WORK/alert-flap.jsonl" --seed 7
"$KORD_BIN" produce alert-flap -b "$BROKER" -t "$TOPIC" --seed 7
N="$("$KORD_BIN" analyze "$WORK/alert-flap.jsonl" --format json | jq .events)"
P="$("$KORD_BIN" analyze "$WORK/alert-flap.jsonl" --format json | jq .partitions)"

# The window holds the first batch but not both: the oldest are dropped.
W=$((N * 3 / 2))

T new-session -d -s "$S" -x 260 -y 45 \
  "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME PS1='e2e\$ ' bash --norc --noprofile"
wait_for 'e2e$'
keys "clear; $KORD_BIN live -b $BROKER -t $TOPIC --lens $WORK/alert-flap.jsonl --group e2e-observed --timeout 3s --window $W" Enter

echo "e2e-live: connected, $N events on $P partitions"
wait_for '● connected' 20
wait_for "$(compact "$N") events · $P partitions" 20
wait_for "$(compact "$N") received"
wait_for 'kord lag'
wait_for 'wm p'
wait_for 'strategy versioned'
screen | grep -q 'alert-0' || fail "no entity rows"

echo "e2e-live: more records arrive, the view follows them, --window $W drops the oldest"
"$KORD_BIN" produce alert-flap -b "$BROKER" -t "$TOPIC" --seed 7 2>/dev/null
wait_for "$(compact "$W") events · $P partitions" 20
wait_for "$(compact $((2 * N))) received"
wait_for "window $(compact "$W")"
wait_for "#$((W - 1)) "

echo "e2e-live: the observed group in the consumers panel"
keys 'C'
wait_for 'observed group "e2e-observed"' 15

echo "e2e-live: broker stopped: disconnected, data kept"
scripts/tansu.sh stop "$WORK/broker"
wait_for 'disconnected' 30
wait_for "$(compact "$W") events · $P partitions"
keys 'Home'
wait_for '#0 '
keys '.'
wait_for '#1 '
keys 'q'
wait_for 'e2e$'
wait_gone 'kord lag'
keys 'stty -a | tr " " "\n" | grep -qx icanon && echo COOKED-$((40+2))' Enter
wait_for 'COOKED-42'
echo "e2e-live: all ok"
