//! The event store: every event the lens read, column by column. Appends and
//! drops from the front only; must not keep a `serde_json::Value` per event
//! (values are interned). Core: must not import the terminal, tokio, rdkafka or
//! an adapter (`source`, `tui`, `cli`).

use super::intern::Interner;
use super::lens::Lens;
use super::pointer::{FieldRef, Resolved, TopLevel};
use super::record::{Payload, Record};
use super::{NONE, NO_VERSION};
use rustc_hash::FxHashMap as HashMap;

/// Event flags.
pub mod flag {
    /// The lens could not read the entity (or the payload is not JSON).
    pub const UNPARSED: u8 = 1;
    /// The payload is null.
    pub const TOMBSTONE: u8 = 2;
    /// The payload is not valid UTF-8.
    pub const BINARY: u8 = 4;
    /// The event has an event time from the lens (not the broker's).
    pub const OWN_TIME: u8 = 8;
    /// The record had a broker timestamp.
    pub const HAS_TS: u8 = 16;
    /// The key or payload could not be decoded (reason in `undecoded`).
    pub const UNDECODED: u8 = 32;
}

/// Why events could not be decoded: sparse, by event index.
#[derive(Debug, Default, Clone)]
pub struct Undecoded {
    pub reasons: Interner,
    /// (event index, reason id), by index.
    pub at: Vec<(u32, u32)>,
}

/// One column of an [`EventStore`]: a vector indexed by arrival index. A
/// column may have forgotten its first rows ([`EventStore::forget_front`],
/// the streaming analysis's window): indexing and [`Col::get`] still take
/// the arrival index, while the vector it derefs to (`len`, `iter`, slices)
/// holds the rows kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Col<T> {
    v: Vec<T>,
    first: usize,
}

impl<T> Default for Col<T> {
    fn default() -> Self {
        Col {
            v: Vec::new(),
            first: 0,
        }
    }
}

impl<T> Col<T> {
    /// The row of arrival index `i`, if kept.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.v.get(i.checked_sub(self.first)?)
    }
    /// The rows of arrival indices `from..to` that are kept.
    #[inline]
    pub fn rows(&self, from: usize, to: usize) -> &[T] {
        let (a, b) = (
            from.saturating_sub(self.first),
            to.saturating_sub(self.first),
        );
        let b = b.min(self.v.len());
        self.v.get(a.min(b)..b).unwrap_or(&[])
    }
    /// The rows of the events [`super::AHEAD`] to twice that after `i`,
    /// before `to`: what a loop at `i` warms ([`super::warm`]).
    #[inline]
    pub fn ahead(&self, i: usize, to: usize) -> &[T] {
        let a = (i + super::AHEAD).min(to);
        self.rows(a, (a + super::AHEAD).min(to))
    }
    /// The arrival index of the first row kept.
    pub fn first_index(&self) -> usize {
        self.first
    }
    /// The rows kept, as a vector.
    pub fn into_vec(self) -> Vec<T> {
        self.v
    }
    /// Forgets the first `n` rows kept; indices stay.
    fn forget(&mut self, n: usize) {
        let n = n.min(self.v.len());
        self.v.drain(..n);
        self.first += n;
    }
}

impl<T> From<Vec<T>> for Col<T> {
    fn from(v: Vec<T>) -> Self {
        Col { v, first: 0 }
    }
}

impl<T> FromIterator<T> for Col<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        Col::from(it.into_iter().collect::<Vec<T>>())
    }
}

impl<T> std::ops::Deref for Col<T> {
    type Target = Vec<T>;
    #[inline]
    fn deref(&self) -> &Vec<T> {
        &self.v
    }
}

impl<T> std::ops::DerefMut for Col<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.v
    }
}

impl<T> std::ops::Index<usize> for Col<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.v[i - self.first]
    }
}

impl<T> std::ops::IndexMut<usize> for Col<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.v[i - self.first]
    }
}

impl<'a, T> IntoIterator for &'a Col<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.v.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut Col<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.v.iter_mut()
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Col<T> {
    fn eq(&self, o: &Vec<T>) -> bool {
        self.first == 0 && self.v == *o
    }
}

/// Events stored column-wise, indexed by arrival index.
#[derive(Debug, Default, Clone)]
pub struct EventStore {
    pub partition: Col<u32>,
    pub offset: Col<i64>,
    /// Broker timestamp (ms) or the arrival time when absent.
    pub ts: Col<i64>,
    /// Arrival time in ms: `ts` made non-decreasing, or the index when no `ts`.
    pub arrival: Col<i64>,
    /// Event time (ms) from the lens, else `ts`.
    pub time: Col<i64>,
    pub entity: Col<u32>,
    pub key: Col<u32>,
    pub version: Col<i64>,
    pub etype: Col<u32>,
    pub cost: Col<u32>,
    pub flags: Col<u8>,
    /// The source line (1-based) of each event.
    pub line: Col<u32>,
    /// `writes[i]..writes[i+1]` indexes `field_writes` for event i.
    pub writes: Col<u32>,
    /// (field id, value id) pairs: the payload's top-level fields.
    pub field_writes: Vec<(u32, u32)>,
    pub entities: Interner,
    pub keys: Interner,
    pub types: Interner,
    pub fields: Interner,
    /// Values as JSON text.
    pub values: Interner,
    /// Per type id: what `[lww.sets]` says the type writes.
    pub lww_sets: HashMap<u32, Vec<(u32, u32)>>,
    /// Highest recorded partition + 1 (or the header's count, if larger):
    /// the number of partition slots. Under sparse numbering (see
    /// [`EventStore::bound_partitions`]) the number of distinct partitions.
    pub partitions: u32,
    /// Sparse numbering: `partition[i]` is a slot and `partition_ids[slot]`
    /// the recorded partition number. None: slots are partition numbers.
    pub partition_ids: Option<Vec<u32>>,
    /// Raw records, kept only when asked (for the inspector).
    pub raw: Option<RawLines>,
    /// Why the events flagged `UNDECODED` could not be decoded.
    pub undecoded: Undecoded,
    /// Entity and key names read but not interned yet (a reader's chunk,
    /// see [`Ingest::defer_names`]): `entity` and `key` hold [`DEFERRED`]
    /// (or [`SAME_KEY`]) for them until [`EventStore::append`] or
    /// [`EventStore::resolve_names`] interns them.
    deferred: Option<Deferred>,
    /// Per entity id: the id of the key of the same name (NONE until one
    /// is appended); a cache for [`Deferred::resolve`].
    key_of_entity: Vec<u32>,
}

