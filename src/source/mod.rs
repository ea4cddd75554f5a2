//! Sources: where records come from (recording files, built-in scenarios,
//! live Kafka). Each adapter turns its input into [`Record`]s for the lens.

pub mod kafka;
pub mod recording;
pub mod synth;

use crate::model::lens::LensConfig;
use crate::model::{EventStore, Ingest, Lens};
use recording::{parse_record, Header, InputError, RecordingReader};
use std::path::Path;

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
            Lens::compile(l.clone()).map_err(|m| InputError {
                file: file.into(),
                line: 1,
                field: Some("lens".into()),
                message: m,
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
    Lens::compile(cfg).map_err(|m| InputError {
        file: if opts.lens_origin.is_empty() {
            "command line".into()
        } else {
            opts.lens_origin.clone()
        },
        line: 0,
        field: None,
        message: m,
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
    let threads = std::env::var("KORD_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 8);
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
    read_into(&mut reader, &mut ingest, opts, &mut skips, progress)?;
    let (mut store, lens) = ingest.finish();
    store.bound_partitions(header.as_ref().and_then(|h| h.partitions));
    Ok(Loaded {
        store,
        lens,
        header,
        skipped: skips.count,
        first_skipped: skips.first,
    })
}

/// Lines skipped by `--lenient`.
#[derive(Default)]
struct Skips {
    count: u64,
    first: Vec<(u64, String)>,
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
    skips: &mut Skips,
    progress: &mut dyn FnMut(&Ingest, u64),
) -> Result<(), InputError> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        match reader.next_line(&mut buf) {
            Ok(false) => break,
            Ok(true) => match parse_record(&buf) {
                Ok(rec) => {
                    ingest.push(&rec, reader.line(), opts.keep_raw.then_some(&buf[..]));
                    if ingest.store.len() % 65_536 == 0 {
                        progress(ingest, reader.bytes_read);
                    }
                }
                Err(le) => {
                    let e = reader.line_error(le);
                    skips.skip(e, opts.lenient)?;
                }
            },
            Err(e) => skips.skip(e, opts.lenient)?,
        }
    }
    progress(ingest, reader.bytes_read);
    Ok(())
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

fn load_parallel(
    path: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&Ingest, u64),
    size: u64,
    threads: usize,
) -> Result<Loaded, InputError> {
    let name = path.display().to_string();
    let cuts = split_points(path, size, threads).map_err(|e| InputError {
        file: name.clone(),
        line: 0,
        field: None,
        message: format!("cannot read: {e}"),
        fatal: true,
    })?;
    // The first slice carries the header, so it decides the lens.
    let header = RecordingReader::open(path)?.header().cloned();
    let lens = resolve_lens(&name, header.as_ref(), opts)?;
    let first_end = cuts.get(1).copied().unwrap_or(size);
    type Part = Result<(EventStore, Skips, u64), InputError>;
    let read_part = |k: usize, progress: &mut dyn FnMut(&Ingest, u64)| -> Part {
        let mut reader = if k == 0 {
            let f = std::fs::File::open(path).map_err(|e| InputError {
                file: name.clone(),
                line: 0,
                field: None,
                message: format!("cannot open: {e}"),
                fatal: true,
            })?;
            let input =
                std::io::BufReader::with_capacity(256 * 1024, std::io::Read::take(f, first_end));
            RecordingReader::from_reader(name.clone(), Box::new(input))?
        } else {
            RecordingReader::open_range(path, cuts[k], cuts[k + 1])?
        };
        let mut ingest = Ingest::new(lens.clone(), opts.keep_raw);
        let mut skips = Skips::default();
        read_into(&mut reader, &mut ingest, opts, &mut skips, progress)?;
        let lines = reader.lines_read();
        Ok((ingest.finish().0, skips, lines))
    };
    let parts: Vec<Part> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..cuts.len() - 1)
            .map(|k| s.spawn(move || read_part(k, &mut |_, _| {})))
            .collect();
        let mut parts = vec![read_part(0, progress)];
        for h in handles {
            parts.push(h.join().unwrap_or_else(|_| {
                Err(InputError {
                    file: name.clone(),
                    line: 0,
                    field: None,
                    message: "a reader thread failed".into(),
                    fatal: true,
                })
            }));
        }
        parts
    });
    let mut store: Option<EventStore> = None;
    let mut skips = Skips::default();
    let mut line_base = 0u64;
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
    let mut store = store.unwrap_or_default();
    store.bound_partitions(header.as_ref().and_then(|h| h.partitions));
    Ok(Loaded {
        store,
        lens,
        header,
        skipped: skips.count,
        first_skipped: skips.first,
    })
}
