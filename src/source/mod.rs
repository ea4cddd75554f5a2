//! Sources: where records come from (recording files, built-in scenarios,
//! live Kafka). Each adapter turns its input into
//! [`Record`](crate::model::Record)s for the lens. Adapters: they read, decode
//! and filter records; they must not run a strategy or the simulation (the
//! engine's), or import the terminal or the TUI.

pub mod kafka;
pub mod recording;
pub mod registry;
pub mod synth;

use crate::decode::{Decoder, SchemaDoc, Stage};
use crate::model::lens::LensConfig;
use crate::model::line::parse_record_quoted;
use crate::model::{EventStore, Ingest, Lens};
use recording::{is_header, Header, InputError, LineError, RecordingReader};
use std::path::Path;
use std::sync::Arc;

/// A recording read into a store.
pub struct Loaded {
    pub store: EventStore,
    pub lens: Lens,
    pub header: Option<Header>,
    /// Lines skipped by `--lenient`.
    pub skipped: u64,
    /// The first ten skipped lines (line, problem).
    pub first_skipped: Vec<(u64, String)>,
}

/// How to read a recording.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Lens settings that override the header's (from `--lens`/`kord.toml` and flags).
    pub lens: LensConfig,
    /// Where `lens` came from, for error messages.
    pub lens_origin: String,
    pub lenient: bool,
    pub keep_raw: bool,
    /// The decoding stage's schemas (registry, `--avro-schema`, `--proto`);
    /// a recording's schema lines are added to it. None: a fresh one.
    pub decoder: Option<Arc<Decoder>>,
    /// `--where EXPR` (crate::filter): records it rejects are not part of
    /// the stream. Kept as text: each reader thread compiles its own.
    pub filter: Option<String>,
}

impl LoadOptions {
    /// The decoder to read with (the given one, or a fresh one for the
    /// recording's own schema lines).
    pub fn decoder(&self) -> Arc<Decoder> {
        self.decoder
            .clone()
            .unwrap_or_else(|| Arc::new(Decoder::new()))
    }
}

/// Pushes one record into `ingest`: decoded by `stage` when there is one
/// (an undecodable record is kept, with the reason), then kept only if
/// `filter` (`--where`) matches the decoded record.
pub fn ingest_record(
    ingest: &mut Ingest,
    stage: Option<&mut Stage>,
    filter: Option<&crate::filter::RecordFilter>,
    rec: &crate::model::Record<'_>,
    line: u64,
    raw: Option<&[u8]>,
    quotes: &[u32],
) {
    match stage {
        Some(stage) => {
            let st = stage.apply(rec);
            if filter.is_none_or(|f| f.matches(&st.record)) {
                ingest.push_noted(&st.record, line, raw, st.failure.as_deref());
            }
        }
        None => {
            if filter.is_none_or(|f| f.matches(rec)) {
                ingest.push_quoted(rec, line, raw, quotes);
            }
        }
    }
}

/// Compiles `opts.filter` for one reader (errors name the flag).
pub fn compile_filter(
    file: &str,
    opts: &LoadOptions,
) -> Result<Option<crate::filter::RecordFilter>, InputError> {
    opts.filter
        .as_deref()
        .map(|e| {
            crate::filter::RecordFilter::compile(e).map_err(|m| InputError {
                file: file.into(),
                line: 0,
                field: Some("--where".into()),
                message: m,
                fatal: true,
            })
        })
        .transpose()
}

/// Compiles the header's lens overlaid with the user's.
pub fn resolve_lens(
    file: &str,
    header: Option<&Header>,
    opts: &LoadOptions,
) -> Result<Lens, InputError> {
    let mut cfg = LensConfig::default();
    if let Some(h) = header {
        if let Some(l) = &h.lens {
            Lens::compile(l.clone()).map_err(|e| InputError {
                file: file.into(),
                line: 1,
                field: Some("lens".into()),
                message: e.to_string(),
                fatal: true,
            })?;
            cfg = l.clone();
        }
        if cfg.consumers.is_none() && (h.consumers.is_some() || h.assignor.is_some()) {
            cfg.consumers = Some(crate::model::lens::ConsumersConfig {
                count: h.consumers,
                assignor: h.assignor.clone(),
            });
        }
    }
    cfg.overlay(opts.lens.clone());
    Lens::compile(cfg).map_err(|e| InputError {
        file: if opts.lens_origin.is_empty() {
            "command line".into()
        } else {
            opts.lens_origin.clone()
        },
        line: 0,
        field: None,
        message: e.to_string(),
        fatal: true,
    })
}