/// An entity or key id standing for a name in [`EventStore`]'s deferred list.
pub const DEFERRED: u32 = u32::MAX - 1;
/// A key id standing for "the key is the entity's name" (deferred names).
pub const SAME_KEY: u32 = u32::MAX - 2;

/// The id of key `k`, the name of entity `e`: most keys are their entity's
/// id, so such a key is looked up by the entity (`cache`, per entity id).
fn key_by_entity(keys: &mut Interner, cache: &mut Vec<u32>, e: u32, k: &str) -> u32 {
    let at = e as usize;
    if cache.len() <= at {
        cache.resize(at + 1, NONE);
    }
    if cache[at] == NONE {
        cache[at] = keys.intern(k);
    }
    cache[at]
}

/// Names read by a reader thread, in event order, left for the store its
/// chunk is appended to: that store knows most of them already, so a name
/// costs one look-up there instead of an insertion into the chunk's own
/// table and a second look-up when the chunk is re-mapped.
#[derive(Debug, Default, Clone)]
struct Deferred {
    text: String,
    /// `text[ends[j - 1]..ends[j]]` is name `j`.
    ends: Vec<usize>,
}

impl Deferred {
    /// Adds a name; returns [`DEFERRED`].
    fn push(&mut self, name: &str) -> u32 {
        self.text.push_str(name);
        self.ends.push(self.text.len());
        DEFERRED
    }

    /// Interns the names into `entities` and `keys`, in event order, and
    /// writes their ids into `entity` and `key`: the same ids, in the same
    /// order, as interning them when they were read.
    fn resolve(
        self,
        entity: &mut [u32],
        key: &mut [u32],
        entities: &mut Interner,
        keys: &mut Interner,
        key_of_entity: &mut Vec<u32>,
    ) {
        let n = self.ends.len();
        let name = |k: usize| super::intern::slice(&self.text, &self.ends, k as u32);
        // Names before `warmed` have their slots warmed (most are entities).
        let (mut next, mut warmed) = (0usize, 0usize);
        let mut last_entity = "";
        for (e, k) in entity.iter_mut().zip(key.iter_mut()) {
            if next + super::AHEAD >= warmed && warmed < n {
                let from = warmed.max(next + super::AHEAD).min(n);
                let upto = (from + super::AHEAD).min(n);
                entities.warm((from..upto).map(name));
                warmed = upto;
            }
            if *e == DEFERRED {
                last_entity = name(next);
                next += 1;
                *e = entities.intern(last_entity);
            }
            match *k {
                SAME_KEY => *k = key_by_entity(keys, key_of_entity, *e, last_entity),
                DEFERRED => {
                    *k = keys.intern(name(next));
                    next += 1;
                }
                _ => {}
            }
        }
    }
}

/// Partition numbers up to this many are indexed directly (structures of this
/// size are small); a stream with a higher partition number is renumbered
/// densely by [`EventStore::bound_partitions`].
pub const DENSE_PARTITIONS: u32 = 65_536;

impl EventStore {
    /// Sizes the partition space by the partitions actually recorded, never
    /// by a number's size or a header's claim: partition numbers below
    /// [`DENSE_PARTITIONS`] index structures directly (as recorded; a claim
    /// up to that bound still counts, so empty partitions show); above it,
    /// the distinct recorded partitions are renumbered 0..k in ascending
    /// order and `partition_ids` keeps the recorded numbers. Claims above
    /// the bound are ignored.
    pub fn bound_partitions(&mut self, claim: Option<u32>) {
        let seen = self.partition.iter().copied().max().map_or(0, |p| p + 1);
        let claim = claim.filter(|&c| c <= DENSE_PARTITIONS).unwrap_or(0);
        if seen <= DENSE_PARTITIONS {
            self.partitions = seen.max(claim);
            self.partition_ids = None;
            return;
        }
        let mut ids: Vec<u32> = self
            .partition
            .iter()
            .copied()
            .collect::<rustc_hash::FxHashSet<u32>>()
            .into_iter()
            .collect();
        ids.sort_unstable();
        let slot: HashMap<u32, u32> = ids
            .iter()
            .enumerate()
            .map(|(s, &p)| (p, s as u32))
            .collect();
        for p in &mut self.partition {
            *p = slot.get(p).copied().unwrap_or(0);
        }
        self.partitions = ids.len() as u32;
        self.partition_ids = Some(ids);
    }

    /// The recorded partition number of a slot.
    pub fn partition_number(&self, slot: u32) -> u32 {
        match &self.partition_ids {
            Some(ids) => ids.get(slot as usize).copied().unwrap_or(slot),
            None => slot,
        }
    }
}

/// Raw record lines, in chunks of [`RawLines::CHUNK`] lines shared between
/// clones: cloning (a live rebuild, a what-if) copies a list of pointers,
/// dropping the front frees whole chunks, and appending copies at most the
/// last chunk when a clone still shares it.
#[derive(Debug, Default, Clone)]
pub struct RawLines {
    chunks: std::collections::VecDeque<std::sync::Arc<RawChunk>>,
    /// Lines of the first chunk already dropped.
    skip: usize,
    len: usize,
}

