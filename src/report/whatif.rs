//! The what-if sections of the report (docs/whatif.md): the recorded layout's
//! key numbers next to a re-partitioning what-if's, and measured fixes for a
//! hot partition. Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).

use crate::detect::{load, Load};
use crate::engine::Analysis;
use crate::model::partition::Partitioner;
use crate::model::EventStore;
use crate::sim::whatif::{max_share, repartition_keys, split_entities, unquote, WhatIf};
use serde::Serialize;

/// `what_if`: the recorded layout next to the what-if layout.
#[derive(Serialize, Debug, Clone)]
pub struct WhatIfSection {
    pub partitions: u32,
    pub partitioner: String,
    pub partition_by: String,
    pub recorded: Layout,
    pub what_if: Layout,
}

/// The key numbers of one layout of the stream.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Layout {
    pub partitions: u32,
    pub hot_partitions: Vec<u32>,
    /// The largest partition's share of the events (0..1).
    pub max_share: f64,
    /// Entities whose events lie on more than one partition.
    pub split_entities: u64,
    pub strategies: Vec<LayoutStrategy>,
}

/// One strategy's costs under one layout.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct LayoutStrategy {
    pub strategy: String,
    pub lost_events: u64,
    pub diverged_entities: u64,
    pub p99_wait_ms: i64,
    pub hol_blocked_events: u64,
}

impl Layout {
    /// The numbers of `store` (one layout) and its analysis.
    pub fn of(store: &EventStore, a: &Analysis) -> Layout {
        Layout {
            partitions: store.partitions,
            hot_partitions: a.load.hot_partitions.clone(),
            max_share: round4(max_share(store)),
            split_entities: split_entities(store),
            strategies: a
                .runs
                .iter()
                .map(|r| LayoutStrategy {
                    strategy: r.kind.name().into(),
                    lost_events: r.lost(),
                    diverged_entities: r.diverged.len() as u64,
                    p99_wait_ms: r.hol.p99_wait_ms,
                    hol_blocked_events: r.hol.blocked_events,
                })
                .collect(),
        }
    }
}

impl WhatIfSection {
    /// Compares the recorded store and analysis with the what-if's.
    pub fn build(
        w: &WhatIf,
        recorded: (&EventStore, &Analysis),
        what_if: (&EventStore, &Analysis),
    ) -> WhatIfSection {
        WhatIfSection {
            partitions: w.partitions,
            partitioner: w.partitioner.name().into(),
            partition_by: w.by.describe(),
            recorded: Layout::of(recorded.0, recorded.1),
            what_if: Layout::of(what_if.0, what_if.1),
        }
    }
}

/// A candidate fix for a hot partition, measured by re-partitioning.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// What to change, in words.
    pub fix: String,
    pub partitions: u32,
    pub partitioner: String,
    /// As `--partition-by` takes it.
    pub partition_by: String,
    pub max_share: f64,
    pub hot_partitions: u64,
    pub split_entities: u64,
}

/// Payload fields tried as the second part of a composite key.
const MAX_FIELDS: usize = 3;

/// Candidate fixes for the hot partitions of `store`, each measured by
/// re-partitioning the stream: the key plus a second payload field (the
/// fields that vary within the hottest key's events), and 2x / 4x the
/// partitions. Empty when no partition is hot.
pub fn suggestions(store: &EventStore, load_of: &Load) -> Vec<Suggestion> {
    if load_of.hot_partitions.is_empty() || store.is_empty() {
        return Vec::new();
    }
    let partitioner = load_of.partitioner.unwrap_or(Partitioner::Murmur2);
    let n = store.partitions.max(1);
    let key_of = |i: usize| -> Option<Vec<u8>> { store.key_name(i).map(|k| k.as_bytes().to_vec()) };
    let mut out = Vec::new();
    let mut measure = |fix: String, by: String, parts: u32, keys: &[Option<Vec<u8>>]| {
        let s = repartition_keys(store, parts, partitioner, keys);
        out.push(Suggestion {
            fix,
            partitions: parts,
            partitioner: partitioner.name().into(),
            partition_by: by,
            max_share: round4(max_share(&s)),
            hot_partitions: load(&s).hot_partitions.len() as u64,
            split_entities: split_entities(&s),
        });
    };
    for field in candidate_fields(store, load_of) {
        let name = store.fields.name(field).to_string();
        let keys: Vec<Option<Vec<u8>>> = (0..store.len())
            .map(|i| {
                let v = store
                    .writes_of(i)
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|&(_, v)| unquote(store.values.name(v)));
                match (store.key_name(i), v) {
                    (Some(k), Some(v)) => Some(format!("{k}|{v}").into_bytes()),
                    (k, _) => k.map(|k| k.as_bytes().to_vec()),
                }
            })
            .collect();
        measure(
            format!("composite key: key + /{name}"),
            format!("key,/{name}"),
            n,
            &keys,
        );
    }
    let keys: Vec<Option<Vec<u8>>> = (0..store.len()).map(key_of).collect();
    for m in [2, 4] {
        let parts = n.saturating_mul(m);
        if parts > crate::sim::whatif::MAX_PARTITIONS {
            break;
        }
        measure(format!("{parts} partitions"), "key".into(), parts, &keys);
    }
    out
}

/// Top-level payload fields that vary within the hottest key's events, most
/// distinct values first.
fn candidate_fields(store: &EventStore, load_of: &Load) -> Vec<u32> {
    let Some(&(hot_key, _, _)) = load_of.hot_keys.iter().max_by_key(|h| h.2) else {
        return Vec::new();
    };
    let mut distinct: std::collections::HashMap<u32, std::collections::HashSet<u32>> =
        std::collections::HashMap::new();
    for i in 0..store.len() {
        if store.key[i] != hot_key {
            continue;
        }
        for &(f, v) in store.writes_of(i) {
            let set = distinct.entry(f).or_default();
            // Counting stops mattering past a few thousand values.
            if set.len() < 4096 {
                set.insert(v);
            }
        }
    }
    let mut fields: Vec<(usize, u32)> = distinct
        .into_iter()
        .filter(|(_, vs)| vs.len() >= 2)
        .map(|(f, vs)| (vs.len(), f))
        .collect();
    fields.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    fields
        .into_iter()
        .take(MAX_FIELDS)
        .map(|(_, f)| f)
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
