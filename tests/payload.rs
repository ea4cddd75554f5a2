//! Payload decoding and lossless recordings (issue 10), against fixtures
//! encoded by independent code (tests/kafka_helpers/payload_fixtures.py:
//! confluent-kafka's serializers, fastavro, google.protobuf) and a small
//! Confluent-compatible registry (tests/registry.py). Tests that need a
//! broker are `#[ignore]`d; scripts/test.sh runs them with tansu
//! (KORD_TEST_BROKER). Needs python3 with `confluent-kafka[avro,protobuf,
//! schemaregistry]` (installed by scripts/test.sh).

mod common;

use common::kafka::{broker, drive_live, kord, kord_env, ok, stderr, topic};
use common::root;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn fixtures() -> PathBuf {
    root().join("tests/kafka_helpers/payload_fixtures.py")
}

/// Runs the fixture script (independent encoders); returns its stdout.
fn py(args: &[&str]) -> String {
    let o = Command::new("python3")
        .arg(fixtures())
        .args(args)
        .output()
        .expect("python3");
    assert!(
        o.status.success(),
        "payload_fixtures.py {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The test registry on a free port, stopped on drop.
struct Registry {
    child: Child,
    url: String,
}

impl Registry {
    fn start(extra: &[&str]) -> Registry {
        let mut child = Command::new("python3")
            .arg(root().join("tests/registry.py"))
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tests/registry.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("registry port");
        Registry {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The report without the fields that name where it came from.
fn report(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).expect("report JSON");
    let o = v.as_object_mut().unwrap();
    o.remove("source");
    o.remove("group");
    v
}

fn analyze(file: &Path, extra: &[&str]) -> Value {
    analyze_with(file, extra, &[])
}

/// [`analyze`] with `env` set.
fn analyze_with(file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["analyze", file.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    report(&ok(&kord_env(&args, env)))
}

fn unparsed(r: &Value) -> u64 {
    r["stream"]["unparsed"].as_u64().unwrap()
}

/// Details of the `unparsed` findings.
fn reasons(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unparsed")
        .map(|f| f["detail"].as_str().unwrap_or("").to_string())
        .collect()
}

fn files(dir: &Path, id: u32) {
    py(&["files", dir.to_str().unwrap(), &id.to_string()]);
}

#[test]
fn avro_files_with_an_avsc_read_like_their_json_twin() {
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), 1);
    let twin = analyze(&dir.path().join("alerts-json.jsonl"), &[]);
    assert_eq!(unparsed(&twin), 0);
    assert!(twin["stream"]["version_gap"].as_u64().unwrap() > 0);
    let avsc = dir.path().join("alerts.avsc");
    let avsc = avsc.to_str().unwrap();
    // Bare Avro bodies (as tansu cat and many services write them) ...
    let plain = analyze(
        &dir.path().join("alerts-avro.jsonl"),
        &["--avro-schema", avsc],
    );
    assert_eq!(plain, twin);
    // ... and framed ones.
    let framed = analyze(
        &dir.path().join("alerts-framed.jsonl"),
        &["--avro-schema", avsc],
    );
    assert_eq!(framed, twin);
    // Without the schema they are unparsed, not an error.
    let raw = analyze(&dir.path().join("alerts-avro.jsonl"), &[]);
    assert_eq!(unparsed(&raw), twin["events"].as_u64().unwrap());
}

#[test]
fn protobuf_files_with_a_proto_read_like_their_json_twin() {
    let dir = tempfile::tempdir().unwrap();
    py(&["proto-files", dir.path().to_str().unwrap()]);
    let twin = analyze(&dir.path().join("alerts-proto-twin.jsonl"), &[]);
    assert_eq!(unparsed(&twin), 0);
    let proto = dir.path().join("alert.proto");
    let r = analyze(
        &dir.path().join("alerts-proto.jsonl"),
        &[
            "--proto",
            proto.to_str().unwrap(),
            "--proto-message",
            "kordtest.Alert",
        ],
    );
    assert_eq!(r, twin);
    // A message the file does not define is a usage error.
    let o = kord(&[
        "analyze",
        dir.path().join("alerts-proto.jsonl").to_str().unwrap(),
        "--proto",
        proto.to_str().unwrap(),
        "--proto-message",
        "kordtest.Nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("kordtest.Nope"), "{}", stderr(&o));
}

#[test]
fn a_registry_decodes_framed_records_and_unknown_ids_are_reasons() {
    let reg = Registry::start(&[]);
    let id: u32 = py(&["register", &reg.url, "alerts-value"])
        .trim()
        .parse()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), id);
    let twin = analyze(&dir.path().join("alerts-json.jsonl"), &[]);
    let framed = dir.path().join("alerts-framed.jsonl");
    let decoded = analyze(&framed, &["--schema-registry", &reg.url]);
    assert_eq!(decoded, twin);

    // The same bodies under an id the registry does not have.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    files(&other, 999);
    let r = analyze(
        &other.join("alerts-framed.jsonl"),
        &["--schema-registry", &reg.url],
    );
    assert_eq!(unparsed(&r), twin["events"].as_u64().unwrap());
    assert!(
        reasons(&r)
            .iter()
            .all(|d| d == "schema 999: not in the registry"),
        "{:?}",
        reasons(&r)
    );
}

#[test]
fn registry_failures_are_reasons_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), 1);
    let framed = dir.path().join("alerts-framed.jsonl");
    for (fault, want) in [
        ("500", "the registry answered 500"),
        ("garbage", "not JSON"),
        ("hang", "the registry gave no answer within 1.0s"),
    ] {
        let reg = Registry::start(&["--fault", fault]);
        let r = analyze(
            &framed,
            &[
                "--schema-registry",
                &reg.url,
                "--registry-property",
                "timeout=1s",
            ],
        );
        let n = r["events"].as_u64().unwrap();
        assert!(n > 0);
        assert_eq!(unparsed(&r), n, "{fault}: every record kept, unparsed");
        let why = reasons(&r);
        assert!(
            why.iter()
                .all(|d| d.contains("schema 1") && d.contains(want)),
            "{fault}: {why:?}"
        );
    }
}

