//! A record as a source delivers it: the fields `kcat -C -J` prints.

use std::borrow::Cow;

/// The message bytes of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload<'a> {
    /// A tombstone (`null`).
    Null,
    /// The message bytes as text (kcat's `payload` string): JSON or not.
    Text(Cow<'a, str>),
    /// An inline JSON value in the recording (kord's extension).
    Json(Cow<'a, str>),
    /// Bytes that are not valid UTF-8.
    Binary(Cow<'a, [u8]>),
}

impl Payload<'_> {
    /// The payload as JSON text when it may hold JSON.
    pub fn json_text(&self) -> Option<&str> {
        match self {
            Payload::Text(t) | Payload::Json(t) => Some(t),
            _ => None,
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

/// One Kafka record (SPEC §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub topic: Option<Cow<'a, str>>,
    pub partition: i32,
    pub offset: i64,
    /// Broker (or producer) timestamp, epoch ms.
    pub ts: Option<i64>,
    pub headers: Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>,
    pub key: Option<Cow<'a, str>>,
    pub payload: Payload<'a>,
}

impl<'a> Record<'a> {
    /// The value of the first header called `name` (None when absent or null).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// An owned copy of a borrowed record.
    pub fn to_owned_record(&self) -> Record<'static> {
        let own = |s: &str| Cow::Owned(s.to_string());
        Record {
            topic: self.topic.as_deref().map(own),
            partition: self.partition,
            offset: self.offset,
            ts: self.ts,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (own(n), v.as_deref().map(own)))
                .collect(),
            key: self.key.as_deref().map(own),
            payload: self.payload.clone().into_owned(),
        }
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
                .map(|(n, v)| {
                    (
                        Cow::Owned(n.into_owned()),
                        v.map(|v| Cow::Owned(v.into_owned())),
                    )
                })
                .collect(),
            key: self.key.map(|k| Cow::Owned(k.into_owned())),
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
    /// without building a JSON value first.
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        // Writing to a Vec cannot fail.
        fn string(out: &mut Vec<u8>, s: &str) {
            let _ = serde_json::to_writer(&mut *out, s);
        }
        fn opt(out: &mut Vec<u8>, s: Option<&str>) {
            match s {
                Some(s) => string(out, s),
                None => out.extend_from_slice(b"null"),
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
                opt(out, v.as_deref());
            }
            out.push(b']');
        }
        out.extend_from_slice(b",\"key\":");
        opt(out, self.key.as_deref());
        out.extend_from_slice(b",\"payload\":");
        match &self.payload {
            Payload::Null => out.extend_from_slice(b"null"),
            Payload::Text(t) | Payload::Json(t) => string(out, t),
            Payload::Binary(b) => string(out, &String::from_utf8_lossy(b)),
        }
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
    key: Option<Span>,
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
    headers: Vec<(Span, Option<Span>)>,
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

    /// Copies a record in. A topic equal to the previous record's is stored once.
    pub fn push(&mut self, r: &Record<'_>) {
        let topic = r.topic.as_deref().map(|t| match self.slots.last() {
            Some(Slot { topic: Some(s), .. }) if &self.text[s.start..s.end] == t => *s,
            _ => self.put(t),
        });
        let key = r.key.as_deref().map(|k| self.put(k));
        let payload = match &r.payload {
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
        };
        let first = self.headers.len();
        for (n, v) in &r.headers {
            let n = self.put(n);
            let v = v.as_deref().map(|v| self.put(v));
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
                .map(|&(n, v)| (text(n), v.map(text))),
        );
        Record {
            topic: s.topic.map(text),
            partition: s.partition,
            offset: s.offset,
            ts: s.ts,
            headers,
            key: s.key.map(text),
            payload: match s.payload {
                PayloadSlot::Null => Payload::Null,
                PayloadSlot::Text(sp) => Payload::Text(text(sp)),
                PayloadSlot::Json(sp) => Payload::Json(text(sp)),
                PayloadSlot::Binary(sp) => {
                    Payload::Binary(Cow::Borrowed(&self.bytes[sp.start..sp.end]))
                }
            },
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

type Headers<'a> = Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>;

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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cow(s: String) -> Cow<'static, str> {
        Cow::Owned(s)
    }

    fn payload() -> impl Strategy<Value = Payload<'static>> {
        prop_oneof![
            Just(Payload::Null),
            ".*".prop_map(|s| Payload::Text(cow(s))),
            ".*".prop_map(|s| Payload::Json(cow(s))),
            proptest::collection::vec(any::<u8>(), 0..40)
                .prop_map(|b| Payload::Binary(Cow::Owned(b))),
        ]
    }

    fn record() -> impl Strategy<Value = Record<'static>> {
        (
            proptest::option::of(prop_oneof![Just("orders".to_string()), "[a-zé]{0,8}"]),
            any::<i32>(),
            any::<i64>(),
            any::<Option<i64>>(),
            proptest::collection::vec((".{0,6}", proptest::option::of(".{0,6}")), 0..4),
            proptest::option::of(".{0,12}"),
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
                        .map(|(n, v)| (cow(n), v.map(cow)))
                        .collect(),
                    key: key.map(cow),
                    payload,
                },
            )
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

        /// The hand-written recording line is the JSON object it always was.
        #[test]
        fn json_line_matches_a_json_object(r in record()) {
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
                    .flat_map(|(n, v)| [n.as_ref().into(), v.as_deref().into()])
                    .collect();
                o.insert("headers".into(), h.into());
            }
            o.insert("key".into(), r.key.as_deref().into());
            let payload = match &r.payload {
                Payload::Null => serde_json::Value::Null,
                Payload::Text(t) | Payload::Json(t) => t.as_ref().into(),
                Payload::Binary(b) => String::from_utf8_lossy(b).into_owned().into(),
            };
            o.insert("payload".into(), payload);
            prop_assert_eq!(r.to_json_line(), serde_json::Value::Object(o).to_string());
        }
    }
}
