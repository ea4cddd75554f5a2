//! kord against a real broker (tansu, started by scripts/test.sh, which
//! exports KORD_TEST_BROKER=127.0.0.1:PORT). Never a mocked client.
//! Run alone: `scripts/tansu.sh start /tmp/b` then
//! `KORD_TEST_BROKER=127.0.0.1:PORT cargo test --test kafka -- --include-ignored`.

mod common;

use common::kafka::{broker, drive_live, kord, ok, stderr, topic};
use common::{kord_bin, root};
use kord::source::kafka::live::{KafkaSource, LiveOptions, SourceEvent};
use kord::source::kafka::KafkaConfig;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The report without the fields that name where it came from.
fn report(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).expect("report JSON");
    let o = v.as_object_mut().unwrap();
    o.remove("source");
    o.remove("group");
    v
}

fn synth(dir: &Path, scenario: &str, seed: u64, events: Option<usize>) -> PathBuf {
    let f = dir.join(format!("{scenario}-{seed}.jsonl"));
    let seed = seed.to_string();
    let mut args = vec![
        "synth",
        scenario,
        "-o",
        f.to_str().unwrap(),
        "--seed",
        &seed,
    ];
    let n;
    if let Some(e) = events {
        n = e.to_string();
        args.extend(["--events", &n]);
    }
    ok(&kord(&args));
    f
}

fn produce(b: &str, t: &str, scenario: &str, seed: u64, events: Option<usize>) {
    let seed = seed.to_string();
    let mut args = vec!["produce", scenario, "-b", b, "-t", t, "--seed", &seed];
    let n;
    if let Some(e) = events {
        n = e.to_string();
        args.extend(["--events", &n]);
    }
    ok(&kord(&args));
}

fn analyze_file(f: &Path) -> Value {
    report(&ok(&kord(&[
        "analyze",
        f.to_str().unwrap(),
        "--format",
        "json",
    ])))
}

