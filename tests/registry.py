#!/usr/bin/env python3
"""A small Confluent-compatible schema registry, for kord's tests.

Serves the REST subset the clients use (confluent-kafka's serializers and
kord): register (POST /subjects/S/versions), look up (POST /subjects/S),
GET /schemas/ids/N (schema, schemaType, references), GET
/schemas/ids/N/versions, GET /subjects, GET /subjects/S/versions,
GET /subjects/S/versions/V|latest, GET/PUT /config. In memory.

    python3 tests/registry.py [--port 0] [--fault none|500|garbage|hang]
                              [--basic USER:PASS] [--bearer TOKEN]

Prints "PORT" on the first line of stdout once it listens. --fault makes
/schemas/ids/* answer 500, garbage, or nothing (hang) - for bad-input tests.
"""
import argparse
import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SCHEMAS = {}  # id -> {"schema", "schemaType", "references"}
SUBJECTS = {}  # subject -> [id, ...] (version = index + 1)
NEXT_ID = [1]


def canon(body):
    return json.dumps(
        [body.get("schema"), body.get("schemaType", "AVRO"), body.get("references") or []],
        sort_keys=True,
    )


def register(subject, body):
    with LOCK:
        key = canon(body)
        for sid, s in SCHEMAS.items():
            if s["key"] == key:
                break
        else:
            sid = NEXT_ID[0]
            NEXT_ID[0] += 1
            SCHEMAS[sid] = {
                "schema": body["schema"],
                "schemaType": body.get("schemaType", "AVRO"),
                "references": body.get("references") or [],
                "key": key,
            }
        versions = SUBJECTS.setdefault(subject, [])
        if sid not in versions:
            versions.append(sid)
        return sid, versions.index(sid) + 1


def schema_json(sid, subject=None, version=None):
    s = SCHEMAS[sid]
    out = {"id": sid, "schema": s["schema"]}
    if s["schemaType"] != "AVRO":
        out["schemaType"] = s["schemaType"]
    if s["references"]:
        out["references"] = s["references"]
    if subject is not None:
        out["subject"] = subject
        out["version"] = version
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, obj=None, raw=None):
        data = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self, what, code=40403):
        self.send(404, {"error_code": code, "message": f"{what} not found"})

    def authorized(self):
        want = self.server.auth
        if want is None:
            return True
        if self.headers.get("Authorization") == want:
            return True
        self.send(401, {"error_code": 401, "message": "Unauthorized"})
        return False

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def fault(self):
        f = self.server.fault
        if f == "500":
            self.send(500, {"error_code": 50001, "message": "Error in the backend data store"})
        elif f == "garbage":
            self.send(200, raw=b"<html>this is not json")
        elif f == "hang":
            time.sleep(600)
        else:
            return False
        return True

    def do_GET(self):
        if not self.authorized():
            return
        p = self.path.split("?")[0].rstrip("/")
        m = re.fullmatch(r"/schemas/ids/(\d+)(/versions)?", p)
        if m:
            if self.fault():
                return
            sid = int(m.group(1))
            with LOCK:
                if sid not in SCHEMAS:
                    return self.not_found(f"Schema {sid}")
                if m.group(2):
                    vs = [
                        {"subject": s, "version": ids.index(sid) + 1}
                        for s, ids in SUBJECTS.items()
                        if sid in ids
                    ]
                    return self.send(200, vs)
                out = schema_json(sid)
                del out["id"]
                return self.send(200, out)
        if p == "/subjects":
            with LOCK:
                return self.send(200, sorted(SUBJECTS))
        m = re.fullmatch(r"/subjects/([^/]+)/versions", p)
        if m:
            with LOCK:
                ids = SUBJECTS.get(m.group(1))
                if ids is None:
                    return self.not_found(f"Subject {m.group(1)}", 40401)
                return self.send(200, list(range(1, len(ids) + 1)))
        m = re.fullmatch(r"/subjects/([^/]+)/versions/(latest|-?\d+)", p)
        if m:
            with LOCK:
                subject, v = m.group(1), m.group(2)
                ids = SUBJECTS.get(subject)
                if not ids:
                    return self.not_found(f"Subject {subject}", 40401)
                idx = len(ids) if v in ("latest", "-1") else int(v)
                if not 1 <= idx <= len(ids):
                    return self.not_found(f"Version {v}", 40402)
                return self.send(200, schema_json(ids[idx - 1], subject, idx))
        if p.startswith("/config"):
            return self.send(200, {"compatibilityLevel": "NONE"})
        self.send(404, {"error_code": 404, "message": "HTTP 404 Not Found"})

    def do_POST(self):
        if not self.authorized():
            return
        p = self.path.split("?")[0].rstrip("/")
        m = re.fullmatch(r"/subjects/([^/]+)/versions", p)
        if m:
            sid, _ = register(m.group(1), self.body())
            return self.send(200, {"id": sid})
        m = re.fullmatch(r"/subjects/([^/]+)", p)
        if m:
            body = self.body()
            key = canon(body)
            with LOCK:
                for sid in SUBJECTS.get(m.group(1), []):
                    if SCHEMAS[sid]["key"] == key:
                        v = SUBJECTS[m.group(1)].index(sid) + 1
                        return self.send(200, schema_json(sid, m.group(1), v))
            return self.not_found("Schema", 40403)
        self.send(404, {"error_code": 404, "message": "HTTP 404 Not Found"})

    def do_PUT(self):
        if not self.authorized():
            return
        self.body()
        self.send(200, {"compatibility": "NONE"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fault", default="none", choices=["none", "500", "garbage", "hang"])
    ap.add_argument("--basic")
    ap.add_argument("--bearer")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.fault = a.fault
    srv.auth = None
    if a.basic:
        srv.auth = "Basic " + base64.b64encode(a.basic.encode()).decode()
    if a.bearer:
        srv.auth = "Bearer " + a.bearer
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
