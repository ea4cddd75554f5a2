//! The streaming analysis: the report's [`Analysis`] computed while the
//! stream is read, chunk by chunk, in memory that grows with the entities,
//! the consumers' backlog and the disorder of the stream, not with its
//! events. The same detectors, simulation and rules as [`super::analyze`]
//! run event by event over a window of the store ([`EventStore::forget_front`]);
//! the intended order is kept per entity for the events not yet folded
//! (`Reorder`). The result is the in-memory analysis's, to the byte
//! (`tests/streaming.rs`); where it could not be, the flow says why
//! ([`Fallback`]) and the caller analyzes the whole store instead.
//!
//! Core: must not import ratatui, crossterm, tokio, rdkafka, or
//! `crate::source` / `crate::tui` / `crate::cli`.

use super::pass::{ConsumerCursor, FindingSink, PassContext, Sink, Step};
use super::{
    delivery_of, sim_config_with, Analysis, HolSummary, Options, RebalanceCost, Row, SimOptions,
    StrategyRun,
};
use crate::detect::{Detector, LoadCounter, StreamFacts};
use crate::model::partition::InferenceBuilder;
use crate::model::slots::Slots;
use crate::model::{EventStore, Lens, NONE, NO_VERSION};
use crate::report::series::WaitCurves;
use crate::sim::{Delivery, HolBlock, Stepper};
use crate::strategy::intended::diverged;
use crate::strategy::{rule_for, Rule, Runner, StrategyKind};
use rustc_hash::FxHashMap;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Events the intended order waits for before folding an entity's event:
/// a version arriving up to this many events after a later one is still
/// put in its place.
pub const HORIZON: usize = 1 << 18;

/// Events after which a hot partition makes the flow give up early.
const EARLY_EVENTS: usize = 1 << 16;

/// Why a streaming analysis cannot give the whole-store analysis's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// An event in a partition past the count the simulation started with.
    Partitions,
    /// A hot partition: the report measures fixes over the whole stream.
    Hot,
    /// Records their partitioner does not explain: the report lists them.
    Mismatch,
    /// A version arrived more than [`HORIZON`] events after a later one.
    Reordered,
    /// No event: nothing to stream.
    Empty,
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fallback::Partitions => "an event in a partition past the first chunk's count",
            Fallback::Hot => "hot partitions (fixes are measured over the whole stream)",
            Fallback::Mismatch => "records their partitioner does not explain",
            Fallback::Reordered => "a version arrived too long after a later one",
            Fallback::Empty => "no event",
        })
    }
}

/// Where an event goes in its entity's intended order (SPEC §4: version,
/// else event time; arrival breaks ties).
type Key = (bool, i64, i64, u32);

fn key(store: &EventStore, i: usize) -> Key {
    let v = store.version[i];
    (v == NO_VERSION, v, store.time[i], i as u32)
}

/// The intended order while the stream arrives. An event is folded into
/// the intended runners once [`HORIZON`] events arrived after it, with every
/// event of its entity that sorts before it. Events that arrive after their
/// entity's greater ones (late) wait in a sorted list of their entity; the
/// others, in arrival order, are already sorted per entity. A later event
/// sorting before one already folded breaks the order
/// ([`Fallback::Reordered`]).
#[derive(Default)]
struct Reorder {
    /// Events not yet folded that arrived in their entity's order.
    fifo: VecDeque<u32>,
    /// Per entity, side by side (one cache line to fetch per event).
    ents: Slots<EntityOrder>,
    /// Per entity with late events not yet folded: them, sorted.
    late: FxHashMap<u32, Vec<(Key, u32)>>,
    broken: bool,
}

/// Where one entity's intended order stands: 56 bytes of fields, aligned
/// to a cache line so that reading one never takes two (hence [`Slots`]).
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct EntityOrder {
    /// The greatest key arrived, and the last one folded.
    last: Option<Key>,
    folded: Option<Key>,
    /// Whether it has late events not yet folded.
    has_late: bool,
}
const _: () = assert!(size_of::<EntityOrder>() == 64);

impl Reorder {
    fn warm(&self, entities: impl IntoIterator<Item = u32>) {
        self.ents.warm(entities);
    }

