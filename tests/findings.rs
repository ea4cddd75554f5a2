//! Each finding kind, triggered by a small hand-written recording, and not
//! triggered by a clean one (SPEC §7).

mod common;
use common::{analyze_text, rec};

const LENS: &str = r#"
entity = "/id"
version = "/v"
type = "/type"
time = "/at"
creates = ["Created"]
"#;

fn ev(id: &str, v: i64, ty: &str, at: i64) -> String {
    serde_json::json!({"id": id, "v": v, "type": ty, "at": at}).to_string()
}

/// A clean stream: two entities, in order, each in one partition, on time.
fn clean() -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..6i64 {
        let (id, p) = if i % 2 == 0 { ("a", 0) } else { ("b", 1) };
        let v = i / 2 + 1;
        let ty = if v == 1 { "Created" } else { "Updated" };
        lines.push(rec(
            p,
            i / 2,
            1000 + i * 10,
            id,
            &ev(id, v, ty, 1000 + i * 10),
        ));
    }
    lines
}

fn count(text: &[String], kind: &str) -> u64 {
    let (r, _) = analyze_text(&text.join("\n"), LENS);
    let v = serde_json::to_value(&r).unwrap();
    match kind {
        "hot_partitions" | "hot_keys" => v["stream"][kind].as_array().unwrap().len() as u64,
        "rejected" | "expired" | "dead_lettered" | "hol_blocking" => {
            r.findings.iter().filter(|f| f.kind == kind).count() as u64
        }
        k => v["stream"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("no stream count {k}")),
    }
}

#[test]
fn a_clean_stream_has_no_findings() {
    let (r, _) = analyze_text(&clean().join("\n"), LENS);
    assert_eq!(r.findings, vec![], "clean stream");
    assert_eq!(r.findings_total, 0);
    assert!(r
        .strategies
        .iter()
        .all(|s| s.diverged_entities == 0 && s.lost_events == 0));
}

#[test]
fn version_gap_and_unfilled() {
    let mut l = clean();
    l.push(rec(0, 3, 2000, "a", &ev("a", 5, "Updated", 2000)));
    assert_eq!(count(&l, "version_gap"), 1);
    assert_eq!(count(&l, "unfilled_gap"), 1);
    l.push(rec(0, 4, 2010, "a", &ev("a", 4, "Updated", 2010)));
    assert_eq!(count(&l, "version_gap"), 1);
    assert_eq!(count(&l, "unfilled_gap"), 0, "version 4 arrived later");
    assert_eq!(count(&l, "out_of_order"), 1);
}