#[test]
fn an_unreachable_registry_or_a_bad_avsc_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), 1);
    let framed = dir.path().join("alerts-framed.jsonl");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let o = kord(&[
        "analyze",
        framed.to_str().unwrap(),
        "--schema-registry",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("schema registry"), "{}", stderr(&o));

    let bad = dir.path().join("bad.avsc");
    std::fs::write(&bad, "{\"type\": \"record\", \"name\": ").unwrap();
    let o = kord(&[
        "analyze",
        framed.to_str().unwrap(),
        "--avro-schema",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.avsc"), "{}", stderr(&o));

    // Registry credentials are checked options, and never echoed.
    let o = kord(&[
        "analyze",
        framed.to_str().unwrap(),
        "--schema-registry",
        &url,
        "--registry-property",
        "basic.auth.user.info=me:s3cret",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("s3cret"), "{}", stderr(&o));
}

#[test]
fn basic_auth_reaches_a_registry_that_requires_it() {
    let reg = Registry::start(&["--basic", "kord:pw"]);
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), 1);
    let framed = dir.path().join("alerts-framed.jsonl");
    let o = kord(&[
        "analyze",
        framed.to_str().unwrap(),
        "--schema-registry",
        &reg.url,
    ]);
    assert_eq!(o.status.code(), Some(2), "no credentials: refused at start");
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));
    let o = kord(&[
        "analyze",
        framed.to_str().unwrap(),
        "--schema-registry",
        &reg.url,
        "--registry-property",
        "basic.auth.user.info=kord:pw",
        "--format",
        "json",
    ]);
    // Reached (the schema is not registered there: a reason, not an error).
    let r = report(&ok(&o));
    assert!(reasons(&r)
        .iter()
        .all(|d| d == "schema 1: not in the registry"));
}

#[test]
fn schema_lines_with_missing_references_are_reasons() {
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), 1);
    let body: Vec<String> = std::fs::read_to_string(dir.path().join("alerts-framed.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let schema = serde_json::json!({"kord_schema": {
        "id": 1,
        "schema": "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"kord.test.Missing\"}]}",
        "references": [{"name": "kord.test.Missing", "subject": "missing", "version": 1}]
    }});
    let mut lines = vec![body[0].clone(), schema.to_string()];
    lines.extend(body[1..].iter().cloned());
    let f = dir.path().join("refs.jsonl");
    std::fs::write(&f, lines.join("\n")).unwrap();
    let r = analyze(&f, &[]);
    assert_eq!(unparsed(&r), r["events"].as_u64().unwrap());
    assert!(
        reasons(&r)
            .iter()
            .all(|d| d.contains("schema 1") && d.contains("is missing")),
        "{:?}",
        reasons(&r)
    );
}

