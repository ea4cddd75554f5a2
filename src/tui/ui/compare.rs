//! The compare view: every strategy's costs on the same stream side by side
//! (events lost, entities diverged, HOL wait) and the advisor's line.

use super::{centered, compact, overlay_block};
use crate::model::Outcome;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Draws the compare overlay.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let rows_n = app.compare.as_ref().map_or(1, |c| c.rows.len()) as u16;
    let r = centered(area, area.width.saturating_sub(4).min(120), rows_n + 9);
    let inner = overlay_block(f, app, r, "compare strategies");
    let Some(c) = &app.compare else {
        f.render_widget(
            Paragraph::new(Span::styled(
                "running every strategy over the stream…",
                t.fg(t.warn),
            )),
            inner,
        );
        return;
    };
    let header = Row::new(
        [
            "strategy", "applied", "rejected", "skipped", "buffered", "released", "expired", "dlq",
            "lost", "diverged", "HOL", "max wait", "p99 wait",
        ]
        .map(|h| Cell::from(h).style(t.fg(t.header).add_modifier(Modifier::BOLD))),
    );
    let rows = c.rows.iter().map(|row| {
        let cur = row.kind == app.strategy;
        let num = |n: u64, bad: bool| {
            let st = if bad && n > 0 {
                t.fg(t.rejected)
            } else {
                t.text()
            };
            Cell::from(compact(n)).style(st)
        };
        let name = format!("{}{}", if cur { "▶ " } else { "  " }, row.kind.name());
        let st = if cur {
            t.fg(t.accent).add_modifier(Modifier::BOLD)
        } else {
            t.text()
        };
        Row::new(vec![
            Cell::from(name).style(st),
            num(row.counts[Outcome::Applied as usize], false),
            num(row.counts[Outcome::Rejected as usize], true),
            num(row.counts[Outcome::Skipped as usize], false),
            num(row.counts[Outcome::Buffered as usize], true),
            num(row.counts[Outcome::Released as usize], false),
            num(row.counts[Outcome::Expired as usize], true),
            num(row.counts[Outcome::DeadLettered as usize], true),
            num(row.lost, true),
            num(row.diverged, true),
            num(row.hol_blocked, true),
            Cell::from(format!("{} ms", row.max_wait_ms)).style(t.text()),
            Cell::from(format!("{} ms", row.p99_wait_ms)).style(t.text()),
        ])
    });
    let widths = [
        Constraint::Length(22),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let table_h = c.rows.len() as u16 + 1;
    let tr = Rect::new(inner.x, inner.y, inner.width, table_h.min(inner.height));
    f.render_widget(Table::new(rows, widths).header(header), tr);
    let rest = Rect::new(
        inner.x,
        inner.y + tr.height + 1,
        inner.width,
        inner.height.saturating_sub(tr.height + 1),
    );
    let a = &c.advice;
    let p = Paragraph::new(vec![
        Line::from(vec![
            Span::styled("advisor: ", t.fg(t.title).add_modifier(Modifier::BOLD)),
            Span::styled(a.strategy.clone(), t.fg(t.ok).add_modifier(Modifier::BOLD)),
            Span::styled(format!(": {}", a.reason), t.text()),
        ]),
        Line::from(Span::styled(
            "lost = rejected + expired + dead-lettered + still buffered · diverged = entities whose final state differs from the intended one · s switches strategy",
            t.dim(),
        )),
    ])
    .wrap(Wrap { trim: true });
    f.render_widget(p, rest);
}
