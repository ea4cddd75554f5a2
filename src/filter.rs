//! Filters by content (`--where EXPR`, the TUI's `:find` and `:where`): a
//! jq expression, run by `jaq`, over a record seen as
//! `{topic, partition, offset, ts, key, headers, payload}`.
//!
//! A record is kept when the expression yields at least one truthy value
//! (anything but `false` and `null`), as jq's `select(EXPR)` keeps it; a
//! record on which the expression fails (`.payload.a.b` on a string) is
//! not kept, as `select` emits nothing for it. `headers` is an object
//! (the first value of each name wins, a null header value is `null`);
//! `payload` is the decoded value: parsed JSON when the payload is JSON,
//! else the text (invalid UTF-8 replaced), `null` for a tombstone. A
//! decoding stage that knows better (Avro, Protobuf) hands its value to
//! [`RecordFilter::matches_with`].
//!
//! Matching only: must not import the terminal, tokio or rdkafka, or read a
//! file (callers hand it the record).

use crate::model::{Payload, Record};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, Compiler, Ctx, Vars};
use jaq_json::{Map, Val};

type Data = data::JustLut<Val>;

/// A compiled `--where` expression.
pub struct RecordFilter {
    expr: String,
    filter: jaq_core::Filter<Data>,
}

impl std::fmt::Debug for RecordFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RecordFilter").field(&self.expr).finish()
    }
}

/// Where in the expression a parse or compile error is (0-based byte offset).
fn offset_in(code: &str, at: &str) -> usize {
    let (c, a) = (code.as_ptr() as usize, at.as_ptr() as usize);
    if a >= c && a <= c + code.len() {
        a - c
    } else {
        0
    }
}

fn describe_at(code: &str, at: &str, what: &str) -> String {
    let off = offset_in(code, at);
    let near: String = code[off..].chars().take(12).collect();
    if near.is_empty() {
        format!("{what} at the end of the expression")
    } else {
        format!("{what} at column {} (near {near:?})", off + 1)
    }
}

