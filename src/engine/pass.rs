//! One pass of one strategy over a stream, in arrival order, feeding
//! observers ([`Sink`]s): every view's per-event data and every report
//! accumulator comes out of the same loop, so the strategy's decisions, the
//! simulated wait and the head-of-line block of event `i` are computed once
//! and read by all. Owns the loop; must not import the TUI, the CLI or any
//! adapter (source, Kafka, terminal).
//!
//! Adding an accumulator is one `impl Sink` and one entry in the slice given
//! to [`run_pass`].

use super::findings::{finding_kind, hol_block_detail, HolWording};
use crate::detect::Kind;
use crate::model::EventStore;
use crate::sim::{Delivery, HolBlock, SimResult};
use crate::strategy::{Decision, Rule, Runner, StrategyKind};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// What the pass knows about the whole run, for sinks that need names,
/// columns or the simulation's group history.
pub struct PassContext<'a> {
    pub store: &'a EventStore,
    pub kind: StrategyKind,
    /// The rule's state names (state machine), for describing reasons.
    pub state_names: &'a [String],
    pub sim: &'a SimResult,
    pub delivery: Delivery,
}

/// What processing event `index` produced.
pub struct Step<'a> {
    pub index: u32,
    /// Decisions made while processing the event: expiries it triggered,
    /// its own decision, releases it caused (in that order).
    pub decisions: &'a [Decision],
    /// Simulated wait (start minus arrival), ms.
    pub wait_ms: i64,
    /// The consumer that processed it (0 under sequential delivery).
    pub consumer: u32,
    /// Its head-of-line block, if it was blocked and the simulation kept
    /// it ([`crate::sim::SimConfig::keep_blocks`]).
    pub block: Option<&'a HolBlock>,
    /// The runner just after the event (its states; clone it to snapshot).
    pub runner: &'a Runner,
}

/// An observer of one pass. `step` is called once per event, in arrival
/// order; `finish` once after the last.
pub trait Sink {
    fn step(&mut self, ctx: &PassContext<'_>, step: &Step<'_>);
    fn finish(&mut self, _ctx: &PassContext<'_>, _runner: &Runner) {}
}

/// Runs `rule` over the store once, telling every sink about every event.
/// Returns the runner at the end (final states, outcome counts).
pub fn run_pass(
    store: &EventStore,
    rule: Arc<dyn Rule>,
    timeout_ms: u64,
    ctx: &PassContext<'_>,
    sinks: &mut [&mut dyn Sink],
) -> Runner {
    let mut runner = Runner::new(rule, timeout_ms);
    let mut decisions: Vec<Decision> = Vec::with_capacity(4);
    let blocks = &ctx.sim.blocks;
    let mut next_block = 0usize;
    let mut consumers = ConsumerCursor::default();
    for i in 0..store.len() {
        if i % crate::model::AHEAD == 0 {
            runner.warm(store.entity.ahead(i, store.len()).iter().copied());
        }
        decisions.clear();
        runner.step(store, i, &mut |d| decisions.push(d));
        // Blocks are in event order: one cursor finds each event's block.
        while blocks
            .get(next_block)
            .is_some_and(|b| (b.event as usize) < i)
        {
            next_block += 1;
        }
        let block = blocks.get(next_block).filter(|b| b.event as usize == i);
        let consumer = consumers.at(store, ctx.sim, ctx.delivery, i);
        let step = Step {
            index: i as u32,
            decisions: &decisions,
            wait_ms: ctx.sim.wait.get(i).copied().unwrap_or(0),
            consumer,
            block,
            runner: &runner,
        };
        for s in sinks.iter_mut() {
            s.step(ctx, &step);
        }
    }
    for s in sinks.iter_mut() {
        s.finish(ctx, &runner);
    }
    runner
}

/// Which consumer took each event, following the simulation's generations
/// (events asked in arrival order).
#[derive(Default)]
pub(crate) struct ConsumerCursor {
    gen: usize,
}

impl ConsumerCursor {
    /// The consumer of event `i` (0 under sequential delivery).
    #[inline]
    pub(crate) fn at(
        &mut self,
        store: &EventStore,
        sim: &SimResult,
        delivery: Delivery,
        i: usize,
    ) -> u32 {
        let gens = &sim.generations;
        while gens.get(self.gen + 1).is_some_and(|g| g.at as usize <= i) {
            self.gen += 1;
        }
        match delivery {
            Delivery::Sequential => 0,
            Delivery::Partitioned => {
                let p = store.partition[i] as usize;
                gens.get(self.gen)
                    .and_then(|g| g.owner.get(p))
                    .or_else(|| sim.owner.get(p))
                    .copied()
                    .unwrap_or(0)
            }
        }
    }
}

/// A strategy finding (rejected, expired, dead-lettered, HOL-blocked) as the
/// report lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyFinding {
    pub kind: Kind,
    pub event: u32,
    pub detail: String,
}

/// The report's strategy findings: exact counts per kind, the first `max`
/// decision findings and the first `max` HOL blocks, in event order.
pub struct FindingSink {
    max: usize,
    decided: Vec<StrategyFinding>,
    hol: Vec<StrategyFinding>,
    pub counts: HashMap<Kind, u64>,
}

impl FindingSink {
    /// Keeps at most `max` findings of each family (decisions, HOL).
    pub fn new(max: usize) -> FindingSink {
        FindingSink {
            max,
            decided: Vec::new(),
            hol: Vec::new(),
            counts: HashMap::default(),
        }
    }

    /// The events of the findings kept so far.
    pub fn events(&self) -> impl Iterator<Item = u32> + '_ {
        self.decided.iter().chain(&self.hol).map(|f| f.event)
    }

    /// The kept findings by event (decision findings before HOL ones at the
    /// same event) and the exact counts.
    pub fn into_parts(self) -> (Vec<StrategyFinding>, std::collections::HashMap<Kind, u64>) {
        let mut all = self.decided;
        all.extend(self.hol);
        all.sort_by_key(|f| f.event);
        (all, self.counts.into_iter().collect())
    }
}

impl Sink for FindingSink {
    fn step(&mut self, ctx: &PassContext<'_>, step: &Step<'_>) {
        for d in step.decisions {
            let Some(kind) = finding_kind(d.outcome) else {
                continue;
            };
            *self.counts.entry(kind).or_insert(0) += 1;
            if self.decided.len() < self.max {
                self.decided.push(StrategyFinding {
                    kind,
                    event: d.event,
                    detail: d.reason.describe(ctx.state_names),
                });
            }
        }
        if let Some(b) = step.block {
            if self.hol.len() < self.max {
                self.hol.push(StrategyFinding {
                    kind: Kind::HolBlocking,
                    event: b.event,
                    detail: hol_block_detail(ctx.store, b, HolWording::Report),
                });
            }
        }
    }

    fn finish(&mut self, ctx: &PassContext<'_>, _runner: &Runner) {
        // The simulation counts every block, kept or not (a strategy with
        // none still reports the kind, with 0).
        self.counts.insert(Kind::HolBlocking, ctx.sim.blocked);
    }
}
