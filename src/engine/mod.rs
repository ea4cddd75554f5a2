//! The engine: the one place that runs the detectors, the simulation and
//! each strategy over a stream. Every view reads what it computes: the
//! report reads an [`Analysis`], the TUI a [`Dataset`] (the indexed stream
//! and its stream findings), one [`Timeline`] per strategy (each event's
//! outcome, reason, wait, HOL block, findings, snapshots for seeking) and
//! the [`CompareData`]. Views ask; they never run a rule, the simulation or
//! a detector themselves.
//!
//! - `pass`: one strategy's pass over the stream, feeding [`Sink`]s.
//! - `findings`: outcome -> finding, and the words of a HOL block.
//! - `stream`: the indexed stream the views read ([`Dataset`]).
//! - `timeline`: one strategy's compact per-event log ([`Timeline`]).
//! - `compare`: every strategy side by side ([`CompareData`]).
//!
//! The engine is core: it must not import ratatui, crossterm, tokio,
//! rdkafka, or `crate::source` / `crate::tui` / `crate::cli`.

pub mod compare;
pub mod findings;
pub mod flow;
pub mod pass;
pub mod stream;
pub mod timeline;

pub use compare::{CompareData, CompareRow, DeliveryRow};
pub use flow::{Fallback, Flow};
pub use pass::{run_pass, FindingSink, PassContext, Sink, Step, StrategyFinding};
pub use stream::{mark, Dataset};
pub use timeline::{
    snapshot_every, Marker, Note, SimSettings, SimView, Timeline, TimelineSink, NO_LATER,
};

use crate::detect::{Detector, Load, StreamFacts, StreamFinding};
use crate::model::{EventStore, Lens, Outcome};
use crate::report::series::{WaitCurves, WaitSeries};
use crate::sim::assign::Assignor;
use crate::sim::{simulate, Delivery, Model, Rebalance, SimConfig, SimResult};
use crate::strategy::intended::{diverged, intended_order, intended_runner};
use crate::strategy::{rule_for, Decision, Reason, Runner, StrategyKind};
use std::collections::HashMap;
use std::sync::Arc;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub strategies: Vec<StrategyKind>,
    /// Consumers for partitioned delivery (None: SPEC default).
    pub consumers: Option<u32>,
    /// Strategy findings kept per strategy (counts stay exact).
    pub max_findings: usize,
    /// Keep each strategy's final entity states.
    pub keep_states: bool,
    /// Compute the HTML report's pictures (lane diagrams, wait over time);
    /// nothing else reads them, so the other formats and the TUI's compare
    /// view skip their time and memory.
    pub pictures: bool,
}

/// Summary of HOL blocking for one strategy.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct HolSummary {
    pub blocked_events: u64,
    pub max_wait_ms: i64,
    pub p99_wait_ms: i64,
}

/// One strategy's results.
#[derive(Clone)]
pub struct StrategyRun {
    pub kind: StrategyKind,
    pub counts: [u64; 7],
    pub diverged: Vec<u32>,
    pub hol: HolSummary,
    pub consumers: u32,
    pub findings: Vec<StrategyFinding>,
    pub finding_counts: HashMap<crate::detect::Kind, u64>,
    pub states: Option<Arc<Runner>>,
    pub state_names: Vec<String>,
    /// What the simulated rebalances cost (None without rebalances).
    pub rebalance: Option<RebalanceCost>,
    /// Wait over stream time per consumer (shared by runs of one delivery).
    pub waits: Arc<crate::report::series::WaitCurves>,
}

/// What rebalances cost one strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RebalanceCost {
    pub count: u64,
    /// Partition-milliseconds paused (see [`crate::sim::RebalanceSummary`]).
    pub pause_ms: u64,
    /// Total wait with the rebalances minus the total wait without them.
    pub extra_wait_ms: i64,
}

/// Simulation settings beyond [`Options`]: membership changes and the
/// delivery-model what-if.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimOptions {
    pub rebalances: Vec<Rebalance>,
    /// None: [`crate::sim::DEFAULT_REBALANCE_MS`].
    pub rebalance_ms: Option<u64>,
    /// None: [`crate::sim::DEFAULT_SESSION_TIMEOUT_MS`].
    pub session_timeout_ms: Option<u64>,
    pub model: Model,
}

