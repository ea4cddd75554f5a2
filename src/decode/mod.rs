//! The decoding stage, between the record and the lens: keys and payloads
//! in the Confluent wire format (magic byte 0, a 4-byte big-endian schema
//! id, for Protobuf a list of message indexes, then the body) or plain
//! Avro / Protobuf with a schema given by the user, decoded to JSON text so
//! the lens, the findings, the inspector and the report read them as JSON.
//!
//! Pure: schemas come in as text ([`SchemaDoc`]), from a recording's
//! schema lines or through a [`SchemaLookup`] (the registry client is an
//! adapter, `source::registry`). A record that cannot be decoded is kept:
//! the stage says why, and the event counts as `unparsed`. Must not import the
//! terminal, tokio, rdkafka or an adapter (`crate::source`).

pub mod avro;
pub mod encode;
pub mod proto;

use crate::model::{Payload, Record};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};

/// A schema's language, as the registry's `schemaType` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Format {
    #[default]
    Avro,
    Protobuf,
    Json,
}

impl Format {
    /// The name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Format::Avro => "avro",
            Format::Protobuf => "protobuf",
            Format::Json => "json-schema",
        }
    }
}

/// A reference from one schema to another (Avro named types, Protobuf
/// imports), as the registry gives it; `id` once resolved.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    pub name: String,
    pub subject: String,
    pub version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
}

/// A schema as text, with its registry id: what a recording's schema line
/// holds and what the registry answers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaDoc {
    pub id: u32,
    #[serde(default, rename = "schemaType")]
    pub format: Format,
    pub schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// The key of a recording's schema line: `{"kord_schema": {SchemaDoc}}`.
pub const SCHEMA_LINE_KEY: &str = "kord_schema";

impl SchemaDoc {
    /// The recording line that carries it (SPEC §2).
    pub fn to_line(&self) -> String {
        let mut m = serde_json::Map::new();
        m.insert(
            SCHEMA_LINE_KEY.into(),
            serde_json::to_value(self).unwrap_or_default(),
        );
        serde_json::Value::Object(m).to_string()
    }

    /// Reads a schema line; None when the line is not one.
    pub fn from_line(line: &[u8]) -> Option<Result<SchemaDoc, String>> {
        let t = line.trim_ascii_start();
        let rest = t.strip_prefix(b"{")?.trim_ascii_start();
        if !rest.starts_with(b"\"kord_schema\"") {
            return None;
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Line {
            kord_schema: SchemaDoc,
        }
        Some(
            serde_json::from_slice::<Line>(line)
                .map(|l| l.kord_schema)
                .map_err(|e| format!("bad schema line: {e}")),
        )
    }
}

/// Where schemas by id come from (the registry client).
pub trait SchemaLookup: Send + Sync {
    /// The schema with this id (`GET /schemas/ids/{id}`), with its subject
    /// when known. The error is the reason shown to the user.
    fn by_id(&self, id: u32) -> Result<SchemaDoc, String>;
    /// A referenced schema (`GET /subjects/{subject}/versions/{version}`).
    fn reference(&self, r: &Reference) -> Result<SchemaDoc, String>;
}

/// A schema ready to decode with.
pub struct Compiled {
    pub id: Option<u32>,
    pub format: Format,
    pub subject: Option<String>,
    kind: Kind,
}

enum Kind {
    Avro {
        schema: apache_avro::Schema,
        names: avro::Names,
    },
    Protobuf(proto::Proto),
    Json,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({:?} {:?})", self.id, self.format)
    }
}

impl Compiled {
    /// An Avro schema (JSON text) with the schemas it references.
    pub fn avro(text: &str, deps: &[&str]) -> Result<Compiled, String> {
        let (schema, deps) = if deps.is_empty() {
            (apache_avro::Schema::parse_str(text), Vec::new())
        } else {
            match apache_avro::Schema::parse_str_with_list(text, deps) {
                Ok((s, d)) => (Ok(s), d),
                Err(e) => (Err(e), Vec::new()),
            }
        };
        let schema = schema.map_err(|e| format!("the Avro schema does not parse: {e}"))?;
        let mut names = avro::Names::new();
        for d in &deps {
            avro::collect_names(d, &mut names);
        }
        avro::collect_names(&schema, &mut names);
        Ok(Compiled {
            id: None,
            format: Format::Avro,
            subject: None,
            kind: Kind::Avro { schema, names },
        })
    }