/// Reads a whole recording through the lens, calling `progress(ingest, bytes)`
/// every 64k events. Plain files of more than 8 MiB are read in parallel
/// slices (one per core) whose stores are appended in order.
pub fn load_recording(
    path: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&Ingest, u64),
) -> Result<Loaded, InputError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let threads = crate::model::threads();
    if threads > 1 && size > 8 << 20 && RecordingReader::is_plain(path) {
        return load_parallel(path, opts, progress, size, threads);
    }
    let mut reader = RecordingReader::open(path)?;
    let header = reader.header().cloned();
    let lens = resolve_lens(reader.name(), header.as_ref(), opts)?;
    let mut ingest = Ingest::new(lens, opts.keep_raw);
    if let Some(p) = header.as_ref().and_then(|h| h.partitions) {
        ingest.set_partitions(p);
    }
    let mut skips = Skips::default();
    let mut stage = Stage::new(opts.decoder());
    read_into(
        &mut reader,
        &mut ingest,
        opts,
        &mut stage,
        &mut skips,
        progress,
    )?;
    let (store, lens) = ingest.finish();
    Ok(Loaded::of(store, lens, header, skips))
}

/// Lines skipped by `--lenient`.
#[derive(Default)]
struct Skips {
    count: u64,
    first: Vec<(u64, String)>,
}

impl Loaded {
    /// A finished load: the store sized by its content and the header's
    /// partition claim (see [`EventStore::bound_partitions`]).
    fn of(mut store: EventStore, lens: Lens, header: Option<Header>, skips: Skips) -> Loaded {
        store.bound_partitions(header.as_ref().and_then(|h| h.partitions));
        Loaded {
            store,
            lens,
            header,
            skipped: skips.count,
            first_skipped: skips.first,
        }
    }
}

impl Skips {
    /// Counts a skippable error, or returns it when it cannot be skipped.
    fn skip(&mut self, e: InputError, lenient: bool) -> Result<(), InputError> {
        if !lenient || e.fatal {
            return Err(e);
        }
        self.count += 1;
        if self.first.len() < 10 {
            let what = match &e.field {
                Some(f) => format!("field `{f}`: {}", e.message),
                None => e.message.clone(),
            };
            self.first.push((e.line, what));
        }
        Ok(())
    }
}

/// Reads every remaining line of `reader` into `ingest`.
fn read_into(
    reader: &mut RecordingReader,
    ingest: &mut Ingest,
    opts: &LoadOptions,
    stage: &mut Stage,
    skips: &mut Skips,
    progress: &mut dyn FnMut(&Ingest, u64),
) -> Result<(), InputError> {
    read_chunked(reader, ingest, opts, (stage, skips), progress, None)
}

/// Takes a full ingest's events (`false` stops the read).
type TakeChunk<'a> = dyn FnMut(&mut Ingest) -> bool + 'a;

