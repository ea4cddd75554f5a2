//! The advisor (SPEC §9): names the strategy that fits, from measured stream
//! properties and the strategies' measured costs, by the decision tree. Reads
//! measured numbers only: must not run a strategy or the simulation (the
//! engine's). Core: must not import the terminal, tokio, rdkafka or an adapter
//! (`source`, `tui`, `cli`).

use crate::detect::{StreamCounts, StreamFacts};
use crate::engine::StrategyRun;
use crate::strategy::StrategyKind;
use serde::Serialize;

/// The advisor's choice and the numbers behind it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Advice {
    pub strategy: String,
    pub reason: String,
    pub out_of_order_rate: f64,
    pub versioned_share: f64,
    pub entity_share: f64,
    pub independent_fields: bool,
    pub trusted_clocks: bool,
}

fn run(runs: &[StrategyRun], k: StrategyKind) -> Option<&StrategyRun> {
    runs.iter().find(|r| r.kind == k)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Applies the decision tree to a stream's counts and its strategies' runs.
/// `facts` are the stream's ([`StreamFacts::of`] a store), `entities` its
/// entity count.
pub fn advise(
    facts: &StreamFacts,
    entities: usize,
    stream: &StreamCounts,
    runs: &[StrategyRun],
) -> Advice {
    let n = facts.events.max(1) as f64;
    let (parsed, versioned, own_time) = (facts.parsed, facts.versioned, facts.own_time);
    let ooo = stream.out_of_order as f64 / n;
    let entity_share = parsed as f64 / n;
    let versioned_share = versioned as f64 / parsed.max(1) as f64;
    let independent = facts.fields_independent();
    let trusted = own_time > 0 && stream.clock_skew == 0;
    let mut advice = Advice {
        strategy: String::new(),
        reason: String::new(),
        out_of_order_rate: (ooo * 10_000.0).round() / 10_000.0,
        versioned_share: (versioned_share * 10_000.0).round() / 10_000.0,
        entity_share: (entity_share * 10_000.0).round() / 10_000.0,
        independent_fields: independent,
        trusted_clocks: trusted,
    };
    let cost = |k: StrategyKind| -> String {
        run(runs, k)
            .map(|r| {
                format!(
                    "{} loses {} events ({}), diverges {} entities, p99 wait {} ms",
                    k,
                    r.lost(),
                    pct(r.lost() as f64 / n),
                    r.diverged.len(),
                    r.hol.p99_wait_ms
                )
            })
            .unwrap_or_default()
    };
    if facts.events == 0 {
        advice.strategy = "none".into();
        advice.reason = "the stream has no events".into();
        return advice;
    }
    let pick = |k: StrategyKind, why: String| (k, why);
    let (k, why) = if entities <= 1 || entity_share < 0.5 {
        if independent {
            pick(
                StrategyKind::Lww,
                format!(
                    "no natural entity ({} of events have one) and fields are independent",
                    pct(entity_share)
                ),
            )
        } else {
            pick(
                StrategyKind::Sequential,
                format!(
                    "no natural entity ({} of events have one) and fields depend on each other",
                    pct(entity_share)
                ),
            )
        }
    } else if versioned_share >= 0.9
        && run(runs, StrategyKind::Versioned).is_some_and(|r| (r.lost() as f64 / n) <= 0.01)
    {
        pick(
            StrategyKind::Versioned,
            format!(
                "entities carry versions ({}) and out-of-order arrivals are rare ({})",
                pct(versioned_share),
                pct(ooo)
            ),
        )
    } else if versioned_share >= 0.9
        && run(runs, StrategyKind::Buffered).is_some_and(|r| (r.lost() as f64 / n) <= 0.01)
    {
        pick(
            StrategyKind::Buffered,
            format!(
                "entities carry versions ({}) but {} of events arrive out of order: strict versioning would lose too many, a buffer recovers them",
                pct(versioned_share),
                pct(ooo)
            ),
        )
    } else if trusted && independent {
        pick(
            StrategyKind::Lww,
            "clocks agree (no clock skew found) and fields are independent".to_string(),
        )
    } else {
        let why = if !trusted {
            "clocks are not trusted (skew or no event time)"
        } else {
            "fields depend on each other"
        };
        pick(
            StrategyKind::Partitioned,
            format!("{why}: keep each entity in one partition and apply in partition order"),
        )
    };
    let numbers = cost(k);
    advice.strategy = k.name().into();
    advice.reason = if numbers.is_empty() {
        why
    } else {
        format!("{why}; measured: {numbers}")
    };
    advice
}
