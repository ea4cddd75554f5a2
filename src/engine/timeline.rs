//! One strategy over the stream as the views read it: each event's outcome
//! (and its later one: release, expiry), the findings placed on the
//! timeline, the simulation's wait and HOL blocks, and snapshots of the
//! runner for seeking. Built by one [`run_pass`] with a [`TimelineSink`].
//! The inspector's "why" comes from here (bounded replays of the rule).
//! Must not import the TUI, the CLI or any adapter.

use super::findings::{finding_kind, hol_block_detail, HolWording};
use super::pass::{run_pass, PassContext, Sink, Step};
use super::stream::Dataset;
use super::{sim_config_with, SimOptions};
use crate::detect::Kind;
use crate::model::{EventStore, Outcome, NONE};
use crate::sim::{simulate, Delivery, Generation, HolBlock, SimResult};
use crate::strategy::{Decision, EntityState, Reason, Rule, Runner, StrategyKind};
use std::sync::Arc;

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

/// The simulation of one delivery model; its HOL blocks are in event order,
/// so finding one is a binary search.
pub struct SimView {
    pub delivery: Delivery,
    pub consumers: u32,
    pub sim: SimResult,
}

impl SimView {
    /// Simulates `kind`'s delivery model.
    pub fn build(ds: &Dataset, kind: StrategyKind, settings: &SimSettings) -> SimView {
        SimView::of(&ds.store, &ds.lens, kind, ds.consumers, settings)
    }

    /// As [`SimView::build`], of a store not yet in a [`Dataset`] (whose
    /// consumers `consumers` are, if the settings name none).
    pub fn of(
        store: &EventStore,
        lens: &crate::model::Lens,
        kind: StrategyKind,
        consumers: Option<u32>,
        settings: &SimSettings,
    ) -> SimView {
        let consumers = settings.consumers.or(consumers);
        let cfg = sim_config_with(store, lens, kind, consumers, &settings.opts);
        let sim = simulate(store, &cfg);
        SimView {
            delivery: cfg.delivery,
            consumers: cfg.consumers,
            sim,
        }
    }

    /// The HOL block of event `ev`, if it was blocked.
    pub fn block_of(&self, ev: u32) -> Option<HolBlock> {
        let b = &self.sim.blocks;
        let k = b.partition_point(|b| b.event < ev);
        b.get(k).filter(|b| b.event == ev).copied()
    }

    /// Whether event `ev` was HOL-blocked.
    pub fn is_blocked(&self, ev: u32) -> bool {
        self.block_of(ev).is_some()
    }

    /// The events `ev` held up (it is their blocker), ascending. A scan:
    /// asked for one event at a time, by the inspector.
    pub fn blocked_by(&self, ev: u32) -> Vec<u32> {
        self.sim
            .blocks
            .iter()
            .skip(self.sim.blocks.partition_point(|b| b.event <= ev))
            .filter(|b| b.blocker == ev)
            .map(|b| b.event)
            .collect()
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
            self.sim
                .start(&ds.store, e as usize)
                .is_some_and(|s| s <= now)
        });
        upto - started
    }
}

/// Sentinel: the event has one decision only.
pub const NO_LATER: u32 = u32::MAX;

/// Why a marker is there; its words are made when shown
/// ([`Timeline::detail`]), so a million markers stay small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A decision's reason: `Timeline::reasons[k]`.
    Decision(u32),
    /// The event's head-of-line block (in the timeline's simulation).
    Hol,
    /// A stream finding: `Dataset::stream_details[k]`.
    Stream(u32),
}

/// A finding placed on the timeline: `at` is where it happens (the cursor
/// index), `event` the event it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub at: u32,
    pub event: u32,
    pub kind: Kind,
    pub note: Note,
}

