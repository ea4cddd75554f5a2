#!/usr/bin/env bash
# End-to-end runs of the TUI in tmux, as a person would use it: start
# `kord replay recordings/alert-flap.jsonl` in a detached session (120x40 and
# 80x24), send keys, capture the pane and assert on what is on screen, then
# check that quitting (and SIGTERM) gives the shell prompt back in a sane
# terminal. Needs tmux; $KORD_BIN defaults to target/release/kord.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-tui: $KORD_BIN not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "e2e-tui: tmux is required" >&2; exit 1; }

NAME=e2e-tui
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
cleanup() { T kill-server 2>/dev/null || true; }
trap cleanup EXIT

# start NAME WIDTH HEIGHT: a shell with a known prompt in a detached session.
start() {
  S="$1"
  T new-session -d -s "$S" -x "$2" -y "$3" \
    "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME PS1='e2e\$ ' bash --norc --noprofile"
  wait_for 'e2e$'
}
run_kord() { keys "clear; $KORD_BIN $*" Enter; }

# The prompt is back, the alternate screen is gone, the tty is cooked.
assert_restored() {
  wait_for 'e2e$'
  wait_gone '│ strategy'
  keys 'stty -a | tr " " "\n" | grep -qx icanon && echo COOKED-$((40+2))' Enter
  wait_for 'COOKED-42'
}

echo "e2e-tui: 120x40 walk through alert-flap"
start big 120 40
run_kord replay recordings/alert-flap.jsonl
wait_for 'strategy versioned'
wait_for 'alert-0001'
wait_for '#0/'
# Step one event: the seed trace's v3 arrives and strict versioning rejects it.
keys '.'
wait_for '#1/'
wait_for 'rejected: gap: expected version 2, got 3'
screen | grep -q '✗' || fail "no rejected glyph in the grid"
# Next finding: the cursor moves on and the status line names the finding.
keys 'n'
wait_gone '#1/'
screen | grep -Eq '(version_gap|out_of_order|duplicate|phantom|rejected|hol_blocking|expired|clock_skew|split_entity)' \
  || fail "no finding named after n"
# Buffered holds v3 and releases it.
keys ':strategy buffered' Enter
wait_for 'strategy buffered'
keys ':goto 1' Enter
wait_for 'held: waiting for version 2'
# Compare view and the advisor.
keys 'c'
wait_for 'advisor:'
keys Escape
wait_gone 'advisor:'
# Help lists the keys.
keys '?'
wait_for 'kord keys'
wait_for 'next / prev finding'
keys 'q'
assert_restored
echo "e2e-tui: 120x40 ok"

echo "e2e-tui: 80x24"
start small 80 24
run_kord replay recordings/alert-flap.jsonl
wait_for 'strategy versioned'
keys '.'
wait_for 'rejected: gap: expected version 2'
keys 'n'
keys '?'
wait_for 'kord keys'
keys 'q'
assert_restored
echo "e2e-tui: 80x24 ok"

echo "e2e-tui: too small, then SIGTERM"
start tiny 40 10
run_kord demo
wait_for 'Terminal too small'
PANE_PID="$(T list-panes -t tiny -F '#{pane_pid}')"
KORD_PID=""
for _ in $(seq 50); do
  KORD_PID="$(pgrep -P "$PANE_PID" -x kord || true)"
  [ -n "$KORD_PID" ] && break
  sleep 0.1
done
[ -n "$KORD_PID" ] || fail "kord is not running"
kill -TERM "$KORD_PID"
wait_gone 'Terminal too small'
assert_restored
echo "e2e-tui: SIGTERM ok"

echo "e2e-tui: bare kord opens the demo"
start demo 120 40
run_kord
wait_for 'demo alert-flap'
keys 'q'
wait_for 'e2e$'
wait_gone 'demo alert-flap'
echo "e2e-tui: the hot-key demo: two consumers join, then the composite-key what-if"
start hot 150 46
run_kord demo hot-key
wait_for 'demo hot-key'
keys 'C'
wait_for 'consumers: 8 at #0'
wait_for 'recorded 8p, busiest p7 82% (1 hot)'
keys ':1000' Enter
keys 'a'
wait_for 'consumers: 9 at #1000'
keys 'a'
wait_for 'consumers: 10 at #1000'
keys ':3000' Enter
wait_for 'consumers: 10 at #3000'
# The two new members got nothing: 8 partitions cannot feed 10 consumers, and
# the hot partition keeps its one owner and its backlog.
[ "$(screen | grep -c 'idle: no partitions')" -eq 2 ] || fail "expected two idle consumers"
screen | grep -E '^ c[0-9]+ .* 82% .* p7 *$' >/dev/null || fail "the hot partition's owner should keep 82%"
keys 'w'
wait_for 'WHAT-IF murmur2 by key,/session'
wait_for 'what-if by key,/session (murmur2) 8p, busiest p'
# Spread: no member carries more than a quarter of the events now.
screen | grep -E '^ c[0-9]+ ' | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /%$/) { v = $i + 0; if (v > 25) bad = 1 } } END { exit bad }' \
  || fail "the composite key should spread the load"
keys 'q'
wait_for 'e2e$'
echo "e2e-tui: hot-key demo ok"

echo "e2e-tui: all ok"
