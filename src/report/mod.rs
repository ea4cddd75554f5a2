//! The report (SPEC §7): one JSON object, or the same content as tables. Built
//! from the engine's [`Analysis`]: must not run a strategy, the simulation or a
//! detector itself. Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).

pub mod advisor;
pub mod html;
pub mod lanes;
pub mod markdown;
pub mod series;
mod text;
pub mod whatif;

pub use advisor::Advice;
pub use html::render_html;
pub use markdown::render_markdown;
pub use text::render_text;

use crate::detect::{Kind, StreamCounts};
use crate::engine::{Analysis, HolSummary, RebalanceCost, Row, StrategyRun};
use crate::model::{EventStore, Outcome, NONE};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Options for building a report.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// Findings listed (counts stay exact); 0 lists all.
    pub max_findings: usize,
    /// Add each entity's final state per strategy.
    pub state: bool,
    /// Lines skipped by `--lenient`, and the first ten (line, problem).
    pub skipped_lines: u64,
    pub first_skipped: Vec<(u64, String)>,
}

/// The report, as printed with `--format json`.
#[derive(Serialize, Debug, Clone)]
pub struct Report {
    pub kord_report: u32,
    pub source: String,
    pub events: u64,
    pub partitions: u32,
    /// The entity count, or with `--state` the entities with their states.
    pub entities: Value,
    pub entity_count: u64,
    pub stream: StreamSection,
    pub strategies: Vec<StrategyReport>,
    pub findings: Vec<FindingOut>,
    pub findings_total: u64,
    pub advisor: Advice,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_lines: Option<SkippedLines>,
    /// The delivery-model what-if (`--delivery`), when not Kafka partitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// The re-partitioning what-if next to the recorded layout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<whatif::WhatIfSection>,
    /// Measured fixes for hot partitions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<whatif::Suggestion>,
}

/// `stream` section.
#[derive(Serialize, Debug, Clone)]
pub struct StreamSection {
    #[serde(flatten)]
    pub counts: StreamCounts,
    /// The partitioner inferred from keys and partitions (null if none fits).
    pub partitioner: Option<String>,
    pub hot_partitions: Vec<u32>,
    pub hot_keys: Vec<String>,
    pub partition_load: Vec<PartitionLoad>,
}

/// One partition's load.
#[derive(Serialize, Debug, Clone)]
pub struct PartitionLoad {
    pub partition: u32,
    pub events: u64,
    pub share: f64,
}

/// One strategy's costs.
#[derive(Serialize, Debug, Clone)]
pub struct StrategyReport {
    pub strategy: String,
    pub outcomes: Map<String, Value>,
    pub diverged_entities: u64,
    pub lost_events: u64,
    pub consumers: u32,
    pub hol: HolSummary,
    /// What simulated rebalances cost this strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebalance: Option<RebalanceCost>,
}

/// One finding.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct FindingOut {
    pub kind: String,
    pub strategy: Option<String>,
    pub entity: Option<String>,
    pub partition: Option<u32>,
    pub offset: Option<i64>,
    pub index: Option<u32>,
    pub detail: String,
}

/// `--lenient` accounting.
#[derive(Serialize, Debug, Clone)]
pub struct SkippedLines {
    pub count: u64,
    pub first: Vec<Value>,
}

impl StreamSection {
    /// The stream section of an analysis: counts, the partitioner, what is
    /// hot and each partition's load.
    fn of(store: &EventStore, a: &Analysis) -> StreamSection {
        let total: u64 = a.load.partition_events.iter().sum();
        let partition_load = a
            .load
            .partition_events
            .iter()
            .enumerate()
            .map(|(p, &c)| PartitionLoad {
                partition: store.partition_number(p as u32),
                events: c,
                share: if total == 0 {
                    0.0
                } else {
                    round4(c as f64 / total as f64)
                },
            })
            .collect();
        StreamSection {
            counts: a.stream.counts.clone(),
            partitioner: a.load.partitioner.map(|p| p.name().to_string()),
            hot_partitions: a
                .load
                .hot_partitions
                .iter()
                .map(|&p| store.partition_number(p))
                .collect(),
            hot_keys: a
                .load
                .hot_keys
                .iter()
                .map(|&(k, _, _)| store.keys.name(k).to_string())
                .collect(),
            partition_load,
        }
    }
}

