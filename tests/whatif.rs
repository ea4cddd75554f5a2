//! What-ifs on the bundled recordings (docs/whatif.md): re-partitioning,
//! hot-partition fixes, assignors, rebalances and delivery models, read from
//! the JSON report of the built binary.

mod common;
use assert_cmd::Command;
use common::{kord_bin, root};
use serde_json::Value;

fn run(args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = Command::new(kord_bin())
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report(args: &[&str]) -> Value {
    let mut all = vec!["analyze", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(&all);
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_slice(&stdout).unwrap()
}

fn strategy<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["strategy"] == name)
        .unwrap()
}

fn max_share(r: &Value) -> f64 {
    r["stream"]["partition_load"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["share"].as_f64().unwrap())
        .fold(0.0, f64::max)
}

const HOT: &str = "recordings/hot-key.jsonl";

#[test]
fn more_consumers_do_not_cool_the_hot_partition() {
    let two = report(&[HOT, "--consumers", "2", "--strategy", "partitioned"]);
    let eight = report(&[HOT, "--consumers", "8", "--strategy", "partitioned"]);
    assert_eq!(two["stream"]["hot_partitions"], serde_json::json!([7]));
    assert_eq!(eight["stream"]["hot_partitions"], serde_json::json!([7]));
    assert!(max_share(&two) > 0.8);
    assert_eq!(max_share(&two), max_share(&eight));
    assert_eq!(strategy(&eight, "partitioned")["consumers"], 8);
}

#[test]
fn a_composite_key_spreads_the_hot_key() {
    let r = report(&[
        HOT,
        "--partition-by",
        "key,/session",
        "--strategy",
        "partitioned",
    ]);
    let w = &r["what_if"];
    assert_eq!(w["partitions"], 8);
    assert_eq!(w["partitioner"], "murmur2");
    assert_eq!(w["partition_by"], "key,/session");
    assert_eq!(w["recorded"]["hot_partitions"], serde_json::json!([7]));
    assert!(w["recorded"]["max_share"].as_f64().unwrap() > 0.8);
    assert_eq!(w["what_if"]["hot_partitions"], serde_json::json!([]));
    assert!(w["what_if"]["max_share"].as_f64().unwrap() < 0.25);
    // Sessions of the hot user now lie on several partitions: the price.
    assert!(w["what_if"]["split_entities"].as_u64().unwrap() >= 1);
    assert_eq!(w["recorded"]["split_entities"], 0);
    // The report's own tables are the what-if's.
    assert!(max_share(&r) < 0.25);
    let s = &w["what_if"]["strategies"][0];
    assert_eq!(s["strategy"], "partitioned");
    assert!(s.get("p99_wait_ms").is_some() && s.get("lost_events").is_some());
}

#[test]
fn more_partitions_do_not_spread_one_key() {
    let r = report(&[HOT, "--partitions", "32", "--strategy", "partitioned"]);
    let w = &r["what_if"]["what_if"];
    assert_eq!(w["partitions"], 32);
    assert!(w["max_share"].as_f64().unwrap() > 0.75);
    assert_eq!(w["hot_partitions"].as_array().unwrap().len(), 1);
}

#[test]
fn suggestions_are_measured_and_name_the_composite_key() {
    let r = report(&[HOT, "--strategy", "partitioned"]);
    let s = r["suggestions"].as_array().unwrap();
    let composite = s
        .iter()
        .find(|x| x["partition_by"] == "key,/session")
        .expect("key + /session tried");
    assert!(composite["max_share"].as_f64().unwrap() < 0.25);
    assert_eq!(composite["hot_partitions"], 0);
    let more = s.iter().find(|x| x["partitions"] == 16).unwrap();
    assert!(more["max_share"].as_f64().unwrap() > 0.75);
    // The measured numbers agree with running the what-if itself.
    let w = report(&[
        HOT,
        "--partition-by",
        "key,/session",
        "--strategy",
        "partitioned",
    ]);
    assert_eq!(composite["max_share"], w["what_if"]["what_if"]["max_share"]);
    // And the text report says it in one line.
    let (_, out, _) = run(&["analyze", HOT, "--strategy", "partitioned"]);
    let text = String::from_utf8_lossy(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("hot partition fixes (measured):"))
        .unwrap();
    assert!(line.contains("key + /session"), "{line}");
    // A stream without a hot partition gets no suggestions.
    let calm = report(&["recordings/order-lifecycle.jsonl"]);
    assert!(calm.get("suggestions").is_none());
}

