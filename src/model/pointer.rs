//! Where the lens reads a field from: a JSON pointer (RFC 6901) into the
//! payload, the record key, or a header. Core: must not import the terminal,
//! tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use serde_json::value::RawValue;
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
        let mut value: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
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
    Raw(&'a RawValue),
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
            Resolved::Raw(r) => {
                let s = r.get();
                if let Some(inner) = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                    if !inner.contains('\\') {
                        return Some(Cow::Borrowed(inner));
                    }
                    serde_json::from_str::<String>(s).ok().map(Cow::Owned)
                } else if s == "null" {
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
            Resolved::Raw(r) => {
                let s = r.get();
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
        if let Some(ms) = self.as_i64() {
            return Some(ms);
        }
        let text = self.as_text()?;
        chrono::DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.timestamp_millis())
    }
}

/// A JSON object payload split into its top-level fields, values kept raw.
#[derive(Debug, Default)]
pub struct TopLevel<'a> {
    pub fields: Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>,
}

impl<'a> TopLevel<'a> {
    /// Splits `text` when it is a JSON object; None otherwise.
    pub fn parse(text: &'a str) -> Option<TopLevel<'a>> {
        let t = text.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        let fields: Fields<'a> = serde_json::from_str(text).ok()?;
        Some(TopLevel { fields: fields.0 })
    }

    /// The raw value of a top-level field.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

struct Fields<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Fields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Fields<'a>, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(k) = m.next_key::<CowStr<'de>>()? {
                    let v: &'de RawValue = m.next_value()?;
                    out.push((k.0, v));
                }
                Ok(Fields(out))
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
