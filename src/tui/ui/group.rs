//! The observed consumer group (`kord live --group G`) in the consumers
//! panel, below the simulated assignment: the group's state and Burrow
//! status, each member (client id, host, assigned partitions) and, per
//! partition, the committed offset, lag and status.

use crate::detect::lag::LagStatus;
use crate::tui::app::App;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// The colour of a lag status.
pub fn status_style(app: &App, s: LagStatus) -> Style {
    let t = &app.theme;
    match s {
        LagStatus::Ok => t.fg(t.ok),
        LagStatus::Warn => t.fg(t.warn),
        LagStatus::Stall | LagStatus::Stop | LagStatus::Rewind => {
            t.fg(t.error).add_modifier(Modifier::BOLD)
        }
    }
}

/// Lines the observed group adds to the consumers panel (0 without `--group`).
pub fn line_count(app: &App) -> u16 {
    let Some(live) = &app.live else { return 0 };
    match &live.group {
        Some(g) => 2 + g.members.len().max(1) as u16 + g.partitions.len().div_ceil(4) as u16,
        None if live.group_name.is_some() => 2,
        None => 0,
    }
}

/// Appends the observed group's lines to the consumers panel.
pub fn extend<'a>(app: &App, lines: &mut Vec<Line<'a>>) {
    let Some(live) = &app.live else { return };
    let t = &app.theme;
    let Some(g) = &live.group else {
        if let Some(name) = &live.group_name {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!(" observed group {name:?}: waiting for the first look (every 5 s)"),
                t.dim(),
            )));
        }
        return;
    };
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(
            format!(" observed group {:?} ", g.group),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "{} · {} · {} member(s) · lag {} · ",
                g.state,
                g.protocol_name(),
                g.members.len(),
                g.total_lag()
            ),
            t.text(),
        ),
        Span::styled(g.status.name(), status_style(app, g.status)),
    ]));
    if g.members.is_empty() {
        lines.push(Line::from(Span::styled(
            "   no members: nobody consumes",
            t.fg(t.warn),
        )));
    }
    for m in &g.members {
        let parts: Vec<String> = m
            .assignment
            .iter()
            .map(|(topic, ps)| {
                let ps: Vec<String> = ps.iter().map(|p| format!("p{p}")).collect();
                format!("{topic}[{}]", ps.join(","))
            })
            .collect();
        // Some brokers leave the client id empty: the member id names it then.
        let who = if m.client_id.is_empty() {
            &m.member_id
        } else {
            &m.client_id
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {who} "),
                t.fg(t.accent).add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                if m.client_host.is_empty() {
                    String::new()
                } else {
                    format!("{} ", m.client_host)
                },
                t.dim(),
            ),
            Span::styled(
                if parts.is_empty() {
                    "no partitions reported".to_string()
                } else {
                    parts.join(" ")
                },
                t.text(),
            ),
        ]));
    }
    for chunk in g.partitions.chunks(4) {
        let mut spans = vec![Span::raw("  ")];
        for p in chunk {
            spans.push(Span::styled(
                format!(
                    " p{} @{} lag {} ",
                    p.partition,
                    p.committed.map_or("-".into(), |c| c.to_string()),
                    p.lag.map_or("-".into(), |l| l.to_string()),
                ),
                t.text(),
            ));
            spans.push(Span::styled(
                format!("{:<6}", p.status.name()),
                status_style(app, p.status),
            ));
        }
        lines.push(Line::from(spans));
    }
}