/// One strategy's decision log in compact columns, with snapshots of the
/// runner every `k` events so any cursor is a bounded replay away: what the
/// grid, the timeline bar and the inspector read for event N.
pub struct Timeline {
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
    /// The reasons of the decision markers ([`Note::Decision`]).
    pub reasons: Vec<Reason>,
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

/// The pass's observer that fills a [`Timeline`]'s columns.
pub struct TimelineSink {
    k: usize,
    fresh: Runner,
    first: Vec<Outcome>,
    later: Vec<Outcome>,
    later_at: Vec<u32>,
    snapshots: Vec<Runner>,
    markers: Vec<Marker>,
    hol_markers: Vec<Marker>,
    reasons: Vec<Reason>,
    ent_losses: Vec<u32>,
}

impl TimelineSink {
    /// Columns for `store`, snapshots every `k` events of a runner of `rule`.
    pub fn new(store: &EventStore, rule: Arc<dyn Rule>, timeout_ms: u64, k: usize) -> Self {
        let n = store.len();
        TimelineSink {
            k: k.max(1),
            fresh: Runner::new(rule, timeout_ms),
            first: vec![Outcome::Skipped; n],
            later: vec![Outcome::Skipped; n],
            later_at: vec![NO_LATER; n],
            snapshots: Vec::with_capacity(n / k.max(1) + 1),
            markers: Vec::new(),
            hol_markers: Vec::new(),
            reasons: Vec::new(),
            ent_losses: vec![0u32; store.entity_count()],
        }
    }
}

impl Sink for TimelineSink {
    fn step(&mut self, ctx: &PassContext<'_>, step: &Step<'_>) {
        let i = step.index as usize;
        if i == 0 {
            self.snapshots.push(self.fresh.clone());
        }
        for d in step.decisions {
            let ev = d.event as usize;
            if d.at == d.event {
                self.first[ev] = d.outcome;
                self.later[ev] = d.outcome;
            } else {
                self.later[ev] = d.outcome;
                self.later_at[ev] = d.at;
            }
            let Some(kind) = finding_kind(d.outcome) else {
                continue;
            };
            if let Some(c) = ctx
                .store
                .entity
                .get(ev)
                .and_then(|&e| self.ent_losses.get_mut(e as usize))
            {
                *c += 1;
            }
            self.markers.push(Marker {
                at: d.at,
                event: d.event,
                kind,
                note: Note::Decision(self.reasons.len() as u32),
            });
            self.reasons.push(d.reason);
        }
        if let Some(b) = step.block {
            self.hol_markers.push(Marker {
                at: b.event,
                event: b.event,
                kind: Kind::HolBlocking,
                note: Note::Hol,
            });
        }
        if (i + 1) % self.k == 0 && i + 1 < ctx.store.len() {
            self.snapshots.push(step.runner.clone());
        }
    }
}

impl Timeline {
    /// Runs `kind` over the stream once, keeping the log and snapshots.
    pub fn build(ds: &Dataset, kind: StrategyKind, consumers: Option<u32>) -> Timeline {
        Timeline::build_sim(ds, kind, &SimSettings::consumers(consumers))
    }

    /// As [`Timeline::build`], with membership changes and a delivery model.
    pub fn build_sim(ds: &Dataset, kind: StrategyKind, settings: &SimSettings) -> Timeline {
        let sim = Arc::new(SimView::build(ds, kind, settings));
        Self::build_with_sim(ds, kind, sim)
    }

    /// As [`Timeline::build`], reusing a simulation of the same delivery.
    pub fn build_with_sim(ds: &Dataset, kind: StrategyKind, sim: Arc<SimView>) -> Timeline {
        let store = &ds.store;
        let k = snapshot_every(store.len(), store.entity_count());
        let rule: Arc<dyn Rule> = Arc::from(crate::strategy::rule_for(kind, &ds.lens, store));
        let state_names = rule.state_names();
        let timeout_ms = ds.lens.buffer_timeout_ms;
        let mut sink = TimelineSink::new(store, rule.clone(), timeout_ms, k);
        let ctx = PassContext {
            store,
            kind,
            state_names: &state_names,
            sim: &sim.sim,
            delivery: sim.delivery,
        };
        let runner = run_pass(store, rule.clone(), timeout_ms, &ctx, &mut [&mut sink]);
        let TimelineSink {
            first,
            later,
            later_at,
            snapshots,
            mut markers,
            hol_markers,
            reasons,
            ent_losses,
            ..
        } = sink;
        markers.extend(hol_markers);
        markers.extend(ds.stream_markers.iter().copied());
        markers.sort_by_key(|m| m.at);
        markers.shrink_to_fit();
        Timeline {
            kind,
            first,
            later,
            later_at,
            snapshots,
            k,
            counts: runner.counts,
            markers,
            reasons,
            ent_losses,
            sim,
            state_names,
            rule,
            timeout_ms,
        }
    }

    /// The words of a marker (the inspector's finding line, the status line
    /// of a jump).
    pub fn detail(&self, ds: &Dataset, m: &Marker) -> String {
        match m.note {
            Note::Decision(k) => self
                .reasons
                .get(k as usize)
                .map(|r| r.describe(&self.state_names))
                .unwrap_or_default(),
            Note::Hol => self
                .sim
                .block_of(m.event)
                .map(|b| hol_block_detail(&ds.store, &b, HolWording::Marker))
                .unwrap_or_default(),
            Note::Stream(k) => ds
                .stream_details
                .get(k as usize)
                .cloned()
                .unwrap_or_default(),
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
