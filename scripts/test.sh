#!/usr/bin/env bash
# kord's whole test suite, as CI runs it on a fresh machine:
# lints, unit/integration/property/snapshot tests, the Kafka tests against a
# real broker (tansu, installed once and started here on a free port), and
# end-to-end TUI runs in tmux.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "tools"
need_apt=()
command -v tmux >/dev/null || need_apt+=(tmux)
command -v jq >/dev/null || need_apt+=(jq)
command -v groff >/dev/null || need_apt+=(groff-base)
command -v chromium >/dev/null || need_apt+=(chromium)   # scripts/e2e-report.sh
command -v openssl >/dev/null || need_apt+=(openssl)     # scripts/e2e-secure.sh (a CA, certificates)
if [ ${#need_apt[@]} -gt 0 ]; then
  (apt-get update -qq && apt-get install -y -qq "${need_apt[@]}") >/dev/null
fi
python3 -c 'import confluent_kafka' 2>/dev/null || python3 -m pip install -q confluent-kafka
python3 -c 'import fastavro, google.protobuf, confluent_kafka.schema_registry.avro' 2>/dev/null || python3 -m pip install -q 'confluent-kafka[avro,protobuf,schemaregistry]'
scripts/tansu.sh install

step "format and lints"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib   # the API docs' links

step "build"
cargo build --release
export KORD_BIN="$PWD/target/release/kord"

step "broker"
BROKER_DIR="$(mktemp -d)"
trap 'scripts/tansu.sh stop "$BROKER_DIR"' EXIT
KORD_TEST_BROKER="$(scripts/tansu.sh start "$BROKER_DIR")"
export KORD_TEST_BROKER
echo "tansu at $KORD_TEST_BROKER"

step "tests (ignored ones included: they need the broker started above)"
# tests/fuzz.rs runs its mutation loop this long (CI bound: 60 s).
export KORD_FUZZ_SECS="${KORD_FUZZ_SECS:-60}"
cargo test --release --lib --bins --tests -- --include-ignored
cargo test --release --benches   # criterion benches, once each, as a smoke test

for e2e in scripts/e2e-*.sh; do
  [ -e "$e2e" ] || continue
  step "end to end: $e2e"
  "$e2e"
done
echo
echo "all tests passed"
