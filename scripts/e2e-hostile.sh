#!/usr/bin/env bash
# Hostile conditions for the TUI, in tmux (issue 12): SIGTERM, SIGINT and
# SIGHUP sent to `kord replay` give the terminal back and exit 128+N; a
# recording truncated while `kord replay` loads it keeps what was loaded and
# says so on the status line (it used to stay at "loading 33%" forever).
# Needs tmux; $KORD_BIN defaults to target/release/kord. About 20-40 s.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-hostile: $KORD_BIN not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "e2e-hostile: tmux is required" >&2; exit 1; }

NAME=e2e-hostile
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
WORK="$(mktemp -d)"
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

start() {
  S="$1"
  T new-session -d -s "$S" -x "$2" -y "$3" \
    "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME PS1='e2e\$ ' bash --norc --noprofile"
  wait_for 'e2e$'
}

kord_pid() {
  local pane kp=""
  pane="$(T list-panes -t "$S" -F '#{pane_pid}')"
  for _ in $(seq 100); do
    kp="$(pgrep -P "$pane" -x kord || true)"
    [ -n "$kp" ] && break
    sleep 0.1
  done
  [ -n "$kp" ] || fail "kord is not running"
  echo "$kp"
}

for pair in TERM:143 INT:130 HUP:129; do
  sig="${pair%%:*}"; want="${pair##*:}"
  echo "e2e-hostile: SIG$sig -> exit $want, terminal restored"
  start "sig$sig" 100 30
  T send-keys -t "$S" "clear; $KORD_BIN replay recordings/alert-flap.jsonl; echo EXIT-\$?" Enter
  wait_for 'strategy versioned'
  kill "-$sig" "$(kord_pid)"
  wait_for "EXIT-$want"
  wait_gone 'strategy versioned'
  keys 'stty -a | tr " " "\n" | grep -qx icanon && echo COOKED-$((40+2))' Enter
  wait_for 'COOKED-42'
done

echo "e2e-hostile: a recording truncated while it loads"
BIG="$WORK/big.jsonl"
"$KORD_BIN" synth alert-flap -o "$BIG" --events 300000 --partitions 16 --entities 50000 >/dev/null
start trunc 140 40
T send-keys -t "$S" "clear; KORD_THREADS=1 $KORD_BIN replay $BIG" Enter
# The first part is on screen while the rest loads; then the file shrinks.
wait_for '(loading' 30
truncate -s 20000000 "$BIG"
wait_for 'loading stopped' 60
wait_for 'changed while being read'
wait_gone 'events read)'
screen | grep -q 'events kept' || fail "the title should say the loaded events are kept"
keys '.'
keys 'q'
wait_for 'e2e$'
echo "e2e-hostile: all ok"
