//! The app state, the [`Action`]s a user (or a test) can take, and
//! [`update`], the only place state changes. Heavy work is requested as
//! [`Job`]s that the loop runs off-thread; their results come back as [`Msg`].

use super::action::TimeArg;
pub use super::action::{Action, Sort};
use super::data::{CompareData, Dataset, Marker, SimSettings, StrategyView};
use super::inspect::Inspect;
use super::theme::Theme;
use super::ui;
use crate::detect::Kind;
use crate::partition::Partitioner;
use crate::report::whatif::Suggestion;
use crate::sim::whatif::{PartitionBy, WhatIf};
use crate::sim::{Change, Rebalance};
use crate::strategy::StrategyKind;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Background work the loop runs off the UI thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    Strategy {
        gen: u64,
        kind: StrategyKind,
        sim: SimSettings,
    },
    Compare {
        gen: u64,
        sim: SimSettings,
    },
    /// Lay the recorded stream out by a what-if (None: as recorded).
    Layout {
        gen: u64,
        base: Base,
        what_if: Option<WhatIf>,
        kind: StrategyKind,
        sim: SimSettings,
    },
    /// Measure the fixes for the recorded stream's hot partitions.
    Suggest {
        gen: u64,
        base: Base,
    },
    /// Write the HTML report of what is loaded to `path`.
    Export {
        path: std::path::PathBuf,
        sim: SimSettings,
    },
}

/// The recorded dataset a layout job starts from (compared by identity).
#[derive(Clone)]
pub struct Base(pub Arc<Dataset>);

impl PartialEq for Base {
    fn eq(&self, other: &Base) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Base {}

impl std::fmt::Debug for Base {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base({} events)", self.0.len())
    }
}

impl Job {
    /// Runs the job (on a worker thread; tests call it inline).
    pub fn run(self, ds: &Dataset) -> Msg {
        match self {
            Job::Strategy { gen, kind, sim } => Msg::Strategy {
                gen,
                view: Arc::new(StrategyView::build_sim(ds, kind, &sim)),
            },
            Job::Compare { gen, sim } => Msg::Compare {
                gen,
                data: Arc::new(CompareData::build(ds, &sim)),
            },
            Job::Layout {
                gen,
                base,
                what_if,
                kind,
                sim,
            } => {
                let ds = match &what_if {
                    Some(w) => Arc::new(base.0.what_if(w)),
                    None => base.0,
                };
                let kind = if ds.strategies.contains(&kind) {
                    kind
                } else {
                    ds.default_strategy
                };
                let view = Arc::new(StrategyView::build_sim(&ds, kind, &sim));
                Msg::Layout {
                    gen,
                    ds,
                    view,
                    what_if,
                }
            }
            Job::Suggest { gen, base } => Msg::Suggestions {
                gen,
                list: base.0.suggestions(),
            },
            Job::Export { path, sim } => Msg::Exported(export_report(ds, &sim, &path)),
        }
    }
}

/// Results from sources and workers.
pub enum Msg {
    /// Loading: events read, bytes read, file size (0 if unknown).
    Progress {
        events: u64,
        bytes: u64,
        total: u64,
    },
    Loaded {
        ds: Arc<Dataset>,
        view: Arc<StrategyView>,
    },
    /// The first part of a big recording, to browse while the rest loads.
    Partial {
        ds: Arc<Dataset>,
        view: Arc<StrategyView>,
    },
    Failed(String),
    Strategy {
        gen: u64,
        view: Arc<StrategyView>,
    },
    Compare {
        gen: u64,
        data: Arc<CompareData>,
    },
    /// The stream laid out by a what-if (or as recorded again).
    Layout {
        gen: u64,
        ds: Arc<Dataset>,
        view: Arc<StrategyView>,
        what_if: Option<WhatIf>,
    },
    Suggestions {
        gen: u64,
        list: Vec<Suggestion>,
    },
    /// A rebuilt live view (`kord live`).
    Live(super::live::LiveUpdate),
    /// The report was written (where, in words) or not (why).
    Exported(Result<String, String>),
}

/// Analyzes what is loaded, as `kord analyze` does (every strategy, the
/// simulation as set in the TUI), and writes the HTML report to `path`.
pub fn export_report(
    ds: &Dataset,
    sim: &SimSettings,
    path: &std::path::Path,
) -> Result<String, String> {
    use crate::report::{render_html, Pictures, Report, ReportOptions};
    let opts = crate::engine::Options {
        strategies: ds.strategies.clone(),
        consumers: sim.consumers.or(ds.consumers),
        max_findings: 1000,
        keep_states: false,
    };
    let a = crate::engine::analyze_with(&ds.store, &ds.lens, &opts, &sim.opts);
    let ropts = ReportOptions {
        max_findings: 1000,
        ..ReportOptions::default()
    };
    let r = Report::build(&ds.source, &ds.store, &a, &ropts);
    let html = render_html(&r, &Pictures::of(&r, &a));
    std::fs::write(path, &html).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(format!(
        "report of {} events written to {} ({} KB)",
        ds.len(),
        shown.display(),
        html.len().div_ceil(1024)
    ))
}

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

