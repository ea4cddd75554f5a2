//! The stream as the views read it: the store, its stream findings (run
//! once by the detectors), per-entity and per-partition indexes, and where
//! the inspector finds a raw record. Built once per load, off the UI loop.
//! Must not import the TUI, the CLI or any adapter; it reads a file only to
//! fetch one raw record for the inspector.

use super::timeline::{Marker, Note};
use crate::detect::{Detector, Kind, Load};
use crate::model::{EventStore, Lens, NONE};
use crate::sim::whatif::{repartition, WhatIf};
use crate::strategy::StrategyKind;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// Per-event stream-finding bits (for highlights).
pub mod mark {
    pub const GAP: u8 = 1;
    pub const OUT_OF_ORDER: u8 = 2;
    pub const DUPLICATE: u8 = 4;
    pub const PHANTOM: u8 = 8;
    pub const SPLIT: u8 = 16;
    pub const SKEW: u8 = 32;
    pub const OTHER: u8 = 64;
}

/// The stream as the views need it. Built once per load.
pub struct Dataset {
    /// What was loaded (file name or `demo: SCENARIO`).
    pub source: String,
    pub note: Option<String>,
    pub store: EventStore,
    pub lens: Lens,
    /// Strategies offered (the built-ins, plus hybrid when the lens has one).
    pub strategies: Vec<StrategyKind>,
    /// The strategy to show first.
    pub default_strategy: StrategyKind,
    /// Consumers asked for on the command line.
    pub consumers: Option<u32>,
    /// Events of entity `e`: `ent_events[ent_start[e]..ent_start[e+1]]`, ascending.
    pub ent_start: Vec<u32>,
    pub ent_events: Vec<u32>,
    /// Events of partition `p`, likewise.
    pub part_start: Vec<u32>,
    pub part_events: Vec<u32>,
    /// Stream findings per entity.
    pub ent_findings: Vec<u32>,
    /// Entity flags (`mark::SPLIT`, `mark::PHANTOM`, `mark::GAP`).
    pub ent_marks: Vec<u8>,
    /// Stream-finding bits per event.
    pub marks: Vec<u8>,
    /// Stream findings, by `at` (their words in `stream_details`).
    pub stream_markers: Vec<Marker>,
    /// The words of each stream finding, indexed by [`Note::Stream`].
    pub stream_details: Vec<String>,
    pub load: Load,
    /// The stream findings' counts (what the advisor reads).
    pub stream_counts: crate::detect::StreamCounts,
    /// Unfilled gaps: (event, missing version).
    pub unfilled: Vec<(u32, i64)>,
    /// Where the inspector reads raw records when the store does not keep
    /// them: an uncompressed file and the byte offset of each line's start.
    pub raw_file: Option<(PathBuf, Vec<u64>)>,
    /// Under a re-partitioning what-if: each event's recorded partition and
    /// offset (the store holds the what-if's).
    pub recorded_at: Option<(Vec<u32>, Vec<i64>)>,
}

