//! The report as Markdown tables, for pasting into an issue or a pull request.
//! Renders a built [`Report`] only. Core: must not import the terminal, tokio,
//! rdkafka or an adapter (`source`, `tui`, `cli`).

use super::Report;

/// Findings listed in the Markdown (the JSON lists more).
pub const MAX_ROWS: usize = 20;

/// Escapes a table cell: pipes and newlines would break the row.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Finding kinds and their counts, stream ones then strategy ones (summed
/// over strategies), leaving out the zeros.
pub fn findings_by_kind(r: &Report) -> Vec<(&'static str, u64)> {
    let c = &r.stream.counts;
    let sum = |k: &str| -> u64 {
        r.strategies
            .iter()
            .map(|s| s.outcomes.get(k).and_then(|v| v.as_u64()).unwrap_or(0))
            .sum()
    };
    let hol: u64 = r.strategies.iter().map(|s| s.hol.blocked_events).sum();
    [
        ("hot_partition", r.stream.hot_partitions.len() as u64),
        ("hot_key", r.stream.hot_keys.len() as u64),
        ("version_gap", c.version_gap),
        ("out_of_order", c.out_of_order),
        ("duplicate", c.duplicate),
        ("phantom", c.phantom),
        ("split_entity", c.split_entity),
        ("clock_skew", c.clock_skew),
        ("offset_regression", c.offset_regression),
        ("unparsed", c.unparsed),
        ("partitioner_mismatch", c.partitioner_mismatch),
        ("rejected", sum("rejected")),
        ("expired", sum("expired")),
        ("dead_lettered", sum("dead_lettered")),
        ("hol_blocking", hol),
    ]
    .into_iter()
    .filter(|&(_, n)| n > 0)
    .collect()
}

/// Renders the report as Markdown.
pub fn render_markdown(r: &Report) -> String {
    let mut o = String::new();
    o.push_str(&format!("## kord report: `{}`\n\n", cell(&r.source)));
    o.push_str(&format!(
        "**{}** events, **{}** partitions, **{}** entities; partitioner: {}.\n\n",
        r.events,
        r.partitions,
        r.entity_count,
        r.stream.partitioner.as_deref().unwrap_or("none fits")
    ));
    o.push_str(&format!(
        "**Advisor:** `{}` fits: {}\n\n",
        r.advisor.strategy,
        cell(&r.advisor.reason)
    ));
    if let Some(d) = &r.delivery {
        o.push_str(&format!("Delivery what-if: `{d}`.\n\n"));
    }
    what_if(&mut o, r);
    kinds(&mut o, r);
    strategies(&mut o, r);
    partition_load(&mut o, r);
    hot_keys_and_fixes(&mut o, r);
    first_findings(&mut o, r);
    o
}

/// The re-partitioning what-if against the recorded layout, when asked.
fn what_if(o: &mut String, r: &Report) {
    let Some(w) = &r.what_if else {
        return;
    };
    o.push_str(&format!(
        "What-if: {} partitions by {} ({}); the tables show the what-if.\n\n",
        w.partitions,
        cell(&w.partition_by),
        w.partitioner
    ));
    o.push_str(
        "| layout | partitions | max share | hot | split entities |\n|---|--:|--:|--:|--:|\n",
    );
    for (name, l) in [("recorded", &w.recorded), ("what-if", &w.what_if)] {
        o.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            l.partitions,
            pct(l.max_share),
            l.hot_partitions.len(),
            l.split_entities
        ));
    }
    o.push('\n');
}

/// Findings by kind, or "None.".
fn kinds(o: &mut String, r: &Report) {
    o.push_str("### Findings by kind\n\n");
    let kinds = findings_by_kind(r);
    if kinds.is_empty() {
        o.push_str("None.\n\n");
    } else {
        o.push_str("| kind | count |\n|---|--:|\n");
        for (k, n) in kinds {
            o.push_str(&format!("| {k} | {n} |\n"));
        }
        o.push_str(
            "\n(rejected, expired, dead_lettered and hol_blocking are summed over strategies.)\n\n",
        );
    }
}

/// Each strategy's losses, outcomes and waits; the advised one in bold.
fn strategies(o: &mut String, r: &Report) {
    o.push_str("### Strategies\n\n");
    o.push_str("| strategy | lost | diverged | applied | rejected | skipped | buffered | released | expired | dead-lettered | HOL-blocked | p99 wait ms | max wait ms |\n");
    o.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for s in &r.strategies {
        let n = |k: &str| s.outcomes.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        let name = if s.strategy == r.advisor.strategy {
            format!("**{}** (advised)", s.strategy)
        } else {
            s.strategy.clone()
        };
        o.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.lost_events,
            s.diverged_entities,
            n("applied"),
            n("rejected"),
            n("skipped"),
            n("buffered"),
            n("released"),
            n("expired"),
            n("dead_lettered"),
            s.hol.blocked_events,
            s.hol.p99_wait_ms,
            s.hol.max_wait_ms
        ));
    }
    o.push('\n');
}

/// The busiest partitions (at most 16) and their share of the events.
fn partition_load(o: &mut String, r: &Report) {
    o.push_str("### Partition load\n\n| partition | events | share | |\n|--:|--:|--:|---|\n");
    let mut load = r.stream.partition_load.clone();
    load.sort_by(|a, b| b.events.cmp(&a.events).then(a.partition.cmp(&b.partition)));
    for p in load.iter().take(16) {
        let hot = if r.stream.hot_partitions.contains(&p.partition) {
            "**hot**"
        } else {
            ""
        };
        o.push_str(&format!(
            "| {} | {} | {} | {hot} |\n",
            p.partition,
            p.events,
            pct(p.share)
        ));
    }
    if load.len() > 16 {
        o.push_str(&format!("\n({} more partitions)\n", load.len() - 16));
    }
    o.push('\n');
}

/// The hot keys, and the fixes for a hot partition kord measured.
fn hot_keys_and_fixes(o: &mut String, r: &Report) {
    if !r.stream.hot_keys.is_empty() {
        let keys: Vec<String> = r
            .stream
            .hot_keys
            .iter()
            .map(|k| format!("`{}`", cell(k)))
            .collect();
        o.push_str(&format!("Hot keys: {}.\n\n", keys.join(", ")));
    }
    if !r.suggestions.is_empty() {
        o.push_str("Fixes kord measured (re-partitioning the same stream):\n\n");
        o.push_str(
            "| fix | partitions | largest partition | hot partitions | split entities |\n|---|--:|--:|--:|--:|\n",
        );
        for s in &r.suggestions {
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&s.fix),
                s.partitions,
                pct(s.max_share),
                s.hot_partitions,
                s.split_entities
            ));
        }
        o.push('\n');
    }
}

/// The first [`MAX_ROWS`] findings, when there are any.
fn first_findings(o: &mut String, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    let shown = r.findings.len().min(MAX_ROWS);
    o.push_str(&format!(
        "### First findings ({shown} of {})\n\n",
        r.findings_total
    ));
    o.push_str("| # | kind | strategy | entity | partition | offset | detail |\n|--:|---|---|---|--:|--:|---|\n");
    let opt = |x: Option<String>| x.unwrap_or_else(|| "-".into());
    for f in &r.findings[..shown] {
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            opt(f.index.map(|i| i.to_string())),
            f.kind,
            cell(f.strategy.as_deref().unwrap_or("-")),
            cell(f.entity.as_deref().unwrap_or("-")),
            opt(f.partition.map(|p| p.to_string())),
            opt(f.offset.map(|p| p.to_string())),
            cell(&f.detail)
        ));
    }
    o.push('\n');
}
