"""A consumer group's state, members and committed offsets, as JSON, read by
an independent client (confluent-kafka).  usage: group_state.py BROKERS TOPIC GROUP PARTITIONS"""
import json
import sys
import warnings

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

warnings.simplefilter("ignore")
b, topic, group, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = {"state": None, "members": []}
for g in AdminClient({"bootstrap.servers": b}).list_groups(group, timeout=10):
    out["state"] = g.state
    out["members"] = sorted([m.id, m.client_id] for m in g.members)
# Fetching committed offsets needs group.id; this client never subscribes.
c = Consumer({"bootstrap.servers": b, "group.id": group, "enable.auto.commit": False})
tps = c.committed([TopicPartition(topic, p) for p in range(parts)], timeout=10)
out["committed"] = {str(tp.partition): tp.offset for tp in tps}
c.close()
print(json.dumps(out, sort_keys=True))
