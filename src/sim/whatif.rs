//! What-if re-partitioning (SPEC §6): the same stream laid out on `N`
//! partitions by one of the clients' partitioners, keyed by the record key,
//! the lens entity, or a composite of payload fields. Pure functions over the
//! store; the recorded layout stays in the original store for comparison. Core:
//! must not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use crate::model::line::parse_record;
use crate::model::partition::Partitioner;
use crate::model::pointer::{Pointer, TopLevel};
use crate::model::EventStore;
use crate::sim::SimParseError;
use std::borrow::Cow;

/// Seed for spreading null keys (and keys missing every composite field):
/// deterministic, so a what-if gives the same layout on every run.
pub const NULL_KEY_SEED: u64 = 0x6b6f_7264; // "kord"

/// The most partitions a what-if lays out (Kafka's practical limits are far
/// below; this bounds memory on absurd input).
pub const MAX_PARTITIONS: u32 = 1_000_000;

/// What a what-if partitions by.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    pub fn parse(text: &str) -> Result<PartitionBy, SimParseError> {
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
            return Err(SimParseError::PartitionByEmpty);
        }
        for p in &parts {
            if p != "key" {
                Pointer::parse(p).map_err(|error| SimParseError::PartitionByField {
                    field: p.clone(),
                    error,
                })?;
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
/// (a store loaded without `keep_raw`) only top-level fields other than the
/// lens's own can be read.
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
        } else if store.raw.is_some() {
            p.as_ref()
                .and_then(|p| top.as_ref().and_then(|t| p.resolve(t)))
                .and_then(|r| r.as_text())
        } else {
            // Without raw lines: the payload's top-level fields kept by the
            // store (all but the lens's own).
            p.as_ref()
                .and_then(|p| match p.segments() {
                    [one] => store.fields.get(one),
                    _ => None,
                })
                .and_then(|fid| store.writes_of(i).iter().find(|(f, _)| *f == fid))
                .map(|&(_, v)| unquote(store.values.name(v)))
        };
        any |= v.is_some();
        parts.push(Cow::Owned(v.unwrap_or_default()));
    }
    any.then(|| parts.join("|").into_bytes())
}