#[derive(Debug, Default, Clone)]
struct RawChunk {
    data: Vec<u8>,
    /// End of each line in `data`.
    ends: Vec<usize>,
}

impl RawChunk {
    fn line(&self, k: usize) -> Option<&[u8]> {
        let end = *self.ends.get(k)?;
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        self.data.get(start..end)
    }
}

impl RawLines {
    /// Lines per chunk.
    pub const CHUNK: usize = 1024;

    /// Appends one record's text.
    pub fn push(&mut self, bytes: &[u8]) {
        if self
            .chunks
            .back()
            .is_none_or(|c| c.ends.len() >= Self::CHUNK)
        {
            self.chunks.push_back(Default::default());
        }
        if let Some(last) = self.chunks.back_mut() {
            let c = std::sync::Arc::make_mut(last);
            c.data.extend_from_slice(bytes);
            c.ends.push(c.data.len());
            self.len += 1;
        }
    }

    /// The text of record `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len {
            return None;
        }
        let j = i + self.skip;
        self.chunks.get(j / Self::CHUNK)?.line(j % Self::CHUNK)
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops the first `n` lines.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.len -= n;
        self.skip += n;
        while self.skip >= Self::CHUNK {
            self.chunks.pop_front();
            self.skip -= Self::CHUNK;
        }
    }
}

