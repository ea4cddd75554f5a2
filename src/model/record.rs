//! A record as a source delivers it: the fields `kcat -C -J` prints.
//!
//! Keys, payloads and header values are bytes on the wire. A [`Payload`]
//! keeps them losslessly: valid UTF-8 as text, anything else as bytes.
//!
//! Core: must not import the terminal, tokio, rdkafka or an adapter (`source`,
//! `tui`, `cli`).

use std::borrow::Cow;

/// The bytes of a payload, a key or a header value.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload<'a> {
    /// Absent: a tombstone, a null key, a null header value.
    Null,
    /// The bytes as text (kcat's `payload` string): JSON or not.
    Text(Cow<'a, str>),
    /// An inline JSON value in the recording (kord's extension; kcat's
    /// `-s value=avro` shape), or a value the decoding stage decoded.
    Json(Cow<'a, str>),
    /// Bytes that are not valid UTF-8.
    Binary(Cow<'a, [u8]>),
}

impl<'a> Payload<'a> {
    /// Bytes as they came: text when valid UTF-8, else binary.
    pub fn from_bytes(b: &'a [u8]) -> Payload<'a> {
        match std::str::from_utf8(b) {
            Ok(s) => Payload::Text(Cow::Borrowed(s)),
            Err(_) => Payload::Binary(Cow::Borrowed(b)),
        }
    }

    /// Owned bytes: text when valid UTF-8, else binary.
    pub fn from_vec(b: Vec<u8>) -> Payload<'static> {
        match String::from_utf8(b) {
            Ok(s) => Payload::Text(Cow::Owned(s)),
            Err(e) => Payload::Binary(Cow::Owned(e.into_bytes())),
        }
    }

    /// The payload as JSON text when it may hold JSON.
    pub fn json_text(&self) -> Option<&str> {
        match self {
            Payload::Text(t) | Payload::Json(t) => Some(t),
            _ => None,
        }
    }

    /// The bytes (None when null). An inline JSON value gives its JSON text.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Payload::Null => None,
            Payload::Text(t) | Payload::Json(t) => Some(t.as_bytes()),
            Payload::Binary(b) => Some(b),
        }
    }

    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Payload::Null)
    }

    /// As a name (a key, an entity): text as it is, a JSON string's
    /// content, other JSON as its text, bytes as `0x` and hex.
    pub fn as_name(&self) -> Option<Cow<'_, str>> {
        match self {
            Payload::Null => None,
            Payload::Text(t) => Some(Cow::Borrowed(t)),
            Payload::Json(t) if t.starts_with('"') => serde_json::from_str::<String>(t)
                .ok()
                .map(Cow::Owned)
                .or(Some(Cow::Borrowed(t))),
            Payload::Json(t) => Some(Cow::Borrowed(t)),
            Payload::Binary(b) => Some(Cow::Owned(hex(b))),
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Payload<'static> {
        match self {
            Payload::Null => Payload::Null,
            Payload::Text(t) => Payload::Text(Cow::Owned(t.into_owned())),
            Payload::Json(t) => Payload::Json(Cow::Owned(t.into_owned())),
            Payload::Binary(b) => Payload::Binary(Cow::Owned(b.into_owned())),
        }
    }
}

/// `0x` and the bytes in lower-case hex.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// A record's headers: names and values (values may be null or bytes).
pub type Headers<'a> = Vec<(Cow<'a, str>, Payload<'a>)>;

/// One Kafka record (SPEC §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub topic: Option<Cow<'a, str>>,
    pub partition: i32,
    pub offset: i64,
    /// Broker (or producer) timestamp, epoch ms.
    pub ts: Option<i64>,
    pub headers: Headers<'a>,
    /// The key ([`Payload::Null`] when the record has none).
    pub key: Payload<'a>,
    pub payload: Payload<'a>,
}

