//! The terminal UI (SPEC §8): `kord replay FILE` and `kord demo [SCENARIO]`.
//!
//! `data` names what the views read (computed by `crate::engine`, off the
//! UI loop), `action` lists what a user can do and `command` parses the `:`
//! line into actions, `keys` maps keys and the mouse to actions, `app` holds
//! the state and the one `update` that changes it (split by concern under
//! `app/`), `layout` says where things go and what a click means, `ui`
//! draws the state as a pure function and `run` owns the terminal and the
//! loop. State never imports the views. The TUI must not run a rule, the
//! simulation or a detector itself: it asks the engine.

pub mod action;
pub mod app;
pub mod clock;
pub mod command;
pub mod data;
pub mod inspect;
pub mod keys;
pub mod layout;
pub mod live;
pub mod run;
pub mod search;
pub mod theme;
pub mod ui;

pub use app::{dispatch, update, Action, App, Job, Msg};
pub use data::{CompareData, Dataset, StrategyView};
pub use run::{run, tune_allocator, Config, Source, WhatIfSettings};
pub use theme::Theme;

use crate::model::Ingest;
use crate::source::recording::{is_compressed, InputError};
use crate::source::{load_recording, synth, LoadOptions, Loaded};
use crate::strategy::StrategyKind;
use data::{SimSettings, SimView};
use std::path::PathBuf;
use std::sync::Arc;

/// A raw-record source for the inspector: the file and its line offsets.
pub type RawFile = Option<(PathBuf, Vec<u64>)>;

/// Loads a source, calling `progress(ingest so far, bytes read)` as it goes.
/// An uncompressed file's records are not kept in memory: the inspector
/// reads the one it shows from the file (by a line index built here).
pub fn load(
    source: &Source,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&Ingest, u64),
) -> Result<(Loaded, RawFile), InputError> {
    match source {
        Source::File(path) => {
            let from_file = opts.keep_raw && !is_compressed(path);
            let opts = LoadOptions {
                keep_raw: opts.keep_raw && !from_file,
                ..opts.clone()
            };
            // The line index (a memchr over the file, cached pages mostly)
            // is read on a thread beside the load, not after it.
            let (loaded, raw) = std::thread::scope(|s| {
                let index = from_file.then(|| s.spawn(|| Dataset::index_lines(path, u64::MAX)));
                let loaded = load_recording(path, &opts, progress);
                let raw = index
                    .and_then(|h| h.join().ok())
                    .and_then(Result::ok)
                    .map(|starts| (path.clone(), starts));
                (loaded, raw)
            });
            Ok((loaded?, raw))
        }
        Source::Scenario { name, events, seed } => {
            Ok((synth::load_scenario(name, *events, *seed, opts)?, None))
        }
        Source::Live => Err(InputError {
            file: "live".into(),
            line: 0,
            field: None,
            message: "a live topic is read by its own source, not loaded".into(),
            fatal: true,
        }),
    }
}

/// Indexes a loaded stream and runs the first strategy.
pub fn prepare(
    loaded: Loaded,
    name: String,
    strategy: Option<StrategyKind>,
    consumers: Option<u32>,
) -> (Arc<Dataset>, Arc<StrategyView>) {
    prepare_with(loaded, name, strategy, consumers, None)
}

/// As [`prepare`], with the inspector's raw-record source.
pub fn prepare_with(
    loaded: Loaded,
    name: String,
    strategy: Option<StrategyKind>,
    consumers: Option<u32>,
    raw: RawFile,
) -> (Arc<Dataset>, Arc<StrategyView>) {
    let Loaded {
        store,
        lens,
        header,
        ..
    } = loaded;
    // The first view's strategy (the dataset offers what the lens allows).
    let kind = strategy
        .filter(|k| StrategyKind::all_for(&lens).contains(k))
        .unwrap_or_else(|| StrategyKind::default_for(&lens));
    let settings = SimSettings::consumers(consumers);
    // Its simulation runs beside the stream detectors.
    let about = (header.and_then(|h| h.note), name, consumers);
    let (mut ds, sim) = Dataset::build_beside(store, lens, about, |store, lens| {
        SimView::of(store, lens, kind, consumers, &settings)
    });
    ds.raw_file = raw;
    let view = StrategyView::build_with_sim(&ds, kind, Arc::new(sim));
    (Arc::new(ds), Arc::new(view))
}
