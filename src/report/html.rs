//! The report as one self-contained HTML page: inline CSS and SVG drawn
//! here, no script, nothing fetched, so it opens offline from a file:// URL
//! and can be attached to a post-mortem. Renders a built report only. Core:
//! must not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use super::lanes::Lane;
use super::markdown::findings_by_kind;
use super::series::{ConsumerCurve, WaitCurves};
use super::{Pictures, Report};
use crate::model::Outcome;
use std::fmt::Write;

/// Consumers drawn as small charts (the ones with the highest p99 first).
pub const MAX_CONSUMER_CHARTS: usize = 8;
/// Partitions drawn as bars (the busiest first).
pub const MAX_PARTITION_BARS: usize = 64;

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// A duration in words ("812 ms", "4.2 s", "3 min 10 s", "2 h 5 min").
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// A stream time: a UTC date for epoch times, else ms from the start.
fn when(ms: i64) -> String {
    // Before 1973: arrival indexes (records without timestamps), not dates.
    if ms > 100_000_000_000 {
        if let Some(t) = chrono::DateTime::from_timestamp_millis(ms) {
            return t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        }
    }
    format!("{ms} ms")
}

fn outcome_colour(o: Option<Outcome>) -> &'static str {
    // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
    match o {
        Some(Outcome::Applied) => "#009E73",
        Some(Outcome::Rejected) => "#D55E00",
        Some(Outcome::Skipped) => "#999999",
        Some(Outcome::Buffered) => "#E69F00",
        Some(Outcome::Released) => "#56B4E9",
        Some(Outcome::Expired) => "#CC79A7",
        Some(Outcome::DeadLettered) => "#000000",
        None => "#dddddd",
    }
}

fn outcome_glyph(o: Option<Outcome>) -> &'static str {
    // As the TUI grid draws them.
    match o {
        Some(Outcome::Applied) => "●",
        Some(Outcome::Rejected) => "✗",
        Some(Outcome::Skipped) => "○",
        Some(Outcome::Buffered) => "◐",
        Some(Outcome::Released) => "◆",
        Some(Outcome::Expired) => "†",
        Some(Outcome::DeadLettered) => "‡",
        None => "·",
    }
}

