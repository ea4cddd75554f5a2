//! The inspector's content for one event, computed in `update` (never in
//! draw): record fields, headers, payload (pretty JSON, text or hex), the
//! strategy's decisions with reasons, findings, HOL block and the entity's
//! state as of the cursor. It reads the engine's timeline; it must not change
//! app state or draw.

use super::data::{Dataset, Marker, StrategyView};
use crate::decode::{Decoded, Stage};
use crate::model::line::parse_record;
use crate::model::record::hex;
use crate::model::{Outcome, Payload, NONE};
use crate::sim::HolBlock;

/// One decision, described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionLine {
    pub at: u32,
    pub outcome: Outcome,
    pub reason: String,
}

/// What the inspector shows about one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspect {
    pub event: usize,
    pub cursor: usize,
    pub entity: String,
    /// (label, value) rows: partition, offset, key, times, version, type, cost.
    pub fields: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub payload: Vec<String>,
    pub decisions: Vec<DecisionLine>,
    /// Decisions this event's processing made about others: (event, decision).
    pub caused: Vec<(u32, DecisionLine)>,
    pub findings: Vec<(String, String)>,
    pub hol: Option<HolBlock>,
    /// Events this one held up (it is their blocker).
    pub blocking: Vec<u32>,
    pub wait_ms: Option<i64>,
    /// The entity's state under the strategy just after the cursor.
    pub state: Vec<(String, String)>,
}

/// Most payload lines kept (the pane scrolls no further).
const MAX_PAYLOAD_LINES: usize = 200;

impl Inspect {
    /// Gathers everything about event `ev` as of `cursor`.
    pub fn build(ds: &Dataset, view: &StrategyView, ev: usize, cursor: usize) -> Inspect {
        let s = &ds.store;
        let mut fields = Vec::new();
        let mut push = |k: &str, v: String| fields.push((k.to_string(), v));
        match ds.recorded_position(ev) {
            Some((p, o)) if ds.recorded_at.is_some() => {
                push(
                    "partition",
                    format!("{} (what-if; recorded {p})", s.partition[ev]),
                );
                push("offset", format!("{o} (recorded)"));
            }
            _ => {
                push("partition", s.partition[ev].to_string());
                push("offset", s.offset[ev].to_string());
            }
        }
        push(
            "key",
            s.key_name(ev)
                .map_or("(null)".to_string(), |k| format!("{k:?}")),
        );
        let shown = |ms: i64| {
            let t = super::clock::fmt_time(ms);
            if super::clock::ages() {
                format!("{t} ({})", super::clock::age(ms, super::clock::now_ms()))
            } else {
                t
            }
        };
        push("ts", shown(s.ts[ev]));
        if s.time[ev] != s.ts[ev] {
            push("time", shown(s.time[ev]));
        }
        push(
            "version",
            s.version_of(ev).map_or("-".into(), |v| v.to_string()),
        );
        push(
            "type",
            if s.type_name(ev).is_empty() {
                "-".into()
            } else {
                s.type_name(ev).to_string()
            },
        );
        push("cost", format!("{} ms", s.cost[ev]));
        push("line", s.line[ev].to_string());

        let (headers, payload, about_payload) = raw_parts(ds, ev);
        fields.extend(about_payload);
        if let Some(why) = s.undecoded_reason(ev) {
            fields.push(("undecoded".to_string(), why.to_string()));
        }

        let (about, caused_d, state) = view.inspect(ds, ev, cursor);
        let line = |d: &crate::strategy::Decision| DecisionLine {
            at: d.at,
            outcome: d.outcome,
            reason: d.reason.describe(&view.state_names),
        };
        let decisions = about.iter().map(line).collect();
        let caused = caused_d.iter().map(|d| (d.event, line(d))).collect();
        let findings = view
            .markers
            .iter()
            .skip(view.markers.partition_point(|m| (m.at as usize) < ev))
            .take_while(|m| m.at as usize == ev)
            .chain(later_markers(view, ev, cursor))
            .filter(|m| m.event as usize == ev)
            .map(|m| (m.kind.name().to_string(), view.detail(ds, m)))
            .collect();
        let hol = view.sim.block_of(ev as u32);
        let blocking = view.sim.blocked_by(ev as u32);
        let wait_ms = view.sim.sim.wait.get(ev).copied();
        let state = state
            .map(|st| {
                let mut out = vec![
                    ("version".to_string(), st.version.to_string()),
                    (
                        "type".to_string(),
                        if st.last_type == NONE {
                            "-".into()
                        } else {
                            s.types.name(st.last_type).to_string()
                        },
                    ),
                ];
                if !view.state_names.is_empty() {
                    out.push((
                        "state".to_string(),
                        view.state_names
                            .get(st.machine as usize)
                            .cloned()
                            .unwrap_or_else(|| st.machine.to_string()),
                    ));
                }
                for &(f, v, _) in st.fields.iter().take(30) {
                    out.push((s.fields.name(f).to_string(), s.values.name(v).to_string()));
                }
                out
            })
            .unwrap_or_default();
        Inspect {
            event: ev,
            cursor,
            entity: s.entity_name(ev).to_string(),
            fields,
            headers,
            payload,
            decisions,
            caused,
            findings,
            hol,
            blocking,
            wait_ms,
            state,
        }
    }
}

