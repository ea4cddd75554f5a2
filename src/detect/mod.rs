//! Stream findings (SPEC §7): what is true of the stream, whatever the
//! strategy. Detection is incremental (`observe` per event) so live views
//! and the report share it; `finish` adds the whole-stream findings. Reads the
//! store only, never a strategy's decisions (strategy findings are the
//! engine's). Core: must not import the terminal, tokio, rdkafka or an adapter
//! (`source`, `tui`, `cli`).

pub mod lag;
pub mod lag_trend;

use crate::model::partition::{InferenceBuilder, Partitioner};
use crate::model::slots::Slots;
use crate::model::{store::flag, EventStore, NONE, NO_VERSION};
use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;

/// Kinds of findings, stream and strategy.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    VersionGap,
    OutOfOrder,
    Duplicate,
    Phantom,
    SplitEntity,
    HotPartition,
    HotKey,
    ClockSkew,
    OffsetRegression,
    Unparsed,
    PartitionerMismatch,
    Rejected,
    Expired,
    DeadLettered,
    HolBlocking,
}

impl Kind {
    /// Every kind, stream kinds first.
    pub const ALL: [Kind; 15] = [
        Kind::VersionGap,
        Kind::OutOfOrder,
        Kind::Duplicate,
        Kind::Phantom,
        Kind::SplitEntity,
        Kind::HotPartition,
        Kind::HotKey,
        Kind::ClockSkew,
        Kind::OffsetRegression,
        Kind::Unparsed,
        Kind::PartitionerMismatch,
        Kind::Rejected,
        Kind::Expired,
        Kind::DeadLettered,
        Kind::HolBlocking,
    ];

    /// The report name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::VersionGap => "version_gap",
            Kind::OutOfOrder => "out_of_order",
            Kind::Duplicate => "duplicate",
            Kind::Phantom => "phantom",
            Kind::SplitEntity => "split_entity",
            Kind::HotPartition => "hot_partition",
            Kind::HotKey => "hot_key",
            Kind::ClockSkew => "clock_skew",
            Kind::OffsetRegression => "offset_regression",
            Kind::Unparsed => "unparsed",
            Kind::PartitionerMismatch => "partitioner_mismatch",
            Kind::Rejected => "rejected",
            Kind::Expired => "expired",
            Kind::DeadLettered => "dead_lettered",
            Kind::HolBlocking => "hol_blocking",
        }
    }

    /// Parses a report name (`unfilled_gap` counts as `version_gap`).
    pub fn parse(s: &str) -> Option<Kind> {
        if s == "unfilled_gap" {
            return Some(Kind::VersionGap);
        }
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the kind is decided by a strategy.
    pub fn is_strategy(self) -> bool {
        matches!(
            self,
            Kind::Rejected | Kind::Expired | Kind::DeadLettered | Kind::HolBlocking
        )
    }
}

/// A stream finding about one event (or a partition / key for hot ones).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamFinding {
    pub kind: Kind,
    /// Arrival index, when about one event.
    pub event: Option<u32>,
    pub partition: Option<u32>,
    pub detail: String,
}

/// Counts of stream findings.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StreamCounts {
    pub version_gap: u64,
    pub unfilled_gap: u64,
    pub out_of_order: u64,
    pub duplicate: u64,
    pub phantom: u64,
    pub split_entity: u64,
    pub clock_skew: u64,
    pub unparsed: u64,
    pub offset_regression: u64,
    pub partitioner_mismatch: u64,
}

/// 64 bytes, aligned to a cache line: one line to fetch per event (hence
/// [`Slots`]).
#[derive(Default, Clone)]
#[repr(align(64))]
struct EntityTrack {
    max_version: i64,
    max_time: i64,
    /// Versions seen.
    seen: RangeSet,
    /// Inline for the usual one or two: no pointer to chase per event.
    partitions: SmallVec<[u32; 2]>,
}
const _: () = assert!(size_of::<EntityTrack>() == 64);

#[derive(Default, Clone)]
struct PartitionTrack {
    last_offset: Option<i64>,
    seen: RangeSet,
    events: u64,
}

/// A set of integers kept as merged, sorted, inclusive ranges: offsets and
/// versions are mostly contiguous, so this stays a handful of ranges (the
/// first held inline: one range needs no allocation nor a pointer to chase).
#[derive(Default, Clone, Debug)]
pub struct RangeSet(SmallVec<[(i64, i64); 1]>);