/// The whole state of the TUI.
pub struct App {
    pub theme: Theme,
    pub size: (u16, u16),
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
    /// The re-partitioning what-if shown (None: the recorded layout).
    pub what_if: Option<WhatIf>,
    /// A what-if asked for and being laid out.
    pub what_if_pending: bool,
    /// The what-if last asked for (laid out again when new data arrives
    /// before it is done).
    what_if_wanted: Option<WhatIf>,
    /// The recorded stream while a what-if is shown.
    pub recorded: Option<Arc<Dataset>>,
    /// The measured fixes `w` cycles through (None: not measured yet).
    pub suggestions: Option<Vec<Suggestion>>,
    /// Which suggestion `w` shows (None: the recorded layout).
    pub suggestion: Option<usize>,
    pub compare: Option<Arc<CompareData>>,
    pub compare_pending: bool,
    /// Arrival index of the last processed event.
    pub cursor: usize,
    /// Entity ids shown, in order (filtered and sorted).
    pub rows: Vec<u32>,
    /// Row of each entity (u32::MAX when filtered out).
    pub row_of: Vec<u32>,
    pub sel_row: usize,
    pub top_row: usize,
    pub sel_col: usize,
    pub left_col: usize,
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
    pub playing: bool,
    pub speed: usize,
    play_acc: u64,
    pub bookmarks: BTreeSet<usize>,
    /// Kind that finding jumps stop at (None: any).
    pub jump_kind: Option<Kind>,
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
            size: (120, 40),
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
            what_if: None,
            what_if_pending: false,
            what_if_wanted: None,
            recorded: None,
            suggestions: None,
            suggestion: None,
            compare: None,
            compare_pending: false,
            cursor: 0,
            rows: Vec::new(),
            row_of: Vec::new(),
            sel_row: 0,
            top_row: 0,
            sel_col: 0,
            left_col: 0,
            focus: Focus::Cursor,
            sort: Sort::Name,
            filter: String::new(),
            content: Default::default(),
            prompt: Prompt::None,
            overlay: Overlay::None,
            show_inspector: None,
            show_consumers: false,
            playing: false,
            speed: 3,
            play_acc: 0,
            bookmarks: BTreeSet::new(),
            jump_kind: None,
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
        self.show_inspector.unwrap_or(self.size.0 >= 110)
    }

    /// Applies a worker or source message.
    pub fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Progress {
                events,
                bytes,
                total,
            } => {
                if let Some(l) = &mut self.loading {
                    l.events = events;
                    l.bytes = bytes;
                    l.total = total;
                }
            }
            Msg::Failed(e) if self.ds.is_none() => {
                // Nothing to show: leave, and let the command line report it.
                self.loading = None;
                self.error = Some(e);
                self.quit = true;
            }
            Msg::Failed(e) if self.loading.is_some() => {
                // The loader stopped after the first part was shown (a file
                // truncated under it): keep what is loaded and say so.
                self.loading = None;
                self.complete = true;
                self.set_status(format!("loading stopped: {e}"), true);
                self.load_failed = Some(e);
            }
            Msg::Exported(Ok(s)) => self.set_status(s, false),
            Msg::Exported(Err(e)) => self.set_status(e, true),
            Msg::Failed(e) => {
                self.pending = None;
                self.what_if_pending = false;
                self.compare_pending = false;
                self.set_status(e, true);
            }
            Msg::Partial { ds, view } => {
                if self.complete {
                    return;
                }
                self.set_data(ds, view);
            }
            Msg::Loaded { ds, view } => {
                self.loading = None;
                self.complete = true;
                self.set_data(ds, view);
            }
            Msg::Strategy { gen, view } => {
                if gen != self.gen {
                    return;
                }
                self.strategy = view.kind;
                self.pending = None;
                self.view = Some(view);
                self.set_status(format!("strategy: {}", self.strategy.name()), false);
                self.refresh();
            }
            Msg::Compare { gen, data } => {
                if gen != self.gen {
                    return;
                }
                self.compare_pending = false;
                self.compare = Some(data);
            }
            Msg::Layout {
                gen,
                ds,
                view,
                what_if,
            } => {
                if gen != self.gen {
                    return;
                }
                self.what_if_pending = false;
                let base = self.recorded();
                self.recorded = what_if.as_ref().and(base);
                self.set_status(
                    match &what_if {
                        Some(w) => format!(
                            "what-if: {} partitions, {} by {} (w: next, :whatif off)",
                            w.partitions,
                            w.partitioner.name(),
                            w.by.describe()
                        ),
                        None => "recorded layout".to_string(),
                    },
                    false,
                );
                self.what_if = what_if;
                self.pending = None;
                self.ds = Some(ds);
                self.strategy = view.kind;
                self.view = Some(view);
                self.rebuild_rows();
                self.follow_cursor();
                if self.overlay == Overlay::Compare {
                    self.request_compare();
                }
            }
            Msg::Suggestions { gen, list } => {
                if gen != self.gen {
                    return;
                }
                self.suggestions = Some(list);
                self.next_what_if();
            }
            Msg::Live(u) => self.on_live(u),
        }
    }

    /// The strategy shown, or being computed to be shown next.
    pub fn shown_strategy(&self) -> StrategyKind {
        self.pending.unwrap_or(self.strategy)
    }

    /// The recorded dataset (the one shown when no what-if is).
    pub fn recorded(&self) -> Option<Arc<Dataset>> {
        self.recorded.clone().or_else(|| self.ds.clone())
    }

    /// The simulation settings jobs run with.
    pub fn sim_settings(&self) -> SimSettings {
        SimSettings {
            consumers: self.consumers,
            opts: self.sim_opts.clone(),
        }
    }

    /// Lays the stream out by `what_if` (None: as recorded), off the loop.
    pub fn request_layout(&mut self, what_if: Option<WhatIf>) {
        let Some(base) = self.recorded() else { return };
        self.gen += 1;
        self.compare = None;
        self.compare_pending = false;
        self.what_if_pending = true;
        self.what_if_wanted = what_if.clone();
        self.jobs.push(Job::Layout {
            gen: self.gen,
            base: Base(base),
            what_if,
            kind: self.shown_strategy(),
            sim: self.sim_settings(),
        });
    }

    /// `w`: the next measured suggestion, then the recorded layout again.
    fn next_what_if(&mut self) {
        let Some(list) = &self.suggestions else {
            let Some(base) = self.recorded() else { return };
            self.set_status("measuring fixes for the hot partitions...", false);
            self.jobs.push(Job::Suggest {
                gen: self.gen,
                base: Base(base),
            });
            return;
        };
        if list.is_empty() {
            self.set_status(
                "no hot partition, nothing to suggest; try :partition-by KEY|entity|/a,/b or :partitions N",
                false,
            );
            return;
        }
        let next = match self.suggestion {
            None => Some(0),
            Some(i) if i + 1 < list.len() => Some(i + 1),
            Some(_) => None,
        };
        self.suggestion = next;
        let w = next.and_then(|i| {
            let s = &list[i];
            Some(WhatIf {
                partitions: s.partitions,
                partitioner: s.partitioner.parse().ok()?,
                by: PartitionBy::parse(&s.partition_by).ok()?,
            })
        });
        self.request_layout(w);
    }

    /// Changes one part of the what-if (`:partitions`, `:partitioner`, `:partition-by`).
    fn edit_what_if(&mut self, edit: impl FnOnce(&mut WhatIf)) {
        let Some(base) = self.recorded() else { return };
        let mut w = self.what_if.clone().unwrap_or(WhatIf {
            partitions: base.store.partitions.max(1),
            partitioner: base.load.partitioner.unwrap_or(Partitioner::Murmur2),
            by: PartitionBy::Key,
        });
        edit(&mut w);
        self.suggestion = None;
        self.request_layout(Some(w));
    }

    /// Adds a membership change at the cursor and re-simulates.
    fn change_members(&mut self, change: Change) {
        if self.shown_strategy().is_sequential() {
            self.set_status(
                "sequential delivery has one consumer; switch strategy (s) to see a rebalance",
                true,
            );
            return;
        }
        if self.sim_opts.model != crate::sim::Model::Kafka {
            self.set_status(
                format!(
                    "{} delivery has no consumer group to rebalance (:delivery kafka)",
                    self.sim_opts.model.name()
                ),
                true,
            );
            return;
        }
        let at = self.cursor as u32;
        let what = match &change {
            Change::Add => "a consumer joins".to_string(),
            Change::Remove(c) => format!("c{c} leaves"),
            Change::Kill(c) => format!("c{c} dies (its partitions wait for the session timeout)"),
        };
        let r = &mut self.sim_opts.rebalances;
        let pos = r.partition_point(|x| x.at <= at);
        r.insert(pos, Rebalance { at, change });
        self.set_status(format!("#{at}: {what}; rebalancing, re-simulating"), false);
        self.request_strategy(self.shown_strategy());
    }

    /// Members of the simulated group at the cursor.
    fn members_at_cursor(&self) -> Vec<u32> {
        let Some(v) = &self.view else { return vec![] };
        match v.sim.generation_at(self.cursor) {
            Some(g) => g.members.clone(),
            None => (0..v.sim.consumers).collect(),
        }
    }

    /// Takes a (first or full) dataset, keeping the user's place and choices.
    pub(super) fn set_data(&mut self, ds: Arc<Dataset>, view: Arc<StrategyView>) {
        let first = self.ds.is_none();
        // Results computed for an earlier dataset no longer apply.
        self.gen += 1;
        self.compare = None;
        self.compare_pending = false;
        let wanted = if first {
            view.kind
        } else {
            self.shown_strategy()
        };
        self.pending = None;
        self.consumers = self.consumers.or(ds.consumers);
        self.ds = Some(ds);
        self.strategy = view.kind;
        self.view = Some(view);
        if first {
            self.cursor = 0;
        } else {
            self.cursor = self.cursor.min(self.len().saturating_sub(1));
            if wanted != self.strategy {
                self.request_strategy(wanted);
            }
            if self.overlay == Overlay::Compare {
                self.request_compare();
            }
        }
        self.recorded = None;
        self.suggestions = None;
        self.suggestion = None;
        // A what-if is laid out again from the new recorded data; membership
        // changes and delivery models need their own simulation.
        // (A layout still being computed was for the old data: ask again.)
        let what_if = if std::mem::take(&mut self.what_if_pending) {
            self.what_if.take();
            self.what_if_wanted.take()
        } else {
            self.what_if.take()
        };
        if let Some(mut w) = what_if {
            if w.partitions == 0 {
                w.partitions = self.recorded().map_or(1, |d| d.store.partitions.max(1));
            }
            self.request_layout(Some(w));
        } else if self.sim_opts != Default::default() {
            self.request_strategy(wanted);
        }
        self.rebuild_rows();
        self.follow_cursor();
    }

    fn set_status(&mut self, s: impl Into<String>, error: bool) {
        self.status = Some((s.into(), error));
    }

    /// Rows: entities matching the filter, in sort order.
    pub fn rebuild_rows(&mut self) {
        let Some(ds) = self.ds.clone() else { return };
        let store = &ds.store;
        let n = store.entity_count();
        let needle = self.filter.to_lowercase();
        if let Some(w) = &mut self.content.narrow {
            w.refresh(&ds);
        }
        let narrow = self.content.narrow.as_ref();
        let mut rows: Vec<u32> = (0..n as u32)
            .filter(|&e| {
                (needle.is_empty() || store.entities.name(e).to_lowercase().contains(&needle))
                    && narrow.is_none_or(|w| w.keeps(e))
            })
            .collect();
        let losses = self.view.as_ref().map(|v| &v.ent_losses);
        match self.sort {
            Sort::Name => rows.sort_by(|&a, &b| store.entities.name(a).cmp(store.entities.name(b))),
            Sort::Activity => rows.sort_by_key(|&e| std::cmp::Reverse(ds.entity_events(e).len())),
            Sort::Findings => rows.sort_by_key(|&e| {
                let l = losses.and_then(|l| l.get(e as usize)).copied().unwrap_or(0);
                let f = ds.ent_findings.get(e as usize).copied().unwrap_or(0);
                std::cmp::Reverse(l + f)
            }),
        }
        self.row_of = vec![u32::MAX; n];
        for (i, &e) in rows.iter().enumerate() {
            self.row_of[e as usize] = i as u32;
        }
        self.rows = rows;
        self.sel_row = self.sel_row.min(self.rows.len().saturating_sub(1));
        self.scroll_into_view();
    }

    /// The grid's visible rows and columns at the current size.
    pub fn grid_capacity(&self) -> (usize, usize) {
        let areas = ui::layout(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        );
        let g = ui::grid::geometry(areas.grid);
        (g.rows, g.cols)
    }

    fn partitions(&self) -> usize {
        self.ds
            .as_ref()
            .map_or(0, |d| d.store.partitions.max(1) as usize)
    }

    fn scroll_into_view(&mut self) {
        let (rows, cols) = self.grid_capacity();
        let rows = rows.max(1);
        let cols = cols.max(1);
        if self.sel_row < self.top_row {
            self.top_row = self.sel_row;
        } else if self.sel_row >= self.top_row + rows {
            self.top_row = self.sel_row + 1 - rows;
        }
        self.top_row = self.top_row.min(self.rows.len().saturating_sub(rows));
        let pn = self.partitions();
        self.sel_col = self.sel_col.min(pn.saturating_sub(1));
        if self.sel_col < self.left_col {
            self.left_col = self.sel_col;
        } else if self.sel_col >= self.left_col + cols {
            self.left_col = self.sel_col + 1 - cols;
        }
        self.left_col = self.left_col.min(pn.saturating_sub(cols));
    }

    /// Selects the cursor event's row and column and inspects it.
    fn follow_cursor(&mut self) {
        self.focus = Focus::Cursor;
        if let Some(ds) = self.ds.clone() {
            if let Some(&e) = ds.store.entity.get(self.cursor) {
                if let Some(&r) = self.row_of.get(e as usize) {
                    if r != u32::MAX {
                        self.sel_row = r as usize;
                    }
                }
            }
            if let Some(&p) = ds.store.partition.get(self.cursor) {
                self.sel_col = p as usize;
            }
        }
        self.scroll_into_view();
        self.refresh();
    }

    /// The event the inspector is about.
    pub fn focused_event(&self) -> Option<usize> {
        let ds = self.ds.as_ref()?;
        if ds.is_empty() {
            return None;
        }
        match self.focus {
            Focus::Cursor => Some(self.cursor.min(ds.len() - 1)),
            Focus::Cell => {
                let &e = self.rows.get(self.sel_row)?;
                let evs = ds.entity_events(e);
                let upto = evs.partition_point(|&i| i as usize <= self.cursor);
                let evs = &evs[..upto];
                evs.iter()
                    .rev()
                    .find(|&&i| ds.store.partition[i as usize] as usize == self.sel_col)
                    .or_else(|| evs.last())
                    .map(|&i| i as usize)
            }
        }
    }

    /// Recomputes what depends on the cursor and selection (the inspector).
    pub fn refresh(&mut self) {
        self.inspect = match (&self.ds, &self.view, self.focused_event()) {
            (Some(ds), Some(view), Some(ev)) => Some(Inspect::build(ds, view, ev, self.cursor)),
            _ => None,
        };
    }

    /// Markers the jump keys stop at.
    fn jump_markers(&self) -> Vec<&Marker> {
        let Some(v) = &self.view else { return vec![] };
        v.markers
            .iter()
            .filter(|m| self.jump_kind.is_none_or(|k| m.kind == k))
            .collect()
    }

    fn seek(&mut self, i: usize) {
        let n = self.len();
        if n == 0 {
            return;
        }
        self.cursor = i.min(n - 1);
        self.follow_cursor();
    }

    fn request_strategy(&mut self, kind: StrategyKind) {
        if self.what_if_pending {
            // The layout being computed carries the strategy and simulation.
            self.pending = Some(kind);
            self.request_layout(self.what_if_wanted.clone());
            return;
        }
        self.gen += 1;
        self.pending = Some(kind);
        self.compare = None;
        self.compare_pending = false;
        self.jobs.push(Job::Strategy {
            gen: self.gen,
            kind,
            sim: self.sim_settings(),
        });
        if self.overlay == Overlay::Compare {
            self.request_compare();
        }
    }

    fn request_compare(&mut self) {
        // A layout on its way: compare it once it is shown.
        if self.compare.is_none() && !self.compare_pending && !self.what_if_pending {
            self.compare_pending = true;
            self.jobs.push(Job::Compare {
                gen: self.gen,
                sim: self.sim_settings(),
            });
        }
    }

    fn cycle_strategy(&mut self, dir: i64) {
        let Some(ds) = &self.ds else { return };
        let list = &ds.strategies;
        if list.is_empty() {
            return;
        }
        let cur = self.shown_strategy();
        let pos = list.iter().position(|k| *k == cur).unwrap_or(0) as i64;
        let next = list[(pos + dir).rem_euclid(list.len() as i64) as usize];
        self.request_strategy(next);
    }

    fn set_consumers(&mut self, n: u32) {
        let n = n.clamp(1, MAX_CONSUMERS);
        if self.shown_strategy().is_sequential() {
            self.set_status(
                "sequential delivery has one consumer; switch strategy (s) to see a rebalance",
                true,
            );
            return;
        }
        self.consumers = Some(n);
        // A new count from the start replaces the membership changes.
        self.sim_opts.rebalances.clear();
        self.set_status(
            format!("consumers: {n} from the start, re-simulating"),
            false,
        );
        self.request_strategy(self.shown_strategy());
    }

    /// `:goto N`: an index past the end is said, not clamped.
    fn seek_checked(&mut self, i: usize) {
        let n = self.len();
        if i >= n {
            let msg = if n == 0 {
                "no events yet".to_string()
            } else {
                format!("no event #{i}: the stream has events #0 to #{}", n - 1)
            };
            self.set_status(msg, true);
            return;
        }
        self.seek(i);
    }

    /// `:time T` outside the stream's arrival times: what to say.
    fn time_out_of_range(&self, ms: i64) -> Option<String> {
        let ds = self.ds.as_ref()?;
        let (first, last) = (*ds.store.arrival.first()?, *ds.store.arrival.last()?);
        (ms > last).then(|| {
            format!(
                "no event at or after {}: the stream runs from {} to {}",
                crate::strategy::fmt_ms(ms),
                crate::strategy::fmt_ms(first),
                crate::strategy::fmt_ms(last)
            )
        })
    }

    /// `:find EXPR` (Some) or `F` (None: the last expression): the next
    /// event after the cursor whose record matches.
    fn find_content(&mut self, expr: Option<&str>) {
        if let Some(e) = expr {
            match crate::filter::RecordFilter::compile(e) {
                Ok(f) => self.content.find = Some(f),
                Err(m) => return self.set_status(format!(":find {e}: {m}"), true),
            }
        }
        let (Some(ds), Some(f)) = (self.ds.clone(), self.content.find.as_ref()) else {
            self.prompt = Prompt::Command("find ".into());
            return;
        };
        let expr = f.expr().to_string();
        match super::search::find_next(&ds, f, self.cursor) {
            Some(i) => {
                let wrapped = i <= self.cursor;
                self.seek(i);
                self.set_status(
                    format!(
                        "find {expr}: event {i}{}",
                        if wrapped { " (from the start)" } else { "" }
                    ),
                    false,
                );
            }
            None => self.set_status(format!("find {expr}: no event matches"), true),
        }
    }

    /// `:where EXPR`: rows narrowed to entities with a matching event
    /// (`:where` alone clears it).
    fn narrow_content(&mut self, expr: &str) {
        if expr.is_empty() {
            self.content.narrow = None;
            self.set_status("where: cleared", false);
        } else {
            let Some(ds) = self.ds.clone() else { return };
            match crate::filter::RecordFilter::compile(expr) {
                Ok(f) => {
                    let w = super::search::Narrow::new(f, &ds);
                    self.set_status(format!("where {expr}: {} entities", w.count()), false);
                    self.content.narrow = Some(w);
                }
                Err(m) => return self.set_status(format!(":where {expr}: {m}"), true),
            }
        }
        self.rebuild_rows();
        self.refresh();
    }

    /// `:time T`: the epoch ms it names (a time of day on the stream's
    /// first day), or what to say.
    fn resolve_time(&self, t: &TimeArg) -> Result<i64, String> {
        match t {
            TimeArg::Epoch(ms) => Ok(*ms),
            TimeArg::OfDay { ms, text } => {
                let at = (|| {
                    let ds = self.ds.as_ref()?;
                    let first = *ds.store.arrival.first()?;
                    let day = chrono::DateTime::from_timestamp_millis(first)?.date_naive();
                    let start = day.and_time(chrono::NaiveTime::MIN);
                    Some(start.and_utc().timestamp_millis() + *ms as i64)
                })();
                match at {
                    Some(at) if at < 0 => Err(super::command::before_1970(text)),
                    Some(at) => Ok(at),
                    None => Err(super::command::not_a_time(text)),
                }
            }
        }
    }

    /// `:time T`: go there, or say why not.
    fn goto_time(&mut self, t: &TimeArg) {
        match self.resolve_time(t) {
            Ok(ms) => match self.time_out_of_range(ms) {
                Some(e) => self.set_status(e, true),
                None => update_opt(self, Action::SeekTime(ms)),
            },
            Err(e) => self.set_status(e, true),
        }
    }

    /// `:strategy NAME`, `SetStrategy`: show a strategy the dataset has.
    fn set_strategy(&mut self, k: StrategyKind) {
        if self.ds.as_ref().is_some_and(|d| d.strategies.contains(&k)) {
            self.request_strategy(k)
        } else {
            self.set_status(
                format!("{} needs a lens with per-type strategies", k.name()),
                true,
            )
        }
    }
}