/// [`read_into`], calling `full(ingest)` whenever the ingest holds
/// `chunk` events (it takes them; `false` stops the read).
fn read_chunked(
    reader: &mut RecordingReader,
    ingest: &mut Ingest,
    opts: &LoadOptions,
    (stage, skips): (&mut Stage, &mut Skips),
    progress: &mut dyn FnMut(&Ingest, u64),
    mut full: Option<(usize, &mut TakeChunk<'_>)>,
) -> Result<(), InputError> {
    let mut buf = Vec::with_capacity(4096);
    // Each line's payload is unescaped into this one buffer.
    let mut payload = String::new();
    // And the offsets of its quotes, when `\"` was its only escape.
    let mut quotes = Vec::new();
    let filter = compile_filter(reader.name(), opts)?;
    let mut seen = 0u64;
    loop {
        match reader.next_line(&mut buf) {
            Ok(false) => break,
            Ok(true) if buf.starts_with(SCHEMA_LINE_START) => {
                schema_line(reader, &buf, stage, opts, skips)?;
            }
            Ok(true) => match parse_record_quoted(&buf, Some(&mut payload), &mut quotes)
                .and_then(in_kafka_range)
            {
                Ok(rec) => {
                    seen += 1;
                    let raw = opts.keep_raw.then_some(&buf[..]);
                    let active = Some(&mut *stage).filter(|s| s.takes(&rec));
                    let line = reader.line();
                    ingest_record(ingest, active, filter.as_ref(), &rec, line, raw, &quotes);
                    if seen % 65_536 == 0 {
                        progress(ingest, reader.bytes_read);
                    }
                    if let Some((chunk, f)) = full.as_mut() {
                        if ingest.store.len() >= *chunk && !f(ingest) {
                            return Ok(());
                        }
                    }
                }
                // A schema line written with other spacing.
                Err(_) if SchemaDoc::from_line(&buf).is_some() => {
                    schema_line(reader, &buf, stage, opts, skips)?;
                }
                Err(le) => {
                    let e = reader.line_error(explain(le, &buf));
                    skips.skip(e, opts.lenient)?;
                }
            },
            Err(e) => skips.skip(e, opts.lenient)?,
        }
    }
    progress(ingest, reader.bytes_read);
    Ok(())
}

/// Adds a schema line's schema to the stage (or reports a bad one).
fn schema_line(
    reader: &RecordingReader,
    buf: &[u8],
    stage: &mut Stage,
    opts: &LoadOptions,
    skips: &mut Skips,
) -> Result<(), InputError> {
    match SchemaDoc::from_line(buf) {
        Some(Ok(doc)) => stage.decoder().add_doc(doc),
        Some(Err(m)) => {
            let e = reader.line_error(recording::LineError {
                field: Some(crate::decode::SCHEMA_LINE_KEY.into()),
                message: m,
            });
            skips.skip(e, opts.lenient)?;
        }
        None => {}
    }
    Ok(())
}

/// How a schema line starts (as kord writes it).
const SCHEMA_LINE_START: &[u8] = b"{\"kord_schema\"";

/// The schema lines of a plain file, wherever they are (a parallel read's
/// later slices need the schemas an earlier slice holds). A byte search,
/// so a file without any costs one quick pass.
fn scan_schema_lines(path: &Path, decoder: &Decoder) -> std::io::Result<()> {
    use std::io::{BufRead, Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let needle = b"\n{\"kord_schema\"";
    let finder = memchr::memmem::Finder::new(needle);
    let mut found = Vec::new();
    let mut buf = vec![0u8; 4 << 20];
    // The chunk starts with the last bytes of the previous one (or a
    // newline before the file's first byte).
    buf[0] = b'\n';
    let mut keep = 1usize;
    let mut base: i64 = -1;
    loop {
        let n = f.read(&mut buf[keep..])?;
        if n == 0 {
            break;
        }
        let end = keep + n;
        for at in finder.find_iter(&buf[..end]) {
            found.push((base + at as i64 + 1) as u64);
        }
        let tail = needle.len().min(end) - 1;
        buf.copy_within(end - tail..end, 0);
        base += (end - tail) as i64;
        keep = tail;
    }
    found.dedup();
    let mut r = std::io::BufReader::new(f);
    let mut line = Vec::new();
    for at in found {
        r.seek(SeekFrom::Start(at))?;
        line.clear();
        r.read_until(b'\n', &mut line)?;
        if let Some(Ok(doc)) = SchemaDoc::from_line(&line) {
            decoder.add_doc(doc);
        }
    }
    Ok(())
}

/// A record whose partition Kafka could not have (partitions are 0 to
/// 2^31-1) is an input error, whatever the parser let through.
fn in_kafka_range(rec: crate::model::Record<'_>) -> Result<crate::model::Record<'_>, LineError> {
    if rec.partition < 0 {
        return Err(LineError {
            field: Some("partition".into()),
            message: format!(
                "{} is not a partition number (Kafka's are 0 to {})",
                rec.partition,
                i32::MAX
            ),
        });
    }
    Ok(rec)
}

/// Makes the parser's message say what is wrong with the line in the
/// user's terms where it can tell more (a misplaced header, a lone UTF-16
/// surrogate escape).
fn explain(mut le: LineError, line: &[u8]) -> LineError {
    if is_header(line) {
        return LineError {
            field: None,
            message: "a kord header (`\"kord\": 1`) is only allowed as the first line".into(),
        };
    }
    let m = le.message.to_ascii_lowercase();
    if m.contains("surrogate") || m.contains("hex escape") {
        let esc = lone_surrogate(line).unwrap_or_else(|| "\\uD800-\\uDFFF".into());
        le.message = format!(
            "{esc} is a lone UTF-16 surrogate escape, not a character \
             (a \\uD800-\\uDBFF escape must be followed by a \\uDC00-\\uDFFF one); \
             the parser said: {}",
            le.message
        );
    }
    le
}

/// The first unpaired `\uD800`-`\uDFFF` escape in a line, as written.
fn lone_surrogate(line: &[u8]) -> Option<String> {
    let at = |i: usize| -> Option<u16> {
        let w = line.get(i..i + 6)?;
        if w[0] != b'\\' || w[1] != b'u' {
            return None;
        }
        let v = u16::from_str_radix(std::str::from_utf8(&w[2..]).ok()?, 16).ok()?;
        (0xD800..=0xDFFF).contains(&v).then_some(v)
    };
    let mut i = 0;
    while i + 6 <= line.len() {
        match at(i) {
            Some(hi) if hi < 0xDC00 && at(i + 6).is_some_and(|lo| lo >= 0xDC00) => i += 12,
            Some(_) => return Some(String::from_utf8_lossy(&line[i..i + 6]).into_owned()),
            None => i += 1,
        }
    }
    None
}

/// Byte offsets that split a file into `n` slices at line boundaries.
fn split_points(path: &Path, size: u64, n: usize) -> std::io::Result<Vec<u64>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let mut cuts = vec![0u64];
    let mut buf = vec![0u8; 64 * 1024];
    for k in 1..n as u64 {
        let mut pos = size * k / n as u64;
        f.seek(SeekFrom::Start(pos))?;
        loop {
            let got = f.read(&mut buf)?;
            if got == 0 {
                pos = size;
                break;
            }
            if let Some(i) = buf[..got].iter().position(|&b| b == b'\n') {
                pos += i as u64 + 1;
                break;
            }
            pos += got as u64;
        }
        if pos > *cuts.last().unwrap_or(&0) && pos < size {
            cuts.push(pos);
        }
    }
    cuts.push(size);
    Ok(cuts)
}

/// One slice of a file read on its own: its events, its skipped lines and
/// how many lines it had.
type Part = Result<(EventStore, Skips, u64), InputError>;

/// A plain file cut at line boundaries into slices read on their own.
struct Slices<'a> {
    path: &'a Path,
    name: String,
    cuts: Vec<u64>,
    header: Option<Header>,
    lens: Lens,
    opts: &'a LoadOptions,
    decoder: Arc<Decoder>,
    /// Whether each slice leaves its entity and key names to the store it
    /// is appended to ([`Ingest::defer_names`]).
    defer_names: bool,
    /// Whether the search for the file's schema lines is still to be set
    /// up: the first read ([`Slices::read_many`], [`Slices::stream`]) leaves
    /// it to the first reader that needs it ([`Slices::start_scan`]).
    scan: std::sync::atomic::AtomicBool,
    /// The most events a slice read so far held: what the next reserves.
    per_slice: std::sync::atomic::AtomicUsize,
}

impl<'a> Slices<'a> {
    /// `n` slices of a file of `size` bytes; the first (with the header)
    /// decides the lens.
    fn open(
        path: &'a Path,
        opts: &'a LoadOptions,
        size: u64,
        n: usize,
    ) -> Result<Self, InputError> {
        let name = path.display().to_string();
        let unreadable = |e: std::io::Error| InputError {
            file: name.clone(),
            line: 0,
            field: None,
            message: format!("cannot read: {e}"),
            fatal: true,
        };
        let cuts = split_points(path, size, n).map_err(unreadable)?;
        let header = RecordingReader::open(path)?.header().cloned();
        let lens = resolve_lens(&name, header.as_ref(), opts)?;
        let decoder = opts.decoder();
        Ok(Slices {
            path,
            name,
            cuts,
            header,
            lens,
            opts,
            decoder,
            defer_names: false,
            scan: std::sync::atomic::AtomicBool::new(true),
            per_slice: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn count(&self) -> usize {
        self.cuts.len() - 1
    }

    /// Reads slice `k`.
    fn read(&self, k: usize, progress: &mut dyn FnMut(&Ingest, u64)) -> Part {
        let (path, opts) = (self.path, self.opts);
        let mut reader = if k == 0 {
            let first_end = self.cuts[1];
            let f = std::fs::File::open(path).map_err(|e| InputError {
                file: self.name.clone(),
                line: 0,
                field: None,
                message: format!("cannot open: {e}"),
                fatal: true,
            })?;
            let input =
                std::io::BufReader::with_capacity(256 * 1024, std::io::Read::take(f, first_end));
            RecordingReader::from_reader_watched(
                self.name.clone(),
                Box::new(input),
                Some((path, first_end)),
            )?
        } else {
            RecordingReader::open_range(path, self.cuts[k], self.cuts[k + 1])?
        };
        let mut ingest = Ingest::new(self.lens.clone(), opts.keep_raw);
        if self.defer_names {
            ingest.defer_names();
            let seen = self.per_slice.load(std::sync::atomic::Ordering::Relaxed);
            ingest.store.reserve(seen + seen / 8);
        }
        let mut skips = Skips::default();
        let mut stage = Stage::new(self.decoder.clone());
        read_into(
            &mut reader,
            &mut ingest,
            opts,
            &mut stage,
            &mut skips,
            progress,
        )?;
        let lines = reader.lines_read();
        self.per_slice
            .fetch_max(ingest.store.len(), std::sync::atomic::Ordering::Relaxed);
        Ok((ingest.finish().0, skips, lines))
    }

    /// An error of the whole read (not of a line).
    fn failed(&self, message: String) -> InputError {
        InputError {
            file: self.name.clone(),
            line: 0,
            field: None,
            message,
            fatal: true,
        }
    }

    /// Reads slice `k` as [`Slices::read`] does, a panic becoming an error.
    fn read_caught(&self, k: usize, progress: &mut dyn FnMut(&Ingest, u64)) -> Part {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read(k, progress)))
            .unwrap_or_else(|_| Err(self.failed("a reader thread failed".into())))
    }

    /// On the first call, leaves the search for the file's schema lines to
    /// the first reader meeting a record that may need a schema
    /// ([`Decoder::defer_scan`]): a file of records that need none is read
    /// once, not twice.
    fn start_scan(&self) {
        if self.scan.swap(false, std::sync::atomic::Ordering::Relaxed) {
            let path = self.path.to_path_buf();
            self.decoder.defer_scan(Box::new(move |d: &Decoder| {
                scan_schema_lines(&path, d).map_err(|e| format!("cannot read: {e}"))
            }));
        }
    }

    /// The search's error, once the readers are done.
    fn scan_error(&self) -> Option<InputError> {
        self.decoder.finish_scan().map(|m| self.failed(m))
    }

    /// Reads slices `ks` at once (slice `ks.start` reporting progress).
    fn read_many(
        &self,
        ks: std::ops::Range<usize>,
        progress: &mut dyn FnMut(&Ingest, u64),
    ) -> Vec<Part> {
        std::thread::scope(|s| {
            self.start_scan();
            let handles: Vec<_> = (ks.start + 1..ks.end)
                .map(|k| s.spawn(move || self.read_caught(k, &mut |_, _| {})))
                .collect();
            let mut parts = vec![self.read_caught(ks.start, progress)];
            for h in handles {
                parts.push(
                    h.join()
                        .unwrap_or_else(|_| Err(self.failed("a reader thread failed".into()))),
                );
            }
            match self.scan_error() {
                Some(e) => vec![Err(e)],
                None => parts,
            }
        })
    }

    /// Reads every slice on `threads` readers, each taking the next slice
    /// as soon as it is done with one (no reader waits for a slower one),
    /// and gives them to `deliver(k, part)` on this thread in file order;
    /// `false` stops the read. Readers stay at most `threads + 1` slices
    /// ahead of the one delivered, so a slow `deliver` bounds the memory.
    /// The search for schema lines runs when a reader first needs it; its
    /// error, if any, comes at the end.
    fn stream(
        &self,
        threads: usize,
        deliver: &mut dyn FnMut(usize, Part) -> bool,
    ) -> Result<(), InputError> {
        use std::sync::{Condvar, Mutex};
        struct Queue {
            /// The next slice to claim, and how many were delivered.
            next: usize,
            delivered: usize,
            stop: bool,
            done: std::collections::BTreeMap<usize, Part>,
        }
        let queue = Mutex::new(Queue {
            next: 0,
            delivered: 0,
            stop: false,
            done: Default::default(),
        });
        /// Stops the readers when dropped: after the last slice, and when
        /// `deliver` panics (the scope then joins readers that would
        /// otherwise wait for a slice to be delivered).
        struct Stop<'q>(&'q Mutex<Queue>, &'q Condvar);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
                self.1.notify_all();
            }
        }
        let (claimable, finished) = (Condvar::new(), Condvar::new());
        let lock = || queue.lock().unwrap_or_else(|e| e.into_inner());
        let ahead = threads + 1;
        std::thread::scope(|s| {
            let _stop = Stop(&queue, &claimable);
            self.start_scan();
            for _ in 0..threads.max(1) {
                s.spawn(|| {
                    yield_to_the_analysis();
                    loop {
                        let k = {
                            let mut q = lock();
                            loop {
                                if q.stop || q.next >= self.count() {
                                    return;
                                }
                                if q.next < q.delivered + ahead {
                                    break;
                                }
                                q = claimable.wait(q).unwrap_or_else(|e| e.into_inner());
                            }
                            q.next += 1;
                            q.next - 1
                        };
                        let part = self.read_caught(k, &mut |_, _| {});
                        lock().done.insert(k, part);
                        finished.notify_all();
                    }
                });
            }
            for k in 0..self.count() {
                let part = {
                    let mut q = lock();
                    loop {
                        if let Some(p) = q.done.remove(&k) {
                            break p;
                        }
                        q = finished.wait(q).unwrap_or_else(|e| e.into_inner());
                    }
                };
                let go = deliver(k, part);
                let mut q = lock();
                q.delivered = k + 1;
                q.stop |= !go;
                drop(q);
                claimable.notify_all();
                if !go {
                    break;
                }
            }
            // The search's error, if it failed (the readers then went on
            // without the schemas it had not found).
            self.scan_error().map_or(Ok(()), Err)
        })
    }
}

