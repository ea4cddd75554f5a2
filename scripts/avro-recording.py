#!/usr/bin/env python3
"""Turns a kord alert-flap recording (JSON payloads) into its Avro twin for
the benchmarks: each payload encoded by fastavro (independent of kord) in
the Confluent wire format (schema id 1), with the schema as a kord schema
line after the header, as `kord record --schema-registry` writes it.

usage: avro-recording.py IN.jsonl OUT.jsonl"""
import base64
import datetime
import io
import json
import sys

from fastavro import parse_schema, schemaless_writer

SCHEMA = {
    "type": "record", "name": "Alert", "namespace": "kord.bench",
    "fields": [
        {"name": "alert_id", "type": "string"},
        {"name": "alert_version", "type": "long"},
        {"name": "type", "type": {"type": "enum", "name": "AlertType",
                                  "symbols": ["AlertTriggered", "AlertResolved"]}},
        {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "severity", "type": ["null", "string"], "default": None},
        {"name": "status", "type": "string"},
    ],
}


def ms(s):
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int(d.timestamp() * 1000)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    schema = parse_schema(SCHEMA)
    frame = b"\x00\x00\x00\x00\x01"
    with open(src) as f, open(dst, "w") as out:
        first = f.readline()
        out.write(first)
        out.write(json.dumps({"kord_schema": {"id": 1, "schema": json.dumps(SCHEMA),
                                              "subject": "alert-flap-value"}}) + "\n")
        for line in f:
            r = json.loads(line)
            p = json.loads(r.pop("payload"))
            p["occurred_at"] = ms(p["occurred_at"])
            buf = io.BytesIO()
            buf.write(frame)
            schemaless_writer(buf, schema, p)
            r["payload_b64"] = base64.b64encode(buf.getvalue()).decode()
            out.write(json.dumps(r, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
