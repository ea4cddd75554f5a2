//! What the views read, computed once off the UI loop: the stream (store,
//! findings, per-entity and per-partition indexes), one strategy's decision
//! log in compact columns with snapshots for seeking, and the compare table.
//! Nothing here knows about terminals.

use crate::detect::{Detector, Kind, Load};
use crate::engine::{analyze_with, sim_config_with, Options, SimOptions};
use crate::model::{EventStore, Lens, Outcome, NONE};
use crate::report::advisor::{advise, Advice};
use crate::sim::whatif::{repartition, WhatIf};
use crate::sim::{simulate, Delivery, Generation, HolBlock, SimResult};
use crate::source::Loaded;
use crate::strategy::{Decision, EntityState, Reason, Rule, Runner, StrategyKind};
use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Per-event stream-finding bits (for highlights).
pub mod mark {
    pub const GAP: u8 = 1;
    pub const OUT_OF_ORDER: u8 = 2;
    pub const DUPLICATE: u8 = 4;
    pub const PHANTOM: u8 = 8;
    pub const SPLIT: u8 = 16;
    pub const SKEW: u8 = 32;
    pub const OTHER: u8 = 64;
}

/// A finding placed on the timeline: `at` is where it happens (the cursor
/// index), `event` the event it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: u32,
    pub event: u32,
    pub kind: Kind,
    pub detail: String,
}

/// The stream as the views need it. Built once per load.
pub struct Dataset {
    /// What was loaded (file name or `demo: SCENARIO`).
    pub source: String,
    pub note: Option<String>,
    pub store: EventStore,
    pub lens: Lens,
    /// Strategies offered (the built-ins, plus hybrid when the lens has one).
    pub strategies: Vec<StrategyKind>,
    /// The strategy to show first.
    pub default_strategy: StrategyKind,
    /// Consumers asked for on the command line.
    pub consumers: Option<u32>,
    /// Events of entity `e`: `ent_events[ent_start[e]..ent_start[e+1]]`, ascending.
    pub ent_start: Vec<u32>,
    pub ent_events: Vec<u32>,
    /// Events of partition `p`, likewise.
    pub part_start: Vec<u32>,
    pub part_events: Vec<u32>,
    /// Stream findings per entity.
    pub ent_findings: Vec<u32>,
    /// Entity flags (`mark::SPLIT`, `mark::PHANTOM`, `mark::GAP`).
    pub ent_marks: Vec<u8>,
    /// Stream-finding bits per event.
    pub marks: Vec<u8>,
    /// Stream findings, by `at`.
    pub stream_markers: Vec<Marker>,
    pub load: Load,
    /// Unfilled gaps: (event, missing version).
    pub unfilled: Vec<(u32, i64)>,
    /// Where the inspector reads raw records when the store does not keep
    /// them: an uncompressed file and the byte offset of each line's start.
    pub raw_file: Option<(PathBuf, Vec<u64>)>,
    /// Under a re-partitioning what-if: each event's recorded partition and
    /// offset (the store holds the what-if's).
    pub recorded_at: Option<(Vec<u32>, Vec<i64>)>,
}