impl StrategyRun {
    /// Events whose effect was lost (rejected, expired, dead-lettered, still held).
    pub fn lost(&self) -> u64 {
        Outcome::ALL
            .iter()
            .filter(|o| o.is_loss())
            .map(|o| self.counts[*o as usize])
            .sum()
    }
    /// Count of one outcome.
    pub fn count(&self, o: Outcome) -> u64 {
        self.counts[o as usize]
    }
}

/// The whole analysis of a stream.
pub struct Analysis {
    pub stream: Detector,
    pub load: Load,
    /// Counts the advisor and the report read (events per entity, ...).
    pub facts: StreamFacts,
    pub runs: Vec<StrategyRun>,
    /// A few entities with findings, as lanes (outcomes per run, in order).
    pub lanes: Vec<crate::report::lanes::Lane>,
    /// The events the findings name, when the store no longer has them
    /// (the streaming analysis): arrival index -> row.
    pub rows: HashMap<u32, Row>,
}

/// What the report says of an event a finding names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub entity: u32,
    pub offset: i64,
    /// The partition slot.
    pub partition: u32,
}

impl Row {
    /// Event `i` of a store.
    pub fn of(store: &EventStore, i: usize) -> Row {
        Row {
            entity: store.entity[i],
            offset: store.offset[i],
            partition: store.partition[i],
        }
    }
}

impl Analysis {
    /// Stream findings in arrival order.
    pub fn stream_findings(&self) -> &[StreamFinding] {
        &self.stream.findings
    }
}

/// The delivery model of a strategy.
pub fn delivery_of(kind: StrategyKind) -> Delivery {
    if kind.is_sequential() {
        Delivery::Sequential
    } else {
        Delivery::Partitioned
    }
}

/// The simulation config for a strategy.
pub fn sim_config(
    store: &EventStore,
    lens: &Lens,
    kind: StrategyKind,
    consumers: Option<u32>,
) -> SimConfig {
    let delivery = delivery_of(kind);
    let n = match delivery {
        Delivery::Sequential => 1,
        Delivery::Partitioned => consumers
            .or(lens.consumers)
            .unwrap_or_else(|| SimConfig::default_consumers(delivery, store.partitions)),
    };
    // An unknown name is a usage error at the command line; here it falls back to range.
    let assignor = lens
        .assignor
        .as_deref()
        .and_then(|a| a.parse::<Assignor>().ok())
        .unwrap_or(Assignor::Range);
    SimConfig::with_assignor(
        delivery,
        assignor,
        store.partitions,
        n,
        lens.hol_threshold_ms,
    )
}

/// The simulation config for a strategy with membership changes and a
/// delivery model.
pub fn sim_config_with(
    store: &EventStore,
    lens: &Lens,
    kind: StrategyKind,
    consumers: Option<u32>,
    sim: &SimOptions,
) -> SimConfig {
    let mut cfg = sim_config(store, lens, kind, consumers);
    cfg.rebalances = sim.rebalances.clone();
    cfg.rebalance_ms = sim.rebalance_ms.unwrap_or(crate::sim::DEFAULT_REBALANCE_MS);
    cfg.session_timeout_ms = sim
        .session_timeout_ms
        .unwrap_or(crate::sim::DEFAULT_SESSION_TIMEOUT_MS);
    cfg.model = sim.model;
    cfg
}

/// Runs one strategy, streaming its decisions to `on_decision`.
pub fn run_strategy(
    store: &EventStore,
    lens: &Lens,
    kind: StrategyKind,
    on_decision: &mut dyn FnMut(Decision),
) -> Runner {
    let rule: Arc<dyn crate::strategy::Rule> = Arc::from(rule_for(kind, lens, store));
    let mut runner = Runner::new(rule, lens.buffer_timeout_ms);
    for i in 0..store.len() {
        runner.step(store, i, on_decision);
    }
    runner
}

/// Analyzes a store: stream findings, then every requested strategy.
pub fn analyze(store: &EventStore, lens: &Lens, opts: &Options) -> Analysis {
    analyze_with(store, lens, opts, &SimOptions::default())
}

/// [`analyze`] with membership changes and a delivery-model what-if.
pub fn analyze_with(
    store: &EventStore,
    lens: &Lens,
    opts: &Options,
    simopts: &SimOptions,
) -> Analysis {
    analyze_on(store, lens, opts, simopts, crate::model::threads())
}

/// Every strategy's run without the stream detectors, for a view that has
/// the stream's findings already (the TUI's compare view). No pictures.
pub fn strategy_runs(
    store: &EventStore,
    lens: &Lens,
    opts: &Options,
    simopts: &SimOptions,
) -> Vec<StrategyRun> {
    runs_on(store, lens, opts, simopts, crate::model::threads(), None)
}