fn csr(n_groups: usize, groups: impl Iterator<Item = u32>, len: usize) -> (Vec<u32>, Vec<u32>) {
    let groups: Vec<u32> = groups.collect();
    let mut start = vec![0u32; n_groups + 1];
    for &g in &groups {
        if (g as usize) < n_groups {
            start[g as usize + 1] += 1;
        }
    }
    for i in 0..n_groups {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut events = vec![0u32; start[n_groups] as usize];
    for (i, &g) in groups.iter().enumerate().take(len) {
        if (g as usize) < n_groups {
            events[fill[g as usize] as usize] = i as u32;
            fill[g as usize] += 1;
        }
    }
    (start, events)
}

impl Dataset {
    /// Indexes a stream and runs the stream detectors. `note` is the
    /// recording header's note.
    pub fn build(
        store: EventStore,
        lens: Lens,
        note: Option<String>,
        source: String,
        consumers: Option<u32>,
    ) -> Dataset {
        Dataset::build_beside(store, lens, (note, source, consumers), |_, _| ()).0
    }

    /// As [`Dataset::build`] (`about`: the note, the source, the consumers),
    /// with `side` run on the stream on a thread beside the detectors (a
    /// view's simulation: the first view is ready sooner).
    pub fn build_beside<T: Send>(
        store: EventStore,
        lens: Lens,
        about: (Option<String>, String, Option<u32>),
        side: impl FnOnce(&EventStore, &Lens) -> T + Send,
    ) -> (Dataset, T) {
        let (note, source, consumers) = about;
        let (ix, t) = if crate::model::threads() > 1 {
            std::thread::scope(|s| {
                let h = s.spawn(|| side(&store, &lens));
                let ix = Indexed::of(&store, &lens);
                (
                    ix,
                    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                )
            })
        } else {
            (Indexed::of(&store, &lens), side(&store, &lens))
        };
        let strategies = StrategyKind::all_for(&lens);
        let default_strategy = StrategyKind::default_for(&lens);
        let ds = Dataset {
            source,
            note,
            store,
            lens,
            strategies,
            default_strategy,
            consumers,
            ent_start: ix.ent_start,
            ent_events: ix.ent_events,
            part_start: ix.part_start,
            part_events: ix.part_events,
            ent_findings: ix.ent_findings,
            ent_marks: ix.ent_marks,
            marks: ix.marks,
            stream_markers: ix.stream_markers,
            stream_details: ix.stream_details,
            load: ix.load,
            stream_counts: ix.stream_counts,
            unfilled: ix.unfilled,
            raw_file: None,
            recorded_at: None,
        };
        (ds, t)
    }
}

/// What [`Dataset::build`] computes of a stream: its indexes and the
/// stream detectors' findings.
struct Indexed {
    ent_start: Vec<u32>,
    ent_events: Vec<u32>,
    part_start: Vec<u32>,
    part_events: Vec<u32>,
    ent_findings: Vec<u32>,
    ent_marks: Vec<u8>,
    marks: Vec<u8>,
    stream_markers: Vec<Marker>,
    stream_details: Vec<String>,
    load: Load,
    stream_counts: crate::detect::StreamCounts,
    unfilled: Vec<(u32, i64)>,
}

impl Indexed {
    fn of(store: &EventStore, lens: &Lens) -> Indexed {
        let n = store.len();
        let n_ent = store.entity_count();
        let (ent_start, ent_events) = csr(n_ent, store.entity.iter().copied(), n);
        let n_part = store.partitions.max(1) as usize;
        let (part_start, part_events) = csr(n_part, store.partition.iter().copied(), n);
        let mut det = Detector::for_store(store, lens);
        det.observe_range(store, 0, n);
        let load = det.finish(store);
        let stream_counts = det.counts.clone();
        let unfilled = det
            .unfilled()
            .into_iter()
            .map(|(e, missing, _)| (e, missing))
            .collect();
        let mut marks = vec![0u8; n];
        let mut ent_findings = vec![0u32; n_ent];
        let mut ent_marks = vec![0u8; n_ent];
        let mut stream_markers = Vec::with_capacity(det.findings.len());
        let mut stream_details = Vec::with_capacity(det.findings.len());
        for f in det.findings.drain(..) {
            let Some(ev) = f.event else { continue };
            let bit = match f.kind {
                Kind::VersionGap => mark::GAP,
                Kind::OutOfOrder => mark::OUT_OF_ORDER,
                Kind::Duplicate => mark::DUPLICATE,
                Kind::Phantom => mark::PHANTOM,
                Kind::SplitEntity => mark::SPLIT,
                Kind::ClockSkew => mark::SKEW,
                _ => mark::OTHER,
            };
            if let Some(m) = marks.get_mut(ev as usize) {
                *m |= bit;
            }
            let e = store.entity.get(ev as usize).copied().unwrap_or(NONE);
            if let Some(c) = ent_findings.get_mut(e as usize) {
                *c += 1;
            }
            if let Some(m) = ent_marks.get_mut(e as usize) {
                *m |= bit & (mark::SPLIT | mark::PHANTOM | mark::GAP);
            }
            stream_markers.push(Marker {
                at: ev,
                event: ev,
                kind: f.kind,
                note: Note::Stream(stream_details.len() as u32),
            });
            stream_details.push(f.detail);
        }
        stream_markers.sort_by_key(|m| m.at);
        Indexed {
            ent_start,
            ent_events,
            part_start,
            part_events,
            ent_findings,
            ent_marks,
            marks,
            stream_markers,
            stream_details,
            load,
            stream_counts,
            unfilled,
        }
    }
}

impl Dataset {
    /// The same stream laid out by a re-partitioning what-if: every event
    /// keeps its arrival index (so the cursor means the same event), only
    /// its partition changes.
    pub fn what_if(&self, w: &WhatIf) -> Dataset {
        let mut store = repartition(&self.store, w);
        store.raw = self.store.raw.clone();
        let mut ds = Dataset::build(
            store,
            self.lens.clone(),
            self.note.clone(),
            self.source.clone(),
            self.consumers,
        );
        ds.raw_file = self.raw_file.clone();
        ds.recorded_at = Some(
            self.recorded_at
                .clone()
                .unwrap_or_else(|| (self.store.partition.to_vec(), self.store.offset.to_vec())),
        );
        ds
    }

    /// Fixes for the hot partitions, each measured by re-partitioning (the
    /// report's suggestions), best spread first.
    pub fn suggestions(&self) -> Vec<crate::report::whatif::Suggestion> {
        let mut list = crate::report::whatif::suggestions(&self.store, &self.load);
        list.sort_by(|a, b| a.max_share.total_cmp(&b.max_share));
        list
    }

    /// Indexes the lines of an uncompressed recording so the inspector can
    /// read one record on demand instead of keeping every record in memory.
    /// Reads at most about `limit` bytes.
    pub fn index_lines(path: &Path, limit: u64) -> std::io::Result<Vec<u64>> {
        let mut f = std::fs::File::open(path)?;
        let mut starts = vec![0u64];
        let mut buf = vec![0u8; 1 << 20];
        let mut pos = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            starts.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| pos + i as u64 + 1));
            pos += n as u64;
            if pos >= limit {
                return Ok(starts);
            }
        }
        if starts.last() != Some(&pos) {
            starts.push(pos);
        }
        Ok(starts)
    }

    /// The raw text of event `i`: kept in the store, or read from the file.
    pub fn raw_record(&self, i: usize) -> Option<Vec<u8>> {
        if let Some(raw) = &self.store.raw {
            return raw.get(i).map(<[u8]>::to_vec);
        }
        let (path, starts) = self.raw_file.as_ref()?;
        let line = *self.store.line.get(i)? as usize;
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = *starts.get(line)?;
        let mut f = std::fs::File::open(path).ok()?;
        f.seek(std::io::SeekFrom::Start(start)).ok()?;
        let mut buf = vec![0u8; end.checked_sub(start)?.min(64 << 20) as usize];
        f.read_exact(&mut buf).ok()?;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Some(buf)
    }

    /// The recorded partition and offset of an event (under a what-if, not
    /// the store's).
    pub fn recorded_position(&self, i: usize) -> Option<(u32, i64)> {
        match &self.recorded_at {
            Some((p, o)) => Some((*p.get(i)?, *o.get(i)?)),
            None => Some((*self.store.partition.get(i)?, *self.store.offset.get(i)?)),
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the stream has no events.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The events of an entity, ascending.
    pub fn entity_events(&self, e: u32) -> &[u32] {
        let a = self.ent_start.get(e as usize).copied().unwrap_or(0) as usize;
        let b = self.ent_start.get(e as usize + 1).copied().unwrap_or(0) as usize;
        self.ent_events.get(a..b).unwrap_or(&[])
    }

    /// The events of a partition, ascending.
    pub fn partition_events(&self, p: u32) -> &[u32] {
        let a = self.part_start.get(p as usize).copied().unwrap_or(0) as usize;
        let b = self.part_start.get(p as usize + 1).copied().unwrap_or(0) as usize;
        self.part_events.get(a..b).unwrap_or(&[])
    }

    /// Number of events of partition `p` at or before the cursor.
    pub fn partition_events_upto(&self, p: u32, cursor: usize) -> usize {
        self.partition_events(p)
            .partition_point(|&e| e as usize <= cursor)
    }
}