impl EventStore {
    /// Prefetches what a runner reads of `events` (their arrival, version,
    /// type, time and field writes, [`super::prefetch`]) and reads their
    /// entities' ids, for a loop that will step them in a few events
    /// ([`super::warm`]); a loop over an order not by arrival (the intended
    /// one, entity by entity) misses on every column. Returns the entities.
    #[inline]
    pub fn warm_events(&self, events: &[u32]) -> smallvec::SmallVec<[u32; super::AHEAD]> {
        let mut entities = smallvec::SmallVec::new();
        for &j in events {
            let j = j as usize;
            let Some(&e) = self.entity.get(j) else {
                continue;
            };
            let (v, t, ty, a) = (
                self.version.get(j),
                self.time.get(j),
                self.etype.get(j),
                self.arrival.get(j),
            );
            v.map(super::prefetch);
            t.map(super::prefetch);
            ty.map(super::prefetch);
            a.map(super::prefetch);
            if let Some(x) = self
                .writes
                .get(j)
                .and_then(|&w| self.field_writes.get(w as usize))
            {
                super::prefetch(x);
            }
            entities.push(e);
        }
        entities
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.partition.first_index() + self.partition.len()
    }
    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The arrival index of the first event kept (0 unless the store is a
    /// window that forgot its first events: [`EventStore::forget_front`]).
    pub fn first_kept(&self) -> usize {
        self.partition.first_index()
    }
    /// Whether event `i` was unparsed.
    pub fn unparsed(&self, i: usize) -> bool {
        self.flags[i] & flag::UNPARSED != 0
    }
    /// The version of event `i`, if any.
    pub fn version_of(&self, i: usize) -> Option<i64> {
        let v = self.version[i];
        (v != NO_VERSION).then_some(v)
    }
    /// The type name of event `i` ("" when none).
    pub fn type_name(&self, i: usize) -> &str {
        let t = self.etype[i];
        if t == NONE {
            ""
        } else {
            self.types.name(t)
        }
    }
    /// The entity name of event `i` ("" when unparsed).
    pub fn entity_name(&self, i: usize) -> &str {
        let e = self.entity[i];
        if e == NONE {
            ""
        } else {
            self.entities.name(e)
        }
    }
    /// The key of event `i` (None for a null key).
    pub fn key_name(&self, i: usize) -> Option<&str> {
        let k = self.key[i];
        (k != NONE).then(|| self.keys.name(k))
    }
    /// Why event `i` could not be decoded, if it could not.
    pub fn undecoded_reason(&self, i: usize) -> Option<&str> {
        if self.flags.get(i)? & flag::UNDECODED == 0 {
            return None;
        }
        let at = &self.undecoded.at;
        let k = at.binary_search_by_key(&(i as u32), |&(e, _)| e).ok()?;
        Some(self.undecoded.reasons.name(at[k].1))
    }
    /// The payload field writes of event `i`.
    pub fn writes_of(&self, i: usize) -> &[(u32, u32)] {
        let a = self.writes[i] as usize;
        let b = self.writes[i + 1] as usize;
        &self.field_writes[a..b]
    }
    /// Number of distinct entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }
    /// A copy of the events without their raw records.
    pub fn clone_without_raw(&self) -> EventStore {
        EventStore {
            partition: self.partition.clone(),
            offset: self.offset.clone(),
            ts: self.ts.clone(),
            arrival: self.arrival.clone(),
            time: self.time.clone(),
            entity: self.entity.clone(),
            key: self.key.clone(),
            version: self.version.clone(),
            etype: self.etype.clone(),
            cost: self.cost.clone(),
            flags: self.flags.clone(),
            line: self.line.clone(),
            writes: self.writes.clone(),
            field_writes: self.field_writes.clone(),
            entities: self.entities.clone(),
            keys: self.keys.clone(),
            types: self.types.clone(),
            fields: self.fields.clone(),
            values: self.values.clone(),
            lww_sets: self.lww_sets.clone(),
            partitions: self.partitions,
            partition_ids: self.partition_ids.clone(),
            raw: None,
            undecoded: self.undecoded.clone(),
            deferred: self.deferred.clone(),
            key_of_entity: self.key_of_entity.clone(),
        }
    }

    /// Interns the names a reader left ([`Ingest::defer_names`]), as
    /// reading would have: a no-op for a store that has none.
    pub fn resolve_names(&mut self) {
        if let Some(d) = self.deferred.take() {
            d.resolve(
                &mut self.entity,
                &mut self.key,
                &mut self.entities,
                &mut self.keys,
                &mut self.key_of_entity,
            );
        }
    }

    /// Makes room for `n` more events in every per-event column (a
    /// reader that knows about how many its slice holds grows its columns
    /// once, rather than doubling them as it goes).
    pub fn reserve(&mut self, n: usize) {
        self.partition.reserve(n);
        self.offset.reserve(n);
        self.ts.reserve(n);
        self.arrival.reserve(n);
        self.time.reserve(n);
        self.entity.reserve(n);
        self.key.reserve(n);
        self.version.reserve(n);
        self.etype.reserve(n);
        self.cost.reserve(n);
        self.flags.reserve(n);
        self.line.reserve(n);
        self.writes.reserve(n);
    }

    /// Says that entity or key ids were renumbered (the live window's
    /// compaction): the cache of keys by entity is dropped.
    pub fn ids_renumbered(&mut self) {
        self.key_of_entity.clear();
    }

    /// Appends another store's events (read from a later part of the same
    /// stream), re-mapping its interned ids and continuing arrival times.
    /// Each of `other`'s columns is freed as soon as it is copied, so the
    /// two stores are never both whole in memory.
    pub fn append(&mut self, mut other: EventStore) {
        fn remap(into: &mut Interner, from: &Interner) -> Vec<u32> {
            (0..from.len() as u32)
                .map(|i| into.intern(from.name(i)))
                .collect()
        }
        fn ids(into: &mut Col<u32>, from: Col<u32>, m: &[u32]) {
            into.reserve_exact(from.len());
            into.extend(
                from.iter()
                    .map(|&id| if id == NONE { NONE } else { m[id as usize] }),
            );
        }
        // Deferred names are interned here, straight into this store's
        // tables: their ids need no re-mapping.
        let resolved = match other.deferred.take() {
            Some(d) => {
                d.resolve(
                    &mut other.entity,
                    &mut other.key,
                    &mut self.entities,
                    &mut self.keys,
                    &mut self.key_of_entity,
                );
                true
            }
            None => false,
        };
        fn copy<T: Copy>(into: &mut Col<T>, from: Col<T>) {
            into.reserve_exact(from.len());
            into.extend_from_slice(&from);
        }
        let ents = remap(&mut self.entities, &other.entities);
        let keys = remap(&mut self.keys, &other.keys);
        let types = remap(&mut self.types, &other.types);
        let fields = remap(&mut self.fields, &other.fields);
        let values = remap(&mut self.values, &other.values);
        let base = self.len() as i64;
        let n = other.len();
        let has_ts = |fl: u8| fl & flag::HAS_TS != 0;
        let mut last = self.arrival.last().copied().unwrap_or(i64::MIN);
        let from = self.arrival.len();
        self.arrival.reserve_exact(n);
        for i in 0..n {
            let arrival = if has_ts(other.flags[i]) {
                other.ts[i].max(last)
            } else {
                (base + i as i64).max(last)
            };
            last = arrival;
            self.arrival.push(arrival);
        }
        let arrival = &self.arrival.as_slice()[from..];
        self.time.reserve_exact(n);
        for (i, &a) in arrival.iter().enumerate() {
            let fl = other.flags[i];
            self.time.push(if fl & flag::OWN_TIME != 0 {
                other.time[i]
            } else if has_ts(fl) {
                other.ts[i]
            } else {
                a
            });
        }
        drop(std::mem::take(&mut other.time));
        self.ts.reserve_exact(n);
        for (i, &a) in arrival.iter().enumerate() {
            self.ts.push(if has_ts(other.flags[i]) {
                other.ts[i]
            } else {
                a
            });
        }
        drop(std::mem::take(&mut other.ts));
        if resolved {
            copy(&mut self.entity, std::mem::take(&mut other.entity));
            copy(&mut self.key, std::mem::take(&mut other.key));
        } else {
            ids(&mut self.entity, std::mem::take(&mut other.entity), &ents);
            ids(&mut self.key, std::mem::take(&mut other.key), &keys);
        }
        ids(&mut self.etype, std::mem::take(&mut other.etype), &types);
        copy(&mut self.partition, std::mem::take(&mut other.partition));
        copy(&mut self.offset, std::mem::take(&mut other.offset));
        copy(&mut self.version, std::mem::take(&mut other.version));
        copy(&mut self.cost, std::mem::take(&mut other.cost));
        copy(&mut self.flags, std::mem::take(&mut other.flags));
        copy(&mut self.line, std::mem::take(&mut other.line));
        let wbase = self.field_writes.len() as u32;
        let writes = std::mem::take(&mut other.writes);
        self.writes.reserve_exact(writes.len().saturating_sub(1));
        self.writes.extend(writes.iter().skip(1).map(|w| w + wbase));
        drop(writes);
        let fw = std::mem::take(&mut other.field_writes);
        self.field_writes.reserve_exact(fw.len());
        self.field_writes.extend(
            fw.iter()
                .map(|&(f, v)| (fields[f as usize], values[v as usize])),
        );
        drop(fw);
        self.partitions = self.partitions.max(other.partitions);
        for &(e, r) in &other.undecoded.at {
            let r = self
                .undecoded
                .reasons
                .intern(other.undecoded.reasons.name(r));
            self.undecoded.at.push((e + base as u32, r));
        }
        if let (Some(raw), Some(o)) = (&mut self.raw, &other.raw) {
            for i in 0..n {
                if let Some(b) = o.get(i) {
                    raw.push(b);
                }
            }
        }
    }

    /// Drops the first `n` events (for bounded live windows). Ids stay valid.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len());
        if n == 0 {
            return;
        }
        let cut = self.writes[n] as usize;
        self.partition.drain(..n);
        self.offset.drain(..n);
        self.ts.drain(..n);
        self.arrival.drain(..n);
        self.time.drain(..n);
        self.entity.drain(..n);
        self.key.drain(..n);
        self.version.drain(..n);
        self.etype.drain(..n);
        self.cost.drain(..n);
        self.flags.drain(..n);
        self.line.drain(..n);
        self.field_writes.drain(..cut);
        let gone = self
            .undecoded
            .at
            .partition_point(|&(e, _)| (e as usize) < n);
        self.undecoded.at.drain(..gone);
        for (e, _) in &mut self.undecoded.at {
            *e -= n as u32;
        }
        self.writes.drain(..n);
        for w in &mut self.writes {
            *w -= cut as u32;
        }
        if let Some(raw) = &mut self.raw {
            raw.drop_front(n);
        }
    }
}

