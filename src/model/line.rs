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
    /// The topic's and the key's text when they are strings without escapes.
    topic_text: Option<&'a str>,
    key_text: Option<&'a str>,
    /// The headers when [`RawRecord::compact`] read them (a flat array of
    /// names and values, strings without escapes or null values).
    headers_read: Option<Headers<'a>>,
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
        let mut scratch = scratch;
        if let Some(r) = RawRecord::compact(text, &mut scratch, quotes) {
            return Ok(r);
        }
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
            ..RawRecord::default()
        })
    }

    /// The fields of a compact line (no whitespace between tokens, keys
    /// without escapes, as kcat and kord write them), read as
    /// [`RawRecord::fast`] reads them, in one pass with fewer steps: the
    /// topic's, key's and headers' strings are taken as they are met.
    /// `None` for any other line, which [`RawRecord::fast`] then reads.
    fn compact(
        text: &'a str,
        scratch: &mut Option<&'a mut String>,
        quotes: &mut Vec<u32>,
    ) -> Option<RawRecord<'a>> {
        let b = text.as_bytes();
        if b.first() != Some(&b'{') {
            return None;
        }
        let mut r = RawRecord::default();
        if b.get(1) == Some(&b'}') {
            return (b.len() == 2).then_some(r);
        }
        let mut seen = 0u16;
        let mut i = 1;
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            // A key with an escape is left to `fast`.
            let j = json::to_stop(b, i + 1);
            if b.get(j) != Some(&b'"') || b.get(j + 1) != Some(&b':') {
                return None;
            }
            let bit = field_bit(&b[i + 1..j]).unwrap_or(15);
            if bit < 15 {
                if seen & (1 << bit) != 0 {
                    return None;
                }
                seen |= 1 << bit;
            }
            let start = j + 2;
            i = match (bit, *b.get(start)?) {
                (6, b'"') => {
                    let (end, t) = json::text_at(text, start, scratch.take(), Some(&mut *quotes))?;
                    r.payload_text = Some(t);
                    end
                }
                (_, b'"') => {
                    let (end, escaped) = json::string_at(text, start)?;
                    let inner = (!escaped).then(|| &text[start + 1..end - 1]);
                    match bit {
                        0 => r.topic_text = inner,
                        5 => r.key_text = inner,
                        _ => {}
                    }
                    end
                }
                (_, b'0'..=b'9') => json::number_at(text, start)?,
                (4, b'[') => match flat_headers(text, start) {
                    Some((end, h)) => {
                        r.headers_read = Some(h);
                        end
                    }
                    None => json::value_at(text, start)?,
                },
                _ => json::value_at(text, start)?,
            };
            let v = &text[start..i];
            if bit < 15 {
                // serde_json reads `null` into an `Option` as `None`.
                *r.slot(bit) = (v != "null").then_some(v);
            }
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => return (i + 1 == b.len()).then_some(r),
                _ => return None,
            }
        }
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
            let Some(bit) = field_bit(k.as_bytes()) else {
                obj.raw()?;
                continue;
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
            *r.slot(bit) = (v != "null").then_some(v);
        }
        obj.finish()?;
        Some(r)
    }

    /// The raw text of the field [`field_bit`] numbers `bit` (0 to 8).
    fn slot(&mut self, bit: u16) -> &mut Option<&'a str> {
        match bit {
            0 => &mut self.topic,
            1 => &mut self.partition,
            2 => &mut self.offset,
            3 => &mut self.ts,
            4 => &mut self.headers,
            5 => &mut self.key,
            6 => &mut self.payload,
            7 => &mut self.key_b64,
            _ => &mut self.payload_b64,
        }
    }
}

