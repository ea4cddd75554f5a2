//! Where the lens reads a field from: a JSON pointer (RFC 6901) into the
//! payload, the record key, or a header. Core: must not import the terminal,
//! tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A source of one event field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRef {
    /// The record key.
    Key,
    /// A record header by name.
    Header(String),
    /// A JSON pointer into the payload.
    Pointer(Pointer),
}

/// Why a field reference (`key`, `header:NAME` or a JSON pointer) did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    /// Neither `key`, `header:NAME`, nor text starting with `/`.
    #[error("{text:?} is not a JSON pointer (it must start with '/'), nor `key` or `header:NAME`")]
    NoLeadingSlash { text: String },
    /// A `~` not followed by `0` or `1`.
    #[error("{text:?} is not a JSON pointer: '~' must be followed by 0 or 1")]
    BadEscape { text: String },
    /// `header:` with nothing after it.
    #[error("`header:` needs a header name")]
    EmptyHeaderName,
}

/// A parsed RFC 6901 JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    segments: Vec<String>,
}

impl Pointer {
    /// Parses `/a/b~1c`; the empty string points at the whole document.
    pub fn parse(text: &str) -> Result<Pointer, PointerError> {
        if text.is_empty() {
            return Ok(Pointer {
                text: String::new(),
                segments: Vec::new(),
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(PointerError::NoLeadingSlash { text: text.into() });
        };
        let mut segments = Vec::new();
        for raw in rest.split('/') {
            let mut seg = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => seg.push('~'),
                        Some('1') => seg.push('/'),
                        _ => return Err(PointerError::BadEscape { text: text.into() }),
                    }
                } else {
                    seg.push(c);
                }
            }
            segments.push(seg);
        }
        Ok(Pointer {
            text: text.to_string(),
            segments,
        })
    }

    /// The pointer's segments, unescaped.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Resolves the pointer in a payload whose top level was split into fields.
    /// Returns the JSON text of the value found.
    pub fn resolve<'a>(&self, top: &TopLevel<'a>) -> Option<Resolved<'a>> {
        let (first, rest) = self.segments.split_first()?;
        let raw = top.get(first)?;
        if rest.is_empty() {
            return Some(Resolved::Raw(raw));
        }
        let mut value: serde_json::Value = serde_json::from_str(raw).ok()?;
        for seg in rest {
            value = match value {
                serde_json::Value::Object(mut m) => m.remove(seg.as_str())?,
                serde_json::Value::Array(mut a) => {
                    let i: usize = seg.parse().ok()?;
                    if i >= a.len() {
                        return None;
                    }
                    a.swap_remove(i)
                }
                _ => return None,
            };
        }
        Some(Resolved::Value(value))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FieldRef {
    /// Parses `key`, `header:NAME` or a JSON pointer.
    pub fn parse(text: &str) -> Result<FieldRef, PointerError> {
        if text == "key" {
            Ok(FieldRef::Key)
        } else if let Some(name) = text.strip_prefix("header:") {
            if name.is_empty() {
                Err(PointerError::EmptyHeaderName)
            } else {
                Ok(FieldRef::Header(name.to_string()))
            }
        } else {
            Pointer::parse(text).map(FieldRef::Pointer)
        }
    }

    /// The top-level payload field this reads, when it is a one-segment pointer.
    pub fn top_field(&self) -> Option<&str> {
        match self {
            FieldRef::Pointer(p) if p.segments.len() == 1 => Some(&p.segments[0]),
            _ => None,
        }
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldRef::Key => f.write_str("key"),
            FieldRef::Header(h) => write!(f, "header:{h}"),
            FieldRef::Pointer(p) => write!(f, "{p}"),
        }
    }
}

