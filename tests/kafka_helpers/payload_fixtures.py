"""Payload fixtures for kord's tests, encoded by independent code
(confluent-kafka's serializers, fastavro, google.protobuf), never by kord.

usage:
  payload_fixtures.py avro BROKERS REGISTRY TOPIC_AVRO TOPIC_JSON
      the same alert stream twice: Avro (AvroSerializer, keys Avro strings)
      and its JSON twin (plain keys, JSON text values)
  payload_fixtures.py protobuf BROKERS REGISTRY TOPIC
  payload_fixtures.py jsonschema BROKERS REGISTRY TOPIC
  payload_fixtures.py bad BROKERS REGISTRY TOPIC
      one good Avro record, then: an unknown schema id, truncated framing,
      a wrong magic byte, a body cut short
  payload_fixtures.py bytes BROKERS TOPIC
      keys, values and headers with every byte value 0-255, framed
      payloads, empty vs null values, null header values
  payload_fixtures.py dump BROKERS TOPIC
      every record of the topic as JSON (bytes as base64), by partition
  payload_fixtures.py files DIR [ID]
      DIR/alerts.avsc, DIR/alerts-avro.jsonl (Avro bodies, fastavro, no
      framing, as payload_b64), DIR/alerts-framed.jsonl (the same framed
      with schema id ID, default 1), DIR/alerts-json.jsonl (the JSON twin)
  payload_fixtures.py proto-files DIR
      DIR/alert.proto, DIR/alerts-proto.jsonl (bare Protobuf bodies by
      google.protobuf), DIR/alerts-proto-twin.jsonl (the JSON twin)
  payload_fixtures.py register REGISTRY SUBJECT
      registers the alert Avro schema; prints its id
"""
import base64
import io
import json
import sys
import warnings

warnings.simplefilter("ignore")

ALERT_SCHEMA = {
    "type": "record",
    "name": "Alert",
    "namespace": "kord.test",
    "fields": [
        {"name": "alert_id", "type": "string"},
        {"name": "alert_version", "type": "long"},
        {"name": "type", "type": {"type": "enum", "name": "AlertType",
                                  "symbols": ["AlertTriggered", "AlertResolved"]}},
        {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "severity", "type": ["null", "string"], "default": None},
    ],
}
T0 = 1_700_000_000_000


