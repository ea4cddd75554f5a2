//! The timeline: a density sparkline (events per ms of stream time), finding
//! markers, bookmarks and the cursor, over the whole stream by arrival index.
//! Draws only; must not change state; index <-> column is `layout`'s (clicks
//! use the same mapping).

use super::compact;
use crate::detect::Kind;
use crate::tui::app::{App, SPEEDS};
use crate::tui::data::StrategyView;
use crate::tui::layout::column_of;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::Frame;

fn bin(n: usize, width: u16, x: u16) -> (usize, usize) {
    let w = width as usize;
    let lo = x as usize * n / w;
    let hi = ((x as usize + 1) * n / w).max(lo + 1).min(n);
    (lo, hi)
}

fn severity(k: Kind) -> u8 {
    match k {
        Kind::Rejected | Kind::Expired | Kind::DeadLettered => 4,
        Kind::VersionGap | Kind::OutOfOrder => 3,
        Kind::HolBlocking => 2,
        _ => 1,
    }
}

/// Draws the timeline (3 lines).
pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let (Some(ds), Some(view)) = (&app.ds, &app.view) else {
        return;
    };
    let t = &app.theme;
    let n = ds.len();
    if n == 0 || r.height < 3 || r.width < 2 {
        f.buffer_mut().set_stringn(
            r.x,
            r.y,
            " empty stream: no events",
            r.width as usize,
            t.dim(),
        );
        return;
    }
    let w = r.width;
    let cur_x = column_of(n, w, app.cursor);
    let arrival = &ds.store.arrival;
    // Density: events per ms over each bin's stream time.
    let mut rates = Vec::with_capacity(w as usize);
    for x in 0..w {
        let (lo, hi) = bin(n, w, x);
        let span = (arrival[hi - 1] - arrival[lo]).max(0) as f64 + 1.0;
        rates.push((hi - lo) as f64 / span);
    }
    let max = rates
        .iter()
        .copied()
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let buf = f.buffer_mut();
    for (x, rate) in rates.iter().enumerate() {
        let level = ((rate / max) * 8.0).round().clamp(1.0, 8.0) as usize;
        let st = if (x as u16) <= cur_x {
            t.fg(t.accent)
        } else {
            t.dim()
        };
        let mut b = [0u8; 4];
        buf.set_string(r.x + x as u16, r.y, BARS[level].encode_utf8(&mut b), st);
    }
    finding_marks(buf, app, view, r, n);
    for &bm in &app.playback.bookmarks {
        let x = column_of(n, w, bm);
        buf.set_string(
            r.x + x,
            r.y + 1,
            "◆",
            t.fg(t.bookmark).add_modifier(Modifier::BOLD),
        );
    }
    // Cursor line: position, time, playback.
    let time = crate::tui::clock::fmt_time(arrival[app.cursor.min(n - 1)]);
    let play = if app.playback.playing { "▶" } else { "⏸" };
    let base = format!(
        " #{}/{}  {}  {} {} ev/s ",
        app.cursor,
        n - 1,
        time,
        play,
        compact(SPEEDS[app.playback.speed] as u64),
    );
    let full = format!(
        "{base} jump: {} ",
        app.playback.jump_kind.map_or("any finding", |k| k.name())
    );
    let y = r.y + 2;
    buf.set_stringn(r.x, y, "─".repeat(w as usize), w as usize, t.border());
    // The info sits where it does not cover the caret: right, else left,
    // else shortened; on a very narrow line the caret wins.
    let caret = cur_x as usize;
    let fits = |start: usize, len: usize| caret < start || caret >= start + len;
    let mut placed = None;
    for info in [&full, &base] {
        let iw = info.chars().count();
        let right = (w as usize).saturating_sub(iw + 1);
        if fits(right, iw) {
            placed = Some((right, info));
            break;
        }
        if fits(1, iw) {
            placed = Some((1, info));
            break;
        }
    }
    let (ix, info) = placed.unwrap_or((1, &base));
    let ix = r.x + ix as u16;
    buf.set_stringn(ix, y, info, w as usize, t.text());
    buf.set_string(
        r.x + cur_x,
        y,
        "▲",
        Style::default()
            .patch(t.fg(t.accent))
            .add_modifier(Modifier::BOLD),
    );
    if let Some(c) = buf.cell_mut((r.x + cur_x, r.y + 1)) {
        if c.symbol() == " " {
            c.set_symbol("│");
            c.set_style(t.fg(t.accent));
        }
    }
}

/// Findings per bin on the second line, coloured by the most severe kind in
/// it (of the jump kind, when one is set).
fn finding_marks(buf: &mut Buffer, app: &App, view: &StrategyView, r: Rect, n: usize) {
    let t = &app.theme;
    let w = r.width;
    let ms = &view.markers;
    for x in 0..w {
        let (lo, hi) = bin(n, w, x);
        let a = ms.partition_point(|m| (m.at as usize) < lo);
        let b = ms.partition_point(|m| (m.at as usize) < hi);
        if a == b {
            continue;
        }
        let worst = ms[a..b]
            .iter()
            .take(256)
            .filter(|m| app.playback.jump_kind.is_none_or(|k| k == m.kind))
            .map(|m| m.kind)
            .max_by_key(|k| severity(*k));
        let Some(k) = worst else { continue };
        let c = match severity(k) {
            4 => t.rejected,
            3 => t.gap,
            2 => t.hol,
            _ => t.finding,
        };
        buf.set_string(r.x + x, r.y + 1, "┃", t.fg(c));
    }
}
