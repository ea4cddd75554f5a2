//! The live source for the TUI: a reader thread feeding a bounded channel.
//! Must not block on the UI, decode or filter records (the TUI's ingest
//! does both), or commit anything.
//!
//! Records pass through the same cross-partition merge as a bounded read
//! ([`Merger`]): history read from the beginning comes out in `kord-seq` or
//! timestamp order, not in the partition bursts the broker returns; once
//! caught up, partitions at their end do not hold the merge, so new records
//! flow as they come.
//!
//! The thread never waits on the UI: when the channel is full it keeps
//! polling into a pending batch (up to a cap, then it stops polling, and
//! librdkafka's own queue fills to its limits, 100,000 messages per
//! partition or 256 MB, then stops fetching) and retries the send. The UI
//! drains with `try_recv`/`recv_many` and applies whole batches.

use super::group::{GroupObserver, GroupSnapshot};
use super::reader::{Connection, KafkaReader, Merger, PartitionMarks, ReadOrder};
use super::{KafkaConfig, KafkaSourceError};
use crate::model::{Record, RecordBuf};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, error::TrySendError, Receiver, Sender};

/// What the live source tells its consumer.
#[derive(Debug, Clone)]
pub enum SourceEvent {
    /// Reading started or the broker is back.
    Connected { topic: String, partitions: u32 },
    /// Records in merged order (see [`LiveOptions::order`]), packed: a batch
    /// is a few buffers, not several allocations per record, so a backlog
    /// queued in the channel and in the UI costs little more than its bytes.
    Records(RecordBuf),
    /// Per-partition watermarks and kord's position, about once a second.
    Watermarks {
        marks: Vec<PartitionMarks>,
        /// Records per second over the last interval.
        events_per_sec: f64,
        /// Records polled but not yet taken by the consumer of the channel:
        /// above zero, the UI is falling behind.
        pending: usize,
    },
    /// The broker is away; everything loaded is kept, reading resumes when it returns.
    Disconnected { reason: String },
    /// Partitions added to the topic, now being read from their beginning.
    NewPartitions(Vec<i32>),
    /// A fresh view of the `--group` being observed.
    Group(GroupSnapshot),
    /// A problem that does not stop the source (e.g. the group look-up failed).
    Warning(String),
    /// The source stopped for good.
    Error(String),
}

/// Tuning of the live source.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Channel capacity in events (each `Records` is one).
    pub capacity: usize,
    /// Largest `Records` batch.
    pub max_batch: usize,
    /// Records kept pending (in the merge or while the channel is full),
    /// before polling pauses.
    pub max_pending: usize,
    /// `Merged`: partitions merged by `kord-seq`, else timestamp, while
    /// every partition has a record queued or is at its end; `Arrival`: as polled.
    pub order: ReadOrder,
    /// How long a partition that neither delivers nor is at its end may
    /// hold the merge before the others go on without it. 5 s: tansu serves
    /// a backlog one partition at a time (about 0.3 s per 15 MB partition at
    /// a 100 ms fetch wait), so 1M events of history on 16 partitions still
    /// read back in order; a stuck partition costs at most 5 s of latency.
    pub max_hold: Duration,
    /// Observe this consumer group (read-only).
    pub group: Option<String>,
    pub watermarks_every: Duration,
    pub group_every: Duration,
    pub partitions_every: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            capacity: 64,
            max_batch: 20_000,
            max_pending: 500_000,
            order: ReadOrder::Merged,
            max_hold: Duration::from_secs(5),
            group: None,
            watermarks_every: Duration::from_secs(1),
            group_every: Duration::from_secs(5),
            partitions_every: Duration::from_secs(10),
        }
    }
}

/// Stops the source thread when dropped.
pub struct KafkaHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl KafkaHandle {
    /// Asks the thread to stop and waits for it (at most one poll interval).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for KafkaHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The live Kafka source.
pub struct KafkaSource;

impl KafkaSource {
    /// Connects (bounded by `cfg.timeout`: errors such as an unreachable
    /// broker or a missing topic come back here, before any UI starts), then
    /// reads on a thread of its own.
    pub fn start(
        cfg: &KafkaConfig,
        opts: LiveOptions,
    ) -> Result<(Receiver<SourceEvent>, KafkaHandle), KafkaSourceError> {
        let reader = KafkaReader::connect(cfg)?;
        let observer = match &opts.group {
            Some(g) => Some(GroupObserver::new(cfg, g)?),
            None => None,
        };
        Ok(Self::spawn(reader, observer, opts))
    }