def iso(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def alerts():
    """(partition, key, value dict with occurred_at as ms, ts) in produce order:
    six alerts, versions 1..6, some swapped (out of order), one lost (gap)."""
    out = []
    i = 0
    for v in range(1, 7):
        for a in range(6):
            ver = v
            # alert 1: v3 and v4 swapped; alert 2: v5 never published.
            if a == 1 and v in (3, 4):
                ver = 7 - v
            if a == 2 and v == 5:
                continue
            key = f"a{a}"
            ts = T0 + i * 10
            val = {
                "alert_id": key,
                "alert_version": ver,
                "type": "AlertTriggered" if ver % 2 else "AlertResolved",
                "occurred_at": ts - 5,
                "severity": None if ver % 3 else "high",
            }
            out.append((a % 3, key, val, ts))
            i += 1
    return out


def json_twin(val):
    v = dict(val)
    v["occurred_at"] = iso(v["occurred_at"])
    return json.dumps(v, separators=(",", ":"))


def producer(brokers):
    from confluent_kafka import Producer
    return Producer({"bootstrap.servers": brokers, "linger.ms": 5,
                     "max.in.flight.requests.per.connection": 1})


def flush(p):
    left = p.flush(30)
    if left:
        sys.exit(f"{left} records undelivered")


def registry(url):
    from confluent_kafka.schema_registry import SchemaRegistryClient
    return SchemaRegistryClient({"url": url})


def ctx(topic, field):
    from confluent_kafka.serialization import MessageField, SerializationContext
    return SerializationContext(topic, MessageField.KEY if field == "key" else MessageField.VALUE)


def avro(brokers, url, topic_avro, topic_json):
    from confluent_kafka.schema_registry.avro import AvroSerializer
    sr = registry(url)
    val_ser = AvroSerializer(sr, json.dumps(ALERT_SCHEMA))
    key_ser = AvroSerializer(sr, '"string"')
    p = producer(brokers)
    for part, key, val, ts in alerts():
        p.produce(topic_avro, partition=part, timestamp=ts,
                  key=key_ser(key, ctx(topic_avro, "key")),
                  value=val_ser(val, ctx(topic_avro, "value")))
        p.produce(topic_json, partition=part, timestamp=ts,
                  key=key.encode(), value=json_twin(val).encode())
    flush(p)


def proto_class():
    from google.protobuf import descriptor_pb2, descriptor_pool
    from google.protobuf.message_factory import GetMessageClass
    fd = descriptor_pb2.FileDescriptorProto()
    fd.name = "kord_test_alert.proto"
    fd.package = "kordtest"
    fd.syntax = "proto3"
    other = fd.message_type.add()
    other.name = "Other"
    f = other.field.add(); f.name = "x"; f.number = 1; f.type = f.TYPE_STRING; f.label = f.LABEL_OPTIONAL
    m = fd.message_type.add()
    m.name = "Alert"
    for name, num, typ in [("alert_id", 1, "TYPE_STRING"), ("alert_version", 2, "TYPE_INT64"),
                           ("type", 3, "TYPE_STRING"), ("occurred_at", 4, "TYPE_INT64")]:
        f = m.field.add()
        f.name = name
        f.number = num
        f.type = getattr(descriptor_pb2.FieldDescriptorProto, typ)
        f.label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return GetMessageClass(pool.FindMessageTypeByName("kordtest.Alert"))


def protobuf(brokers, url, topic):
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    Alert = proto_class()
    ser = ProtobufSerializer(Alert, registry(url), {"use.deprecated.format": False})
    p = producer(brokers)
    for part, key, val, ts in alerts():
        msg = Alert(alert_id=val["alert_id"], alert_version=val["alert_version"],
                    type=val["type"], occurred_at=val["occurred_at"])
        p.produce(topic, partition=part, timestamp=ts, key=key.encode(),
                  value=ser(msg, ctx(topic, "value")))
    flush(p)


JSON_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Alert",
    "type": "object",
    "properties": {
        "alert_id": {"type": "string"},
        "alert_version": {"type": "integer"},
        "type": {"type": "string"},
        "occurred_at": {"type": "integer"},
    },
    "required": ["alert_id", "alert_version"],
}


def jsonschema(brokers, url, topic):
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    ser = JSONSerializer(json.dumps(JSON_SCHEMA), registry(url))
    p = producer(brokers)
    for part, key, val, ts in alerts():
        v = {k: val[k] for k in ("alert_id", "alert_version", "type", "occurred_at")}
        p.produce(topic, partition=part, timestamp=ts, key=key.encode(),
                  value=ser(v, ctx(topic, "value")))
    flush(p)


def bad(brokers, url, topic):
    from confluent_kafka.schema_registry.avro import AvroSerializer
    ser = AvroSerializer(registry(url), json.dumps(ALERT_SCHEMA))
    good = ser(alerts()[0][2], ctx(topic, "value"))
    p = producer(brokers)
    for key, value in [
        (b"good", good),
        (b"unknown", b"\x00\x00\x00\x03\xe7" + good[5:]),  # schema 999
        (b"truncated", b"\x00\x00\x01"),
        (b"magic", b"\x07" + good[1:]),
        (b"short", good[:8]),
    ]:
        p.produce(topic, partition=0, key=key, value=value)
    flush(p)


def every_byte_records():
    allb = bytes(range(256))
    return [
        # (partition, key, value, headers)
        (0, allb, allb[::-1], [("bin", allb), ("null", None), ("empty", b"")]),
        (0, b"plain", b'{"id":"x","version":1}', [("type", b"T")]),
        (1, None, None, []),
        (1, b"", b"", [("h", None)]),
        (1, b"\xff\xfe", b"\x00\x00\x00\x00\x01\x02\x41", [("\u00e9", b"\xc3\xa9")]),
        (0, b"k\x00k", b"\x00", [("bin", b"\x80\x81")]),
        (1, b"\xc3\x28", b"not json \xff", []),
    ]