const CSS: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:2px solid #dfe3ea;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:#5b6475;margin:0 0 18px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}.card span{color:#5b6475;font-size:13px}
.story{background:#fff;border-left:5px solid #D55E00;border-radius:6px;padding:12px 18px;margin:16px 0}
.story li{margin:4px 0}
.chips span{display:inline-block;background:#fff;border:1px solid #dfe3ea;border-radius:14px;padding:2px 10px;margin:3px 4px 3px 0;font-size:13px}
.chips b{color:#D55E00}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{border:1px solid #e3e7ee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.adv td{background:#fff6e5}
svg{background:#fff;border:1px solid #dfe3ea;border-radius:6px;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1d2330}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.note{color:#5b6475;font-size:13px}
.legend span{display:inline-block;margin-right:14px;font-size:13px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.scroll{max-height:560px;overflow:auto;border:1px solid #dfe3ea}
footer{margin-top:40px;color:#5b6475;font-size:12px}
"#;

/// Renders the report and its pictures as one HTML page.
pub fn render_html(r: &Report, p: &Pictures) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = format!("kord report: {}", r.source);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>{}</title><style>{CSS}</style></head><body><main>\n",
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<h1>kord report</h1><p class=\"sub\">{}</p>",
        esc(&r.source)
    );
    glance(&mut o, r, p);
    story(&mut o, r, p);
    partitions(&mut o, r, p);
    waits(&mut o, p);
    fixes(&mut o, r);
    strategies(&mut o, r);
    findings(&mut o, r);
    lanes(&mut o, p);
    let _ = write!(
        o,
        "<footer>Written by kord {} (<code>kord analyze --format html</code>). \
Every number comes from kord's simulation of the stream; nothing on this page is fetched.</footer>\n\
</main></body></html>\n",
        env!("CARGO_PKG_VERSION")
    );
    o
}

fn card(o: &mut String, value: &str, label: &str) {
    let _ = write!(
        o,
        "<div class=\"card\"><b>{}</b><span>{}</span></div>",
        esc(value),
        esc(label)
    );
}

fn glance(o: &mut String, r: &Report, p: &Pictures) {
    o.push_str("<h2>The stream at a glance</h2><div class=\"cards\">");
    card(o, &r.events.to_string(), "events");
    card(o, &r.partitions.to_string(), "partitions");
    card(o, &r.entity_count.to_string(), "entities");
    if let Some(w) = p.waits.as_deref().filter(|w| w.all.is_some()) {
        card(o, &duration(w.end_ms - w.start_ms), "stream time span");
    }
    card(
        o,
        r.stream.partitioner.as_deref().unwrap_or("none fits"),
        "partitioner (inferred)",
    );
    card(o, &r.findings_total.to_string(), "findings");
    card(o, &r.advisor.strategy, "advised strategy");
    o.push_str("</div>\n");
    if let Some(w) = p.waits.as_deref().filter(|w| w.all.is_some()) {
        let _ = write!(
            o,
            "<p class=\"note\">From {} to {}.</p>",
            when(w.start_ms),
            when(w.end_ms)
        );
    }
    o.push_str("<div class=\"chips\">");
    let kinds = findings_by_kind(r);
    if kinds.is_empty() {
        o.push_str("<span>no findings</span>");
    }
    for (k, n) in kinds {
        let _ = write!(o, "<span>{k} <b>{n}</b></span>");
    }
    o.push_str(
        "</div><p class=\"note\">Strategy findings (rejected, expired, dead_lettered, hol_blocking) are summed over the strategies compared.</p>\n",
    );
}

/// The worst consumer by peak p99 wait, and the peak.
fn worst_consumer(w: &WaitCurves) -> Option<(&ConsumerCurve, i64)> {
    w.consumers
        .iter()
        .map(|c| (c, c.p99.iter().flatten().copied().max().unwrap_or(0)))
        .max_by_key(|&(c, m)| (m, std::cmp::Reverse(c.consumer)))
}

fn story(o: &mut String, r: &Report, p: &Pictures) {
    let mut lines: Vec<String> = Vec::new();
    let total: u64 = r.stream.partition_load.iter().map(|l| l.events).sum();
    let owner_of = |part: u32| -> Option<u32> {
        p.waits
            .as_deref()
            .and_then(|w| w.owner.get(part as usize).copied())
            .filter(|&c| c != u32::MAX)
    };
    for &hp in &r.stream.hot_partitions {
        let l = r.stream.partition_load.iter().find(|l| l.partition == hp);
        let share = l.map_or(0.0, |l| l.share);
        let owner = owner_of(hp)
            .map(|c| format!("; consumer <b>c{c}</b> owns it"))
            .unwrap_or_default();
        lines.push(format!(
            "Partition <b>{hp}</b> is hot: it carries <b>{}</b> of the {total} events (a fair share is {}){owner}.",
            pct(share),
            pct(1.0 / r.partitions.max(1) as f64)
        ));
    }
    for f in r.findings.iter().filter(|f| f.kind == "hot_key") {
        lines.push(format!(
            "Key <b>{}</b> is the cause: {}.",
            esc(f.entity.as_deref().unwrap_or("?")),
            esc(&f.detail)
        ));
    }
    if let Some(w) = p.waits.as_deref() {
        if let Some((c, peak)) = worst_consumer(w) {
            let others = w
                .consumers
                .iter()
                .filter(|o| o.consumer != c.consumer)
                .flat_map(|o| o.p99.iter().flatten().copied())
                .max();
            let tail = match others {
                Some(m) => format!("; the other consumers stay at or under {}", duration(m)),
                None => String::new(),
            };
            if peak > 0 {
                lines.push(format!(
                    "Under <b>{}</b>, consumer <b>c{}</b>'s p99 wait climbs to <b>{}</b>{tail} (see the wait curves).",
                    esc(&p.waits_of),
                    c.consumer,
                    duration(peak)
                ));
            }
        }
    }
    if let Some(best) = r
        .suggestions
        .iter()
        .min_by(|a, b| {
            a.max_share
                .total_cmp(&b.max_share)
                .then(a.split_entities.cmp(&b.split_entities))
        })
        .filter(|_| !r.stream.hot_partitions.is_empty())
    {
        let worst = r
            .stream
            .partition_load
            .iter()
            .map(|l| l.share)
            .fold(0.0, f64::max);
        lines.push(format!(
            "The fix kord measured: <b>{}</b> takes the largest partition from {} to <b>{}</b> of the events, {} hot partitions left, {} entities split across partitions.",
            esc(&best.fix),
            pct(worst),
            pct(best.max_share),
            best.hot_partitions,
            best.split_entities
        ));
    }
    for s in r.strategies.iter().filter(|s| s.lost_events > 0) {
        lines.push(format!(
            "<b>{}</b> loses {} events and leaves {} entities in a wrong final state.",
            esc(&s.strategy),
            s.lost_events,
            s.diverged_entities
        ));
    }
    lines.push(format!(
        "Advisor: <b>{}</b> fits: {}.",
        esc(&r.advisor.strategy),
        esc(&r.advisor.reason)
    ));
    o.push_str("<h2>What happened</h2><div class=\"story\"><ul>");
    for l in lines {
        let _ = write!(o, "<li>{l}</li>");
    }
    o.push_str("</ul></div>\n");
}

/// Horizontal bars: one row per label, value scaled to the largest.
fn hbars(
    o: &mut String,
    title: &str,
    rows: &[(String, f64, String, bool)],
    colour: &str,
    width: u32,
) {
    let row_h = 20u32;
    let label_w = 150u32;
    let h = 26 + row_h * rows.len() as u32 + 6;
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let bar_w = width - label_w - 70;
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 {width} {h}\" width=\"{width}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"><text x=\"8\" y=\"16\" font-weight=\"bold\">{}</text>",
        esc(title),
        esc(title)
    );
    for (k, (label, v, shown, mark)) in rows.iter().enumerate() {
        let y = 26 + row_h * k as u32;
        let w = if max > 0.0 {
            (v / max * bar_w as f64).max(if *v > 0.0 { 1.0 } else { 0.0 })
        } else {
            0.0
        };
        let weight = if *mark { " font-weight=\"bold\"" } else { "" };
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"{weight}>{}</text>\
<rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>\
<text x=\"{:.1}\" y=\"{}\">{}</text>",
            label_w - 6,
            y + 13,
            esc(label),
            y + 3,
            row_h - 6,
            label_w as f64 + w + 4.0,
            y + 13,
            esc(shown)
        );
    }
    o.push_str("</svg>");
}

fn strategies(o: &mut String, r: &Report) {
    if r.strategies.is_empty() {
        return;
    }
    o.push_str("<h2>Strategies compared</h2><p class=\"note\">Each strategy run over the same stream: the events whose effect it lost (rejected, expired, dead-lettered, still held), the entities it leaves in a state other than the one in-order delivery gives, and the p99 wait its delivery model causes. ★ marks the advisor's choice.</p><div class=\"grid\">");
    let name = |s: &super::StrategyReport| {
        if s.strategy == r.advisor.strategy {
            format!("★ {}", s.strategy)
        } else {
            s.strategy.clone()
        }
    };
    let adv = |s: &super::StrategyReport| s.strategy == r.advisor.strategy;
    let lost: Vec<_> = r
        .strategies
        .iter()
        .map(|s| {
            (
                name(s),
                s.lost_events as f64,
                s.lost_events.to_string(),
                adv(s),
            )
        })
        .collect();
    hbars(o, "events lost", &lost, "#D55E00", 370);
    let div: Vec<_> = r
        .strategies
        .iter()
        .map(|s| {
            (
                name(s),
                s.diverged_entities as f64,
                s.diverged_entities.to_string(),
                adv(s),
            )
        })
        .collect();
    hbars(o, "entities diverged", &div, "#CC79A7", 370);
    let wait: Vec<_> = r
        .strategies
        .iter()
        .map(|s| {
            (
                name(s),
                s.hol.p99_wait_ms as f64,
                duration(s.hol.p99_wait_ms),
                adv(s),
            )
        })
        .collect();
    hbars(o, "p99 wait", &wait, "#0072B2", 370);
    o.push_str("</div><h3>The numbers</h3><table><tr><th>strategy</th><th>consumers</th><th>applied</th><th>rejected</th><th>skipped</th><th>buffered</th><th>released</th><th>expired</th><th>dead-lettered</th><th>lost</th><th>diverged</th><th>HOL-blocked</th><th>p99 wait</th><th>max wait</th></tr>");
    for s in &r.strategies {
        let n = |k: &str| s.outcomes.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        let _ = write!(
            o,
            "<tr{}><td>{}</td>",
            if adv(s) { " class=\"adv\"" } else { "" },
            esc(&name(s))
        );
        for v in [
            u64::from(s.consumers),
            n("applied"),
            n("rejected"),
            n("skipped"),
            n("buffered"),
            n("released"),
            n("expired"),
            n("dead_lettered"),
            s.lost_events,
            s.diverged_entities,
            s.hol.blocked_events,
        ] {
            let _ = write!(o, "<td class=\"n\">{v}</td>");
        }
        let _ = write!(
            o,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            s.hol.p99_wait_ms, s.hol.max_wait_ms
        );
    }
    o.push_str("</table><p class=\"note\">Waits in ms.</p>");
    for s in &r.strategies {
        if let Some(rb) = &s.rebalance {
            let _ = write!(
                o,
                "<p class=\"note\">Rebalances ({}): {}, paused {} partition-ms, extra wait {} ms.</p>",
                esc(&s.strategy),
                rb.count,
                rb.pause_ms,
                rb.extra_wait_ms
            );
        }
    }
    let _ = writeln!(
        o,
        "<p><b>Advisor: {}</b>: {}</p>",
        esc(&r.advisor.strategy),
        esc(&r.advisor.reason)
    );
}

fn partitions(o: &mut String, r: &Report, p: &Pictures) {
    o.push_str("<h2>Partition load</h2>");
    let mut load = r.stream.partition_load.clone();
    if load.len() > MAX_PARTITION_BARS {
        load.sort_by(|a, b| b.events.cmp(&a.events).then(a.partition.cmp(&b.partition)));
        load.truncate(MAX_PARTITION_BARS);
        load.sort_by_key(|l| l.partition);
        let _ = write!(
            o,
            "<p class=\"note\">The {MAX_PARTITION_BARS} busiest of {} partitions.</p>",
            r.stream.partition_load.len()
        );
    }
    let n = load.len().max(1) as u32;
    let width = 1100u32;
    let (left, top, ch) = (50u32, 24u32, 150u32);
    let slot = ((width - left - 10) / n).max(4);
    let h = top + ch + 44;
    let max = load.iter().map(|l| l.events).max().unwrap_or(0).max(1);
    let fair = if r.partitions > 0 {
        ch as f64 / max as f64 * (r.events as f64 / r.partitions as f64)
    } else {
        0.0
    };
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 {width} {h}\" width=\"{width}\" height=\"{h}\" role=\"img\" aria-label=\"events per partition\">\
<text x=\"8\" y=\"16\" font-weight=\"bold\">events per partition (hot in red; under each bar: its partition and owning consumer)</text>"
    );
    let owner = |part: u32| {
        p.waits
            .as_deref()
            .and_then(|w| w.owner.get(part as usize).copied())
            .filter(|&c| c != u32::MAX)
    };
    for (k, l) in load.iter().enumerate() {
        let x = left + slot * k as u32;
        let bh = (l.events as f64 / max as f64 * ch as f64).round();
        let hot = r.stream.hot_partitions.contains(&l.partition);
        let fill = if hot { "#D55E00" } else { "#0072B2" };
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{:.1}\" width=\"{}\" height=\"{bh:.1}\" fill=\"{fill}\"><title>partition {}: {} events ({})</title></rect>",
            x + 1,
            (top + ch) as f64 - bh,
            slot.saturating_sub(2).max(1),
            l.partition,
            l.events,
            pct(l.share)
        );
        if slot >= 18 {
            let cx = x + slot / 2;
            let _ = write!(
                o,
                "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                top + ch + 14,
                l.partition
            );
            if let Some(c) = owner(l.partition) {
                let _ = write!(
                    o,
                    "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#5b6475\">c{c}</text>",
                    top + ch + 28
                );
            }
            if hot || slot >= 40 {
                let _ = write!(
                    o,
                    "<text x=\"{cx}\" y=\"{:.1}\" text-anchor=\"middle\"{}>{}</text>",
                    (top + ch) as f64 - bh - 4.0,
                    if hot { " font-weight=\"bold\"" } else { "" },
                    pct(l.share)
                );
            }
        }
    }
    if fair > 0.0 {
        let y = (top + ch) as f64 - fair;
        let _ = write!(
            o,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1d2330\" stroke-dasharray=\"4 3\"/>\
<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">fair share</text>",
            width - 10,
            width - 12,
            y - 3.0
        );
    }
    let _ = write!(
        o,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text></svg>",
        left - 4,
        top + 10,
        left - 4,
        top + ch
    );
    if !r.stream.hot_keys.is_empty() {
        let keys: Vec<String> = r
            .stream
            .hot_keys
            .iter()
            .map(|k| format!("<code>{}</code>", esc(k)))
            .collect();
        let _ = write!(o, "<p><b>Hot keys:</b> {}</p>", keys.join(", "));
    }
    o.push('\n');
}

/// The measured fixes for hot partitions and the re-partitioning what-if.
fn fixes(o: &mut String, r: &Report) {
    if !r.suggestions.is_empty() {
        o.push_str("<h2>Fixes kord measured</h2><p class=\"note\">Each fix re-partitions the same stream and counts again.</p><table><tr><th>fix</th><th>partitions</th><th>largest partition</th><th>hot partitions</th><th>entities split</th></tr>");
        for s in &r.suggestions {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&s.fix),
                s.partitions,
                pct(s.max_share),
                s.hot_partitions,
                s.split_entities
            );
        }
        o.push_str("</table>");
    }
    if let Some(w) = &r.what_if {
        let _ = write!(
            o,
            "<h2>What-if</h2><p>{} partitions by {} ({}); this report shows the what-if.</p><table><tr><th>layout</th><th>partitions</th><th>largest partition</th><th>hot</th><th>entities split</th></tr>",
            w.partitions,
            esc(&w.partition_by),
            esc(&w.partitioner)
        );
        for (name, l) in [("recorded", &w.recorded), ("what-if", &w.what_if)] {
            let _ = write!(
                o,
                "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                l.partitions,
                pct(l.max_share),
                l.hot_partitions.len(),
                l.split_entities
            );
        }
        o.push_str("</table>");
    }
    o.push('\n');
}

