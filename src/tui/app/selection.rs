//! Selection and viewport: which rows (filter, `:where`, sort) and which
//! cell are selected, what is scrolled into view at the frame size, and the
//! inspector's event. Geometry comes from `crate::tui::layout`; it must not
//! draw or run a job.

use super::{update_opt, App, Focus, Overlay, Sort};
use crate::tui::action::Action;
use crate::tui::inspect::Inspect;

/// Applies a selection or viewport action; hands any other back.
pub(super) fn update(app: &mut App, action: Action) -> Result<Option<Action>, Action> {
    match action {
        Action::Resize(w, h) => {
            app.viewport.size = (w, h);
            app.scroll_into_view();
        }
        Action::Rows(d) if app.overlay == Overlay::Help => {
            app.help_scroll = (app.help_scroll as i64 + d).clamp(0, 200) as u16;
        }
        Action::Rows(d) => {
            let n = app.rows.len();
            if n > 0 {
                app.viewport.sel_row =
                    (app.viewport.sel_row as i64 + d).clamp(0, n as i64 - 1) as usize;
                app.focus = Focus::Cell;
                app.scroll_into_view();
                app.refresh();
            }
        }
        Action::Cols(d) => {
            let n = app.partitions();
            if n > 0 {
                app.viewport.sel_col =
                    (app.viewport.sel_col as i64 + d).clamp(0, n as i64 - 1) as usize;
                app.focus = Focus::Cell;
                app.scroll_into_view();
                app.refresh();
            }
        }
        Action::PageUp => {
            let (rows, _) = app.grid_capacity();
            return Ok(Some(Action::Rows(-(rows.max(1) as i64))));
        }
        Action::PageDown => {
            let (rows, _) = app.grid_capacity();
            return Ok(Some(Action::Rows(rows.max(1) as i64)));
        }
        Action::Top => return Ok(Some(Action::Rows(i64::MIN / 2))),
        Action::Bottom => return Ok(Some(Action::Rows(i64::MAX / 2))),
        Action::FirstColumn => return Ok(Some(Action::Cols(i64::MIN / 2))),
        Action::LastColumn => return Ok(Some(Action::Cols(i64::MAX / 2))),
        Action::ScrollUp => return Ok(Some(Action::Rows(-3))),
        Action::ScrollDown => return Ok(Some(Action::Rows(3))),
        Action::SelectCell { row, column } => {
            if let Some(row) = row {
                update_opt(app, Action::Rows(row as i64 - app.viewport.sel_row as i64));
            }
            // The column under the click, after the row's scrolling.
            if let Some(c) = column {
                let col = app.viewport.left_col + c;
                update_opt(app, Action::Cols(col as i64 - app.viewport.sel_col as i64));
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
        Action::SetSort(s) => {
            app.sort = s;
            app.rebuild_rows();
        }
        Action::Narrow(e) => app.narrow_content(&e),
        other => return Err(other),
    }
    Ok(None)
}

impl App {
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
        self.viewport.sel_row = self.viewport.sel_row.min(self.rows.len().saturating_sub(1));
        self.scroll_into_view();
    }

    /// The grid's visible rows and columns at the current size.
    pub fn grid_capacity(&self) -> (usize, usize) {
        crate::tui::layout::grid_capacity(self)
    }

    pub(super) fn partitions(&self) -> usize {
        self.ds
            .as_ref()
            .map_or(0, |d| d.store.partitions.max(1) as usize)
    }

    pub(super) fn scroll_into_view(&mut self) {
        let (rows, cols) = self.grid_capacity();
        let rows = rows.max(1);
        let cols = cols.max(1);
        if self.viewport.sel_row < self.viewport.top_row {
            self.viewport.top_row = self.viewport.sel_row;
        } else if self.viewport.sel_row >= self.viewport.top_row + rows {
            self.viewport.top_row = self.viewport.sel_row + 1 - rows;
        }
        self.viewport.top_row = self
            .viewport
            .top_row
            .min(self.rows.len().saturating_sub(rows));
        let pn = self.partitions();
        self.viewport.sel_col = self.viewport.sel_col.min(pn.saturating_sub(1));
        if self.viewport.sel_col < self.viewport.left_col {
            self.viewport.left_col = self.viewport.sel_col;
        } else if self.viewport.sel_col >= self.viewport.left_col + cols {
            self.viewport.left_col = self.viewport.sel_col + 1 - cols;
        }
        self.viewport.left_col = self.viewport.left_col.min(pn.saturating_sub(cols));
    }

    /// Selects the cursor event's row and column and inspects it.
    pub(super) fn follow_cursor(&mut self) {
        self.focus = Focus::Cursor;
        if let Some(ds) = self.ds.clone() {
            if let Some(&e) = ds.store.entity.get(self.cursor) {
                if let Some(&r) = self.row_of.get(e as usize) {
                    if r != u32::MAX {
                        self.viewport.sel_row = r as usize;
                    }
                }
            }
            if let Some(&p) = ds.store.partition.get(self.cursor) {
                self.viewport.sel_col = p as usize;
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
                let &e = self.rows.get(self.viewport.sel_row)?;
                let evs = ds.entity_events(e);
                let upto = evs.partition_point(|&i| i as usize <= self.cursor);
                let evs = &evs[..upto];
                evs.iter()
                    .rev()
                    .find(|&&i| ds.store.partition[i as usize] as usize == self.viewport.sel_col)
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

    /// `:where EXPR`: rows narrowed to entities with a matching event
    /// (`:where` alone clears it).
    pub(super) fn narrow_content(&mut self, expr: &str) {
        if expr.is_empty() {
            self.content.narrow = None;
            self.set_status("where: cleared", false);
        } else {
            let Some(ds) = self.ds.clone() else { return };
            match crate::filter::RecordFilter::compile(expr) {
                Ok(f) => {
                    let w = crate::tui::search::Narrow::new(f, &ds);
                    self.set_status(format!("where {expr}: {} entities", w.count()), false);
                    self.content.narrow = Some(w);
                }
                Err(m) => return self.set_status(format!(":where {expr}: {m}"), true),
            }
        }
        self.rebuild_rows();
        self.refresh();
    }
}