impl EventStore {
    /// Forgets every event before arrival index `upto` (the streaming
    /// analysis's window): unlike [`EventStore::drop_front`], the events
    /// kept keep their arrival indices, and the interned names stay.
    pub fn forget_front(&mut self, upto: usize) {
        let n = upto
            .saturating_sub(self.first_kept())
            .min(self.partition.len());
        if n == 0 {
            return;
        }
        let first = self.first_kept();
        let cut = self.writes[first + n] as usize;
        self.partition.forget(n);
        self.offset.forget(n);
        self.ts.forget(n);
        self.arrival.forget(n);
        self.time.forget(n);
        self.entity.forget(n);
        self.key.forget(n);
        self.version.forget(n);
        self.etype.forget(n);
        self.cost.forget(n);
        self.flags.forget(n);
        self.line.forget(n);
        self.writes.forget(n);
        self.field_writes.drain(..cut);
        for w in &mut self.writes {
            *w -= cut as u32;
        }
        let gone = self
            .undecoded
            .at
            .partition_point(|&(e, _)| (e as usize) < first + n);
        self.undecoded.at.drain(..gone);
        if let Some(raw) = &mut self.raw {
            raw.drop_front(n);
        }
    }
}

/// Where the lens reads one record's fields from: the key, the headers and
/// the payload's top-level fields.
struct Sources<'s, 'r> {
    rec: &'s Record<'r>,
    key_name: Option<&'s str>,
    top: Option<&'s TopLevel<'s>>,
}

/// What the lens read from one record, before interning.
struct LensRead<'s> {
    entity: Option<Resolved<'s>>,
    version: Option<i64>,
    etype: Option<Resolved<'s>>,
    own_time: Option<i64>,
    cost: Option<i64>,
}

impl<'s> Sources<'s, '_> {
    /// One field where `f` says.
    #[inline]
    fn field(&self, f: &FieldRef) -> Option<Resolved<'s>> {
        match f {
            FieldRef::Key => self.key_name.map(Resolved::Text),
            FieldRef::Header(h) => self.rec.header(h).map(Resolved::Text),
            FieldRef::Pointer(p) => self.top.and_then(|t| p.resolve(t)),
        }
    }

    /// Every field the lens names; where it names none, the conventional
    /// places (`version` or `*_version`, `type` or `event_type` or a `type`
    /// header, a `kord-cost-ms` header).
    #[inline]
    fn read(&self, lens: &Lens) -> LensRead<'s> {
        let top = self.top;
        let entity = self.field(&lens.entity);
        let version = match &lens.version {
            Some(f) => self.field(f).and_then(|r| r.as_i64()),
            None => top.and_then(|t| {
                t.get("version")
                    .or_else(|| {
                        t.fields
                            .iter()
                            .find(|(n, _)| n.ends_with("_version"))
                            .map(|(_, v)| *v)
                    })
                    .and_then(|raw| Resolved::Raw(raw).as_i64())
            }),
        };
        let etype = match &lens.type_ {
            Some(f) => self.field(f),
            None => top
                .and_then(|t| t.get("type").or_else(|| t.get("event_type")))
                .map(Resolved::Raw)
                .or_else(|| self.rec.header("type").map(Resolved::Text)),
        };
        let own_time = lens
            .time
            .as_ref()
            .and_then(|f| self.field(f))
            .and_then(|r| r.as_time_ms());
        let cost = match &lens.cost {
            Some(f) => self.field(f).and_then(|r| r.as_i64()),
            None => self
                .rec
                .header("kord-cost-ms")
                .and_then(|h| h.trim().parse().ok()),
        };
        LensRead {
            entity,
            version,
            etype,
            own_time,
            cost,
        }
    }
}

/// The field ids of the payload fields last seen at each position (payloads
/// of one topic list their fields in the same order), so most field names
/// cost a comparison, not a hash look-up.
#[derive(Debug, Default)]
struct FieldsSeen {
    /// The fields the lens reads for itself: not written to state.
    own: Vec<String>,
    /// (name, field id or NONE for an own field), by position.
    at: Vec<(String, u32)>,
    /// The values last written at each position, by position.
    values: Vec<RecentValues>,
}

/// The last few texts met in one place (a payload field position's values,
/// the event types), with their ids in the table they are interned into: a
/// field with a handful of values (a status, a severity) costs a comparison
/// per event, not a hash look-up. Given up for a place whose texts seldom
/// repeat.
#[derive(Debug, Default)]
struct RecentValues {
    items: Vec<(Box<str>, u32)>,
    /// The item the next new value replaces.
    next: usize,
    hits: u32,
    misses: u32,
}

impl RecentValues {
    const KEEP: usize = 4;

    /// The id of `v` in `table` (interned when new), as `table.intern` says.
    #[inline]
    fn id(&mut self, table: &mut Interner, v: &str) -> u32 {
        if self.misses > 64 && self.misses / 2 > self.hits {
            return table.intern(v);
        }
        if let Some(&(_, id)) = self.items.iter().find(|(t, _)| super::intern::same(t, v)) {
            self.hits += 1;
            return id;
        }
        self.misses += 1;
        let id = table.intern(v);
        if self.items.len() < Self::KEEP {
            self.items.push((v.into(), id));
        } else {
            self.items[self.next] = (v.into(), id);
            self.next = (self.next + 1) % Self::KEEP;
        }
        id
    }
}

