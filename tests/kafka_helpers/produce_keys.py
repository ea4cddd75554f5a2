"""Produces one record per key with librdkafka's own partitioner (through
confluent-kafka, an independent client) and prints, as JSON, the partition
the producer chose for each key (from its delivery reports).
usage: produce_keys.py BROKERS TOPIC PARTITIONER KEY...
PARTITIONER is a librdkafka `partitioner` value: murmur2, consistent, fnv1a, ..."""
import json
import sys
import warnings

from confluent_kafka import Producer

warnings.simplefilter("ignore")
b, topic, partitioner, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
chosen = {}
errors = []


def done(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        chosen[msg.key().decode()] = msg.partition()


p = Producer({"bootstrap.servers": b, "partitioner": partitioner, "linger.ms": 5})
for k in keys:
    p.produce(topic, key=k.encode(), value=b"x", on_delivery=done)
    p.poll(0)
left = p.flush(30)
if errors or left:
    sys.exit(f"produce failed: {errors[:3]}, {left} undelivered")
print(json.dumps(chosen, sort_keys=True))