impl StrategyReport {
    /// One strategy's costs: a count per outcome (every outcome named).
    fn of(r: &StrategyRun) -> StrategyReport {
        let mut outcomes = Map::new();
        for o in Outcome::ALL {
            outcomes.insert(o.name().into(), r.count(o).into());
        }
        StrategyReport {
            strategy: r.kind.name().into(),
            outcomes,
            diverged_entities: r.diverged.len() as u64,
            lost_events: r.lost(),
            consumers: r.consumers,
            hol: r.hol.clone(),
            rebalance: r.rebalance.clone(),
        }
    }
}

/// The findings listed (stream ones, hot partitions and keys first, then
/// each strategy's; at most `max`, 0 for all) and how many there are.
fn findings(store: &EventStore, a: &Analysis, max: usize) -> (Vec<FindingOut>, u64) {
    let total: u64 = a.load.partition_events.iter().sum();
    let mut findings = Vec::new();
    for &p in &a.load.hot_partitions {
        let c = a.load.partition_events[p as usize];
        findings.push(finding_at(
            (store, &a.rows),
            Kind::HotPartition,
            None,
            None,
            Some(p),
            format!(
                "{c} events, {:.1}% of the stream (fair share {:.1}%)",
                100.0 * c as f64 / total.max(1) as f64,
                100.0 / store.partitions.max(1) as f64
            ),
        ));
    }
    for &(k, p, c) in &a.load.hot_keys {
        let mut f = finding_at(
            (store, &a.rows),
            Kind::HotKey,
            None,
            None,
            Some(p),
            format!(
                "key {:?} has {c} of partition {}'s events",
                store.keys.name(k),
                store.partition_number(p)
            ),
        );
        f.entity = Some(store.keys.name(k).to_string());
        findings.push(f);
    }
    for f in &a.stream.findings {
        findings.push(finding_at(
            (store, &a.rows),
            f.kind,
            None,
            f.event,
            f.partition,
            f.detail.clone(),
        ));
    }
    // Stream findings beyond the ones kept are counted (the streaming analysis keeps the first few).
    let listed = a.stream.findings.len() as u64;
    let mut findings_total = findings.len() as u64 - listed + a.stream.found.max(listed);
    for r in &a.runs {
        findings_total += r.finding_counts.values().sum::<u64>();
        for f in &r.findings {
            findings.push(finding_at(
                (store, &a.rows),
                f.kind,
                Some(r.kind.name()),
                Some(f.event),
                None,
                f.detail.clone(),
            ));
        }
    }
    if max > 0 {
        findings.truncate(max);
    }
    (findings, findings_total)
}

fn finding_at(
    (store, rows): (&EventStore, &HashMap<u32, Row>),
    kind: Kind,
    strategy: Option<&str>,
    i: Option<u32>,
    partition: Option<u32>,
    detail: String,
) -> FindingOut {
    let (entity, offset, partition) = match i {
        Some(i) => {
            let row = rows
                .get(&i)
                .copied()
                .unwrap_or_else(|| Row::of(store, i as usize));
            let e = row.entity;
            (
                (e != NONE).then(|| store.entities.name(e).to_string()),
                Some(row.offset),
                Some(store.partition_number(row.partition)),
            )
        }
        None => (None, None, partition.map(|p| store.partition_number(p))),
    };
    FindingOut {
        kind: kind.name().into(),
        strategy: strategy.map(str::to_string),
        entity,
        partition,
        offset,
        index: i,
        detail,
    }
}

