//! Reading a topic to an end (`--until`) on two threads, and what the
//! bounded commands do with it: `kord record` writes a recording
//! ([`RecordingWriter`], [`record_topic`]), `kord analyze -b` ingests it
//! ([`ingest_topic`]). Owns the read pipeline and the recording writer; the
//! CLI only gives flags, progress and the output file. Must not draw,
//! print or exit: what to tell the user comes back as values and errors.

use super::reader::{read_bounded, KafkaReader, ReadOrder};
use super::{KafkaSourceError, Until};
use crate::decode::{framing, Decoder, Stage};
use crate::filter::RecordFilter;
use crate::model::{Ingest, Record, RecordBuf};
use crate::source::recording::{header_line, Header};
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Records per batch handed from the reading thread to the worker.
const BATCH: usize = 4096;

/// How long the worker waits for a batch before it is told the stream paused.
const PAUSE: Duration = Duration::from_millis(200);

/// Reads to `until` on this thread and hands batches of records to `work`
/// on another, so polling and merging overlap with the decoding, lens and
/// JSON work. `work` gets `None` when no batch came for 200 ms (time to
/// flush) and once at the end. `tick` runs on the reading thread at least
/// every 200 ms with the reader (its watermarks, for progress). Returns the
/// records read; the worker's error, if any, wins over the reader's.
pub fn read_pipelined(
    reader: &mut KafkaReader,
    until: &Until,
    order: ReadOrder,
    tick: &mut dyn FnMut(&KafkaReader),
    work: &mut (dyn FnMut(Option<RecordBuf>) -> Result<(), KafkaSourceError> + Send),
) -> Result<u64, KafkaSourceError> {
    let fresh = || RecordBuf::with_capacity(BATCH, 256);
    let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBuf>(32);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<(), KafkaSourceError> {
            loop {
                match rx.recv_timeout(PAUSE) {
                    Ok(batch) => work(Some(batch))?,
                    Err(RecvTimeoutError::Timeout) => work(None)?,
                    Err(RecvTimeoutError::Disconnected) => return work(None),
                }
            }
        });
        let stopped = || KafkaSourceError::Client("the consumer of the records stopped".into());
        let batch = std::cell::RefCell::new(fresh());
        let send = |b: RecordBuf| tx.send(b).map_err(|_| stopped());
        let read = read_bounded(
            reader,
            until,
            order,
            &mut |r| {
                let mut b = batch.borrow_mut();
                b.push(r);
                if b.len() >= BATCH {
                    send(std::mem::replace(&mut *b, fresh()))?;
                }
                Ok(())
            },
            &mut |_, reader| {
                tick(reader);
                let mut b = batch.borrow_mut();
                if !b.is_empty() {
                    send(std::mem::replace(&mut *b, fresh()))?;
                }
                Ok(())
            },
        );
        let rest = batch.take();
        let last = if rest.is_empty() { Ok(()) } else { send(rest) };
        drop(tx);
        let worked = worker.join().unwrap_or_else(|_| {
            Err(KafkaSourceError::Client(
                "the record worker panicked".into(),
            ))
        });
        // The worker's own error explains a send failure better.
        worked?;
        last?;
        read
    })
}

/// The bytes of a record's key and payload (for progress).
pub fn record_bytes(r: &Record<'_>) -> u64 {
    let len = |p: &crate::model::Payload<'_>| p.bytes().map_or(0, <[u8]>::len);
    (len(&r.payload) + len(&r.key)) as u64
}

/// One batch as the caller's progress sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchDone {
    /// Records in the batch (0: the stream paused).
    pub records: u64,
    /// Their key and payload bytes.
    pub bytes: u64,
}

/// Writes a recording (SPEC §2): the header line first, then one line per
/// record, each preceded by the schema lines it needs that are not yet in
/// the file (when a registry is configured). Only complete lines reach the
/// sink; I/O errors name the output.
pub struct RecordingWriter<W: Write> {
    w: BufWriter<W>,
    name: String,
    decoder: Option<Arc<Decoder>>,
    /// Schema ids whose lines are written (or could not be fetched).
    schemas_done: HashSet<u32>,
    line: Vec<u8>,
    last_flush: Instant,
    written: u64,
}

impl<W: Write> RecordingWriter<W> {
    /// Writes and flushes the header. `name` names the output in errors;
    /// `decoder` (with a registry) supplies schema lines.
    pub fn create(
        sink: W,
        name: &str,
        header: &Header,
        decoder: Option<Arc<Decoder>>,
    ) -> Result<Self, KafkaSourceError> {
        let mut w = RecordingWriter {
            w: BufWriter::with_capacity(1 << 20, sink),
            name: name.to_string(),
            decoder: decoder.filter(|d| d.has_lookup()),
            schemas_done: HashSet::new(),
            line: Vec::with_capacity(1024),
            last_flush: Instant::now(),
            written: 0,
        };
        let head = header_line(header);
        w.put(head.as_bytes())?;
        w.flush()?;
        Ok(w)
    }

