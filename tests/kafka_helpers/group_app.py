"""An application consumer group made by an independent client (confluent-kafka):
joins GROUP on TOPIC, consumes N records committing every 100 and all positions at the end, prints
`consumed N`, then stays a
member for HOLD seconds.  usage: group_app.py BROKERS TOPIC GROUP N HOLD"""
import sys
import time

from confluent_kafka import Consumer

b, topic, group, n, hold = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
c = Consumer({
    "bootstrap.servers": b, "group.id": group, "client.id": "group-app",
    "enable.auto.commit": False, "auto.offset.reset": "earliest",
    # tansu 0.6 joins slowly with the default 300 s (KAFKA-NOTES).
    "max.poll.interval.ms": 10000, "session.timeout.ms": 10000,
})
c.subscribe([topic])
got, t0 = 0, time.time()
while got < n and time.time() - t0 < 30:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    got += 1
    if got % 100 == 0 or got == n:
        c.commit(message=m, asynchronous=False)
c.commit(asynchronous=False)  # every assigned partition's position
print("consumed", got, flush=True)
end = time.time() + hold
while time.time() < end:
    c.poll(0.2)  # stay a live member without consuming further
c.close()
