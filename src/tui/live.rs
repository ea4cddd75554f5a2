//! Live mode (`kord live -b -t`): the state of the Kafka source as the TUI
//! shows it, and the rebuild of the view from the records received.
//!
//! The UI loop drains the source's channel with `try_recv` and hands each
//! [`SourceEvent`] to [`App::on_source`], which only moves records into a
//! buffer and notes connection state, watermarks and the group. At most
//! about once a second [`App::take_live_job`] hands the buffered records to a
//! [`LiveJob`], which a worker runs: it pushes them through the lens into
//! the live [`Ingest`] (the same path recordings take), drops the oldest
//! events past the window, and builds a fresh [`Dataset`] and
//! [`StrategyView`]. The result comes back as [`LiveUpdate`] and
//! [`App::on_live`] swaps it in, following the live end when the cursor was
//! there, else keeping the user's place.

use super::app::{dispatch, Action, App, Focus};
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

/// A rebuild that has not answered after this long is given up on.
const STALE_REBUILD: Duration = Duration::from_secs(120);

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
}

impl LiveAccumulator {
    /// An empty accumulator reading through `lens`.
    pub fn new(lens: Lens) -> LiveAccumulator {
        LiveAccumulator {
            ingest: Ingest::new(lens, true),
            received: 0,
            dropped: 0,
            stage: crate::decode::session().map(crate::decode::Stage::new),
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
            match &mut self.stage {
                Some(stage) => {
                    let st = stage.apply(r);
                    let why = st.failure.as_deref();
                    self.ingest
                        .push_noted(&st.record, self.received, Some(&raw), why);
                }
                None => self.ingest.push(r, self.received, Some(&raw)),
            }
        });
        let len = self.ingest.store.len();
        let mut cut = 0;
        if window > 0 && len > window {
            cut = len - window;
            self.ingest.store.drop_front(cut);
            self.dropped += cut as u64;
            compact_entities(&mut self.ingest.store);
        }
        cut + skipped as usize
    }
}

/// Forgets entity and key names no kept event uses any more, once they are
/// most of the table (a long session over ever-new entities would otherwise
/// grow rows without events).
fn compact_entities(store: &mut EventStore) {
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
    }
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
            dirty: true,
            in_flight: false,
            last_rebuild: None,
            rebuild_every: REBUILD_EVERY,
            acc: Arc::new(Mutex::new(LiveAccumulator::new(lens))),
            first_strategy: None,
            lag: Default::default(),
        }
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

/// How long a rebuild waits for the view work (strategy, simulation, what-if
/// layout) the previous one started.
const HOLD_FOR_VIEW: Duration = Duration::from_secs(5);