impl RangeSet {
    /// Adds `x`; true if it was already there.
    pub fn insert(&mut self, x: i64) -> bool {
        let r = &mut self.0;
        let pos = r.partition_point(|r| r.1 < x);
        if r.get(pos).is_some_and(|r| r.0 <= x) {
            return true;
        }
        let joins_prev = pos > 0 && r[pos - 1].1 + 1 == x;
        let joins_next = r.get(pos).is_some_and(|r| r.0 - 1 == x);
        match (joins_prev, joins_next) {
            (true, true) => {
                r[pos - 1].1 = r[pos].1;
                r.remove(pos);
            }
            (true, false) => r[pos - 1].1 = x,
            (false, true) => r[pos].0 = x,
            (false, false) => r.insert(pos, (x, x)),
        }
        false
    }

    /// Whether `x` is in the set.
    pub fn contains(&self, x: i64) -> bool {
        let pos = self.0.partition_point(|r| r.1 < x);
        self.0.get(pos).is_some_and(|r| r.0 <= x)
    }
}

/// A version gap, kept until the end decides whether it was filled.
#[derive(Clone, Copy, Debug)]
struct Gap {
    event: u32,
    entity: u32,
    expected: i64,
    got: i64,
}

/// Incremental stream detector.
#[derive(Default)]
pub struct Detector {
    entities: Slots<EntityTrack>,
    partitions: Vec<PartitionTrack>,
    gaps: Vec<Gap>,
    creates: Vec<u32>,
    skew_ms: i64,
    pub counts: StreamCounts,
    /// Per-event findings in arrival order (gaps included when found): the
    /// first [`Detector::keep`] of them (counts stay exact).
    pub findings: Vec<StreamFinding>,
    /// Per-event findings found, kept or not.
    pub found: u64,
    keep: Option<usize>,
}

impl Detector {
    /// A detector; `creates` are the type ids that may start an entity.
    pub fn new(creates: Vec<u32>, skew_threshold_ms: u64) -> Detector {
        Detector {
            creates,
            skew_ms: skew_threshold_ms as i64,
            ..Detector::default()
        }
    }

    /// A detector configured from the store's lens names.
    pub fn for_store(store: &EventStore, lens: &crate::model::Lens) -> Detector {
        let creates = lens
            .creates
            .iter()
            .filter_map(|t| store.types.get(t))
            .collect();
        Detector::new(creates, lens.skew_threshold_ms)
    }

    /// Keeps only the first `n` per-event findings (the report lists no
    /// more); the counts stay exact.
    pub fn keep(&mut self, n: usize) {
        self.keep = Some(n);
    }

    fn push(&mut self, kind: Kind, i: usize, store: &EventStore, detail: String) {
        self.found += 1;
        if self.keep.is_some_and(|n| self.findings.len() >= n) {
            return;
        }
        self.findings.push(StreamFinding {
            kind,
            event: Some(i as u32),
            partition: Some(store.partition[i]),
            detail,
        });
    }

    /// Warms the tracks of `entities`, a few events before they are
    /// observed ([`crate::model::warm`]).
    #[inline]
    pub fn warm(&self, entities: &[u32]) {
        self.entities.warm(entities.iter().copied());
    }

    /// Looks at events `from..to`, in order, warming their tracks ahead.
    pub fn observe_range(&mut self, store: &EventStore, from: usize, to: usize) {
        for i in from..to {
            if (i - from) % crate::model::AHEAD == 0 {
                self.warm(store.entity.ahead(i, to));
            }
            self.observe(store, i);
        }
    }

    /// Looks at event `i` (called in arrival order).
    pub fn observe(&mut self, store: &EventStore, i: usize) {
        let p = store.partition[i] as usize;
        let dup_offset = self.observe_offset(store, i, p);
        if store.flags[i] & flag::UNPARSED != 0 {
            self.unparsed(store, i);
            return;
        }
        self.observe_clock(store, i);
        let e = store.entity[i] as usize;
        self.observe_placement(store, i, e, p);
        self.observe_version(store, i, e, dup_offset);
    }

    /// Event `i`'s offset in partition `p`: a regression or a duplicate
    /// offset. Whether the offset was seen before.
    #[inline]
    fn observe_offset(&mut self, store: &EventStore, i: usize, p: usize) -> bool {
        if self.partitions.len() <= p {
            self.partitions.resize_with(p + 1, PartitionTrack::default);
        }
        let offset = store.offset[i];
        let pt = &mut self.partitions[p];
        pt.events += 1;
        let regression = pt.last_offset.filter(|&last| offset < last);
        pt.last_offset = Some(offset);
        let dup_offset = pt.seen.insert(offset);
        if let Some(last) = regression {
            self.counts.offset_regression += 1;
            self.push(
                Kind::OffsetRegression,
                i,
                store,
                format!(
                    "offset {offset} after {last} in partition {}",
                    store.partition_number(p as u32)
                ),
            );
        }
        if dup_offset {
            self.counts.duplicate += 1;
            self.push(
                Kind::Duplicate,
                i,
                store,
                format!(
                    "partition {} offset {offset} seen before",
                    store.partition_number(p as u32)
                ),
            );
        }
        dup_offset
    }

