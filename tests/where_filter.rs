//! `--where EXPR` keeps exactly the records that jq's `select(EXPR)` keeps,
//! on the bundled recordings, with the record shaped as the README says:
//! `{topic, partition, offset, ts, key, headers, payload}`, headers as an
//! object (first value of a name wins), payload parsed when it is JSON.
//! Needs `jq` (scripts/test.sh installs it).

mod common;

use common::{kord_bin, root};
use kord::source::{load_recording, LoadOptions};
use std::process::Command;

/// The jq program that turns a recording line into the filter's record,
/// selects with `expr` and prints `[partition, offset]`.
fn jq_program(expr: &str) -> String {
    format!(
        r#"select(has("kord") | not)
        | {{topic, partition, offset, ts, key,
            headers: (if (.headers | type) == "array"
                      then (.headers as $h | reduce range(0; $h | length; 2) as $i
                            ({{}}; if has($h[$i]) then . else . + {{($h[$i]): $h[$i + 1]}} end))
                      else (.headers // {{}}) end),
            payload: (.payload as $p | if ($p | type) == "string"
                      then ($p | try fromjson catch $p) else $p end)}}
        | select({expr}) | [.partition, .offset]"#
    )
}

fn jq_kept(file: &str, expr: &str) -> Vec<(u32, i64)> {
    let out = Command::new("jq")
        .args(["-c", &jq_program(expr), file])
        .output()
        .expect("jq runs (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "jq failed on {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Vec<i64> = serde_json::from_str(l).expect("jq output");
            (v[0] as u32, v[1])
        })
        .collect()
}

fn kord_kept(file: &str, expr: &str) -> Vec<(u32, i64)> {
    let opts = LoadOptions {
        filter: Some(expr.to_string()),
        ..LoadOptions::default()
    };
    let loaded = load_recording(std::path::Path::new(file), &opts, &mut |_, _| {}).expect("loads");
    let s = &loaded.store;
    (0..s.len())
        .map(|i| (s.partition[i], s.offset[i]))
        .collect()
}

const CASES: &[(&str, &str)] = &[
    ("alert-flap", r#".payload.status == "resolved""#),
    (
        "alert-flap",
        ".payload.alert_version > 3 and .partition != 2",
    ),
    ("alert-flap", r#".headers.type == "AlertTriggered""#),
    ("alert-flap", r#".key | test("7$")"#),
    ("order-lifecycle", r#".payload.type | startswith("OrderP")"#),
    ("order-lifecycle", ".payload.amount >= 250"),
    ("game-session", r#".payload.player_id == "player-070""#),
    ("game-session", ".offset % 3 == 0"),
    ("hot-key", r#".key == "bot-7" | not"#),
    ("null-keys", ".key == null and .partition == 0"),
    ("clock-skew", ".ts > 1768471260000"),
    (
        "mixed-partitioners",
        r#".payload.service | contains("Java")"#,
    ),
    ("retry-reorder", ".payload.missing_field"),
];

#[test]
fn where_keeps_exactly_what_jq_select_keeps() {
    for (rec, expr) in CASES {
        let file = root().join(format!("recordings/{rec}.jsonl"));
        let file = file.to_str().expect("path");
        let want = jq_kept(file, expr);
        let got = kord_kept(file, expr);
        assert_eq!(got, want, "{rec}: --where {expr}");
    }
    // The cases are not trivial: some keep part of a recording, some nothing.
    let file = root().join("recordings/alert-flap.jsonl");
    let all = kord_kept(file.to_str().expect("path"), "true").len();
    let part = jq_kept(file.to_str().expect("path"), CASES[0].1).len();
    assert!(part > 0 && part < all, "{part} of {all}");
}

#[test]
fn analyze_where_counts_the_kept_events_and_says_bad_expressions() {
    let file = root().join("recordings/alert-flap.jsonl");
    let f = file.to_str().expect("path");
    let expr = r#".payload.status == "resolved""#;
    let out = Command::new(kord_bin())
        .args(["analyze", f, "--where", expr, "--format", "json"])
        .output()
        .expect("kord runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "no progress on a pipe");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["events"].as_u64(), Some(jq_kept(f, expr).len() as u64));

    let out = Command::new(kord_bin())
        .args(["analyze", f, "--where", ".payload.status =="])
        .output()
        .expect("kord runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--where") && err.contains("expected"), "{err}");
}
