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

/// Reads a whole recording through the lens, calling `progress(events, bytes)`
/// every 64k events.
pub fn load_recording(
    path: &Path,
    opts: &LoadOptions,
    progress: &mut dyn FnMut(&Ingest, u64),
) -> Result<Loaded, InputError> {
    let mut reader = RecordingReader::open(path)?;
    let header = reader.header().cloned();
    let lens = resolve_lens(reader.name(), header.as_ref(), opts)?;
    let mut ingest = Ingest::new(lens, opts.keep_raw);
    if let Some(p) = header.as_ref().and_then(|h| h.partitions) {
        ingest.set_partitions(p);
    }
    let mut skipped = 0u64;
    let mut first_skipped = Vec::new();
    let mut buf = Vec::with_capacity(4096);
    let skip = |e: InputError,
                skipped: &mut u64,
                first: &mut Vec<(u64, String)>|
     -> Result<(), InputError> {
        if !opts.lenient || e.fatal {
            return Err(e);
        }
        *skipped += 1;
        if first.len() < 10 {
            let what = match &e.field {
                Some(f) => format!("field `{f}`: {}", e.message),
                None => e.message.clone(),
            };
            first.push((e.line, what));
        }
        Ok(())
    };
    loop {
        match reader.next_line(&mut buf) {
            Ok(false) => break,
            Ok(true) => match parse_record(&buf) {
                Ok(rec) => {
                    ingest.push(&rec, reader.line(), Some(&buf));
                    if ingest.store.len() % 65_536 == 0 {
                        progress(&ingest, reader.bytes_read);
                    }
                }
                Err(le) => {
                    let e = reader.line_error(le);
                    skip(e, &mut skipped, &mut first_skipped)?;
                }
            },
            Err(e) => skip(e, &mut skipped, &mut first_skipped)?,
        }
    }
    progress(&ingest, reader.bytes_read);
    let (store, lens) = ingest.finish();
    Ok(Loaded {
        store,
        lens,
        header,
        skipped,
        first_skipped,
    })
}