impl<'a> Record<'a> {
    /// The value of the first header called `name`, as text (None when
    /// absent, null or not UTF-8).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.json_text())
    }

    /// The key as a name (see [`Payload::as_name`]).
    pub fn key_name(&self) -> Option<Cow<'_, str>> {
        self.key.as_name()
    }

    /// An owned copy of a borrowed record.
    pub fn to_owned_record(&self) -> Record<'static> {
        self.clone().into_owned()
    }

    /// An owned copy.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            topic: self.topic.map(|t| Cow::Owned(t.into_owned())),
            partition: self.partition,
            offset: self.offset,
            ts: self.ts,
            headers: self
                .headers
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into_owned()), v.into_owned()))
                .collect(),
            key: self.key.into_owned(),
            payload: self.payload.into_owned(),
        }
    }

    /// The record as a recording line (kcat `-J` shape, payload as a string).
    pub fn to_json_line(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_json_line(&mut out);
        // Only JSON text was written: always UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends the recording line (no newline) to `out`, field by field,
    /// without building a JSON value first. Lossless (SPEC §2): text stays
    /// a JSON string; bytes that are not UTF-8 go as base64 in `key_b64` /
    /// `payload_b64`, or as `{"b64":"..."}` for a header value.
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        // Writing to a Vec cannot fail.
        fn string(out: &mut Vec<u8>, s: &str) {
            let _ = serde_json::to_writer(&mut *out, s);
        }
        fn b64(out: &mut Vec<u8>, b: &[u8]) {
            use base64::Engine as _;
            out.push(b'"');
            let start = out.len();
            out.resize(start + base64::encoded_len(b.len(), true).unwrap_or(0), 0);
            let n = base64::engine::general_purpose::STANDARD
                .encode_slice(b, &mut out[start..])
                .unwrap_or(0);
            out.truncate(start + n);
            out.push(b'"');
        }
        // `"name":value` or `"name_b64":"..."`.
        fn field(out: &mut Vec<u8>, name: &str, p: &Payload<'_>) {
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            match p {
                Payload::Null => out.extend_from_slice(b"\":null"),
                Payload::Text(t) => {
                    out.extend_from_slice(b"\":");
                    string(out, t);
                }
                Payload::Json(t) => {
                    out.extend_from_slice(b"\":");
                    out.extend_from_slice(t.as_bytes());
                }
                Payload::Binary(b) => {
                    out.extend_from_slice(b"_b64\":");
                    b64(out, b);
                }
            }
        }
        out.push(b'{');
        if let Some(t) = &self.topic {
            out.extend_from_slice(b"\"topic\":");
            string(out, t);
            out.push(b',');
        }
        let _ = write!(
            out,
            "\"partition\":{},\"offset\":{}",
            self.partition, self.offset
        );
        if let Some(ts) = self.ts {
            let _ = write!(out, ",\"tstype\":\"create\",\"ts\":{ts}");
        }
        if !self.headers.is_empty() {
            out.extend_from_slice(b",\"headers\":[");
            for (i, (n, v)) in self.headers.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, n);
                out.push(b',');
                match v {
                    Payload::Null => out.extend_from_slice(b"null"),
                    Payload::Text(t) | Payload::Json(t) => string(out, t),
                    Payload::Binary(b) => {
                        out.extend_from_slice(b"{\"b64\":");
                        b64(out, b);
                        out.push(b'}');
                    }
                }
            }
            out.push(b']');
        }
        out.push(b',');
        field(out, "key", &self.key);
        out.push(b',');
        field(out, "payload", &self.payload);
        out.push(b'}');
    }
}

/// Where one piece of a [`RecordBuf`] lives in its text or bytes.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Clone, Copy, Debug)]
enum PayloadSlot {
    Null,
    Text(Span),
    Json(Span),
    Binary(Span),
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    partition: i32,
    offset: i64,
    ts: Option<i64>,
    topic: Option<Span>,
    key: PayloadSlot,
    payload: PayloadSlot,
    /// `headers[h.start..h.end]` of the buffer.
    headers: Span,
}

/// Owned records packed into a few buffers: a batch of records costs a
/// handful of allocations instead of several per record (topic, key, each
/// header, payload), which is what bounds a fast live read. Records come
/// back out borrowed from it.
#[derive(Debug, Default, Clone)]
pub struct RecordBuf {
    text: String,
    bytes: Vec<u8>,
    headers: Vec<(Span, PayloadSlot)>,
    slots: Vec<Slot>,
}

impl RecordBuf {
    /// An empty buffer with room for `records` records of about `avg` bytes.
    pub fn with_capacity(records: usize, avg: usize) -> RecordBuf {
        RecordBuf {
            text: String::with_capacity(records * avg),
            bytes: Vec::new(),
            headers: Vec::with_capacity(records * 2),
            slots: Vec::with_capacity(records),
        }
    }

