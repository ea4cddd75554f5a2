#!/usr/bin/env bash
# Speed and memory figures (printed, never asserted). Builds in release,
# writes a 1,000,000-event recording (16 partitions, 50,000 entities) with
# `kord synth`, then times on that one file:
#   kord analyze --strategy versioned   (wall time, peak RSS)
#   kord analyze --compare              (wall time, peak RSS)
#   jq -c '.payload|fromjson|.version'  (the baseline) and the ratio;
#   the same stream as Avro (scripts/avro-recording.py, fastavro).
# Then, when present, the Kafka bench (scripts/bench-kafka.sh) and the TUI
# criterion benches (KORD_BENCH_TUI=1).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${EVENTS:-1000000}"
DIR=.bench
mkdir -p "$DIR"
cargo build --release -q
KORD=target/release/kord
FILE="$DIR/alert-flap-${EVENTS}.jsonl"
if [ ! -s "$FILE" ]; then
  $KORD synth alert-flap --events "$EVENTS" --partitions 16 --entities 50000 -o "$FILE"
fi
echo "recording: $FILE ($(du -h "$FILE" | cut -f1), $(($(wc -l <"$FILE") - 1)) events)"

# measure CMD...: prints "wall_s peak_rss_mb" using the kernel's rusage of the child.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if p.returncode not in (0, 3):
    sys.exit(f"failed ({p.returncode}): {sys.argv[1:]}")
print(f"{wall:.3f} {rss:.1f}")
PY
}

read -r one_s one_mb < <(measure $KORD analyze "$FILE" --strategy versioned --format json)
read -r cmp_s cmp_mb < <(measure $KORD analyze "$FILE" --compare --format json)
read -r jq_s _ < <(measure bash -c "tail -n +2 '$FILE' | jq -c '.payload|fromjson|.version' >/dev/null")

printf '\n%-44s %10s %12s\n' "run" "wall (s)" "peak RSS (MB)"
printf '%-44s %10s %12s\n' "kord analyze --strategy versioned" "$one_s" "$one_mb"
printf '%-44s %10s %12s\n' "kord analyze --compare (all strategies)" "$cmp_s" "$cmp_mb"
printf '%-44s %10s %12s\n' "jq -c '.payload|fromjson|.version'" "$jq_s" "-"
python3 - "$one_s" "$cmp_s" "$jq_s" "$one_mb" "$EVENTS" <<'PY'
import sys
one, cmp_, jq, mb, n = map(float, sys.argv[1:])
print(f"\none strategy: {n/one:,.0f} events/s; {jq/one:.1f}x faster than jq (target >= 10x)")
print(f"--compare / one strategy: {cmp_/one:.2f}x (target <= 2x)")
print(f"peak RSS one strategy: {mb:.0f} MB (target <= 150 MB)")
PY

# The same stream as Avro (fastavro, Confluent framing, the schema inside
# the file): decoding must not be the bottleneck (target >= 300k records/s).
AVRO="$DIR/alert-flap-${EVENTS}-avro.jsonl"
if [ ! -s "$AVRO" ]; then
  python3 scripts/avro-recording.py "$FILE" "$AVRO"
fi
read -r avro_s avro_mb < <(measure $KORD analyze "$AVRO" --strategy versioned --format json)
printf '\n%-44s %10s %12s\n' "kord analyze (Avro) --strategy versioned" "$avro_s" "$avro_mb"
python3 - "$avro_s" "$one_s" "$EVENTS" <<'PY'
import sys
avro, one, n = map(float, sys.argv[1:])
print(f"Avro: {n/avro:,.0f} records/s decoded and analysed (target >= 300,000); {avro/one:.2f}x the JSON file")
PY

if [ -x scripts/bench-kafka.sh ] && [ "${KORD_BENCH_KAFKA:-1}" = 1 ]; then
  echo; echo "== Kafka =="; scripts/bench-kafka.sh || echo "(kafka bench failed)"
fi
if [ "${KORD_BENCH_TUI:-1}" = 1 ] && [ -f benches/tui.rs ]; then
  echo; echo "== TUI (criterion) =="; KORD_BENCH_FILE="$PWD/$FILE" cargo bench --bench tui 2>&1 | grep -Ev '^\s*(Compiling|Running|Finished)' || true
fi
