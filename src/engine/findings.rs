//! Strategy findings: the one mapping from a decision's outcome to a finding
//! kind, and the one wording of a head-of-line block. The report, the
//! timeline's markers and the inspector all take their words from here.
//! Owns no state; must not import the TUI, the CLI or any adapter.

use crate::detect::Kind;
use crate::model::{EventStore, Outcome};
use crate::sim::HolBlock;

/// The finding a decision's outcome is (None for outcomes that are not
/// findings: applied, skipped, buffered, released).
pub fn finding_kind(outcome: Outcome) -> Option<Kind> {
    match outcome {
        Outcome::Rejected => Some(Kind::Rejected),
        Outcome::Expired => Some(Kind::Expired),
        Outcome::DeadLettered => Some(Kind::DeadLettered),
        _ => None,
    }
}

/// How much a head-of-line finding says: the report names the blocker's
/// entity and cost; the timeline's marker names the blocker and its entity
/// (the inspector shows the cost on its own line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolWording {
    /// `waited N ms behind other entities; blocker: event #B (entity, C ms)`.
    Report,
    /// `waited N ms behind other entities; blocker #B (entity)`.
    Marker,
}

/// The words of a head-of-line block ("held up by" another entity's event).
pub fn hol_detail(store: &EventStore, hol_ms: i64, blocker: u32, wording: HolWording) -> String {
    let b = blocker as usize;
    let who = store.entity_name(b);
    match wording {
        HolWording::Report => format!(
            "waited {hol_ms} ms behind other entities; blocker: event #{blocker} ({who}, {} ms)",
            store.cost.get(b).copied().unwrap_or(0)
        ),
        HolWording::Marker => {
            format!("waited {hol_ms} ms behind other entities; blocker #{blocker} ({who})")
        }
    }
}

/// [`hol_detail`] of a block.
pub fn hol_block_detail(store: &EventStore, b: &HolBlock, wording: HolWording) -> String {
    hol_detail(store, b.hol_ms, b.blocker, wording)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_losses_are_findings() {
        let kinds: Vec<_> = Outcome::ALL
            .iter()
            .filter_map(|&o| finding_kind(o))
            .collect();
        assert_eq!(
            kinds,
            vec![Kind::Rejected, Kind::Expired, Kind::DeadLettered]
        );
        assert_eq!(finding_kind(Outcome::Buffered), None);
    }

    #[test]
    fn both_wordings_name_the_blocker() {
        let s = crate::sim::tests::store_of(&[(0, "slow", 0, 500), (0, "next", 10, 1)]);
        let r = hol_detail(&s, 490, 0, HolWording::Report);
        assert_eq!(
            r,
            "waited 490 ms behind other entities; blocker: event #0 (slow, 500 ms)"
        );
        let m = hol_detail(&s, 490, 0, HolWording::Marker);
        assert_eq!(m, "waited 490 ms behind other entities; blocker #0 (slow)");
    }
}
