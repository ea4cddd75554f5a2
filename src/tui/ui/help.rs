//! The help overlay (`?`): every key. Draws only; must not change state
//! (`help_scroll` is the state's).

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
            (". / ,", "step 1 event fwd / back"),
            ("> / <", "step 100 events"),
            ("n / N", "next / prev finding"),
            ("f", "kind n/N stops at"),
            ("F", "next match of :find EXPR"),
            ("space", "play / pause"),
            ("+ / -", "faster / slower"),
            ("Home / End", "first / last event"),
            ("m", "bookmark / unbookmark"),
            ("b / B", "next / prev bookmark"),
            ("click", "timeline: seek there"),
        ],
    ),
    (
        "grid",
        &[
            ("↑↓ / j k", "select entity row"),
            ("←→ / h l", "select partition"),
            ("PgUp / PgDn", "page rows"),
            ("g / G", "first / last row"),
            ("0 / $", "first / last partition"),
            ("/", "filter rows by name"),
            ("o", "sort rows"),
            ("Enter", "inspect cursor event"),
            ("click / wheel", "select cell / scroll"),
        ],
    ),
    (
        "views",
        &[
            ("s / S", "next / prev strategy"),
            ("c", "compare all strategies"),
            ("i", "inspector on / off"),
            ("C", "consumers panel"),
            ("a / x", "consumer joins / leaves at cursor"),
            ("K", "kill the column's consumer"),
            ("w", "next what-if (measured fixes)"),
            ("E", "export the HTML report"),
            (":", "command line"),
            ("?", "this help (j/k scroll)"),
            ("Esc", "close / clear filter"),
            ("q / Ctrl-C", "quit"),
        ],
    ),
    (
        "commands",
        &[
            (":goto N", "go to event N (or :N)"),
            (":time T", "RFC 3339, HH:MM:SS, ms"),
            (":strategy NAME", "switch strategy"),
            (":filter TEXT", "filter rows"),
            (":find KIND", "n/N stop at KIND"),
            (":find EXPR", "jq; F: next match"),
            (":where EXPR", "rows with a jq match"),
            (":sort KEY", "name|activity|findings"),
            (":consumers N", "N consumers from the start"),
            (":partition-by BY", "what-if: key|entity|/a,/b"),
            (":partitions N", "what-if partition count"),
            (":partitioner P", "murmur2, crc32, fnv1a"),
            (":whatif off", "back to the recorded layout"),
            (":delivery MODEL", "kafka, sqs-fifo, pubsub-key, …"),
            (":rebalances clear", "forget a/x/K changes"),
            (":speed N", "play N events/s"),
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

/// Draws the help overlay (two columns when wide enough; `j`/`k` scroll).
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let two_cols = area.width >= 80;
    let section = |name: &str, keys: &[(&str, &str)]| {
        let mut lines = vec![Line::from(Span::styled(
            name.to_string(),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ))];
        for (k, d) in keys {
            lines.push(Line::from(vec![
                Span::styled(format!(" {k:<14}"), t.fg(t.accent)),
                Span::styled(d.to_string(), t.text()),
            ]));
        }
        lines
    };
    let mut legend = vec![Line::from(Span::styled(
        "glyphs",
        t.fg(t.title).add_modifier(Modifier::BOLD),
    ))];
    for pair in LEGEND.chunks(2) {
        let mut spans = Vec::new();
        for (g, n) in pair {
            spans.push(Span::styled(format!(" {g} "), t.fg(t.accent)));
            spans.push(Span::styled(format!("{n:<16}"), t.text()));
        }
        legend.push(Line::from(spans));
    }
    for m in [
        "underlined: gap / out of order / dup",
        "italic: HOL-blocked; pink bg: blocker",
        "row tags: ⇄ split  ! gap  ? phantom",
        "HOT: hot partition; L: lag",
    ] {
        legend.push(Line::from(Span::styled(format!(" {m}"), t.text())));
    }
    let mut left = Vec::new();
    let mut right = Vec::new();
    for (i, (name, keys)) in KEYS.iter().enumerate() {
        let col = if two_cols && i % 2 == 1 {
            &mut right
        } else {
            &mut left
        };
        if !col.is_empty() {
            col.push(Line::from(""));
        }
        col.extend(section(name, keys));
    }
    let side = if two_cols { &mut right } else { &mut left };
    side.push(Line::from(""));
    side.extend(legend);
    let content_h = left.len().max(right.len()) as u16;
    let w = if two_cols { 84 } else { 46 };
    let r = centered(area, w, (content_h + 2).min(area.height.saturating_sub(2)));
    let inner = overlay_block(f, app, r, "kord keys (? closes)");
    let max_scroll = content_h.saturating_sub(inner.height);
    let scroll = app.help_scroll.min(max_scroll);
    if two_cols {
        let half = inner.width / 2;
        f.render_widget(
            Paragraph::new(left).scroll((scroll, 0)),
            Rect::new(inner.x, inner.y, half, inner.height),
        );
        f.render_widget(
            Paragraph::new(right).scroll((scroll, 0)),
            Rect::new(inner.x + half, inner.y, inner.width - half, inner.height),
        );
    } else {
        f.render_widget(Paragraph::new(left).scroll((scroll, 0)), inner);
    }
}
