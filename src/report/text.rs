//! The report as tables a person reads in a terminal. Renders a built
//! [`Report`] only. Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).

use super::Report;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(Cell::new));
    t
}

/// The longest name or detail shown in a table cell, in characters: the
/// tables lay text out in time that grows faster than its length, and a
/// person reads no more of a 100,000-character key (the JSON keeps it whole).
pub const MAX_SHOWN: usize = 64;

/// `s` cut to [`MAX_SHOWN`] characters, saying how much was left out.
pub fn clip(s: &str) -> String {
    clip_to(s, MAX_SHOWN)
}

/// `s` cut to `max` characters, saying how much was left out.
pub fn clip_to(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((end, _)) => {
            let rest = s[end..].chars().count();
            format!("{}… (+{rest} chars)", &s[..end])
        }
    }
}

fn num(n: impl ToString) -> Cell {
    Cell::new(n.to_string()).set_alignment(CellAlignment::Right)
}

/// Renders the report as text tables, ending with the advisor.
pub fn render_text(r: &Report, width: u16) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "kord report: {}\n{} events, {} partitions, {} entities\n\n",
        clip(&r.source),
        r.events,
        r.partitions,
        r.entity_count
    ));
    if let Some(s) = &r.skipped_lines {
        out.push_str(&format!(
            "--lenient skipped {} malformed lines\n\n",
            s.count
        ));
    }
    stream_findings(&mut out, r, width);
    partitions(&mut out, r, width);
    layout_notes(&mut out, r);
    out.push('\n');
    strategies(&mut out, r, width);
    out.push('\n');
    first_findings(&mut out, r, width);
    out.push_str(&format!(
        "advisor: {} fits: {}\n",
        r.advisor.strategy, r.advisor.reason
    ));
    out
}

/// The stream findings by kind, with their counts.
fn stream_findings(out: &mut String, r: &Report, width: u16) {
    let c = &r.stream.counts;
    let mut t = table(&["stream finding", "count"]);
    for (name, n) in [
        ("version_gap", c.version_gap),
        ("  unfilled_gap", c.unfilled_gap),
        ("out_of_order", c.out_of_order),
        ("duplicate", c.duplicate),
        ("phantom", c.phantom),
        ("split_entity", c.split_entity),
        ("clock_skew", c.clock_skew),
        ("offset_regression", c.offset_regression),
        ("unparsed", c.unparsed),
        ("partitioner_mismatch", c.partitioner_mismatch),
        ("hot_partition", r.stream.hot_partitions.len() as u64),
        ("hot_key", r.stream.hot_keys.len() as u64),
    ] {
        t.add_row(vec![Cell::new(name), num(n)]);
    }
    t.set_width(width);
    out.push_str(&format!("{t}\n\n"));
}

/// The busiest partitions (at most 16) and their share of the events.
fn partitions(out: &mut String, r: &Report, width: u16) {
    let mut t = table(&["partition", "events", "share", ""]);
    let mut load = r.stream.partition_load.clone();
    load.sort_by(|a, b| b.events.cmp(&a.events).then(a.partition.cmp(&b.partition)));
    let shown = load.len().min(16);
    for p in &load[..shown] {
        let hot = if r.stream.hot_partitions.contains(&p.partition) {
            "HOT"
        } else {
            ""
        };
        t.add_row(vec![
            num(p.partition),
            num(p.events),
            num(format!("{:.1}%", p.share * 100.0)),
            Cell::new(hot),
        ]);
    }
    t.set_width(width);
    out.push_str(&format!("{t}\n"));
    if load.len() > shown {
        out.push_str(&format!("({} more partitions)\n", load.len() - shown));
    }
}

