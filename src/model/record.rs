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
        let mut o = serde_json::Map::new();
        if let Some(t) = &self.topic {
            o.insert("topic".into(), t.as_ref().into());
        }
        o.insert("partition".into(), self.partition.into());
        o.insert("offset".into(), self.offset.into());
        if let Some(ts) = self.ts {
            o.insert("tstype".into(), "create".into());
            o.insert("ts".into(), ts.into());
        }
        if !self.headers.is_empty() {
            let mut h = Vec::with_capacity(self.headers.len() * 2);
            for (n, v) in &self.headers {
                h.push(serde_json::Value::from(n.as_ref()));
                h.push(v.as_deref().map_or(serde_json::Value::Null, Into::into));
            }
            o.insert("headers".into(), h.into());
        }
        o.insert(
            "key".into(),
            self.key
                .as_deref()
                .map_or(serde_json::Value::Null, Into::into),
        );
        let payload = match &self.payload {
            Payload::Null => serde_json::Value::Null,
            Payload::Text(t) | Payload::Json(t) => t.as_ref().into(),
            Payload::Binary(b) => String::from_utf8_lossy(b).into_owned().into(),
        };
        o.insert("payload".into(), payload);
        serde_json::Value::Object(o).to_string()
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
        let s = self.slots.get(i)?;
        let text = |sp: Span| Cow::Borrowed(self.str(sp));
        Some(Record {
            topic: s.topic.map(text),
            partition: s.partition,
            offset: s.offset,
            ts: s.ts,
            headers: self.headers[s.headers.start..s.headers.end]
                .iter()
                .map(|&(n, v)| (text(n), v.map(text)))
                .collect(),
            key: s.key.map(text),
            payload: match s.payload {
                PayloadSlot::Null => Payload::Null,
                PayloadSlot::Text(sp) => Payload::Text(text(sp)),
                PayloadSlot::Json(sp) => Payload::Json(text(sp)),
                PayloadSlot::Binary(sp) => {
                    Payload::Binary(Cow::Borrowed(&self.bytes[sp.start..sp.end]))
                }
            },
        })
    }

    /// The records in order, borrowed.
    pub fn iter(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
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
            prop_assert_eq!(back, recs);
            prop_assert!(buf.get(buf.len()).is_none());
        }
    }
}
