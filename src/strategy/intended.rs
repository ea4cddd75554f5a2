//! The intended state (SPEC §4): what a strategy reaches when each entity's
//! events arrive in version order (else event-time order) with no gaps in
//! delivery. `diverged_entities` counts entities whose final state differs.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, Rule, Runner};
use crate::model::{EventStore, NONE, NO_VERSION};
use std::sync::Arc;

/// Each entity's events in intended order, grouped: (order, starts) where
/// entity e's events are `order[starts[e]..starts[e+1]]`.
pub fn intended_order(store: &EventStore) -> (Vec<u32>, Vec<u32>) {
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