fn csr(n_groups: usize, groups: impl Iterator<Item = u32>, len: usize) -> (Vec<u32>, Vec<u32>) {
    let groups: Vec<u32> = groups.collect();
    let mut start = vec![0u32; n_groups + 1];
    for &g in &groups {
        if (g as usize) < n_groups {
            start[g as usize + 1] += 1;
        }
    }
    for i in 0..n_groups {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut events = vec![0u32; start[n_groups] as usize];
    for (i, &g) in groups.iter().enumerate().take(len) {
        if (g as usize) < n_groups {
            events[fill[g as usize] as usize] = i as u32;
            fill[g as usize] += 1;
        }
    }
    (start, events)
}

impl Dataset {
    /// Indexes a loaded stream and runs the stream detectors.
    pub fn build(loaded: Loaded, source: String, consumers: Option<u32>) -> Dataset {
        let Loaded {
            store,
            lens,
            header,
            ..
        } = loaded;
        let n = store.len();
        let n_ent = store.entity_count();
        let (ent_start, ent_events) = csr(n_ent, store.entity.iter().copied(), n);
        let n_part = store.partitions.max(1) as usize;
        let (part_start, part_events) = csr(n_part, store.partition.iter().copied(), n);
        let mut det = Detector::for_store(&store, &lens);
        for i in 0..n {
            det.observe(&store, i);
        }
        let load = det.finish(&store);
        let unfilled = det
            .unfilled()
            .into_iter()
            .map(|(e, missing, _)| (e, missing))
            .collect();
        let mut marks = vec![0u8; n];
        let mut ent_findings = vec![0u32; n_ent];
        let mut ent_marks = vec![0u8; n_ent];
        let mut stream_markers = Vec::with_capacity(det.findings.len());
        for f in &det.findings {
            let Some(ev) = f.event else { continue };
            let bit = match f.kind {
                Kind::VersionGap => mark::GAP,
                Kind::OutOfOrder => mark::OUT_OF_ORDER,
                Kind::Duplicate => mark::DUPLICATE,
                Kind::Phantom => mark::PHANTOM,
                Kind::SplitEntity => mark::SPLIT,
                Kind::ClockSkew => mark::SKEW,
                _ => mark::OTHER,
            };
            if let Some(m) = marks.get_mut(ev as usize) {
                *m |= bit;
            }
            let e = store.entity.get(ev as usize).copied().unwrap_or(NONE);
            if let Some(c) = ent_findings.get_mut(e as usize) {
                *c += 1;
            }
            if let Some(m) = ent_marks.get_mut(e as usize) {
                *m |= bit & (mark::SPLIT | mark::PHANTOM | mark::GAP);
            }
            stream_markers.push(Marker {
                at: ev,
                event: ev,
                kind: f.kind,
                detail: f.detail.clone(),
            });
        }
        stream_markers.sort_by_key(|m| m.at);
        let strategies = StrategyKind::all_for(&lens);
        let default_strategy = StrategyKind::default_for(&lens);
        Dataset {
            source,
            note: header.and_then(|h| h.note),
            store,
            lens,
            strategies,
            default_strategy,
            consumers,
            ent_start,
            ent_events,
            part_start,
            part_events,
            ent_findings,
            ent_marks,
            marks,
            stream_markers,
            load,
            unfilled,
            raw_file: None,
            recorded_at: None,
        }
    }

    /// The same stream laid out by a re-partitioning what-if: every event
    /// keeps its arrival index (so the cursor means the same event), only
    /// its partition changes.
    pub fn what_if(&self, w: &WhatIf) -> Dataset {
        let mut store = repartition(&self.store, w);
        store.raw = self.store.raw.clone();
        let loaded = Loaded {
            store,
            lens: self.lens.clone(),
            header: None,
            skipped: 0,
            first_skipped: Vec::new(),
        };
        let mut ds = Dataset::build(loaded, self.source.clone(), self.consumers);
        ds.note = self.note.clone();
        ds.raw_file = self.raw_file.clone();
        ds.recorded_at = Some(
            self.recorded_at
                .clone()
                .unwrap_or_else(|| (self.store.partition.clone(), self.store.offset.clone())),
        );
        ds
    }

    /// Fixes for the hot partitions, each measured by re-partitioning (the
    /// report's suggestions), best spread first.
    pub fn suggestions(&self) -> Vec<crate::report::whatif::Suggestion> {
        let mut list = crate::report::whatif::suggestions(&self.store, &self.load);
        list.sort_by(|a, b| a.max_share.total_cmp(&b.max_share));
        list
    }

    /// Indexes the lines of an uncompressed recording so the inspector can
    /// read one record on demand instead of keeping every record in memory.
    /// Reads at most about `limit` bytes.
    pub fn index_lines(path: &Path, limit: u64) -> std::io::Result<Vec<u64>> {
        let mut f = std::fs::File::open(path)?;
        let mut starts = vec![0u64];
        let mut buf = vec![0u8; 1 << 20];
        let mut pos = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            for (i, &b) in buf[..n].iter().enumerate() {
                if b == b'\n' {
                    starts.push(pos + i as u64 + 1);
                }
            }
            pos += n as u64;
            if pos >= limit {
                return Ok(starts);
            }
        }
        if starts.last() != Some(&pos) {
            starts.push(pos);
        }
        Ok(starts)
    }

    /// The raw text of event `i`: kept in the store, or read from the file.
    pub fn raw_record(&self, i: usize) -> Option<Vec<u8>> {
        if let Some(raw) = &self.store.raw {
            return raw.get(i).map(<[u8]>::to_vec);
        }
        let (path, starts) = self.raw_file.as_ref()?;
        let line = *self.store.line.get(i)? as usize;
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = *starts.get(line)?;
        let mut f = std::fs::File::open(path).ok()?;
        f.seek(std::io::SeekFrom::Start(start)).ok()?;
        let mut buf = vec![0u8; end.checked_sub(start)?.min(64 << 20) as usize];
        f.read_exact(&mut buf).ok()?;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Some(buf)
    }

    /// The recorded partition and offset of an event (under a what-if, not
    /// the store's).
    pub fn recorded_position(&self, i: usize) -> Option<(u32, i64)> {
        match &self.recorded_at {
            Some((p, o)) => Some((*p.get(i)?, *o.get(i)?)),
            None => Some((*self.store.partition.get(i)?, *self.store.offset.get(i)?)),
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the stream has no events.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The events of an entity, ascending.
    pub fn entity_events(&self, e: u32) -> &[u32] {
        let a = self.ent_start.get(e as usize).copied().unwrap_or(0) as usize;
        let b = self.ent_start.get(e as usize + 1).copied().unwrap_or(0) as usize;
        self.ent_events.get(a..b).unwrap_or(&[])
    }

    /// The events of a partition, ascending.
    pub fn partition_events(&self, p: u32) -> &[u32] {
        let a = self.part_start.get(p as usize).copied().unwrap_or(0) as usize;
        let b = self.part_start.get(p as usize + 1).copied().unwrap_or(0) as usize;
        self.part_events.get(a..b).unwrap_or(&[])
    }

    /// Number of events of partition `p` at or before the cursor.
    pub fn partition_events_upto(&self, p: u32, cursor: usize) -> usize {
        self.partition_events(p)
            .partition_point(|&e| e as usize <= cursor)
    }
}

/// What the simulation is asked for: the consumer count, and the membership
/// changes and delivery model (from the command line and the consumers keys).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimSettings {
    /// None: the lens's or SPEC's default.
    pub consumers: Option<u32>,
    pub opts: SimOptions,
}

impl SimSettings {
    /// Just a consumer count.
    pub fn consumers(consumers: Option<u32>) -> SimSettings {
        SimSettings {
            consumers,
            opts: SimOptions::default(),
        }
    }
}

/// The simulation of one delivery model, with HOL blocks indexed.
pub struct SimView {
    pub delivery: Delivery,
    pub consumers: u32,
    pub sim: SimResult,
    /// HOL block of an event, by event index.
    pub block_of: HashMap<u32, HolBlock>,
    /// Events each blocker held up.
    pub blocked_by: HashMap<u32, Vec<u32>>,
}

impl SimView {
    /// Simulates `kind`'s delivery model.
    pub fn build(ds: &Dataset, kind: StrategyKind, settings: &SimSettings) -> SimView {
        let cfg = sim_config_with(
            &ds.store,
            &ds.lens,
            kind,
            settings.consumers.or(ds.consumers),
            &settings.opts,
        );
        let sim = simulate(&ds.store, &cfg);
        let mut block_of = HashMap::new();
        let mut blocked_by: HashMap<u32, Vec<u32>> = HashMap::new();
        for b in &sim.blocks {
            block_of.insert(b.event, *b);
            blocked_by.entry(b.blocker).or_default().push(b.event);
        }
        SimView {
            delivery: cfg.delivery,
            consumers: cfg.consumers,
            sim,
            block_of,
            blocked_by,
        }
    }

    /// The consumer owning a partition (0 for sequential delivery) after
    /// the last rebalance.
    pub fn owner(&self, p: u32) -> u32 {
        match self.delivery {
            Delivery::Sequential => 0,
            Delivery::Partitioned => self.sim.owner.get(p as usize).copied().unwrap_or(0),
        }
    }

    /// The group's generation in force when the event at `cursor` arrives
    /// (None for sequential delivery and the per-entity delivery models).
    pub fn generation_at(&self, cursor: usize) -> Option<&Generation> {
        let g = &self.sim.generations;
        let k = g.partition_point(|g| g.at as usize <= cursor);
        g.get(k.checked_sub(1)?)
    }

    /// The consumer owning a partition as of the cursor (`u32::MAX`: nobody).
    pub fn owner_at(&self, p: u32, cursor: usize) -> u32 {
        match self.generation_at(cursor) {
            Some(g) => g.owner.get(p as usize).copied().unwrap_or(u32::MAX),
            None => self.owner(p),
        }
    }

    /// Events of partition `p` that arrived by the cursor but had not started
    /// by the cursor's arrival time (the simulated lag).
    pub fn lag(&self, ds: &Dataset, p: u32, cursor: usize) -> usize {
        let Some(&now) = ds.store.arrival.get(cursor) else {
            return 0;
        };
        let evs = ds.partition_events(p);
        let upto = evs.partition_point(|&e| e as usize <= cursor);
        // Within one partition queue, start times never decrease.
        let started = evs[..upto].partition_point(|&e| {
            self.sim.start.get(e as usize).copied().unwrap_or(i64::MIN) <= now
        });
        upto - started
    }
}

/// Sentinel: the event has one decision only.
pub const NO_LATER: u32 = u32::MAX;

/// One strategy's decision log in compact columns, with snapshots of the
/// runner every `k` events so any cursor is a bounded replay away.
pub struct StrategyView {
    pub kind: StrategyKind,
    /// The first decision's outcome per event.
    pub first: Vec<Outcome>,
    /// The later decision (release, expiry, skip from the buffer), if any.
    pub later: Vec<Outcome>,
    /// Where the later decision happened (`NO_LATER` if none).
    pub later_at: Vec<u32>,
    /// `snapshots[j]` is the runner before event `j * k`.
    pub snapshots: Vec<Runner>,
    pub k: usize,
    pub counts: [u64; 7],
    /// Stream and strategy findings together, by `at`.
    pub markers: Vec<Marker>,
    /// Losses (rejected, expired, dead-lettered) per entity, for sorting.
    pub ent_losses: Vec<u32>,
    pub sim: Arc<SimView>,
    pub state_names: Vec<String>,
    pub rule: Arc<dyn Rule>,
    pub timeout_ms: u64,
}

/// Memory the snapshots may take, roughly.
const SNAPSHOT_BUDGET_BYTES: usize = 64 << 20;

/// Snapshot spacing for `n` events over `entities` entities: as many
/// snapshots as fit the budget (2 to 64), never closer than 2048 events.
/// Most seeks replay one entity's events and need no snapshot; snapshots
/// serve entities with more events than the spacing (hot keys).
pub fn snapshot_every(n: usize, entities: usize) -> usize {
    let per = entities.max(1) * 160;
    let count = (SNAPSHOT_BUDGET_BYTES / per).clamp(2, 64);
    (n / count).max(2048)
}

impl StrategyView {
    /// Runs `kind` over the stream once, keeping the log and snapshots.
    pub fn build(ds: &Dataset, kind: StrategyKind, consumers: Option<u32>) -> StrategyView {
        StrategyView::build_sim(ds, kind, &SimSettings::consumers(consumers))
    }

    /// As [`StrategyView::build`], with membership changes and a delivery model.
    pub fn build_sim(ds: &Dataset, kind: StrategyKind, settings: &SimSettings) -> StrategyView {
        let sim = Arc::new(SimView::build(ds, kind, settings));
        Self::build_with_sim(ds, kind, sim)
    }

    /// As [`StrategyView::build`], reusing a simulation of the same delivery.
    pub fn build_with_sim(ds: &Dataset, kind: StrategyKind, sim: Arc<SimView>) -> StrategyView {
        let store = &ds.store;
        let n = store.len();
        let k = snapshot_every(n, store.entity_count());
        let rule: Arc<dyn Rule> = Arc::from(crate::strategy::rule_for(kind, &ds.lens, store));
        let state_names = rule.state_names();
        let mut runner = Runner::new(rule.clone(), ds.lens.buffer_timeout_ms);
        let mut first = vec![Outcome::Skipped; n];
        let mut later = vec![Outcome::Skipped; n];
        let mut later_at = vec![NO_LATER; n];
        let mut markers = Vec::new();
        let mut ent_losses = vec![0u32; store.entity_count()];
        let mut snapshots = Vec::with_capacity(n / k + 1);
        for i in 0..n {
            if i % k == 0 {
                snapshots.push(runner.clone());
            }
            runner.step(store, i, &mut |d: Decision| {
                let ev = d.event as usize;
                if d.at == d.event {
                    first[ev] = d.outcome;
                    later[ev] = d.outcome;
                } else {
                    later[ev] = d.outcome;
                    later_at[ev] = d.at;
                }
                let kind = match d.outcome {
                    Outcome::Rejected => Kind::Rejected,
                    Outcome::Expired => Kind::Expired,
                    Outcome::DeadLettered => Kind::DeadLettered,
                    _ => return,
                };
                if let Some(c) = store
                    .entity
                    .get(ev)
                    .and_then(|&e| ent_losses.get_mut(e as usize))
                {
                    *c += 1;
                }
                markers.push(Marker {
                    at: d.at,
                    event: d.event,
                    kind,
                    detail: d.reason.describe(&state_names),
                });
            });
        }
        for b in &sim.sim.blocks {
            markers.push(Marker {
                at: b.event,
                event: b.event,
                kind: Kind::HolBlocking,
                detail: format!(
                    "waited {} ms behind other entities; blocker #{} ({})",
                    b.hol_ms,
                    b.blocker,
                    store.entity_name(b.blocker as usize)
                ),
            });
        }
        markers.extend(ds.stream_markers.iter().cloned());
        markers.sort_by_key(|m| m.at);
        StrategyView {
            kind,
            first,
            later,
            later_at,
            snapshots,
            k,
            counts: runner.counts,
            markers,
            ent_losses,
            sim,
            state_names,
            rule,
            timeout_ms: ds.lens.buffer_timeout_ms,
        }
    }

    /// The outcome of event `e` as of cursor `c` (None if it has not arrived).
    pub fn outcome_at(&self, e: usize, c: usize) -> Option<Outcome> {
        if e > c {
            return None;
        }
        let la = *self.later_at.get(e)?;
        if la != NO_LATER && la as usize <= c {
            self.later.get(e).copied()
        } else {
            self.first.get(e).copied()
        }
    }

    /// The runner as it was just after event `c` (bounded replay from a snapshot).
    pub fn runner_after(&self, store: &EventStore, c: usize) -> Option<Runner> {
        let target = (c + 1).min(store.len());
        let j = (target / self.k).min(self.snapshots.len().checked_sub(1)?);
        let mut r = self.snapshots.get(j)?.clone();
        for i in j * self.k..target {
            r.step(store, i, &mut |_| {});
        }
        Some(r)
    }

    /// The decisions about event `e` made at or before cursor `c`, with
    /// reasons, and those that processing `e` made about other events
    /// (releases and expiries it caused).
    pub fn decisions_of(&self, store: &EventStore, e: usize, c: usize) -> Vec<Decision> {
        let mut out = Vec::new();
        if e > c || e >= store.len() {
            return out;
        }
        let mut at_points = vec![e];
        if let Some(&la) = self.later_at.get(e) {
            if la != NO_LATER && la as usize <= c {
                at_points.push(la as usize);
            }
        }
        for at in at_points {
            let j = (at / self.k).min(self.snapshots.len().saturating_sub(1));
            let Some(snap) = self.snapshots.get(j) else {
                continue;
            };
            let mut r = snap.clone();
            for i in j * self.k..=at {
                r.step(store, i, &mut |d: Decision| {
                    let about = d.event as usize == e && d.at as usize == at;
                    let caused = at == e && d.at as usize == e && d.event as usize != e;
                    if about || caused {
                        out.push(d);
                    }
                });
            }
        }
        out
    }

    /// Everything the inspector needs about event `e` as of cursor `c`: the
    /// decisions about it, those its processing made about other events,
    /// and its entity's state. Rules decide per entity, so replaying only
    /// the entity's events gives the same states and decisions (expiries
    /// are placed where the full run put them, from the compact log); an
    /// entity with more events than the snapshot spacing replays from the
    /// nearest snapshot instead.
    pub fn inspect(
        &self,
        ds: &Dataset,
        e: usize,
        c: usize,
    ) -> (Vec<Decision>, Vec<Decision>, Option<EntityState>) {
        let store = &ds.store;
        let Some(&entity) = store.entity.get(e) else {
            return (Vec::new(), Vec::new(), None);
        };
        if e > c {
            return (Vec::new(), Vec::new(), None);
        }
        let evs = ds.entity_events(entity);
        let upto = &evs[..evs.partition_point(|&i| i as usize <= c)];
        let (mut about, mut caused, state) = if entity == NONE || upto.len() > self.k {
            let all = self.decisions_of(store, e, c);
            let (a, b): (Vec<Decision>, Vec<Decision>) =
                all.into_iter().partition(|d| d.event as usize == e);
            let st = (entity != NONE)
                .then(|| self.state_after(store, entity, c))
                .flatten();
            (a, b, st)
        } else {
            let mut r = Runner::new(self.rule.clone(), self.timeout_ms);
            let mut about = Vec::new();
            let mut caused = Vec::new();
            for &i in upto {
                r.step(store, i as usize, &mut |d: Decision| {
                    if d.event as usize == e {
                        about.push(d);
                    } else if d.at as usize == e && d.outcome != Outcome::Expired {
                        caused.push(d);
                    }
                });
            }
            (about, caused, Some(r.state(entity)))
        };
        // Expiries happen at whichever event's arrival crosses the timeout:
        // take them from the full run's log.
        about.retain(|d| d.outcome != Outcome::Expired);
        if let (Some(&la), Some(&Outcome::Expired)) = (self.later_at.get(e), self.later.get(e)) {
            if la != NO_LATER && la as usize <= c {
                let held_ms = store.arrival[la as usize] - store.arrival[e];
                about.push(Decision {
                    at: la,
                    event: e as u32,
                    outcome: Outcome::Expired,
                    reason: Reason::Expired { held_ms },
                });
            }
        }
        caused.retain(|d| d.outcome != Outcome::Expired);
        let a = self.markers.partition_point(|m| (m.at as usize) < e);
        for m in self.markers[a..].iter().take_while(|m| m.at as usize == e) {
            if m.kind == Kind::Expired && m.event as usize != e {
                let held_ms = store.arrival[e] - store.arrival[m.event as usize];
                caused.push(Decision {
                    at: e as u32,
                    event: m.event,
                    outcome: Outcome::Expired,
                    reason: Reason::Expired { held_ms },
                });
            }
        }
        (about, caused, state)
    }

    /// The state of entity `entity` just after cursor `c`.
    pub fn state_after(&self, store: &EventStore, entity: u32, c: usize) -> Option<EntityState> {
        self.runner_after(store, c).map(|r| r.state(entity))
    }
}

/// One strategy's costs in the compare view.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    pub kind: StrategyKind,
    pub counts: [u64; 7],
    pub lost: u64,
    pub diverged: u64,
    pub consumers: u32,
    pub hol_blocked: u64,
    pub max_wait_ms: i64,
    pub p99_wait_ms: i64,
}