/// `kord record -b B -t T -o OUT EXTRA...`, which must succeed.
fn record(b: &str, t: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["record", "-b", b, "-t", t, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    ok(&kord(&args))
}

fn assert_same(live: &Value, file: &Value, what: &str) {
    for k in ["events", "partitions", "entities", "stream", "strategies"] {
        assert_eq!(live.get(k), file.get(k), "{what}: `{k}` differs");
    }
    assert_eq!(live, file, "{what}: reports differ");
}

/// Scenarios whose reports depend on the order across partitions (split
/// entities, retries) as well as within them.
const SCENARIOS: &[&str] = &[
    "alert-flap",
    "retry-reorder",
    "null-keys",
    "order-lifecycle",
];

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn produce_then_analyze_live_gives_the_file_report() {
    let b = broker();
    let dir = tempfile::tempdir().unwrap();
    for (i, sc) in SCENARIOS.iter().enumerate() {
        let seed = 7 + i as u64;
        let t = topic(sc);
        let file = synth(dir.path(), sc, seed, None);
        produce(&b, &t, sc, seed, None);
        let lens = file.to_str().unwrap();
        let live = report(&ok(&kord(&[
            "analyze", "-b", &b, "-t", &t, "--lens", lens, "--format", "json",
        ])));
        assert_same(&live, &analyze_file(&file), sc);
        // Twice: a bounded read gives the same order on every run.
        let again = report(&ok(&kord(&[
            "analyze", "-b", &b, "-t", &t, "--lens", lens, "--format", "json",
        ])));
        assert_eq!(live, again, "{sc}: a second read differs");
    }
}

/// `kord analyze -b ARGS` with `env`: (the report, whether it streamed).
fn analyze_topic(args: &[&str], env: &[(&str, &str)]) -> (Value, bool) {
    let o = Command::new(kord_bin())
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .env("KORD_TIMING", "1")
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run kord");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    (report(&ok(&o)), err.contains("(streamed)"))
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn a_topic_analyzed_as_it_is_read_gives_the_whole_report() {
    let b = broker();
    let dir = tempfile::tempdir().unwrap();
    for (i, sc) in ["slow-consumer", "alert-flap", "hot-key"]
        .iter()
        .enumerate()
    {
        let seed = 21 + i as u64;
        let t = topic(sc);
        let file = synth(dir.path(), sc, seed, None);
        produce(&b, &t, sc, seed, None);
        let lens = file.to_str().unwrap();
        let args = ["-b", &b, "-t", &t, "--lens", lens, "--compare", "--state"];
        let (whole, streamed) = analyze_topic(&args, &[("KORD_STREAM", "0")]);
        assert!(!streamed, "{sc}: KORD_STREAM=0 streamed");
        // Chunks of 7 records and a horizon of 64: the window moves.
        let small = [("KORD_STREAM_CHUNK", "7"), ("KORD_STREAM_HORIZON", "64")];
        let (chunked, streamed) = analyze_topic(&args, &small);
        assert_same(&chunked, &whole, sc);
        // slow-consumer's order holds within 64 records; hot partitions
        // need the whole topic (read again, the same report).
        match *sc {
            "slow-consumer" => assert!(streamed, "{sc} did not stream"),
            "hot-key" => assert!(!streamed, "{sc} streamed"),
            _ => {}
        }
        let (default, _) = analyze_topic(&args, &[]);
        assert_same(&default, &whole, sc);
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn record_until_end_then_analyze_the_file() {
    let b = broker();
    let dir = tempfile::tempdir().unwrap();
    // Enough events that the producer sends multi-record batches: tansu then
    // under-reports the high watermark, and `--until end` must not stop early.
    let (sc, seed, n) = ("alert-flap", 3, 20_000);
    let file = synth(dir.path(), sc, seed, Some(n));
    let t = topic("record");
    produce(&b, &t, sc, seed, Some(n));
    let out = dir.path().join("rec.jsonl");
    record(
        &b,
        &t,
        &out,
        &["--until", "end", "--lens", file.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let synth_lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(lines.len(), synth_lines, "header + every record");
    let header: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(header["kord"], 1);
    assert_eq!(header["topic"], t.as_str());
    assert!(header["lens"].is_object(), "the lens goes into the header");
    assert_same(&analyze_file(&out), &analyze_file(&file), "recorded file");
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn record_writes_no_secrets() {
    let b = broker();
    let t = topic("secrets");
    produce(&b, &t, "hot-key", 1, Some(200));
    let dir = tempfile::tempdir().unwrap();
    let props = dir.path().join("client.properties");
    // Harmless for a plaintext broker, but secret-looking: must not be written.
    std::fs::write(&props, "ssl.key.password=hunter2\n").unwrap();
    let out = dir.path().join("rec.jsonl");
    record(&b, &t, &out, &["-F", props.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("hunter2"));
    assert_eq!(text.lines().count(), 201);
}

fn python_state(b: &str, t: &str, group: &str, partitions: u32) -> Value {
    let o = Command::new("python3")
        .arg(root().join("tests/kafka_helpers/group_state.py"))
        .args([b, t, group, &partitions.to_string()])
        .output()
        .expect("python3 (scripts/test.sh installs confluent-kafka)");
    assert!(
        o.status.success(),
        "group_state.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Starts an application's consumer group with an independent client
/// (confluent-kafka): it joins, consumes 1000 records, commits and stays a
/// member for `secs`. Returns it once the group is stable, with its state.
// The caller owns the child and waits for it (or kills it).
#[allow(clippy::zombie_processes)]
fn group_app(b: &str, t: &str, g: &str, secs: u32) -> (std::process::Child, Value) {
    let mut app = Command::new("python3")
        .arg(root().join("tests/kafka_helpers/group_app.py"))
        .args([b, t, g, "1000", &secs.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(app.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(line.starts_with("consumed 1000"), "the app: {line:?}");
    let started = Instant::now();
    loop {
        let s = python_state(b, t, g, 6);
        if s["state"] == "Stable" && !s["members"].as_array().unwrap().is_empty() {
            return (app, s);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the app's group never became stable: {s}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn group_observation_is_read_only() {
    let b = broker();
    let t = topic("readonly");
    let g = format!("{t}-app");
    produce(&b, &t, "alert-flap", 2, None);
    // An independent client (confluent-kafka) joins the group, consumes and
    // commits, and stays a member while kord observes.
    let (mut app, before) = group_app(&b, &t, &g, 20);
    let o = kord(&[
        "analyze", "-b", &b, "-t", &t, "--group", &g, "--format", "json",
    ]);
    let out: Value = serde_json::from_str(&ok(&o)).unwrap();
    let group = &out["group"];
    assert_eq!(group["group"], g.as_str());
    assert_eq!(group["state"], "Stable");
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    let parts = group["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 6);
    for p in parts {
        let want = &before["committed"][p["partition"].to_string()];
        match p["committed"].as_i64() {
            Some(c) => assert_eq!(Some(c), want.as_i64()),
            None => assert!(want.as_i64().unwrap_or(-1) < 0),
        }
    }
    // A recording session too.
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("r.jsonl");
    record(&b, &t, &rec, &["--group", &g]);
    let after = python_state(&b, &t, &g, 6);
    assert_eq!(before, after, "kord changed the group");
    let _ = app.kill();
    let _ = app.wait();
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn missing_topic_names_it_and_lists_the_others() {
    let b = broker();
    let t = topic("exists");
    produce(&b, &t, "hot-key", 1, Some(10));
    let o = kord(&["analyze", "-b", &b, "-t", "no-such-topic-kord"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("\"no-such-topic-kord\" does not exist"), "{e}");
    assert!(e.contains(&t), "lists the existing topics: {e}");
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn unreachable_broker_fails_clearly_within_the_timeout() {
    // No broker needed: nothing listens on this port.
    let b = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let o = kord(&["analyze", "-b", &b, "-t", "t", "--timeout", "2s"]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("cannot reach the brokers") && e.contains("within 2"),
        "{e}"
    );
    assert!(e.contains("Connection refused"), "says why: {e}");
    assert!(took < Duration::from_secs(6), "bounded wait: {took:?}");
}

#[test]
fn unsupported_sasl_mechanism_is_a_usage_error() {
    let b = format!("127.0.0.1:{}", free_port());
    // librdkafka's default mechanism, GSSAPI, needs libsasl2 (not built in).
    let o = kord(&[
        "analyze",
        "-b",
        &b,
        "-t",
        "t",
        "-X",
        "security.protocol=SASL_PLAINTEXT",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("GSSAPI"), "{}", stderr(&o));
    let o = kord(&[
        "analyze",
        "-b",
        &b,
        "-t",
        "t",
        "-X",
        "security.protocol=SASL_SSL",
        "-X",
        "sasl.mechanism=SCRAM-SHA-256",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sasl.username"), "{}", stderr(&o));
    // A misspelt property never echoes its value.
    let o = kord(&["analyze", "-b", &b, "-t", "t", "-X", "sasl.pasword=hunter2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("hunter2"));
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn sasl_against_a_plaintext_listener_fails_clearly() {
    let b = broker();
    let started = Instant::now();
    let o = kord(&[
        "analyze",
        "-b",
        &b,
        "-t",
        "t",
        "--timeout",
        "3s",
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanism=SCRAM-SHA-512",
        "-X",
        "sasl.username=kord",
        "-X",
        "sasl.password=hunter2",
    ]);
    // A refused handshake is the user's settings (issue 12): exit 2.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("SASL"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

struct Tansu(PathBuf);

impl Tansu {
    fn start() -> (Tansu, String) {
        let dir = tempfile::tempdir().unwrap().keep();
        let o = Command::new(root().join("scripts/tansu.sh"))
            .arg("start")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let addr = String::from_utf8_lossy(&o.stdout).trim().to_string();
        (Tansu(dir), addr)
    }
    fn kill(&self) {
        let pid = std::fs::read_to_string(self.0.join("pid")).unwrap();
        Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .unwrap();
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/tansu.sh"))
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn broker_killed_mid_record_leaves_a_valid_file_and_a_clear_error() {
    let _ = broker(); // the suite's broker must exist; this test starts its own
    let (tansu, b) = Tansu::start();
    let t = topic("killed");
    produce(&b, &t, "alert-flap", 5, None);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec.jsonl");
    // --until a count past the end: kord keeps reading until the broker dies.
    let mut child = Command::new(kord_bin())
        .args(["record", "-b", &b, "-t", &t, "--until", "1000000"])
        .args(["--timeout", "2s", "-o", out.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let lines = synth(dir.path(), "alert-flap", 5, None);
    let lines = std::fs::read_to_string(lines).unwrap().lines().count();
    while std::fs::read_to_string(&out).map_or(0, |s| s.lines().count()) < lines {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "record too slow"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tansu.kill();
    let killed = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(15),
            "kord did not give up on the dead broker"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("lost the brokers"), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    for (i, l) in text.lines().enumerate() {
        serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
    }
    assert_eq!(text.lines().count(), lines, "header + every record");
    ok(&kord(&["analyze", out.to_str().unwrap()]));
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_source_streams_records_and_watermarks() {
    let b = broker();
    let t = topic("live");
    produce(&b, &t, "game-session", 4, Some(2000));
    let cfg = KafkaConfig::new(&b, &t);
    let (mut rx, handle) = KafkaSource::start(&cfg, LiveOptions::default()).unwrap();
    let mut records = 0;
    let mut connected = false;
    let mut marks = None;
    let started = Instant::now();
    while (records < 2000 || marks.is_none()) && started.elapsed() < Duration::from_secs(20) {
        match rx.try_recv() {
            Ok(SourceEvent::Connected { partitions, .. }) => {
                assert_eq!(partitions, 6);
                connected = true;
            }
            Ok(SourceEvent::Records(rs)) => records += rs.len(),
            Ok(SourceEvent::Watermarks { marks: m, .. }) => {
                if records >= 2000 {
                    marks = Some(m)
                }
            }
            Ok(SourceEvent::Error(e)) => panic!("{e}"),
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    handle.stop();
    assert!(connected);
    assert_eq!(records, 2000);
    let marks = marks.expect("watermarks");
    assert_eq!(marks.len(), 6);
    assert!(marks.iter().all(|m| m.lag() == 0), "{marks:?}");
}

/// Reads the live source until `n` records came, returning their
/// (partition, offset, kord-seq) in the order the channel gave them.
fn live_records(cfg: &KafkaConfig, opts: LiveOptions, n: usize) -> Vec<(i64, i64, i64)> {
    let (mut rx, handle) = KafkaSource::start(cfg, opts).unwrap();
    let mut got = Vec::with_capacity(n);
    let started = Instant::now();
    while got.len() < n && started.elapsed() < Duration::from_secs(30) {
        match rx.try_recv() {
            Ok(SourceEvent::Records(rs)) => got.extend(rs.iter().map(|r| {
                let seq = r.header("kord-seq").expect("a kord-seq header");
                (r.partition as i64, r.offset, seq.parse::<i64>().unwrap())
            })),
            Ok(SourceEvent::Error(e)) => panic!("{e}"),
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    handle.stop();
    got
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_from_the_beginning_merges_partitions_in_the_bounded_read_order() {
    let b = broker();
    let t = topic("live-merge");
    // Produced all at once: the broker returns it partition burst by burst.
    let n = 20_000;
    produce(&b, &t, "alert-flap", 7, Some(n));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec.jsonl");
    record(&b, &t, &out, &["--until", "end"]);
    let bounded: Vec<(i64, i64, i64)> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let h = v["headers"].as_array().unwrap();
            let seq = h
                .chunks(2)
                .find(|kv| kv[0] == "kord-seq")
                .and_then(|kv| kv[1].as_str())
                .unwrap();
            (
                v["partition"].as_i64().unwrap(),
                v["offset"].as_i64().unwrap(),
                seq.parse().unwrap(),
            )
        })
        .collect();
    let cfg = KafkaConfig::new(&b, &t);
    let live = live_records(&cfg, LiveOptions::default(), bounded.len());
    assert_eq!(live.len(), bounded.len(), "every record");
    let partitions: std::collections::BTreeSet<i64> = live.iter().map(|r| r.0).collect();
    assert!(
        partitions.len() > 1,
        "a multi-partition topic: {partitions:?}"
    );
    let seqs: Vec<i64> = live.iter().map(|r| r.2).collect();
    let first_wrong = seqs.iter().zip(0..).position(|(s, i)| *s != i);
    assert_eq!(first_wrong, None, "live order is kord-seq order");
    assert!(live == bounded, "live order is `kord record`'s order");
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_merge_within_a_small_pending_budget_still_delivers_everything() {
    let b = broker();
    let t = topic("live-merge-budget");
    let dir = tempfile::tempdir().unwrap();
    let file = synth(dir.path(), "alert-flap", 8, Some(5000));
    let n = std::fs::read_to_string(&file).unwrap().lines().count() - 1;
    produce(&b, &t, "alert-flap", 8, Some(5000));
    let cfg = KafkaConfig::new(&b, &t);
    // Far less than one partition's burst: the merge must let records out
    // rather than stall with polling paused.
    let opts = LiveOptions {
        max_pending: 300,
        max_batch: 100,
        ..LiveOptions::default()
    };
    let live = live_records(&cfg, opts, n);
    assert_eq!(live.len(), n, "every record");
    let mut seqs: Vec<i64> = live.iter().map(|r| r.2).collect();
    seqs.sort_unstable();
    assert!(seqs.iter().copied().eq(0..n as i64), "each record once");
}

/// Which partition `kord partition` names for each key, with N read from the topic.
fn kord_partitions(b: &str, t: &str, partitioner: &str, keys: &[String]) -> BTreeMap<String, u64> {
    let mut args = vec!["partition", "-b", b, "-t", t, "--partitioner", partitioner];
    args.extend(keys.iter().map(String::as_str));
    ok(&kord(&args))
        .lines()
        .map(|l| {
            let (k, p) = l.rsplit_once('\t').expect("KEY<TAB>PARTITION");
            (k.to_string(), p.parse().unwrap())
        })
        .collect()
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn a_real_librdkafka_producer_picks_the_partitions_kord_names() {
    let b = broker();
    let t = topic("partitioner");
    // kord produce creates the topic with 13 partitions (a count no hash
    // agrees with by accident).
    ok(&kord(&[
        "produce",
        "hot-key",
        "-b",
        &b,
        "-t",
        &t,
        "--events",
        "1",
        "--partitions",
        "13",
    ]));
    let keys: Vec<String> = (0..240)
        .map(|i| format!("order-{i}"))
        .chain(["23456", "hejsan", "bot-7", "ключ-1", "a b c"].map(String::from))
        .collect();
    // librdkafka's partitioner names: murmur2 (Java's), consistent (CRC32).
    for (theirs, ours) in [("murmur2", "murmur2"), ("consistent", "crc32")] {
        let o = Command::new("python3")
            .arg(root().join("tests/kafka_helpers/produce_keys.py"))
            .args([b.as_str(), t.as_str(), theirs])
            .args(&keys)
            .output()
            .expect("python3 (scripts/test.sh installs confluent-kafka)");
        assert!(
            o.status.success(),
            "produce_keys.py failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let chosen: BTreeMap<String, u64> = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(chosen.len(), keys.len(), "every key delivered");
        assert!(
            chosen
                .values()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 10,
            "keys spread over the partitions"
        );
        assert_eq!(
            kord_partitions(&b, &t, ours, &keys),
            chosen,
            "{theirs} vs {ours}"
        );
    }
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_tui_state_fills_from_the_broker_and_windows() {
    use kord::source::{resolve_lens, LoadOptions};
    use kord::tui::live::{LiveConn, LiveState};
    use kord::tui::{App, Theme};
    let b = broker();
    let t = topic("live-tui");
    let dir = tempfile::tempdir().unwrap();
    let file = synth(dir.path(), "alert-flap", 5, Some(3000));
    produce(&b, &t, "alert-flap", 5, Some(3000));
    let n = analyze_file(&file)["events"].as_u64().unwrap() as usize;
    let header = kord::source::recording::RecordingReader::open(&file)
        .unwrap()
        .header()
        .cloned();
    let lens = resolve_lens("test", header.as_ref(), &LoadOptions::default()).unwrap();
    let cfg = KafkaConfig::new(&b, &t);
    let (mut rx, handle) = KafkaSource::start(&cfg, LiveOptions::default()).unwrap();
    // As the UI loop does it: drain with try_recv, rebuild when due (here
    // inline instead of on a worker), with a window smaller than the topic.
    let mut app = App::new(Theme::default(), &cfg.describe());
    app.live = Some(LiveState::new(cfg.describe(), lens, 1000, None));
    drive_live(&mut app, &mut rx, 30, |app| {
        let live = app.live.as_ref().unwrap();
        live.received >= n as u64 && !live.marks.is_empty() && app.len() >= 1000
    });
    handle.stop();
    let live = app.live.as_ref().unwrap();
    assert_eq!(live.conn, LiveConn::Connected);
    assert_eq!(live.received, n as u64, "every record received");
    assert_eq!(live.partitions, 6);
    assert_eq!(app.len(), 1000, "the window keeps the last 1000");
    assert_eq!(app.ds.as_ref().unwrap().store.partitions, 6);
    assert_eq!(app.cursor, 999, "following the live end");
    assert!(live.marks.iter().all(|m| m.lag() == 0), "{:?}", live.marks);
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_group_panel_shows_the_real_group_and_leaves_it_unchanged() {
    use kord::tui::live::LiveState;
    use kord::tui::{dispatch, Action, App, Theme};
    let b = broker();
    let t = topic("live-group");
    let g = format!("{t}-app");
    produce(&b, &t, "alert-flap", 3, None);
    let (mut app_proc, before) = group_app(&b, &t, &g, 30);
    // kord live --group, as the UI loop runs it.
    let cfg = KafkaConfig::new(&b, &t);
    let opts = LiveOptions {
        group: Some(g.clone()),
        ..LiveOptions::default()
    };
    let (mut rx, handle) = KafkaSource::start(&cfg, opts).unwrap();
    let lens = kord::model::Lens::default();
    let mut app = App::new(Theme::default(), &cfg.describe());
    app.live = Some(LiveState::new(cfg.describe(), lens, 0, Some(g.clone())));
    dispatch(&mut app, Action::Resize(160, 50));
    drive_live(&mut app, &mut rx, 20, |app| {
        app.live.as_ref().unwrap().group.is_some() && app.ds.is_some()
    });
    handle.stop();
    let snap = app
        .live
        .as_ref()
        .unwrap()
        .group
        .clone()
        .expect("a group snapshot");
    assert_eq!(snap.state, "Stable");
    assert_eq!(snap.members.len(), 1);
    // tansu 0.6 leaves client ids (and assignments) empty in DescribeGroups;
    // librdkafka's member ids start with the client id.
    let m = &snap.members[0];
    assert!(
        m.client_id == "group-app" || m.member_id.starts_with("group-app"),
        "{m:?}"
    );
    dispatch(&mut app, Action::ToggleConsumers);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).unwrap();
    term.draw(|f| kord::tui::ui::draw(f, &app)).unwrap();
    let screen = term.backend().to_string();
    assert!(
        screen.contains(&format!("observed group {g:?} Stable")),
        "{screen}"
    );
    assert!(screen.contains("group-app"), "{screen}");
    // Each partition's committed offset, as the independent client sees it.
    for p in &snap.partitions {
        let want = before["committed"][p.partition.to_string()].as_i64();
        if let Some(c) = want.filter(|c| *c >= 0) {
            assert_eq!(p.committed, Some(c));
            assert!(
                screen.contains(&format!("p{} @{c} lag", p.partition)),
                "p{} @{c}: {screen}",
                p.partition
            );
        }
    }
    let after = python_state(&b, &t, &g, 6);
    assert_eq!(before, after, "kord live changed the group");
    let _ = app_proc.kill();
    let _ = app_proc.wait();
}