/// Strategy markers about `ev` that happen later (expiry) but by the cursor.
fn later_markers(view: &StrategyView, ev: usize, cursor: usize) -> impl Iterator<Item = &Marker> {
    let la = view
        .later_at
        .get(ev)
        .copied()
        .unwrap_or(super::data::NO_LATER);
    let range = if la != super::data::NO_LATER && la as usize <= cursor && la as usize != ev {
        let a = view.markers.partition_point(|m| m.at < la);
        let b = view.markers.partition_point(|m| m.at <= la);
        a..b
    } else {
        0..0
    };
    view.markers[range].iter()
}

type Rows = Vec<(String, String)>;

/// How a decoded part is described: format, schema id, subject.
fn describe(d: &Decoded) -> String {
    let mut s = d.format.name().to_string();
    if let Some(id) = d.id {
        s.push_str(&format!(", schema {id}"));
    }
    if let Some(sub) = &d.subject {
        s.push_str(&format!(", subject {sub}"));
    }
    s
}

/// Pretty JSON lines of a JSON text (the text's lines if it is not JSON).
fn pretty(t: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(v) => serde_json::to_string_pretty(&v)
            .unwrap_or_else(|_| t.to_string())
            .lines()
            .take(MAX_PAYLOAD_LINES)
            .map(str::to_string)
            .collect(),
        Err(_) => t
            .lines()
            .take(MAX_PAYLOAD_LINES)
            .map(str::to_string)
            .collect(),
    }
}

/// Headers, payload lines and rows about the key and payload (format,
/// schema, raw key bytes) from the raw record (kept, or read from the file).
fn raw_parts(ds: &Dataset, ev: usize) -> (Rows, Vec<String>, Rows) {
    let Some(bytes) = ds.raw_record(ev) else {
        return (
            Vec::new(),
            vec!["(raw record not available)".into()],
            Vec::new(),
        );
    };
    let Ok(rec) = parse_record(&bytes) else {
        return (
            Vec::new(),
            vec![String::from_utf8_lossy(&bytes).into_owned()],
            Vec::new(),
        );
    };
    let (p, o) = ds.recorded_position(ev).unwrap_or((u32::MAX, -1));
    if i64::from(rec.partition) != i64::from(p) || rec.offset != o {
        return (
            Vec::new(),
            vec!["(the file changed since it was loaded)".into()],
            Vec::new(),
        );
    }
    let headers = rec
        .headers
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Payload::Null => "null".to_string(),
                Payload::Text(t) | Payload::Json(t) => t.to_string(),
                Payload::Binary(b) => hex(b),
            };
            (k.to_string(), v)
        })
        .collect();
    let mut about = Vec::new();
    let mut stage = crate::decode::session().map(Stage::new);
    if let Payload::Binary(_) | Payload::Text(_) = &rec.key {
        let b = rec.key.bytes().unwrap_or_default();
        let framed = b.first() == Some(&0);
        if framed || matches!(rec.key, Payload::Binary(_)) {
            about.push(("key bytes".to_string(), hex(b)));
        }
        if let Some(st) = stage.as_mut() {
            match st.decode_key(&rec.key) {
                Some(Ok(d)) => {
                    about.push(("key format".to_string(), describe(&d)));
                    about.push(("key decoded".to_string(), d.json));
                }
                Some(Err(e)) => about.push(("key format".to_string(), e)),
                None => {}
            }
        }
    }
    if let Some(st) = stage.as_mut() {
        match st.decode_value(&rec.payload) {
            Some(Ok(d)) => {
                about.push(("format".to_string(), describe(&d)));
                let mut lines = pretty(&d.json);
                if let Some(b) = rec.payload.bytes() {
                    lines.push(String::new());
                    lines.push(format!("raw ({} bytes):", b.len()));
                    lines.extend(hex_dump(b));
                }
                lines.truncate(MAX_PAYLOAD_LINES);
                return (headers, lines, about);
            }
            Some(Err(e)) => about.push(("format".to_string(), format!("not decoded: {e}"))),
            None => {}
        }
    }
    let payload = match &rec.payload {
        Payload::Null => vec!["null (tombstone)".into()],
        Payload::Text(t) | Payload::Json(t) => pretty(t),
        Payload::Binary(b) => hex_dump(b),
    };
    (headers, payload, about)
}

/// A hex dump, 8 bytes a line with an ASCII column.
pub fn hex_dump(b: &[u8]) -> Vec<String> {
    b.chunks(8)
        .take(MAX_PAYLOAD_LINES)
        .enumerate()
        .map(|(i, c)| {
            let hex: Vec<String> = c.iter().map(|x| format!("{x:02x}")).collect();
            let ascii: String = c
                .iter()
                .map(|&x| {
                    if x.is_ascii_graphic() || x == b' ' {
                        x as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:04x}  {:<23}  {ascii}", i * 8, hex.join(" "))
        })
        .collect()
}
