//! What-if re-partitioning (SPEC §6): the same stream laid out on `N`
//! partitions by one of the clients' partitioners, keyed by the record key,
//! the lens entity, or a composite of payload fields. Pure functions over the
//! store; the recorded layout stays in the original store for comparison.

use crate::model::pointer::{Pointer, TopLevel};
use crate::model::EventStore;
use crate::partition::Partitioner;
use crate::source::recording::parse_record;
use std::borrow::Cow;

/// Seed for spreading null keys (and keys missing every composite field):
/// deterministic, so a what-if gives the same layout on every run.
pub const NULL_KEY_SEED: u64 = 0x6b6f_7264; // "kord"

/// What a what-if partitions by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionBy {
    /// The record key, as the producer sent it.
    Key,
    /// The lens entity.
    Entity,
    /// A composite key: payload pointers (or `key`), values joined by `|`.
    Fields(Vec<String>),
}

impl PartitionBy {
    /// Parses `key`, `entity` or `PTR[,PTR]` (a pointer is `/a/b`; `key`
    /// inside a list names the record key).
    pub fn parse(text: &str) -> Result<PartitionBy, String> {
        let t = text.trim();
        match t {
            "key" => return Ok(PartitionBy::Key),
            "entity" => return Ok(PartitionBy::Entity),
            _ => {}
        }
        let parts: Vec<String> = t
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err("--partition-by: expected key, entity or /pointer[,/pointer]".into());
        }
        for p in &parts {
            if p != "key" {
                Pointer::parse(p).map_err(|e| format!("--partition-by {p:?}: {e}"))?;
            }
        }
        Ok(PartitionBy::Fields(parts))
    }

    /// The text form, as parsed.
    pub fn describe(&self) -> String {
        match self {
            PartitionBy::Key => "key".into(),
            PartitionBy::Entity => "entity".into(),
            PartitionBy::Fields(f) => f.join(","),
        }
    }
}

/// A re-partitioning what-if.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIf {
    pub partitions: u32,
    pub partitioner: Partitioner,
    pub by: PartitionBy,
}

/// The partitioning key of every event under `by` (None: a null key).
/// Composite keys read the payload from the store's raw lines; without them
/// (a store loaded without `keep_raw`) every composite key is null.
pub fn keys_of(store: &EventStore, by: &PartitionBy) -> Vec<Option<Vec<u8>>> {
    let n = store.len();
    match by {
        PartitionBy::Key => (0..n)
            .map(|i| store.key_name(i).map(|k| k.as_bytes().to_vec()))
            .collect(),
        PartitionBy::Entity => (0..n)
            .map(|i| {
                if store.unparsed(i) {
                    store.key_name(i).map(|k| k.as_bytes().to_vec())
                } else {
                    Some(store.entity_name(i).as_bytes().to_vec())
                }
            })
            .collect(),
        PartitionBy::Fields(fields) => {
            let ptrs: Vec<Option<Pointer>> = fields
                .iter()
                .map(|f| {
                    if f == "key" {
                        None
                    } else {
                        Pointer::parse(f).ok()
                    }
                })
                .collect();
            (0..n)
                .map(|i| composite_key(store, i, &ptrs, fields))
                .collect()
        }
    }
}

fn composite_key(
    store: &EventStore,
    i: usize,
    ptrs: &[Option<Pointer>],
    fields: &[String],
) -> Option<Vec<u8>> {
    let line = store.raw.as_ref().and_then(|r| r.get(i));
    let rec = line.and_then(|l| parse_record(l).ok());
    let text = rec.as_ref().and_then(|r| r.payload.json_text());
    let top = text.and_then(TopLevel::parse);
    let mut parts: Vec<Cow<'_, str>> = Vec::with_capacity(fields.len());
    let mut any = false;
    for (f, p) in fields.iter().zip(ptrs) {
        let v: Option<String> = if f == "key" {
            store.key_name(i).map(str::to_string)
        } else {
            p.as_ref()
                .and_then(|p| top.as_ref().and_then(|t| p.resolve(t)))
                .and_then(|r| r.as_text())
        };
        any |= v.is_some();
        parts.push(Cow::Owned(v.unwrap_or_default()));
    }
    any.then(|| parts.join("|").into_bytes())
}

/// The store laid out on `partitions` partitions by `partitioner` over
/// `keys` (one per event): the partition column, offsets renumbered per new
/// partition in arrival order, and `partitions` are re-computed; everything
/// else (arrival, entities, versions, costs) is the recorded stream. Null
/// keys are spread deterministically (seeded, in arrival order). The raw
/// lines are not copied.
pub fn repartition_keys(
    store: &EventStore,
    partitions: u32,
    partitioner: Partitioner,
    keys: &[Option<Vec<u8>>],
) -> EventStore {
    let n = partitions.max(1);
    let mut out = clone_without_raw(store);
    let mut next_offset = vec![0i64; n as usize];
    let mut nulls = 0u64;
    for i in 0..store.len() {
        let key = keys.get(i).and_then(|k| k.as_deref());
        let p = partitioner.partition_opt(key, n, NULL_KEY_SEED, nulls);
        if key.is_none() {
            nulls += 1;
        }
        out.partition[i] = p;
        let o = &mut next_offset[p as usize];
        out.offset[i] = *o;
        *o += 1;
    }
    out.partitions = n;
    out
}

/// The store under a what-if (see [`repartition_keys`]).
pub fn repartition(store: &EventStore, w: &WhatIf) -> EventStore {
    let keys = keys_of(store, &w.by);
    repartition_keys(store, w.partitions, w.partitioner, &keys)
}

/// Entities whose events lie on more than one partition.
pub fn split_entities(store: &EventStore) -> u64 {
    let mut first: Vec<u32> = vec![u32::MAX; store.entity_count()];
    let mut split = vec![false; store.entity_count()];
    for i in 0..store.len() {
        if store.unparsed(i) {
            continue;
        }
        let e = store.entity[i] as usize;
        let p = store.partition[i];
        match first.get(e) {
            Some(&u32::MAX) => first[e] = p,
            Some(&f) if f != p => split[e] = true,
            _ => {}
        }
    }
    split.iter().filter(|s| **s).count() as u64
}

/// The largest partition's share of the events (0 for an empty store).
pub fn max_share(store: &EventStore) -> f64 {
    let mut counts = vec![0u64; store.partitions.max(1) as usize];
    for &p in &store.partition {
        if let Some(c) = counts.get_mut(p as usize) {
            *c += 1;
        }
    }
    let total = store.len() as f64;
    if total == 0.0 {
        return 0.0;
    }
    counts.iter().copied().max().unwrap_or(0) as f64 / total
}

fn clone_without_raw(s: &EventStore) -> EventStore {
    EventStore {
        partition: s.partition.clone(),
        offset: s.offset.clone(),
        ts: s.ts.clone(),
        arrival: s.arrival.clone(),
        time: s.time.clone(),
        entity: s.entity.clone(),
        key: s.key.clone(),
        version: s.version.clone(),
        etype: s.etype.clone(),
        cost: s.cost.clone(),
        flags: s.flags.clone(),
        line: s.line.clone(),
        writes: s.writes.clone(),
        field_writes: s.field_writes.clone(),
        entities: s.entities.clone(),
        keys: s.keys.clone(),
        types: s.types.clone(),
        fields: s.fields.clone(),
        values: s.values.clone(),
        lww_sets: s.lww_sets.clone(),
        partitions: s.partitions,
        raw: None,
    }
}
