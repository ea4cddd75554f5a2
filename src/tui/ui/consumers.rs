//! The consumers panel: the simulated group's members, the partitions each
//! owns, and how busy each was; `a`/`x` add or remove a consumer (a rebalance).

use crate::sim::Delivery;
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Partition ids as ranges: 0-3,7.
fn ranges(ps: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ps.len() {
        let mut j = i;
        while j + 1 < ps.len() && ps[j + 1] == ps[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            ps[i].to_string()
        } else {
            format!("{}-{}", ps[i], ps[j])
        });
        i = j + 1;
    }
    out.join(",")
}

/// Draws the panel.
pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let Some(view) = &app.view else { return };
    let assignor = app
        .ds
        .as_ref()
        .and_then(|d| d.lens.assignor.clone())
        .unwrap_or_else(|| "range".to_string());
    let sim = &view.sim;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border())
        .title(Span::styled(
            format!(
                " consumers: {} ({}) · a add · x remove ",
                sim.consumers,
                match sim.delivery {
                    Delivery::Sequential => "one sequential queue".to_string(),
                    Delivery::Partitioned => format!("{assignor} assignor"),
                }
            ),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ));
    let mut lines = Vec::new();
    let busy_max = sim.sim.busy_ms.iter().copied().max().unwrap_or(0).max(1);
    for c in 0..sim.consumers {
        let owned: Vec<u32> = match sim.delivery {
            Delivery::Sequential => vec![],
            Delivery::Partitioned => sim
                .sim
                .owner
                .iter()
                .enumerate()
                .filter(|(_, &o)| o == c)
                .map(|(p, _)| p as u32)
                .collect(),
        };
        let busy = sim.sim.busy_ms.get(c as usize).copied().unwrap_or(0);
        let bar_w = 12usize;
        let fill = (busy as f64 / busy_max as f64 * bar_w as f64).round() as usize;
        let parts = match sim.delivery {
            Delivery::Sequential => "all partitions, in arrival order".to_string(),
            Delivery::Partitioned if owned.is_empty() => "idle (no partitions)".to_string(),
            Delivery::Partitioned => format!("p{}", ranges(&owned)),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" c{c:<3}"),
                t.fg(t.accent).add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "{}{} ",
                    "█".repeat(fill),
                    "░".repeat(bar_w - fill.min(bar_w))
                ),
                t.fg(t.warn),
            ),
            Span::styled(format!("busy {busy:>6} ms  "), t.dim()),
            Span::styled(parts, t.text()),
        ]));
    }
    super::group::extend(app, &mut lines);
    f.render_widget(Paragraph::new(lines).block(block), r);
}
