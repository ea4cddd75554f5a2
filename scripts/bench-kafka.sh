#!/usr/bin/env bash
# Kafka speed figures (printed, never asserted):
#   1. kord produce: EVENTS scenario events to a fresh topic (the time
#      includes generating the scenario, as kord synth would)
#   2. an independent consumer (confluent-kafka, assign + read to EOF): the
#      broker's own limit; the same at a 100 ms fetch wait; librdkafka alone
#      and kord's read path without the engine (examples/drain.rs)
#   3. kord record --until end (read only, to a file)
#   4. kord analyze -b -t (read to the end + the engine), events/s
#   5. kord analyze FILE of the recording (the engine alone), events/s
# and which of broker and kord bounds the live read.
# Env: EVENTS (1000000), SCENARIO (alert-flap), PARTITIONS (16),
#      KORD_BIN (target/release/kord), KORD_BENCH_BROKER (else a tansu is started),
#      KORD_BENCH_TOPIC (a topic already produced there: skips step 1).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${EVENTS:-1000000}"
SCENARIO="${SCENARIO:-alert-flap}"
PARTITIONS="${PARTITIONS:-16}"
KORD="${KORD_BIN:-target/release/kord}"
if [ -z "${KORD_BIN:-}" ]; then cargo build --release -q; fi
python3 -c 'import confluent_kafka' 2>/dev/null || python3 -m pip install -q confluent-kafka

DIR="$(mktemp -d)"
cleanup() { scripts/tansu.sh stop "$DIR/broker" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
if [ -n "${KORD_BENCH_BROKER:-}" ]; then
  B="$KORD_BENCH_BROKER"
else
  B="$(scripts/tansu.sh start "$DIR/broker")"
fi
T="${KORD_BENCH_TOPIC:-bench-$SCENARIO-$EVENTS-$$}"
echo "broker $B, topic $T, $EVENTS $SCENARIO events, $PARTITIONS partitions"

# secs CMD...: wall seconds of CMD (stdout discarded), fails if CMD fails.
secs() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
if p.returncode not in (0, 3):
    sys.exit(f"failed ({p.returncode}): {' '.join(sys.argv[1:])}")
print(f"{time.perf_counter() - t:.3f}")
PY
}

if [ -n "${KORD_BENCH_TOPIC:-}" ]; then
  produce_s=0 # a topic already produced (with KORD_BENCH_BROKER)
else
  produce_s=$(secs "$KORD" produce "$SCENARIO" -b "$B" -t "$T" --events "$EVENTS" --partitions "$PARTITIONS")
fi

# The independent consumer: assign every partition from the beginning, read
# until each reports EOF, with the fetch settings of kord's bounded reads
# (WAIT ms fetch wait, 20 ms queue back-off). Prints "seconds records".
independent() {
  python3 - "$B" "$T" "$1" <<'PY'
import sys, time
from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING
b, t, wait = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = Consumer({"bootstrap.servers": b, "group.id": "bench-independent", "enable.auto.commit": False,
              "enable.partition.eof": True, "fetch.wait.max.ms": wait,
              "max.partition.fetch.bytes": 8388608, "fetch.max.bytes": 67108864,
              "queued.min.messages": 100000, "fetch.queue.backoff.ms": 20,
              "queued.max.messages.kbytes": 262144})
parts = [p for p in c.list_topics(t, timeout=10).topics[t].partitions]
start = time.perf_counter()
c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for p in parts])
n, eof = 0, set()
while len(eof) < len(parts):
    for m in c.consume(num_messages=10000, timeout=1.0):
        e = m.error()
        if e is None:
            n += 1
            eof.discard(m.partition())
        elif e.code() == KafkaError._PARTITION_EOF:
            eof.add(m.partition())
print(f"{time.perf_counter() - start:.3f} {n}")
c.close()
PY
}
read -r indep_s indep_n < <(independent 10)
# The same at a 100 ms fetch wait: tansu 0.6 holds every fetch for its full
# wait (5 MB a response), so this one measures tansu's pacing.
read -r indep100_s _ < <(independent 100)
# librdkafka alone with kord's config, and kord's read path without the engine.
cargo build --release -q --example drain
read -r drain_s _ _ < <(target/release/examples/drain "$B" "$T")
read -r merged_s _ _ < <(target/release/examples/drain --merged "$B" "$T")
# kord live's source catching up on the whole topic (its defaults).
cargo build --release -q --example live_catchup
read -r live_catchup_s live_catchup_n live_late < <(target/release/examples/live_catchup "$B" "$T" "$indep_n")

record_s=$(secs "$KORD" record -b "$B" -t "$T" -o "$DIR/rec.jsonl")
rec_n=$(($(wc -l <"$DIR/rec.jsonl") - 1))
live_s=$(secs "$KORD" analyze -b "$B" -t "$T" --strategy versioned --format json)
file_s=$(secs "$KORD" analyze "$DIR/rec.jsonl" --strategy versioned --format json)

python3 - "$EVENTS" "$produce_s" "$indep_s" "$indep_n" "$record_s" "$rec_n" "$live_s" "$file_s" \
  "$indep100_s" "$drain_s" "$merged_s" "$live_catchup_s" "$live_catchup_n" "$live_late" <<'PY'
import sys
asked = int(sys.argv[1])
produce, indep, indep_n, record, rec_n, live, file_, indep100, drain, merged, catchup, catchup_n, late = (
    float(x) for x in sys.argv[2:])
# A scenario may drop a few of the events asked for (lost versions): rates
# are over what is in the topic.
n = int(indep_n)
rate = lambda s: n / s if s > 0 else float("inf")
rows = [
    ("kord produce (generating the scenario included)", produce),
    ("independent consumer (confluent-kafka), to EOF", indep),
    ("  the same, fetch.wait.max.ms=100 (tansu's pacing)", indep100),
    ("librdkafka alone, kord's config (examples/drain)", drain),
    ("kord's read + merge, no engine (drain --merged)", merged),
    ("kord live's source catching up (live_catchup)", catchup),
    ("kord record --until end", record),
    ("kord analyze -b -t --strategy versioned", live),
    ("kord analyze FILE --strategy versioned", file_),
]
print(f"\n{'run':<50} {'wall (s)':>9} {'events/s':>12}")
for name, s in rows:
    print(f"{name:<50} {s:>9.2f} {rate(s):>12,.0f}")
print(f"\n{n:,} records in the topic ({asked:,} events asked of the scenario)")
print(f"kord live's source delivered {int(catchup_n):,} of them, {int(late):,} out of kord-seq order")
if int(rec_n) != n:
    print(f"WARNING: kord recorded {int(rec_n):,} records, the independent consumer read {n:,}")
broker = rate(indep)
live_rate = rate(live)
read_rate = rate(record)
print(f"\nbroker limit (independent consumer): {broker:,.0f} events/s")
print(f"kord analyze -b -t: {live_rate:,.0f} events/s = {live_rate / broker:.0%} of the broker's limit "
      f"(target >= 300,000 events/s or the broker's limit)")
print(f"kord record (read + write, no engine): {read_rate:,.0f} events/s = {read_rate / broker:.0%} of the limit")
engine = rate(file_)
if broker < 300_000 and live_rate >= 0.9 * broker:
    print("bound: the broker (kord reads within 10% of what an independent client gets)")
elif live_rate >= 300_000:
    print("bound: neither (target met)")
elif engine < broker:
    print(f"bound: kord's engine ({engine:,.0f} events/s over the file)")
else:
    print("bound: kord's reading (below the broker's limit and the engine's speed)")
PY