#[test]
fn truncated_framing_and_wrong_magic_are_reasons() {
    let reg = Registry::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.jsonl");
    std::fs::write(
        &f,
        [
            r#"{"partition":0,"offset":0,"key":"a","payload_b64":"AAAB"}"#,
            r#"{"partition":0,"offset":1,"key":"b","payload_b64":"/wAAAAE="}"#,
            r#"{"partition":0,"offset":2,"key":"c","payload":"{\"x\":1}"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let r = analyze(&f, &["--schema-registry", &reg.url]);
    assert_eq!(r["events"], 3);
    assert_eq!(unparsed(&r), 2);
    let why = reasons(&r);
    assert!(why[0].contains("truncated Confluent framing"), "{why:?}");
    assert!(why[1].contains("magic byte"), "{why:?}");
}

#[test]
fn a_schema_line_anywhere_decodes_a_big_file_read_in_parallel_slices() {
    // A plain file over 8 MiB is read in slices at once: every slice must
    // still see every schema line wherever it is in the file, the first
    // slice's records included when the line comes after them.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("alerts.jsonl");
    let synth = kord(&[
        "synth",
        "alert-flap",
        "--events",
        "50000",
        "--partitions",
        "8",
        "--entities",
        "4000",
        "-o",
        json.to_str().unwrap(),
    ]);
    ok(&synth);
    // Encoded by fastavro (scripts/avro-recording.py), the schema line
    // right after the header.
    let first = dir.path().join("schema-first.jsonl");
    let o = Command::new("python3")
        .arg(root().join("scripts/avro-recording.py"))
        .args([&json, &first])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(text.len() > 8 << 20, "the slices need a file over 8 MiB");
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("{\"kord_schema\""));
    // The same records with the schema line last.
    let schema = lines.remove(1);
    lines.push(schema);
    let last = dir.path().join("schema-last.jsonl");
    std::fs::write(&last, lines.join("\n") + "\n").unwrap();

    // The reference: the schema-first file read by one thread, in order.
    let twin = analyze_with(&first, &["--compare"], &[("KORD_THREADS", "1")]);
    assert_eq!(unparsed(&twin), 0, "{:?}", reasons(&twin));
    let parallel = [("KORD_THREADS", "2")];
    let whole = [("KORD_THREADS", "2"), ("KORD_STREAM", "0")];
    // Streamed in slices of about 512 KB (many rounds), and read whole.
    let small = [("KORD_THREADS", "2"), ("KORD_STREAM_CHUNK", "2000")];
    for file in [&first, &last] {
        for env in [&parallel[..], &whole[..], &small[..]] {
            let r = analyze_with(file, &["--compare"], env);
            assert_eq!(unparsed(&r), 0, "{file:?} {env:?}: {:?}", reasons(&r));
            assert_eq!(r, twin, "{file:?} {env:?}");
        }
    }
}

#[test]
fn a_kcat_avro_dump_loads() {
    // `kcat -C -J -s key=avro -s value=avro`: key and payload as JSON values.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("kcat.jsonl");
    let lines: Vec<String> = (0..4)
        .map(|i| {
            serde_json::json!({"topic":"t","partition":0,"offset":i,"tstype":"create","ts":1000+i,
                "broker":1,"key":{"id":"e1"},"key_schema_id":1,
                "payload":{"alert_id":"e1","alert_version":i+1},"value_schema_id":2})
            .to_string()
        })
        .collect();
    std::fs::write(&f, lines.join("\n")).unwrap();
    let r = analyze(&f, &["--version", "/alert_version"]);
    assert_eq!(r["events"], 4);
    assert_eq!(r["entities"], 1);
    assert_eq!(unparsed(&r), 0);
}

// ---- against a broker (scripts/test.sh starts tansu) ----

fn create(b: &str, t: &str, partitions: u32) {
    // kord creates a topic with a recording's partition count; for the
    // fixtures, an empty recording with a header does it.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("h.jsonl");
    std::fs::write(&f, format!("{{\"kord\":1,\"partitions\":{partitions}}}\n")).unwrap();
    ok(&kord(&["produce", f.to_str().unwrap(), "-b", b, "-t", t]));
}

/// The alert fixture on two new 3-partition topics: Avro through the
/// registry (confluent-kafka's serializer), and its JSON twin.
fn avro_topics(b: &str, reg: &Registry) -> (String, String) {
    let (ta, tj) = (topic("avro"), topic("avro-twin"));
    create(b, &ta, 3);
    create(b, &tj, 3);
    py(&["avro", b, &reg.url, &ta, &tj]);
    (ta, tj)
}

const ALERT_LENS: &[&str] = &[
    "--entity",
    "/alert_id",
    "--version",
    "/alert_version",
    "--type",
    "/type",
    "--time",
    "/occurred_at",
];

fn analyze_topic(b: &str, t: &str, extra: &[&str]) -> Value {
    let mut args = vec!["analyze", "-b", b, "-t", t, "--format", "json"];
    args.extend_from_slice(ALERT_LENS);
    args.extend_from_slice(extra);
    report(&ok(&kord(&args)))
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn an_avro_topic_reads_like_its_json_twin_live_recorded_and_replayed() {
    let b = broker();
    let reg = Registry::start(&[]);
    let (ta, tj) = avro_topics(&b, &reg);
    let twin = analyze_topic(&b, &tj, &[]);
    assert_eq!(unparsed(&twin), 0);
    let avro = analyze_topic(&b, &ta, &["--schema-registry", &reg.url]);
    assert_eq!(avro, twin, "analyze -b: Avro vs JSON");

    // Recorded with the registry, the schemas travel in the file ...
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("avro.jsonl");
    let mut args = vec!["record", "-b", &b, "-t", &ta, "-o", rec.to_str().unwrap()];
    args.extend_from_slice(ALERT_LENS);
    args.extend(["--schema-registry", &reg.url]);
    ok(&kord(&args));
    let text = std::fs::read_to_string(&rec).unwrap();
    assert_eq!(
        text.matches("\"kord_schema\"").count(),
        2,
        "key and value schemas"
    );
    // ... so with the registry gone it decodes the same.
    drop(reg);
    let replayed = analyze(&rec, &[]);
    assert_eq!(replayed, twin, "the recording, no registry");

    // Published again from the recording: byte for byte.
    let copy = topic("avro-copy");
    ok(&kord(&[
        "produce",
        rec.to_str().unwrap(),
        "-b",
        &b,
        "-t",
        &copy,
    ]));
    assert_eq!(dump(&b, &copy), dump(&b, &ta));
}

fn dump(b: &str, t: &str) -> Value {
    let v: Value = serde_json::from_str(&py(&["dump", b, t])).unwrap();
    // Offsets are the topic's own; everything else must match.
    v
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn record_then_produce_is_byte_for_byte() {
    let b = broker();
    let t = topic("bytes");
    create(&b, &t, 2);
    py(&["bytes", &b, &t]);
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("bytes.jsonl");
    ok(&kord(&[
        "record",
        "-b",
        &b,
        "-t",
        &t,
        "-o",
        rec.to_str().unwrap(),
    ]));
    let copy = topic("bytes-copy");
    ok(&kord(&[
        "produce",
        rec.to_str().unwrap(),
        "-b",
        &b,
        "-t",
        &copy,
    ]));
    let (orig, back) = (dump(&b, &t), dump(&b, &copy));
    assert_eq!(orig["records"].as_array().unwrap().len(), 7);
    assert_eq!(back, orig, "every partition, key, value and header byte");

    // A topic with records is refused without --append.
    let o = kord(&["produce", rec.to_str().unwrap(), "-b", &b, "-t", &copy]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--append"), "{}", stderr(&o));
    ok(&kord(&[
        "produce",
        rec.to_str().unwrap(),
        "-b",
        &b,
        "-t",
        &copy,
        "--append",
    ]));
    assert_eq!(dump(&b, &copy)["records"].as_array().unwrap().len(), 14);
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn protobuf_and_json_schema_topics_decode() {
    let b = broker();
    let reg = Registry::start(&[]);
    let (tp, tj, tw) = (topic("proto"), topic("jsonschema"), topic("twin"));
    for t in [&tp, &tj, &tw] {
        create(&b, t, 3);
    }
    py(&["protobuf", &b, &reg.url, &tp]);
    py(&["jsonschema", &b, &reg.url, &tj]);
    let twin_avro = topic("twin-avro");
    create(&b, &twin_avro, 3);
    py(&["avro", &b, &reg.url, &twin_avro, &tw]);
    // Times as epoch ms here: compare what does not depend on them.
    let twin = analyze_topic(&b, &tw, &[]);
    for t in [&tp, &tj] {
        let r = analyze_topic(&b, t, &["--schema-registry", &reg.url]);
        assert_eq!(unparsed(&r), 0, "{t}: {:?}", reasons(&r));
        for k in ["events", "entities", "partitions"] {
            assert_eq!(r[k], twin[k], "{t}: {k}");
        }
        for k in ["version_gap", "unfilled_gap", "out_of_order", "duplicate"] {
            assert_eq!(r["stream"][k], twin["stream"][k], "{t}: {k}");
        }
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn undecodable_records_on_a_topic_are_kept_with_reasons() {
    let b = broker();
    let reg = Registry::start(&[]);
    let t = topic("bad");
    create(&b, &t, 1);
    py(&["bad", &b, &reg.url, &t]);
    let r = analyze_topic(&b, &t, &["--schema-registry", &reg.url]);
    assert_eq!(r["events"], 5);
    assert_eq!(unparsed(&r), 4);
    let why = reasons(&r).join(" | ");
    for want in [
        "schema 999: not in the registry",
        "truncated Confluent framing",
        "magic byte",
        "schema 1: avro: the body ends too early",
    ] {
        assert!(why.contains(want), "{want}: {why}");
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn a_scenario_published_as_avro_decodes() {
    let b = broker();
    let reg = Registry::start(&[]);
    let (ta, tj) = (topic("sc-avro"), topic("sc-json"));
    ok(&kord(&[
        "produce",
        "alert-flap",
        "-b",
        &b,
        "-t",
        &ta,
        "--format",
        "avro",
        "--schema-registry",
        &reg.url,
    ]));
    ok(&kord(&["produce", "alert-flap", "-b", &b, "-t", &tj]));
    let lens = root().join("recordings/alert-flap.jsonl");
    let lens = lens.to_str().unwrap();
    let get = |t: &str, extra: &[&str]| {
        let mut args = vec![
            "analyze", "-b", &b, "-t", t, "--format", "json", "--lens", lens,
        ];
        args.extend_from_slice(extra);
        report(&ok(&kord(&args)))
    };
    let json = get(&tj, &[]);
    let avro = get(&ta, &["--schema-registry", &reg.url]);
    assert_eq!(unparsed(&avro), 0);
    for k in ["events", "entities", "partitions", "stream"] {
        assert_eq!(avro[k], json[k], "{k}");
    }
    // Without the registry the values are bytes: unparsed.
    let raw = get(&ta, &[]);
    assert_eq!(unparsed(&raw), raw["events"].as_u64().unwrap());
}

/// A recording's record lines in the shape of the fixture script's `dump`
/// (partition, offset, key, value, headers; bytes as base64), sorted.
fn recorded_as_dump(recording: &[u8]) -> Vec<Value> {
    use base64::Engine as _;
    let b64 = |p: &kord::model::Payload<'_>| match p.bytes() {
        Some(b) => Value::from(base64::engine::general_purpose::STANDARD.encode(b)),
        None => Value::Null,
    };
    let text = std::str::from_utf8(recording).expect("a recording is UTF-8 text");
    let mut out: Vec<Value> = text
        .lines()
        .skip(1)
        .map(|l| {
            let r = kord::model::line::parse_record(l.as_bytes()).unwrap();
            let headers: Vec<Value> = r
                .headers
                .iter()
                .map(|(k, v)| Value::from(vec![Value::from(k.as_ref()), b64(v)]))
                .collect();
            serde_json::json!({
                "partition": r.partition, "offset": r.offset,
                "key": b64(&r.key), "value": b64(&r.payload), "headers": headers,
            })
        })
        .collect();
    out.sort_by_key(|r| (r["partition"].as_i64(), r["offset"].as_i64()));
    out
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn the_library_records_a_topic_byte_for_byte() {
    use kord::source::kafka::capture::{record_topic, Keep, RecordingWriter};
    use kord::source::kafka::reader::{KafkaReader, ReadOrder};
    use kord::source::kafka::{KafkaConfig, Until};
    use kord::source::recording::Header;
    let b = broker();
    let t = topic("capture");
    create(&b, &t, 2);
    py(&["bytes", &b, &t]);
    let cfg = KafkaConfig::new(&b, &t);
    let mut reader = KafkaReader::connect(&cfg).unwrap();
    let header = Header {
        kord: 1,
        topic: Some(t.clone()),
        partitions: Some(reader.topic_partition_count()),
        source: Some(cfg.describe()),
        recorded_at: None,
        note: None,
        lens: None,
        consumers: None,
        assignor: None,
    };
    let mut out = RecordingWriter::create(Vec::new(), "memory", &header, None).unwrap();
    let (mut batches, mut counted) = (0u32, 0u64);
    let got = record_topic(
        &mut reader,
        &Until::End,
        ReadOrder::Merged,
        Keep {
            filter: None,
            stage: None,
        },
        &mut out,
        &mut |_| {},
        &mut |_, done| {
            batches += 1;
            counted += done.records;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((got.read, got.kept, counted), (7, 7, 7));
    assert!(batches >= 1);
    let file = out.into_inner().unwrap();
    let head: Value = serde_json::from_slice(file.split(|&c| c == b'\n').next().unwrap()).unwrap();
    assert_eq!(head["partitions"], 2);
    let theirs = dump(&b, &t);
    assert_eq!(
        Value::from(recorded_as_dump(&file)),
        theirs["records"],
        "every partition, offset, key, value and header byte"
    );
}

/// `--where` over the Avro fixture's decoded `type`: 18 of its 35 alerts
/// are resolutions (even versions).
const RESOLVED: &str = r#".payload.type == "AlertResolved""#;

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn where_sees_decoded_avro_in_analyze_the_library_and_live() {
    use kord::decode::{Decoder, Stage};
    use kord::filter::RecordFilter;
    use kord::source::kafka::capture::{ingest_topic, Keep};
    use kord::source::kafka::live::{KafkaSource, LiveOptions};
    use kord::source::kafka::reader::{KafkaReader, ReadOrder};
    use kord::source::kafka::{KafkaConfig, Until};
    use kord::source::registry::RegistryConfig;
    use std::sync::Arc;
    let b = broker();
    let reg = Registry::start(&[]);
    let (ta, tj) = avro_topics(&b, &reg);
    // The CLI: the Avro topic filters like its JSON twin.
    let twin = analyze_topic(&b, &tj, &["--where", RESOLVED]);
    let avro = analyze_topic(
        &b,
        &ta,
        &["--where", RESOLVED, "--schema-registry", &reg.url],
    );
    assert_eq!(twin["events"], 18);
    assert_eq!(avro["events"], 18, "analyze -b decodes before --where");

    let client = kord::source::registry::Registry::new(RegistryConfig::new(&reg.url, &[]).unwrap());
    let decoder = Arc::new(Decoder::new().with_lookup(Arc::new(client.unwrap())));
    let filter = RecordFilter::compile(RESOLVED).unwrap();
    let lens = alert_lens();

    // The library's bounded read.
    let cfg = KafkaConfig::new(&b, &ta);
    let mut reader = KafkaReader::connect(&cfg).unwrap();
    let mut ingest = kord::model::Ingest::new(lens.clone(), false);
    let read = ingest_topic(
        &mut reader,
        &Until::End,
        ReadOrder::Merged,
        &mut ingest,
        Keep {
            filter: Some(&filter),
            stage: Some(Stage::new(decoder.clone())),
        },
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(read, 35);
    assert_eq!(ingest.finish().0.len(), 18);

    // Live: the TUI's accumulator decodes, then filters.
    kord::decode::set_session(Some(decoder));
    let mut app = kord::tui::App::new(kord::tui::Theme::default(), &cfg.describe());
    app.live = Some(
        kord::tui::live::LiveState::new(cfg.describe(), lens, 0, None).with_filter(Some(filter)),
    );
    let (mut rx, handle) = KafkaSource::start(&cfg, LiveOptions::default()).unwrap();
    drive_live(&mut app, &mut rx, 30, |app| {
        app.live.as_ref().unwrap().received >= 35 && app.len() >= 18
    });
    handle.stop();
    kord::decode::set_session(None);
    assert_eq!(app.live.as_ref().unwrap().received, 35);
    assert_eq!(app.len(), 18, "live keeps the decoded matches only");
    let ds = app.ds.as_ref().unwrap();
    assert_eq!(ds.store.entity_count(), 6, "every alert has resolutions");
}

/// The alert fixture's lens (`ALERT_LENS` flags).
fn alert_lens() -> kord::model::Lens {
    let pair = |name: &str| {
        let i = ALERT_LENS.iter().position(|f| *f == name).unwrap();
        Some(ALERT_LENS[i + 1].to_string())
    };
    let cfg = kord::model::lens::LensConfig {
        entity: pair("--entity"),
        version: pair("--version"),
        type_: pair("--type"),
        time: pair("--time"),
        ..Default::default()
    };
    let opts = kord::source::LoadOptions {
        lens: cfg,
        ..Default::default()
    };
    kord::source::resolve_lens("test", None, &opts).unwrap()
}
