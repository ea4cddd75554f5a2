//! `partitioned`: one queue per partition; everything applied in partition order.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};

/// Applies every event in partition order.
pub struct Partitioned;

impl Rule for Partitioned {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Partitioned
    }
    fn decide(&self, _: &EntityState, _: &EventView<'_>) -> Verdict {
        Verdict::Apply(Reason::InOrder)
    }
}