    /// Event `i` could not be read through the lens: why.
    fn unparsed(&mut self, store: &EventStore, i: usize) {
        self.counts.unparsed += 1;
        let why = if let Some(r) = store.undecoded_reason(i) {
            r
        } else if store.flags[i] & flag::BINARY != 0 {
            "payload is not UTF-8"
        } else if store.flags[i] & flag::TOMBSTONE != 0 {
            "tombstone: the lens reads the entity from the payload"
        } else {
            "the lens cannot read the entity (payload not JSON or field missing)"
        };
        self.push(Kind::Unparsed, i, store, why.into());
    }

    /// Clock skew: event `i`'s own time far from its broker timestamp.
    #[inline]
    fn observe_clock(&mut self, store: &EventStore, i: usize) {
        let flags = store.flags[i];
        if flags & flag::OWN_TIME != 0 && flags & flag::HAS_TS != 0 {
            let skew = store.time[i] - store.ts[i];
            if skew.abs() > self.skew_ms {
                self.counts.clock_skew += 1;
                self.push(
                    Kind::ClockSkew,
                    i,
                    store,
                    format!("event time is {skew} ms from the broker timestamp"),
                );
            }
        }
    }

    /// Where entity `e` shows up: a phantom (its first event not of a
    /// creating type) and a split entity (a second partition, `p`).
    #[inline]
    fn observe_placement(&mut self, store: &EventStore, i: usize, e: usize, p: usize) {
        let first = self.entities.len() <= e || self.entities[e].partitions.is_empty();
        self.entities.grow_to(e, || EntityTrack {
            max_time: i64::MIN,
            ..EntityTrack::default()
        });
        if first && !self.creates.is_empty() {
            let t = store.etype[i];
            if !self.creates.contains(&t) {
                self.counts.phantom += 1;
                let ty = if t == NONE {
                    "(no type)"
                } else {
                    store.types.name(t)
                };
                self.push(
                    Kind::Phantom,
                    i,
                    store,
                    format!("first event of the entity is {ty}, not a creating type"),
                );
            }
        }
        let et = &mut self.entities[e];
        if !et.partitions.contains(&(p as u32)) {
            et.partitions.push(p as u32);
            if et.partitions.len() == 2 {
                let firstp = et.partitions[0];
                self.counts.split_entity += 1;
                self.push(
                    Kind::SplitEntity,
                    i,
                    store,
                    format!(
                        "entity seen in partition {} and now in {}",
                        store.partition_number(firstp),
                        store.partition_number(p as u32)
                    ),
                );
            }
        }
    }

    /// Entity `e`'s order: by version (a duplicate not already counted by
    /// its offset, out of order, a gap), else by event time.
    #[inline]
    fn observe_version(&mut self, store: &EventStore, i: usize, e: usize, dup_offset: bool) {
        let et = &mut self.entities[e];
        let v = store.version[i];
        let time = store.time[i];
        if v != NO_VERSION {
            let max = et.max_version;
            let dup = et.seen.insert(v);
            if dup {
                if !dup_offset {
                    self.counts.duplicate += 1;
                    self.push(Kind::Duplicate, i, store, format!("version {v} again"));
                }
            } else if v < max {
                self.counts.out_of_order += 1;
                self.push(
                    Kind::OutOfOrder,
                    i,
                    store,
                    format!("version {v} after version {max}"),
                );
            } else if v > max + 1 {
                let gap = Gap {
                    event: i as u32,
                    entity: e as u32,
                    expected: max + 1,
                    got: v,
                };
                self.gaps.push(gap);
                self.counts.version_gap += 1;
                self.push(
                    Kind::VersionGap,
                    i,
                    store,
                    format!("expected version {}, got {v}", max + 1),
                );
            }
            let et = &mut self.entities[e];
            et.max_version = et.max_version.max(v);
        } else if time < et.max_time {
            self.counts.out_of_order += 1;
            let behind = et.max_time - time;
            self.push(
                Kind::OutOfOrder,
                i,
                store,
                format!("event time {behind} ms older than one already arrived"),
            );
        }
        let et = &mut self.entities[e];
        et.max_time = et.max_time.max(time);
    }

