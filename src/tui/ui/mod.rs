//! Drawing: a pure function of the app state. Draws only; must not change
//! state, do I/O or run the simulation; where things go comes from
//! `crate::tui::layout`.

pub mod compare;
pub mod consumers;
pub mod grid;
pub mod group;
pub mod help;
pub mod inspector;
pub mod live;
pub mod timeline;

use super::app::{App, Focus, Overlay, Prompt};
use super::layout::{MIN_H, MIN_W};
use crate::model::Outcome;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

/// The glyph of an outcome in the grid.
pub fn glyph(o: Outcome) -> char {
    match o {
        Outcome::Applied => '●',
        Outcome::Rejected => '✗',
        Outcome::Skipped => '○',
        Outcome::Buffered => '◐',
        Outcome::Released => '◆',
        Outcome::Expired => '†',
        Outcome::DeadLettered => '‡',
    }
}

/// The style of an outcome.
pub fn outcome_style(app: &App, o: Outcome) -> Style {
    let t = &app.theme;
    let c = match o {
        Outcome::Applied => t.applied,
        Outcome::Rejected => t.rejected,
        Outcome::Skipped => t.skipped,
        Outcome::Buffered => t.buffered,
        Outcome::Released => t.released,
        Outcome::Expired => t.expired,
        Outcome::DeadLettered => t.dead_lettered,
    };
    let s = t.fg(c);
    match o {
        Outcome::Rejected | Outcome::Expired | Outcome::DeadLettered => {
            s.add_modifier(Modifier::BOLD)
        }
        _ => s,
    }
}

/// Compact counts: 999, 1.2k, 34k, 1.2M.
pub fn compact(n: u64) -> String {
    if n < 1000 {
        n.to_string()
    } else if n < 10_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else if n < 1_000_000 {
        format!("{}k", n / 1000)
    } else {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    }
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    f.render_widget(Block::default().style(app.theme.text()), area);
    if area.width < MIN_W || area.height < MIN_H {
        too_small(f, app, area);
        return;
    }
    if let Some(e) = &app.error {
        message(f, app, area, "kord: could not load", e, true);
        return;
    }
    if app.ds.is_none() {
        loading(f, app, area);
        return;
    }
    let a = super::layout::areas(area, app);
    title(f, app, a.title);
    grid::draw(f, app, a.grid);
    if let (Some(r), Some(l)) = (a.live, &app.live) {
        live::draw_strip(f, app, l, r, a.grid);
    }
    if let Some(r) = a.consumers {
        consumers::draw(f, app, r);
    }
    if let Some(r) = a.inspector {
        inspector::draw(f, app, r);
    }
    decision_line(f, app, a.decision);
    timeline::draw(f, app, a.timeline);
    status_line(f, app, a.status);
    match app.overlay {
        Overlay::Help => help::draw(f, app, area),
        Overlay::Compare => compare::draw(f, app, area),
        Overlay::None => {}
    }
}

fn too_small(f: &mut Frame, app: &App, area: Rect) {
    let text = vec![
        Line::from(Span::styled(
            "Terminal too small",
            app.theme.fg(app.theme.warn).add_modifier(Modifier::BOLD),
        )),
        Line::from(format!("{}x{}", area.width, area.height)),
        Line::from(format!("kord needs at least {MIN_W}x{MIN_H}.")),
        Line::from("Enlarge the window, or press q to quit."),
    ];
    let h = (text.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    f.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(app.theme.text()),
        Rect::new(area.x, y, area.width, h),
    );
}