/// A polyline path over buckets (gaps where a bucket has no value).
fn path(values: &[Option<i64>], x: &dyn Fn(usize) -> f64, y: &dyn Fn(i64) -> f64) -> String {
    let mut d = String::new();
    let mut pen = false;
    for (k, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1} ",
                    if pen { "L" } else { "M" },
                    x(k),
                    y(*v)
                );
                pen = true;
            }
            None => pen = false,
        }
    }
    d
}

/// One wait chart: p99 and p50 of a curve, HOL blocks as ticks along the
/// bottom, rebalances as dashed lines.
fn wait_chart(
    o: &mut String,
    w: &WaitCurves,
    c: &ConsumerCurve,
    title: &str,
    (width, height): (u32, u32),
    y_max: i64,
    hol: bool,
) {
    let (left, right, top, bottom) = (56.0, 10.0, 22.0, 34.0);
    let pw = width as f64 - left - right;
    let ph = height as f64 - top - bottom;
    let n = c.p50.len().max(1);
    let x = move |k: usize| left + (k as f64 + 0.5) / n as f64 * pw;
    let y_max = y_max.max(1);
    let y = move |v: i64| top + ph - (v.max(0) as f64 / y_max as f64) * ph;
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\
<text x=\"8\" y=\"15\" font-weight=\"bold\">{}</text>",
        esc(title),
        esc(title)
    );
    // Axes and grid.
    for f in [0.0, 0.5, 1.0] {
        let v = (y_max as f64 * f).round() as i64;
        let yy = y(v);
        let _ = write!(
            o,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e7ee\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + pw,
            left - 4.0,
            yy + 4.0,
            esc(&duration(v))
        );
    }
    let span = w.end_ms - w.start_ms;
    let _ = write!(
        o,
        "<text x=\"{left}\" y=\"{:.1}\">0</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">+{}</text>",
        top + ph + 26.0,
        left + pw,
        top + ph + 26.0,
        esc(&duration(span))
    );
    // Rebalances.
    for m in &w.rebalances {
        let k = (m.time_ms - w.start_ms).max(0) as f64 / w.bucket_ms.max(1) as f64;
        let xx = left + k / n as f64 * pw;
        let _ = write!(
            o,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#6a3d9a\" stroke-dasharray=\"5 3\"><title>rebalance: {}</title></line>\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#6a3d9a\">⟳ {}</text>",
            top + ph,
            esc(&m.what),
            xx + 3.0,
            top + 10.0,
            esc(&m.what)
        );
    }
    // HOL blocks per bucket, as ticks under the plot.
    if hol {
        let hmax = w.hol.iter().copied().max().unwrap_or(0);
        if hmax > 0 {
            let bw = (pw / n as f64).max(1.0);
            for (k, &h) in w.hol.iter().enumerate() {
                if h == 0 {
                    continue;
                }
                let th = 3.0 + 7.0 * h as f64 / hmax as f64;
                let _ = write!(
                    o,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{th:.1}\" fill=\"#D55E00\"><title>{h} HOL-blocked events</title></rect>",
                    x(k) - bw / 2.0,
                    top + ph + 2.0,
                    bw.max(1.0) - 0.3
                );
            }
        }
    }
    let d99 = path(&c.p99, &x, &y);
    let d50 = path(&c.p50, &x, &y);
    let _ = write!(
        o,
        "<path d=\"{d99}\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"1.8\"/>\
<path d=\"{d50}\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"1.8\"/></svg>"
    );
}

