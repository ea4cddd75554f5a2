//! The state a strategy keeps per entity. Core: must not import the terminal,
//! tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use super::EventView;
use crate::model::NONE;

/// One entity's state under one strategy: 64 bytes (a runner's table of
/// them is read at random, so its size is what the caches hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntityState {
    /// (field id, value id, event time of the write), sorted by field id;
    /// the first two inline.
    pub fields: smallvec::SmallVec<[(u32, u32, i64); 2]>,
    /// Last applied version (0 before any).
    pub version: i64,
    /// Last applied type id (NONE before any).
    pub last_type: u32,
    /// State-machine state (0 is the initial state; a lens names at most
    /// [`super::MAX_STATES`]).
    pub machine: u16,
    /// Event time of the newest applied event (for lww's version and type).
    pub newest: i64,
    /// Whether any event was applied.
    pub touched: bool,
}
const _: () = assert!(size_of::<EntityState>() == 64);

impl EntityState {
    /// A state before any event.
    pub fn new() -> EntityState {
        EntityState {
            last_type: NONE,
            newest: i64::MIN,
            ..EntityState::default()
        }
    }

    /// Merges all of the event's fields (later wins) and sets version and type.
    pub fn merge(&mut self, ev: &EventView<'_>) {
        for &(f, v) in ev.writes {
            self.write(f, v, ev.time);
        }
        if let Some(v) = ev.version {
            self.version = v;
        }
        self.last_type = ev.etype;
        self.newest = self.newest.max(ev.time);
        self.touched = true;
    }

    /// Writes one field.
    pub fn write(&mut self, field: u32, value: u32, time: i64) {
        match self.fields.binary_search_by_key(&field, |x| x.0) {
            Ok(i) => self.fields[i] = (field, value, time),
            Err(i) => self.fields.insert(i, (field, value, time)),
        }
    }

    /// The write time of a field, if written.
    pub fn field_time(&self, field: u32) -> Option<i64> {
        self.fields
            .binary_search_by_key(&field, |x| x.0)
            .ok()
            .map(|i| self.fields[i].2)
    }

    /// Whether two states hold the same content (write times aside).
    pub fn same_content(&self, other: &EntityState) -> bool {
        self.version == other.version
            && self.last_type == other.last_type
            && self.machine == other.machine
            && self.fields.len() == other.fields.len()
            && self
                .fields
                .iter()
                .zip(&other.fields)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1)
    }
}
