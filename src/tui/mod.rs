//! The terminal UI (SPEC §8): `kord replay FILE` and `kord demo [SCENARIO]`.
//!
//! `data` computes what the views read (off the UI loop), `app` holds the
//! state and the one `update` that changes it, `ui` draws it as a pure
//! function, `keys` maps input to actions and `run` owns the terminal and
//! the loop.

pub mod app;
pub mod data;
pub mod inspect;
pub mod keys;
pub mod run;
pub mod theme;
pub mod ui;

pub use app::{dispatch, update, Action, App, Job, Msg};
pub use data::{CompareData, Dataset, StrategyView};
pub use run::{run, Config, Source};
pub use theme::Theme;

use crate::source::recording::InputError;
use crate::source::{load_recording, synth, LoadOptions, Loaded};
use crate::strategy::StrategyKind;
use std::sync::Arc;

/// Loads a source, reporting (events, bytes read) as it goes.
pub fn load(
    source: &Source,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Loaded, InputError> {
    match source {
        Source::File(path) => load_recording(path, opts, &mut |ing, bytes| {
            progress(ing.store.len() as u64, bytes)
        }),
        Source::Scenario { name, events, seed } => synth::load_scenario(name, *events, *seed, opts),
    }
}

/// Indexes a loaded stream and runs the first strategy.
pub fn prepare(
    loaded: Loaded,
    name: String,
    strategy: Option<StrategyKind>,
    consumers: Option<u32>,
) -> (Arc<Dataset>, Arc<StrategyView>) {
    let ds = Dataset::build(loaded, name, consumers);
    let kind = strategy
        .filter(|k| ds.strategies.contains(k))
        .unwrap_or(ds.default_strategy);
    let view = StrategyView::build(&ds, kind, consumers);
    (Arc::new(ds), Arc::new(view))
}
