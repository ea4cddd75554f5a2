//! Every strategy side by side on one stream, with the advisor's choice and
//! the delivery models' waiting costs: what the TUI's compare view shows,
//! computed by the same analysis as the report. Must not import the TUI,
//! the CLI or any adapter.

use super::stream::Dataset;
use super::timeline::SimSettings;
use super::{sim_config_with, strategy_runs, Options, SimOptions};
use crate::report::advisor::{advise, Advice};
use crate::sim::simulate;
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
            pictures: false,
        };
        // The stream's findings are the dataset's: only the strategies run.
        let runs = strategy_runs(&ds.store, &ds.lens, &opts, &settings.opts);
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
        let deliveries = crate::sim::Model::NAMES
            .iter()
            .filter_map(|n| n.parse::<crate::sim::Model>().ok())
            .map(|model| {
                let opts = SimOptions {
                    model,
                    ..settings.opts.clone()
                };
                let mut cfg = sim_config_with(
                    &ds.store,
                    &ds.lens,
                    StrategyKind::Partitioned,
                    settings.consumers.or(ds.consumers),
                    &opts,
                );
                // A row counts the blocks; it lists none.
                cfg.keep_blocks = 0;
                let sim = simulate(&ds.store, &cfg);
                DeliveryRow {
                    model,
                    consumers: if model == crate::sim::Model::RabbitmqSac {
                        1
                    } else {
                        cfg.consumers
                    },
                    hol_blocked: sim.blocked,
                    max_wait_ms: sim.max_wait_ms,
                    p99_wait_ms: sim.p99_wait_ms,
                }
            })
            .collect();
        CompareData {
            rows,
            advice: advise(
                &crate::detect::StreamFacts::of(&ds.store),
                ds.store.entity_count(),
                &ds.stream_counts,
                &runs,
            ),
            deliveries,
        }
    }
}