fn update_opt(app: &mut App, a: Action) {
    let mut next = Some(a);
    while let Some(a) = next {
        next = update(app, a);
    }
}

/// Applies an action to the state; may return a follow-up action.
pub fn update(app: &mut App, action: Action) -> Option<Action> {
    if !matches!(action, Action::Tick(_) | Action::Resize(..)) {
        app.status = None;
    }
    match action {
        Action::Quit => app.quit = true,
        Action::Tick(ms) => {
            if app.playing && !app.is_empty() {
                app.play_acc += ms * SPEEDS[app.speed] as u64;
                let steps = app.play_acc / 1000;
                app.play_acc %= 1000;
                if steps > 0 {
                    let n = app.len();
                    let next = app.cursor.saturating_add(steps as usize);
                    if next >= n - 1 {
                        app.playing = false;
                    }
                    app.seek(next);
                }
            }
        }
        Action::Resize(w, h) => {
            app.size = (w, h);
            app.scroll_into_view();
        }
        Action::Step(d) => {
            let c = app.cursor as i64 + d;
            app.seek(c.max(0) as usize);
        }
        Action::Seek(i) => app.seek(i),
        Action::SeekStart => app.seek(0),
        Action::SeekEnd => app.seek(usize::MAX),
        Action::SeekTime(ms) => {
            if let Some(ds) = app.ds.clone() {
                let i = ds.store.arrival.partition_point(|&a| a < ms);
                app.seek(i);
            }
        }
        Action::FindContent => app.find_content(None),
        Action::NextFinding | Action::PrevFinding => {
            let fwd = action == Action::NextFinding;
            let cur = app.cursor as u32;
            let target = {
                let ms = app.jump_markers();
                if fwd {
                    ms.iter().find(|m| m.at > cur).map(|m| **m)
                } else {
                    ms.iter().rev().find(|m| m.at < cur).map(|m| **m)
                }
            };
            match target {
                Some(m) => {
                    let detail = match (&app.ds, &app.view) {
                        (Some(ds), Some(v)) => v.detail(ds, &m),
                        _ => String::new(),
                    };
                    app.seek(m.at as usize);
                    app.set_status(format!("{}: {detail}", m.kind.name()), false);
                }
                None => app.set_status(
                    format!(
                        "no {} {}",
                        app.jump_kind.map_or("finding", |k| k.name()),
                        if fwd {
                            "after this event"
                        } else {
                            "before this event"
                        }
                    ),
                    false,
                ),
            }
        }
        Action::CycleFindingKind => {
            let kinds: Vec<Kind> = {
                let mut v: Vec<Kind> = app
                    .view
                    .as_ref()
                    .map(|v| v.markers.iter().map(|m| m.kind).collect())
                    .unwrap_or_default();
                v.sort();
                v.dedup();
                v
            };
            app.jump_kind = match app.jump_kind {
                None => kinds.first().copied(),
                Some(k) => kinds
                    .iter()
                    .position(|x| *x == k)
                    .and_then(|p| kinds.get(p + 1))
                    .copied(),
            };
            app.set_status(
                format!(
                    "n/N jump to: {}",
                    app.jump_kind.map_or("any finding", |k| k.name())
                ),
                false,
            );
        }
        Action::TogglePlay => {
            app.playing = !app.playing && !app.is_empty();
            if app.playing && app.cursor + 1 >= app.len() {
                app.seek(0);
            }
        }
        Action::Faster => app.speed = (app.speed + 1).min(SPEEDS.len() - 1),
        Action::Slower => app.speed = app.speed.saturating_sub(1),
        Action::NextStrategy => app.cycle_strategy(1),
        Action::PrevStrategy => app.cycle_strategy(-1),
        Action::SetStrategy(k) => app.set_strategy(k),
        Action::SetSpeed(s) => {
            app.speed = SPEEDS
                .iter()
                .position(|&x| x >= s)
                .unwrap_or(SPEEDS.len() - 1);
        }
        Action::Rows(d) if app.overlay == Overlay::Help => {
            app.help_scroll = (app.help_scroll as i64 + d).clamp(0, 200) as u16;
        }
        Action::Rows(d) => {
            let n = app.rows.len();
            if n > 0 {
                app.sel_row = (app.sel_row as i64 + d).clamp(0, n as i64 - 1) as usize;
                app.focus = Focus::Cell;
                app.scroll_into_view();
                app.refresh();
            }
        }
        Action::Cols(d) => {
            let n = app.partitions();
            if n > 0 {
                app.sel_col = (app.sel_col as i64 + d).clamp(0, n as i64 - 1) as usize;
                app.focus = Focus::Cell;
                app.scroll_into_view();
                app.refresh();
            }
        }
        Action::PageUp => {
            let (rows, _) = app.grid_capacity();
            return Some(Action::Rows(-(rows.max(1) as i64)));
        }
        Action::PageDown => {
            let (rows, _) = app.grid_capacity();
            return Some(Action::Rows(rows.max(1) as i64));
        }
        Action::Top => return Some(Action::Rows(i64::MIN / 2)),
        Action::Bottom => return Some(Action::Rows(i64::MAX / 2)),
        Action::FirstColumn => return Some(Action::Cols(i64::MIN / 2)),
        Action::LastColumn => return Some(Action::Cols(i64::MAX / 2)),
        Action::ToggleHelp => {
            app.help_scroll = 0;
            app.overlay = if app.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            }
        }
        Action::ToggleCompare => {
            if app.overlay == Overlay::Compare {
                app.overlay = Overlay::None;
            } else {
                app.overlay = Overlay::Compare;
                app.request_compare();
            }
        }
        Action::ToggleInspector => {
            app.show_inspector = Some(!app.inspector_visible());
            app.scroll_into_view();
        }
        Action::ToggleConsumers => {
            app.show_consumers = !app.show_consumers;
            app.scroll_into_view();
        }
        Action::ExportReport => {
            if app.ds.is_some() {
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
                let path = std::path::PathBuf::from(format!("kord-report-{stamp}.html"));
                app.set_status(format!("writing the report to {}…", path.display()), false);
                let sim = app.sim_settings();
                app.jobs.push(Job::Export { path, sim });
            }
        }
        Action::StartFilter => app.prompt = Prompt::Filter(app.filter.clone()),
        Action::StartCommand => app.prompt = Prompt::Command(String::new()),
        Action::Input(c) => match &mut app.prompt {
            Prompt::Filter(s) => {
                s.push(c);
                let f = s.clone();
                app.filter = f;
                app.rebuild_rows();
                app.refresh();
            }
            Prompt::Command(s) => s.push(c),
            Prompt::None => {}
        },
        Action::Backspace => match &mut app.prompt {
            Prompt::Filter(s) => {
                s.pop();
                let f = s.clone();
                app.filter = f;
                app.rebuild_rows();
                app.refresh();
            }
            Prompt::Command(s) => {
                s.pop();
            }
            Prompt::None => {}
        },
        Action::Submit => {
            let p = std::mem::replace(&mut app.prompt, Prompt::None);
            if let Prompt::Command(c) = p {
                return Some(Action::Command(c));
            }
        }
        Action::Cancel => {
            if app.prompt != Prompt::None {
                if let Prompt::Filter(_) = app.prompt {
                    app.filter.clear();
                    app.rebuild_rows();
                    app.refresh();
                }
                app.prompt = Prompt::None;
            } else if app.overlay != Overlay::None {
                app.overlay = Overlay::None;
            } else if !app.filter.is_empty() {
                app.filter.clear();
                app.rebuild_rows();
                app.refresh();
            }
        }
        Action::SetFilter(f) => {
            app.filter = f;
            app.rebuild_rows();
            app.refresh();
        }
        Action::CycleSort => {
            app.sort = match app.sort {
                Sort::Name => Sort::Activity,
                Sort::Activity => Sort::Findings,
                Sort::Findings => Sort::Name,
            };
            app.rebuild_rows();
            app.follow_cursor();
            app.set_status(format!("rows sorted by {}", app.sort.name()), false);
        }
        Action::ToggleBookmark => {
            if !app.bookmarks.remove(&app.cursor) {
                app.bookmarks.insert(app.cursor);
                app.set_status(format!("bookmarked event #{}", app.cursor), false);
            } else {
                app.set_status(format!("bookmark at #{} removed", app.cursor), false);
            }
        }
        Action::NextBookmark | Action::PrevBookmark => {
            let c = app.cursor;
            let t = if action == Action::NextBookmark {
                app.bookmarks.range(c + 1..).next().copied()
            } else {
                app.bookmarks.range(..c).next_back().copied()
            };
            match t {
                Some(i) => app.seek(i),
                None => app.set_status("no bookmark that way (m sets one)", false),
            }
        }
        Action::AddConsumer => app.change_members(Change::Add),
        Action::RemoveConsumer => {
            let members = app.members_at_cursor();
            match members.iter().max() {
                Some(&c) if members.len() > 1 => app.change_members(Change::Remove(c)),
                _ => app.set_status("the group needs at least one consumer", true),
            }
        }
        Action::KillConsumer => {
            let owner = app
                .view
                .as_ref()
                .map(|v| v.sim.owner_at(app.sel_col as u32, app.cursor));
            match owner {
                Some(c) if c != u32::MAX && app.members_at_cursor().len() > 1 => {
                    app.change_members(Change::Kill(c))
                }
                _ => app.set_status(
                    "select a column owned by one of two or more consumers to kill its owner",
                    true,
                ),
            }
        }
        Action::NextWhatIf => app.next_what_if(),
        Action::Click(x, y) => ui::click(app, x, y),
        Action::ScrollUp => return Some(Action::Rows(-3)),
        Action::ScrollDown => return Some(Action::Rows(3)),
        Action::Command(c) => match super::command::parse(&c) {
            Ok(next) => return next,
            Err(e) => app.set_status(e, true),
        },
        Action::Goto(i) => app.seek_checked(i),
        Action::GotoTime(t) => app.goto_time(&t),
        Action::FindExpr(e) => app.find_content(Some(&e)),
        Action::Narrow(e) => app.narrow_content(&e),
        Action::SetJumpKind(k) => {
            app.jump_kind = k;
            app.set_status(
                format!(
                    "jumps stop at: {}",
                    app.jump_kind.map_or("any finding", |k| k.name())
                ),
                false,
            );
        }
        Action::SetSort(s) => {
            app.sort = s;
            app.rebuild_rows();
        }
        Action::SetTheme(name) => match super::theme::Theme::builtin(&name) {
            Some(mut t) => {
                t.no_color = app.theme.no_color;
                app.theme = t;
            }
            None => app.set_status("themes: dark, light, colorblind", true),
        },
        Action::ShowHelp => app.overlay = Overlay::Help,
        Action::ShowCompare => {
            app.overlay = Overlay::Compare;
            app.request_compare();
        }
        Action::SetConsumers(n) => app.set_consumers(n),
        Action::ClearRebalances => {
            app.sim_opts.rebalances.clear();
            app.set_status("membership changes cleared, re-simulating", false);
            app.request_strategy(app.shown_strategy());
        }
        Action::SetDelivery(m) => {
            app.sim_opts.model = m;
            app.set_status(format!("delivery: {}, re-simulating", m.name()), false);
            app.request_strategy(app.shown_strategy());
        }
        Action::ToggleWhatIf if app.what_if.is_some() => return Some(Action::RecordedLayout),
        Action::ToggleWhatIf => app.next_what_if(),
        Action::RecordedLayout => {
            app.suggestion = None;
            app.request_layout(None);
        }
        Action::SetPartitions(n) => app.edit_what_if(|w| w.partitions = n),
        Action::SetPartitioner(p) => app.edit_what_if(|w| w.partitioner = p),
        Action::SetPartitionBy(by) => app.edit_what_if(|w| w.by = by),
    }
    None
}

/// Applies an action and every follow-up it returns.
pub fn dispatch(app: &mut App, action: Action) {
    update_opt(app, action);
}
