//! One record line (SPEC §2, the shape `kcat -C -J` prints, plus kord's
//! lossless `key_b64` / `payload_b64` / `{"b64": ...}` header values)
//! parsed into a [`Record`]; [`Record::write_json_line`] is its inverse.
//! Pure: no files, no Kafka. The recording reader (`source::recording`)
//! splits input into lines and calls [`parse_record`]. Core: must not import
//! the terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use crate::model::record::Headers;
use crate::model::{json, Payload, Record};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A problem with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub field: Option<String>,
    pub message: String,
}

fn line_err(field: &str, message: impl Into<String>) -> LineError {
    LineError {
        field: Some(field.into()),
        message: message.into(),
    }
}

/// A line's fields as serde_json reads them (unknown ones ignored).
#[derive(Deserialize)]
struct SerdeRecord<'a> {
    #[serde(borrow, default)]
    topic: Option<&'a RawValue>,
    #[serde(borrow, default)]
    partition: Option<&'a RawValue>,
    #[serde(borrow, default)]
    offset: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ts: Option<&'a RawValue>,
    #[serde(borrow, default)]
    headers: Option<&'a RawValue>,
    #[serde(borrow, default)]
    key: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    key_b64: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload_b64: Option<&'a RawValue>,
}

/// A line's fields, each as its raw JSON text.
#[derive(Default)]
struct RawRecord<'a> {
    topic: Option<&'a str>,
    partition: Option<&'a str>,
    offset: Option<&'a str>,
    ts: Option<&'a str>,
    headers: Option<&'a str>,
    key: Option<&'a str>,
    payload: Option<&'a str>,
    key_b64: Option<&'a str>,
    payload_b64: Option<&'a str>,
    /// The payload string's text when the line's reader unescaped it.
    payload_text: Option<Cow<'a, str>>,
}

impl<'a> RawRecord<'a> {
    /// The fields of `text`: by [`json::Object`] when it takes the
    /// line (a known field given twice is left to serde_json's error), else
    /// by serde_json.
    fn read(
        text: &'a str,
        scratch: Option<&'a mut String>,
        quotes: &mut Vec<u32>,
    ) -> Result<RawRecord<'a>, LineError> {
        if let Some(r) = RawRecord::fast(text, scratch, quotes) {
            return Ok(r);
        }
        quotes.clear();
        let s: SerdeRecord = serde_json::from_str(text).map_err(|e| LineError {
            field: None,
            message: format!("not valid JSON: {e}"),
        })?;
        let get = |r: Option<&'a RawValue>| r.map(RawValue::get);
        Ok(RawRecord {
            topic: get(s.topic),
            partition: get(s.partition),
            offset: get(s.offset),
            ts: get(s.ts),
            headers: get(s.headers),
            key: get(s.key),
            payload: get(s.payload),
            key_b64: get(s.key_b64),
            payload_b64: get(s.payload_b64),
            payload_text: None,
        })
    }

    /// The fields by [`json::Object`]; the payload string is unescaped as
    /// it is read. `None` where serde_json must read the line (a known
    /// field given twice is its error).
    fn fast(
        text: &'a str,
        mut scratch: Option<&'a mut String>,
        quotes: &mut Vec<u32>,
    ) -> Option<RawRecord<'a>> {
        let mut r = RawRecord::default();
        let mut seen = 0u16;
        let mut obj = json::Object::new(text)?;
        while let Some(k) = obj.key()? {
            let (bit, slot) = match k {
                "topic" => (0, &mut r.topic),
                "partition" => (1, &mut r.partition),
                "offset" => (2, &mut r.offset),
                "ts" => (3, &mut r.ts),
                "headers" => (4, &mut r.headers),
                "key" => (5, &mut r.key),
                "payload" => (6, &mut r.payload),
                "key_b64" => (7, &mut r.key_b64),
                "payload_b64" => (8, &mut r.payload_b64),
                _ => {
                    obj.raw()?;
                    continue;
                }
            };
            if seen & (1 << bit) != 0 {
                return None;
            }
            seen |= 1 << bit;
            let v = if bit == 6 {
                match obj.text(scratch.take(), Some(&mut *quotes))? {
                    json::Field::Str { raw, text } => {
                        r.payload_text = Some(text);
                        raw
                    }
                    json::Field::Raw(raw) => raw,
                }
            } else {
                obj.raw()?
            };
            // serde_json reads `null` into an `Option` as `None`.
            *slot = (v != "null").then_some(v);
        }
        obj.finish()?;
        Some(r)
    }
}

