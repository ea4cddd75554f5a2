#!/usr/bin/env bash
# Installs (once, cached) and starts tansu, an Apache-Kafka-compatible broker,
# on a free loopback port with memory storage.
#   scripts/tansu.sh install        install into $KORD_CACHE/tansu (default ~/.cache/kord)
#   scripts/tansu.sh start DIR      start; writes DIR/port and DIR/pid, prints 127.0.0.1:PORT
#   scripts/tansu.sh stop DIR       stop the broker started in DIR
#   scripts/tansu.sh path           print the binary's path (installing it if needed)
set -euo pipefail
CACHE="${KORD_CACHE:-$HOME/.cache/kord}"
TANSU_ROOT="$CACHE/tansu"
TANSU="$TANSU_ROOT/bin/tansu"

install() {
  if [ -x "$TANSU" ]; then return 0; fi
  if command -v tansu >/dev/null 2>&1 && tansu --help 2>/dev/null | grep -q broker; then
    mkdir -p "$TANSU_ROOT/bin"; ln -sf "$(command -v tansu)" "$TANSU"; return 0
  fi
  echo "installing tansu (about 10 minutes on 2 cores, once)..." >&2
  cargo install --locked tansu --version 0.6.0 --features dynostore --root "$TANSU_ROOT" >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir="$1"; mkdir -p "$dir"
  install
  local port; port=$(free_port)
  "$TANSU" broker --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$port" \
    --storage-engine memory://tansu/ >"$dir/tansu.log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$port" >"$dir/port"
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "127.0.0.1:$port"; return 0; fi
    sleep 0.1
  done
  echo "tansu did not start; log:" >&2; cat "$dir/tansu.log" >&2; return 1
}

stop() {
  local dir="$1"
  if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid"; fi
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?dir}" ;;
  stop) stop "${2:?dir}" ;;
  path) install; echo "$TANSU" ;;
  *) echo "usage: $0 install|start DIR|stop DIR|path" >&2; exit 2 ;;
esac
