//! Live mode on screen: the connection, rate and counts in the title bar,
//! and a strip above the grid, aligned with its columns, with each
//! partition's low-high watermarks, kord's own lag (high watermark minus
//! kord's position) and, with `--group`, the observed group's lag and status.
//! Draws only; must not change state or read Kafka; the strip's height and
//! columns are `layout`'s.

use super::{compact, grid};
use crate::tui::app::App;
use crate::tui::live::{LiveConn, LiveState};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::Frame;

/// The connection state in words: `connecting`, `connected`,
/// `disconnected: REASON`, `stopped: REASON`.
pub fn conn_text(live: &LiveState) -> String {
    match &live.conn {
        LiveConn::Connecting => "connecting…".into(),
        LiveConn::Connected => "connected".into(),
        LiveConn::Disconnected(r) => format!("disconnected: {r}"),
        LiveConn::Stopped(r) => format!("stopped: {r}"),
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Spans for the title bar.
pub fn title_spans(app: &App, live: &LiveState) -> Vec<Span<'static>> {
    let t = &app.theme;
    let (dot, style) = match live.conn {
        LiveConn::Connecting => ("◌ ", t.fg(t.warn)),
        LiveConn::Connected => ("● ", t.fg(t.ok)),
        LiveConn::Disconnected(_) | LiveConn::Stopped(_) => {
            ("○ ", t.fg(t.error).add_modifier(Modifier::BOLD))
        }
    };
    let mut spans = vec![
        Span::styled(" │ ", t.dim()),
        Span::styled(dot, style),
        // The full reason is on the status line; the title keeps room for the counts.
        Span::styled(shorten(&conn_text(live), 48), style),
        Span::styled(
            format!(
                " · {} ev/s · {} received · lag {}",
                compact(live.events_per_sec.round().max(0.0) as u64),
                compact(live.received),
                compact(live.total_lag().max(0) as u64)
            ),
            t.text(),
        ),
    ];
    if live.window > 0 && live.received > live.window as u64 {
        spans.push(Span::styled(
            format!(" · window {}", compact(live.window as u64)),
            t.dim(),
        ));
    }
    if live.behind > 0 {
        spans.push(Span::styled(
            format!(" · behind {}", compact(live.behind as u64)),
            t.fg(t.warn),
        ));
    }
    if let Some(&ts) = app.ds.as_ref().and_then(|d| d.store.ts.last()) {
        let now = crate::tui::clock::now_ms();
        spans.push(Span::styled(
            format!(" · newest {}", crate::tui::clock::age(ts, now)),
            t.dim(),
        ));
    }
    spans
}

/// Draws the strip in `r`; `grid_area` is the grid's, for the columns.
pub fn draw_strip(f: &mut Frame, app: &App, live: &LiveState, r: Rect, grid_area: Rect) {
    let t = &app.theme;
    if app.whatif.shown.is_some() {
        // The columns are the what-if's partitions, not the topic's.
        grid::put(
            f,
            r.x,
            r.y,
            " watermarks and kord's lag are per topic partition: :whatif off shows them",
            r.width,
            t.dim(),
        );
        return;
    }
    let g = crate::tui::layout::geometry(grid_area);
    let pn = app
        .ds
        .as_ref()
        .map_or(live.partitions, |d| d.store.partitions)
        .max(1) as usize;
    let first = app.viewport.left_col.min(pn);
    let last = (first + g.cols).min(pn);
    let sel = live.marks_of(app.viewport.sel_col as u32);
    let label = |i: u16| -> String {
        match (i, sel) {
            (0, Some(m)) => format!(" wm p{} {}-{}", m.partition, m.low, m.high),
            (0, None) => " watermarks".into(),
            (1, _) => " kord lag".into(),
            _ => " group lag".into(),
        }
    };
    let rows = crate::tui::layout::strip_height(live).min(r.height);
    for i in 0..rows {
        grid::put(
            f,
            r.x,
            r.y + i,
            &label(i),
            g.label_w.saturating_sub(1),
            t.dim(),
        );
    }
    for (ci, p) in (first..last).enumerate() {
        let x = r.x + g.label_w + ci as u16 * g.col_w;
        let w = g.col_w - 1;
        let m = live.marks_of(p as u32);
        let wm = m.map_or("-".to_string(), |m| {
            format!(
                "{}-{}",
                compact(m.low.max(0) as u64),
                compact(m.high.max(0) as u64)
            )
        });
        grid::put(f, x, r.y, &wm, w, t.dim());
        if rows > 1 {
            let lag = m.map_or(0, |m| m.lag());
            let (s, st) = match m {
                None => ("-".to_string(), t.dim()),
                Some(_) if lag > 0 => (format!("L{}", compact(lag as u64)), t.fg(t.warn)),
                Some(_) => ("0".to_string(), t.fg(t.ok)),
            };
            grid::put(f, x, r.y + 1, &s, w, st);
        }
        if rows > 2 {
            if let Some(gp) = live
                .group
                .as_ref()
                .and_then(|g| g.partitions.iter().find(|gp| gp.partition as usize == p))
            {
                let status = super::group::status_style(app, gp.status);
                let lag = gp.lag.map_or("-".to_string(), |l| compact(l.max(0) as u64));
                grid::put(
                    f,
                    x,
                    r.y + 2,
                    &format!("{lag} {}", gp.status.name()),
                    w,
                    status,
                );
            }
        }
    }
}
