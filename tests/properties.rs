//! Properties (proptest) of the engine.

mod common;
use common::{rec, temp_file};
use kord::engine::{analyze, run_strategy, Options};
use kord::model::Outcome;
use kord::report::{Report, ReportOptions};
use kord::source::synth::{generate, write_recording};
use kord::source::{load_recording, LoadOptions};
use kord::strategy::StrategyKind;
use proptest::prelude::*;
use std::io::Write;

/// A stream of (entity, version) with versions shuffled within a window.
fn stream() -> impl Strategy<Value = Vec<(u8, i64, u8)>> {
    prop::collection::vec((0u8..4, 0u8..3, 0u8..4), 1..60).prop_map(|picks| {
        let mut next = [0i64; 4];
        picks
            .into_iter()
            .map(|(e, _, p)| {
                next[e as usize] += 1;
                (e, next[e as usize], p)
            })
            .collect()
    })
}

fn shuffled(mut s: Vec<(u8, i64, u8)>, swaps: Vec<(usize, usize)>) -> Vec<(u8, i64, u8)> {
    let n = s.len();
    for (a, b) in swaps {
        s.swap(a % n, b % n);
    }
    s
}

fn text(s: &[(u8, i64, u8)]) -> String {
    s.iter()
        .enumerate()
        .map(|(i, (e, v, p))| {
            rec(
                *p as u32,
                i as i64,
                i as i64,
                &format!("e{e}"),
                &format!("{{\"version\":{v},\"n\":{i}}}"),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn no_timeout() -> LoadOptions {
    let mut o = LoadOptions::default();
    o.lens.buffer = Some(kord::model::lens::BufferConfig {
        timeout_ms: Some(0),
    });
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_event_gets_exactly_one_outcome_per_strategy(s in stream(), swaps in prop::collection::vec((0usize..60, 0usize..60), 0..20)) {
        let s = shuffled(s, swaps);
        let f = temp_file(text(&s).as_bytes(), ".jsonl");
        let l = load_recording(f.path(), &LoadOptions::default(), &mut |_, _| {}).unwrap();
        for kind in StrategyKind::all_for(&l.lens) {
            let mut last: Vec<Option<Outcome>> = vec![None; l.store.len()];
            let r = run_strategy(&l.store, &l.lens, kind, &mut |d| {
                let prev = last[d.event as usize];
                // A second decision only follows a hold.
                assert!(prev.is_none() || prev == Some(Outcome::Buffered), "{kind}: {prev:?} then {:?}", d.outcome);
                last[d.event as usize] = Some(d.outcome);
            });
            prop_assert!(last.iter().all(Option::is_some), "{kind}: every event decided");
            prop_assert_eq!(r.counts.iter().sum::<u64>(), l.store.len() as u64);
        }
    }

    #[test]
    fn buffered_without_timeout_loses_nothing_that_later_fits(s in stream(), swaps in prop::collection::vec((0usize..60, 0usize..60), 0..20)) {
        // Every version 1..n of each entity is present, so everything fits eventually.
        let s = shuffled(s, swaps);
        let f = temp_file(text(&s).as_bytes(), ".jsonl");
        let l = load_recording(f.path(), &no_timeout(), &mut |_, _| {}).unwrap();
        let r = run_strategy(&l.store, &l.lens, StrategyKind::Buffered, &mut |_| {});
        prop_assert_eq!(r.counts[Outcome::Buffered as usize], 0);
        prop_assert_eq!(r.counts[Outcome::Expired as usize], 0);
        prop_assert_eq!(r.counts[Outcome::Applied as usize] + r.counts[Outcome::Released as usize], l.store.len() as u64);
    }

    #[test]
    fn a_gzipped_file_gives_the_same_report(s in stream(), swaps in prop::collection::vec((0usize..60, 0usize..60), 0..10)) {
        let t = text(&shuffled(s, swaps));
        let plain = temp_file(t.as_bytes(), ".jsonl");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(t.as_bytes()).unwrap();
        let gz = temp_file(&enc.finish().unwrap(), ".jsonl.gz");
        let zst = temp_file(&zstd::encode_all(t.as_bytes(), 1).unwrap(), ".dat");
        let report = |p: &std::path::Path| {
            let l = load_recording(p, &LoadOptions::default(), &mut |_, _| {}).unwrap();
            let o = Options { strategies: StrategyKind::all_for(&l.lens), consumers: None, max_findings: usize::MAX, keep_states: false, pictures: true };
            let a = analyze(&l.store, &l.lens, &o);
            let mut v = serde_json::to_value(Report::build("x", &l.store, &a, &ReportOptions::default())).unwrap();
            v["source"] = serde_json::Value::Null;
            v
        };
        let r = report(plain.path());
        prop_assert_eq!(&r, &report(gz.path()));
        prop_assert_eq!(&r, &report(zst.path()));
    }

    #[test]
    fn synth_with_one_seed_is_stable(seed in 0u64..1000, idx in 0usize..9, events in 10usize..400) {
        let name = kord::source::synth::SCENARIOS[idx].name;
        let bytes = |seed| {
            let mut out = Vec::new();
            write_recording(&generate(name, Some(events), seed).unwrap(), &mut out).unwrap();
            out
        };
        let a = bytes(seed);
        prop_assert_eq!(&a, &bytes(seed));
        prop_assert!(a.len() > 100);
    }
}