/// A JSON string's text (without quotes), else the JSON text as it is.
pub fn unquote(v: &str) -> String {
    serde_json::from_str::<String>(v).unwrap_or_else(|_| v.to_string())
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
    let n = partitions.clamp(1, MAX_PARTITIONS);
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
    let mut c = s.clone_without_raw();
    // The what-if numbers its own partitions densely.
    c.partition_ids = None;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ingest, Lens, Payload, Record};
    use proptest::prelude::*;

    /// A store from (partition, key, payload) with raw lines kept.
    fn store_of(events: &[(i32, Option<&str>, &str)]) -> EventStore {
        let lens = Lens::compile(
            crate::model::lens::LensConfig::from_toml_str("entity = \"/user\"").unwrap(),
        )
        .unwrap();
        let mut ing = Ingest::new(lens, true);
        for (i, (p, k, payload)) in events.iter().enumerate() {
            let rec = Record {
                topic: None,
                partition: *p,
                offset: i as i64,
                ts: None,
                headers: vec![],
                key: k.map_or(Payload::Null, |k| Payload::Text(Cow::Owned(k.to_string()))),
                payload: Payload::Text(Cow::Owned(payload.to_string())),
            };
            let line = rec.to_json_line();
            ing.push(&rec, i as u64 + 1, Some(line.as_bytes()));
        }
        ing.finish().0
    }

    fn sample() -> EventStore {
        store_of(&[
            (0, Some("u1"), r#"{"user":"u1","session":"s1"}"#),
            (0, Some("u1"), r#"{"user":"u1","session":"s2"}"#),
            (0, Some("u1"), r#"{"user":"u1","session":"s3"}"#),
            (0, None, r#"{"user":"u2","session":"s1"}"#),
            (0, Some("u3"), r#"{"user":"u3"}"#),
            (0, None, r#"{"user":"u2","session":"s1"}"#),
        ])
    }

    #[test]
    fn repartition_by_key_uses_the_partitioner_and_renumbers_offsets() {
        let s = sample();
        let w = WhatIf {
            partitions: 4,
            partitioner: Partitioner::Murmur2,
            by: PartitionBy::Key,
        };
        let r = repartition(&s, &w);
        assert_eq!(r.partitions, 4);
        let p_u1 = Partitioner::Murmur2.partition(b"u1", 4);
        assert_eq!(&r.partition.as_slice()[..3], &[p_u1; 3]);
        assert_eq!(r.partition[4], Partitioner::Murmur2.partition(b"u3", 4));
        // Offsets count up per new partition, in arrival order.
        for p in 0..4 {
            let offs: Vec<i64> = (0..r.len())
                .filter(|&i| r.partition[i] == p)
                .map(|i| r.offset[i])
                .collect();
            assert_eq!(offs, (0..offs.len() as i64).collect::<Vec<_>>());
        }
        // The recorded store is untouched; everything else is the same stream.
        assert_eq!(s.partition, vec![0; 6]);
        assert_eq!(r.arrival, s.arrival);
        assert_eq!(r.entity, s.entity);
        assert!(r.raw.is_none());
        // Null keys are spread deterministically.
        assert_eq!(repartition(&s, &w).partition, r.partition);
    }

    #[test]
    fn composite_keys_read_payload_pointers() {
        let s = sample();
        let keys = keys_of(&s, &PartitionBy::parse("key,/session").unwrap());
        assert_eq!(keys[0].as_deref(), Some(&b"u1|s1"[..]));
        assert_eq!(keys[3].as_deref(), Some(&b"|s1"[..]));
        assert_eq!(keys[4].as_deref(), Some(&b"u3|"[..]));
        let by_entity = keys_of(&s, &PartitionBy::Entity);
        assert_eq!(by_entity[3].as_deref(), Some(&b"u2"[..]));
        // u1's three sessions are three keys: on 64 partitions u1 splits.
        let w = WhatIf {
            partitions: 64,
            partitioner: Partitioner::Crc32,
            by: PartitionBy::parse("/user,/session").unwrap(),
        };
        let r = repartition(&s, &w);
        let distinct: std::collections::BTreeSet<u32> =
            r.partition.as_slice()[..3].iter().copied().collect();
        assert_eq!(split_entities(&r), u64::from(distinct.len() > 1));
        assert_eq!(split_entities(&s), 0);
    }

    #[test]
    fn partition_by_parses() {
        assert_eq!(PartitionBy::parse("key").unwrap(), PartitionBy::Key);
        assert_eq!(PartitionBy::parse("entity").unwrap(), PartitionBy::Entity);
        assert_eq!(
            PartitionBy::parse("/a, /b/c").unwrap(),
            PartitionBy::Fields(vec!["/a".into(), "/b/c".into()])
        );
        assert!(PartitionBy::parse("").is_err());
        assert!(PartitionBy::parse("nope").is_err());
    }

    #[test]
    fn max_share_of_one_partition_is_one() {
        assert_eq!(max_share(&sample()), 1.0);
        assert_eq!(max_share(&EventStore::default()), 0.0);
    }

    proptest! {
        /// Re-partitioning is deterministic, keeps every event, and puts
        /// equal keys on equal partitions.
        #[test]
        fn repartitioning_is_deterministic(
            keys in proptest::collection::vec(proptest::option::of("[a-c]{0,3}"), 0..60),
            n in 1u32..20,
        ) {
            let keys: Vec<Option<Vec<u8>>> = keys.into_iter().map(|k| k.map(String::into_bytes)).collect();
            let events: Vec<(i32, Option<&str>, &str)> = vec![(0, None, "{}"); keys.len()];
            let s = store_of(&events);
            for p in Partitioner::ALL {
                let a = repartition_keys(&s, n, p, &keys);
                let b = repartition_keys(&s, n, p, &keys);
                prop_assert_eq!(&a.partition, &b.partition);
                prop_assert!(a.partition.iter().all(|&x| x < n));
                for i in 0..keys.len() {
                    for j in 0..keys.len() {
                        if keys[i].is_some() && keys[i] == keys[j] {
                            prop_assert_eq!(a.partition[i], a.partition[j]);
                        }
                    }
                }
            }
        }
    }
}