/// One line each: the hot keys, the measured fixes for a hot partition, the
/// re-partitioning what-if against the recorded layout, the delivery what-if.
fn layout_notes(out: &mut String, r: &Report) {
    if !r.stream.hot_keys.is_empty() {
        let keys: Vec<String> = r.stream.hot_keys.iter().map(|k| clip(k)).collect();
        out.push_str(&format!("hot keys: {}\n", keys.join(", ")));
    }
    if !r.suggestions.is_empty() {
        let tried: Vec<String> = r
            .suggestions
            .iter()
            .map(|s| {
                format!(
                    "{} -> max share {:.1}%, {} hot, {} split entities",
                    clip(&s.fix),
                    100.0 * s.max_share,
                    s.hot_partitions,
                    s.split_entities
                )
            })
            .collect();
        out.push_str(&format!(
            "hot partition fixes (measured): {}\n",
            tried.join("; ")
        ));
    }
    if let Some(w) = &r.what_if {
        let line = |name: &str, l: &super::whatif::Layout| {
            format!(
                "{name}: {} partitions, max share {:.1}%, {} hot, {} split entities\n",
                l.partitions,
                100.0 * l.max_share,
                l.hot_partitions.len(),
                l.split_entities
            )
        };
        out.push_str(&format!(
            "what-if: {} partitions by {} ({}); the tables show the what-if\n",
            w.partitions, w.partition_by, w.partitioner
        ));
        out.push_str(&line("  recorded", &w.recorded));
        out.push_str(&line("  what-if ", &w.what_if));
    }
    if let Some(d) = &r.delivery {
        out.push_str(&format!("delivery what-if: {d}\n"));
    }
}

/// Each strategy's outcomes and waits (the advisor's marked `*`), then its
/// rebalances.
fn strategies(out: &mut String, r: &Report, width: u16) {
    let mut t = table(&[
        "strategy", "applied", "rejected", "skipped", "buffered", "released", "expired", "dead-l.",
        "lost", "diverged", "HOL", "p99 ms", "max ms",
    ]);
    for s in &r.strategies {
        let o = |k: &str| s.outcomes.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        let mark = if s.strategy == r.advisor.strategy {
            " *"
        } else {
            ""
        };
        t.add_row(vec![
            Cell::new(format!("{}{mark}", s.strategy)),
            num(o("applied")),
            num(o("rejected")),
            num(o("skipped")),
            num(o("buffered")),
            num(o("released")),
            num(o("expired")),
            num(o("dead_lettered")),
            num(s.lost_events),
            num(s.diverged_entities),
            num(s.hol.blocked_events),
            num(s.hol.p99_wait_ms),
            num(s.hol.max_wait_ms),
        ]);
    }
    t.set_width(width);
    out.push_str(&format!("{t}\n"));
    for s in &r.strategies {
        if let Some(rb) = &s.rebalance {
            out.push_str(&format!(
                "rebalances ({}): {}, paused {} partition-ms, extra wait {} ms\n",
                s.strategy, rb.count, rb.pause_ms, rb.extra_wait_ms
            ));
        }
    }
}

/// The first 20 findings, when there are any.
fn first_findings(out: &mut String, r: &Report, width: u16) {
    if r.findings.is_empty() {
        return;
    }
    let mut t = table(&["#", "kind", "strategy", "entity", "p", "offset", "detail"]);
    for f in r.findings.iter().take(20) {
        t.add_row(vec![
            num(f.index.map_or("-".into(), |i| i.to_string())),
            Cell::new(&f.kind),
            Cell::new(f.strategy.as_deref().unwrap_or("-")),
            Cell::new(clip(f.entity.as_deref().unwrap_or("-"))),
            num(f.partition.map_or("-".into(), |p| p.to_string())),
            num(f.offset.map_or("-".into(), |o| o.to_string())),
            Cell::new(clip_to(&f.detail, 2 * MAX_SHOWN)),
        ]);
    }
    t.set_width(width);
    out.push_str(&format!(
        "first findings ({} shown of {}; --format json lists more):\n{t}\n\n",
        r.findings.len().min(20),
        r.findings_total
    ));
}