/// Every strategy's run: in the order asked, feeding `lanes` when given
/// (the pictures), else by delivery on `threads` cores.
fn runs_on(
    store: &EventStore,
    lens: &Lens,
    opts: &Options,
    simopts: &SimOptions,
    threads: usize,
    lanes: Option<&mut crate::report::lanes::Lanes>,
) -> Vec<StrategyRun> {
    let order = intended_order(store);
    let run = Run {
        store,
        lens,
        opts,
        simopts,
        order: &order,
        threads,
    };
    match lanes {
        Some(lanes) => run.in_order(lanes),
        None => run.by_delivery(),
    }
}

/// [`analyze_with`] on `threads` cores (the result does not depend on them).
fn analyze_on(
    store: &EventStore,
    lens: &Lens,
    opts: &Options,
    simopts: &SimOptions,
    threads: usize,
) -> Analysis {
    let detect = || {
        let mut det = Detector::for_store(store, lens);
        det.observe_range(store, 0, store.len());
        let load = det.finish(store);
        (det, load, StreamFacts::of(store))
    };
    if opts.pictures {
        // The lanes choose entities in the order findings are seen: the
        // stream's first, then each strategy's in the order asked.
        let (det, load, facts) = detect();
        let mut lanes = crate::report::lanes::Lanes::new(opts.strategies.len());
        for f in &det.findings {
            f.event.inspect(|&e| lanes.mark(store, e, f.kind, None));
        }
        let runs = runs_on(store, lens, opts, simopts, threads, Some(&mut lanes));
        return Analysis {
            stream: det,
            load,
            facts,
            runs,
            lanes: lanes.finish(store),
            rows: HashMap::new(),
        };
    }
    let runs = || runs_on(store, lens, opts, simopts, threads, None);
    // The detectors and the strategies read the store only: side by side.
    let ((det, load, facts), runs) = if threads > 1 {
        std::thread::scope(|s| {
            let det = s.spawn(detect);
            let runs = runs();
            (
                det.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                runs,
            )
        })
    } else {
        (detect(), runs())
    };
    Analysis {
        stream: det,
        load,
        facts,
        runs,
        lanes: Vec::new(),
        rows: HashMap::new(),
    }
}

/// Strategies at most this many entities run side by side (each thread
/// holds two runners' per-entity states: the run's and the intended one).
const PARALLEL_MAX_ENTITIES: usize = 250_000;

/// One delivery's simulation as the strategy runs read it.
struct DeliverySim {
    sim: SimResult,
    consumers: u32,
    rebalance: Option<RebalanceCost>,
    waits: Arc<WaitCurves>,
}

/// What every strategy run of one analysis shares.
struct Run<'a> {
    store: &'a EventStore,
    lens: &'a Lens,
    opts: &'a Options,
    simopts: &'a SimOptions,
    /// The intended order (by entity, then version).
    order: &'a [u32],
    /// Cores to use ([`crate::model::threads`]).
    threads: usize,
}