    /// Reads from an already connected reader on a new thread.
    pub fn spawn(
        reader: KafkaReader,
        observer: Option<GroupObserver>,
        opts: LiveOptions,
    ) -> (Receiver<SourceEvent>, KafkaHandle) {
        let (tx, rx) = mpsc::channel(opts.capacity.max(2));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("kord-kafka".into())
            .spawn(move || run(reader, observer, opts, tx, flag))
            .ok();
        (rx, KafkaHandle { stop, thread })
    }
}

fn run(
    reader: KafkaReader,
    observer: Option<GroupObserver>,
    opts: LiveOptions,
    tx: Sender<SourceEvent>,
    stop: Arc<AtomicBool>,
) {
    let mut pump = Pump::new(reader, observer, opts);
    while !stop.load(Ordering::Relaxed) {
        pump.poll();
        let connected = pump.connection();
        // Broker round trips below stop polling: that time is excused from
        // the merge's hold clocks.
        let work = Instant::now();
        pump.periodic(connected);
        pump.merger.excuse(work.elapsed());
        if !pump.send(&tx) {
            return;
        }
    }
}

/// The source thread's state: the reader, the merge, what waits for the
/// channel (records, then control events) and the clocks of the periodic
/// broker questions.
struct Pump {
    reader: KafkaReader,
    observer: Option<GroupObserver>,
    opts: LiveOptions,
    control: VecDeque<SourceEvent>,
    pending: Outbox,
    merger: Merger,
    was_connected: bool,
    last_marks: Instant,
    last_group: Option<Instant>,
    last_parts: Instant,
    /// Records polled since the last watermarks event.
    counted: u64,
}

impl Pump {
    fn new(reader: KafkaReader, observer: Option<GroupObserver>, opts: LiveOptions) -> Pump {
        let mut control = VecDeque::new();
        control.push_back(SourceEvent::Connected {
            topic: reader.topic().to_string(),
            partitions: reader.topic_partition_count(),
        });
        Pump {
            pending: Outbox::new(opts.max_batch.max(1)),
            merger: Merger::with_max_hold(opts.max_hold),
            reader,
            observer,
            opts,
            control,
            was_connected: true,
            last_marks: Instant::now(),
            last_group: None,
            last_parts: Instant::now(),
            counted: 0,
        }
    }

    /// Polls while there is room for more pending records, then lets out
    /// of the merge what is ready.
    fn poll(&mut self) {
        let max_batch = self.opts.max_batch.max(1);
        let merged = self.opts.order == ReadOrder::Merged;
        let queued = self.pending.len() + self.merger.len();
        if queued < self.opts.max_pending {
            let room = (self.opts.max_pending - queued).min(max_batch);
            let (merger, pending) = (&mut self.merger, &mut self.pending);
            self.counted += self.reader.poll(Duration::from_millis(50), room, &mut |r| {
                if merged {
                    merger.push(r)
                } else {
                    pending.push(r)
                }
            }) as u64;
        } else {
            // Not polling: no partition can deliver, so none is blamed for it.
            self.merger.reset_hold(Instant::now());
            std::thread::sleep(Duration::from_millis(10));
        }
        if !merged {
            return;
        }
        let pending = &mut self.pending;
        let mut out = |r: &Record<'_>| {
            pending.push(r);
            Ok::<(), Infallible>(())
        };
        let ids = self.reader.partitions();
        let reader = &self.reader;
        let Ok(_) =
            self.merger
                .pop_ready(&ids, |p| reader.idle(p), Instant::now(), u64::MAX, &mut out);
        // The merge holds the whole pending budget, so polling stopped
        // and the partition it waits for cannot deliver: let the
        // smallest out (out of order, but memory stays bounded).
        if self.merger.len() >= self.opts.max_pending {
            let Ok(_) = self.merger.pop_any(max_batch as u64, &mut out);
        }
    }

    /// Whether the reader is connected; a change is queued as an event.
    fn connection(&mut self) -> bool {
        let connected = matches!(self.reader.connection(), Connection::Connected);
        if connected != self.was_connected {
            self.was_connected = connected;
            self.control.push_back(match self.reader.connection() {
                Connection::Connected => SourceEvent::Connected {
                    topic: self.reader.topic().to_string(),
                    partitions: self.reader.topic_partition_count(),
                },
                Connection::Disconnected { reason, .. } => SourceEvent::Disconnected {
                    reason: reason.clone(),
                },
            });
        }
        connected
    }