    /// A Protobuf schema: its file set, the main file, and (for `--proto
    /// --proto-message`) the one message to use whatever the indexes say.
    pub fn protobuf(p: proto::Proto) -> Compiled {
        Compiled {
            id: None,
            format: Format::Protobuf,
            subject: None,
            kind: Kind::Protobuf(p),
        }
    }

    fn compile(doc: &SchemaDoc, deps: &[SchemaDoc]) -> Result<Compiled, String> {
        let mut c = match doc.format {
            Format::Avro => {
                let texts: Vec<&str> = deps.iter().map(|d| d.schema.as_str()).collect();
                Compiled::avro(&doc.schema, &texts)?
            }
            Format::Protobuf => {
                let files: Vec<(String, String)> = deps
                    .iter()
                    .map(|d| (d.import_name(doc), d.schema.clone()))
                    .collect();
                Compiled::protobuf(proto::Proto::compile(
                    &format!("schema-{}.proto", doc.id),
                    &doc.schema,
                    &files,
                    None,
                )?)
            }
            Format::Json => Compiled {
                id: None,
                format: Format::Json,
                subject: None,
                kind: Kind::Json,
            },
        };
        c.id = Some(doc.id);
        c.subject = doc.subject.clone();
        Ok(c)
    }

    /// Decodes a body (after any framing) to JSON text. `indexes` are the
    /// Protobuf message indexes of the framing.
    pub fn decode_body(&self, body: &[u8], indexes: &[i64]) -> Result<String, String> {
        match &self.kind {
            Kind::Avro { schema, names } => avro::to_json(schema, names, body),
            Kind::Protobuf(p) => p.to_json(body, indexes),
            Kind::Json => {
                let t = std::str::from_utf8(body)
                    .map_err(|_| "json-schema: the body is not UTF-8".to_string())?;
                serde_json::from_str::<serde::de::IgnoredAny>(t)
                    .map_err(|e| format!("json-schema: the body is not JSON: {e}"))?;
                Ok(t.to_string())
            }
        }
    }
}

impl SchemaDoc {
    /// The file name a Protobuf import of this referenced schema uses.
    fn import_name(&self, parent: &SchemaDoc) -> String {
        parent
            .references
            .iter()
            .find(|r| r.id == Some(self.id))
            .map(|r| r.name.clone())
            .unwrap_or_else(|| format!("schema-{}.proto", self.id))
    }
}

/// A decoded key or payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub json: String,
    pub format: Format,
    pub id: Option<u32>,
    pub subject: Option<String>,
}

/// The Confluent framing of `b`: Some((schema id, rest)) when byte 0 is the
/// magic byte and the id is there; Err when it starts like one but is cut.
pub fn framing(b: &[u8]) -> Option<Result<(u32, &[u8]), String>> {
    match b.first() {
        Some(0) if b.len() >= 5 => {
            Some(Ok((u32::from_be_bytes([b[1], b[2], b[3], b[4]]), &b[5..])))
        }
        Some(0) => Some(Err(format!(
            "truncated Confluent framing: {} bytes (5 needed for the magic byte and schema id)",
            b.len()
        ))),
        _ => None,
    }
}

/// Schemas known to a run and how to get more. Shared by the threads that
/// read (behind an `Arc`); each keeps its own [`Stage`].
#[derive(Default)]
pub struct Decoder {
    lookup: Option<Arc<dyn SchemaLookup>>,
    docs: Mutex<HashMap<u32, SchemaDoc>>,
    compiled: Mutex<HashMap<u32, Result<Arc<Compiled>, String>>>,
    /// `--avro-schema` / `--proto`: every value is decoded with it.
    value_schema: Option<Arc<Compiled>>,
    active: AtomicBool,
    /// Set while a file's schema lines may still be searched for
    /// ([`Decoder::defer_scan`]): a record that may need a schema runs the
    /// search, or waits for its end (`scan_done`).
    scanning: AtomicBool,
    /// The search, until a reader takes it to run it.
    search: Mutex<Option<Search>>,
    /// Why the search failed.
    search_error: Mutex<Option<String>>,
    scan_lock: Mutex<()>,
    scan_done: Condvar,
}

/// A search for a file's schema lines: adds them to the decoder it is given.
pub type Search = Box<dyn FnOnce(&Decoder) -> Result<(), String> + Send>;

/// Ends a search for schema lines when dropped (also on a panic): readers
/// waiting for it go on with what it found.
struct SearchOver<'d>(&'d Decoder);

