//! Search by content in the TUI: `F` / `:find EXPR` jumps to the next event
//! whose record the jq expression selects, `:where EXPR` narrows the grid's
//! rows to entities with at least one such event. The expression sees the
//! record as `--where` does (crate::filter), read from the raw record.
//! Matching only: it must not change app state or draw (the app state applies
//! the results, the views draw them).

use super::data::Dataset;
use crate::filter::RecordFilter;
use crate::model::line::parse_record;
use std::sync::Arc;

/// The expressions in force.
#[derive(Default)]
pub struct ContentSearch {
    /// `:find EXPR`: what `F` jumps to.
    pub find: Option<RecordFilter>,
    /// `:where EXPR` and, per entity id of the dataset it was computed on,
    /// whether one of its events matches.
    pub narrow: Option<Narrow>,
}

/// A `:where` expression and the entities it keeps.
pub struct Narrow {
    pub filter: RecordFilter,
    keeps: Vec<bool>,
    /// The dataset `keeps` was computed on (entity ids change with it).
    of: usize,
}

/// Whether event `i`'s record matches.
pub fn event_matches(ds: &Dataset, f: &RecordFilter, i: usize) -> bool {
    ds.raw_record(i)
        .and_then(|raw| parse_record(&raw).ok().map(|r| f.matches(&r)))
        .unwrap_or(false)
}

/// The next event after `from` (wrapping around) that matches, if any.
pub fn find_next(ds: &Dataset, f: &RecordFilter, from: usize) -> Option<usize> {
    let n = ds.len();
    (1..=n)
        .map(|k| (from + k) % n)
        .find(|&i| event_matches(ds, f, i))
}

fn key(ds: &Arc<Dataset>) -> usize {
    Arc::as_ptr(ds) as usize
}

impl Narrow {
    /// Evaluates `filter` over every event of `ds`.
    pub fn new(filter: RecordFilter, ds: &Arc<Dataset>) -> Narrow {
        let mut n = Narrow {
            filter,
            keeps: Vec::new(),
            of: 0,
        };
        n.refresh(ds);
        n
    }

    /// Recomputes the kept entities when the dataset changed.
    pub fn refresh(&mut self, ds: &Arc<Dataset>) {
        if self.of == key(ds) && !self.keeps.is_empty() {
            return;
        }
        let store = &ds.store;
        let mut keeps = vec![false; store.entity_count()];
        for (i, &e) in store.entity.iter().enumerate() {
            if let Some(k) = keeps.get_mut(e as usize) {
                if !*k && event_matches(ds, &self.filter, i) {
                    *k = true;
                }
            }
        }
        self.keeps = keeps;
        self.of = key(ds);
    }

    /// Whether entity `e` has a matching event.
    pub fn keeps(&self, e: u32) -> bool {
        self.keeps.get(e as usize).copied().unwrap_or(false)
    }

    /// How many entities it keeps.
    pub fn count(&self) -> usize {
        self.keeps.iter().filter(|&&k| k).count()
    }
}
