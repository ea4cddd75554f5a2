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
pub mod pass;
pub mod stream;
pub mod timeline;

pub use compare::{CompareData, CompareRow, DeliveryRow};
pub use pass::{run_pass, FindingSink, PassContext, Sink, Step, StrategyFinding};
pub use stream::{mark, Dataset};
pub use timeline::{
    snapshot_every, Marker, Note, SimSettings, SimView, Timeline, TimelineSink, NO_LATER,
};

use crate::detect::{Detector, Load, StreamFinding};
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
    pub runs: Vec<StrategyRun>,
    /// A few entities with findings, as lanes (outcomes per run, in order).
    pub lanes: Vec<crate::report::lanes::Lane>,
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
    let mut det = Detector::for_store(store, lens);
    for i in 0..store.len() {
        det.observe(store, i);
    }
    let load = det.finish(store);
    let mut lanes = crate::report::lanes::Lanes::new(opts.strategies.len());
    if opts.pictures {
        for f in &det.findings {
            f.event.inspect(|&e| lanes.mark(store, e, f.kind, None));
        }
    }
    let (order, _) = intended_order(store);
    type Sim = (SimResult, u32, Option<RebalanceCost>, Arc<WaitCurves>);
    let mut sims: HashMap<Delivery, Sim> = HashMap::new();
    // A simulation is dropped after the last strategy of its delivery: one
    // per-event simulation alive at a time when the deliveries come in runs.
    let last_use: HashMap<Delivery, usize> = opts
        .strategies
        .iter()
        .enumerate()
        .map(|(k, &kind)| (delivery_of(kind), k))
        .collect();
    let mut runs = Vec::new();
    for (k, &kind) in opts.strategies.iter().enumerate() {
        let cfg = sim_config_with(store, lens, kind, opts.consumers, simopts);
        let (sim, consumers, rebalance, waits) = sims.entry(cfg.delivery).or_insert_with(|| {
            let sim = simulate(store, &cfg);
            let cost = (!cfg.rebalances.is_empty()
                && sim.rebalance.count + sim.rebalance.pause_ms > 0)
                .then(|| {
                    let mut calm = cfg.clone();
                    calm.rebalances.clear();
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
            (sim, cfg.consumers, cost, waits)
        });
        let rule: Arc<dyn crate::strategy::Rule> = Arc::from(rule_for(kind, lens, store));
        let names = rule.state_names();
        let ctx = PassContext {
            store,
            kind,
            state_names: &names,
            sim,
            delivery: cfg.delivery,
        };
        let mut found = FindingSink::new(opts.max_findings);
        let mut lane_sink = crate::report::lanes::LaneSink {
            lanes: &mut lanes,
            slot: runs.len(),
        };
        let sinks: &mut [&mut dyn Sink] = if opts.pictures {
            &mut [&mut found, &mut lane_sink]
        } else {
            &mut [&mut found]
        };
        let runner = run_pass(store, rule.clone(), lens.buffer_timeout_ms, &ctx, sinks);
        let (findings, finding_counts) = found.into_parts();
        let intended = intended_runner(rule, store, &order);
        let diverged = diverged(&runner, &intended, store.entity_count());
        runs.push(StrategyRun {
            kind,
            counts: runner.counts,
            diverged,
            hol: HolSummary {
                blocked_events: sim.blocks.len() as u64,
                max_wait_ms: sim.max_wait_ms,
                p99_wait_ms: sim.p99_wait_ms,
            },
            consumers: *consumers,
            findings,
            finding_counts,
            states: opts.keep_states.then(|| Arc::new(runner)),
            state_names: names,
            rebalance: rebalance.clone(),
            waits: waits.clone(),
        });
        if last_use.get(&cfg.delivery) == Some(&k) {
            sims.remove(&cfg.delivery);
        }
    }
    Analysis {
        stream: det,
        load,
        runs,
        lanes: if opts.pictures {
            lanes.finish(store)
        } else {
            Vec::new()
        },
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
        EventStore {
            partitions,
            ..EventStore::default()
        }
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
