//! Every strategy side by side on one stream, with the advisor's choice and
//! the delivery models' waiting costs: what the TUI's compare view shows,
//! computed by the same analysis as the report. Must not import the TUI,
//! the CLI or any adapter.

use super::stream::Dataset;
use super::timeline::SimSettings;
use super::{sim_config_with, strategy_runs, HolSummary, Options, SimOptions, StrategyRun};
use crate::model::{EventStore, Lens};
use crate::report::advisor::{advise, Advice};
use crate::sim::{simulate, Model, SimConfig, SimResult};
use crate::strategy::StrategyKind;

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
    pub model: Model,
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
            pictures: false,
        };
        // The stream's findings are the dataset's: only the strategies run.
        // The delivery models are simulated on a thread beside them (the
        // runs have serial parts: the intended order's sort, each
        // delivery's simulation); the model in force is the partitioned
        // strategies' own delivery, whose run gives its row.
        let in_force = settings.opts.model;
        let partitioned = |runs: &[StrategyRun]| {
            runs.iter()
                .find(|r| super::delivery_of(r.kind) == crate::sim::Delivery::Partitioned)
                .map(|r| DeliveryRow::new(in_force, r.consumers, &r.hol))
        };
        let reuse = opts
            .strategies
            .iter()
            .any(|&k| super::delivery_of(k) == crate::sim::Delivery::Partitioned);
        let row = |model: Model| {
            let cfg = delivery_config(&ds.store, &ds.lens, model, opts.consumers, &settings.opts);
            DeliveryRow::of(model, cfg.consumers, &simulate(&ds.store, &cfg))
        };
        let (runs, mut others) = std::thread::scope(|s| {
            let others = s.spawn(|| {
                models()
                    .filter(|&m| !(reuse && m == in_force))
                    .map(row)
                    .collect::<Vec<_>>()
            });
            let runs = strategy_runs(&ds.store, &ds.lens, &opts, &settings.opts);
            let others = others
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (runs, others)
        });
        let deliveries = models()
            .map(|m| match others.iter().position(|r| r.model == m) {
                Some(at) => others.swap_remove(at),
                None => partitioned(&runs).unwrap_or_else(|| row(m)),
            })
            .collect();
        CompareData::of(ds, &runs, deliveries)
    }

    fn of(ds: &Dataset, runs: &[StrategyRun], deliveries: Vec<DeliveryRow>) -> CompareData {
        let rows = runs
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
        CompareData {
            rows,
            advice: advise(
                &crate::detect::StreamFacts::of(&ds.store),
                ds.store.entity_count(),
                &ds.stream_counts,
                runs,
            ),
            deliveries,
        }
    }
}

impl DeliveryRow {
    fn new(model: Model, consumers: u32, hol: &HolSummary) -> DeliveryRow {
        DeliveryRow {
            model,
            consumers: if model == Model::RabbitmqSac {
                1
            } else {
                consumers
            },
            hol_blocked: hol.blocked_events,
            max_wait_ms: hol.max_wait_ms,
            p99_wait_ms: hol.p99_wait_ms,
        }
    }

    fn of(model: Model, consumers: u32, sim: &SimResult) -> DeliveryRow {
        let hol = HolSummary {
            blocked_events: sim.blocked,
            max_wait_ms: sim.max_wait_ms,
            p99_wait_ms: sim.p99_wait_ms,
        };
        DeliveryRow::new(model, consumers, &hol)
    }
}

/// The delivery models the compare view has a row for.
pub fn models() -> impl Iterator<Item = Model> {
    Model::NAMES.iter().filter_map(|n| n.parse::<Model>().ok())
}

/// How a delivery row's model delivers the stream: as the partitioned
/// strategies see it, with the same consumers, keeping no block (a row
/// counts them).
fn delivery_config(
    store: &EventStore,
    lens: &Lens,
    model: Model,
    consumers: Option<u32>,
    simopts: &SimOptions,
) -> SimConfig {
    let opts = SimOptions {
        model,
        ..simopts.clone()
    };
    let mut cfg = sim_config_with(store, lens, StrategyKind::Partitioned, consumers, &opts);
    cfg.keep_blocks = 0;
    cfg
}