    fn put(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span {
            start,
            end: self.text.len(),
        }
    }

    fn put_payload(&mut self, p: &Payload<'_>) -> PayloadSlot {
        match p {
            Payload::Null => PayloadSlot::Null,
            Payload::Text(t) => PayloadSlot::Text(self.put(t)),
            Payload::Json(t) => PayloadSlot::Json(self.put(t)),
            Payload::Binary(b) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(b);
                PayloadSlot::Binary(Span {
                    start,
                    end: self.bytes.len(),
                })
            }
        }
    }

    fn payload(&self, p: PayloadSlot) -> Payload<'_> {
        match p {
            PayloadSlot::Null => Payload::Null,
            PayloadSlot::Text(sp) => Payload::Text(Cow::Borrowed(self.str(sp))),
            PayloadSlot::Json(sp) => Payload::Json(Cow::Borrowed(self.str(sp))),
            PayloadSlot::Binary(sp) => {
                Payload::Binary(Cow::Borrowed(&self.bytes[sp.start..sp.end]))
            }
        }
    }

    /// Copies a record in. A topic equal to the previous record's is stored once.
    pub fn push(&mut self, r: &Record<'_>) {
        let topic = r.topic.as_deref().map(|t| match self.slots.last() {
            Some(Slot { topic: Some(s), .. }) if &self.text[s.start..s.end] == t => *s,
            _ => self.put(t),
        });
        let key = self.put_payload(&r.key);
        let payload = self.put_payload(&r.payload);
        let first = self.headers.len();
        for (n, v) in &r.headers {
            let n = self.put(n);
            let v = self.put_payload(v);
            self.headers.push((n, v));
        }
        self.slots.push(Slot {
            partition: r.partition,
            offset: r.offset,
            ts: r.ts,
            topic,
            key,
            payload,
            headers: Span {
                start: first,
                end: self.headers.len(),
            },
        });
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn str(&self, s: Span) -> &str {
        &self.text[s.start..s.end]
    }

    /// Record `i`, borrowed from the buffer.
    pub fn get(&self, i: usize) -> Option<Record<'_>> {
        self.slots.get(i).map(|s| self.record(s, Vec::new()))
    }

    /// Record `s`, its headers collected into `headers` (cleared first).
    fn record<'b>(&'b self, s: &Slot, mut headers: Headers<'b>) -> Record<'b> {
        let text = |sp: Span| Cow::Borrowed(self.str(sp));
        headers.clear();
        headers.extend(
            self.headers[s.headers.start..s.headers.end]
                .iter()
                .map(|&(n, v)| (text(n), self.payload(v))),
        );
        Record {
            topic: s.topic.map(text),
            partition: s.partition,
            offset: s.offset,
            ts: s.ts,
            headers,
            key: self.payload(s.key),
            payload: self.payload(s.payload),
        }
    }

    /// Hands each record to `f` in order, stopping at the first error. One
    /// header list serves every record, so this allocates nothing per record.
    pub fn try_for_each<E>(
        &self,
        mut f: impl FnMut(&Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut headers = Vec::new();
        for s in &self.slots {
            let r = self.record(s, headers);
            f(&r)?;
            headers = r.headers;
        }
        Ok(())
    }

    /// The records in order, borrowed.
    pub fn iter(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<'a> FromIterator<Record<'a>> for RecordBuf {
    fn from_iter<I: IntoIterator<Item = Record<'a>>>(iter: I) -> RecordBuf {
        let mut b = RecordBuf::default();
        for r in iter {
            b.push(&r);
        }
        b
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    fn cow(s: String) -> Cow<'static, str> {
        Cow::Owned(s)
    }

    /// Any bytes: text, inline JSON, non-UTF-8 bytes or null.
    pub(crate) fn payload() -> impl Strategy<Value = Payload<'static>> {
        prop_oneof![
            Just(Payload::Null),
            ".*".prop_map(|s| Payload::Text(cow(s))),
            prop_oneof![
                Just("{\"v\":1}".to_string()),
                Just("[1,\"a\"]".to_string()),
                Just("\"s\\u0000\"".to_string()),
                Just("5".to_string())
            ]
            .prop_map(|s| Payload::Json(cow(s))),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Payload::from_vec),
        ]
    }

    pub(crate) fn record() -> impl Strategy<Value = Record<'static>> {
        (
            proptest::option::of(prop_oneof![Just("orders".to_string()), "[a-zé]{0,8}"]),
            0..=i32::MAX,
            any::<i64>(),
            any::<Option<i64>>(),
            proptest::collection::vec((".{0,6}", payload()), 0..4),
            payload(),
            payload(),
        )
            .prop_map(
                |(topic, partition, offset, ts, headers, key, payload)| Record {
                    topic: topic.map(cow),
                    partition,
                    offset,
                    ts,
                    headers: headers
                        .into_iter()
                        .map(|(n, v)| {
                            // Header values are text, bytes or null (no inline JSON).
                            let v = match v {
                                Payload::Json(t) => Payload::Text(t),
                                v => v,
                            };
                            (cow(n), v)
                        })
                        .collect(),
                    key,
                    payload,
                },
            )
    }

    #[test]
    fn binary_parts_are_written_as_base64() {
        let r = Record {
            topic: None,
            partition: 0,
            offset: 1,
            ts: None,
            headers: vec![
                (
                    Cow::Borrowed("h"),
                    Payload::Binary(Cow::Borrowed(&[0xff, 0])),
                ),
                (Cow::Borrowed("n"), Payload::Null),
            ],
            key: Payload::Binary(Cow::Borrowed(&[0x80])),
            payload: Payload::Binary(Cow::Borrowed(&[0, 0, 0, 0, 1, 0xfe])),
        };
        assert_eq!(
            r.to_json_line(),
            r#"{"partition":0,"offset":1,"headers":["h",{"b64":"/wA="},"n",null],"key_b64":"gA==","payload_b64":"AAAAAAH+"}"#
        );
    }

    proptest! {
        /// What goes into a RecordBuf comes out equal, in order.
        #[test]
        fn record_buf_round_trips(recs in proptest::collection::vec(record(), 0..20)) {
            let mut buf = RecordBuf::default();
            for r in &recs {
                buf.push(r);
            }
            prop_assert_eq!(buf.len(), recs.len());
            let back: Vec<Record<'_>> = buf.iter().collect();
            prop_assert_eq!(&back, &recs);
            let mut each = Vec::new();
            buf.try_for_each(|r| {
                each.push(r.to_owned_record());
                Ok::<(), ()>(())
            })
            .unwrap();
            prop_assert_eq!(each, recs);
            prop_assert!(buf.get(buf.len()).is_none());
        }

        /// The hand-written recording line is the JSON object it describes.
        #[test]
        fn json_line_matches_a_json_object(r in record()) {
            let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
            let mut o = serde_json::Map::new();
            if let Some(t) = &r.topic {
                o.insert("topic".into(), t.as_ref().into());
            }
            o.insert("partition".into(), r.partition.into());
            o.insert("offset".into(), r.offset.into());
            if let Some(ts) = r.ts {
                o.insert("tstype".into(), "create".into());
                o.insert("ts".into(), ts.into());
            }
            if !r.headers.is_empty() {
                let h: Vec<serde_json::Value> = r
                    .headers
                    .iter()
                    .flat_map(|(n, v)| {
                        let v = match v {
                            Payload::Null => serde_json::Value::Null,
                            Payload::Text(t) | Payload::Json(t) => t.as_ref().into(),
                            Payload::Binary(b) => serde_json::json!({"b64": b64(b)}),
                        };
                        [n.as_ref().into(), v]
                    })
                    .collect();
                o.insert("headers".into(), h.into());
            }
            for (name, p) in [("key", &r.key), ("payload", &r.payload)] {
                match p {
                    Payload::Null => {
                        o.insert(name.into(), serde_json::Value::Null);
                    }
                    Payload::Text(t) => {
                        o.insert(name.into(), t.as_ref().into());
                    }
                    Payload::Json(t) => {
                        o.insert(name.into(), serde_json::from_str(t).unwrap());
                    }
                    Payload::Binary(b) => {
                        o.insert(format!("{name}_b64"), b64(b).into());
                    }
                }
            }
            let line: serde_json::Value = serde_json::from_str(&r.to_json_line()).unwrap();
            prop_assert_eq!(line, serde_json::Value::Object(o));
        }
    }
}