/// A value the lens found.
#[derive(Debug)]
pub enum Resolved<'a> {
    /// A top-level value, as raw JSON text.
    Raw(&'a str),
    /// A nested value.
    Value(serde_json::Value),
    /// Text from the key or a header.
    Text(&'a str),
}

impl Resolved<'_> {
    /// The value as text: strings unquoted, everything else as JSON.
    pub fn as_text(&self) -> Option<String> {
        self.text().map(std::borrow::Cow::into_owned)
    }

    /// The value as text, borrowed when it needs no unescaping.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Resolved::Text(t) => Some(Cow::Borrowed(t)),
            Resolved::Raw(s) => {
                if s.starts_with('"') {
                    super::json::unquote(s)
                        .or_else(|| serde_json::from_str::<String>(s).ok().map(Cow::Owned))
                } else if *s == "null" {
                    None
                } else {
                    Some(Cow::Borrowed(s))
                }
            }
            Resolved::Value(v) => match v {
                serde_json::Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                serde_json::Value::Null => None,
                other => Some(Cow::Owned(other.to_string())),
            },
        }
    }

    /// The value as an integer (a JSON integer or a string of digits).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Resolved::Text(t) => t.trim().parse().ok(),
            Resolved::Raw(s) => {
                if let Some(inner) = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                    inner.trim().parse().ok()
                } else {
                    s.parse().ok()
                }
            }
            Resolved::Value(v) => match v {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            },
        }
    }

    /// The value as a time in epoch ms (an integer, or an RFC 3339 string).
    pub fn as_time_ms(&self) -> Option<i64> {
        // A time in the common shape is never an integer: it is tried first,
        // straight between a raw string's quotes (that shape has no escape
        // and no space, so the text is those bytes).
        if let Resolved::Raw(s) = self {
            let inner = s.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
            if let Some(ms) = inner.and_then(fast_rfc3339_ms) {
                return Some(ms);
            }
        }
        let text = self.text();
        if let Some(ms) = text.as_deref().and_then(|t| fast_rfc3339_ms(t.trim())) {
            return Some(ms);
        }
        if let Some(ms) = self.as_i64() {
            return Some(ms);
        }
        rfc3339_ms(text?.trim())
    }
}

