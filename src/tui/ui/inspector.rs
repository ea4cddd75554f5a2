//! The inspector: the focused event's record, the strategy's decision and
//! why, its findings and HOL block, the entity's state, headers and payload.
//! Draws `App::inspect` (built in `update`). Draws only; must not change state,
//! read a file or compute.

use super::{glyph, outcome_style};
use crate::tui::app::{App, Focus};
use crate::tui::inspect::Inspect;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// Draws the inspector pane.
pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let title = match (&app.inspect, app.focus) {
        (Some(i), Focus::Cursor) => format!(" event #{} (cursor) ", i.event),
        (Some(i), Focus::Cell) => format!(" event #{} (selected cell) ", i.event),
        (None, _) => " inspector ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::LEFT | Borders::TOP)
        .border_style(t.border())
        .title(Span::styled(
            title,
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ));
    let Some(i) = &app.inspect else {
        f.render_widget(
            Paragraph::new(Span::styled(" no event here yet", t.dim())).block(block),
            r,
        );
        return;
    };
    let mut lines = vec![Line::from(Span::styled(
        if i.entity.is_empty() {
            "(unparsed: no entity)".to_string()
        } else {
            i.entity.clone()
        },
        t.text().add_modifier(Modifier::BOLD),
    ))];
    for (k, v) in &i.fields {
        lines.push(kv(t, k, v));
    }
    decision_lines(app, i, &mut lines);
    finding_lines(app, i, &mut lines);
    if !i.state.is_empty() {
        lines.push(head(t, &format!("state as of #{}", i.cursor)));
        for (k, v) in &i.state {
            lines.push(kv(t, k, v));
        }
    }
    if !i.headers.is_empty() {
        lines.push(head(t, "headers"));
        for (k, v) in &i.headers {
            lines.push(kv(t, k, v));
        }
    }
    lines.push(head(t, "payload"));
    for l in &i.payload {
        lines.push(Line::from(Span::styled(format!(" {l}"), t.text())));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

/// A section heading.
fn head<'a>(t: &Theme, s: &str) -> Line<'a> {
    Line::from(Span::styled(
        format!("─ {s} "),
        t.fg(t.accent).add_modifier(Modifier::BOLD),
    ))
}

/// A `key value` line.
fn kv<'a>(t: &Theme, k: &str, v: &str) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:>9} "), t.dim()),
        Span::styled(v.to_string(), t.text()),
    ])
}

/// The strategy's decisions on the event, and those it caused.
fn decision_lines(app: &App, i: &Inspect, lines: &mut Vec<Line<'_>>) {
    let t = &app.theme;
    lines.push(head(t, &format!("decision · {}", app.strategy.name())));
    if i.decisions.is_empty() {
        lines.push(Line::from(Span::styled("  not decided yet", t.dim())));
    }
    for d in &i.decisions {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} {}", glyph(d.outcome), d.outcome.name()),
                outcome_style(app, d.outcome),
            ),
            Span::styled(format!(" at #{}", d.at), t.dim()),
        ]));
        lines.push(Line::from(Span::styled(
            format!("    {}", d.reason),
            t.text(),
        )));
    }
    for (e, d) in &i.caused {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} #{e} {}", glyph(d.outcome), d.outcome.name()),
                outcome_style(app, d.outcome),
            ),
            Span::styled(" (caused by this event)", t.dim()),
        ]));
        lines.push(Line::from(Span::styled(
            format!("    {}", d.reason),
            t.text(),
        )));
    }
}

/// The event's findings, its HOL block (or wait) and what it blocks.
fn finding_lines(app: &App, i: &Inspect, lines: &mut Vec<Line<'_>>) {
    let t = &app.theme;
    if !i.findings.is_empty() {
        lines.push(head(t, "findings"));
        for (k, d) in &i.findings {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  ⚑ {k}"),
                    t.fg(t.finding).add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!(" {d}"), t.text()),
            ]));
        }
    }
    if let Some(h) = i.hol {
        lines.push(head(t, "head-of-line blocking"));
        lines.push(Line::from(Span::styled(
            format!(
                "  waited {} ms, {} ms behind other entities",
                i.wait_ms.unwrap_or(h.hol_ms),
                h.hol_ms
            ),
            t.fg(t.hol),
        )));
        if let Some(ds) = &app.ds {
            let b = h.blocker as usize;
            lines.push(Line::from(vec![
                Span::styled("  blocker ", t.dim()),
                Span::styled(
                    format!(
                        "#{b} {} ({} ms)",
                        ds.store.entity_name(b),
                        ds.store.cost.get(b).copied().unwrap_or(0)
                    ),
                    t.fg(t.blocker).add_modifier(Modifier::BOLD),
                ),
            ]));
        }
    } else if let Some(w) = i.wait_ms.filter(|&w| w > 0) {
        lines.push(kv(t, "wait", &format!("{w} ms (simulated)")));
    }
    if !i.blocking.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("  blocker of ", t.fg(t.blocker)),
            Span::styled(
                format!(
                    "{} event(s): #{}",
                    i.blocking.len(),
                    i.blocking
                        .iter()
                        .take(6)
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(" #")
                ),
                t.text(),
            ),
        ]));
    }
}