impl RecordFilter {
    /// Compiles a jq expression; the error says what is wrong and where.
    pub fn compile(expr: &str) -> Result<RecordFilter, String> {
        if expr.trim().is_empty() {
            return Err("empty expression".into());
        }
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs::<Data>()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let program = File {
            code: expr,
            path: (),
        };
        let modules = loader.load(&arena, program).map_err(|errs| {
            let mut out = Vec::new();
            for (_file, e) in errs {
                match e {
                    jaq_core::load::Error::Io(v) => {
                        out.extend(v.into_iter().map(|(_, m)| m));
                    }
                    jaq_core::load::Error::Lex(v) => {
                        out.extend(v.into_iter().map(|(exp, at)| {
                            describe_at(expr, at, &format!("expected {}", exp.as_str()))
                        }));
                    }
                    jaq_core::load::Error::Parse(v) => {
                        out.extend(v.into_iter().map(|(exp, at)| {
                            describe_at(expr, at, &format!("expected {}", exp.as_str()))
                        }));
                    }
                }
            }
            out.join("; ")
        })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let mut out = Vec::new();
                for (_file, v) in errs {
                    for (name, undef) in v {
                        out.push(describe_at(
                            expr,
                            name,
                            &format!("undefined {} {name:?}", undef.as_str()),
                        ));
                    }
                }
                out.join("; ")
            })?;
        Ok(RecordFilter {
            expr: expr.to_string(),
            filter,
        })
    }

    /// The expression as given.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Runs the expression on a value: true when one of its outputs is
    /// truthy; an error when it fails before yielding one.
    pub fn eval(&self, input: Val) -> Result<bool, String> {
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        for out in self.filter.id.run((ctx, input)).map(jaq_core::unwrap_valr) {
            match out {
                Ok(v) if jaq_core::ValT::as_bool(&v) => return Ok(true),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(false)
    }

    /// Whether the record is kept (its payload decoded as JSON when it is).
    pub fn matches(&self, rec: &Record<'_>) -> bool {
        self.eval(record_value(rec, payload_value(&rec.payload)))
            .unwrap_or(false)
    }

    /// Whether the record is kept, with its payload already decoded.
    pub fn matches_with(&self, rec: &Record<'_>, payload: &serde_json::Value) -> bool {
        self.eval(record_value(rec, json_to_val(payload)))
            .unwrap_or(false)
    }
}

fn text(s: &str) -> Val {
    Val::utf8_str(s.as_bytes().to_vec())
}

fn opt_text(s: Option<&str>) -> Val {
    s.map_or(Val::Null, text)
}

fn int(n: i64) -> Val {
    // jaq's integers are isize; on 64-bit targets every i64 fits.
    Val::from(n as isize)
}

/// The payload as the filter sees it: parsed JSON, else text, null for a tombstone.
pub fn payload_value(p: &Payload<'_>) -> Val {
    match p {
        Payload::Text(t) => json_or_text(t),
        other => bytes_value(other),
    }
}

/// Text parsed as JSON, else the text itself.
fn json_or_text(t: &str) -> Val {
    jaq_json::read::parse_single(t.as_bytes()).unwrap_or_else(|_| text(t))
}

/// A key or header value as the filter sees it: text as a string, a
/// decoded value (Avro, Protobuf, JSON Schema) as JSON, bytes that are
/// not UTF-8 as lossy text, null when absent.
pub fn bytes_value(p: &Payload<'_>) -> Val {
    match p {
        Payload::Null => Val::Null,
        Payload::Text(t) => text(t),
        Payload::Json(t) => json_or_text(t),
        Payload::Binary(b) => text(&String::from_utf8_lossy(b)),
    }
}

/// The record as the filter sees it.
pub fn record_value(rec: &Record<'_>, payload: Val) -> Val {
    let mut headers = Map::default();
    for (n, v) in &rec.headers {
        headers.entry(text(n)).or_insert_with(|| bytes_value(v));
    }
    let mut m = Map::default();
    m.insert(text("topic"), opt_text(rec.topic.as_deref()));
    m.insert(text("partition"), int(rec.partition as i64));
    m.insert(text("offset"), int(rec.offset));
    m.insert(text("ts"), rec.ts.map_or(Val::Null, int));
    m.insert(text("key"), bytes_value(&rec.key));
    m.insert(text("headers"), Val::obj(headers));
    m.insert(text("payload"), payload);
    Val::obj(m)
}

/// A serde_json value as a jaq value.
pub fn json_to_val(v: &serde_json::Value) -> Val {
    use serde_json::Value as J;
    match v {
        J::Null => Val::Null,
        J::Bool(b) => Val::from(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => int(i),
            (None, Some(f)) => Val::from(f),
            (None, None) => {
                jaq_json::read::parse_single(n.to_string().as_bytes()).unwrap_or(Val::Null)
            }
        },
        J::String(s) => text(s),
        J::Array(a) => a.iter().map(json_to_val).collect(),
        J::Object(o) => Val::obj(o.iter().map(|(k, v)| (text(k), json_to_val(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_can_move_between_threads() {
        fn send<T: Send + Sync>(_: &T) {}
        send(&RecordFilter::compile(".key").expect("compiles"));
    }
    use std::borrow::Cow;

    fn rec(key: &str, payload: &str) -> Record<'static> {
        Record {
            topic: Some(Cow::Borrowed("orders")),
            partition: 3,
            offset: 17,
            ts: Some(1_700_000_000_000),
            headers: vec![
                (
                    Cow::Borrowed("type"),
                    Payload::Text(Cow::Borrowed("OrderPlaced")),
                ),
                (
                    Cow::Borrowed("type"),
                    Payload::Text(Cow::Borrowed("second")),
                ),
                (Cow::Borrowed("trace"), Payload::Null),
            ],
            key: Payload::Text(Cow::Owned(key.to_string())),
            payload: Payload::Text(Cow::Owned(payload.to_string())),
        }
    }

    fn keeps(expr: &str, r: &Record<'_>) -> bool {
        RecordFilter::compile(expr).expect("compiles").matches(r)
    }

    #[test]
    fn fields_of_the_record() {
        let r = rec("o-1", r#"{"tenant":"acme","n":3}"#);
        assert!(keeps(r#".payload.tenant == "acme""#, &r));
        assert!(!keeps(r#".payload.tenant == "other""#, &r));
        assert!(keeps(".partition == 3 and .offset == 17", &r));
        assert!(keeps(r#".topic == "orders" and .key == "o-1""#, &r));
        assert!(keeps(".ts > 1600000000000", &r));
        assert!(keeps(r#".headers.type == "OrderPlaced""#, &r));
        assert!(keeps(".headers.trace == null", &r));
        assert!(keeps(".payload.n >= 3", &r));
        assert!(keeps(r#".key | test("^o-")"#, &r));
        assert!(!keeps(".payload.missing", &r));
    }

    #[test]
    fn truthiness_and_many_outputs_follow_select() {
        let r = rec("k", r#"{"a":[false,null,0]}"#);
        // 0 is truthy in jq; the third output keeps the record.
        assert!(keeps(".payload.a[]", &r));
        assert!(!keeps(".payload.a[0], .payload.a[1]", &r));
        assert!(!keeps("empty", &r));
    }

    #[test]
    fn errors_reject_and_non_json_payloads_are_text() {
        let r = rec("k", "not json");
        assert!(keeps(r#".payload == "not json""#, &r));
        // Indexing a string fails: the record is not kept (as select).
        assert!(!keeps(".payload.a == 1", &r));
        let mut t = rec("k", "");
        t.payload = Payload::Null;
        assert!(keeps(".payload == null", &t));
    }

    #[test]
    fn decoded_payload_from_a_decoding_stage() {
        let r = rec("k", "\u{0}binary avro");
        let f = RecordFilter::compile(r#".payload.tenant == "acme""#).expect("compiles");
        assert!(!f.matches(&r));
        let v = serde_json::json!({"tenant": "acme", "big": 1.5, "xs": [1, "a"]});
        assert!(f.matches_with(&r, &v));
        let g = RecordFilter::compile(r#".payload.xs[1] == "a" and .payload.big > 1"#)
            .expect("compiles");
        assert!(g.matches_with(&r, &v));
    }

    #[test]
    fn bad_expressions_say_where() {
        let e = RecordFilter::compile(".payload.a ==").expect_err("incomplete");
        assert!(e.contains("expected"), "{e}");
        let e = RecordFilter::compile("nosuchfn(1)").expect_err("undefined");
        assert!(
            e.contains("undefined filter") && e.contains("nosuchfn"),
            "{e}"
        );
        assert!(RecordFilter::compile("  ").is_err());
    }
}