impl Drop for SearchOver<'_> {
    fn drop(&mut self) {
        self.0.scanning.store(false, Ordering::Release);
        self.0.scan_done.notify_all();
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("registry", &self.lookup.is_some())
            .field("value_schema", &self.value_schema)
            .finish()
    }
}

impl Decoder {
    /// A decoder knowing no schema (inactive until one arrives).
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// With a registry (or any lookup) for ids it does not know.
    pub fn with_lookup(mut self, l: Arc<dyn SchemaLookup>) -> Decoder {
        self.lookup = Some(l);
        self.active.store(true, Ordering::Relaxed);
        self
    }

    /// With a schema for every value (`--avro-schema`, `--proto`).
    pub fn with_value_schema(mut self, c: Compiled) -> Decoder {
        self.value_schema = Some(Arc::new(c));
        self.active.store(true, Ordering::Relaxed);
        self
    }

    /// Whether there is anything to decode with (else records pass as they are).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Says that the file's schema lines are to be searched for by `search`
    /// when a record first may need one ([`Stage::takes`], a schema id not
    /// known yet): the reader meeting it runs the search, the others that
    /// need a schema meanwhile wait for it, and the rest never wait. A read
    /// of records that need no schema never searches.
    pub fn defer_scan(&self, search: Search) {
        *self.search.lock().unwrap_or_else(|e| e.into_inner()) = Some(search);
        self.scanning.store(true, Ordering::Release);
    }

    /// Ends the deferred search without running it if no reader has, once
    /// a running one is over; its error, if it failed.
    pub fn finish_scan(&self) -> Option<String> {
        let _held = self.scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        drop(self.search.lock().unwrap_or_else(|e| e.into_inner()).take());
        drop(SearchOver(self));
        self.search_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Runs the deferred search if no reader has yet, or waits for the end
    /// of the one running.
    fn wait_scan(&self) {
        if !self.scanning.load(Ordering::Acquire) {
            return;
        }
        // The reader running the search holds the lock: the others wait here.
        let mut held = self.scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        let search = self.search.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(search) = search {
            let _over = SearchOver(self);
            if let Err(e) = search(self) {
                *self.search_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            }
            return;
        }
        while self.scanning.load(Ordering::Acquire) {
            held = self.scan_done.wait(held).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Whether a registry is there to ask.
    pub fn has_lookup(&self) -> bool {
        self.lookup.is_some()
    }

    /// Adds a schema (a recording's schema line).
    pub fn add_doc(&self, doc: SchemaDoc) {
        if let Ok(mut d) = self.docs.lock() {
            d.entry(doc.id).or_insert(doc);
        }
        self.active.store(true, Ordering::Relaxed);
    }

    /// The schema with this id, from what is known or the lookup.
    fn doc(&self, id: u32) -> Result<SchemaDoc, String> {
        if let Some(d) = self.docs.lock().ok().and_then(|d| d.get(&id).cloned()) {
            return Ok(d);
        }
        let Some(l) = &self.lookup else {
            return Err(format!(
                "schema {id}: not in the recording (no --schema-registry given)"
            ));
        };
        let d = l.by_id(id)?;
        if let Ok(mut m) = self.docs.lock() {
            m.insert(id, d.clone());
        }
        Ok(d)
    }

    /// The schema `id` and every schema it references (references first,
    /// each once), with the references' ids filled in.
    pub fn docs_for(&self, id: u32) -> Result<Vec<SchemaDoc>, String> {
        let mut out: Vec<SchemaDoc> = Vec::new();
        self.gather(id, &mut out, 0)?;
        Ok(out)
    }

    fn gather(&self, id: u32, out: &mut Vec<SchemaDoc>, depth: usize) -> Result<(), String> {
        if out.iter().any(|d| d.id == id) {
            return Ok(());
        }
        if depth > 32 {
            return Err(format!("schema {id}: references nested deeper than 32"));
        }
        let mut doc = self.doc(id)?;
        for r in &mut doc.references {
            let rid = match r.id {
                Some(rid) => rid,
                None => {
                    let Some(l) = &self.lookup else {
                        return Err(format!(
                            "schema {id}: reference {:?} ({} version {}) is missing",
                            r.name, r.subject, r.version
                        ));
                    };
                    let d = l.reference(r).map_err(|e| {
                        format!(
                            "schema {id}: reference {:?} ({} version {}): {e}",
                            r.name, r.subject, r.version
                        )
                    })?;
                    let rid = d.id;
                    if let Ok(mut m) = self.docs.lock() {
                        m.entry(rid).or_insert(d);
                    }
                    rid
                }
            };
            r.id = Some(rid);
            self.gather(rid, out, depth + 1).map_err(|e| {
                if e.starts_with(&format!("schema {id}:")) {
                    e
                } else {
                    format!("schema {id}: reference {:?}: {e}", r.name)
                }
            })?;
        }
        if let Ok(mut m) = self.docs.lock() {
            m.insert(id, doc.clone());
        }
        out.push(doc);
        Ok(())
    }

    /// The compiled schema `id` (compiled once, failures remembered).
    pub fn compiled(&self, id: u32) -> Result<Arc<Compiled>, String> {
        if let Some(c) = self.compiled.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return c;
        }
        let c = self.docs_for(id).and_then(|mut docs| {
            let main = docs.pop().ok_or_else(|| format!("schema {id}: missing"))?;
            Compiled::compile(&main, &docs)
                .map(Arc::new)
                .map_err(|e| format!("schema {id}: {e}"))
        });
        if let Ok(mut m) = self.compiled.lock() {
            m.insert(id, c.clone());
        }
        c
    }
}

/// One reading thread's view of a [`Decoder`]: a local cache, so the hot
/// path takes no lock.
pub struct Stage {
    decoder: Arc<Decoder>,
    local: FxHashMap<u32, Result<Arc<Compiled>, String>>,
}

/// A record after the stage: decoded key and payload (as
/// [`Payload::Json`]), or why they could not be decoded.
pub struct Staged<'r> {
    pub record: Record<'r>,
    pub failure: Option<String>,
}

impl Stage {
    /// A stage over a shared decoder.
    pub fn new(decoder: Arc<Decoder>) -> Stage {
        Stage {
            decoder,
            local: FxHashMap::default(),
        }
    }

