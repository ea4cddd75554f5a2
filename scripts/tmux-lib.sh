# Shared by the tmux end-to-end scripts (sourced, not run): a private tmux
# server and the screen helpers. The sourcing script sets NAME (its prefix in
# messages) and S (the session the helpers look at), and may set PAUSE (the
# sleep after keys, default 0.2 s).
SOCK="kord-$NAME-$$"
T() { tmux -L "$SOCK" "$@"; }

fail() {
  echo "$NAME: FAIL: $*" >&2
  echo "---- screen ----" >&2
  T capture-pane -t "$S" -p >&2 || true
  exit 1
}
screen() { T capture-pane -t "$S" -p; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string).
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  until screen | grep -qF -- "$1"; do
    [ $SECONDS -lt $deadline ] || fail "never saw: $1"
    sleep 0.1
  done
}
wait_gone() {
  local deadline=$((SECONDS + ${2:-10}))
  while screen | grep -qF -- "$1"; do
    [ $SECONDS -lt $deadline ] || fail "still showing: $1"
    sleep 0.1
  done
}
keys() { T send-keys -t "$S" "$@"; sleep "${PAUSE:-0.2}"; }
