//! Live mode (`kord live -b -t`): the state of the Kafka source as the TUI
//! shows it, and the rebuild of the view from the records received. Must
//! not draw, or talk to the broker (the source thread does).
//!
//! The UI loop drains the source's channel with `try_recv` and hands each
//! [`SourceEvent`] to `App::on_source`, which only moves records into a
//! buffer and notes connection state, watermarks and the group. At most
//! about once a second `App::take_live_job` hands the buffered records to a
//! [`LiveJob`], which a worker runs: it pushes them through the lens into
//! the live [`Ingest`] (the same path recordings take), drops the oldest
//! events past the window, and builds a fresh [`Dataset`] and
//! [`StrategyView`]. The result comes back as [`LiveUpdate`] and
//! `App::on_live` swaps it in, following the live end when the cursor was
//! there, else keeping the user's place. Those `App` methods live in
//! `app/live.rs`: this module changes no app state and draws nothing.

use super::data::{Dataset, StrategyView};
use crate::model::{EventStore, Ingest, Interner, Lens, Record, RecordBuf, NONE};
use crate::source::kafka::group::GroupSnapshot;
use crate::source::kafka::live::SourceEvent;
use crate::source::kafka::reader::PartitionMarks;
use crate::source::Loaded;
use crate::strategy::StrategyKind;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Events a live session keeps by default (`--window`).
pub const DEFAULT_WINDOW: usize = 200_000;

/// How often the view is rebuilt from new records, at most.
pub const REBUILD_EVERY: Duration = Duration::from_secs(1);

/// The connection as last reported by the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveConn {
    Connecting,
    Connected,
    Disconnected(String),
    /// The source stopped for good; what was loaded stays browsable.
    Stopped(String),
}

/// The events kept so far: the live ingest (lens, interned ids) and counts.
pub struct LiveAccumulator {
    pub ingest: Ingest,
    /// Records received in total (also the line number of the last one).
    pub received: u64,
    /// Events dropped from the front by the window.
    pub dropped: u64,
    /// The decoding stage (`--schema-registry`, `--avro-schema`, `--proto`).
    stage: Option<crate::decode::Stage>,
    /// `--where EXPR`: asked after decoding, so it sees what the user sees.
    filter: Option<crate::filter::RecordFilter>,
}

impl LiveAccumulator {
    /// An empty accumulator reading through `lens`.
    pub fn new(lens: Lens) -> LiveAccumulator {
        LiveAccumulator {
            ingest: Ingest::new(lens, true),
            received: 0,
            dropped: 0,
            stage: crate::decode::session().map(crate::decode::Stage::new),
            filter: None,
        }
    }

    /// Pushes records through the lens, then keeps at most `window` events
    /// (0: all). Returns how many events were dropped from the front.
    pub fn push(&mut self, records: &Incoming, skipped: u64, window: usize) -> usize {
        self.received += skipped;
        let mut raw = Vec::with_capacity(1024);
        records.for_each(|r| {
            self.received += 1;
            raw.clear();
            r.write_json_line(&mut raw);
            crate::source::ingest_record(
                &mut self.ingest,
                self.stage.as_mut(),
                self.filter.as_ref(),
                r,
                self.received,
                Some(&raw),
                &[],
            );
        });
        let len = self.ingest.store.len();
        let mut cut = 0;
        if window > 0 && len > window {
            cut = len - window;
            self.ingest.store.drop_front(cut);
            self.dropped += cut as u64;
            if compact_entities(&mut self.ingest.store) {
                self.ingest.ids_renumbered();
            }
        }
        cut + skipped as usize
    }
}

/// Forgets entity and key names no kept event uses any more, once they are
/// most of the table (a long session over ever-new entities would otherwise
/// grow rows without events). Says whether it renumbered them.
fn compact_entities(store: &mut EventStore) -> bool {
    fn remap(ids: &mut [u32], table: &mut Interner) {
        let mut used = vec![NONE; table.len()];
        let mut fresh = Interner::default();
        for id in ids.iter_mut() {
            if *id == NONE {
                continue;
            }
            let Some(slot) = used.get_mut(*id as usize) else {
                continue;
            };
            if *slot == NONE {
                *slot = fresh.intern(table.name(*id));
            }
            *id = *slot;
        }
        *table = fresh;
    }
    let live = {
        let mut seen = vec![false; store.entities.len()];
        let mut n = 0usize;
        for &e in &store.entity {
            if let Some(s) = seen.get_mut(e as usize) {
                if !*s {
                    *s = true;
                    n += 1;
                }
            }
        }
        n
    };
    if store.entities.len() > 2 * live + 1024 {
        remap(&mut store.entity, &mut store.entities);
        remap(&mut store.key, &mut store.keys);
        return true;
    }
    false
}

