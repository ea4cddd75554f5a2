//! The grid: partitions as columns, entities as rows, each cell the entity's
//! recent events in that partition as glyphs coloured by outcome as of the
//! cursor. Only the visible rows and columns are drawn; the geometry is
//! `layout`'s, the selection the state's. Draws only; must not change state.

use super::{compact, glyph, outcome_style};
use crate::tui::app::App;
use crate::tui::data::{mark, Dataset, StrategyView};
use crate::tui::layout::{geometry, Geometry, HEADER_H};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::Frame;

/// Events scanned back per row at most (keeps a frame bounded on huge entities).
const MAX_SCAN: usize = 4096;

/// Writes `s` at (x, y), cut to `w` cells.
pub(super) fn put(f: &mut Frame, x: u16, y: u16, s: &str, w: u16, style: Style) {
    if w == 0 {
        return;
    }
    f.buffer_mut().set_stringn(x, y, s, w as usize, style);
}

/// What every part of the grid reads, set once per frame.
struct Grid<'a> {
    app: &'a App,
    ds: &'a Dataset,
    view: &'a StrategyView,
    r: Rect,
    g: Geometry,
    /// The partitions shown: `first_col..last_col` of `pn`.
    first_col: usize,
    last_col: usize,
    pn: usize,
}

/// Draws the grid.
pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let (Some(ds), Some(view)) = (&app.ds, &app.view) else {
        return;
    };
    let g = geometry(r);
    let pn = ds.store.partitions.max(1) as usize;
    let first_col = app.viewport.left_col.min(pn);
    let last_col = (first_col + g.cols).min(pn);
    let grid = Grid {
        app,
        ds,
        view,
        r,
        g,
        first_col,
        last_col,
        pn,
    };
    header(f, &grid);
    let t = &app.theme;
    if app.rows.is_empty() {
        let msg = if app.filter.is_empty() {
            " no entities: the lens reads none (try --entity)"
        } else {
            " no entity matches the filter (Esc clears it)"
        };
        put(f, r.x, r.y + HEADER_H, msg, r.width, t.dim());
        return;
    }

    rows(f, &grid);
}

/// The header: partition (hot marked), consumer and lag, events and share.
fn header(f: &mut Frame, grid: &Grid) {
    let Grid {
        app,
        ds,
        r,
        g,
        first_col,
        last_col,
        pn,
        ..
    } = *grid;
    let t = &app.theme;
    let total: u64 = ds.load.partition_events.iter().sum();
    let max_share = ds.load.partition_events.iter().copied().max().unwrap_or(0);
    put(
        f,
        r.x,
        r.y,
        " entity",
        g.label_w,
        t.fg(t.header).add_modifier(Modifier::BOLD),
    );
    put(
        f,
        r.x,
        r.y + 1,
        &format!(" {} rows", compact(app.rows.len() as u64)),
        g.label_w,
        t.dim(),
    );
    if first_col > 0 || last_col < pn {
        put(
            f,
            r.x,
            r.y + 2,
            &format!(" p{}-{} of {}", first_col, last_col.saturating_sub(1), pn),
            g.label_w,
            t.dim(),
        );
    }
    for (ci, p) in (first_col..last_col).enumerate() {
        partition_header(f, grid, ci, p, (total, max_share));
    }
}

/// One partition's three header lines; `load` is the stream's total events
/// and the busiest partition's.
fn partition_header(f: &mut Frame, grid: &Grid, ci: usize, p: usize, load: (u64, u64)) {
    let Grid {
        app,
        ds,
        view,
        r,
        g,
        ..
    } = *grid;
    let (total, max_share) = load;
    let t = &app.theme;
    let cursor = app.cursor;
    let x = r.x + g.label_w + ci as u16 * g.col_w;
    let w = g.col_w - 1;
    let hot = ds.load.hot_partitions.contains(&(p as u32));
    let sel = p == app.viewport.sel_col;
    let mut head = t.fg(t.header).add_modifier(Modifier::BOLD);
    if hot {
        head = t.fg(t.hot).add_modifier(Modifier::BOLD);
    }
    if sel {
        head = head.add_modifier(Modifier::REVERSED);
    }
    let label = if hot {
        format!("p{p} HOT")
    } else {
        format!("p{p}")
    };
    put(
        f,
        x,
        r.y,
        &format!("{label:<width$}", width = w as usize),
        w,
        head,
    );
    let lag = view.sim.lag(ds, p as u32, cursor);
    let owner = match view.sim.owner_at(p as u32, cursor) {
        u32::MAX => "-".to_string(),
        o => format!("c{o}"),
    };
    let ev = ds.load.partition_events.get(p).copied().unwrap_or(0);
    let share = if total == 0 {
        0.0
    } else {
        ev as f64 / total as f64
    };
    let heat = if max_share == 0 {
        0.0
    } else {
        ev as f64 / max_share as f64
    };
    let heat_style = if hot {
        t.fg(t.hot)
    } else if heat > 0.75 {
        t.fg(t.warn)
    } else {
        t.dim()
    };
    // Line 2: owning consumer, lag (if any) and a heat bar at the right.
    let l2 = if lag > 0 {
        format!("{owner} L{}", compact(lag as u64))
    } else {
        owner
    };
    put(
        f,
        x,
        r.y + 1,
        &l2,
        w - 1,
        if lag > 0 { t.fg(t.warn) } else { t.dim() },
    );
    let bar = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'][((heat * 7.0).round() as usize).min(7)];
    let mut b = [0u8; 4];
    put(
        f,
        x + w - 1,
        r.y + 1,
        bar.encode_utf8(&mut b),
        1,
        heat_style,
    );
    // Line 3: events and share of the stream.
    put(
        f,
        x,
        r.y + 2,
        &format!("{:>4}{:>3.0}%", compact(ev), share * 100.0),
        w,
        heat_style,
    );
}

