"""Produces N records of raw bytes through confluent-kafka (an independent
client): keys that are text, binary or null, values that are JSON, binary
(not UTF-8) or null (tombstones), headers with text, binary and null values.
Prints, as JSON, what the broker acknowledged, one object per record:
{"partition", "offset", "key", "value", "headers": [[name, value], ...]}
with every byte string as base64 (null as null).
usage: produce_bytes.py BROKERS TOPIC N"""
import base64
import json
import sys
import warnings

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

warnings.simplefilter("ignore")
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])


def b64(x):
    return None if x is None else base64.b64encode(x).decode()


def record(i):
    key = [f"entity-{i % 7}".encode(), bytes([0xFF, 0x00, i % 256]), None][i % 3]
    value = [
        json.dumps({"id": f"entity-{i % 7}", "version": i, "type": ["a", "b"][i % 2]}).encode(),
        bytes([0xC3, 0x28, 0x0A, i % 256, 0x22, 0x5C]),
        None,
    ][i % 3 if i % 5 else 0]
    headers = [("trace", f"t-{i}".encode()), ("bin", bytes([0x80, i % 256])), ("nil", None)]
    return key, value, headers


acked = []
errors = []


def done(err, msg, headers):
    if err is not None:
        errors.append(str(err))
        return
    acked.append(
        {
            "partition": msg.partition(),
            "offset": msg.offset(),
            "key": b64(msg.key()),
            "value": b64(msg.value()),
            # The delivery report does not carry headers: the ones sent.
            "headers": [[k, b64(v)] for k, v in headers],
        }
    )


admin = AdminClient({"bootstrap.servers": b})
for f in admin.create_topics([NewTopic(topic, 3, 1)]).values():
    f.result(30)
p = Producer({"bootstrap.servers": b, "linger.ms": 5})
for i in range(n):
    key, value, headers = record(i)
    p.produce(topic, key=key, value=value, headers=headers, partition=i % 3,
              on_delivery=lambda err, msg, h=headers: done(err, msg, h))
    p.poll(0)
left = p.flush(30)
if errors or left:
    sys.exit(f"produce failed: {errors[:3]}, {left} undelivered")
print(json.dumps(acked))
