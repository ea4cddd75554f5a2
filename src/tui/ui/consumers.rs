//! The consumers panel: the simulated group as of the cursor (members, the
//! partitions each owns, their share of the load, events/s and lag), the
//! rebalance in force, and the recorded layout next to the what-if. `a`/`x`/`K`
//! add, remove or kill a member at the cursor; `w` tries the measured
//! re-partitioning fixes. Draws only; must not change state (the keys are
//! actions `update` applies); its height comes from `layout`.

use crate::sim::Generation;
use crate::sim::{Delivery, Model};
use crate::tui::app::App;
use crate::tui::data::{Dataset, StrategyView};
use crate::tui::layout::CONSUMERS_HEADER_LINES;
use crate::tui::ui::compact;
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

/// The busiest partition of a layout and its share of the events.
pub fn busiest(ds: &Dataset) -> (usize, f64) {
    let pe = &ds.load.partition_events;
    let total: u64 = pe.iter().sum();
    let (p, &max) = pe
        .iter()
        .enumerate()
        .max_by_key(|(p, &e)| (e, std::cmp::Reverse(*p)))
        .unwrap_or((0, &0));
    (
        p,
        if total == 0 {
            0.0
        } else {
            max as f64 / total as f64
        },
    )
}

fn layout_text(ds: &Dataset) -> String {
    let (p, share) = busiest(ds);
    let hot = ds.load.hot_partitions.len();
    format!(
        "{}p, busiest p{p} {:.0}%{}",
        ds.store.partitions,
        share * 100.0,
        if hot > 0 {
            format!(" ({hot} hot)")
        } else {
            String::new()
        }
    )
}

/// The layout line: the recorded layout next to the what-if.
fn layout_line<'a>(app: &'a App, ds: &Dataset) -> Line<'a> {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" layout  ", t.dim())];
    match (&app.whatif.shown, &app.whatif.recorded) {
        (Some(w), Some(rec)) => {
            spans.push(Span::styled(
                format!("recorded {}", layout_text(rec)),
                t.text(),
            ));
            spans.push(Span::styled(" → ", t.dim()));
            spans.push(Span::styled(
                format!(
                    "what-if by {} ({}) {}",
                    w.by.describe(),
                    w.partitioner.name(),
                    layout_text(ds)
                ),
                t.fg(t.accent).add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(" · w next", t.dim()));
        }
        _ => {
            spans.push(Span::styled(
                format!("recorded {}", layout_text(ds)),
                t.text(),
            ));
            spans.push(Span::styled(
                if app.whatif.pending {
                    " · laying out the what-if…"
                } else {
                    " · w: try the measured fixes"
                },
                t.dim(),
            ));
        }
    }
    Line::from(spans)
}