fn waits(o: &mut String, p: &Pictures) {
    let Some(w) = p.waits.as_deref() else {
        return;
    };
    let Some(all) = &w.all else {
        return;
    };
    let _ = write!(
        o,
        "<h2>Wait over stream time</h2><p class=\"note\">How long events waited to be processed, under <b>{}</b>'s delivery, in buckets of {} of stream time: \
<span style=\"color:#D55E00\">━ p99</span> and <span style=\"color:#0072B2\">━ p50</span> (within 1/8); \
<span style=\"color:#D55E00\">▮</span> HOL-blocked events; <span style=\"color:#6a3d9a\">┆ ⟳</span> rebalances.</p>",
        esc(&p.waits_of),
        duration(w.bucket_ms)
    );
    let y_all = all.p99.iter().flatten().copied().max().unwrap_or(0);
    wait_chart(
        o,
        w,
        all,
        &format!("all consumers ({} events)", all.events),
        (1100, 240),
        y_all,
        true,
    );
    let mut cs: Vec<(&ConsumerCurve, i64)> = w
        .consumers
        .iter()
        .map(|c| (c, c.p99.iter().flatten().copied().max().unwrap_or(0)))
        .collect();
    if cs.len() > 1 {
        let shown = cs.len().min(MAX_CONSUMER_CHARTS);
        cs.sort_by_key(|&(c, m)| (std::cmp::Reverse(m), c.consumer));
        cs.truncate(shown);
        cs.sort_by_key(|&(c, _)| c.consumer);
        let _ = write!(
            o,
            "<h3>Per consumer</h3><p class=\"note\">On one scale{}.</p><div class=\"grid\">",
            if w.consumers.len() > shown {
                format!(
                    "; the {shown} with the highest p99 of {}",
                    w.consumers.len()
                )
            } else {
                String::new()
            }
        );
        for (c, _) in cs {
            let parts: Vec<String> = w
                .owner
                .iter()
                .enumerate()
                .filter(|&(_, &ow)| ow == c.consumer)
                .map(|(p, _)| p.to_string())
                .collect();
            let owns = if parts.is_empty() {
                String::new()
            } else if parts.len() > 8 {
                format!(", {} partitions", parts.len())
            } else {
                format!(", partitions {}", parts.join(","))
            };
            wait_chart(
                o,
                w,
                c,
                &format!("c{}{owns} ({} events)", c.consumer, c.events),
                (360, 170),
                y_all,
                false,
            );
        }
        o.push_str("</div>");
    }
    o.push('\n');
}