    fn arrive(&mut self, store: &EventStore, i: usize) {
        let e = store.entity[i];
        if e == NONE {
            return;
        }
        let e = e as usize;
        self.ents.grow_to(e, EntityOrder::default);
        let k = key(store, i);
        let ent = &mut self.ents[e];
        if ent.folded.is_some_and(|f| k < f) {
            self.broken = true;
            return;
        }
        if ent.last.is_none_or(|l| k > l) {
            ent.last = Some(k);
            self.fifo.push_back(i as u32);
        } else {
            let list = self.late.entry(e as u32).or_default();
            let at = list.partition_point(|(x, _)| *x < k);
            list.insert(at, (k, i as u32));
            ent.has_late = true;
        }
    }

    /// Folds entity `e`'s late events up to key `upto` (all with None).
    fn fold_late(&mut self, e: usize, upto: Option<Key>, out: &mut Vec<u32>) {
        if !self.ents[e].has_late {
            return;
        }
        let Some(list) = self.late.get_mut(&(e as u32)) else {
            return;
        };
        let n = list.partition_point(|(k, _)| upto.is_none_or(|u| *k <= u));
        for &(k, idx) in &list[..n] {
            out.push(idx);
            self.ents[e].folded = Some(k);
        }
        list.drain(..n);
        if list.is_empty() {
            self.late.remove(&(e as u32));
            self.ents[e].has_late = false;
        }
    }

    /// Folds the in-order event `idx` (after its entity's late ones before it).
    fn fold_next(&mut self, store: &EventStore, idx: usize, out: &mut Vec<u32>) {
        let e = store.entity[idx] as usize;
        let k = key(store, idx);
        self.fold_late(e, Some(k), out);
        out.push(idx as u32);
        self.ents[e].folded = Some(k);
    }

    /// Folds every event before `h` (and what sorts before it): appends
    /// them to `out` in the intended order.
    fn fold_upto(&mut self, store: &EventStore, h: usize, out: &mut Vec<u32>) {
        // A late event is folded with its entity's greater event that
        // arrived before it, so it is folded before `h` passes it too.
        let mut k = 0usize;
        while let Some(&idx) = self.fifo.front() {
            if idx as usize >= h {
                break;
            }
            self.warm_fifo(store, k);
            k += 1;
            self.fifo.pop_front();
            self.fold_next(store, idx as usize, out);
        }
    }

    /// Every [`AHEAD`](crate::model::AHEAD) folds (the `k`-th), warms the
    /// entities of the in-order events that many places further on: the
    /// fold reads events that arrived [`HORIZON`] events ago, whose
    /// entities' slots have long left the cache.
    #[inline]
    fn warm_fifo(&self, store: &EventStore, k: usize) {
        let a = crate::model::AHEAD;
        if k % a == 0 {
            let n = self.fifo.len();
            let ahead = self.fifo.range(a.min(n)..(2 * a).min(n));
            self.warm(ahead.map(|&i| store.entity[i as usize]));
        }
    }

    /// The first event not yet folded.
    fn oldest(&self) -> Option<usize> {
        let late = self.late.values().filter_map(|l| l.first().map(|x| x.1));
        self.fifo
            .front()
            .copied()
            .into_iter()
            .chain(late)
            .min()
            .map(|i| i as usize)
    }

    /// Folds everything left (see [`Reorder::fold_upto`]).
    fn finish(&mut self, store: &EventStore, out: &mut Vec<u32>) {
        self.fold_upto(store, usize::MAX, out);
        let mut ents: Vec<u32> = self.late.keys().copied().collect();
        ents.sort_unstable();
        for e in ents {
            self.fold_late(e as usize, None, out);
        }
    }
}

/// Steps each runner over the events `order` (on `threads` threads: the
/// runners are independent of each other).
fn run_in_order(store: &EventStore, order: &[u32], runners: &mut [Runner], threads: usize) {
    let run = |rs: &mut [Runner]| {
        for r in rs {
            r.step_all(store, order, &mut |_| {});
        }
    };
    in_halves(runners, threads > 1 && !order.is_empty(), run);
}

