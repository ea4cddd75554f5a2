//! The observed consumer group (`kord live --group G`) in the consumers
//! panel, below the simulated assignment: the group's state and Burrow
//! status, each member (client id, host, assigned partitions) and, per
//! partition, the committed offset, lag and status. Below them, in live
//! mode, the lag over time: kord's and the group's lag as sparklines over
//! the last minutes, with their trend and the group's time lag. Draws only;
//! must not change state or read Kafka; which partitions get a lag line and the
//! block's height are `layout`'s.

use super::compact;
use crate::detect::lag::LagStatus;
use crate::detect::lag_trend::{age, sparkline, LagSeries, TimeLag, Trend, KEEP_MS};
use crate::tui::app::App;
use crate::tui::layout::lag_partitions;
use crate::tui::live::LiveState;
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

/// Points in a sparkline: a total's, a partition's.
const SPARK_TOTAL: usize = 30;
const SPARK_PART: usize = 14;

fn series_spans<'a>(app: &App, name: &str, s: Option<&LagSeries>, n: usize) -> Vec<Span<'a>> {
    let t = &app.theme;
    let Some(s) = s.filter(|s| s.last().is_some()) else {
        return vec![Span::styled(format!("{name} -"), t.dim())];
    };
    let trend = s.trend();
    let style = match trend {
        Trend::Growing { .. } => t.fg(t.warn),
        Trend::Shrinking { .. } => t.fg(t.ok),
        _ => t.dim(),
    };
    vec![
        Span::styled(format!("{name} "), t.dim()),
        Span::styled(format!("{:<n$}", sparkline(&s.tail(n))), t.fg(t.accent)),
        Span::styled(
            format!(" {:>6} ", compact(s.last().unwrap_or(0).max(0) as u64)),
            t.text(),
        ),
        Span::styled(trend.describe(), style),
    ]
}

fn time_lag_text(tl: Option<TimeLag>) -> String {
    match tl {
        Some(t) if t.at_least => format!(" · age ≥{}", age(t.ms)),
        Some(t) => format!(" · age {}", age(t.ms)),
        None => String::new(),
    }
}

/// The lag-over-time block: kord's and the group's lag as sparklines over
/// the last minutes, their trend, and the group's time lag.
fn lag_lines<'a>(app: &App, live: &LiveState, lines: &mut Vec<Line<'a>>) {
    let t = &app.theme;
    let h = &live.lag;
    let grouped = live.group_name.is_some();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(
            " lag over time (last {} min; age: of the oldest record the group has not committed)",
            KEEP_MS / 60_000
        ),
        t.fg(t.title).add_modifier(Modifier::BOLD),
    )));
    let mut total = vec![Span::styled("   total  ", t.dim())];
    total.extend(series_spans(app, "kord", Some(&h.kord_total), SPARK_TOTAL));
    if grouped {
        total.push(Span::styled("  │ ", t.dim()));
        total.extend(series_spans(
            app,
            "group",
            Some(&h.group_total),
            SPARK_TOTAL,
        ));
        if let Some(worst) = h.time_lag.iter().flatten().max_by_key(|t| t.ms) {
            total.push(Span::styled(
                format!(" · oldest uncommitted {}", age(worst.ms)),
                if worst.ms > 0 { t.fg(t.warn) } else { t.text() },
            ));
        }
    }
    lines.push(Line::from(total));
    let (ps, more) = lag_partitions(h);
    for p in ps {
        let mut spans = vec![Span::styled(format!("   p{p:<6}"), t.dim())];
        spans.extend(series_spans(app, "kord", h.kord.get(p), SPARK_PART));
        if grouped {
            spans.push(Span::styled("  │ ", t.dim()));
            spans.extend(series_spans(app, "group", h.group.get(p), SPARK_PART));
            spans.push(Span::styled(
                time_lag_text(h.time_lag.get(p).copied().flatten()),
                t.text(),
            ));
        }
        lines.push(Line::from(spans));
    }
    if more > 0 {
        lines.push(Line::from(Span::styled(
            format!("   … {more} more partitions"),
            t.dim(),
        )));
    }
}

/// Appends the lag over time and the observed group's lines to the
/// consumers panel.
pub fn extend<'a>(app: &App, lines: &mut Vec<Line<'a>>) {
    let Some(live) = &app.live else { return };
    group_lines(app, live, lines);
    lag_lines(app, live, lines);
}

fn group_lines<'a>(app: &App, live: &LiveState, lines: &mut Vec<Line<'a>>) {
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
