//! The help overlay (`?`): every key.

use super::{centered, overlay_block};
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Every key and what it does, grouped (also the source of docs/tui.md's table).
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "timeline",
        &[
            (". / ,", "step one event forward / back"),
            ("> / <", "step 100 events forward / back"),
            ("n / N", "next / previous finding"),
            ("f", "cycle which finding kind n/N stop at"),
            ("space", "play / pause"),
            ("+ / -", "faster / slower"),
            ("Home / End", "first / last event"),
            ("m", "bookmark the cursor (again: remove)"),
            ("b / B", "next / previous bookmark"),
            ("click", "on the timeline: seek there"),
        ],
    ),
    (
        "grid",
        &[
            ("↑↓ / j k", "select entity row"),
            ("←→ / h l", "select partition column"),
            ("PgUp / PgDn", "page rows"),
            ("g / G", "first / last row"),
            ("0 / $", "first / last partition"),
            ("/", "filter rows by entity name"),
            ("o", "sort rows: name, activity, findings"),
            ("Enter", "inspect the cursor event again"),
            ("click / wheel", "select a cell / scroll rows"),
        ],
    ),
    (
        "views",
        &[
            ("s / S", "next / previous strategy (the view recomputes)"),
            ("c", "compare every strategy's costs, with the advisor"),
            ("i", "inspector on / off"),
            ("C", "consumers panel on / off"),
            ("a / x", "add / remove a consumer (rebalance)"),
            (":", "command line"),
            ("?", "this help"),
            ("Esc", "close / clear filter"),
            ("q / Ctrl-C", "quit"),
        ],
    ),
    (
        "commands",
        &[
            (":goto N", "go to event index N (or just :N)"),
            (":time T", "go to time (RFC 3339, HH:MM:SS, epoch ms)"),
            (":strategy NAME", "switch strategy"),
            (":filter TEXT", "filter rows"),
            (":find KIND", "n/N stop at KIND (version_gap, rejected...)"),
            (":sort KEY", "name, activity or findings"),
            (":consumers N", "simulate N consumers"),
            (":speed N", "play N events a second"),
            (":theme NAME", "dark, light, colorblind"),
        ],
    ),
];

/// Glyph legend.
pub const LEGEND: &[(&str, &str)] = &[
    ("●", "applied"),
    ("✗", "rejected"),
    ("○", "skipped"),
    ("◐", "buffered"),
    ("◆", "released"),
    ("†", "expired"),
    ("‡", "dead-lettered"),
];

/// Draws the help overlay.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let two_cols = area.width >= 110;
    let r = centered(
        area,
        if two_cols { 108 } else { 64 },
        area.height.saturating_sub(2),
    );
    let inner = overlay_block(f, app, r, "kord keys (? closes)");
    let section = |name: &str, keys: &[(&str, &str)]| {
        let mut lines = vec![Line::from(Span::styled(
            name.to_string(),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ))];
        for (k, d) in keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<15}"), t.fg(t.accent)),
                Span::styled(d.to_string(), t.text()),
            ]));
        }
        lines.push(Line::from(""));
        lines
    };
    let mut legend = vec![Span::styled(
        "glyphs ",
        t.fg(t.title).add_modifier(Modifier::BOLD),
    )];
    for (g, n) in LEGEND {
        legend.push(Span::styled(format!("{g} "), t.fg(t.accent)));
        legend.push(Span::styled(format!("{n}  "), t.text()));
    }
    let marks = Line::from(vec![
        Span::styled("marks  ", t.fg(t.title).add_modifier(Modifier::BOLD)),
        Span::styled(
            "underlined: version gap / out of order / duplicate · italic: HOL-blocked · ⇄ split entity · ! gap · ? phantom · HOT partition",
            t.text(),
        ),
    ]);
    if two_cols {
        let half = inner.width / 2;
        let mut left = Vec::new();
        let mut right = Vec::new();
        for (i, (name, keys)) in KEYS.iter().enumerate() {
            if i % 2 == 0 { &mut left } else { &mut right }.extend(section(name, keys));
        }
        let h = inner.height.saturating_sub(3);
        f.render_widget(Paragraph::new(left), Rect::new(inner.x, inner.y, half, h));
        f.render_widget(
            Paragraph::new(right),
            Rect::new(inner.x + half, inner.y, inner.width - half, h),
        );
        let y = inner.y + h;
        f.render_widget(
            Paragraph::new(vec![Line::from(legend), marks])
                .wrap(ratatui::widgets::Wrap { trim: true }),
            Rect::new(inner.x, y, inner.width, inner.height.saturating_sub(h)),
        );
    } else {
        let mut lines = vec![Line::from(legend), marks, Line::from("")];
        for (name, keys) in KEYS {
            lines.extend(section(name, keys));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
    }
}
