//! The built binary on the bundled recordings: the JSON report's fields.

mod common;
use assert_cmd::Command;
use common::{kord_bin, root};
use serde_json::Value;

fn report(args: &[&str]) -> Value {
    let out = Command::new(kord_bin())
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn strategy<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["strategy"] == name)
        .unwrap()
}

#[test]
fn alert_flap_report_has_the_spec_fields() {
    let r = report(&["analyze", "recordings/alert-flap.jsonl", "--format", "json"]);
    assert_eq!(r["kord_report"], 1);
    assert_eq!(r["source"], "recordings/alert-flap.jsonl");
    assert_eq!(r["partitions"], 6);
    let events = r["events"].as_u64().unwrap();
    assert!(events > 2900 && events <= 3000, "{events}");
    for k in [
        "version_gap",
        "unfilled_gap",
        "out_of_order",
        "duplicate",
        "phantom",
        "split_entity",
        "clock_skew",
        "unparsed",
    ] {
        assert!(r["stream"][k].is_u64(), "stream.{k}");
    }
    let load = r["stream"]["partition_load"].as_array().unwrap();
    assert_eq!(load.len(), 6);
    let total: u64 = load.iter().map(|p| p["events"].as_u64().unwrap()).sum();
    assert_eq!(total, events);
    assert_eq!(
        r["strategies"].as_array().unwrap().len(),
        7,
        "every strategy by default"
    );
    for s in r["strategies"].as_array().unwrap() {
        let sum: u64 = s["outcomes"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(sum, events, "one outcome per event for {}", s["strategy"]);
        assert!(s["hol"]["p99_wait_ms"].is_i64() && s["hol"]["blocked_events"].is_u64());
    }
    // The seed trace opens the recording: alert-0001's v3 is rejected by versioned.
    let v = strategy(&r, "versioned");
    assert!(v["outcomes"]["rejected"].as_u64().unwrap() > 0);
    let first = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "rejected")
        .unwrap();
    assert_eq!(first["entity"], "alert-0001");
    assert_eq!(first["strategy"], "versioned");
    assert_eq!(first["detail"], "gap: expected version 2, got 3");
    assert!(first["index"].is_u64() && first["offset"].is_i64() && first["partition"].is_u64());
    // Buffering recovers the late versions that versioned rejects.
    let b = strategy(&r, "buffered");
    assert!(b["outcomes"]["released"].as_u64().unwrap() > 0);
    assert!(b["outcomes"]["rejected"] == 0);
    assert_eq!(
        strategy(&r, "lww")["diverged_entities"],
        0,
        "lww never diverges"
    );
    assert!(
        strategy(&r, "versioned")["diverged_entities"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(r["advisor"]["strategy"], "buffered");
}

#[test]
fn single_strategy_and_state() {
    let r = report(&[
        "analyze",
        "recordings/alert-flap.jsonl",
        "--format",
        "json",
        "--strategy",
        "versioned",
        "--state",
    ]);
    assert_eq!(r["strategies"].as_array().unwrap().len(), 1);
    let ents = r["entities"].as_array().unwrap();
    assert_eq!(ents.len() as u64, r["entity_count"].as_u64().unwrap());
    let a1 = ents.iter().find(|e| e["entity"] == "alert-0001").unwrap();
    assert!(a1["partitions"].as_array().unwrap().len() == 1);
    let st = &a1["state"]["versioned"];
    assert!(st["_version"].as_i64().unwrap() >= 2);
    assert!(st["_type"].is_string() && st["severity"].is_string());
}

#[test]
fn every_bundled_recording_analyzes() {
    for f in std::fs::read_dir(root().join("recordings")).unwrap() {
        let p = f.unwrap().path();
        let r = report(&["analyze", p.to_str().unwrap(), "--format", "json"]);
        assert!(r["events"].as_u64().unwrap() > 1000, "{}", p.display());
    }
}

#[test]
fn scenarios_show_their_problem() {
    let hot = report(&["analyze", "recordings/hot-key.jsonl", "--format", "json"]);
    assert_eq!(hot["stream"]["hot_keys"], serde_json::json!(["bot-7"]));
    assert_eq!(hot["stream"]["hot_partitions"].as_array().unwrap().len(), 1);
    let nk = report(&["analyze", "recordings/null-keys.jsonl", "--format", "json"]);
    assert!(nk["stream"]["split_entity"].as_u64().unwrap() > 100);
    let slow = report(&[
        "analyze",
        "recordings/slow-consumer.jsonl",
        "--format",
        "json",
    ]);
    assert!(
        strategy(&slow, "sequential")["hol"]["blocked_events"]
            .as_u64()
            .unwrap()
            > 0
    );
    let game = report(&[
        "analyze",
        "recordings/game-session.jsonl",
        "--format",
        "json",
    ]);
    assert!(
        game["stream"]["phantom"].as_u64().unwrap() > 0,
        "leave before join"
    );
    let orders = report(&[
        "analyze",
        "recordings/order-lifecycle.jsonl",
        "--format",
        "json",
    ]);
    assert!(
        strategy(&orders, "state-machine")["outcomes"]["dead_lettered"]
            .as_u64()
            .unwrap()
            > 0
    );
    let retry = report(&[
        "analyze",
        "recordings/retry-reorder.jsonl",
        "--format",
        "json",
    ]);
    let ooo: Vec<&Value> = retry["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "out_of_order")
        .collect();
    assert!(
        !ooo.is_empty() && ooo.iter().all(|f| f["partition"] == 1),
        "only partition 1 reorders"
    );
    let skew = report(&["analyze", "recordings/clock-skew.jsonl", "--format", "json"]);
    assert!(skew["stream"]["clock_skew"].as_u64().unwrap() > 100);
}

#[test]
fn fail_on_exit_codes() {
    let run = |kinds: &str| {
        Command::new(kord_bin())
            .current_dir(root())
            .args([
                "analyze",
                "recordings/alert-flap.jsonl",
                "--format",
                "json",
                "--fail-on",
                kinds,
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("version_gap"), Some(3));
    assert_eq!(run("rejected,hot_key"), Some(3));
    assert_eq!(run("hot_key,offset_regression"), Some(0));
}

#[test]
fn text_report_ends_with_the_advisor() {
    let out = Command::new(kord_bin())
        .current_dir(root())
        .args(["analyze", "recordings/alert-flap.jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("versioned-monotonic"));
    assert!(text
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .starts_with("advisor: buffered fits"));
}

#[test]
fn synth_is_deterministic_and_matches_the_bundled_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["alert-flap", "mixed-partitioners"] {
        let out = dir.path().join(format!("{name}.jsonl"));
        let st = Command::new(kord_bin())
            .args(["synth", name, "-o"])
            .arg(&out)
            .output()
            .unwrap()
            .status;
        assert!(st.success());
        let bundled =
            std::fs::read(root().join("recordings").join(format!("{name}.jsonl"))).unwrap();
        assert_eq!(
            std::fs::read(&out).unwrap(),
            bundled,
            "{name}: same seed, same bytes"
        );
    }
    let a = Command::new(kord_bin())
        .args([
            "synth", "hot-key", "-o", "-", "--seed", "7", "--events", "500",
        ])
        .output()
        .unwrap();
    let b = Command::new(kord_bin())
        .args([
            "synth", "hot-key", "-o", "-", "--seed", "8", "--events", "500",
        ])
        .output()
        .unwrap();
    assert_ne!(a.stdout, b.stdout, "another seed, another stream");
    assert_eq!(String::from_utf8_lossy(&a.stdout).lines().count(), 501);
}

#[test]
fn mixed_partitioners_mismatches_are_found_exactly() {
    use kord::model::partition::Partitioner;
    let text = std::fs::read_to_string(root().join("recordings/mixed-partitioners.jsonl")).unwrap();
    // Expected: the Go service's records that murmur2 would have put elsewhere.
    let mut expected = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let key = v["key"].as_str().unwrap();
        let p = v["partition"].as_u64().unwrap() as u32;
        if Partitioner::Murmur2.partition(key.as_bytes(), 6) != p {
            assert!(
                v["payload"].as_str().unwrap().contains("CustomerTagged"),
                "only the Go service"
            );
            assert_eq!(Partitioner::Fnv1a.partition(key.as_bytes(), 6), p);
            expected.push(i as u64);
        }
    }
    let r = report(&[
        "analyze",
        "recordings/mixed-partitioners.jsonl",
        "--format",
        "json",
        "--max-findings",
        "0",
    ]);
    assert_eq!(r["stream"]["partitioner"], "murmur2");
    assert_eq!(r["stream"]["partitioner_mismatch"], expected.len() as u64);
    let found: Vec<u64> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "partitioner_mismatch")
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(found, expected);
    let clean = report(&["analyze", "recordings/alert-flap.jsonl", "--format", "json"]);
    assert_eq!(clean["stream"]["partitioner_mismatch"], 0);
}

#[test]
fn partition_and_assign_commands() {
    let out = Command::new(kord_bin())
        .args(["partition", "--partitions", "6", "21", "foobar"])
        .output()
        .unwrap();
    // murmur2("21") = -973932308 -> & 0x7fffffff = 1173551340 -> % 6 = 0
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "21\t0\nfoobar\t0\n");
    let out = Command::new(kord_bin())
        .args([
            "partition",
            "--partitions",
            "7",
            "--partitioner",
            "crc32",
            "hejsan",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("hejsan\t{}\n", 0xd077037eu32 % 7)
    );
    // RoundRobinAssignorTest.testTwoDynamicConsumersTwoTopicsSixPartitions
    let out = Command::new(kord_bin())
        .args([
            "assign",
            "--assignor",
            "roundrobin",
            "--consumers",
            "consumer2,consumer1",
            "--topics",
            "topic1:3,topic2:3",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"consumer1": {"topic1": [0, 2], "topic2": [1]}, "consumer2": {"topic1": [1], "topic2": [0, 2]}})
    );
    let bad = Command::new(kord_bin())
        .args([
            "assign",
            "--assignor",
            "fair",
            "--consumers",
            "a",
            "--topics",
            "t:1",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