fn int(raw: Option<&str>, field: &str, required: bool) -> Result<Option<i64>, LineError> {
    match raw {
        None if required => Err(line_err(field, "missing (an integer is required)")),
        None => Ok(None),
        Some(r) => digits(r)
            .or_else(|| r.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| line_err(field, format!("expected an integer, got {}", short(r)))),
    }
}

/// A run of at most 18 ASCII digits (which cannot overflow an `i64`) as a
/// number; `None` for anything else, which `str::parse` then reads.
#[inline]
fn digits(r: &str) -> Option<i64> {
    let b = r.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    b.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn string<'a>(raw: Option<&'a str>, field: &str) -> Result<Option<Cow<'a, str>>, LineError> {
    match raw {
        None => Ok(None),
        Some(r) if r.starts_with('"') => match json::unquote(r) {
            Some(s) => Ok(Some(s)),
            None => serde_json::from_str::<crate::model::pointer::BorrowedStr>(r)
                .map(|s| Some(s.0))
                .map_err(|e| line_err(field, e.to_string())),
        },
        Some(r) => Err(line_err(
            field,
            format!("expected a string or null, got {}", short(r)),
        )),
    }
}

fn short(s: &str) -> String {
    if s.len() > 40 {
        let mut end = 40;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// Bytes written as base64 (`key_b64`, `payload_b64`, a header's `{"b64":...}`).
fn base64_bytes(raw: &str, field: &str) -> Result<Payload<'static>, LineError> {
    use base64::Engine as _;
    let text = string(Some(raw), field)?
        .ok_or_else(|| line_err(field, "null where base64 text was expected"))?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map(|b| Payload::Binary(Cow::Owned(b)))
        .map_err(|e| line_err(field, format!("not valid base64: {e}")))
}

/// A key or payload: a string (text), null, any other JSON value (inline,
/// as kcat's `-s key=avro` prints it), or base64 bytes in `NAME_b64`.
fn bytes_field<'a>(
    raw: Option<&'a str>,
    b64: Option<&'a str>,
    field: &str,
    text: Option<Cow<'a, str>>,
) -> Result<Payload<'a>, LineError> {
    if let Some(b) = b64 {
        if raw.is_some_and(|r| r != "null") {
            return Err(line_err(
                field,
                format!("both `{field}` and `{field}_b64` are given"),
            ));
        }
        return base64_bytes(b, &format!("{field}_b64"));
    }
    Ok(match raw {
        None => Payload::Null,
        Some("null") => Payload::Null,
        Some(r) if r.starts_with('"') => match text {
            Some(t) => Payload::Text(t),
            None => Payload::Text(string(Some(r), field)?.unwrap_or_default()),
        },
        Some(r) => Payload::Json(Cow::Borrowed(r)),
    })
}

/// A header value: a string, null, or `{"b64": "..."}`.
fn header_value<'a>(raw: Option<&'a str>) -> Result<Payload<'a>, LineError> {
    match raw {
        Some(r) if r.starts_with('{') => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct B64<'a> {
                #[serde(borrow)]
                b64: &'a RawValue,
            }
            let b: B64 = serde_json::from_str(r).map_err(|_| {
                line_err(
                    "headers",
                    format!(
                        "a header value is a string, null or {{\"b64\": \"...\"}}, got {}",
                        short(r)
                    ),
                )
            })?;
            base64_bytes(b.b64.get(), "headers")
        }
        other => Ok(string(other, "headers")?.map_or(Payload::Null, Payload::Text)),
    }
}

fn headers<'a>(raw: Option<&'a str>) -> Result<Headers<'a>, LineError> {
    let Some(text) = raw else {
        return Ok(Vec::new());
    };
    if text.starts_with('[') {
        if let Some(h) = headers_fast(text) {
            return Ok(h);
        }
        let items: Vec<Option<&'a str>> = serde_json::from_str::<Vec<Option<&'a RawValue>>>(text)
            .map_err(|e| line_err("headers", e.to_string()))?
            .into_iter()
            .map(|v| v.map(RawValue::get))
            .collect();
        if items.len() % 2 != 0 {
            return Err(line_err(
                "headers",
                "a flat array needs name, value pairs (odd length)",
            ));
        }
        let mut out = Vec::with_capacity(items.len() / 2);
        for pair in items.chunks(2) {
            let name = string(pair[0], "headers")?
                .ok_or_else(|| line_err("headers", "a header name is null"))?;
            out.push((name, header_value(pair[1])?));
        }
        Ok(out)
    } else if text.starts_with('{') {
        let map: Vec<(Cow<'a, str>, Option<&'a RawValue>)> =
            serde_json::from_str::<std::collections::BTreeMap<String, Option<&'a RawValue>>>(text)
                .map_err(|e| line_err("headers", e.to_string()))?
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), v))
                .collect();
        map.into_iter()
            .map(|(k, v)| Ok((k, header_value(v.map(RawValue::get))?)))
            .collect()
    } else if text == "null" {
        Ok(Vec::new())
    } else {
        Err(line_err(
            "headers",
            format!("expected an array or object, got {}", short(text)),
        ))
    }
}