impl FieldsSeen {
    /// The payload's top-level fields as this event's field writes, except
    /// the lens's own fields.
    #[inline]
    fn push_writes(&mut self, s: &mut EventStore, top: &TopLevel<'_>) {
        for (k, (name, value)) in top.fields.iter().enumerate() {
            let f = match self.at.get(k) {
                Some((seen, id)) if super::intern::same(seen, name) => *id,
                _ => {
                    let id = if self.own.iter().any(|f| f == name) {
                        NONE
                    } else {
                        s.fields.intern(name)
                    };
                    if k < self.at.len() {
                        self.at[k] = (name.to_string(), id);
                    } else {
                        self.at.push((name.to_string(), id));
                    }
                    id
                }
            };
            if f != NONE {
                if self.values.len() <= k {
                    self.values.resize_with(k + 1, RecentValues::default);
                }
                let v = self.values[k].id(&mut s.values, value);
                s.field_writes.push((f, v));
            }
        }
    }
}

/// Builds an [`EventStore`] from records through a lens.
#[derive(Debug)]
pub struct Ingest {
    pub store: EventStore,
    pub lens: Lens,
    fields_seen: FieldsSeen,
    /// The event types last seen, with their ids.
    types_seen: RecentValues,
    last_arrival: i64,
    cost_by_type: HashMap<u32, u32>,
}

impl Ingest {
    /// A fresh ingest; `keep_raw` keeps each record's text for the inspector.
    pub fn new(lens: Lens, keep_raw: bool) -> Ingest {
        let mut store = EventStore {
            writes: vec![0].into(),
            raw: keep_raw.then(RawLines::default),
            ..EventStore::default()
        };
        // Types the lens names get ids first, so rules can look them up.
        let named = lens
            .strategy_by_type
            .keys()
            .chain(lens.creates.iter())
            .chain(lens.state_machine.iter().flat_map(|m| m.by_type.keys()));
        for ty in named {
            store.types.intern(ty);
        }
        for (ty, sets) in &lens.lww_sets {
            let t = store.types.intern(ty);
            let w = sets
                .iter()
                .map(|(f, v)| (store.fields.intern(f), store.values.intern(&v.to_string())))
                .collect();
            store.lww_sets.insert(t, w);
        }
        let cost_by_type = lens
            .cost_by_type
            .iter()
            .map(|(t, c)| (store.types.intern(t), *c))
            .collect();
        Ingest {
            fields_seen: FieldsSeen {
                own: lens.own_fields(),
                at: Vec::new(),
                values: Vec::new(),
            },
            store,
            lens,
            types_seen: RecentValues::default(),
            last_arrival: i64::MIN,
            cost_by_type,
        }
    }

    /// Says that the store's entity, key or field ids were renumbered (the
    /// live window's compaction): the look-up caches by id are dropped.
    pub fn ids_renumbered(&mut self) {
        self.store.ids_renumbered();
        self.fields_seen.at.clear();
        self.fields_seen.values.clear();
    }

    /// Leaves entity and key names to the store this one is appended to
    /// ([`EventStore::append`], which interns them into its own tables) or
    /// to [`EventStore::resolve_names`]: for a reader thread whose chunk
    /// goes to a window that knows most names already. Only before the
    /// first event (the ids of a store are all interned or all deferred).
    pub fn defer_names(&mut self) {
        if self.store.is_empty() {
            self.store.deferred = Some(Deferred::default());
        }
    }

    /// Reads one record through the lens and appends it as an event.
    pub fn push(&mut self, rec: &Record<'_>, line: u64, raw: Option<&[u8]>) {
        self.push_noted(rec, line, raw, None)
    }

    /// As [`Ingest::push`]; `undecoded` says why the decoding stage could
    /// not decode the record (it then counts as unparsed, with that reason).
    pub fn push_noted(
        &mut self,
        rec: &Record<'_>,
        line: u64,
        raw: Option<&[u8]>,
        undecoded: Option<&str>,
    ) {
        self.push_read(rec, line, raw, undecoded, &[])
    }

    /// As [`Ingest::push`], for a record whose payload text has the quotes
    /// `quotes` lists ([`crate::model::line::parse_record_quoted`]).
    pub fn push_quoted(&mut self, rec: &Record<'_>, line: u64, raw: Option<&[u8]>, quotes: &[u32]) {
        self.push_read(rec, line, raw, None, quotes)
    }