fn message(f: &mut Frame, app: &App, area: Rect, head: &str, body: &str, error: bool) {
    let w = area.width.min(90);
    let h = area.height.min(10);
    let r = centered(area, w, h);
    let color = if error {
        app.theme.error
    } else {
        app.theme.accent
    };
    let p = Paragraph::new(vec![
        Line::from(Span::styled(
            head.to_string(),
            app.theme.fg(color).add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from(body.to_string()),
        Line::from(""),
        Line::from(Span::styled("press q to quit", app.theme.dim())),
    ])
    .wrap(Wrap { trim: false })
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(app.theme.border()),
    );
    f.render_widget(p, r);
}

fn loading(f: &mut Frame, app: &App, area: Rect) {
    let Some(l) = &app.loading else { return };
    let r = centered(area, area.width.min(70), 6);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border())
        .title(Span::styled(" kord ", app.theme.fg(app.theme.title)));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    let text = if l.total > 0 {
        format!(
            "loading {}: {} events, {:.1} of {:.1} MB",
            l.name,
            compact(l.events),
            mb(l.bytes),
            mb(l.total)
        )
    } else {
        format!("loading {}: {} events", l.name, compact(l.events))
    };
    let [t, g, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(text).style(app.theme.text()), t);
    let ratio = if l.total > 0 {
        (l.bytes as f64 / l.total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    f.render_widget(
        Gauge::default()
            .gauge_style(app.theme.fg(app.theme.accent))
            .ratio(ratio)
            .label(format!("{:.0}%", ratio * 100.0)),
        g,
    );
    f.render_widget(
        Paragraph::new(Span::styled("q quits", app.theme.dim())),
        hint,
    );
}

/// A rectangle of at most `w`x`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn title(f: &mut Frame, app: &App, r: Rect) {
    let Some(ds) = &app.ds else { return };
    let t = &app.theme;
    let sep = Span::styled(" │ ", t.dim());
    let mut spans = vec![
        Span::styled(" kord ", t.fg(t.title).add_modifier(Modifier::BOLD)),
        Span::styled(ds.source.clone(), t.text()),
    ];
    if let Some(l) = &app.live {
        spans.extend(live::title_spans(app, l));
    }
    if let Some(l) = &app.loading {
        let pct = if l.total > 0 {
            format!(" {:.0}%", 100.0 * l.bytes as f64 / l.total as f64)
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!(" (loading{pct}: {} events read)", compact(l.events)),
            t.fg(t.warn),
        ));
    }
    if app.load_failed.is_some() {
        spans.push(Span::styled(
            format!(
                " (loading stopped: {} events kept)",
                compact(ds.len() as u64)
            ),
            t.fg(t.error),
        ));
    }
    spans.extend([
        sep.clone(),
        Span::styled("strategy ", t.dim()),
        Span::styled(
            app.strategy.name(),
            t.fg(t.accent).add_modifier(Modifier::BOLD),
        ),
    ]);
    if let Some(p) = app.pending {
        spans.push(Span::styled(
            format!(" → {} (computing…)", p.name()),
            t.fg(t.warn),
        ));
    }
    spans.push(sep.clone());
    spans.push(Span::styled(
        format!(
            "{} events · {} partitions · {} entities",
            compact(ds.len() as u64),
            ds.store.partitions,
            compact(ds.store.entity_count() as u64)
        ),
        t.text(),
    ));
    if let Some(w) = &app.whatif.shown {
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!(
                "WHAT-IF {} by {} ({})",
                w.partitioner.name(),
                w.by.describe(),
                app.whatif
                    .recorded
                    .as_ref()
                    .map_or(String::new(), |r| format!(
                        "recorded: {} partitions",
                        r.store.partitions
                    ))
            ),
            t.fg(t.accent).add_modifier(Modifier::BOLD),
        ));
    } else if app.whatif.pending {
        spans.push(sep.clone());
        spans.push(Span::styled("laying out the what-if…", t.fg(t.warn)));
    }
    if app.sim_opts.model != crate::sim::Model::Kafka {
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!("delivery {}", app.sim_opts.model.name()),
            t.fg(t.accent),
        ));
    }
    if !app.filter.is_empty() {
        spans.push(sep.clone());
        spans.push(Span::styled(format!("/{}", app.filter), t.fg(t.warn)));
        spans.push(Span::styled(format!(" {} rows", app.rows.len()), t.dim()));
    }
    spans.push(sep);
    spans.push(Span::styled(format!("sort {}", app.sort.name()), t.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.text()), r);
}

