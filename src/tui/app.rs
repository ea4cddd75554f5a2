//! The app state ([`App`]) and [`update`], the only place state changes.
//! `update` hands each action to the module of its concern: `playback`
//! (the cursor), `selection` (rows, cells, viewport), `prompt` (prompts and
//! overlays), `whatif` (the simulated group and re-partitioning) and `jobs`
//! (background work and its results). State must not draw, import the views or
//! run a rule, the simulation or a detector (jobs ask the engine); geometry
//! comes from `crate::tui::layout`.

mod jobs;
mod live;
mod playback;
mod prompt;
mod selection;
mod whatif;

pub use super::action::{Action, Sort};
pub use jobs::{export_report, Base, Job, Msg};

use super::data::{CompareData, Dataset, SimSettings, StrategyView};
use super::inspect::Inspect;
use super::layout;
use super::theme::Theme;
use crate::detect::Kind;
use crate::report::whatif::Suggestion;
use crate::sim::whatif::WhatIf;
use crate::strategy::StrategyKind;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The event at the cursor.
    Cursor,
    /// The latest event of the selected cell.
    Cell,
}

/// A prompt being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    None,
    Filter(String),
    Command(String),
}

/// An overlay over the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Compare,
}

/// Loading progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loading {
    pub name: String,
    pub events: u64,
    pub bytes: u64,
    pub total: u64,
}

/// The most consumers `:consumers N` sets (as `a` adds them).
pub const MAX_CONSUMERS: u32 = 4096;

/// Playback speeds, events per second.
pub const SPEEDS: [u32; 12] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 20000];

/// The frame size and the grid's selection and scroll position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewport {
    pub size: (u16, u16),
    /// Selected row (index into `App::rows`) and the first row shown.
    pub sel_row: usize,
    pub top_row: usize,
    /// Selected partition column and the first column shown.
    pub sel_col: usize,
    pub left_col: usize,
}

impl Default for Viewport {
    fn default() -> Viewport {
        Viewport {
            size: (120, 40),
            sel_row: 0,
            top_row: 0,
            sel_col: 0,
            left_col: 0,
        }
    }
}

/// Playback: whether and how fast the cursor moves, bookmarks, jumps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Playback {
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// Milliseconds of play not yet turned into steps (per mille of an event).
    play_acc: u64,
    pub bookmarks: BTreeSet<usize>,
    /// Kind that finding jumps stop at (None: any).
    pub jump_kind: Option<Kind>,
}

impl Default for Playback {
    fn default() -> Playback {
        Playback {
            playing: false,
            speed: 3,
            play_acc: 0,
            bookmarks: BTreeSet::new(),
            jump_kind: None,
        }
    }
}

/// The re-partitioning what-if: what is shown, asked for, and suggested.
#[derive(Clone, Default)]
pub struct WhatIfState {
    /// The what-if shown (None: the recorded layout).
    pub shown: Option<WhatIf>,
    /// A what-if asked for and being laid out.
    pub pending: bool,
    /// The what-if last asked for (laid out again when new data arrives
    /// before it is done).
    wanted: Option<WhatIf>,
    /// The recorded stream while a what-if is shown.
    pub recorded: Option<Arc<Dataset>>,
    /// The measured fixes `w` cycles through (None: not measured yet).
    pub suggestions: Option<Vec<Suggestion>>,
    /// Which suggestion `w` shows (None: the recorded layout).
    pub suggestion: Option<usize>,
}

/// The whole state of the TUI.
pub struct App {
    pub theme: Theme,
    /// The frame size and what of the grid is selected and scrolled to.
    pub viewport: Viewport,
    /// Playing, speed, bookmarks and where finding jumps stop.
    pub playback: Playback,
    /// The re-partitioning what-if and the measured suggestions.
    pub whatif: WhatIfState,
    pub loading: Option<Loading>,
    /// Why loading stopped after the first part was shown (kept on screen).
    pub load_failed: Option<String>,
    pub error: Option<String>,
    pub ds: Option<Arc<Dataset>>,
    pub view: Option<Arc<StrategyView>>,
    /// The strategy shown (or being computed, see `pending`).
    pub strategy: StrategyKind,
    pub pending: Option<StrategyKind>,
    /// Consumers for the simulation (None: the SPEC default).
    pub consumers: Option<u32>,
    /// Membership changes (command line and `a`/`x`/`K`) and the delivery model.
    pub sim_opts: crate::engine::SimOptions,
    pub compare: Option<Arc<CompareData>>,
    pub compare_pending: bool,
    /// Arrival index of the last processed event.
    pub cursor: usize,
    /// Entity ids shown, in order (filtered and sorted).
    pub rows: Vec<u32>,
    /// Row of each entity (u32::MAX when filtered out).
    pub row_of: Vec<u32>,
    pub focus: Focus,
    pub sort: Sort,
    pub filter: String,
    /// `:find EXPR` and `:where EXPR` (jq over records).
    pub content: super::search::ContentSearch,
    pub prompt: Prompt,
    pub overlay: Overlay,
    /// None: shown when the terminal is wide enough.
    pub show_inspector: Option<bool>,
    pub show_consumers: bool,
    /// A message for the status line, and whether it is an error.
    pub status: Option<(String, bool)>,
    pub inspect: Option<Inspect>,
    /// First line of the help overlay shown.
    pub help_scroll: u16,
    pub quit: bool,
    /// Whether the whole source is loaded (not only its first part).
    pub complete: bool,
    gen: u64,
    /// Jobs for the loop to run.
    pub jobs: Vec<Job>,
    /// The live source's state (`kord live`); None for replay and demo.
    pub live: Option<super::live::LiveState>,
}