/// Reads a file in `threads` slices at once and joins them (see
/// [`merge_parts`]).
fn load_parallel(
    path: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&Ingest, u64),
    size: u64,
    threads: usize,
) -> Result<Loaded, InputError> {
    let slices = Slices::open(path, opts, size, threads)?;
    // Slice 0 reports for all: its bytes and events scaled to the file.
    let first_end = slices.cuts[1];
    let scale = size as f64 / first_end.max(1) as f64;
    let parts = slices.read_many(0..slices.count(), &mut |ing, bytes| {
        progress(ing, (bytes as f64 * scale) as u64)
    });
    let (store, skips) = merge_parts(parts)?;
    Ok(Loaded::of(store, slices.lens, slices.header, skips))
}

/// How a streamed read cuts the file.
#[derive(Clone, Copy, Debug)]
pub struct Chunks {
    /// Events per chunk of a compressed or small file.
    pub events: usize,
    /// Bytes per slice of a plain file over 8 MiB (a chunk is one slice
    /// per core, read at once).
    pub bytes: u64,
}

impl Default for Chunks {
    fn default() -> Self {
        Chunks {
            events: 1 << 16,
            bytes: 32 << 20,
        }
    }
}

/// What a streamed read found besides its events.
pub struct Streamed {
    pub lens: Lens,
    pub header: Option<Header>,
    /// Lines skipped by `--lenient`.
    pub skipped: u64,
    /// The first ten skipped lines (line, problem).
    pub first_skipped: Vec<(u64, String)>,
}