/// The visible rows: each entity's label and its cells.
fn rows(f: &mut Frame, grid: &Grid) {
    let Grid {
        app,
        ds,
        r,
        g,
        first_col,
        last_col,
        ..
    } = *grid;
    let t = &app.theme;
    let cursor = app.cursor;
    let s = &ds.store;
    let slots = (g.col_w - 2) as usize;
    let ncols = last_col - first_col;
    let mut cells: Vec<Vec<usize>> = vec![Vec::with_capacity(slots); ncols];
    for (ri, &e) in app
        .rows
        .iter()
        .skip(app.viewport.top_row)
        .take(g.rows)
        .enumerate()
    {
        let y = r.y + HEADER_H + ri as u16;
        let row = app.viewport.top_row + ri;
        let sel = row == app.viewport.sel_row;
        let row_style = if sel { t.selection() } else { Style::default() };
        if sel {
            f.buffer_mut()
                .set_style(Rect::new(r.x, y, r.width, 1), row_style);
        }
        row_label(f, grid, y, e, sel);
        // Cells: the entity's latest events per visible partition, newest right.
        for c in cells.iter_mut() {
            c.clear();
        }
        let evs = ds.entity_events(e);
        let upto = evs.partition_point(|&i| i as usize <= cursor);
        let mut full = 0;
        for &i in evs[..upto].iter().rev().take(MAX_SCAN) {
            let p = s.partition[i as usize] as usize;
            if p < first_col || p >= last_col {
                continue;
            }
            let c = &mut cells[p - first_col];
            if c.len() < slots {
                c.push(i as usize);
                if c.len() == slots {
                    full += 1;
                    if full == ncols {
                        break;
                    }
                }
            }
        }
        row_cells(f, grid, y, &cells, sel);
    }
}

/// An entity's name, then its split / gap / phantom marks.
fn row_label(f: &mut Frame, grid: &Grid, y: u16, e: u32, sel: bool) {
    let Grid { app, ds, r, g, .. } = *grid;
    let t = &app.theme;
    let s = &ds.store;
    let row_style = if sel { t.selection() } else { Style::default() };
    let name = s.entities.name(e);
    let emarks = ds.ent_marks.get(e as usize).copied().unwrap_or(0);
    let mut tags = String::new();
    if emarks & mark::SPLIT != 0 {
        tags.push('⇄');
    }
    if emarks & mark::GAP != 0 {
        tags.push('!');
    }
    if emarks & mark::PHANTOM != 0 {
        tags.push('?');
    }
    let name_w = g.label_w.saturating_sub(2 + tags.chars().count() as u16);
    let label_style = if sel {
        t.text().patch(row_style).add_modifier(Modifier::BOLD)
    } else {
        t.text()
    };
    put(f, r.x + 1, y, name, name_w, label_style);
    put(
        f,
        r.x + 1 + name_w,
        y,
        &tags,
        g.label_w.saturating_sub(1 + name_w),
        t.fg(t.finding).patch(row_style),
    );
}

/// A row's cells: the events collected per visible partition, newest right.
fn row_cells(f: &mut Frame, grid: &Grid, y: u16, cells: &[Vec<usize>], sel: bool) {
    let Grid {
        app,
        ds,
        view,
        r,
        g,
        first_col,
        ..
    } = *grid;
    let t = &app.theme;
    let cursor = app.cursor;
    let row_style = if sel { t.selection() } else { Style::default() };
    let focused = app.inspect.as_ref().map(|i| i.event);
    let blocker = app
        .inspect
        .as_ref()
        .and_then(|i| i.hol.map(|h| h.blocker as usize));
    let blocked: &[u32] = app.inspect.as_ref().map_or(&[], |i| i.blocking.as_slice());
    for (ci, c) in cells.iter().enumerate() {
        let x0 = r.x + g.label_w + ci as u16 * g.col_w;
        let cell_sel = sel && first_col + ci == app.viewport.sel_col;
        if cell_sel {
            f.buffer_mut()
                .set_style(Rect::new(x0, y, g.col_w - 1, 1), t.bg(t.cursor_bg));
        }
        if c.is_empty() {
            put(f, x0 + g.col_w - 3, y, "·", 1, t.dim().patch(row_style));
            continue;
        }
        for (k, &i) in c.iter().enumerate() {
            let x = x0 + (g.col_w - 2) - 1 - k as u16;
            let Some(o) = view.outcome_at(i, cursor) else {
                continue;
            };
            let mut st = outcome_style(app, o);
            let m = ds.marks.get(i).copied().unwrap_or(0);
            if m & (mark::GAP | mark::OUT_OF_ORDER | mark::DUPLICATE) != 0 {
                st = st.add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
            }
            if view.sim.is_blocked(i as u32) {
                st = st.add_modifier(Modifier::ITALIC);
            }
            if Some(i) == focused {
                st = st.patch(t.bg(t.cursor_bg)).add_modifier(Modifier::BOLD);
            } else if Some(i) == blocker || blocked.contains(&(i as u32)) {
                st = st.patch(t.bg(t.blocker));
            } else if cell_sel {
                st = st.patch(t.bg(t.cursor_bg));
            } else if sel {
                st = st.patch(row_style);
            }
            let mut b = [0u8; 4];
            put(f, x, y, glyph(o).encode_utf8(&mut b), 1, st);
        }
    }
}