#[test]
fn out_of_order_by_version_and_by_time() {
    let mut l = clean();
    l.insert(2, rec(0, 9, 1005, "a", &ev("a", 3, "Updated", 1005)));
    assert!(count(&l, "out_of_order") >= 1);
    // No versions: event time going backwards.
    let lines = [
        rec(0, 0, 100, "x", r#"{"id":"x","type":"Created","at":200}"#),
        rec(0, 1, 110, "x", r#"{"id":"x","type":"U","at":150}"#),
    ];
    assert_eq!(count(&lines, "out_of_order"), 1);
    assert_eq!(count(&clean(), "out_of_order"), 0);
}

#[test]
fn duplicates_by_version_and_by_offset() {
    let mut l = clean();
    l.push(rec(0, 7, 2000, "a", &ev("a", 3, "Updated", 2000)));
    assert_eq!(count(&l, "duplicate"), 1, "same entity and version");
    let mut l = clean();
    let again = l[0].clone();
    l.push(again);
    assert!(count(&l, "duplicate") >= 1, "same partition and offset");
    assert_eq!(count(&clean(), "duplicate"), 0);
}

#[test]
fn phantom_when_first_event_does_not_create() {
    let mut l = clean();
    l.push(rec(2, 0, 3000, "c", &ev("c", 1, "Updated", 3000)));
    assert_eq!(count(&l, "phantom"), 1);
    assert_eq!(count(&clean(), "phantom"), 0);
}

#[test]
fn split_entity_in_two_partitions() {
    let mut l = clean();
    l.push(rec(3, 0, 3000, "a", &ev("a", 4, "Updated", 3000)));
    assert_eq!(count(&l, "split_entity"), 1);
    assert_eq!(count(&clean(), "split_entity"), 0);
}

#[test]
fn hot_partition_and_hot_key() {
    let mut l = Vec::new();
    for i in 0..300i64 {
        let (p, id) = if i % 3 == 0 {
            ((i / 3 % 3 + 1) as u32, format!("k{i}"))
        } else {
            (0, "bot".to_string())
        };
        let first = i < 3 || p != 0;
        let v = if p == 0 { i - i / 3 } else { 1 };
        let _ = first;
        l.push(rec(p, i, 1000 + i, &id, &ev(&id, v, "Created", 1000 + i)));
    }
    assert_eq!(count(&l, "hot_partitions"), 1);
    assert_eq!(count(&l, "hot_keys"), 1);
    assert_eq!(
        count(&clean(), "hot_partitions"),
        0,
        "under 100 events is never hot"
    );
}

#[test]
fn clock_skew_past_threshold() {
    let mut l = clean();
    l.push(rec(0, 3, 10_000, "a", &ev("a", 4, "Updated", 2_000)));
    assert_eq!(count(&l, "clock_skew"), 1);
    assert_eq!(count(&clean(), "clock_skew"), 0);
}

#[test]
fn offset_regression_is_a_finding_not_an_error() {
    let mut l = clean();
    l.push(rec(0, 1, 3000, "a", &ev("a", 4, "Updated", 3000)));
    assert_eq!(count(&l, "offset_regression"), 1);
    assert_eq!(count(&clean(), "offset_regression"), 0);
}

#[test]
fn unparsed_payloads() {
    let mut l = clean();
    l.push(rec(0, 3, 3000, "a", "not json"));
    l.push(rec(0, 4, 3001, "a", r#"{"other":1}"#));
    assert_eq!(count(&l, "unparsed"), 2);
    assert_eq!(count(&clean(), "unparsed"), 0);
}

#[test]
fn strategy_findings_rejected_expired_dead_lettered_hol() {
    let mut l = clean();
    l.push(rec(0, 3, 2000, "a", &ev("a", 5, "Updated", 2000)));
    assert!(count(&l, "rejected") >= 1, "versioned rejects the gap");
    // The buffer expires v5 after the timeout once stream time moves on.
    l.push(rec(1, 3, 100_000, "b", &ev("b", 4, "Updated", 100_000)));
    assert_eq!(count(&l, "expired"), 1);
    assert_eq!(count(&clean(), "rejected"), 0);

    let sm = r#"
entity = "/id"
type = "/type"
[state_machine]
initial = "none"
transitions = { none = ["open"], open = ["closed"] }
by_type = { Opened = "open", Closed = "closed" }
on_invalid = "dead-letter"
"#;
    let lines = [
        rec(0, 0, 1, "x", r#"{"id":"x","type":"Closed"}"#),
        rec(0, 1, 2, "x", r#"{"id":"x","type":"Opened"}"#),
    ];
    let (r, _) = analyze_text(&lines.join("\n"), sm);
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.kind == "dead_lettered")
            .count(),
        1
    );

    // A slow event blocks the next entity's event behind it.
    let slow = [
        serde_json::json!({"partition":0,"offset":0,"ts":0,"key":"s","headers":["kord-cost-ms","500"],"payload":ev("s",1,"Created",0)}).to_string(),
        rec(0, 1, 10, "q", &ev("q", 1, "Created", 10)),
    ];
    let (r, _) = analyze_text(&slow.join("\n"), LENS);
    let hol: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == "hol_blocking")
        .collect();
    assert!(!hol.is_empty());
    assert!(
        hol[0].detail.contains("blocker: event #0"),
        "{}",
        hol[0].detail
    );
    assert_eq!(count(&clean(), "hol_blocking"), 0);
}
