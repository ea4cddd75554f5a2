//! The compare view: every strategy's costs on the same stream side by side
//! (events lost, entities diverged, HOL wait) and the advisor's line, from the
//! engine's `CompareData`. Draws only; must not change state or compute.

use super::{centered, compact, overlay_block};
use crate::model::Outcome;
use crate::tui::app::App;
use crate::tui::data::{CompareData, CompareRow};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Draws the compare overlay.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let rows_n = app
        .compare
        .as_ref()
        .map_or(1, |c| c.rows.len() + c.deliveries.len() + 3) as u16;
    let r = centered(area, area.width.saturating_sub(2).min(117), rows_n + 8);
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
    // Every column when they fit; the costs that matter most when narrow.
    let wide = inner.width >= 115;
    let cols = columns(wide);
    let header = Row::new(
        cols.iter()
            .map(|(h, _)| Cell::from(*h).style(t.fg(t.header).add_modifier(Modifier::BOLD))),
    );
    let rows = c.rows.iter().map(|row| strategy_row(app, row, wide));
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let table_h = c.rows.len() as u16 + 1;
    let tr = Rect::new(inner.x, inner.y, inner.width, table_h.min(inner.height));
    f.render_widget(Table::new(rows, widths).header(header), tr);
    // The delivery models: the same stream, per-entity order kept each way.
    let dy = inner.y + tr.height + 1;
    let dh = (c.deliveries.len() as u16 + 2).min(inner.height.saturating_sub(tr.height + 1));
    let dr = Rect::new(inner.x, dy, inner.width, dh);
    deliveries(f, app, c, dr);
    let used = tr.height + 1 + dh;
    let rest = Rect::new(
        inner.x,
        inner.y + used + 1,
        inner.width,
        inner.height.saturating_sub(used + 1),
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

/// The table's columns (name, width): every one when they fit, the costs
/// that matter most when narrow.
fn columns(wide: bool) -> &'static [(&'static str, u16)] {
    if wide {
        &[
            ("strategy", 21),
            ("applied", 7),
            ("rejected", 8),
            ("skipped", 7),
            ("buffered", 8),
            ("released", 8),
            ("expired", 7),
            ("dlq", 4),
            ("lost", 5),
            ("diverged", 8),
            ("HOL", 4),
            ("max wait", 8),
            ("p99", 8),
        ]
    } else {
        &[
            ("strategy", 21),
            ("rejected", 8),
            ("buffered", 8),
            ("expired", 7),
            ("lost", 5),
            ("diverged", 8),
            ("HOL", 4),
            ("p99", 8),
        ]
    }
}

/// One strategy's costs (the one shown marked).
fn strategy_row<'a>(app: &App, row: &CompareRow, wide: bool) -> Row<'a> {
    let t = &app.theme;
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
    let o = |x: Outcome| row.counts[x as usize];
    let mut cells = vec![Cell::from(name).style(st)];
    if wide {
        cells.push(num(o(Outcome::Applied), false));
    }
    cells.push(num(o(Outcome::Rejected), true));
    if wide {
        cells.push(num(o(Outcome::Skipped), false));
    }
    cells.push(num(o(Outcome::Buffered), true));
    if wide {
        cells.push(num(o(Outcome::Released), false));
    }
    cells.push(num(o(Outcome::Expired), true));
    if wide {
        cells.push(num(o(Outcome::DeadLettered), true));
    }
    cells.push(num(row.lost, true));
    cells.push(num(row.diverged, true));
    cells.push(num(row.hol_blocked, true));
    if wide {
        cells.push(Cell::from(format!("{} ms", row.max_wait_ms)).style(t.text()));
    }
    cells.push(Cell::from(format!("{} ms", row.p99_wait_ms)).style(t.text()));
    Row::new(cells)
}

/// The delivery models: the same stream, per-entity order kept each way.
fn deliveries(f: &mut Frame, app: &App, c: &CompareData, dr: Rect) {
    let t = &app.theme;
    let head = |h: &'static str| Cell::from(h).style(t.fg(t.header).add_modifier(Modifier::BOLD));
    let drows = c.deliveries.iter().map(|d| {
        let cur = d.model == app.sim_opts.model;
        Row::new(vec![
            Cell::from(format!(
                "{}{}",
                if cur { "▶ " } else { "  " },
                d.model.name()
            ))
            .style(if cur {
                t.fg(t.accent).add_modifier(Modifier::BOLD)
            } else {
                t.text()
            }),
            Cell::from(d.consumers.to_string()).style(t.text()),
            Cell::from(compact(d.hol_blocked)).style(if d.hol_blocked > 0 {
                t.fg(t.rejected)
            } else {
                t.text()
            }),
            Cell::from(format!("{} ms", d.max_wait_ms)).style(t.text()),
            Cell::from(format!("{} ms", d.p99_wait_ms)).style(t.text()),
        ])
    });
    f.render_widget(
        Table::new(drows, [21, 9, 5, 10, 9, 14].map(Constraint::Length)).header(Row::new(vec![
            head("delivery (:delivery)"),
            head("consumers"),
            head("HOL"),
            head("max wait"),
            head("p99"),
        ])),
        dr,
    );
}