    fn io(&self, e: std::io::Error) -> KafkaSourceError {
        KafkaSourceError::Client(format!("{}: {e}", self.name))
    }

    fn put(&mut self, line: &[u8]) -> Result<(), KafkaSourceError> {
        match self.w.write_all(line).and_then(|_| self.w.write_all(b"\n")) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// The schema lines `r` needs that the file does not hold yet.
    fn schemas_for(&mut self, r: &Record<'_>) -> Result<(), KafkaSourceError> {
        let Some(d) = self.decoder.clone() else {
            return Ok(());
        };
        for part in [&r.key, &r.payload] {
            let Some(Some(Ok((id, _)))) = part.bytes().map(framing) else {
                continue;
            };
            if !self.schemas_done.insert(id) {
                continue;
            }
            // A schema the registry cannot give is not fatal: the record
            // line keeps its bytes either way.
            let Ok(docs) = d.docs_for(id) else {
                continue;
            };
            for doc in docs {
                if doc.id == id || self.schemas_done.insert(doc.id) {
                    self.put(doc.to_line().as_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// Appends one record (after the schema lines it needs).
    pub fn write(&mut self, r: &Record<'_>) -> Result<(), KafkaSourceError> {
        self.schemas_for(r)?;
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        r.write_json_line(&mut line);
        let put = self.put(&line);
        self.line = line;
        put?;
        self.written += 1;
        Ok(())
    }

    /// Flushes at least twice a second, and whenever the stream paused.
    pub fn tick(&mut self, paused: bool) -> Result<(), KafkaSourceError> {
        if paused || self.last_flush.elapsed() >= Duration::from_millis(500) {
            self.flush()?;
        }
        Ok(())
    }

    /// Flushes every complete line to the sink.
    pub fn flush(&mut self) -> Result<(), KafkaSourceError> {
        self.last_flush = Instant::now();
        match self.w.flush() {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and gives the sink back.
    pub fn into_inner(self) -> Result<W, KafkaSourceError> {
        let name = self.name.clone();
        self.w
            .into_inner()
            .map_err(|e| KafkaSourceError::Client(format!("{name}: {}", e.error())))
    }
}

/// What a bounded read keeps: `--where` over each record, decoded first
/// when a decoding stage is active (the filter sees what the user sees).
pub struct Keep<'a> {
    pub filter: Option<&'a RecordFilter>,
    pub stage: Option<Stage>,
}

impl Keep<'_> {
    /// Whether `--where` keeps `r` (always, without a filter).
    pub fn keeps(&mut self, r: &Record<'_>) -> bool {
        match (self.filter, &mut self.stage) {
            (None, _) => true,
            (Some(f), Some(st)) => f.matches(&st.apply(r).record),
            (Some(f), None) => f.matches(r),
        }
    }
}

/// What [`record_topic`] calls after each batch and each pause: the writer
/// (to flush before stopping) and the batch's counts.
pub type OnRecorded<'a, W> =
    dyn FnMut(&mut RecordingWriter<W>, BatchDone) -> Result<(), KafkaSourceError> + Send + 'a;

/// Records read and kept by [`record_topic`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    pub read: u64,
    pub kept: u64,
}

/// `kord record`: reads to `until` and writes every record `keep` keeps
/// to `out`, raw bytes untouched. `on_batch` runs on the worker after each
/// batch and each pause, once the writer has flushed if due (the CLI
/// counts progress and stops on a signal there). Whatever happens, every
/// complete line so far is flushed before this returns.
pub fn record_topic<W: Write + Send>(
    reader: &mut KafkaReader,
    until: &Until,
    order: ReadOrder,
    mut keep: Keep<'_>,
    out: &mut RecordingWriter<W>,
    tick: &mut dyn FnMut(&KafkaReader),
    on_batch: &mut OnRecorded<'_, W>,
) -> Result<Captured, KafkaSourceError> {
    let result = read_pipelined(reader, until, order, tick, &mut |batch| {
        let mut done = BatchDone::default();
        if let Some(b) = &batch {
            b.try_for_each(|r| {
                done.records += 1;
                done.bytes += record_bytes(r);
                if keep.keeps(r) {
                    out.write(r)?;
                }
                Ok(())
            })?;
        }
        out.tick(batch.is_none())?;
        on_batch(out, done)
    });
    let flushed = out.flush();
    let read = result?;
    flushed?;
    Ok(Captured {
        read,
        kept: out.written(),
    })
}

/// `kord analyze -b`: reads to `until` into `ingest`, each record decoded,
/// filtered and pushed by [`crate::source::ingest_record`] (line numbers
/// count records read). `on_batch` gets each batch's counts on the worker.
pub fn ingest_topic(
    reader: &mut KafkaReader,
    until: &Until,
    order: ReadOrder,
    ingest: &mut Ingest,
    keep: Keep<'_>,
    tick: &mut dyn FnMut(&KafkaReader),
    on_batch: &mut (dyn FnMut(BatchDone) + Send),
) -> Result<u64, KafkaSourceError> {
    let mut whole = |_: crate::model::EventStore| true;
    ingest_topic_chunked(
        reader,
        until,
        order,
        ingest,
        keep,
        (tick, on_batch),
        (usize::MAX, &mut whole),
    )
}

/// [`ingest_topic`], handing the events over in chunks: whenever `ingest`
/// holds `chunk` events after a batch, `on_chunk` takes them and a fresh
/// ingest (same lens, same partitions) goes on; the last chunk stays in
/// `ingest`. `on_chunk` returning `false` stops the read, which then ends
/// with an error (the caller knows it asked).
pub fn ingest_topic_chunked(
    reader: &mut KafkaReader,
    until: &Until,
    order: ReadOrder,
    ingest: &mut Ingest,
    mut keep: Keep<'_>,
    (tick, on_batch): ReadTicks<'_>,
    (chunk, on_chunk): (usize, &mut TakeStore<'_>),
) -> Result<u64, KafkaSourceError> {
    let mut line = 0u64;
    read_pipelined(reader, until, order, tick, &mut |batch| {
        let Some(b) = batch else {
            return Ok(());
        };
        let mut done = BatchDone::default();
        b.try_for_each(|r| {
            line += 1;
            done.records += 1;
            done.bytes += record_bytes(r);
            crate::source::ingest_record(
                ingest,
                keep.stage.as_mut(),
                keep.filter,
                r,
                line,
                None,
                &[],
            );
            Ok::<(), KafkaSourceError>(())
        })?;
        on_batch(done);
        if ingest.store.len() >= chunk {
            let mut fresh = Ingest::new(ingest.lens.clone(), false);
            fresh.set_partitions(ingest.store.partitions);
            let full = std::mem::replace(ingest, fresh).finish().0;
            if !on_chunk(full) {
                return Err(KafkaSourceError::Client(
                    "the analysis stopped the read".into(),
                ));
            }
        }
        Ok(())
    })
}

/// What a read reports: `tick` on the reading thread, each batch's counts
/// on the worker.
pub type ReadTicks<'a> = (
    &'a mut dyn FnMut(&KafkaReader),
    &'a mut (dyn FnMut(BatchDone) + Send),
);

/// Takes a chunk of events (`false` stops the read).
pub type TakeStore<'a> = dyn FnMut(crate::model::EventStore) -> bool + Send + 'a;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Payload;

    fn header() -> Header {
        Header {
            kord: 1,
            topic: Some("t".into()),
            partitions: Some(2),
            source: None,
            recorded_at: None,
            note: None,
            lens: None,
            consumers: None,
            assignor: None,
        }
    }

    fn record(offset: i64, payload: &'static [u8]) -> Record<'static> {
        let payload = match std::str::from_utf8(payload) {
            Ok(t) => Payload::Text(t.into()),
            Err(_) => Payload::Binary(payload.into()),
        };
        Record {
            topic: None,
            partition: 1,
            offset,
            ts: Some(1_700_000_000_000 + offset),
            headers: Default::default(),
            key: Payload::Text("k".into()),
            payload,
        }
    }

    #[test]
    fn the_header_comes_first_and_each_record_is_one_complete_line() {
        let mut w = RecordingWriter::create(Vec::new(), "out", &header(), None).unwrap();
        w.write(&record(0, b"{\"a\":1}")).unwrap();
        w.write(&record(1, b"\xff\x00\n")).unwrap();
        assert_eq!(w.written(), 2);
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], header_line(&header()));
        assert!(text.ends_with('\n'));
        // Bytes that are not UTF-8 survive the round trip.
        let back = crate::model::line::parse_record(lines[2].as_bytes()).unwrap();
        assert_eq!(back.payload.bytes(), Some(&[0xff, 0x00, b'\n'][..]));
        assert_eq!(back.offset, 1);
    }

    #[test]
    fn a_failing_sink_names_the_output() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let Err(e) = RecordingWriter::create(Full, "/tmp/out.jsonl", &header(), None) else {
            panic!("a sink that refuses bytes must fail");
        };
        assert_eq!(e.to_string(), "/tmp/out.jsonl: disk full");
    }

    #[test]
    fn keep_without_a_filter_keeps_everything_and_with_one_asks_it() {
        let r = record(0, b"{\"type\":\"a\"}");
        let mut all = Keep {
            filter: None,
            stage: None,
        };
        assert!(all.keeps(&r));
        let f = RecordFilter::compile(".payload.type == \"b\"").unwrap();
        let mut some = Keep {
            filter: Some(&f),
            stage: None,
        };
        assert!(!some.keeps(&r));
        assert!(some.keeps(&record(1, b"{\"type\":\"b\"}")));
    }
}
