//! Geometry and hit-testing, computed from the frame size: where each part
//! of the screen goes ([`areas`]), how the grid and the timeline divide,
//! and what a click at a cell means ([`click`], an [`Action`]). Both
//! `update` (scrolling, paging, clicks) and the views (drawing) read it, so
//! they agree. It must not change state or draw.

use super::action::Action;
use super::app::{App, Overlay};
use super::live::LiveState;
use crate::detect::lag_trend::{LagHistory, LagSeries};
use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal kord draws in.
pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 16;

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub grid: Rect,
    pub consumers: Option<Rect>,
    pub inspector: Option<Rect>,
    pub decision: Rect,
    pub timeline: Rect,
    pub status: Rect,
    /// Live mode: watermarks and lag above the grid.
    pub live: Option<Rect>,
}

/// The layout for a screen area (the frame when drawing, `app.viewport.size`
/// in `update`).
pub fn areas(area: Rect, app: &App) -> Areas {
    let [title, main, decision, timeline, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(area);
    // The consumers panel spans the whole width under the grid and inspector.
    let (main, consumers) = if app.show_consumers {
        let n = app.view.as_ref().map_or(1, |v| {
            v.sim
                .sim
                .generations
                .iter()
                .map(|g| g.members.len() as u32)
                .max()
                .unwrap_or(v.sim.consumers)
        }) as u16;
        let n = n + line_count(app);
        let h = (n + 1 + CONSUMERS_HEADER_LINES).min(main.height / 2).max(3);
        let [g, c] = Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(main);
        (g, Some(c))
    } else {
        (main, None)
    };
    let (grid, inspector) = if app.inspector_visible() {
        let w = (area.width * 2 / 5).clamp(34.min(area.width), 64);
        let [l, r] = Layout::horizontal([Constraint::Min(10), Constraint::Length(w)]).areas(main);
        (l, Some(r))
    } else {
        (main, None)
    };
    let (grid, live) = match &app.live {
        Some(l) if grid.height >= 8 => {
            let h = strip_height(l);
            let [s, g] = Layout::vertical([Constraint::Length(h), Constraint::Min(3)]).areas(grid);
            (g, Some(s))
        }
        _ => (grid, None),
    };
    Areas {
        title,
        grid,
        consumers,
        inspector,
        decision,
        timeline,
        status,
        live,
    }
}

/// Header lines above the grid's rows.
pub const HEADER_H: u16 = 3;
/// Width of one partition column.
pub const COL_W: u16 = 9;

/// How the grid area divides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub label_w: u16,
    pub col_w: u16,
    pub rows: usize,
    pub cols: usize,
}

/// The grid's geometry in an area.
pub fn geometry(r: Rect) -> Geometry {
    let label_w = (r.width / 5).clamp(12, 24).min(r.width);
    let cols = (r.width.saturating_sub(label_w) / COL_W) as usize;
    Geometry {
        label_w,
        col_w: COL_W,
        rows: r.height.saturating_sub(HEADER_H) as usize,
        cols,
    }
}

/// The layout at the app's current size (what `update` scrolls and clicks by).
pub fn screen(app: &App) -> Areas {
    areas(
        Rect::new(0, 0, app.viewport.size.0, app.viewport.size.1),
        app,
    )
}

/// The grid's visible rows and columns at the app's current size.
pub fn grid_capacity(app: &App) -> (usize, usize) {
    let g = geometry(screen(app).grid);
    (g.rows, g.cols)
}

/// The arrival index at column `x` of a timeline `width` wide.
pub fn index_at(n: usize, width: u16, x: u16) -> usize {
    if width <= 1 {
        return 0;
    }
    let x = x.min(width - 1) as usize;
    (x * (n - 1) + (width as usize - 1) / 2) / (width as usize - 1)
}

/// The column of arrival index `i`.
pub fn column_of(n: usize, width: u16, i: usize) -> u16 {
    if n <= 1 || width <= 1 {
        return 0;
    }
    ((i.min(n - 1) * (width as usize - 1) + (n - 1) / 2) / (n - 1)) as u16
}

/// Lines the consumers panel draws above the members.
pub const CONSUMERS_HEADER_LINES: u16 = 2;

/// Lines of the live strip above the grid.
pub fn strip_height(live: &LiveState) -> u16 {
    if live.group.is_some() {
        3
    } else {
        2
    }
}

/// Lines the observed group and the lag over time add to the consumers
/// panel (0 outside live mode).
pub fn line_count(app: &App) -> u16 {
    let Some(live) = &app.live else { return 0 };
    lag_line_count(live) + group_line_count(live)
}

fn group_line_count(live: &LiveState) -> u16 {
    match &live.group {
        Some(g) => 2 + g.members.len().max(1) as u16 + g.partitions.len().div_ceil(4) as u16,
        None if live.group_name.is_some() => 2,
        None => 0,
    }
}

/// Lines of the lag-over-time block.
fn lag_line_count(live: &LiveState) -> u16 {
    let (ps, more) = lag_partitions(&live.lag);
    3 + ps.len() as u16 + u16::from(more > 0)
}

/// Partitions given a lag-over-time line (the most lagging).
pub const LAG_PARTITIONS: usize = 8;

/// Partitions with a lag series, the most lagging first (group lag, else
/// kord's), at most [`LAG_PARTITIONS`], then in partition order; and how
/// many more there are.
pub fn lag_partitions(h: &LagHistory) -> (Vec<usize>, usize) {
    let n = h.kord.len().max(h.group.len());
    let lag = |p: usize| {
        let g = h.group.get(p).and_then(LagSeries::last);
        let k = h.kord.get(p).and_then(LagSeries::last);
        (g.unwrap_or(0), k.unwrap_or(0))
    };
    let mut ps: Vec<usize> = (0..n).collect();
    ps.sort_by_key(|&p| (std::cmp::Reverse(lag(p)), p));
    let more = n.saturating_sub(LAG_PARTITIONS);
    ps.truncate(LAG_PARTITIONS);
    ps.sort_unstable();
    (ps, more)
}

/// What a mouse click at (x, y) does: closes an open overlay, seeks on the
/// timeline, or selects the grid cell under it. Reads the state, changes
/// nothing.
pub fn click(app: &App, x: u16, y: u16) -> Option<Action> {
    if app.overlay != Overlay::None {
        return Some(Action::CloseOverlay);
    }
    let a = screen(app);
    let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if inside(a.timeline) && a.timeline.width > 0 {
        let n = app.len();
        (n > 0).then(|| Action::Seek(index_at(n, a.timeline.width, x - a.timeline.x)))
    } else if inside(a.grid) {
        let g = geometry(a.grid);
        let ry = y - a.grid.y;
        let row = (ry >= HEADER_H)
            .then(|| app.viewport.top_row + (ry - HEADER_H) as usize)
            .filter(|&row| row < app.rows.len());
        let rx = x - a.grid.x;
        let column = (rx >= g.label_w).then(|| ((rx - g.label_w) / g.col_w) as usize);
        (row.is_some() || column.is_some()).then_some(Action::SelectCell { row, column })
    } else {
        None
    }
}