/// `run` over `items`: in two halves on two threads when `split` (and
/// there are two items or more), else here.
fn in_halves<T: Send>(items: &mut [T], split: bool, run: impl Fn(&mut [T]) + Sync) {
    if split && items.len() > 1 {
        let half = items.len() / 2;
        let (a, b) = items.split_at_mut(half);
        std::thread::scope(|sc| {
            let other = sc.spawn(|| run(b));
            run(a);
            other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
    } else {
        run(items);
    }
}

/// What is true of the stream whatever the strategy, counted as it
/// arrives, and the intended order.
struct StreamPart {
    counts: StreamCounts,
    /// A partition already hot in the first [`EARLY_EVENTS`] events: the
    /// stream is likely hot, and then needs the whole store anyway.
    hot_early: bool,
    intended: Intended,
}

/// The stream's counts: its detectors, load, partitioner and facts.
struct StreamCounts {
    det: Detector,
    load: LoadCounter,
    infer: Option<InferenceBuilder>,
    facts: StreamFacts,
    partitions: u32,
    outside: bool,
}

/// The intended order as the stream arrives, and the runners it is folded
/// into.
struct Intended {
    reorder: Reorder,
    /// The intended runner of each strategy, in `Options::strategies` order.
    runners: Vec<Runner>,
}

impl StreamCounts {
    fn advance(&mut self, store: &EventStore, from: usize, to: usize) {
        for i in from..to {
            if (i - from) % crate::model::AHEAD == 0 {
                self.det.warm(store.entity.ahead(i, to));
                if let Some(b) = &self.infer {
                    b.warm(store.key.ahead(i, to));
                }
            }
            let p = store.partition[i];
            if p >= self.partitions {
                self.outside = true;
            }
            self.det.observe(store, i);
            self.load.observe(store, i);
            if let Some(b) = &mut self.infer {
                let k = store.key[i];
                let key = || store.key_name(i).map(str::as_bytes);
                b.push_id(i, (k != NONE).then_some(k), key, p);
            }
            self.facts.observe(store, i);
        }
    }
}

impl Intended {
    /// Places events `from..to` in the intended order, then folds it up to
    /// `h` (everything, with `None`: the stream ended).
    fn advance_and_fold(
        &mut self,
        store: &EventStore,
        (from, to): (usize, usize),
        h: Option<usize>,
        threads: usize,
    ) {
        for i in from..to {
            if (i - from) % crate::model::AHEAD == 0 {
                self.reorder.warm(store.entity.ahead(i, to).iter().copied());
            }
            self.reorder.arrive(store, i);
        }
        self.fold(store, h, threads);
    }

    /// Folds the intended order up to `h` (everything, with `None`) into
    /// the runners.
    fn fold(&mut self, store: &EventStore, h: Option<usize>, threads: usize) {
        let mut order = Vec::new();
        match h {
            Some(h) => self.reorder.fold_upto(store, h, &mut order),
            None => self.reorder.finish(store, &mut order),
        }
        run_in_order(store, &order, &mut self.runners, threads);
    }
}

/// One strategy's pass.
struct StrategyPart {
    slot: usize,
    kind: StrategyKind,
    names: Vec<String>,
    runner: Runner,
    found: FindingSink,
}

/// One delivery model's simulation and the strategies it delivers to.
struct DeliveryPart {
    delivery: Delivery,
    consumers: u32,
    sim: Stepper,
    /// The same delivery without the membership changes (their cost).
    calm: Option<Stepper>,
    cursor: ConsumerCursor,
    strategies: Vec<StrategyPart>,
}

/// What the simulation says of one event, for the strategies' sinks.
#[derive(Clone, Copy)]
struct SimStep {
    consumer: u32,
    wait_ms: i64,
    block: Option<HolBlock>,
}

impl DeliveryPart {
    /// Steps the simulation over events `from..to`, then each strategy over
    /// them (on `threads` threads: the strategies are independent of each
    /// other once the simulation has run).
    fn advance(&mut self, store: &EventStore, from: usize, to: usize, threads: usize) {
        let mut steps = Vec::with_capacity(to - from);
        for i in from..to {
            self.sim.step(store, i);
            if let Some(c) = &mut self.calm {
                c.step(store, i);
            }
            let res = self.sim.result();
            steps.push(SimStep {
                consumer: self.cursor.at(store, res, self.delivery, i),
                wait_ms: self.sim.wait(i),
                block: res.blocks.last().filter(|b| b.event as usize == i).copied(),
            });
        }
        let (res, delivery) = (self.sim.result(), self.delivery);
        let run = |parts: &mut [StrategyPart]| {
            let mut decisions = Vec::new();
            for s in parts {
                for (i, st) in (from..to).zip(&steps) {
                    if (i - from) % crate::model::AHEAD == 0 {
                        s.runner.warm(store.entity.ahead(i, to).iter().copied());
                    }
                    decisions.clear();
                    s.runner.step(store, i, &mut |d| decisions.push(d));
                    let ctx = PassContext {
                        store,
                        kind: s.kind,
                        state_names: &s.names,
                        sim: res,
                        delivery,
                    };
                    let step = Step {
                        index: i as u32,
                        decisions: &decisions,
                        wait_ms: st.wait_ms,
                        consumer: st.consumer,
                        block: st.block.as_ref(),
                        runner: &s.runner,
                    };
                    s.found.step(&ctx, &step);
                }
            }
        };
        in_halves(&mut self.strategies, threads > 1, run);
        self.sim.clear_waits();
        if let Some(c) = &mut self.calm {
            c.clear_waits();
        }
    }

    /// The first event this delivery may still read (the strategies'
    /// runners keep copies of the events they hold).
    fn oldest(&self) -> Option<usize> {
        self.sim.oldest_queued()
    }
}

/// A streaming analysis: [`Flow::new`] once the first chunk is in the
/// store, [`Flow::advance`] after each chunk appended, [`Flow::finish`]
/// at the end.
pub struct Flow {
    opts: Options,
    stream: StreamPart,
    deliveries: Vec<DeliveryPart>,
    rows: HashMap<u32, Row>,
    done: usize,
    threads: usize,
    /// [`HORIZON`], smaller in tests (so the window moves).
    horizon: usize,
}

impl Flow {
    /// A flow over `store` (its first chunk; `store.partitions` the count
    /// the simulation assigns), for the strategies `opts` asks.
    pub fn new(store: &EventStore, lens: &Lens, opts: &Options, simopts: &SimOptions) -> Flow {
        let mut det = Detector::for_store(store, lens);
        det.keep(opts.max_findings);
        let n = store.partitions;
        let rules: Vec<Arc<dyn Rule>> = opts
            .strategies
            .iter()
            .map(|&k| Arc::from(rule_for(k, lens, store)))
            .collect();
        let mut deliveries: Vec<DeliveryPart> = Vec::new();
        for (slot, &kind) in opts.strategies.iter().enumerate() {
            let delivery = delivery_of(kind);
            let part = match deliveries.iter_mut().position(|d| d.delivery == delivery) {
                Some(p) => &mut deliveries[p],
                None => {
                    let mut cfg = sim_config_with(store, lens, kind, opts.consumers, simopts);
                    cfg.keep_blocks = opts.max_findings;
                    let calm = (!cfg.rebalances.is_empty()).then(|| {
                        let mut calm = cfg.clone();
                        calm.rebalances.clear();
                        calm.keep_blocks = 0;
                        Stepper::new(store, &calm)
                    });
                    deliveries.push(DeliveryPart {
                        delivery,
                        consumers: cfg.consumers,
                        sim: Stepper::new(store, &cfg),
                        calm,
                        cursor: ConsumerCursor::default(),
                        strategies: Vec::new(),
                    });
                    deliveries.last_mut().expect("just pushed")
                }
            };
            let rule = rules[slot].clone();
            part.strategies.push(StrategyPart {
                slot,
                kind,
                names: rule.state_names(),
                runner: Runner::new(rule, lens.buffer_timeout_ms),
                found: FindingSink::new(opts.max_findings),
            });
        }
        let infer =
            (n >= 2 && store.partition_ids.is_none()).then(|| InferenceBuilder::counting(n));
        Flow {
            opts: opts.clone(),
            stream: StreamPart {
                counts: StreamCounts {
                    det,
                    load: LoadCounter::partitions_only(n),
                    infer,
                    facts: StreamFacts::new(store).per_entity(opts.keep_states),
                    partitions: n,
                    outside: false,
                },
                hot_early: false,
                intended: Intended {
                    reorder: Reorder::default(),
                    runners: rules.into_iter().map(|r| Runner::new(r, 0)).collect(),
                },
            },
            deliveries,
            rows: HashMap::new(),
            done: store.first_kept(),
            threads: crate::model::threads(),
            horizon: HORIZON,
        }
    }

    /// The flow with another horizon (tests: small, so the window moves).
    pub fn with_horizon(mut self, events: usize) -> Flow {
        self.horizon = events.max(1);
        self
    }

    /// Why the result could not be the whole-store one, once known.
    pub fn fallback(&self) -> Option<Fallback> {
        if self.stream.counts.outside {
            Some(Fallback::Partitions)
        } else if self.stream.hot_early {
            Some(Fallback::Hot)
        } else if self.stream.intended.reorder.broken {
            Some(Fallback::Reordered)
        } else {
            None
        }
    }

    /// Analyzes the events appended since the last call, then forgets from
    /// the store what nothing will read again.
    pub fn advance(&mut self, store: &mut EventStore) {
        self.advance_to(store, false);
    }

    /// [`Flow::advance`] over the stream's last events: the intended order
    /// is completed beside the deliveries' last steps, rather than alone in
    /// [`Flow::finish`], and nothing is forgotten. (Should more events come,
    /// the result is still right: one sorting before an event folded here
    /// makes the flow fall back.)
    pub fn advance_last(&mut self, store: &mut EventStore) {
        self.advance_to(store, true);
    }

    fn advance_to(&mut self, store: &mut EventStore, last: bool) {
        let (from, to) = (self.done, store.len());
        let h = to.saturating_sub(self.horizon);
        let fold = (!last).then_some(h);
        let stream = &mut self.stream;
        let deliveries = &mut self.deliveries;
        let s: &EventStore = store;
        let threads = self.threads;
        if threads > 1 {
            // The stream's counts and the intended order on one thread, the
            // deliveries and their strategies on this one; at the stream's
            // end, the counts follow the deliveries here, as the other
            // thread has the rest of the intended order to fold.
            std::thread::scope(|sc| {
                let StreamPart {
                    counts, intended, ..
                } = stream;
                let (here, there) = if last {
                    (Some(counts), None)
                } else {
                    (None, Some(counts))
                };
                let side = sc.spawn(move || {
                    if let Some(c) = there {
                        c.advance(s, from, to);
                    }
                    intended.advance_and_fold(s, (from, to), fold, threads);
                });
                for d in deliveries.iter_mut() {
                    d.advance(s, from, to, threads);
                }
                if let Some(c) = here {
                    c.advance(s, from, to);
                }
                side.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            });
        } else {
            stream.counts.advance(s, from, to);
            stream.intended.advance_and_fold(s, (from, to), fold, 1);
            for d in deliveries.iter_mut() {
                d.advance(s, from, to, 1);
            }
        }
        self.done = to;
        if from < EARLY_EVENTS && to >= EARLY_EVENTS {
            // Give up early rather than analyze twice (correct either way).
            let load = self.stream.counts.load.clone();
            self.stream.hot_early = !load.finish().hot_partitions.is_empty();
        }
        let keep = self.keep_from(h);
        // Forget in batches: each forget moves the window's rows.
        if !last && keep >= store.first_kept() + (self.horizon / 4).max(1) {
            self.pin(store, keep);
            store.forget_front(keep);
        }
    }

    /// The first event anything may still read: not yet folded into the
    /// intended order, or queued behind a consumer (runners copy what they
    /// hold in buffers).
    fn keep_from(&self, h: usize) -> usize {
        let intended = self.stream.intended.reorder.oldest();
        let deliveries = self.deliveries.iter().filter_map(DeliveryPart::oldest);
        intended.into_iter().chain(deliveries).fold(h, usize::min)
    }

    /// Keeps what the report says of the events findings name, before `upto`.
    fn pin(&mut self, store: &EventStore, upto: usize) {
        let from = store.first_kept();
        let found = &self.stream.counts.det.findings;
        let det = found.iter().filter_map(|f| f.event);
        // A held event may yet be a finding (expired): its row is kept too.
        let kept = self.deliveries.iter().flat_map(|d| {
            d.strategies
                .iter()
                .flat_map(|s| s.found.events().chain(s.runner.held()))
        });
        for e in det.chain(kept) {
            let i = e as usize;
            if (from..upto).contains(&i) {
                self.rows.entry(e).or_insert_with(|| Row::of(store, i));
            }
        }
    }

    /// The analysis of every event seen, or why it cannot be the
    /// whole-store one.
    pub fn finish(mut self, store: &EventStore) -> Result<Analysis, Fallback> {
        if let Some(f) = self.fallback() {
            return Err(f);
        }
        self.stream.intended.fold(store, None, self.threads);
        let st = &mut self.stream.counts;
        st.det.finish_gaps();
        let mut load = std::mem::take(&mut st.load).finish();
        if !load.hot_partitions.is_empty() {
            return Err(Fallback::Hot);
        }
        if let Some(b) = st.infer.take() {
            let inf = b.finish();
            if let Some((best, explained)) = inf.trusted() {
                if explained < inf.keyed {
                    return Err(Fallback::Mismatch);
                }
                load.partitioner = Some(best);
            }
        }
        self.pin(store, store.len());
        let mut runs: Vec<(usize, StrategyRun)> = Vec::new();
        let mut intended = std::mem::take(&mut self.stream.intended.runners);
        for d in self.deliveries {
            let calm_total = d.calm.as_ref().map(Stepper::total_wait_ms);
            let total = d.sim.total_wait_ms();
            let sim = d.sim.finish();
            let rebalance = (calm_total.is_some()
                && sim.rebalance.count + sim.rebalance.pause_ms > 0)
                .then(|| RebalanceCost {
                    count: sim.rebalance.count,
                    pause_ms: sim.rebalance.pause_ms,
                    extra_wait_ms: total.saturating_sub(calm_total.unwrap_or(0)),
                });
            let waits = Arc::new(WaitCurves::default());
            for mut s in d.strategies {
                let ctx = PassContext {
                    store,
                    kind: s.kind,
                    state_names: &s.names,
                    sim: &sim,
                    delivery: d.delivery,
                };
                s.found.finish(&ctx, &s.runner);
                let (findings, finding_counts) = s.found.into_parts();
                let ideal = std::mem::replace(
                    &mut intended[s.slot],
                    Runner::new(s.runner.rule().clone(), 0),
                );
                let diverged = diverged(&s.runner, &ideal, store.entity_count());
                runs.push((
                    s.slot,
                    StrategyRun {
                        kind: s.kind,
                        counts: s.runner.counts,
                        diverged,
                        hol: HolSummary {
                            blocked_events: sim.blocked,
                            max_wait_ms: sim.max_wait_ms,
                            p99_wait_ms: sim.p99_wait_ms,
                        },
                        consumers: d.consumers,
                        findings,
                        finding_counts,
                        states: self.opts.keep_states.then(|| Arc::new(s.runner)),
                        state_names: s.names,
                        rebalance: rebalance.clone(),
                        waits: waits.clone(),
                    },
                ));
            }
        }
        runs.sort_by_key(|r| r.0);
        let st = self.stream.counts;
        Ok(Analysis {
            stream: st.det,
            load,
            facts: st.facts,
            runs: runs.into_iter().map(|r| r.1).collect(),
            lanes: Vec::new(),
            rows: self.rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line::parse_record;
    use crate::model::{Ingest, Outcome};

    fn store_of(lines: &[String], lens: &Lens) -> EventStore {
        let mut ing = Ingest::new(lens.clone(), false);
        for (n, l) in lines.iter().enumerate() {
            ing.push(
                &parse_record(l.as_bytes()).expect("a record"),
                n as u64 + 1,
                None,
            );
        }
        ing.finish().0
    }

    fn line(offset: usize, entity: &str, version: usize) -> String {
        format!(
            r#"{{"partition":0,"offset":{offset},"ts":{},"key":"{entity}","payload":"{{\"version\":{version}}}"}}"#,
            offset * 10_000
        )
    }

    #[test]
    fn a_held_event_does_not_keep_the_window() {
        // e0's version 2 never arrives: `buffered` holds its version 3 for
        // ever (in its run and in its intended order, which has no timeout).
        let mut lines = vec![line(0, "e0", 1), line(1, "e0", 3)];
        for i in 2..4000 {
            lines.push(line(i, &format!("e{}", (i - 2) % 50 + 1), (i - 2) / 50 + 1));
        }
        let lens = Lens::default();
        let opts = Options {
            strategies: vec![StrategyKind::Buffered, StrategyKind::Versioned],
            consumers: None,
            max_findings: 100,
            keep_states: true,
            pictures: false,
        };
        let simopts = SimOptions::default();
        let mut window = store_of(&lines[..100], &lens);
        let mut flow = Flow::new(&window, &lens, &opts, &simopts).with_horizon(64);
        flow.advance(&mut window);
        for chunk in lines[100..].chunks(100) {
            window.append(store_of(chunk, &lens));
            flow.advance(&mut window);
        }
        assert!(
            window.first_kept() > 3000,
            "the window moved past the held event: it starts at {}",
            window.first_kept()
        );
        let streamed = flow
            .finish(&window)
            .unwrap_or_else(|f| panic!("the flow fell back: {f}"));
        let whole = super::super::analyze_with(&store_of(&lines, &lens), &lens, &opts, &simopts);
        for (s, w) in streamed.runs.iter().zip(&whole.runs) {
            assert_eq!(s.counts, w.counts, "{:?}", s.kind);
            assert_eq!(s.diverged, w.diverged, "{:?}", s.kind);
        }
        // The run held version 3 until its buffer's timeout.
        let c = streamed.runs[0].counts;
        assert_eq!(
            c[Outcome::Buffered as usize] + c[Outcome::Expired as usize],
            1
        );
    }
}
