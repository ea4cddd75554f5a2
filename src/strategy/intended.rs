//! The intended state (SPEC §4): what a strategy reaches when each entity's
//! events arrive in version order (else event-time order) with no gaps in
//! delivery. `diverged_entities` counts entities whose final state differs.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, Rule, Runner};
use crate::model::{EventStore, NONE, NO_VERSION};
use std::sync::Arc;

/// Every event of an entity, each entity's in its intended order (version,
/// else event time; arrival breaks ties), at the places its events arrived
/// at: the k-th of an entity's events to arrive gives its place to its k-th
/// in the intended order. A runner's states and counts depend only on each
/// entity's order, and this order reads the store nearly in arrival order:
/// grouped by entity, each event was read from somewhere else in the store
/// (the intended passes were a fifth of the TUI's compare job).
pub fn intended_order(store: &EventStore) -> Vec<u32> {
    let (order, mut next) = grouped_order(store);
    let mut out = Vec::with_capacity(order.len());
    for &e in &store.entity {
        if e != NONE {
            let k = &mut next[e as usize];
            out.push(order[*k as usize]);
            *k += 1;
        }
    }
    out
}

/// Each entity's events in intended order, grouped: (order, starts) where
/// entity e's events are `order[starts[e]..starts[e+1]]`.
fn grouped_order(store: &EventStore) -> (Vec<u32>, Vec<u32>) {
    let n_ent = store.entity_count();
    let mut starts = vec![0u32; n_ent + 1];
    for &e in &store.entity {
        if e != NONE {
            starts[e as usize + 1] += 1;
        }
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut fill = starts.clone();
    let mut order = vec![0u32; starts[n_ent] as usize];
    for (i, &e) in store.entity.iter().enumerate() {
        if e != NONE {
            order[fill[e as usize] as usize] = i as u32;
            fill[e as usize] += 1;
        }
    }
    for e in 0..n_ent {
        let slice = &mut order[starts[e] as usize..starts[e + 1] as usize];
        slice.sort_by_key(|&i| {
            let i = i as usize;
            let v = store.version[i];
            (v == NO_VERSION, v, store.time[i], i)
        });
    }
    (order, starts)
}

/// Runs `rule` over every entity in intended order; returns the runner
/// holding the intended states.
pub fn intended_runner(rule: Arc<dyn Rule>, store: &EventStore, order: &[u32]) -> Runner {
    let mut r = Runner::new(rule, 0);
    r.step_all(store, order, &mut |_| {});
    r
}

/// The number of entities whose actual state differs from the intended one.
pub fn diverged(actual: &Runner, intended: &Runner, entities: usize) -> Vec<u32> {
    let fresh = EntityState::new();
    let (a, b) = (actual.states(), intended.states());
    (0..entities)
        .filter(|&e| {
            let x = a.get(e).unwrap_or(&fresh);
            !x.same_content(b.get(e).unwrap_or(&fresh))
        })
        .map(|e| e as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::{rule_for, StrategyKind};

    /// A store of (entity, version or none, resolves, minute) alerts.
    fn store(events: &[(u8, Option<u8>, bool, u8)]) -> (EventStore, crate::model::Lens) {
        let payloads: Vec<String> = events
            .iter()
            .map(|&(e, v, resolves, minute)| {
                let version = v.map_or(String::new(), |v| format!(r#""alert_version":{v},"#));
                let ty = if resolves { "AlertResolved" } else { "AlertTriggered" };
                format!(
                    r#"{{"alert_id":"a{e}",{version}"type":"{ty}","occurred_at":"2026-01-15T10:{minute:02}:00Z"}}"#
                )
            })
            .collect();
        let payloads: Vec<&str> = payloads.iter().map(String::as_str).collect();
        super::super::seed_tests::store(&payloads)
    }

    proptest::proptest! {
        /// The order at the arrivals' places holds each entity's events in
        /// the grouped order's order, and every strategy's intended run over
        /// it ends as the one over the grouped order: the same states, the
        /// same counts, the same events held.
        #[test]
        fn the_interleaved_order_is_the_grouped_one_per_entity(
            events in proptest::collection::vec(
                (0u8..5, proptest::option::of(0u8..8), proptest::bool::ANY, 0u8..60),
                1..120,
            ),
        ) {
            let (s, lens) = store(&events);
            let order = intended_order(&s);
            let (grouped, starts) = grouped_order(&s);
            proptest::prop_assert_eq!(order.len(), grouped.len());
            for e in 0..s.entity_count() {
                let mine: Vec<u32> =
                    order.iter().copied().filter(|&i| s.entity[i as usize] == e as u32).collect();
                let theirs = &grouped[starts[e] as usize..starts[e + 1] as usize];
                proptest::prop_assert_eq!(&mine[..], theirs);
            }
            for kind in StrategyKind::all_for(&lens) {
                let rule: Arc<dyn Rule> = Arc::from(rule_for(kind, &lens, &s));
                let a = intended_runner(rule.clone(), &s, &order);
                let b = intended_runner(rule, &s, &grouped);
                proptest::prop_assert_eq!(a.counts, b.counts, "{:?}", kind);
                proptest::prop_assert!(diverged(&a, &b, s.entity_count()).is_empty(), "{:?}", kind);
                let held = |r: &Runner| {
                    let mut h: Vec<u32> = r.held().collect();
                    h.sort_unstable();
                    h
                };
                proptest::prop_assert_eq!(held(&a), held(&b), "{:?}", kind);
            }
        }
    }
}