    fn push_read(
        &mut self,
        rec: &Record<'_>,
        line: u64,
        raw: Option<&[u8]>,
        undecoded: Option<&str>,
        quotes: &[u32],
    ) {
        let index = self.store.len() as i64;
        let partition = rec.partition.max(0) as u32;
        let mut flags = 0u8;
        let payload_text = rec.payload.json_text();
        match &rec.payload {
            Payload::Null => flags |= flag::TOMBSTONE,
            Payload::Binary(_) => flags |= flag::BINARY,
            _ => {}
        }
        let top = payload_text.and_then(|t| TopLevel::parse_quoted(t, quotes));
        let json_ok = top.is_some() || matches!(rec.payload, Payload::Null);
        let key_name = rec.key_name();
        let read = Sources {
            rec,
            key_name: key_name.as_deref(),
            top: top.as_ref(),
        }
        .read(&self.lens);
        let entity = read.entity.as_ref().and_then(Resolved::text);
        let etype = read.etype.as_ref().and_then(Resolved::text);

        let unparsed = !json_ok || entity.is_none() || undecoded.is_some();
        if unparsed {
            flags |= flag::UNPARSED;
        }
        let (ts, arrival, time) = self.times(rec.ts, index, read.own_time, &mut flags);
        let s = &mut self.store;
        s.partitions = s.partitions.max(partition + 1);
        if let Some(why) = undecoded {
            flags |= flag::UNDECODED;
            let r = s.undecoded.reasons.intern(why);
            s.undecoded.at.push((index as u32, r));
        }
        let types = &mut self.types_seen;
        let etype_id = etype.as_deref().map_or(NONE, |t| types.id(&mut s.types, t));
        let cost = read
            .cost
            .map(|c| c.clamp(0, u32::MAX as i64) as u32)
            .or_else(|| self.cost_by_type.get(&etype_id).copied())
            .unwrap_or(self.lens.cost_default_ms);

        s.partition.push(partition);
        s.offset.push(rec.offset);
        s.ts.push(ts);
        s.arrival.push(arrival);
        s.time.push(time);
        let entity = entity.filter(|_| !unparsed);
        // Most keys are their entity's id: such a key is found by the entity.
        let same_key = entity.is_some() && key_name.as_deref() == entity.as_deref();
        let (entity_id, key_id) = match &mut s.deferred {
            Some(d) => {
                let e = entity.as_deref().map_or(NONE, |e| d.push(e));
                let k = match key_name.as_deref() {
                    None => NONE,
                    Some(_) if same_key => SAME_KEY,
                    Some(k) => d.push(k),
                };
                (e, k)
            }
            None => {
                let e = entity.as_deref().map_or(NONE, |e| s.entities.intern(e));
                let k = match key_name.as_deref() {
                    None => NONE,
                    Some(k) if same_key => key_by_entity(&mut s.keys, &mut s.key_of_entity, e, k),
                    Some(k) => s.keys.intern(k),
                };
                (e, k)
            }
        };
        s.entity.push(entity_id);
        s.key.push(key_id);
        s.version.push(if unparsed {
            NO_VERSION
        } else {
            read.version.unwrap_or(NO_VERSION)
        });
        s.etype.push(etype_id);
        s.cost.push(cost);
        s.flags.push(flags);
        s.line.push(line.min(u32::MAX as u64) as u32);
        if let (Some(top), false) = (&top, unparsed) {
            self.fields_seen.push_writes(s, top);
        }
        s.writes.push(s.field_writes.len() as u32);
        if let (Some(rawstore), Some(bytes)) = (&mut s.raw, raw) {
            rawstore.push(bytes);
        }
    }

    /// The next event's broker timestamp, arrival and event time (`index`
    /// stands in for a missing timestamp; arrivals never go back), noting in
    /// `flags` which the record had.
    #[inline]
    fn times(
        &mut self,
        rec_ts: Option<i64>,
        index: i64,
        own_time: Option<i64>,
        flags: &mut u8,
    ) -> (i64, i64, i64) {
        let arrival = match rec_ts {
            Some(ts) => {
                *flags |= flag::HAS_TS;
                ts.max(self.last_arrival)
            }
            None => index.max(self.last_arrival),
        };
        self.last_arrival = arrival;
        let ts = rec_ts.unwrap_or(arrival);
        let time = match own_time {
            Some(t) => {
                *flags |= flag::OWN_TIME;
                t
            }
            None => ts,
        };
        (ts, arrival, time)
    }

    /// Raises the partition count (from a header or topic metadata).
    pub fn set_partitions(&mut self, n: u32) {
        self.store.partitions = self.store.partitions.max(n);
    }

    /// The finished store.
    pub fn finish(self) -> (EventStore, Lens) {
        (self.store, self.lens)
    }
}

#[cfg(test)]
mod tests {
    use super::RawLines;
    use proptest::prelude::*;

    proptest! {
        /// A column's rows ahead of `i` are those of arrival indices
        /// `i + AHEAD` to `i + 2 * AHEAD`, before `to`, that it keeps.
        #[test]
        fn rows_ahead_are_the_kept_ones_after_i(
            n in 0usize..60, forget in 0usize..70, i in 0usize..80, to in 0usize..80,
        ) {
            let whole: Vec<u32> = (0..n as u32).collect();
            let mut col = super::Col::from(whole);
            col.forget(forget);
            let a = crate::model::AHEAD;
            let want: Vec<u32> = (i + a..(i + 2 * a).min(to))
                .filter(|&x| x >= forget && x < n)
                .map(|x| x as u32)
                .collect();
            prop_assert_eq!(col.ahead(i, to), &want[..]);
        }
    }

    proptest! {
        /// The recent values' ids are the table's: few values, many, and
        /// values that stop repeating (the cache then gives up), with the
        /// table's own look-ups interleaved.
        #[test]
        fn recent_values_give_the_ids_interning_gives(
            words in proptest::collection::vec(prop_oneof![
                3 => "[ab]{0,2}",
                1 => "[a-z0-9\"-]{0,20}",
            ], 0..300),
        ) {
            let mut cached = crate::model::Interner::default();
            let mut plain = crate::model::Interner::default();
            let mut recent = super::RecentValues::default();
            for w in &words {
                prop_assert_eq!(recent.id(&mut cached, w), plain.intern(w));
                prop_assert_eq!(cached.len(), plain.len());
            }
        }
    }

    #[test]
    fn a_window_forgets_its_front_and_keeps_indices() {
        let lens = crate::model::Lens::default();
        let mut ing = super::Ingest::new(lens, false);
        for i in 0..10i64 {
            let line = format!(
                r#"{{"topic":"t","partition":{},"offset":{i},"ts":{},"key":"k{i}","payload":"{{\"id\":\"e{}\",\"a\":{i}}}"}}"#,
                i % 3,
                1000 + i,
                i % 4
            );
            let rec = crate::model::line::parse_record(line.as_bytes()).unwrap();
            ing.push(&rec, i as u64 + 1, None);
        }
        let (whole, _) = ing.finish();
        let mut w = whole.clone();
        w.forget_front(4);
        assert_eq!((w.first_kept(), w.len()), (4, 10));
        for i in 4..10 {
            assert_eq!(w.partition[i], whole.partition[i]);
            assert_eq!(w.offset[i], whole.offset[i]);
            assert_eq!(w.entity_name(i), whole.entity_name(i));
            assert_eq!(w.writes_of(i), whole.writes_of(i));
            assert_eq!(w.arrival.get(i), whole.arrival.get(i));
        }
        assert_eq!(w.arrival.get(3), None);
        // Appending after a forget continues the indices and arrivals.
        let mut more = whole.clone();
        more.forget_front(0);
        w.append(more);
        assert_eq!(w.len(), 20);
        assert_eq!(w.entity_name(14), whole.entity_name(4));
        assert_eq!(w.writes_of(19), whole.writes_of(9));
        assert!(w.arrival[10] >= w.arrival[9]);
    }