    /// Gaps whose missing versions never arrived (event index, missing range).
    pub fn unfilled(&self) -> Vec<(u32, i64, i64)> {
        self.gaps
            .iter()
            .filter_map(|g| {
                let seen = &self.entities[g.entity as usize].seen;
                let missing = (g.expected..g.got).find(|&v| !seen.contains(v))?;
                Some((g.event, missing, g.got))
            })
            .collect()
    }

    /// The partitions each entity was seen in.
    pub fn entity_partitions(&self, entity: u32) -> &[u32] {
        self.entities
            .get(entity as usize)
            .map_or(&[], |e| e.partitions.as_slice())
    }

    /// Whole-stream results: unfilled gaps, load, hot partitions and keys.
    pub fn finish(&mut self, store: &EventStore) -> Load {
        self.finish_gaps();
        let (partitioner, mismatches) = partitioner_findings(store);
        self.counts.partitioner_mismatch = mismatches.len() as u64;
        self.found += mismatches.len() as u64;
        if !mismatches.is_empty() {
            self.findings.extend(mismatches);
            self.findings.sort_by_key(|f| f.event);
        }
        let mut l = load(store);
        l.partitioner = partitioner;
        l
    }

    /// Counts the gaps never filled and says so in their findings.
    pub fn finish_gaps(&mut self) {
        let unfilled = self.unfilled();
        self.counts.unfilled_gap = unfilled.len() as u64;
        for (ev, missing, got) in unfilled {
            // Findings are in arrival order: find the gap's by binary search.
            let from = self.findings.partition_point(|f| f.event < Some(ev));
            if let Some(f) = self.findings[from..]
                .iter_mut()
                .take_while(|f| f.event == Some(ev))
                .find(|f| f.kind == Kind::VersionGap)
            {
                f.detail = format!("unfilled: version {missing} never arrived (got {got})");
            }
        }
    }
}

/// Which partitioner wrote the recorded keys, and the records it does not
/// explain (`partitioner_mismatch`). Mismatches are only reported when one
/// partitioner explains most keyed records (else the producer chose
/// partitions some other way and nothing is inferred).
pub fn partitioner_findings(store: &EventStore) -> (Option<Partitioner>, Vec<StreamFinding>) {
    let n = store.partitions;
    // Renumbered partitions (sparse, huge numbers) say nothing a
    // partitioner could explain.
    if n < 2 || store.partition_ids.is_some() {
        return (None, Vec::new());
    }
    let mut b = InferenceBuilder::new(n);
    for i in 0..store.len() {
        let key = store.key_name(i).map(str::as_bytes);
        b.push(i, key, store.partition[i]);
    }
    let inf = b.finish();
    let Some((best, _)) = inf.trusted() else {
        return (None, Vec::new());
    };
    let findings = inf
        .mismatches
        .iter()
        .map(|&i| {
            let key = store.key_name(i).unwrap_or("");
            let p = store.partition[i];
            let other = Partitioner::ALL
                .iter()
                .find(|q| **q != best && q.partition(key.as_bytes(), n) == p)
                .map_or(String::from("no known partitioner explains it"), |q| {
                    format!("{} explains it", q.name())
                });
            StreamFinding {
                kind: Kind::PartitionerMismatch,
                event: Some(i as u32),
                partition: Some(p),
                detail: format!(
                    "key {key:?} is in partition {p}; {} (which wrote most keys) puts it in {}; {other}",
                    best.name(),
                    best.partition(key.as_bytes(), n)
                ),
            }
        })
        .collect();
    (Some(best), findings)
}

/// Per-partition load and the hot partitions and keys.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Load {
    /// The partitioner inferred from recorded keys, when one explains most.
    pub partitioner: Option<Partitioner>,
    pub partition_events: Vec<u64>,
    pub hot_partitions: Vec<u32>,
    /// (key id, partition, events)
    pub hot_keys: Vec<(u32, u32, u64)>,
}

/// Minimum events for a partition to count as hot.
pub const HOT_MIN_EVENTS: u64 = 100;

/// Computes partition load, hot partitions (share >= 2x fair, >= 100 events)
/// and hot keys (one key with at least half of a hot partition).
pub fn load(store: &EventStore) -> Load {
    let mut c = LoadCounter::new(store.partitions);
    for i in store.first_kept()..store.len() {
        c.observe(store, i);
    }
    c.finish()
}

/// [`load`] counted event by event (the streaming analysis).
#[derive(Clone, Debug, Default)]
pub struct LoadCounter {
    events: Vec<u64>,
    /// Events per (partition, key).
    keyed: HashMap<(u32, u32), u64>,
    /// Count per key too (for the hot keys).
    keys: bool,
}

