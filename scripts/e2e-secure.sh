#!/usr/bin/env bash
# Secure clusters against a real broker (issue 12 item 5), and secrets that
# never leak.
#
# TLS: tansu 0.6.0 cannot serve TLS itself (`--cert` and `--key` are a
# mutually exclusive clap group: "the argument '--cert <CERT>' cannot be used
# with '--key <KEY>'"), so TLS ends in a terminator in front of it
# (tests/kafka_helpers/tls_proxy.py, Python's ssl module) and the broker
# advertises the terminator's address, as behind a TLS proxy in production.
# The CA and the certificates are made here with openssl. kord reads
# (analyze -b, record, live in tmux) and writes (produce) over TLS; a CA
# that did not sign the certificate is a clear error, exit 2, within
# --timeout.
#
# SASL: tansu 0.6.0 offers SCRAM-SHA-256/512 only (PLAIN: "NoSharedMechanism")
# and its users can only be created over an unauthenticated connection
# (`tansu user create` to a broker with --authentication fails with
# NotAuthenticated), so no login can succeed against a memory-storage
# broker. What is tested is what can be: a real SCRAM exchange that the
# broker refuses ("unknown-user") is exit 2 with a message that says
# authentication failed, within --timeout; no SASL at all against a broker
# that requires it (tansu closes the connection) is exit 1 with a hint that
# the broker may require TLS or SASL.
#
# Secrets: a marker password given with -X, -F and a config file
# (password_cmd) is grepped for in stdout, stderr, the JSON report, the
# recording, the TUI's screen and its --log file (at debug level): it must
# appear nowhere.
set -euo pipefail
cd "$(dirname "$0")/.."
KORD_BIN="${KORD_BIN:-$PWD/target/release/kord}"
[ -x "$KORD_BIN" ] || { echo "e2e-secure: $KORD_BIN not built" >&2; exit 1; }
command -v openssl >/dev/null || { echo "e2e-secure: openssl is required" >&2; exit 1; }

WORK="$(mktemp -d)"
NAME=e2e-secure S=secure PAUSE=0.3
# shellcheck source=scripts/tmux-lib.sh
. scripts/tmux-lib.sh
PIDS=()
cleanup() {
  T kill-server 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
TANSU="$(scripts/tansu.sh path)"
SECRET="Sup3r-S3cret-$$-marker"

# no_secret WHAT FILE...: the marker appears in none of the files.
no_secret() {
  local what="$1"; shift
  if grep -l -F -- "$SECRET" "$@" 2>/dev/null; then
    echo "---- $what ----" >&2; grep -F -- "$SECRET" "$@" >&2 || true
    fail "the secret reached $what"
  fi
}

echo "e2e-secure: a CA, a broker certificate for 127.0.0.1, and a CA that signed nothing"
cd "$WORK"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=kord test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 2 -extfile san.ext 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 -subj "/CN=someone else" 2>/dev/null
cd - >/dev/null

echo "e2e-secure: tansu behind TLS"
A="$(free_port)"; B="$(free_port)"
"$TANSU" broker --listener-url "tcp://127.0.0.1:$A" --advertised-listener-url "tcp://127.0.0.1:$B" \
  --storage-engine memory://tansu/ >"$WORK/tansu-tls.log" 2>&1 &
PIDS+=($!)
python3 tests/kafka_helpers/tls_proxy.py "$B" "127.0.0.1:$A" "$WORK/broker.pem" "$WORK/broker.key" >"$WORK/proxy.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q ready "$WORK/proxy.out" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$A") 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/proxy.out" || fail "the TLS terminator did not start: $(cat "$WORK/proxy.out")"
TLS=(-b "127.0.0.1:$B" -X security.protocol=ssl -X "ssl.ca.location=$WORK/ca.pem")
TOPIC="secure-$$"

# The secret as a property that a TLS client accepts and does not use, and
# in a -F file: kord must pass it to librdkafka and write it nowhere.
printf 'sasl.password=%s\n' "$SECRET" >"$WORK/client.properties"
"$KORD_BIN" produce alert-flap "${TLS[@]}" -t "$TOPIC" --seed 3 --events 400 2>"$WORK/produce.err" \
  || fail "produce over TLS: $(cat "$WORK/produce.err")"
"$KORD_BIN" synth alert-flap --seed 3 --events 400 -o "$WORK/twin.jsonl"
N="$("$KORD_BIN" analyze "$WORK/twin.jsonl" --format json | jq .events)"

"$KORD_BIN" analyze "${TLS[@]}" -t "$TOPIC" -X "sasl.password=$SECRET" -F "$WORK/client.properties" \
  --format json >"$WORK/report.json" 2>"$WORK/analyze.err" \
  || fail "analyze over TLS: $(cat "$WORK/analyze.err")"
got="$(jq .events "$WORK/report.json")"
[ "$got" = "$N" ] || fail "analyze over TLS read $got events, want $N"
echo "e2e-secure: analyze -b over TLS read $got events"

"$KORD_BIN" record "${TLS[@]}" -t "$TOPIC" -X "sasl.password=$SECRET" -F "$WORK/client.properties" \
  -o "$WORK/rec.jsonl" 2>"$WORK/record.err" \
  || fail "record over TLS: $(cat "$WORK/record.err")"