    /// One record line: entity `e{ent}` (none: a payload the lens cannot
    /// read), key none, the entity's name, or `k{n}`.
    fn line(i: usize, ent: Option<u8>, key: Option<Option<u8>>) -> String {
        let key = match key {
            None => "null".to_string(),
            Some(None) => ent.map_or("\"e\"".into(), |e| format!("\"e{e}\"")),
            Some(Some(k)) => format!("\"k{k}\""),
        };
        let payload = match ent {
            Some(e) => format!(r#"{{\"id\":\"e{e}\",\"v\":{i}}}"#),
            None => r#"{\"other\":1}"#.to_string(),
        };
        format!(
            r#"{{"topic":"t","partition":{},"offset":{i},"ts":{},"key":{key},"payload":"{payload}"}}"#,
            i % 3,
            1000 + i
        )
    }

    /// `lines` read into one store per chunk (cut at `cuts`), names deferred or not.
    fn chunks(lines: &[String], cuts: &[usize], defer: bool) -> Vec<super::EventStore> {
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (lines.len() + 1)).collect();
        bounds.extend([0, lines.len()]);
        bounds.sort_unstable();
        bounds
            .windows(2)
            .map(|w| {
                let cfg =
                    crate::model::lens::LensConfig::from_toml_str("entity = \"/id\"").unwrap();
                let lens = crate::model::Lens::compile(cfg).unwrap();
                let mut ing = super::Ingest::new(lens, false);
                if defer {
                    ing.defer_names();
                }
                for (n, l) in lines[w[0]..w[1]].iter().enumerate() {
                    let rec = crate::model::line::parse_record(l.as_bytes()).unwrap();
                    ing.push(&rec, (w[0] + n) as u64 + 1, None);
                }
                ing.finish().0
            })
            .collect()
    }

    fn joined(mut parts: Vec<super::EventStore>) -> super::EventStore {
        let mut it = parts.drain(..);
        let mut w = it.next().unwrap_or_default();
        w.resolve_names();
        for p in it {
            w.append(p);
        }
        w
    }

    proptest! {
        /// A window fed chunks whose names were deferred holds the ids, the
        /// names and the key ids of one read of the whole stream.
        #[test]
        fn deferred_names_are_interned_as_read(
            recs in proptest::collection::vec(
                (proptest::option::weighted(0.9, 0..12u8),
                 proptest::option::of(proptest::option::weighted(0.3, 0..5u8))),
                0..60),
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
        ) {
            let lines: Vec<String> =
                recs.iter().enumerate().map(|(i, &(e, k))| line(i, e, k)).collect();
            let whole = joined(chunks(&lines, &[], false));
            let eager = joined(chunks(&lines, &cuts, false));
            let deferred = joined(chunks(&lines, &cuts, true));
            for w in [&eager, &deferred] {
                prop_assert_eq!(w.len(), lines.len());
                prop_assert_eq!(&w.entity, &whole.entity.to_vec());
                prop_assert_eq!(&w.key, &whole.key.to_vec());
                prop_assert_eq!(format!("{:?}", w.entities), format!("{:?}", whole.entities));
                prop_assert_eq!(format!("{:?}", w.keys), format!("{:?}", whole.keys));
                prop_assert_eq!(&w.flags, &whole.flags.to_vec());
            }
            // A key named after its entity is that entity's name.
            for (i, &(e, k)) in recs.iter().enumerate() {
                if let (Some(e), Some(None)) = (e, k) {
                    let name = format!("e{e}");
                    prop_assert_eq!(whole.key_name(i), Some(name.as_str()));
                }
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(Vec<u8>),
        Drop(usize),
        /// Clone, keep writing to the clone, and check the original is untouched.
        Fork(Vec<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => proptest::collection::vec(any::<u8>(), 0..6).prop_map(Op::Push),
            1 => (0..3000usize).prop_map(Op::Drop),
            1 => proptest::collection::vec(any::<u8>(), 0..6).prop_map(Op::Fork),
        ]
    }

    fn same(raw: &RawLines, model: &[Vec<u8>]) -> Result<(), TestCaseError> {
        prop_assert_eq!(raw.len(), model.len());
        for (i, m) in model.iter().enumerate() {
            prop_assert_eq!(raw.get(i), Some(m.as_slice()));
        }
        prop_assert_eq!(raw.get(model.len()), None);
        Ok(())
    }

    proptest! {
        /// RawLines behaves as a list of lines under pushes, front drops
        /// (across chunk boundaries) and clones that go on growing.
        #[test]
        fn raw_lines_are_a_list_of_lines(ops in proptest::collection::vec(op(), 0..40), bulk in 0..3000usize) {
            let mut raw = RawLines::default();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for i in 0..bulk {
                let line = i.to_string().into_bytes();
                raw.push(&line);
                model.push(line);
            }
            for op in ops {
                match op {
                    Op::Push(b) => {
                        raw.push(&b);
                        model.push(b);
                    }
                    Op::Drop(n) => {
                        raw.drop_front(n);
                        model.drain(..n.min(model.len()));
                    }
                    Op::Fork(b) => {
                        let mut copy = raw.clone();
                        copy.push(&b);
                        copy.drop_front(1);
                        same(&raw, &model)?;
                    }
                }
                same(&raw, &model)?;
            }
        }
    }
}