fn findings(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<h2>Findings</h2><p class=\"note\">The first {} of {} (<code>--max-findings</code> sets how many are listed).</p>",
        r.findings.len(),
        r.findings_total
    );
    if r.findings.is_empty() {
        return;
    }
    o.push_str("<div class=\"scroll\"><table><tr><th>#</th><th>kind</th><th>strategy</th><th>entity</th><th>partition</th><th>offset</th><th>detail</th></tr>");
    let opt = |x: Option<String>| x.unwrap_or_else(|| "-".into());
    for f in &r.findings {
        let _ = write!(
            o,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            opt(f.index.map(|i| i.to_string())),
            esc(&f.kind),
            esc(f.strategy.as_deref().unwrap_or("-")),
            esc(f.entity.as_deref().unwrap_or("-")),
            opt(f.partition.map(|p| p.to_string())),
            opt(f.offset.map(|p| p.to_string())),
            esc(&f.detail)
        );
    }
    o.push_str("</table></div>\n");
}

fn lane_svg(o: &mut String, lane: &Lane, slot: usize, names: &[String]) {
    let mut parts: Vec<u32> = lane.events.iter().map(|e| e.partition).collect();
    parts.sort_unstable();
    parts.dedup();
    let (left, top, step, row) = (90.0, 26.0, 44.0, 34.0);
    let width = (left + step * lane.events.len() as f64 + 20.0).max(320.0);
    let height = top + row * parts.len() as f64 + 14.0;
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"lane of {}\">\
<text x=\"8\" y=\"16\" font-weight=\"bold\">{}</text>",
        esc(&lane.entity),
        esc(&lane.entity)
    );
    for (k, p) in parts.iter().enumerate() {
        let y = top + row * k as f64 + row / 2.0;
        let _ = write!(
            o,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dfe3ea\" stroke-width=\"8\" stroke-linecap=\"round\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">partition {p}</text>",
            width - 14.0,
            left - 10.0,
            y + 4.0
        );
    }
    for (k, e) in lane.events.iter().enumerate() {
        let row_k = parts.binary_search(&e.partition).unwrap_or(0);
        let cx = left + step * k as f64 + step / 2.0;
        let cy = top + row * row_k as f64 + row / 2.0;
        let out = e.outcomes.get(slot).copied().flatten();
        let named: Vec<String> = e
            .findings
            .iter()
            .map(|(k, s)| match s.and_then(|s| names.get(s)) {
                Some(n) => format!("{k} ({n})"),
                None => (*k).to_string(),
            })
            .collect();
        // Strategy findings of other strategies are named, not ringed.
        let ringed = e.findings.iter().any(|f| f.1.is_none_or(|s| s == slot));
        let ring = if !ringed {
            String::new()
        } else {
            format!("<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"15\" fill=\"none\" stroke=\"#D55E00\" stroke-width=\"2.5\" stroke-dasharray=\"3 2\"/>")
        };
        let label = e.version.map_or("–".to_string(), |v| format!("v{v}"));
        let title = format!(
            "event #{}: partition {}, offset {}, version {}, {}{}",
            e.event,
            e.partition,
            e.offset,
            e.version.map_or("none".into(), |v| v.to_string()),
            out.map_or("no outcome", |o| o.name()),
            if named.is_empty() {
                String::new()
            } else {
                format!("; findings: {}", named.join(", "))
            }
        );
        let _ = write!(
            o,
            "<g><title>{}</title>{ring}<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"12\" fill=\"{}\"/>\
<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">{}</text>\
<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\">{}</text></g>",
            esc(&title),
            outcome_colour(out),
            cy + 4.0,
            esc(&label),
            cy - 14.0,
            outcome_glyph(out)
        );
    }
    o.push_str("</svg>");
}