fn decision_line(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let Some(i) = &app.inspect else {
        f.render_widget(Paragraph::new(Span::styled(" no events", t.dim())), r);
        return;
    };
    let Some(ds) = &app.ds else { return };
    let s = &ds.store;
    let ev = i.event;
    let mut spans = vec![
        Span::styled(
            if app.focus == Focus::Cursor {
                " ▶ "
            } else {
                " ◇ "
            },
            t.fg(t.accent),
        ),
        Span::styled(
            format!("#{ev} "),
            t.fg(t.accent).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            if i.entity.is_empty() {
                "(unparsed)".to_string()
            } else {
                i.entity.clone()
            },
            t.text().add_modifier(Modifier::BOLD),
        ),
    ];
    if let Some(v) = s.version_of(ev) {
        spans.push(Span::styled(format!(" v{v}"), t.text()));
    }
    if !s.type_name(ev).is_empty() {
        spans.push(Span::styled(format!(" {}", s.type_name(ev)), t.dim()));
    }
    spans.push(Span::styled(
        format!(" p{}@{}", s.partition[ev], s.offset[ev]),
        t.dim(),
    ));
    if let Some(d) = i.decisions.last() {
        spans.push(Span::styled(" → ", t.dim()));
        spans.push(Span::styled(
            format!("{} {}", glyph(d.outcome), d.outcome.name()),
            outcome_style(app, d.outcome),
        ));
        spans.push(Span::styled(format!(": {}", d.reason), t.text()));
    }
    for (k, d) in i
        .findings
        .iter()
        .filter(|(k, _)| k != "rejected" && k != "expired" && k != "dead_lettered")
    {
        spans.push(Span::styled(format!("  ⚑ {k}: {d}"), t.fg(t.finding)));
    }
    if let Some(h) = i.hol {
        spans.push(Span::styled(
            format!("  ⧗ HOL {} ms behind #{}", h.hol_ms, h.blocker),
            t.fg(t.hol),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn status_line(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    // Why loading stopped stays on the line until another message replaces it.
    let failed = app
        .load_failed
        .as_ref()
        .map(|e| (format!("loading stopped: {e}"), true));
    let line = match &app.prompt {
        Prompt::Command(s) => Line::from(vec![
            Span::styled(":", t.fg(t.accent)),
            Span::styled(s.clone(), t.text()),
            Span::styled("█", t.fg(t.accent)),
            Span::styled("   goto N · time T · strategy NAME · filter X · find KIND · consumers N · sort KEY", t.dim()),
        ]),
        Prompt::Filter(s) => Line::from(vec![
            Span::styled("/", t.fg(t.accent)),
            Span::styled(s.clone(), t.text()),
            Span::styled("█", t.fg(t.accent)),
            Span::styled(format!("   {} rows · Enter keeps · Esc clears", app.rows.len()), t.dim()),
        ]),
        Prompt::None => match app.status.as_ref().or(failed.as_ref()) {
            Some((s, err)) => Line::from(Span::styled(
                format!(" {s}"),
                if *err { t.fg(t.error) } else { t.fg(t.ok) },
            )),
            None => {
                let mut spans = Vec::new();
                for (k, d) in [
                    (".", "step"),
                    (",", "back"),
                    ("n/N", "finding"),
                    ("space", "play"),
                    ("s", "strategy"),
                    ("c", "compare"),
                    ("/", "filter"),
                    (":", "command"),
                    ("?", "help"),
                    ("q", "quit"),
                ] {
                    spans.push(Span::styled(format!(" {k}"), t.fg(t.accent)));
                    spans.push(Span::styled(format!(" {d} "), t.dim()));
                }
                Line::from(spans)
            }
        },
    };
    f.render_widget(Paragraph::new(line), r);
}

/// Clears an overlay's area and draws its frame; returns the inner area.
pub fn overlay_block(f: &mut Frame, app: &App, r: Rect, title: &str) -> Rect {
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.fg(app.theme.accent))
        .style(app.theme.text())
        .title(Span::styled(
            format!(" {title} "),
            app.theme.fg(app.theme.title).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(" Esc closes ", app.theme.dim()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}