impl Report {
    /// Builds the report of an analysis.
    pub fn build(source: &str, store: &EventStore, a: &Analysis, opts: &ReportOptions) -> Report {
        let (findings, findings_total) = findings(store, a, opts.max_findings);
        let entities = if opts.state {
            Value::Array(entity_states(store, a))
        } else {
            store.entity_count().into()
        };
        Report {
            kord_report: 1,
            source: source.into(),
            events: store.len() as u64,
            partitions: store.partitions,
            entities,
            entity_count: store.entity_count() as u64,
            stream: StreamSection::of(store, a),
            strategies: a.runs.iter().map(StrategyReport::of).collect(),
            findings,
            findings_total,
            advisor: advisor::advise(&a.facts, store.entity_count(), &a.stream.counts, &a.runs),
            skipped_lines: (opts.skipped_lines > 0).then(|| SkippedLines {
                count: opts.skipped_lines,
                first: opts
                    .first_skipped
                    .iter()
                    .map(|(l, m)| serde_json::json!({"line": l, "problem": m}))
                    .collect(),
            }),
            delivery: None,
            what_if: None,
            suggestions: whatif::suggestions(store, &a.load),
        }
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Total count of findings of a kind, across the stream and strategies.
    pub fn count_of(&self, kind: Kind, a: &Analysis) -> u64 {
        let s = &a.stream.counts;
        match kind {
            Kind::VersionGap => s.version_gap,
            Kind::OutOfOrder => s.out_of_order,
            Kind::Duplicate => s.duplicate,
            Kind::Phantom => s.phantom,
            Kind::SplitEntity => s.split_entity,
            Kind::ClockSkew => s.clock_skew,
            Kind::OffsetRegression => s.offset_regression,
            Kind::Unparsed => s.unparsed,
            Kind::HotPartition => self.stream.hot_partitions.len() as u64,
            Kind::HotKey => self.stream.hot_keys.len() as u64,
            Kind::PartitionerMismatch => self.stream.counts.partitioner_mismatch,
            k => a
                .runs
                .iter()
                .map(|r| r.finding_counts.get(&k).copied().unwrap_or(0))
                .sum(),
        }
    }
}

/// What the pictures of the HTML report need beyond [`Report`]: the wait
/// curves of the advisor's strategy (else the first run's) and the lanes.
#[derive(Clone, Debug, Default)]
pub struct Pictures {
    /// The strategy whose simulation the wait curves come from.
    pub waits_of: String,
    pub waits: Option<std::sync::Arc<series::WaitCurves>>,
    /// The strategy whose outcomes the lanes show, and its slot in the runs.
    pub lanes_of: String,
    pub lane_slot: usize,
    pub lanes: Vec<lanes::Lane>,
    /// Strategy names by slot (the runs' order), for the lanes' findings.
    pub strategies: Vec<String>,
}

impl Pictures {
    /// The pictures of an analysis whose report is `r`.
    pub fn of(r: &Report, a: &Analysis) -> Pictures {
        let slot = a
            .runs
            .iter()
            .position(|run| run.kind.name() == r.advisor.strategy)
            .unwrap_or(0);
        let run = a.runs.get(slot);
        Pictures {
            waits_of: run.map(|r| r.kind.name().to_string()).unwrap_or_default(),
            waits: run.map(|r| r.waits.clone()),
            lanes_of: run.map(|r| r.kind.name().to_string()).unwrap_or_default(),
            lane_slot: slot,
            lanes: a.lanes.clone(),
            strategies: a.runs.iter().map(|r| r.kind.name().to_string()).collect(),
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn entity_states(store: &EventStore, a: &Analysis) -> Vec<Value> {
    let events = |e: u32| a.facts.entity_events.get(e as usize).copied().unwrap_or(0);
    (0..store.entity_count() as u32)
        .map(|e| {
            let mut states = Map::new();
            for r in &a.runs {
                if let Some(runner) = &r.states {
                    let st = runner.state(e);
                    let mut m = Map::new();
                    for &(f, v, _) in &st.fields {
                        let value =
                            serde_json::from_str(store.values.name(v)).unwrap_or(Value::Null);
                        m.insert(store.fields.name(f).to_string(), value);
                    }
                    m.insert(
                        "_version".into(),
                        if st.touched && st.version != 0 {
                            st.version.into()
                        } else {
                            Value::Null
                        },
                    );
                    m.insert(
                        "_type".into(),
                        if st.last_type == NONE {
                            Value::Null
                        } else {
                            store.types.name(st.last_type).into()
                        },
                    );
                    if let Some(name) = r.state_names.get(st.machine as usize) {
                        if !r.state_names.is_empty() {
                            m.insert("_state".into(), name.clone().into());
                        }
                    }
                    states.insert(r.kind.name().into(), Value::Object(m));
                }
            }
            serde_json::json!({
                "entity": store.entities.name(e),
                "partitions": a.stream.entity_partitions(e),
                "events": events(e),
                "state": states,
            })
        })
        .collect()
}