impl Run<'_> {
    /// Simulates `kind`'s delivery, with the cost of its membership changes
    /// (against a run without them) and, for the pictures, wait over time.
    fn simulate(&self, kind: StrategyKind) -> DeliverySim {
        let (store, opts) = (self.store, self.opts);
        let mut cfg = sim_config_with(store, self.lens, kind, opts.consumers, self.simopts);
        // The pictures draw every block; the findings list the first few.
        if !opts.pictures {
            cfg.keep_blocks = opts.max_findings;
        }
        let sim = simulate(store, &cfg);
        let rebalance = (!cfg.rebalances.is_empty()
            && sim.rebalance.count + sim.rebalance.pause_ms > 0)
            .then(|| {
                let mut calm = cfg.clone();
                calm.rebalances.clear();
                calm.keep_blocks = 0;
                let base = simulate(store, &calm);
                RebalanceCost {
                    count: sim.rebalance.count,
                    pause_ms: sim.rebalance.pause_ms,
                    extra_wait_ms: sim.total_wait_ms().saturating_sub(base.total_wait_ms()),
                }
            });
        let waits = Arc::new(if opts.pictures {
            WaitSeries::of_sim(store, &sim)
        } else {
            WaitCurves::default()
        });
        DeliverySim {
            sim,
            consumers: cfg.consumers,
            rebalance,
            waits,
        }
    }

    /// Every strategy in the order asked, feeding the lanes (their choice
    /// of entities depends on that order). A delivery's simulation is
    /// dropped after the last strategy that uses it.
    fn in_order(&self, lanes: &mut crate::report::lanes::Lanes) -> Vec<StrategyRun> {
        let kinds = &self.opts.strategies;
        let last_use: HashMap<Delivery, usize> = kinds
            .iter()
            .enumerate()
            .map(|(k, &kind)| (delivery_of(kind), k))
            .collect();
        let mut sims: HashMap<Delivery, DeliverySim> = HashMap::new();
        let mut runs = Vec::with_capacity(kinds.len());
        for (k, &kind) in kinds.iter().enumerate() {
            let delivery = delivery_of(kind);
            sims.entry(delivery).or_insert_with(|| self.simulate(kind));
            let mut lane_sink = crate::report::lanes::LaneSink { lanes, slot: k };
            let sim = &sims[&delivery];
            runs.push(self.strategy(kind, delivery, sim, Some(&mut lane_sink), false));
            if last_use.get(&delivery) == Some(&k) {
                sims.remove(&delivery);
            }
        }
        runs
    }

    /// Every strategy, one delivery at a time (one simulation alive), the
    /// strategies of a delivery side by side on the available cores when
    /// the entities are few enough. Runs come back in the order asked.
    fn by_delivery(&self) -> Vec<StrategyRun> {
        let kinds = &self.opts.strategies;
        let mut deliveries: Vec<Delivery> = Vec::new();
        for &k in kinds {
            if !deliveries.contains(&delivery_of(k)) {
                deliveries.push(delivery_of(k));
            }
        }
        let threads = if self.store.entity_count() <= PARALLEL_MAX_ENTITIES {
            self.threads
        } else {
            1
        };
        let mut runs: Vec<Option<StrategyRun>> = kinds.iter().map(|_| None).collect();
        for delivery in deliveries {
            let group: Vec<usize> = (0..kinds.len())
                .filter(|&k| delivery_of(kinds[k]) == delivery)
                .collect();
            let sim = self.simulate(kinds[group[0]]);
            // A strategy alone on the cores runs its intended pass beside its own.
            let side = group.len() < threads;
            let next = std::sync::atomic::AtomicUsize::new(0);
            let done = std::sync::Mutex::new(Vec::new());
            std::thread::scope(|s| {
                for _ in 0..threads.min(group.len()) {
                    s.spawn(|| loop {
                        let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&k) = group.get(g) else { break };
                        let r = self.strategy(kinds[k], delivery, &sim, None, side);
                        if let Ok(mut d) = done.lock() {
                            d.push((k, r));
                        }
                    });
                }
            });
            for (k, r) in done.into_inner().unwrap_or_default() {
                runs[k] = Some(r);
            }
        }
        runs.into_iter().flatten().collect()
    }

    /// One strategy's pass over a simulated delivery: counts, findings,
    /// diverged entities against the intended order, and the HOL summary.
    /// `side`: run the intended pass on a thread of its own.
    fn strategy(
        &self,
        kind: StrategyKind,
        delivery: Delivery,
        d: &DeliverySim,
        lanes: Option<&mut crate::report::lanes::LaneSink<'_>>,
        side: bool,
    ) -> StrategyRun {
        let (store, lens, opts) = (self.store, self.lens, self.opts);
        let rule: Arc<dyn crate::strategy::Rule> = Arc::from(rule_for(kind, lens, store));
        let names = rule.state_names();
        let ctx = PassContext {
            store,
            kind,
            state_names: &names,
            sim: &d.sim,
            delivery,
        };
        let mut found = FindingSink::new(opts.max_findings);
        let actual = |found: &mut FindingSink| match lanes {
            Some(l) => run_pass(
                store,
                rule.clone(),
                lens.buffer_timeout_ms,
                &ctx,
                &mut [found, l],
            ),
            None => run_pass(
                store,
                rule.clone(),
                lens.buffer_timeout_ms,
                &ctx,
                &mut [found],
            ),
        };
        let intended = || intended_runner(rule.clone(), store, self.order);
        let (runner, intended) = if side {
            std::thread::scope(|s| {
                let ideal = s.spawn(intended);
                let runner = actual(&mut found);
                (
                    runner,
                    ideal
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                )
            })
        } else {
            (actual(&mut found), intended())
        };
        let (findings, finding_counts) = found.into_parts();
        let diverged = diverged(&runner, &intended, store.entity_count());
        StrategyRun {
            kind,
            counts: runner.counts,
            diverged,
            hol: HolSummary {
                blocked_events: d.sim.blocked,
                max_wait_ms: d.sim.max_wait_ms,
                p99_wait_ms: d.sim.p99_wait_ms,
            },
            consumers: d.consumers,
            findings,
            finding_counts,
            states: opts.keep_states.then(|| Arc::new(runner)),
            state_names: names,
            rebalance: d.rebalance.clone(),
            waits: d.waits.clone(),
        }
    }
}

