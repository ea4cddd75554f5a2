//! What the views read, as the engine computes it: the TUI asks the engine
//! (`crate::engine`) and draws. This module must not compute (no rule,
//! simulation or detector runs here) or draw; the names are the ones the views
//! have always used (`StrategyView` is the engine's [`Timeline`]).

pub use crate::engine::{
    mark, CompareData, CompareRow, Dataset, DeliveryRow, Marker, Note, SimSettings, SimView,
    Timeline, NO_LATER,
};

/// One strategy's timeline, as the views call it.
pub type StrategyView = Timeline;