    /// Watermarks, new partitions and the observed group, each when due.
    fn periodic(&mut self, connected: bool) {
        if self.last_marks.elapsed() >= self.opts.watermarks_every {
            self.watermarks();
        }
        if connected && self.last_parts.elapsed() >= self.opts.partitions_every {
            self.last_parts = Instant::now();
            match self.reader.refresh_partitions() {
                Ok(fresh) if !fresh.is_empty() => {
                    self.control.push_back(SourceEvent::NewPartitions(fresh))
                }
                Ok(_) => {}
                Err(e) => self.control.push_back(SourceEvent::Warning(e.to_string())),
            }
        }
        let group_due = self
            .last_group
            .is_none_or(|t| t.elapsed() >= self.opts.group_every);
        if let (Some(obs), true) = (self.observer.as_mut(), connected && group_due) {
            self.last_group = Some(Instant::now());
            let marks = self.reader.marks();
            self.control.retain(|e| !matches!(e, SourceEvent::Group(_)));
            self.control
                .push_back(match obs.observe(self.reader.consumer(), &marks) {
                    Ok(s) => SourceEvent::Group(s),
                    Err(e) => SourceEvent::Warning(e.to_string()),
                });
        }
    }

    /// Queues the newest watermarks (dropping stale ones still queued) and
    /// the rate since the last ones.
    fn watermarks(&mut self) {
        let secs = self.last_marks.elapsed().as_secs_f64();
        self.last_marks = Instant::now();
        // Watermarks from the fetch responses cost no round trip; only a
        // quiet stream asks the broker (one partition), to notice a lost
        // broker and its return.
        if self.counted == 0 {
            self.reader.probe(Duration::from_millis(500));
        }
        let marks = self.reader.cached_watermarks();
        self.control
            .retain(|e| !matches!(e, SourceEvent::Watermarks { .. }));
        self.control.push_back(SourceEvent::Watermarks {
            marks,
            events_per_sec: self.counted as f64 / secs.max(1e-3),
            pending: self.pending.len() + self.merger.len(),
        });
        self.counted = 0;
    }

    /// Sends records first (in batches of at most `max_batch`), then
    /// control events, as far as the channel has room. False when the
    /// receiver is gone.
    fn send(&mut self, tx: &Sender<SourceEvent>) -> bool {
        while let Some(batch) = self.pending.take() {
            match tx.try_send(SourceEvent::Records(batch)) {
                Ok(()) => {}
                Err(TrySendError::Full(SourceEvent::Records(b))) => {
                    self.pending.put_back(b);
                    break;
                }
                Err(_) => return false,
            }
        }
        while let Some(ev) = self.control.pop_front() {
            match tx.try_send(ev) {
                Ok(()) => {}
                Err(TrySendError::Full(ev)) => {
                    self.control.push_front(ev);
                    break;
                }
                Err(TrySendError::Closed(_)) => return false,
            }
        }
        if self.control.len() > 1000 {
            self.control.drain(..self.control.len() - 1000);
        }
        true
    }
}

/// Records waiting for the channel, packed in batches of at most `max`.
struct Outbox {
    bufs: VecDeque<RecordBuf>,
    len: usize,
    max: usize,
}

impl Outbox {
    fn new(max: usize) -> Outbox {
        Outbox {
            bufs: VecDeque::new(),
            len: 0,
            max: max.max(1),
        }
    }

    fn push(&mut self, r: &Record<'_>) {
        if self.bufs.back().is_none_or(|b| b.len() >= self.max) {
            // Small at first (a live trickle); grows with a backlog.
            self.bufs
                .push_back(RecordBuf::with_capacity(self.max.min(256), 128));
        }
        if let Some(b) = self.bufs.back_mut() {
            b.push(r);
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The oldest batch.
    fn take(&mut self) -> Option<RecordBuf> {
        let b = self.bufs.pop_front()?;
        self.len -= b.len();
        Some(b)
    }

    /// A batch the channel had no room for, first again.
    fn put_back(&mut self, b: RecordBuf) {
        self.len += b.len();
        self.bufs.push_front(b);
    }
}
