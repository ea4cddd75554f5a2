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