    /// The shared decoder.
    pub fn decoder(&self) -> &Arc<Decoder> {
        &self.decoder
    }

    /// Whether records need to go through the stage at all.
    pub fn is_active(&self) -> bool {
        self.decoder.is_active()
    }

    /// Whether `rec` goes through the stage ([`Stage::apply`]): when the
    /// decoder is active. While the file's schema lines may still be
    /// searched for, a record whose key or payload starts with the magic
    /// byte runs the search (or waits for its end) and then asks again; any
    /// other record would pass the stage unchanged whatever it finds.
    pub fn takes(&self, rec: &Record<'_>) -> bool {
        if self.is_active() {
            return true;
        }
        if !self.decoder.scanning.load(Ordering::Acquire) {
            return false;
        }
        let framed = |p: &Payload<'_>| {
            !matches!(p, Payload::Json(_)) && p.bytes().is_some_and(|b| b.first() == Some(&0))
        };
        if framed(&rec.key) || framed(&rec.payload) {
            self.decoder.wait_scan();
            return self.is_active();
        }
        false
    }

    fn by_id(&mut self, id: u32) -> Result<Arc<Compiled>, String> {
        if let Some(c) = self.local.get(&id) {
            return c.clone();
        }
        // The schema may be in a line the search has not reached yet.
        self.decoder.wait_scan();
        let c = self.decoder.compiled(id);
        self.local.insert(id, c.clone());
        c
    }

    /// Decodes framed bytes. None when `b` is not framed.
    fn framed(&mut self, b: &[u8]) -> Option<Result<Decoded, String>> {
        let (id, rest) = match framing(b)? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        Some(self.by_id(id).and_then(|c| {
            let (indexes, body) = if c.format == Format::Protobuf {
                proto::message_indexes(rest)?
            } else {
                (Vec::new(), rest)
            };
            let json = c
                .decode_body(body, &indexes)
                .map_err(|e| format!("schema {id}: {e}"))?;
            Ok(Decoded {
                json,
                format: c.format,
                id: Some(id),
                subject: c.subject.clone(),
            })
        }))
    }

    /// Decodes a payload. None: leave it as it is (not framed, and text).
    pub fn decode_value(&mut self, p: &Payload<'_>) -> Option<Result<Decoded, String>> {
        if matches!(p, Payload::Json(_)) {
            return None;
        }
        let b = p.bytes()?;
        if let Some(c) = self.decoder.value_schema.clone() {
            return Some(decode_with(&c, b));
        }
        if let Some(r) = self.framed(b) {
            return Some(r);
        }
        match p {
            Payload::Binary(b) if self.decoder.has_lookup() => Some(Err(format!(
                "not in the Confluent wire format (first byte 0x{:02x}, the magic byte 0 expected)",
                b[0]
            ))),
            _ => None,
        }
    }