fn lanes(o: &mut String, p: &Pictures) {
    if p.lanes.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h2>Entities with findings</h2><p class=\"note\">A few entities' events in arrival order, one lane per partition, as the grid of <code>kord replay</code> shows them: \
the label is the version, the colour the outcome under <b>{}</b>; a dashed red ring marks an event a stream finding or this strategy's finding is about. Hover for the other strategies' findings.</p><p class=\"legend\">",
        esc(&p.lanes_of)
    );
    for out in Outcome::ALL {
        let _ = write!(
            o,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{} {}</span>",
            outcome_colour(Some(out)),
            outcome_glyph(Some(out)),
            out.name()
        );
    }
    o.push_str("</p>");
    for lane in &p.lanes {
        let kinds: Vec<&str> = {
            let mut k: Vec<&str> = lane
                .events
                .iter()
                .flat_map(|e| e.findings.iter().map(|f| f.0))
                .collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        let _ = write!(
            o,
            "<h3>{} <span class=\"note\">({}{})</span></h3>",
            esc(&lane.entity),
            esc(&kinds.join(", ")),
            if lane.more > 0 {
                format!("; {} later events not drawn", lane.more)
            } else {
                String::new()
            }
        );
        lane_svg(o, lane, p.lane_slot, &p.strategies);
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(812), "812 ms");
        assert_eq!(duration(4189), "4.2 s");
        assert_eq!(duration(190_000), "3 min 10 s");
        assert_eq!(duration(7_500_000), "2 h 5 min");
    }
}
