//! `hybrid`: a strategy per event type, as the lens's `[strategy] by_type`
//! says, over one shared entity state (as production systems combine them).
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{rule_for, EntityState, EventView, Reason, Rule, StrategyKind, Verdict};
use crate::model::{EventStore, Lens};
use std::collections::HashMap;

/// Per-type dispatch to other rules.
pub struct Hybrid {
    default: Box<dyn Rule>,
    by_type: HashMap<u32, Box<dyn Rule>>,
    names: Vec<String>,
}

impl Hybrid {
    /// The rule for a lens; unknown strategy names fall back to the default.
    pub fn new(lens: &Lens, store: &EventStore) -> Hybrid {
        let pick = |name: Option<&str>| -> StrategyKind {
            name.and_then(|n| n.parse().ok())
                .filter(|k| *k != StrategyKind::Hybrid)
                .unwrap_or(StrategyKind::Partitioned)
        };
        let default_kind = pick(lens.default_strategy.as_deref());
        let default = rule_for(default_kind, lens, store);
        let mut by_type = HashMap::new();
        for (ty, name) in &lens.strategy_by_type {
            if let Some(t) = store.types.get(ty) {
                by_type.insert(t, rule_for(pick(Some(name)), lens, store));
            }
        }
        let names = rule_for(StrategyKind::StateMachine, lens, store).state_names();
        Hybrid {
            default,
            by_type,
            names,
        }
    }

    fn rule(&self, ev: &EventView<'_>) -> &dyn Rule {
        self.by_type
            .get(&ev.etype)
            .map_or(self.default.as_ref(), |r| r.as_ref())
    }
}

impl Rule for Hybrid {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Hybrid
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        self.rule(ev).decide(st, ev)
    }
    fn apply(&self, st: &mut EntityState, ev: &EventView<'_>, reason: Reason) {
        self.rule(ev).apply(st, ev, reason)
    }
    fn state_names(&self) -> Vec<String> {
        self.names.clone()
    }
}