impl App {
    /// Applies one event of the live source. Cheap: records are only buffered.
    pub fn on_source(&mut self, ev: SourceEvent) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        match ev {
            SourceEvent::Connected { partitions, .. } => {
                if matches!(live.conn, LiveConn::Disconnected(_)) {
                    self.status = Some(("connected again: reading resumes".into(), false));
                }
                live.conn = LiveConn::Connected;
                if partitions > live.partitions {
                    live.partitions = partitions;
                    live.dirty = true;
                }
            }
            SourceEvent::Records(batch) => {
                live.received += batch.len() as u64;
                live.lag
                    .on_records(batch.iter().map(|r| (r.partition, r.offset, r.ts)));
                live.incoming.push(batch);
                // Whatever is older than the window would be dropped anyway.
                if live.window > 0 && live.incoming.len() > live.window {
                    live.incoming_skipped += live.incoming.keep_last(live.window) as u64;
                }
                if live.conn == LiveConn::Connecting {
                    live.conn = LiveConn::Connected;
                }
            }
            SourceEvent::Watermarks {
                marks,
                events_per_sec,
                pending,
            } => {
                let now = chrono::Utc::now().timestamp_millis();
                live.lag
                    .on_kord_lag(now, marks.iter().map(|m| (m.partition, m.lag())));
                live.marks = marks;
                live.events_per_sec = events_per_sec;
                live.behind = pending;
            }
            SourceEvent::Disconnected { reason } => {
                live.conn = LiveConn::Disconnected(reason.clone());
                self.status = Some((
                    format!("disconnected: {reason} (everything loaded is kept)"),
                    true,
                ));
            }
            SourceEvent::NewPartitions(ps) => {
                let top = ps.iter().map(|&p| p.max(0) as u32 + 1).max().unwrap_or(0);
                if top > live.partitions {
                    live.partitions = top;
                }
                live.dirty = true;
                let list: Vec<String> = ps.iter().map(|p| format!("p{p}")).collect();
                self.status = Some((format!("new partitions: {}", list.join(", ")), false));
            }
            SourceEvent::Group(g) => {
                // A high watermark below the commit is not known yet (the
                // first look) or under-reported (tansu): no lag to chart.
                let known = |p: &crate::source::kafka::group::GroupPartition| {
                    p.committed.is_none_or(|c| p.high >= c)
                };
                let parts = g
                    .partitions
                    .iter()
                    .map(|p| (p.partition, p.committed, p.lag.filter(|_| known(p))));
                live.lag.on_group(g.at_ms, parts);
                live.group = Some(g);
            }
            SourceEvent::Warning(w) => self.status = Some((format!("warning: {w}"), true)),
            SourceEvent::Error(e) => {
                live.conn = LiveConn::Stopped(e.clone());
                self.status = Some((format!("source stopped: {e} (data kept)"), true));
            }
        }
    }

    /// The rebuild to run now, if one is due: new records or partitions, no
    /// rebuild running, and the last one at least `rebuild_every` ago.
    pub fn take_live_job(&mut self, now: Instant) -> Option<LiveJob> {
        let consumers = self.consumers;
        let first = self.ds.is_none();
        let shown = self.shown_strategy();
        // A strategy, simulation or what-if asked for on the last rebuild is
        // still being computed: let it land before the next rebuild replaces
        // the data under it (bounded, so a slow one cannot stop the stream).
        let view_busy = self.pending.is_some() || self.what_if_pending;
        let live = self.live.as_mut()?;
        let strategy = if first {
            live.first_strategy
        } else {
            Some(shown)
        };
        // A rebuild whose worker died (its panic is reported as a failure)
        // never answers: do not wait on it for ever.
        if live.in_flight
            && live
                .last_rebuild
                .is_some_and(|t| now.saturating_duration_since(t) > STALE_REBUILD)
        {
            live.in_flight = false;
        }
        let due = live
            .last_rebuild
            .is_none_or(|t| now.saturating_duration_since(t) >= live.rebuild_every);
        let work = !live.incoming.is_empty() || live.incoming_skipped > 0 || live.dirty;
        // Before the first rebuild there is nothing to show: wait for the
        // source to say where it is (connected, or records).
        let ready = !(first && live.conn == LiveConn::Connecting && live.incoming.is_empty());
        let held = view_busy
            && live
                .last_rebuild
                .is_some_and(|t| now.saturating_duration_since(t) < HOLD_FOR_VIEW);
        if live.in_flight || !due || !work || !ready || held {
            return None;
        }
        live.in_flight = true;
        live.dirty = false;
        live.last_rebuild = Some(now);
        Some(LiveJob {
            acc: live.acc.clone(),
            records: std::mem::take(&mut live.incoming),
            skipped: std::mem::take(&mut live.incoming_skipped),
            window: live.window,
            partitions: live.partitions,
            name: live.name.clone(),
            strategy,
            consumers,
        })
    }

    /// Swaps in a rebuilt live view: follows the live end when the cursor
    /// was at it, else keeps the user's place (indices shift by what the
    /// window dropped).
    pub fn on_live(&mut self, u: LiveUpdate) {
        let LiveUpdate {
            ds,
            view,
            dropped,
            received,
        } = u;
        let old_len = self.len();
        let follow = self.ds.is_none() || self.cursor + 1 >= old_len;
        // The selected cell, by entity name (ids may be compacted).
        let cell = (self.focus == Focus::Cell)
            .then(|| {
                let old = self.ds.as_ref()?;
                let &e = self.rows.get(self.sel_row)?;
                Some((old.store.entities.name(e).to_string(), self.sel_col))
            })
            .flatten();
        if let Some(live) = self.live.as_mut() {
            live.in_flight = false;
            live.received = live.received.max(received);
        }
        self.loading = None;
        self.complete = true;
        if dropped > 0 {
            self.cursor = self.cursor.saturating_sub(dropped);
            // Membership changes placed at an event move with it.
            for r in &mut self.sim_opts.rebalances {
                r.at = r.at.saturating_sub(dropped as u32);
            }
            self.bookmarks = self
                .bookmarks
                .iter()
                .filter(|&&b| b >= dropped)
                .map(|&b| b - dropped)
                .collect();
        }
        let status = self.status.take();
        self.set_data(ds, view);
        if follow {
            dispatch(self, Action::SeekEnd);
        } else if let Some((name, col)) = cell {
            let row = self.ds.as_ref().and_then(|d| d.store.entities.get(&name));
            if let Some(r) = row.and_then(|e| self.row_of.get(e as usize).copied()) {
                if r != u32::MAX {
                    let d = r as i64 - self.sel_row as i64;
                    dispatch(self, Action::Rows(d));
                    let d = col as i64 - self.sel_col as i64;
                    dispatch(self, Action::Cols(d));
                }
            }
        }
        self.status = status;
    }

    /// Whether this app shows a live source.
    pub fn is_live(&self) -> bool {
        self.live.is_some()
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