/// Lowers the calling thread's priority (Linux: nice 5), so that the
/// analysis of the slices read so far runs before more are read: the
/// readers then never get far ahead, and the analysis does not trail alone
/// on one core once they are done.
fn yield_to_the_analysis() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take integers and touch no memory of
    // ours; a failure leaves the priority as it was, which is harmless.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 5);
    }
}

/// One chunk of a streamed read, for [`stream_recording`]'s `on_chunk`.
pub struct Chunk<'a> {
    /// The chunk's events, a store of their own (to append to a window,
    /// which interns the names a chunk may have left: [`EventStore::append`],
    /// else [`EventStore::resolve_names`]).
    pub events: EventStore,
    pub lens: &'a Lens,
    pub header: Option<&'a Header>,
    /// No chunk follows. (The last one may also come with `false` when the
    /// reader cannot know it is.)
    pub last: bool,
}

/// Reads a recording chunk by chunk, in file order: `on_chunk` gets each
/// chunk (`false` stops the read); `progress(bytes)` says how far. Plain
/// files are read in slices, as many at once as there are cores.
pub fn stream_recording(
    path: &Path,
    opts: &LoadOptions,
    chunks: Chunks,
    progress: &mut dyn FnMut(u64),
    on_chunk: &mut dyn FnMut(Chunk<'_>) -> bool,
) -> Result<Streamed, InputError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let threads = crate::model::threads();
    let mut skips = Skips::default();
    if threads > 1 && size > 8 << 20 && RecordingReader::is_plain(path) {
        let n = (size / chunks.bytes.max(1) + 1).max(threads as u64) as usize;
        let mut slices = Slices::open(path, opts, size, n)?;
        // Each slice's names are interned once, by the window it joins.
        slices.defer_names = true;
        let mut line_base = 0u64;
        let mut failed = None;
        let scanned = slices.stream(threads, &mut |k, part| {
            progress(slices.cuts[k + 1]);
            // Each slice is a chunk of its own (appended once, to the window).
            match merge_parts_from(vec![part], &mut line_base, &mut skips) {
                Ok(events) => on_chunk(Chunk {
                    events,
                    lens: &slices.lens,
                    header: slices.header.as_ref(),
                    last: k + 1 == slices.count(),
                }),
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        scanned?;
        return Ok(Streamed {
            lens: slices.lens,
            header: slices.header,
            skipped: skips.count,
            first_skipped: skips.first,
        });
    }
    let mut reader = RecordingReader::open(path)?;
    let header = reader.header().cloned();
    let lens = resolve_lens(reader.name(), header.as_ref(), opts)?;
    let mut ingest = Ingest::new(lens.clone(), opts.keep_raw);
    let mut stage = Stage::new(opts.decoder());
    let mut go = true;
    let mut full = |ing: &mut Ingest| {
        let fresh = Ingest::new(lens.clone(), opts.keep_raw);
        let chunk = std::mem::replace(ing, fresh).finish().0;
        go = on_chunk(Chunk {
            events: chunk,
            lens: &lens,
            header: header.as_ref(),
            last: false,
        });
        go
    };
    read_chunked(
        &mut reader,
        &mut ingest,
        opts,
        (&mut stage, &mut skips),
        &mut |_, bytes| progress(bytes),
        Some((chunks.events.max(1), &mut full)),
    )?;
    if go && !ingest.store.is_empty() {
        on_chunk(Chunk {
            events: ingest.finish().0,
            lens: &lens,
            header: header.as_ref(),
            last: true,
        });
    }
    Ok(Streamed {
        lens,
        header,
        skipped: skips.count,
        first_skipped: skips.first,
    })
}

/// The slices' stores joined in file order, their line numbers (events',
/// skipped lines' and the first error's) counted from the file's start.
fn merge_parts(parts: Vec<Part>) -> Result<(EventStore, Skips), InputError> {
    let mut skips = Skips::default();
    let store = merge_parts_from(parts, &mut 0, &mut skips)?;
    Ok((store, skips))
}

/// [`merge_parts`] of slices that start `line_base` lines into the file
/// (advanced past them), their skipped lines added to `skips`.
fn merge_parts_from(
    parts: Vec<Part>,
    line_base_ref: &mut u64,
    skips: &mut Skips,
) -> Result<EventStore, InputError> {
    let mut store: Option<EventStore> = None;
    let mut line_base = *line_base_ref;
    for part in parts {
        match part {
            Err(mut e) => {
                if e.line > 0 {
                    e.line += line_base;
                }
                return Err(e);
            }
            Ok((mut st, sk, lines)) => {
                for l in &mut st.line {
                    *l = l.saturating_add(line_base.min(u32::MAX as u64) as u32);
                }
                skips.count += sk.count;
                for (l, m) in sk.first {
                    if skips.first.len() < 10 {
                        skips.first.push((l + line_base, m));
                    }
                }
                line_base += lines;
                match &mut store {
                    None => store = Some(st),
                    Some(s) => s.append(st),
                }
            }
        }
    }
    *line_base_ref = line_base;
    Ok(store.unwrap_or_default())
}
