//! Jobs: the background work the loop runs off the UI thread ([`Job`]),
//! the results that come back ([`Msg`]) and how the state takes them;
//! switching strategy and exporting the report, which ask for jobs. A job asks
//! `crate::engine` and runs on a worker: this module must not block the loop or
//! draw.

use super::{App, Overlay};
use crate::report::whatif::Suggestion;
use crate::sim::whatif::WhatIf;
use crate::strategy::StrategyKind;
use crate::tui::action::Action;
use crate::tui::data::{CompareData, Dataset, SimSettings, StrategyView};
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
    Live(crate::tui::live::LiveUpdate),
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
        pictures: true,
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

/// Applies a strategy or export action; hands any other back.
pub(super) fn update(app: &mut App, action: Action) -> Result<Option<Action>, Action> {
    match action {
        Action::NextStrategy => app.cycle_strategy(1),
        Action::PrevStrategy => app.cycle_strategy(-1),
        Action::SetStrategy(k) => app.set_strategy(k),
        Action::ExportReport => {
            if app.ds.is_some() {
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
                let path = std::path::PathBuf::from(format!("kord-report-{stamp}.html"));
                app.set_status(format!("writing the report to {}…", path.display()), false);
                let sim = app.sim_settings();
                app.jobs.push(Job::Export { path, sim });
            }
        }
        other => return Err(other),
    }
    Ok(None)
}

impl App {
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
                self.whatif.pending = false;
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
                self.whatif.pending = false;
                let base = self.recorded();
                self.whatif.recorded = what_if.as_ref().and(base);
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
                self.whatif.shown = what_if;
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
                self.whatif.suggestions = Some(list);
                self.next_what_if();
            }
            Msg::Live(u) => self.on_live(u),
        }
    }

    /// Takes a (first or full) dataset, keeping the user's place and choices.
    pub(in crate::tui) fn set_data(&mut self, ds: Arc<Dataset>, view: Arc<StrategyView>) {
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
        self.whatif.recorded = None;
        self.whatif.suggestions = None;
        self.whatif.suggestion = None;
        // A what-if is laid out again from the new recorded data; membership
        // changes and delivery models need their own simulation.
        // (A layout still being computed was for the old data: ask again.)
        let what_if = if std::mem::take(&mut self.whatif.pending) {
            self.whatif.shown.take();
            self.whatif.wanted.take()
        } else {
            self.whatif.shown.take()
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

    pub(super) fn request_strategy(&mut self, kind: StrategyKind) {
        if self.whatif.pending {
            // The layout being computed carries the strategy and simulation.
            self.pending = Some(kind);
            self.request_layout(self.whatif.wanted.clone());
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

    pub(super) fn request_compare(&mut self) {
        // A layout on its way: compare it once it is shown.
        if self.compare.is_none() && !self.compare_pending && !self.whatif.pending {
            self.compare_pending = true;
            self.jobs.push(Job::Compare {
                gen: self.gen,
                sim: self.sim_settings(),
            });
        }
    }

    pub(super) fn cycle_strategy(&mut self, dir: i64) {
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

    /// `:strategy NAME`, `SetStrategy`: show a strategy the dataset has.
    pub(super) fn set_strategy(&mut self, k: StrategyKind) {
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
