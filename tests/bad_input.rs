//! Malformed input: exit 2 with a message naming the file and the line,
//! never a panic; `--lenient` skips bad lines and counts them. What is odd
//! but legal is a finding or an empty report, not an error.

mod common;
use assert_cmd::Command;
use common::{kord_bin, rec, temp_file};
use std::io::Write;

const GOOD: &str = r#"{"partition":0,"offset":0,"ts":1,"key":"a","payload":"{\"version\":1}"}"#;

fn kord() -> Command {
    Command::new(kord_bin())
}

/// Runs `analyze` on `bytes` and checks exit 2 and a message naming file and line.
fn rejects(bytes: &[u8], suffix: &str, line: Option<u64>, needle: &str) {
    let f = temp_file(bytes, suffix);
    let out = kord().arg("analyze").arg(f.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let name = f.path().display().to_string();
    assert!(err.contains(&name), "names the file: {err}");
    if let Some(l) = line {
        assert!(
            err.contains(&format!("{name}:{l}:")),
            "names line {l}: {err}"
        );
    }
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "says {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn lines(ls: &[&str]) -> Vec<u8> {
    ls.join("\n").into_bytes()
}

#[test]
fn truncated_line() {
    rejects(
        &lines(&[GOOD, r#"{"partition":0,"offset":1,"key":"a","pay"#]),
        ".jsonl",
        Some(2),
        "not valid JSON",
    );
}

#[test]
fn not_an_object() {
    rejects(
        &lines(&[GOOD, "[1,2,3]"]),
        ".jsonl",
        Some(2),
        "not a JSON object",
    );
}

#[test]
fn partition_of_wrong_type() {
    rejects(
        &lines(&[GOOD, r#"{"partition":"zero","offset":1}"#]),
        ".jsonl",
        Some(2),
        "field `partition`",
    );
}

#[test]
fn offset_missing() {
    rejects(
        &lines(&[GOOD, r#"{"partition":0,"key":"a"}"#]),
        ".jsonl",
        Some(2),
        "field `offset`",
    );
}

#[test]
fn key_of_wrong_type() {
    // A key may be any JSON value (kcat's `-s key=avro` prints an Avro int
    // key as 17), but not text and base64 bytes at once.
    rejects(
        &lines(&[
            GOOD,
            r#"{"partition":0,"offset":1,"key":"a","key_b64":"AA=="}"#,
        ]),
        ".jsonl",
        Some(2),
        "field `key`",
    );
}

#[test]
fn headers_of_wrong_shape() {
    rejects(
        &lines(&[GOOD, r#"{"partition":0,"offset":1,"headers":["a"]}"#]),
        ".jsonl",
        Some(2),
        "field `headers`",
    );
}

#[test]
fn negative_partition() {
    rejects(
        &lines(&[GOOD, r#"{"partition":-3,"offset":1}"#]),
        ".jsonl",
        Some(2),
        "field `partition`",
    );
}

#[test]
fn unknown_header_version() {
    rejects(
        &lines(&[r#"{"kord":2}"#, GOOD]),
        ".jsonl",
        Some(1),
        "unknown header version 2",
    );
}

#[test]
fn bad_header_field() {
    rejects(
        &lines(&[r#"{"kord":1,"partitions":"six"}"#, GOOD]),
        ".jsonl",
        Some(1),
        "bad header",
    );
}

#[test]
fn header_lens_with_a_bad_pointer() {
    rejects(
        &lines(&[r#"{"kord":1,"lens":{"entity":"alert_id"}}"#, GOOD]),
        ".jsonl",
        Some(1),
        "JSON pointer",
    );
}

#[test]
fn truncated_gzip() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(
            enc,
            "{}",
            rec(0, i, i, "k", &format!("{{\"version\":{}}}", i + 1))
        )
        .unwrap();
    }
    let gz = enc.finish().unwrap();
    rejects(
        &gz[..gz.len() / 2],
        ".jsonl.gz",
        None,
        "truncated or corrupt",
    );
}

#[test]
fn corrupt_zstd() {
    let mut z = zstd::encode_all(GOOD.as_bytes(), 3).unwrap();
    let n = z.len();
    for b in &mut z[6..n - 2] {
        *b ^= 0x5a;
    }
    rejects(&z, ".jsonl.zst", None, "corrupt");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .filter(|b| *b != b'\n' && *b != 0x1f && *b != 0x28)
        .collect();
    rejects(&garbage, ".bin", Some(1), "not");
}

#[test]
fn a_ten_megabyte_line() {
    let mut big = Vec::from(GOOD.as_bytes());
    big.push(b'\n');
    big.extend_from_slice(br#"{"partition":0,"offset":1,"payload":""#);
    big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    big.extend_from_slice(b"\"}\n");
    big.extend_from_slice(GOOD.as_bytes());
    rejects(&big, ".jsonl", Some(2), "longer than");
}

#[test]
fn missing_file() {
    let out = kord()
        .args(["analyze", "/nonexistent/kord-missing.jsonl"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("/nonexistent/kord-missing.jsonl") && err.contains("cannot open"),
        "{err}"
    );
}

#[test]
fn a_directory() {
    let d = tempfile::tempdir().unwrap();
    let out = kord().arg("analyze").arg(d.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("is a directory"), "{err}");
}

fn lens_rejected(toml: &str, needle: &str) {
    let data = temp_file(GOOD.as_bytes(), ".jsonl");
    let lens = temp_file(toml.as_bytes(), ".toml");
    let out = kord()
        .arg("analyze")
        .arg(data.path())
        .arg("--lens")
        .arg(lens.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&lens.path().display().to_string()),
        "names the lens file: {err}"
    );
    assert!(err.contains(needle), "says {needle:?}: {err}");
}

#[test]
fn bad_lens_toml() {
    lens_rejected("entity = \"/a\"\nversion = [unclosed\n", "line 2");
}

#[test]
fn unknown_lens_key() {
    lens_rejected("entity = \"/a\"\n\n[buffer]\ntimeout = 5\n", "line 4");
}

#[test]
fn a_pointer_that_is_not_a_json_pointer() {
    lens_rejected("entity = \"alert_id\"\n", "not a JSON pointer");
    let data = temp_file(GOOD.as_bytes(), ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(data.path())
        .args(["--version", "version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a JSON pointer"));
}

#[test]
fn unknown_strategy_and_fail_on_kind_are_usage_errors() {
    let data = temp_file(GOOD.as_bytes(), ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(data.path())
        .args(["--strategy", "magic"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kord()
        .arg("analyze")
        .arg(data.path())
        .args(["--fail-on", "gremlins"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn lenient_skips_and_counts_bad_lines() {
    let text = lines(&[
        GOOD,
        "not json",
        r#"{"partition":"x","offset":1}"#,
        r#"{"partition":0,"offset":2,"key":"a","payload":"{\"version\":2}"}"#,
    ]);
    let f = temp_file(&text, ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(f.path())
        .args(["--lenient", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 2);
    assert_eq!(v["skipped_lines"]["count"], 2);
    assert_eq!(v["skipped_lines"]["first"][0]["line"], 2);
    assert_eq!(v["skipped_lines"]["first"][1]["line"], 3);
    assert!(v["skipped_lines"]["first"][1]["problem"]
        .as_str()
        .unwrap()
        .contains("partition"));
}

#[test]
fn odd_but_legal_input_is_not_an_error() {
    // An empty file: an empty report.
    let f = temp_file(b"", ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(f.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 0);
    // Offsets going backwards and a pointer to a field the event lacks: findings.
    let text = lines(&[
        &rec(0, 5, 1, "a", r#"{"version":1}"#),
        &rec(0, 3, 2, "a", r#"{"version":2}"#),
        &rec(0, 6, 3, "b", r#"{"other":true}"#),
    ]);
    let f = temp_file(&text, ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(f.path())
        .args(["--format", "json", "--entity", "/id"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stream"]["unparsed"], 3, "no event has /id");
    let out = kord()
        .arg("analyze")
        .arg(f.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stream"]["offset_regression"], 1);
    // kcat's raw shapes: null key, null payload, non-JSON and non-UTF-8 payloads.
    let mut raw = lines(&[
        r#"{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1,"broker":0,"headers":["a",null],"key":null,"payload":"{\"version\":1}"}"#,
        r#"{"topic":"t","partition":0,"offset":1,"tstype":"create","ts":2,"broker":0,"key":"k","payload":null}"#,
        r#"{"topic":"t","partition":0,"offset":2,"tstype":"create","ts":3,"broker":0,"key":"k","payload":"plain text"}"#,
    ]);
    raw.extend_from_slice(b"\n{\"topic\":\"t\",\"partition\":0,\"offset\":3,\"ts\":4,\"key\":\"k\",\"payload\":\"\xff\xfebin\"}\n");
    let f = temp_file(&raw, ".jsonl");
    let out = kord()
        .arg("analyze")
        .arg(f.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"], 4);
    assert_eq!(
        v["stream"]["unparsed"], 3,
        "null key, text and binary payloads are unparsed; the tombstone has a key"
    );
}