/// Records received and not yet in the view, packed as the source sent
/// them ([`RecordBuf`] batches), the oldest first.
#[derive(Debug, Default)]
pub struct Incoming {
    bufs: VecDeque<RecordBuf>,
    /// Records of the front batch already cut (past the window).
    skip: usize,
    len: usize,
}

impl Incoming {
    /// Appends a batch.
    pub fn push(&mut self, b: RecordBuf) {
        self.len += b.len();
        if !b.is_empty() {
            self.bufs.push_back(b);
        }
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps the newest `keep` records; returns how many were cut.
    pub fn keep_last(&mut self, keep: usize) -> usize {
        let cut = self.len.saturating_sub(keep);
        let mut left = cut;
        while left > 0 {
            let Some(front) = self.bufs.front() else {
                break;
            };
            let rest = front.len() - self.skip;
            if rest <= left {
                left -= rest;
                self.bufs.pop_front();
                self.skip = 0;
            } else {
                self.skip += left;
                left = 0;
            }
        }
        self.len -= cut - left;
        cut - left
    }

    /// Hands each record to `f`, oldest first.
    pub fn for_each(&self, mut f: impl FnMut(&Record<'_>)) {
        for (i, b) in self.bufs.iter().enumerate() {
            if i == 0 && self.skip > 0 {
                (self.skip..b.len())
                    .filter_map(|k| b.get(k))
                    .for_each(|r| f(&r));
            } else {
                let _ = b.try_for_each(|r| {
                    f(r);
                    Ok::<(), std::convert::Infallible>(())
                });
            }
        }
    }
}

/// Work for a worker: ingest new records and rebuild the view.
pub struct LiveJob {
    pub acc: Arc<Mutex<LiveAccumulator>>,
    pub records: Incoming,
    /// Records that arrived but were dropped before ingest (past the window).
    pub skipped: u64,
    pub window: usize,
    /// The topic's partition count as last reported.
    pub partitions: u32,
    pub name: String,
    /// None: the lens's default strategy (the first build without `--strategy`).
    pub strategy: Option<StrategyKind>,
    pub consumers: Option<u32>,
}

/// A rebuilt live view.
pub struct LiveUpdate {
    pub ds: Arc<Dataset>,
    pub view: Arc<StrategyView>,
    /// Events dropped from the front by this rebuild (indices shift by it).
    pub dropped: usize,
    pub received: u64,
}

impl LiveJob {
    /// Runs the job (on a worker; tests call it inline).
    pub fn run(self) -> LiveUpdate {
        let started = Instant::now();
        let new = self.records.len();
        let (loaded, dropped, received) = {
            let mut acc = match self.acc.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            let dropped = acc.push(&self.records, self.skipped, self.window);
            acc.ingest.set_partitions(self.partitions);
            let loaded = Loaded {
                store: acc.ingest.store.clone(),
                lens: acc.ingest.lens.clone(),
                header: None,
                skipped: 0,
                first_skipped: Vec::new(),
            };
            (loaded, dropped, acc.received)
        };
        let (ds, view) = super::prepare(loaded, self.name, self.strategy, self.consumers);
        tracing::debug!(
            new,
            dropped,
            events = ds.len(),
            ms = started.elapsed().as_millis() as u64,
            "live view rebuilt"
        );
        LiveUpdate {
            ds,
            view,
            dropped,
            received,
        }
    }
}

/// What the live view knows about its source.
pub struct LiveState {
    /// `kafka://BROKERS/TOPIC`.
    pub name: String,
    pub conn: LiveConn,
    /// Partition count as last reported (Connected, NewPartitions).
    pub partitions: u32,
    /// Latest watermarks, by partition.
    pub marks: Vec<PartitionMarks>,
    pub events_per_sec: f64,
    /// Records the source holds because the UI has not taken them yet.
    pub behind: usize,
    /// Records received so far (including those the window dropped).
    pub received: u64,
    /// Events kept at most (0: all).
    pub window: usize,
    pub group: Option<GroupSnapshot>,
    /// The observed group's name (`--group`), before its first snapshot.
    pub group_name: Option<String>,
    /// Records received and not yet in the view.
    pub incoming: Incoming,
    /// Records dropped from `incoming` because they were past the window.
    pub incoming_skipped: u64,
    /// A `--where` filter is on (see [`LiveState::with_filter`]).
    pub filtered: bool,
    /// Partitions or connection changed: rebuild even without records.
    pub dirty: bool,
    pub in_flight: bool,
    pub last_rebuild: Option<Instant>,
    pub rebuild_every: Duration,
    pub acc: Arc<Mutex<LiveAccumulator>>,
    /// The strategy of the first view (`--strategy`; None: the lens's default).
    pub first_strategy: Option<StrategyKind>,
    /// kord's and the group's lag over the last minutes, and the time lag.
    pub lag: crate::detect::lag_trend::LagHistory,
}

impl LiveState {
    /// A live state before the first event.
    pub fn new(name: String, lens: Lens, window: usize, group: Option<String>) -> LiveState {
        LiveState {
            name,
            conn: LiveConn::Connecting,
            partitions: 0,
            marks: Vec::new(),
            events_per_sec: 0.0,
            behind: 0,
            received: 0,
            window,
            group: None,
            group_name: group,
            incoming: Incoming::default(),
            incoming_skipped: 0,
            filtered: false,
            dirty: true,
            in_flight: false,
            last_rebuild: None,
            rebuild_every: REBUILD_EVERY,
            acc: Arc::new(Mutex::new(LiveAccumulator::new(lens))),
            first_strategy: None,
            lag: Default::default(),
        }
    }

    /// Keeps only the records `filter` (`--where`) matches, decoded first.
    /// Records older than the window are then not dropped before ingest,
    /// since the filter decides which of them would be kept.
    pub fn with_filter(mut self, filter: Option<crate::filter::RecordFilter>) -> LiveState {
        self.filtered = filter.is_some();
        match self.acc.lock() {
            Ok(mut acc) => acc.filter = filter,
            Err(p) => p.into_inner().filter = filter,
        }
        self
    }

    /// The watermarks of partition `p`, if reported.
    pub fn marks_of(&self, p: u32) -> Option<&PartitionMarks> {
        self.marks.iter().find(|m| m.partition as u32 == p)
    }

    /// kord's own lag over all partitions.
    pub fn total_lag(&self) -> i64 {
        self.marks.iter().map(PartitionMarks::lag).sum()
    }
}

/// What `kord live` hands the TUI: the started source and the initial state.
pub struct LiveInput {
    pub rx: tokio::sync::mpsc::Receiver<SourceEvent>,
    pub handle: crate::source::kafka::live::KafkaHandle,
    pub state: LiveState,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Payload;
    use std::borrow::Cow;

    fn batch(offsets: std::ops::Range<i64>) -> RecordBuf {
        let mut b = RecordBuf::default();
        for o in offsets {
            b.push(&Record {
                topic: Some(Cow::Borrowed("t")),
                partition: 0,
                offset: o,
                ts: None,
                headers: vec![],
                key: Payload::Text(Cow::Owned(format!("k{o}"))),
                payload: Payload::Text(Cow::Owned(format!("{{\"n\":{o}}}"))),
            });
        }
        b
    }

    fn offsets(inc: &Incoming) -> Vec<i64> {
        let mut out = Vec::new();
        inc.for_each(|r| out.push(r.offset));
        out
    }

    /// Records of entities `e{n}` (the key) for each n.
    fn keyed(ns: impl Iterator<Item = i64>) -> Incoming {
        let mut b = RecordBuf::default();
        for (o, n) in ns.enumerate() {
            b.push(&Record {
                topic: Some(Cow::Borrowed("t")),
                partition: 0,
                offset: o as i64,
                ts: None,
                headers: vec![],
                key: Payload::Text(Cow::Owned(format!("e{n}"))),
                payload: Payload::Text(Cow::Owned(format!("{{\"n\":{n}}}"))),
            });
        }
        let mut inc = Incoming::default();
        inc.push(b);
        inc
    }

    #[test]
    fn a_compacted_window_keeps_each_events_key() {
        let mut acc = LiveAccumulator::new(Lens::default());
        acc.push(&keyed(0..5000), 0, 1000);
        // The window dropped 4000 entities: their names were compacted.
        assert!(acc.ingest.store.entities.len() < 5000);
        acc.push(&keyed((4500..5500).chain(0..500)), 0, 1000);
        let s = &acc.ingest.store;
        assert_eq!(s.len() - s.first_kept(), 1000);
        for i in s.first_kept()..s.len() {
            assert_eq!(s.key_name(i), Some(s.entity_name(i)), "event {i}");
        }
    }

    #[test]
    fn incoming_keeps_the_newest_records_across_batches() {
        let mut inc = Incoming::default();
        inc.push(batch(0..3));
        inc.push(batch(3..7));
        inc.push(RecordBuf::default());
        inc.push(batch(7..10));
        assert_eq!(inc.len(), 10);
        assert_eq!(offsets(&inc), (0..10).collect::<Vec<_>>());
        // Cuts the first batch and part of the second.
        assert_eq!(inc.keep_last(5), 5);
        assert_eq!(inc.len(), 5);
        assert_eq!(offsets(&inc), (5..10).collect::<Vec<_>>());
        assert_eq!(inc.keep_last(5), 0);
        assert_eq!(inc.keep_last(1), 4);
        assert_eq!(offsets(&inc), vec![9]);
        assert_eq!(inc.keep_last(0), 1);
        assert!(inc.is_empty());
        assert!(offsets(&inc).is_empty());
    }
}