impl LoadCounter {
    /// A counter for `partitions` partitions.
    pub fn new(partitions: u32) -> LoadCounter {
        LoadCounter {
            events: vec![0; partitions.max(1) as usize],
            keyed: HashMap::default(),
            keys: true,
        }
    }

    /// A counter of partitions only: it finds hot partitions, not hot keys
    /// (for a reader that needs the whole stream once a partition is hot).
    pub fn partitions_only(partitions: u32) -> LoadCounter {
        LoadCounter {
            keys: false,
            ..LoadCounter::new(partitions)
        }
    }

    /// Counts event `i`.
    #[inline]
    pub fn observe(&mut self, store: &EventStore, i: usize) {
        let p = store.partition[i];
        if let Some(x) = self.events.get_mut(p as usize) {
            *x += 1;
            let k = store.key[i];
            if self.keys && k != NONE {
                *self.keyed.entry((p, k)).or_insert(0) += 1;
            }
        }
    }

    /// The load of the events counted.
    pub fn finish(self) -> Load {
        let events = self.events;
        let p_n = events.len();
        let total: u64 = events.iter().sum();
        let mut hot = Vec::new();
        if p_n >= 2 && total > 0 {
            for (p, &c) in events.iter().enumerate() {
                let share = c as f64 / total as f64;
                if c >= HOT_MIN_EVENTS && share >= 2.0 / p_n as f64 {
                    hot.push(p as u32);
                }
            }
        }
        let mut hot_keys = Vec::new();
        if !hot.is_empty() {
            for (&(p, k), &c) in &self.keyed {
                if hot.contains(&p) && c * 2 >= events[p as usize] {
                    hot_keys.push((k, p, c));
                }
            }
            hot_keys.sort_by_key(|&(k, p, c)| (std::cmp::Reverse(c), p, k));
        }
        Load {
            partitioner: None,
            partition_events: events,
            hot_partitions: hot,
            hot_keys,
        }
    }
}

/// What the advisor and the report read of the whole stream beyond the
/// findings: how many events have an entity, a version, their own time;
/// whether event types write disjoint fields; events per entity. Counted
/// event by event, so the streaming analysis and a whole store agree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamFacts {
    pub events: u64,
    pub parsed: u64,
    pub versioned: u64,
    pub own_time: u64,
    /// Events per entity id (when counted: [`StreamFacts::per_entity`]).
    pub entity_events: Vec<u64>,
    per_entity: bool,
    /// The lens says what each type writes (then fields count as independent).
    lww_sets: bool,
    /// Fields written per type id (without `lww_sets`).
    writes_by_type: HashMap<u32, rustc_hash::FxHashSet<u32>>,
}

impl StreamFacts {
    /// Facts about no event yet, for a store with `lww_sets` or without.
    pub fn new(store: &EventStore) -> StreamFacts {
        StreamFacts {
            lww_sets: !store.lww_sets.is_empty(),
            per_entity: true,
            ..StreamFacts::default()
        }
    }

    /// Whether to count events per entity (only `--state` shows them).
    pub fn per_entity(mut self, yes: bool) -> StreamFacts {
        self.per_entity = yes;
        self
    }

    /// The facts of every event of a store.
    pub fn of(store: &EventStore) -> StreamFacts {
        let mut f = StreamFacts::new(store);
        for i in store.first_kept()..store.len() {
            f.observe(store, i);
        }
        f
    }

    /// Counts event `i`.
    #[inline]
    pub fn observe(&mut self, store: &EventStore, i: usize) {
        self.events += 1;
        let fl = store.flags[i];
        if fl & flag::UNPARSED == 0 {
            self.parsed += 1;
        }
        if store.version[i] != NO_VERSION {
            self.versioned += 1;
        }
        if fl & flag::OWN_TIME != 0 {
            self.own_time += 1;
        }
        let e = store.entity[i];
        if self.per_entity && e != NONE {
            let e = e as usize;
            if self.entity_events.len() <= e {
                self.entity_events.resize(e + 1, 0);
            }
            self.entity_events[e] += 1;
        }
        if !self.lww_sets {
            let set = self.writes_by_type.entry(store.etype[i]).or_default();
            set.extend(store.writes_of(i).iter().map(|w| w.0));
        }
    }

    /// Whether event types write disjoint sets of fields (so per-field
    /// merges are safe).
    pub fn fields_independent(&self) -> bool {
        if self.lww_sets {
            return true;
        }
        let sets: Vec<_> = self.writes_by_type.values().collect();
        sets.iter()
            .enumerate()
            .all(|(i, a)| sets[i + 1..].iter().all(|b| a.is_disjoint(b)))
    }
}