/// An RFC 3339 time in epoch ms. The common shape
/// (`2026-01-15T10:00:00.033Z`, `+HH:MM` offsets) is read here; anything
/// else by chrono, whose reading this matches (tests compare them).
pub fn rfc3339_ms(text: &str) -> Option<i64> {
    fast_rfc3339_ms(text).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis())
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM)`, else `None`.
fn fast_rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |at: usize, n: usize| -> Option<i64> {
        let d = b.get(at..at + n)?;
        d.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > days_in[month as usize - 1] {
        return None;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        for k in 0..3 {
            ms = ms * 10
                + if k < digits {
                    i64::from(b[i + 1 + k] - b'0')
                } else {
                    0
                };
        }
        i += 1 + digits;
    }
    let offset_s = match b.get(i..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let (h, m) = (digit(h1)? * 10 + digit(h2)?, digit(m1)? * 10 + digit(m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3600 + m * 60;
            if *sign == b'-' {
                -s
            } else {
                s
            }
        }
        _ => return None,
    };
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    Some(secs * 1000 + ms)
}

/// A JSON object payload split into its top-level fields, values kept raw.
#[derive(Debug, Default)]
pub struct TopLevel<'a> {
    pub fields: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> TopLevel<'a> {
    /// Splits `text` when it is a JSON object; None otherwise.
    pub fn parse(text: &'a str) -> Option<TopLevel<'a>> {
        let t = text.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        let fields = match super::json::fields(text) {
            Some(f) => f,
            None => {
                let f: SerdeFields<'a> = serde_json::from_str(text).ok()?;
                f.0.into_iter().map(|(k, v)| (k, v.get())).collect()
            }
        };
        Some(TopLevel { fields })
    }

    /// [`TopLevel::parse`] of payload text whose quotes `quotes` lists (see
    /// [`super::json::fields_plain`]; an empty list says nothing).
    pub fn parse_quoted(text: &'a str, quotes: &[u32]) -> Option<TopLevel<'a>> {
        if !quotes.is_empty() {
            if let Some(fields) = super::json::fields_plain(text, quotes) {
                return Some(TopLevel { fields });
            }
        }
        TopLevel::parse(text)
    }

    /// The raw value of a top-level field.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(n, _)| super::intern::same(n, name))
            .map(|(_, v)| *v)
    }
}

/// An object's fields as serde_json reads them (keys unescaped, values raw).
pub(crate) struct SerdeFields<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for SerdeFields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = SerdeFields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<SerdeFields<'a>, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(k) = m.next_key::<CowStr<'de>>()? {
                    let v: &'de RawValue = m.next_value()?;
                    out.push((k.0, v));
                }
                Ok(SerdeFields(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A string that borrows when it has no escapes.
pub struct CowStr<'a>(pub std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<CowStr<'de>, E> {
                Ok(CowStr(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

pub use CowStr as BorrowedStr;

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_ms(text: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis())
    }

    #[test]
    fn rfc3339_reads_as_chrono_reads() {
        for t in [
            "2026-01-15T10:00:00.033Z",
            "2026-01-15T10:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00Z",
            "2024-02-29T12:30:45.123456789+05:30",
            "2023-02-29T12:30:45Z",
            "2026-01-15T10:00:60Z",
            "2026-01-15t10:00:00Z",
            "2026-01-15 10:00:00Z",
            "2026-01-15T10:00:00.Z",
            "2026-01-15T10:00:00.1234567891Z",
            "2026-01-15T10:00:00-00:00",
            "2026-01-15T10:00:00+24:00",
            "2026-13-15T10:00:00Z",
        ] {
            assert_eq!(rfc3339_ms(t), chrono_ms(t), "{t}");
        }
        assert_eq!(
            fast_rfc3339_ms("2026-01-15T10:00:00.033Z"),
            Some(1_768_471_200_033)
        );
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_matches_chrono_on_random_times(
            y in 0i64..10000, mo in 0i64..14, d in 0i64..33, h in 0i64..25, mi in 0i64..61, s in 0i64..61,
            frac in proptest::option::of("[0-9]{1,10}"),
            off in proptest::option::of((proptest::bool::ANY, 0i64..25, 0i64..61)),
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let off = match off {
                None => "Z".to_string(),
                Some((neg, oh, om)) => format!("{}{oh:02}:{om:02}", if neg { '-' } else { '+' }),
            };
            let t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}");
            proptest::prop_assert_eq!(rfc3339_ms(&t), chrono_ms(&t), "{}", t);
            if let Some(fast) = fast_rfc3339_ms(&t) {
                proptest::prop_assert_eq!(Some(fast), chrono_ms(&t), "{}", t);
            }
        }
    }

    #[test]
    fn pointers_parse_per_rfc6901() {
        assert_eq!(
            Pointer::parse("/a~1b/c~0d").unwrap().segments(),
            ["a/b", "c~d"]
        );
        assert!(Pointer::parse("alert_id").is_err());
        assert!(Pointer::parse("/bad~2").is_err());
        assert_eq!(FieldRef::parse("key").unwrap(), FieldRef::Key);
        assert_eq!(
            FieldRef::parse("header:type").unwrap(),
            FieldRef::Header("type".into())
        );
    }

    #[test]
    fn resolves_top_level_and_nested() {
        let text = r#"{"id":"a1","v":3,"meta":{"at":"2026-01-01T00:00:00Z","l":[1,2]}}"#;
        let top = TopLevel::parse(text).unwrap();
        let p = Pointer::parse("/id").unwrap();
        assert_eq!(p.resolve(&top).unwrap().as_text().unwrap(), "a1");
        let p = Pointer::parse("/v").unwrap();
        assert_eq!(p.resolve(&top).unwrap().as_i64(), Some(3));
        let p = Pointer::parse("/meta/at").unwrap();
        assert_eq!(
            p.resolve(&top).unwrap().as_time_ms(),
            Some(1_767_225_600_000)
        );
        let p = Pointer::parse("/meta/l/1").unwrap();
        assert_eq!(p.resolve(&top).unwrap().as_i64(), Some(2));
        assert!(Pointer::parse("/missing").unwrap().resolve(&top).is_none());
    }
}
