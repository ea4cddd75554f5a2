"""An application consumer group that reads slowly (confluent-kafka): joins
GROUP on TOPIC and consumes RATE records a second, committing twice a second,
for SECS seconds; with STOP_AFTER > 0 it stops committing (but stays a
member, still polling nothing) after that many seconds. Prints `joined` once
it has its first record.  usage: slow_group.py BROKERS TOPIC GROUP RATE SECS [STOP_AFTER]"""
import sys
import time

from confluent_kafka import Consumer

b, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
rate, secs = float(sys.argv[4]), float(sys.argv[5])
stop_after = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
c = Consumer({
    "bootstrap.servers": b, "group.id": group, "client.id": "slow-app",
    "enable.auto.commit": False, "auto.offset.reset": "earliest",
    "max.poll.interval.ms": 10000, "session.timeout.ms": 10000,
})
c.subscribe([topic])
joined, t0, last_commit, got = False, None, 0.0, 0
while t0 is None or time.time() - t0 < secs:
    stopped = t0 is not None and stop_after > 0 and time.time() - t0 > stop_after
    if stopped:
        time.sleep(0.2)
        continue
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    if not joined:
        joined, t0 = True, time.time()
        print("joined", flush=True)
    got += 1
    if time.time() - last_commit >= 0.5:
        c.commit(message=m, asynchronous=False)
        last_commit = time.time()
    # Pace to RATE records a second.
    ahead = got / rate - (time.time() - t0)
    if ahead > 0:
        time.sleep(ahead)
c.close()
