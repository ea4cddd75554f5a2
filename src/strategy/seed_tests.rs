//! The seed traces of SPEC §4, exactly as stated. Tests only (`#[cfg(test)]`):
//! must not be used by kord itself.

use super::*;
use crate::engine::run_strategy;
use crate::model::lens::LensConfig;
use crate::model::{Ingest, Payload, Record};
use std::borrow::Cow;

const ALERT_LENS: &str = r#"
entity = "/alert_id"
version = "/alert_version"
type = "/type"
time = "/occurred_at"
creates = ["AlertTriggered"]
[lww.sets]
AlertTriggered = { status = "triggered" }
AlertResolved = { status = "resolved" }
"#;

/// A store of `payloads` (entity, version, type and time in the payload:
/// `ALERT_LENS`), in partition 0, one event a millisecond.
pub(super) fn store(payloads: &[&str]) -> (EventStore, Lens) {
    let lens = Lens::compile(LensConfig::from_toml_str(ALERT_LENS).unwrap()).unwrap();
    let mut ing = Ingest::new(lens, false);
    for (i, p) in payloads.iter().enumerate() {
        let rec = Record {
            topic: None,
            partition: 0,
            offset: i as i64,
            ts: Some(1_000 + i as i64),
            headers: vec![],
            key: Payload::Text(Cow::Borrowed("a1")),
            payload: Payload::Text(Cow::Borrowed(p)),
        };
        ing.push(&rec, i as u64 + 1, None);
    }
    ing.finish()
}

fn alert(v: i64, ty: &str, at: &str) -> String {
    format!(
        r#"{{"alert_id":"a1","alert_version":{v},"type":"{ty}","occurred_at":"2026-01-15T{at}Z"}}"#
    )
}

fn decisions(kind: StrategyKind, s: &EventStore, lens: &Lens) -> (Vec<Decision>, Runner) {
    let mut log = Vec::new();
    let r = run_strategy(s, lens, kind, &mut |d| log.push(d));
    (log, r)
}

fn status(s: &EventStore, st: &EntityState) -> String {
    let f = s.fields.get("status").unwrap();
    let (_, v, _) = st.fields.iter().find(|x| x.0 == f).unwrap();
    s.values.name(*v).to_string()
}

#[test]
fn seed_versioned_v1_v3_v2() {
    let evs = [
        alert(1, "AlertTriggered", "10:00:00"),
        alert(3, "AlertTriggered", "10:02:00"),
        alert(2, "AlertResolved", "10:01:00"),
    ];
    let refs: Vec<&str> = evs.iter().map(String::as_str).collect();
    let (s, lens) = store(&refs);
    let (log, r) = decisions(StrategyKind::Versioned, &s, &lens);
    let outcomes: Vec<Outcome> = log.iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Applied, Outcome::Rejected, Outcome::Applied]
    );
    assert_eq!(
        log[1].reason,
        Reason::Gap {
            expected: 2,
            got: 3
        }
    );
    assert_eq!(
        log[1].reason.describe(&[]),
        "gap: expected version 2, got 3"
    );
    let st = r.state(0);
    assert_eq!(st.version, 2);
    assert_eq!(s.types.name(st.last_type), "AlertResolved");
}

#[test]
fn seed_lww_triggered_resolved_triggered() {
    let evs = [
        alert(3, "AlertTriggered", "10:02:00"),
        alert(2, "AlertResolved", "10:01:00"),
        alert(1, "AlertTriggered", "10:00:00"),
    ];
    let refs: Vec<&str> = evs.iter().map(String::as_str).collect();
    let (s, lens) = store(&refs);
    let (log, r) = decisions(StrategyKind::Lww, &s, &lens);
    let outcomes: Vec<Outcome> = log.iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Applied, Outcome::Skipped, Outcome::Skipped]
    );
    let st = r.state(0);
    assert_eq!(status(&s, &st), "\"triggered\"");
    assert_eq!(fmt_ms(st.newest), "2026-01-15T10:02:00.000Z");
}

#[test]
fn seed_buffered_holds_v3_until_v2() {
    let evs = [
        alert(1, "AlertTriggered", "10:00:00"),
        alert(3, "AlertTriggered", "10:02:00"),
        alert(2, "AlertResolved", "10:01:00"),
    ];
    let refs: Vec<&str> = evs.iter().map(String::as_str).collect();
    let (s, lens) = store(&refs);
    let (log, r) = decisions(StrategyKind::Buffered, &s, &lens);
    let seq: Vec<(u32, Outcome)> = log.iter().map(|d| (d.event, d.outcome)).collect();
    assert_eq!(
        seq,
        [
            (0, Outcome::Applied),
            (1, Outcome::Buffered),
            (2, Outcome::Applied),
            (1, Outcome::Released)
        ]
    );
    assert_eq!(r.counts[Outcome::Released as usize], 1);
    assert_eq!(r.counts[Outcome::Buffered as usize], 0, "nothing lost");
    assert_eq!(r.state(0).version, 3);
}