#[test]
fn assignors_are_used_and_unknown_ones_are_usage_errors() {
    let (code, _, err) = run(&["analyze", HOT, "--assignor", "bogus"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown assignor"), "{err}");
    for a in [
        "range",
        "roundrobin",
        "sticky",
        "cooperative-sticky",
        "uniform",
    ] {
        let r = report(&[
            HOT,
            "--assignor",
            a,
            "--consumers",
            "3",
            "--strategy",
            "partitioned",
        ]);
        assert_eq!(strategy(&r, "partitioned")["consumers"], 3);
    }
}

#[test]
fn rebalances_cost_eager_assignors_more() {
    let args = |a: &'static str| {
        [
            HOT,
            "--strategy",
            "partitioned",
            "--consumers",
            "4",
            "--assignor",
            a,
            "--rebalance",
            "add@1000,remove:C1@3000",
        ]
    };
    let eager = report(&args("range"));
    let coop = report(&args("cooperative-sticky"));
    let e = &strategy(&eager, "partitioned")["rebalance"];
    let c = &strategy(&coop, "partitioned")["rebalance"];
    assert_eq!(e["count"], 2);
    assert_eq!(c["count"], 2);
    // Eager: 8 partitions x 3000 ms per rebalance.
    assert_eq!(e["pause_ms"], 2 * 8 * 3000);
    assert!(c["pause_ms"].as_u64().unwrap() < e["pause_ms"].as_u64().unwrap());
    assert!(e["extra_wait_ms"].as_i64().unwrap() > 0);
    assert!(e["extra_wait_ms"].as_i64().unwrap() > c["extra_wait_ms"].as_i64().unwrap());
    // Without --rebalance there is no rebalance object.
    let calm = report(&[HOT, "--strategy", "partitioned"]);
    assert!(strategy(&calm, "partitioned").get("rebalance").is_none());
}

#[test]
fn delivery_models_show_their_costs() {
    let slow = "recordings/slow-consumer.jsonl";
    let kafka = report(&[slow, "--strategy", "partitioned"]);
    let key = report(&[
        slow,
        "--strategy",
        "partitioned",
        "--delivery",
        "pubsub-key",
    ]);
    let sac = report(&[
        slow,
        "--strategy",
        "partitioned",
        "--delivery",
        "rabbitmq-sac",
    ]);
    let hol = |r: &Value| strategy(r, "partitioned")["hol"].clone();
    assert_eq!(key["delivery"], "pubsub-key");
    assert!(kafka.get("delivery").is_none());
    assert!(hol(&kafka)["blocked_events"].as_u64().unwrap() > 0);
    // Ordering per key: nobody waits behind another entity's slow event in a queue.
    assert_eq!(hol(&key)["blocked_events"], 0);
    assert!(
        hol(&key)["p99_wait_ms"].as_i64().unwrap() <= hol(&kafka)["p99_wait_ms"].as_i64().unwrap()
    );
    // One active consumer: everything queues behind everything.
    assert!(
        hol(&sac)["p99_wait_ms"].as_i64().unwrap() >= hol(&kafka)["p99_wait_ms"].as_i64().unwrap()
    );
    // SQS FIFO's throughput limit: at 10 msg/s waits grow.
    let sqs = report(&[
        slow,
        "--strategy",
        "partitioned",
        "--delivery",
        "sqs-fifo",
        "--sqs-limit",
        "10",
    ]);
    assert!(
        hol(&sqs)["p99_wait_ms"].as_i64().unwrap() > hol(&key)["p99_wait_ms"].as_i64().unwrap()
    );
}

#[test]
fn bad_what_if_flags_are_usage_errors() {
    for bad in [
        &["--partitioner", "md5"][..],
        &["--partitions", "0"],
        &["--partition-by", "nope"],
        &["--rebalance", "grow@3"],
        &["--delivery", "carrier-pigeon"],
    ] {
        let mut args = vec!["analyze", HOT];
        args.extend_from_slice(bad);
        let (code, _, err) = run(&args);
        assert_eq!(code, Some(2), "{bad:?}: {err}");
    }
}

#[test]
fn absurd_pauses_do_not_panic() {
    let r = report(&[
        HOT,
        "--strategy",
        "partitioned",
        "--rebalance",
        "add@5,kill:C0@10,remove:C9@20,add@4000000000",
        "--rebalance-ms",
        "18446744073709551615",
        "--session-timeout-ms",
        "18446744073709551615",
    ]);
    let rb = &strategy(&r, "partitioned")["rebalance"];
    assert_eq!(rb["count"], 1);
    assert!(rb["extra_wait_ms"].as_i64().unwrap() > 0);
}
