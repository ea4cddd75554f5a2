//! Partitions are sized by the input's content, not by how large a
//! partition number is or what a header claims (issue 12): a record on
//! partition 2147483647 or 10,000,000, or a header claiming 10,000,000
//! partitions, is analysed in little memory and reported with its recorded
//! partition numbers. Each run is under a 1 GB address-space limit
//! (`ulimit -v`), which the old sizing (1.0-1.5 GB, or an abort) breaks.

use std::io::Write;
use std::process::Command;

fn kord() -> &'static str {
    env!("CARGO_BIN_EXE_kord")
}

fn record(partition: u64, offset: u64, key: &str, version: u64) -> String {
    let payload = format!(r#"{{\"id\":\"{key}\",\"version\":{version}}}"#);
    format!(
        r#"{{"partition":{partition},"offset":{offset},"ts":{},"key":"{key}","payload":"{payload}"}}"#,
        1_700_000_000_000u64 + offset
    )
}

/// Runs `kord analyze FILE --format json ARGS` under a 1 GB address-space
/// limit; returns (exit code, report).
fn analyze(lines: &[String], args: &str) -> (i32, serde_json::Value) {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    for l in lines {
        writeln!(f, "{l}").expect("write");
    }
    f.flush().expect("flush");
    let script = format!(
        "ulimit -v 1000000 && exec '{}' analyze '{}' --format json --entity /id {args}",
        kord(),
        f.path().display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run kord");
    let code = out.status.code().unwrap_or(-1);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    assert!(
        code == 0,
        "kord exited {code} ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (code, report)
}

fn loads(r: &serde_json::Value) -> Vec<(u64, u64)> {
    r["stream"]["partition_load"]
        .as_array()
        .expect("partition_load")
        .iter()
        .map(|l| {
            (
                l["partition"].as_u64().unwrap(),
                l["events"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_largest_partition_number_is_one_partition() {
    let (code, r) = analyze(&[record(2_147_483_647, 0, "a", 1)], "--compare");
    assert_eq!(code, 0);
    assert_eq!(r["events"], 1);
    assert_eq!(r["partitions"], 1);
    assert_eq!(loads(&r), vec![(2_147_483_647, 1)]);
    for s in r["strategies"].as_array().unwrap() {
        assert_eq!(s["outcomes"]["applied"], 1, "{}", s["strategy"]);
    }
}

#[test]
fn a_partition_numbered_ten_million_is_reported_as_recorded() {
    let lines = [
        record(10_000_000, 0, "a", 1),
        record(3, 0, "b", 1),
        // The same entity on another partition: a split, named by number.
        record(10_000_000, 1, "b", 2),
    ];
    let (code, r) = analyze(&lines, "--strategy versioned");
    assert_eq!(code, 0);
    assert_eq!(r["partitions"], 2);
    assert_eq!(loads(&r), vec![(3, 1), (10_000_000, 2)]);
    let split: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "split_entity")
        .collect();
    assert_eq!(split.len(), 1);
    assert_eq!(split[0]["partition"], 10_000_000);
    assert_eq!(
        split[0]["detail"],
        "entity seen in partition 3 and now in 10000000"
    );
}

#[test]
fn a_header_claiming_ten_million_partitions_sizes_nothing() {
    let header = r#"{"kord":1,"topic":"t","partitions":10000000}"#.to_string();
    let (code, r) = analyze(
        &[header, record(0, 0, "a", 1), record(1, 0, "b", 1)],
        "--compare",
    );
    assert_eq!(code, 0);
    assert_eq!(r["partitions"], 2);
    assert_eq!(loads(&r), vec![(0, 1), (1, 1)]);
}

#[test]
fn a_small_header_claim_still_shows_empty_partitions() {
    // Dense numbering as before: a claim within bounds counts.
    let header = r#"{"kord":1,"topic":"t","partitions":4}"#.to_string();
    let (_, r) = analyze(&[header, record(1, 0, "a", 1)], "--strategy versioned");
    assert_eq!(r["partitions"], 4);
    assert_eq!(loads(&r), vec![(0, 0), (1, 1), (2, 0), (3, 0)]);
}