    /// Decodes a key: only framed keys (a plain string key stays as it is).
    pub fn decode_key(&mut self, p: &Payload<'_>) -> Option<Result<Decoded, String>> {
        if matches!(p, Payload::Json(_)) {
            return None;
        }
        self.framed(p.bytes()?)
    }

    /// The record with its key and payload decoded.
    pub fn apply<'r>(&mut self, rec: &Record<'r>) -> Staged<'r> {
        let mut failure = None;
        let key = match self.decode_key(&rec.key) {
            None => rec.key.clone(),
            Some(Ok(d)) => Payload::Json(Cow::Owned(d.json)),
            Some(Err(e)) => {
                failure = Some(format!("key: {e}"));
                rec.key.clone()
            }
        };
        let payload = match self.decode_value(&rec.payload) {
            None => rec.payload.clone(),
            Some(Ok(d)) => Payload::Json(Cow::Owned(d.json)),
            Some(Err(e)) => {
                failure.get_or_insert(e);
                rec.payload.clone()
            }
        };
        Staged {
            record: Record {
                topic: rec.topic.clone(),
                partition: rec.partition,
                offset: rec.offset,
                ts: rec.ts,
                headers: rec.headers.clone(),
                key,
                payload,
            },
            failure,
        }
    }
}

/// Decodes with a schema the user gave: framed (magic byte 0 and an id,
/// which is then ignored) or the bare body.
fn decode_with(c: &Compiled, b: &[u8]) -> Result<Decoded, String> {
    let done = |json| Decoded {
        json,
        format: c.format,
        id: None,
        subject: None,
    };
    if let Some(Ok((_, rest))) = framing(b) {
        let framed = if c.format == Format::Protobuf {
            proto::message_indexes(rest).and_then(|(ix, body)| c.decode_body(body, &ix))
        } else {
            c.decode_body(rest, &[])
        };
        if let Ok(j) = framed {
            return Ok(done(j));
        }
    }
    c.decode_body(b, &[]).map(done)
}

/// The decoder the inspector uses to show decoded values (set by the
/// command that loads the stream; one per process).
static SESSION: RwLock<Option<Arc<Decoder>>> = RwLock::new(None);

/// Sets the decoder the inspector uses.
pub fn set_session(d: Option<Arc<Decoder>>) {
    if let Ok(mut s) = SESSION.write() {
        *s = d;
    }
}

