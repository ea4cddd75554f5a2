//! `state-machine`: the lens names states, transitions and which type moves
//! to which state; an invalid transition is skipped, buffered or
//! dead-lettered. Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};
use crate::model::lens::OnInvalid;
use crate::model::{EventStore, Lens};
use std::collections::HashMap;

/// A compiled state machine.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// State names; index 0 is the initial state.
    pub states: Vec<String>,
    /// Allowed targets per state.
    pub transitions: Vec<Vec<u32>>,
    /// Target state per type id.
    pub by_type: HashMap<u32, u32>,
    pub on_invalid: OnInvalid,
}

impl Machine {
    /// Compiles the lens's `[state_machine]`, if any.
    pub fn compile(lens: &Lens, store: &EventStore) -> Option<Machine> {
        let cfg = lens.state_machine.as_ref()?;
        let mut m = Machine {
            states: vec![cfg.initial.clone()],
            on_invalid: cfg.on_invalid,
            ..Machine::default()
        };
        let id = |m: &mut Machine, s: &str| -> u32 {
            if let Some(i) = m.states.iter().position(|x| x == s) {
                return i as u32;
            }
            m.states.push(s.to_string());
            (m.states.len() - 1) as u32
        };
        let mut edges = Vec::new();
        for (from, tos) in &cfg.transitions {
            let f = id(&mut m, from);
            for to in tos {
                let t = id(&mut m, to);
                edges.push((f, t));
            }
        }
        for (ty, st) in &cfg.by_type {
            let s = id(&mut m, st);
            if let Some(t) = store.types.get(ty) {
                m.by_type.insert(t, s);
            }
        }
        m.transitions = vec![Vec::new(); m.states.len()];
        for (f, t) in edges {
            m.transitions[f as usize].push(t);
        }
        Some(m)
    }

    /// `Ok(transition)` if the event's type may move from the current state,
    /// `Err(invalid)` if not, `None` when the type moves no state.
    pub fn check(&self, st: &EntityState, ev: &EventView<'_>) -> Option<Result<Reason, Reason>> {
        let to = *self.by_type.get(&ev.etype)?;
        let from = u32::from(st.machine);
        let ok = self
            .transitions
            .get(from as usize)
            .is_some_and(|t| t.contains(&to));
        Some(if ok {
            Ok(Reason::Transition { from, to })
        } else {
            Err(Reason::InvalidTransition { from, to })
        })
    }
}

/// The state-machine strategy.
pub struct StateMachine {
    machine: Option<Machine>,
}

impl StateMachine {
    /// The rule for a lens.
    pub fn new(lens: &Lens, store: &EventStore) -> StateMachine {
        StateMachine {
            machine: Machine::compile(lens, store),
        }
    }
}

impl Rule for StateMachine {
    fn kind(&self) -> StrategyKind {
        StrategyKind::StateMachine
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        let Some(m) = &self.machine else {
            return Verdict::Apply(Reason::NoMachine);
        };
        match m.check(st, ev) {
            None => Verdict::Apply(Reason::NotInMachine),
            Some(Ok(r)) => Verdict::Apply(r),
            Some(Err(r)) => match m.on_invalid {
                OnInvalid::Skip => Verdict::Skip(r),
                OnInvalid::DeadLetter => Verdict::DeadLetter(r),
                OnInvalid::Buffer => match r {
                    Reason::InvalidTransition { from, to } => {
                        Verdict::Hold(Reason::WaitingForTransition { from, to })
                    }
                    other => Verdict::Hold(other),
                },
            },
        }
    }
    fn state_names(&self) -> Vec<String> {
        self.machine
            .as_ref()
            .map(|m| m.states.clone())
            .unwrap_or_default()
    }
}