impl App {
    /// An app with nothing loaded yet.
    pub fn new(theme: Theme, name: &str) -> App {
        App {
            theme,
            viewport: Viewport::default(),
            playback: Playback::default(),
            whatif: WhatIfState::default(),
            loading: Some(Loading {
                name: name.to_string(),
                events: 0,
                bytes: 0,
                total: 0,
            }),
            load_failed: None,
            error: None,
            ds: None,
            view: None,
            strategy: StrategyKind::Versioned,
            pending: None,
            consumers: None,
            sim_opts: Default::default(),
            compare: None,
            compare_pending: false,
            cursor: 0,
            rows: Vec::new(),
            row_of: Vec::new(),
            focus: Focus::Cursor,
            sort: Sort::Name,
            filter: String::new(),
            content: Default::default(),
            prompt: Prompt::None,
            overlay: Overlay::None,
            show_inspector: None,
            show_consumers: false,
            status: None,
            inspect: None,
            help_scroll: 0,
            quit: false,
            complete: false,
            gen: 0,
            jobs: Vec::new(),
            live: None,
        }
    }

    /// An app over a dataset, with its first strategy view (tests, demo).
    pub fn with_data(theme: Theme, ds: Arc<Dataset>, view: Arc<StrategyView>) -> App {
        let mut app = App::new(theme, &ds.source);
        app.on_msg(Msg::Loaded { ds, view });
        app
    }

    /// Number of events (0 before loading).
    pub fn len(&self) -> usize {
        self.ds.as_ref().map_or(0, |d| d.len())
    }

    /// Whether nothing is loaded or the stream is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the inspector is shown at the current size.
    pub fn inspector_visible(&self) -> bool {
        self.show_inspector.unwrap_or(self.viewport.size.0 >= 110)
    }

    /// The strategy shown, or being computed to be shown next.
    pub fn shown_strategy(&self) -> StrategyKind {
        self.pending.unwrap_or(self.strategy)
    }

    /// The recorded dataset (the one shown when no what-if is).
    pub fn recorded(&self) -> Option<Arc<Dataset>> {
        self.whatif.recorded.clone().or_else(|| self.ds.clone())
    }

    /// The simulation settings jobs run with.
    pub fn sim_settings(&self) -> SimSettings {
        SimSettings {
            consumers: self.consumers,
            opts: self.sim_opts.clone(),
        }
    }

    fn set_status(&mut self, s: impl Into<String>, error: bool) {
        self.status = Some((s.into(), error));
    }
}

fn update_opt(app: &mut App, a: Action) {
    let mut next = Some(a);
    while let Some(a) = next {
        next = update(app, a);
    }
}

/// Applies an action to the state; may return a follow-up action. Each
/// concern's actions are applied by its own module.
pub fn update(app: &mut App, action: Action) -> Option<Action> {
    if !matches!(action, Action::Tick(_) | Action::Resize(..)) {
        app.status = None;
    }
    let mut action = match action {
        Action::Quit => {
            app.quit = true;
            return None;
        }
        Action::Command(c) => {
            return match super::command::parse(&c) {
                Ok(next) => next,
                Err(e) => {
                    app.set_status(e, true);
                    None
                }
            }
        }
        Action::Click(x, y) => return layout::click(app, x, y),
        other => other,
    };
    type Route = fn(&mut App, Action) -> Result<Option<Action>, Action>;
    let routes: [Route; 5] = [
        playback::update,
        selection::update,
        prompt::update,
        whatif::update,
        jobs::update,
    ];
    for route in routes {
        match route(app, action) {
            Ok(next) => return next,
            Err(a) => action = a,
        }
    }
    None
}

/// Applies an action and every follow-up it returns.
pub fn dispatch(app: &mut App, action: Action) {
    update_opt(app, action);
}