/// The waiting costs of one delivery model on the stream (SPEC §5).
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRow {
    pub model: crate::sim::Model,
    pub consumers: u32,
    pub hol_blocked: u64,
    pub max_wait_ms: i64,
    pub p99_wait_ms: i64,
}

/// Every strategy side by side, the advisor's line, and the delivery models.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareData {
    pub rows: Vec<CompareRow>,
    pub advice: Advice,
    /// The stream delivered under each model (as partitioned strategies see
    /// it), with the same consumers (membership changes apply to Kafka only).
    pub deliveries: Vec<DeliveryRow>,
}

impl CompareData {
    /// Runs every strategy through the engine (the report's numbers).
    pub fn build(ds: &Dataset, settings: &SimSettings) -> CompareData {
        let opts = Options {
            strategies: ds.strategies.clone(),
            consumers: settings.consumers.or(ds.consumers),
            max_findings: 0,
            keep_states: false,
        };
        let a = analyze_with(&ds.store, &ds.lens, &opts, &settings.opts);
        let rows = a
            .runs
            .iter()
            .map(|r| CompareRow {
                kind: r.kind,
                counts: r.counts,
                lost: r.lost(),
                diverged: r.diverged.len() as u64,
                consumers: r.consumers,
                hol_blocked: r.hol.blocked_events,
                max_wait_ms: r.hol.max_wait_ms,
                p99_wait_ms: r.hol.p99_wait_ms,
            })
            .collect();
        let deliveries = crate::sim::Model::NAMES
            .iter()
            .filter_map(|n| n.parse::<crate::sim::Model>().ok())
            .map(|model| {
                let opts = SimOptions {
                    model,
                    ..settings.opts.clone()
                };
                let cfg = sim_config_with(
                    &ds.store,
                    &ds.lens,
                    StrategyKind::Partitioned,
                    settings.consumers.or(ds.consumers),
                    &opts,
                );
                let sim = simulate(&ds.store, &cfg);
                DeliveryRow {
                    model,
                    consumers: if model == crate::sim::Model::RabbitmqSac {
                        1
                    } else {
                        cfg.consumers
                    },
                    hol_blocked: sim.blocks.len() as u64,
                    max_wait_ms: sim.max_wait_ms,
                    p99_wait_ms: sim.p99_wait_ms,
                }
            })
            .collect();
        CompareData {
            rows,
            advice: advise(&ds.store, &a),
            deliveries,
        }
    }
}
