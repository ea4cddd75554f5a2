//! `sequential`: one queue, one consumer, everything applied in arrival order.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};

/// Applies every event in arrival order.
pub struct Sequential;

impl Rule for Sequential {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Sequential
    }
    fn decide(&self, _: &EntityState, _: &EventView<'_>) -> Verdict {
        Verdict::Apply(Reason::InOrder)
    }
}
