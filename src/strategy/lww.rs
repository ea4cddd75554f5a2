//! `lww`: last-write-wins per field, by event time. Never rejects. Core: must
//! not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use super::{EntityState, EventView, Reason, Rule, StrategyKind, Verdict};
use crate::model::EventStore;
use rustc_hash::FxHashMap as HashMap;

/// Per-field last-write-wins.
pub struct Lww {
    /// `[lww.sets]`: what each type writes instead of its payload fields.
    sets: HashMap<u32, Vec<(u32, u32)>>,
}

impl Lww {
    /// The rule for a store (reads its `[lww.sets]`).
    pub fn new(store: &EventStore) -> Lww {
        Lww {
            sets: store.lww_sets.clone(),
        }
    }

    fn writes<'a>(&'a self, ev: &EventView<'a>) -> &'a [(u32, u32)] {
        if self.sets.is_empty() {
            ev.writes
        } else {
            self.sets.get(&ev.etype).map_or(&[], |v| v.as_slice())
        }
    }
}

/// Whether a write at `time` (tie broken by version) beats one at `old`.
fn newer(time: i64, old: Option<i64>) -> bool {
    old.is_none_or(|o| time > o)
}

impl Rule for Lww {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Lww
    }
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict {
        let writes = self.writes(ev);
        let won = writes
            .iter()
            .filter(|(f, _)| newer(ev.time, st.field_time(*f)))
            .count() as u32;
        let lost = writes.len() as u32 - won;
        if won > 0 || (writes.is_empty() && ev.time > st.newest) {
            Verdict::Apply(Reason::LwwWon { won, lost })
        } else {
            Verdict::Skip(Reason::LwwOlder { newest: st.newest })
        }
    }
    fn apply(&self, st: &mut EntityState, ev: &EventView<'_>, _: Reason) {
        for &(f, v) in self.writes(ev) {
            if newer(ev.time, st.field_time(f)) {
                st.write(f, v, ev.time);
            }
        }
        if ev.time > st.newest || !st.touched {
            if let Some(v) = ev.version {
                st.version = v;
            }
            st.last_type = ev.etype;
            st.newest = ev.time;
        }
        st.touched = true;
    }
}