/// A flat header array read by [`json::for_each_item`]; `None` for
/// anything amiss, which the slow path then names.
fn headers_fast(text: &str) -> Option<Headers<'_>> {
    let mut out = Vec::with_capacity(4);
    let mut name = None;
    let null = |v: &str| v != "null";
    json::for_each_item(text, |v| {
        let v = Some(v).filter(|v| null(v));
        match name.take() {
            None => name = Some(string(v, "headers").ok()??),
            Some(n) => out.push((n, header_value(v).ok()?)),
        }
        Some(())
    })?;
    name.is_none().then_some(out)
}

/// Parses one record line (kcat `-J` shape). `line` may be non-UTF-8: such a
/// payload is kept as bytes.
pub fn parse_record(line: &[u8]) -> Result<Record<'_>, LineError> {
    parse_record_in(line, None)
}

/// [`parse_record`], unescaping the payload string into `scratch` (when
/// given) rather than a fresh allocation: a reader reuses one buffer.
pub fn parse_record_in<'a>(
    line: &'a [u8],
    scratch: Option<&'a mut String>,
) -> Result<Record<'a>, LineError> {
    parse_record_quoted(line, scratch, &mut Vec::new())
}

/// [`parse_record_in`], listing in `quotes` the offsets of the payload
/// text's quotes when the payload was a string whose only escapes were
/// `\"` (empty otherwise): [`crate::model::json::fields_plain`] then reads
/// its fields without scanning its strings.
pub fn parse_record_quoted<'a>(
    line: &'a [u8],
    scratch: Option<&'a mut String>,
    quotes: &mut Vec<u32>,
) -> Result<Record<'a>, LineError> {
    quotes.clear();
    match std::str::from_utf8(line) {
        Ok(text) => parse_record_str(text, scratch, quotes),
        Err(_) => {
            let lossy = String::from_utf8_lossy(line).into_owned();
            let rec = parse_record_str(&lossy, None, quotes)?.into_owned();
            quotes.clear();
            let payload = match rec.payload {
                Payload::Text(t) | Payload::Json(t) => {
                    Payload::Binary(Cow::Owned(t.into_owned().into_bytes()))
                }
                other => other,
            };
            Ok(Record { payload, ..rec })
        }
    }
}

fn parse_record_str<'a>(
    text: &'a str,
    scratch: Option<&'a mut String>,
    quotes: &mut Vec<u32>,
) -> Result<Record<'a>, LineError> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return Err(LineError {
            field: None,
            message: format!("not a JSON object: {}", short(t)),
        });
    }
    let mut raw = RawRecord::read(text, scratch, quotes)?;
    if raw.payload_text.is_none() {
        quotes.clear();
    }
    let partition = int(raw.partition, "partition", true)?.unwrap_or(0);
    if !(0..=i32::MAX as i64).contains(&partition) {
        return Err(line_err(
            "partition",
            format!("{partition} is not a partition number"),
        ));
    }
    let offset = int(raw.offset, "offset", true)?.unwrap_or(0);
    let payload = bytes_field(
        raw.payload,
        raw.payload_b64,
        "payload",
        raw.payload_text.take(),
    )?;
    Ok(Record {
        topic: string(raw.topic, "topic")?,
        partition: partition as i32,
        offset,
        ts: int(raw.ts, "ts", false)?,
        headers: headers(raw.headers)?,
        key: bytes_field(raw.key, raw.key_b64, "key", None)?,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The digit fast path reads what `str::parse` reads, or leaves it.
        #[test]
        fn digits_read_as_parse_reads(r in prop_oneof![
            "[0-9]{0,20}",
            "-?[0-9+e.]{0,6}",
            any::<i64>().prop_map(|n| n.to_string()),
        ]) {
            if let Some(n) = digits(&r) {
                prop_assert_eq!(Some(n), r.parse::<i64>().ok());
            }
            prop_assert_eq!(
                int(Some(&r), "f", true).ok().flatten(),
                r.parse::<i64>().ok()
            );
        }
    }
}