/// The number (0 to 8) of a field a record line's reader keeps, by its key:
/// its bit in the set of fields seen, and its [`RawRecord::slot`]. `None`
/// for any other key.
fn field_bit(key: &[u8]) -> Option<u16> {
    Some(match key {
        b"topic" => 0,
        b"partition" => 1,
        b"offset" => 2,
        b"ts" => 3,
        b"headers" => 4,
        b"key" => 5,
        b"payload" => 6,
        b"key_b64" => 7,
        b"payload_b64" => 8,
        _ => return None,
    })
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

/// The compact flat header array at `i` in `text` (`["name","value",...]`,
/// no whitespace), when its names are strings and its values strings or
/// null, none with an escape: its end and the headers, as [`headers`] reads
/// them. `None` for anything else, which [`headers`] then reads.
fn flat_headers(text: &str, i: usize) -> Option<(usize, Headers<'_>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = i + 1;
    if b.get(i) == Some(&b']') {
        return Some((i + 1, out));
    }
    let mut name = None;
    loop {
        let v = match b.get(i)? {
            b'"' => {
                let (end, escaped) = json::string_at(text, i)?;
                if escaped {
                    return None;
                }
                let inner = &text[i + 1..end - 1];
                i = end;
                Some(inner)
            }
            b'n' if b.get(i..i + 4) == Some(b"null") => {
                i += 4;
                None
            }
            _ => return None,
        };
        match name.take() {
            None => name = Some(v?),
            Some(n) => out.push((
                Cow::Borrowed(n),
                v.map_or(Payload::Null, |v| Payload::Text(Cow::Borrowed(v))),
            )),
        }
        match b.get(i)? {
            b',' => i += 1,
            b']' if name.is_none() => return Some((i + 1, out)),
            _ => return None,
        }
    }
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
    let topic = match raw.topic_text {
        Some(t) => Some(Cow::Borrowed(t)),
        None => string(raw.topic, "topic")?,
    };
    let headers = match raw.headers_read.take() {
        Some(h) => h,
        None => headers(raw.headers)?,
    };
    let key_text = raw.key_text.map(Cow::Borrowed);
    Ok(Record {
        topic,
        partition: partition as i32,
        offset,
        ts: int(raw.ts, "ts", false)?,
        headers,
        key: bytes_field(raw.key, raw.key_b64, "key", key_text)?,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A line's fields as [`RawRecord`] holds them, to compare.
    fn fields<'a>(r: &RawRecord<'a>) -> Vec<Option<&'a str>> {
        vec![
            r.topic,
            r.partition,
            r.offset,
            r.ts,
            r.headers,
            r.key,
            r.payload,
            r.key_b64,
            r.payload_b64,
        ]
    }

    /// [`RawRecord::compact`] reads what [`RawRecord::fast`] reads, when it
    /// reads a line at all; what it reads ahead (topic, key, headers) is
    /// what the later steps would read.
    fn check_compact(text: &str) {
        let (mut s1, mut s2) = (String::from("junk"), String::from("junk"));
        let (mut q1, mut q2) = (vec![9], vec![9]);
        let Some(c) = RawRecord::compact(text, &mut Some(&mut s1), &mut q1) else {
            return;
        };
        let f = RawRecord::fast(text, Some(&mut s2), &mut q2).expect(text);
        assert_eq!(fields(&c), fields(&f), "{text:?}");
        assert_eq!(c.payload_text, f.payload_text, "{text:?}");
        if c.payload_text.is_some() {
            assert_eq!(q1, q2, "{text:?}");
        }
        if let Some(t) = c.topic_text {
            assert_eq!(
                Some(Cow::Borrowed(t)),
                string(c.topic, "topic").unwrap(),
                "{text:?}"
            );
        }
        if let Some(t) = c.key_text {
            assert_eq!(
                Some(Cow::Borrowed(t)),
                string(c.key, "key").unwrap(),
                "{text:?}"
            );
        }
        if let Some(h) = &c.headers_read {
            assert_eq!(Ok(h), headers(c.headers).as_ref(), "{text:?}");
        }
    }

    /// A record line's fields in any order, values of every kind (and a few
    /// that are not JSON), with or without spaces.
    fn lineish() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("topic"),
            Just("partition"),
            Just("offset"),
            Just("ts"),
            Just("headers"),
            Just("key"),
            Just("payload"),
            Just("key_b64"),
            Just("payload_b64"),
            Just("tstype"),
            Just("top\\u0069c"),
            Just("k\\\"ey"),
        ];
        let value = prop_oneof![
            Just(r#""t""#),
            Just(r#""a\"b""#),
            Just(r#""\u00e9\\""#),
            Just(r#""x\ny""#),
            Just(r#""{\"id\":\"a1\",\"v\":2,\"n\":{\"x\":[1]}}""#),
            Just(r#""{\"id\":\"a\\u00e9\"}""#),
            Just("0"),
            Just("01"),
            Just("12"),
            Just("-3"),
            Just("1.5"),
            Just("2e3"),
            Just("9223372036854775807"),
            Just("null"),
            Just("true"),
            Just("[]"),
            Just(r#"["type","A"]"#),
            Just(r#"["a",null,"b","c"]"#),
            Just(r#"[null,"b"]"#),
            Just(r#"["a"]"#),
            Just(r#"["a",{"b64":"eA=="}]"#),
            Just(r#"["a\"","b"]"#),
            Just(r#"["a", "b"]"#),
            Just(r#"{"v":1}"#),
            Just("nul"),
        ];
        let sep = prop_oneof![15 => Just(""), 1 => Just(" ")];
        proptest::collection::vec((key, sep.clone(), value, sep), 0..7).prop_map(|fs| {
            let body: Vec<String> = fs
                .iter()
                .map(|(k, s1, v, s2)| format!("\"{k}\":{s1}{v}{s2}"))
                .collect();
            format!("{{{}}}", body.join(","))
        })
    }

    #[test]
    fn compact_lines_read_as_fast_reads_them() {
        let line = r#"{"topic":"t","partition":3,"offset":7,"tstype":"create","ts":1768471200033,"headers":["type","A","x",null],"key":"k1","payload":"{\"id\":\"a\",\"v\":1}"}"#;
        let (mut s, mut q) = (String::new(), Vec::new());
        let r = RawRecord::compact(line, &mut Some(&mut s), &mut q).expect("a compact line");
        assert_eq!((r.topic_text, r.key_text), (Some("t"), Some("k1")));
        assert_eq!(r.headers_read.as_ref().map(Vec::len), Some(2));
        assert_eq!(r.payload_text.as_deref(), Some(r#"{"id":"a","v":1}"#));
        check_compact(line);
        let escaped = r#"{"topic":"a\"b","key":"\u00e9","headers":["a\"","b"]}"#;
        let r = RawRecord::compact(escaped, &mut None, &mut q).expect("a compact line");
        assert_eq!(
            (r.topic_text, r.key_text, r.headers_read),
            (None, None, None)
        );
        check_compact(escaped);
        // Spaces, escaped keys and repeated keys are left to `fast`.
        for other in [
            r#"{ "topic":"t"}"#,
            r#"{"topic" :"t"}"#,
            r#"{"top\u0069c":"t"}"#,
            r#"{"key":"a","key":"b"}"#,
            r#"{"ts":01}"#,
            r#"{"ts":1} "#,
        ] {
            assert!(
                RawRecord::compact(other, &mut None, &mut Vec::new()).is_none(),
                "{other}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn compact_reads_any_line_as_fast_does(text in lineish()) {
            check_compact(&text);
        }

        #[test]
        fn compact_reads_mutated_lines_as_fast_does(
            at in 0usize..400,
            byte in prop_oneof![Just(b'"'), Just(b'\\'), Just(b','), Just(b'}'), Just(b']'), Just(b' '), Just(b'0'), Just(b'.'), Just(0x01u8), 0x20u8..0x7f],
        ) {
            let line = r#"{"topic":"t","partition":3,"offset":7,"ts":1,"headers":["type","A"],"key":"k1","payload":"{\"id\":\"a\\u00e9\",\"v\":1.5e3,\"n\":[1,{\"a\":null}]}"}"#;
            let mut b = line.as_bytes().to_vec();
            let at = at % b.len();
            b[at] = byte;
            check_compact(&String::from_utf8(b).unwrap());
        }

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