/// The decoder the inspector uses, if any is active.
pub fn session() -> Option<Arc<Decoder>> {
    SESSION
        .read()
        .ok()
        .and_then(|s| s.clone())
        .filter(|d| d.is_active())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<SchemaDoc>);
    impl SchemaLookup for Fixed {
        fn by_id(&self, id: u32) -> Result<SchemaDoc, String> {
            self.0
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .ok_or_else(|| format!("schema {id}: not in the registry"))
        }
        fn reference(&self, r: &Reference) -> Result<SchemaDoc, String> {
            self.0
                .iter()
                .find(|d| d.subject.as_deref() == Some(&r.subject))
                .cloned()
                .ok_or_else(|| format!("subject {} not found", r.subject))
        }
    }

    fn doc(id: u32, schema: &str) -> SchemaDoc {
        SchemaDoc {
            id,
            format: Format::Avro,
            schema: schema.into(),
            subject: Some(format!("s{id}")),
            references: vec![],
        }
    }

    #[test]
    fn schema_lines_round_trip_and_other_lines_are_not_schema_lines() {
        let d = doc(7, r#"{"type":"string"}"#);
        let line = d.to_line();
        assert_eq!(SchemaDoc::from_line(line.as_bytes()), Some(Ok(d)));
        assert_eq!(SchemaDoc::from_line(br#"{"partition":0}"#), None);
        assert!(matches!(
            SchemaDoc::from_line(br#"{"kord_schema":{"id":"x"}}"#),
            Some(Err(_))
        ));
    }

    #[test]
    fn failures_say_why_and_keep_the_record() {
        let d = Decoder::new().with_lookup(Arc::new(Fixed(vec![doc(1, r#"{"type":"long"}"#)])));
        let mut st = Stage::new(Arc::new(d));
        // 0x02 is zigzag 1.
        let ok = Payload::Binary(Cow::Borrowed(&[0, 0, 0, 0, 1, 0x02]));
        assert_eq!(st.decode_value(&ok).unwrap().unwrap().json, "1");
        let unknown = Payload::Binary(Cow::Borrowed(&[0, 0, 0, 3, 0xe7, 0x02]));
        assert_eq!(
            st.decode_value(&unknown).unwrap().unwrap_err(),
            "schema 999: not in the registry"
        );
        let cut = Payload::Binary(Cow::Borrowed(&[0, 0, 1]));
        assert!(st
            .decode_value(&cut)
            .unwrap()
            .unwrap_err()
            .contains("truncated"));
        let magic = Payload::Binary(Cow::Borrowed(&[0xff, 1]));
        assert!(st
            .decode_value(&magic)
            .unwrap()
            .unwrap_err()
            .contains("magic"));
        let text = Payload::Text(Cow::Borrowed("{\"a\":1}"));
        assert!(st.decode_value(&text).is_none());
        let short_body = Payload::Binary(Cow::Borrowed(&[0, 0, 0, 0, 1]));
        assert!(st
            .decode_value(&short_body)
            .unwrap()
            .unwrap_err()
            .contains("truncated"));
    }

    #[test]
    fn only_a_framed_record_runs_the_deferred_search_and_the_others_wait_for_it() {
        use std::sync::atomic::AtomicUsize;
        use std::sync::mpsc;
        let rec = |key: Payload<'static>, payload: Payload<'static>| Record {
            topic: None,
            partition: 0,
            offset: 0,
            ts: None,
            headers: Default::default(),
            key,
            payload,
        };
        let plain = rec(
            Payload::Text(Cow::Borrowed("alert-1")),
            Payload::Json(Cow::Borrowed("{\"v\":1}")),
        );
        let framed = rec(
            Payload::Null,
            Payload::Binary(Cow::Borrowed(&[0, 0, 0, 0, 1, 0x02])),
        );
        let runs = Arc::new(AtomicUsize::new(0));
        let (go, wait) = mpsc::channel::<()>();
        let d = Arc::new(Decoder::new());
        d.defer_scan({
            let runs = runs.clone();
            Box::new(move |d: &Decoder| {
                runs.fetch_add(1, Ordering::SeqCst);
                wait.recv().map_err(|e| e.to_string())?;
                d.add_doc(doc(1, r#"{"type":"long"}"#));
                Ok(())
            })
        });
        // Plain records answer at once, and never search: nothing the
        // search finds changes them.
        let st = Stage::new(d.clone());
        assert!(!st.takes(&plain));
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        // The first framed record runs the search; a second one waits for
        // its end rather than running it again.
        let reader = || {
            let (d, framed) = (d.clone(), framed.clone());
            std::thread::spawn(move || Stage::new(d).takes(&framed))
        };
        let first = reader();
        while runs.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        let second = reader();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            !first.is_finished() && !second.is_finished(),
            "both wait for the search"
        );
        go.send(()).unwrap();
        assert!(first.join().unwrap() && second.join().unwrap());
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the search runs once");
        assert!(st.takes(&plain), "an active decoder takes every record");
        assert_eq!(d.finish_scan(), None);

        // A search that fails lets a framed record pass as it is, and its
        // error comes at the end.
        let failing = Arc::new(Decoder::new());
        failing.defer_scan(Box::new(|_: &Decoder| Err("cannot read: gone".into())));
        assert!(!Stage::new(failing.clone()).takes(&framed));
        assert_eq!(failing.finish_scan().as_deref(), Some("cannot read: gone"));

        // A search no record needed is dropped unrun at the end.
        let unused = Arc::new(Decoder::new());
        let ran = runs.clone();
        unused.defer_scan(Box::new(move |_: &Decoder| {
            ran.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }));
        assert!(!Stage::new(unused.clone()).takes(&plain));
        assert_eq!(unused.finish_scan(), None);
        assert!(!Stage::new(unused).takes(&framed));
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "an unneeded search never runs"
        );
    }

    #[test]
    fn an_avsc_that_does_not_parse_is_a_reason() {
        let e = Compiled::avro("{\"type\":\"record\"", &[]).unwrap_err();
        assert!(e.contains("does not parse"), "{e}");
    }
}