/// Draws the panel.
pub fn draw(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let (Some(view), Some(ds)) = (&app.view, &app.ds) else {
        return;
    };
    let sim = &view.sim;
    let cursor = app.cursor.min(ds.len().saturating_sub(1));
    let assignor = ds
        .lens
        .assignor
        .clone()
        .unwrap_or_else(|| "range".to_string());
    let generation = sim.generation_at(cursor);
    let members: Vec<u32> = match generation {
        Some(g) => {
            let mut m = g.members.clone();
            m.sort_unstable();
            m
        }
        None => (0..sim.consumers).collect(),
    };
    let how = match (sim.delivery, sim.sim.rebalance.count, &app.sim_opts.model) {
        (Delivery::Sequential, ..) => "one sequential queue".to_string(),
        (_, _, m) if *m != Model::Kafka => format!("{} delivery", m.name()),
        _ => format!("{assignor} assignor"),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border())
        .title(Span::styled(
            format!(
                " consumers: {} at #{cursor} · {how} · wait p99 {} ms · {} HOL-blocked · a add · x remove · K kill ",
                members.len(),
                sim.sim.p99_wait_ms,
                sim.sim.blocked,
            ),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        ));
    let mut lines = vec![layout_line(app, ds)];
    lines.push(rebalance_line(app, view, generation, cursor));
    let total: u64 = ds.load.partition_events.iter().sum();
    let span_s = match (ds.store.arrival.first(), ds.store.arrival.last()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1000.0,
        _ => 0.0,
    };
    let busy_max = sim.sim.busy_ms.iter().copied().max().unwrap_or(0).max(1);
    // Each partition's owner, looked up once (not once per member).
    let mut owned_by: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    if sim.delivery == Delivery::Partitioned {
        for p in 0..ds.store.partitions {
            owned_by.entry(sim.owner_at(p, cursor)).or_default().push(p);
        }
    }
    let visible = r.height.saturating_sub(1 + CONSUMERS_HEADER_LINES) as usize;
    for &c in members.iter().take(visible) {
        let owned: Vec<u32> = owned_by.remove(&c).unwrap_or_default();
        let events: u64 = owned
            .iter()
            .map(|&p| {
                ds.load
                    .partition_events
                    .get(p as usize)
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        let lag: usize = owned.iter().map(|&p| sim.lag(ds, p, cursor)).sum();
        let busy = sim.sim.busy_ms.get(c as usize).copied().unwrap_or(0);
        let keyed = sim.delivery == Delivery::Partitioned && app.sim_opts.model != Model::Kafka;
        let share = if sim.delivery == Delivery::Sequential || keyed {
            busy as f64 / busy_max as f64
        } else if total == 0 {
            0.0
        } else {
            events as f64 / total as f64
        };
        let bar_w = 12usize;
        let fill = ((share * bar_w as f64).round() as usize).min(bar_w);
        let parts = match sim.delivery {
            Delivery::Sequential => "all partitions, in arrival order".to_string(),
            Delivery::Partitioned if keyed => "any entity whose previous event is done".to_string(),
            Delivery::Partitioned if owned.is_empty() => "idle: no partitions".to_string(),
            Delivery::Partitioned => format!("p{}", ranges(&owned)),
        };
        let rate = if span_s > 0.0 && !keyed {
            format!("{:>7.1} ev/s", events as f64 / span_s)
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" c{c:<3}"),
                t.fg(t.accent).add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("{}{} ", "█".repeat(fill), "░".repeat(bar_w - fill)),
                if share >= 0.5 && members.len() > 1 {
                    t.fg(t.hot)
                } else {
                    t.fg(t.warn)
                },
            ),
            Span::styled(format!("{:>3.0}% ", share * 100.0), t.text()),
            Span::styled(rate, t.dim()),
            Span::styled(
                format!("  lag {:>5}", compact(lag as u64)),
                if lag > 0 { t.fg(t.warn) } else { t.dim() },
            ),
            Span::styled(format!("  busy {busy:>7} ms  "), t.dim()),
            Span::styled(parts, t.text()),
        ]));
    }
    super::group::extend(app, &mut lines);
    f.render_widget(Paragraph::new(lines).block(block), r);
}

/// The rebalance in force at the cursor, or the changes still to come.
fn rebalance_line<'a>(
    app: &App,
    view: &StrategyView,
    generation: Option<&Generation>,
    cursor: usize,
) -> Line<'a> {
    let t = &app.theme;
    let sim = &view.sim;
    match generation {
        Some(g) if g.cause.is_some() => {
            let moved = g.paused_for.iter().filter(|&&d| d > 0).count();
            let pause = g.paused_for.iter().copied().max().unwrap_or(0);
            Line::from(vec![
                Span::styled(" rebalance ", t.dim()),
                Span::styled(
                    format!(
                        "#{} {}: {moved} partitions paused ≤{pause} ms · in all {} rebalances, {} partition-ms",
                        g.at,
                        g.cause.as_deref().unwrap_or(""),
                        sim.sim.rebalance.count,
                        sim.sim.rebalance.pause_ms
                    ),
                    t.fg(t.warn),
                ),
            ])
        }
        _ if !app.sim_opts.rebalances.is_empty() => Line::from(vec![
            Span::styled(" rebalance ", t.dim()),
            Span::styled(
                format!(
                    "none yet; {} change(s) later (:rebalances clear)",
                    app.sim_opts
                        .rebalances
                        .iter()
                        .filter(|r| r.at as usize > cursor)
                        .count()
                ),
                t.dim(),
            ),
        ]),
        _ => Line::from(Span::styled(
            " rebalance none · a/x/K change the group at the cursor",
            t.dim(),
        )),
    }
}