def bytes_topic(brokers, topic):
    p = producer(brokers)
    for part, key, value, headers in every_byte_records():
        p.produce(topic, partition=part, key=key, value=value, headers=headers)
    flush(p)


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def dump(brokers, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": "kord-test-dump",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    md = c.list_topics(topic, timeout=10)
    parts = sorted(md.topics[topic].partitions)
    ends = {}
    for p in parts:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        ends[p] = (lo, hi)
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    out = []
    import time
    deadline = time.time() + 30
    # tansu's high watermark can read low after a batch: read until quiet.
    quiet = 0
    while time.time() < deadline and quiet < 20:
        m = c.poll(0.1)
        if m is None:
            quiet += 1
            continue
        if m.error():
            continue
        quiet = 0
        out.append({
            "partition": m.partition(), "offset": m.offset(),
            "key": b64(m.key()), "value": b64(m.value()),
            "headers": [[k, b64(v)] for k, v in (m.headers() or [])],
        })
    c.close()
    out.sort(key=lambda r: (r["partition"], r["offset"]))
    print(json.dumps({"partitions": len(parts), "records": out}))


def files(d, sid="1"):
    import os
    from fastavro import parse_schema, schemaless_writer
    schema = parse_schema(ALERT_SCHEMA)
    with open(os.path.join(d, "alerts.avsc"), "w") as f:
        json.dump(ALERT_SCHEMA, f)
    header = json.dumps({"kord": 1, "partitions": 3, "lens": {
        "entity": "/alert_id", "version": "/alert_version", "type": "/type",
        "time": "/occurred_at"}})
    plain, framed, twin = [header], [header], [header]
    offsets = {}
    for part, key, val, ts in alerts():
        o = offsets.get(part, 0)
        offsets[part] = o + 1
        buf = io.BytesIO()
        schemaless_writer(buf, schema, val)
        body = buf.getvalue()
        base = {"partition": part, "offset": o, "ts": ts, "key": key}
        plain.append(json.dumps(dict(base, payload_b64=b64(body))))
        framed.append(json.dumps(dict(base, payload_b64=b64(b"\x00" + int(sid).to_bytes(4, "big") + body))))
        twin.append(json.dumps(dict(base, payload=json_twin(val))))
    for name, lines in [("alerts-avro.jsonl", plain), ("alerts-framed.jsonl", framed),
                        ("alerts-json.jsonl", twin)]:
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def register(url, subject):
    from confluent_kafka.schema_registry import Schema
    print(registry(url).register_schema(subject, Schema(json.dumps(ALERT_SCHEMA), "AVRO")))


PROTO_TEXT = """syntax = "proto3";
package kordtest;

message Other { string x = 1; }

message Alert {
  string alert_id = 1;
  int64 alert_version = 2;
  string type = 3;
  int64 occurred_at = 4;
}
"""


def proto_files(d):
    import os
    Alert = proto_class()
    with open(os.path.join(d, "alert.proto"), "w") as f:
        f.write(PROTO_TEXT)
    header = json.dumps({"kord": 1, "partitions": 3, "lens": {
        "entity": "/alert_id", "version": "/alert_version", "type": "/type",
        "time": "/occurred_at"}})
    enc, twin = [header], [header]
    offsets = {}
    for part, key, val, ts in alerts():
        o = offsets.get(part, 0)
        offsets[part] = o + 1
        v = {k: val[k] for k in ("alert_id", "alert_version", "type", "occurred_at")}
        body = Alert(**v).SerializeToString()
        base = {"partition": part, "offset": o, "ts": ts, "key": key}
        enc.append(json.dumps(dict(base, payload_b64=b64(body))))
        twin.append(json.dumps(dict(base, payload=json.dumps(v))))
    for name, lines in [("alerts-proto.jsonl", enc), ("alerts-proto-twin.jsonl", twin)]:
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"avro": avro, "protobuf": protobuf, "jsonschema": jsonschema, "bad": bad,
     "bytes": bytes_topic, "dump": dump, "files": files, "register": register,
     "proto-files": proto_files}[cmd](*args)


if __name__ == "__main__":
    main()
