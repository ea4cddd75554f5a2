//! `versioned-monotonic`: apply any version newer than the last; skip stale ones.
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};

/// Monotonic versioning: gaps are findings, not rejections.
pub struct VersionedMonotonic;

impl Rule for VersionedMonotonic {
    fn kind(&self) -> StrategyKind {
        StrategyKind::VersionedMonotonic
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        let Some(v) = ev.version else {
            return Verdict::Reject(Reason::NoVersion);
        };
        let expected = st.version + 1;
        if v == expected {
            Verdict::Apply(Reason::Next { version: v })
        } else if v > expected {
            Verdict::Apply(Reason::PastGap { expected, got: v })
        } else {
            Verdict::Skip(Reason::Stale {
                last: st.version,
                got: v,
            })
        }
    }
}
