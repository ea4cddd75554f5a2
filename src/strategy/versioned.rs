//! `versioned`: strict entity versioning. Apply only version = last + 1;
//! reject everything else, with no automatic recovery after a lost version.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};

/// Strict versioning.
pub struct Versioned;

/// The strict check shared with the rules that build on it.
pub(super) fn strict(st: &EntityState, ev: &EventView<'_>) -> Result<Reason, Reason> {
    let Some(v) = ev.version else {
        return Err(Reason::NoVersion);
    };
    let expected = st.version + 1;
    if v == expected {
        Ok(Reason::Next { version: v })
    } else {
        Err(Reason::Gap { expected, got: v })
    }
}

impl Rule for Versioned {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Versioned
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        match strict(st, ev) {
            Ok(r) => Verdict::Apply(r),
            Err(r) => Verdict::Reject(r),
        }
    }
}