/// Describes a decision's reason with the run's state names.
pub fn describe(reason: &Reason, names: &[String]) -> String {
    reason.describe(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lens::{ConsumersConfig, LensConfig};

    fn store(partitions: u32) -> EventStore {
        let mut s = EventStore::default();
        s.partitions = partitions;
        s
    }

    #[test]
    fn sim_config_uses_the_lens_assignor() {
        let lens = |a: Option<&str>| {
            Lens::compile(LensConfig {
                consumers: Some(ConsumersConfig {
                    count: Some(2),
                    assignor: a.map(str::to_string),
                }),
                ..LensConfig::default()
            })
            .unwrap()
        };
        let s = store(4);
        let range = sim_config(&s, &lens(None), StrategyKind::Partitioned, None);
        assert_eq!(range.owner, vec![0, 0, 1, 1]);
        let rr = sim_config(
            &s,
            &lens(Some("roundrobin")),
            StrategyKind::Partitioned,
            None,
        );
        assert_eq!(rr.owner, vec![0, 1, 0, 1]);
        assert_eq!(rr.assignor, Assignor::RoundRobin);
        // Sequential delivery has one consumer whatever the assignor.
        let seq = sim_config(&s, &lens(Some("sticky")), StrategyKind::Sequential, None);
        assert_eq!(seq.consumers, 1);
    }

    #[test]
    fn the_analysis_is_the_same_on_one_core_and_on_several() {
        // A lagging stream (most events HOL-blocked) and a healthy one.
        for cost in [40, 1] {
            let s = crate::sim::tests::lagging(20_000, 4, 300, 10, &[cost, cost * 2]);
            let lens = Lens::default();
            let opts = Options {
                strategies: StrategyKind::all_for(&lens),
                consumers: Some(2),
                max_findings: 50,
                keep_states: false,
                pictures: false,
            };
            let sim = SimOptions::default();
            let one = analyze_on(&s, &lens, &opts, &sim, 1);
            let four = analyze_on(&s, &lens, &opts, &sim, 4);
            assert_eq!(one.stream.findings, four.stream.findings);
            assert_eq!(one.load, four.load);
            assert_eq!(one.runs.len(), opts.strategies.len());
            for (a, b) in one.runs.iter().zip(&four.runs) {
                assert_eq!(a.kind, b.kind);
                assert_eq!(
                    (a.counts, &a.diverged, &a.hol),
                    (b.counts, &b.diverged, &b.hol)
                );
                assert_eq!(
                    (&a.findings, &a.finding_counts),
                    (&b.findings, &b.finding_counts)
                );
            }
            let blocked = one.runs.iter().map(|r| r.hol.blocked_events).max();
            if cost == 40 {
                assert!(blocked > Some(1000), "{blocked:?}");
            }
        }
    }

    #[test]
    fn rebalance_cost_is_measured_against_the_calm_run() {
        let s = crate::sim::tests::store_of(&[
            (0, "a", 0, 10),
            (1, "b", 0, 10),
            (0, "a", 10, 10),
            (1, "b", 10, 10),
        ]);
        let lens = Lens::default();
        let opts = Options {
            strategies: vec![StrategyKind::Partitioned, StrategyKind::Sequential],
            consumers: Some(2),
            max_findings: 10,
            keep_states: false,
            pictures: true,
        };
        let sim = SimOptions {
            rebalances: crate::sim::parse_rebalances("add@2").unwrap(),
            rebalance_ms: Some(100),
            ..SimOptions::default()
        };
        let a = analyze_with(&s, &lens, &opts, &sim);
        // Range, eager: both partitions pause until 110; events 2 and 3 wait 100.
        assert_eq!(
            a.runs[0].rebalance,
            Some(RebalanceCost {
                count: 1,
                pause_ms: 200,
                extra_wait_ms: 200
            })
        );
        assert_eq!(a.runs[1].rebalance, None);
    }
}