lines=$(($(wc -l <"$WORK/rec.jsonl") - 1))
[ "$lines" = "$N" ] || fail "record over TLS wrote $lines records, want $N"
echo "e2e-secure: record over TLS wrote $lines records"
no_secret "analyze/record output, logs, report or recording" \
  "$WORK/report.json" "$WORK/analyze.err" "$WORK/rec.jsonl" "$WORK/record.err" "$WORK/produce.err"

echo "e2e-secure: a CA that did not sign the broker's certificate: exit 2 within --timeout"
start=$SECONDS
set +e
"$KORD_BIN" analyze -b "127.0.0.1:$B" -t "$TOPIC" -X security.protocol=ssl -X "ssl.ca.location=$WORK/other-ca.pem" \
  -X "sasl.password=$SECRET" --timeout 5s --format json >"$WORK/untrusted.out" 2>"$WORK/untrusted.err"
rc=$?
set -e
took=$((SECONDS - start))
[ "$rc" = 2 ] || fail "untrusted certificate: exit $rc, want 2 ($(cat "$WORK/untrusted.err"))"
[ "$took" -le 15 ] || fail "untrusted certificate took ${took}s with --timeout 5s"
grep -qiE 'certificate|ssl|tls' "$WORK/untrusted.err" || fail "untrusted certificate, unclear: $(cat "$WORK/untrusted.err")"
no_secret "the untrusted-certificate error" "$WORK/untrusted.out" "$WORK/untrusted.err"
echo "e2e-secure: untrusted: exit 2 in ${took}s: $(head -c 200 "$WORK/untrusted.err")"

echo "e2e-secure: kord live over TLS, a named cluster whose password comes from password_cmd"
mkdir -p "$WORK/config/kord"
cat >"$WORK/config/kord/config.toml" <<EOF
default = "tls"
[clusters.tls]
brokers = "127.0.0.1:$B"
properties = { "security.protocol" = "ssl", "ssl.ca.location" = "$WORK/ca.pem", "sasl.username" = "kord" }
password_cmd = "echo $SECRET"
EOF
T new-session -d -s "$S" -x 200 -y 45 \
  "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME XDG_CONFIG_HOME=$WORK/config KORD_LOG_LEVEL=debug PS1='e2e\$ ' bash --norc --noprofile"
wait_for 'e2e$'
keys "clear; $KORD_BIN live -t $TOPIC --timeout 5s --log $WORK/live.log" Enter
wait_for '● connected' 20
wait_for "$N events" 20
screen >"$WORK/screen.txt"
keys i
screen >>"$WORK/screen.txt"
keys q
wait_for 'e2e$'
no_secret "the live TUI's screen or log" "$WORK/screen.txt" "$WORK/live.log"
XDG_CONFIG_HOME="$WORK/config" "$KORD_BIN" config >"$WORK/config.out" 2>&1 \
  || fail "kord config: $(cat "$WORK/config.out")"
no_secret "kord config" "$WORK/config.out"
echo "e2e-secure: live over TLS showed $N events; the secret is on no screen"

echo "e2e-secure: tansu requiring SASL (SCRAM)"
C="$(free_port)"
"$TANSU" broker --listener-url "tcp://127.0.0.1:$C" --advertised-listener-url "tcp://127.0.0.1:$C" \
  --storage-engine memory://tansu/ --authentication >"$WORK/tansu-sasl.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$C") 2>/dev/null && break; sleep 0.1; done
for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
  start=$SECONDS
  set +e
  "$KORD_BIN" analyze -b "127.0.0.1:$C" -t "$TOPIC" -X security.protocol=sasl_plaintext \
    -X "sasl.mechanism=$mech" -X sasl.username=kord -X "sasl.password=$SECRET" \
    --timeout 5s --format json >"$WORK/sasl.out" 2>"$WORK/sasl.err"
  rc=$?
  set -e
  took=$((SECONDS - start))
  [ "$rc" = 2 ] || fail "$mech refused: exit $rc, want 2 ($(cat "$WORK/sasl.err"))"
  [ "$took" -le 15 ] || fail "$mech refused took ${took}s with --timeout 5s"
  grep -qi 'auth' "$WORK/sasl.err" || fail "$mech refused, unclear: $(cat "$WORK/sasl.err")"
  no_secret "the $mech error or log" "$WORK/sasl.out" "$WORK/sasl.err"
  echo "e2e-secure: $mech refused by the broker: exit 2 in ${took}s: $(head -c 200 "$WORK/sasl.err")"
done
set +e
"$KORD_BIN" analyze -b "127.0.0.1:$C" -t "$TOPIC" --timeout 5s --format json >"$WORK/none.out" 2>"$WORK/none.err"
rc=$?
set -e
# tansu closes the connection without a word, as from a broker that is
# going away: exit 1 (not the user's input for sure), with a hint.
[ "$rc" = 1 ] || fail "no SASL against a broker that requires it: exit $rc, want 1 ($(cat "$WORK/none.err"))"
grep -q 'may require TLS or SASL' "$WORK/none.err" || fail "no SASL: no hint: $(cat "$WORK/none.err")"
echo "e2e-secure: no SASL: exit 1 with the hint: $(head -c 200 "$WORK/none.err")"
echo "e2e-secure: ok"
