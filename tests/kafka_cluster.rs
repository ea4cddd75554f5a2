//! Named clusters and `--where` against a real broker (tansu, started by
//! scripts/test.sh, which exports KORD_TEST_BROKER=127.0.0.1:PORT).
//! Run alone: `scripts/tansu.sh start /tmp/b` then
//! `KORD_TEST_BROKER=127.0.0.1:PORT cargo test --release --test kafka_cluster -- --include-ignored`.

mod common;

use common::kafka::{broker, topic};
use common::kord_bin;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const SECRET: &str = "s3cret-FROM-THE-CONFIG";

/// kord with a temp XDG_CONFIG_HOME (and no -b unless given).
fn kord(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(kord_bin());
    c.args(args)
        .current_dir(home)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("KORD_CONFIG")
        .env_remove("KORD_CLUSTER");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run kord")
}

fn ok(o: &Output) -> String {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "kord failed: {all}");
    assert!(!all.contains(SECRET), "a secret was printed: {all}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn a_cluster_from_the_config_file_reaches_the_broker_with_no_b() {
    let b = broker();
    let t = topic("clusters");
    let home = tempfile::tempdir().expect("dir");
    let h = home.path();
    ok(&kord(
        h,
        &[],
        &[
            "produce",
            "alert-flap",
            "-b",
            &b,
            "-t",
            &t,
            "--events",
            "300",
        ],
    ));
    std::fs::create_dir_all(h.join("kord")).expect("mkdir");
    // A per-topic lens that reads entities as severities: its effect shows
    // in the report's entity count.
    std::fs::write(h.join("kord/severity.toml"), "entity = \"/severity\"\n").expect("lens");
    std::fs::write(
        h.join("kord/config.toml"),
        format!(
            r#"default = "test"

[clusters.test]
brokers = "{b}"
properties = {{ "client.rack" = "r1" }}
password_cmd = "echo {SECRET}"
lenses = {{ "{t}" = "severity.toml" }}

[clusters.other]
brokers = "{b}"
"#
        ),
    )
    .expect("config");
    let report = |o: &Output| -> Value { serde_json::from_str(&ok(o)).expect("report JSON") };
    // The default cluster, with only -t.
    let by_default = report(&kord(h, &[], &["analyze", "-t", &t, "--format", "json"]));
    assert_eq!(by_default["events"].as_u64(), Some(300));
    let severities = by_default["entities"].as_u64().expect("entities");
    assert!(
        (1..10).contains(&severities),
        "the topic's lens: {severities}"
    );
    // --cluster and KORD_CLUSTER name one; flags (--lens) override the file.
    let other = report(&kord(
        h,
        &[],
        &[
            "analyze",
            "--cluster",
            "other",
            "-t",
            &t,
            "--format",
            "json",
        ],
    ));
    assert_eq!(other["events"].as_u64(), Some(300));
    assert!(
        other["entities"].as_u64() > Some(severities),
        "no lens for it there"
    );
    let env = report(&kord(
        h,
        &[("KORD_CLUSTER", "test")],
        &["analyze", "-t", &t, "--format", "json"],
    ));
    assert_eq!(env["entities"], by_default["entities"]);
    // record: the recording holds no secret, and --where keeps only matches.
    let out = h.join("resolved.jsonl");
    ok(&kord(
        h,
        &[("KORD_CLUSTER", "test")],
        &[
            "record",
            "-t",
            &t,
            "-o",
            out.to_str().expect("path"),
            "--where",
            r#".payload.status == "resolved""#,
        ],
    ));
    let text = std::fs::read_to_string(&out).expect("recording");
    assert!(!text.contains(SECRET), "the recording holds a secret");
    let lines: Vec<Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("record line"))
        .collect();
    assert!(
        !lines.is_empty() && lines.len() < 300,
        "{} kept",
        lines.len()
    );
    for l in &lines {
        let p: Value = serde_json::from_str(l["payload"].as_str().expect("payload")).expect("json");
        assert_eq!(p["status"], "resolved", "{l}");
    }
    // And the whole topic recorded, filtered the same way afterwards, keeps the same records.
    let all = h.join("all.jsonl");
    ok(&kord(
        h,
        &[],
        &["record", "-t", &t, "-o", all.to_str().expect("path")],
    ));
    let kept = Command::new("jq")
        .args([
            "-c",
            r#"select(has("kord") | not) | select(.payload | fromjson | .status == "resolved") | [.partition, .offset]"#,
            all.to_str().expect("path"),
        ])
        .output()
        .expect("jq");
    let want: Vec<Value> = String::from_utf8_lossy(&kept.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jq line"))
        .collect();
    let got: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::json!([l["partition"], l["offset"]]))
        .collect();
    assert_eq!(got, want);
}
