//! `buffered`: hold an event until it is next (version = last + 1, or a
//! valid transition), release held ones as soon as they fit, expire them
//! after the buffer timeout of stream time (the runner does the holding). Core:
//! must not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use super::state_machine::Machine;
use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};
use crate::model::{EventStore, Lens};

/// Reordering buffer in front of strict versioning (or the state machine).
pub struct Buffered {
    machine: Option<Machine>,
}

impl Buffered {
    /// The rule for a lens.
    pub fn new(lens: &Lens, store: &EventStore) -> Buffered {
        Buffered {
            machine: Machine::compile(lens, store),
        }
    }
}

impl Rule for Buffered {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Buffered
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        if let Some(v) = ev.version {
            let expected = st.version + 1;
            return if v == expected {
                Verdict::Apply(Reason::Next { version: v })
            } else if v < expected {
                Verdict::Skip(Reason::Stale {
                    last: st.version,
                    got: v,
                })
            } else {
                Verdict::Hold(Reason::WaitingFor { expected })
            };
        }
        match self.machine.as_ref().and_then(|m| m.check(st, ev)) {
            Some(Ok(r)) => Verdict::Apply(r),
            Some(Err(Reason::InvalidTransition { from, to })) => {
                Verdict::Hold(Reason::WaitingForTransition { from, to })
            }
            Some(Err(r)) => Verdict::Hold(r),
            None if self.machine.is_some() => Verdict::Apply(Reason::NotInMachine),
            None => Verdict::Apply(Reason::InOrder),
        }
    }
    fn state_names(&self) -> Vec<String> {
        self.machine
            .as_ref()
            .map(|m| m.states.clone())
            .unwrap_or_default()
    }
}
