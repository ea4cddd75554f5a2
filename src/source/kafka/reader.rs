//! The blocking, read-only topic reader and the bounded read to `--until`.
//! Must not join a group, commit an offset or write to a topic.

use super::{KafkaConfig, KafkaSourceError, KordContext, StartFrom, Until};
use crate::model::{Payload, Record, RecordBuf};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The header `kord produce` stamps on each record: its arrival index in
/// the scenario, so a bounded read can restore the cross-partition order.
pub const SEQ_HEADER: &str = "kord-seq";

/// Low and high watermarks of a partition and where kord is in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PartitionMarks {
    pub partition: i32,
    pub low: i64,
    pub high: i64,
    /// The next offset kord will read.
    pub position: i64,
}

impl PartitionMarks {
    /// kord's own lag in this partition (0 when caught up; tansu may
    /// under-report `high`, so never negative).
    pub fn lag(&self) -> i64 {
        (self.high - self.position).max(0)
    }
}

#[derive(Clone, Debug)]
struct Part {
    id: i32,
    low: i64,
    high: i64,
    /// High watermark when reading started: "the end" is at least here.
    start_high: i64,
    next: i64,
    eof: bool,
    done: bool,
}

/// Connection state as kord sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Connected,
    /// Since when, and why.
    Disconnected {
        since: Instant,
        reason: String,
    },
}

/// A read-only consumer of one topic: assigned partitions, no group, no commits.
pub struct KafkaReader {
    consumer: BaseConsumer<KordContext>,
    cfg: KafkaConfig,
    /// Partitions of the topic (not only the ones read).
    topic_partitions: u32,
    parts: BTreeMap<i32, Part>,
    connection: Connection,
    stop_time: Option<i64>,
}

fn client_err(e: KafkaError) -> KafkaSourceError {
    super::creation_error(e)
}

fn is_connection_error(e: &KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::Authentication
                | RDKafkaErrorCode::SSL
                | RDKafkaErrorCode::Resolve
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::OperationTimedOut
        )
    )
}

/// Creates a client from kord's consumer config.
pub(crate) fn create_consumer(
    cfg: &KafkaConfig,
) -> Result<BaseConsumer<KordContext>, KafkaSourceError> {
    cfg.consumer_config()?
        .create_with_context(KordContext::default())
        .map_err(client_err)
}

/// Waits (bounded) for the cluster's metadata of `topic`; names the topic
/// and lists the existing ones when it is missing.
pub(crate) fn topic_partitions(
    consumer: &BaseConsumer<KordContext>,
    cfg: &KafkaConfig,
) -> Result<Vec<i32>, KafkaSourceError> {
    let started = Instant::now();
    let md = consumer
        .fetch_metadata(Some(&cfg.topic), cfg.timeout)
        .map_err(|e| unreachable_error(consumer, cfg, started, e))?;
    let topic = md.topics().iter().find(|t| t.name() == cfg.topic);
    let missing = match topic {
        None => true,
        Some(t) => t.error().is_some() || t.partitions().is_empty(),
    };
    if missing {
        let all = consumer
            .fetch_metadata(None, cfg.timeout)
            .map_err(|e| unreachable_error(consumer, cfg, started, e))?;
        let mut existing: Vec<String> = all
            .topics()
            .iter()
            .map(|t| t.name().to_string())
            .filter(|n| !n.starts_with("__") && n != &cfg.topic)
            .collect();
        existing.sort();
        return Err(KafkaSourceError::TopicMissing {
            topic: cfg.topic.clone(),
            existing,
        });
    }
    let mut ids: Vec<i32> = topic
        .map(|t| t.partitions().iter().map(|p| p.id()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    Ok(ids)
}

fn unreachable_error(
    consumer: &BaseConsumer<KordContext>,
    cfg: &KafkaConfig,
    started: Instant,
    e: KafkaError,
) -> KafkaSourceError {
    // Errors and log lines queued while waiting say why (refused, SASL,
    // SSL...). Serving them takes polls; a poll that serves an event of
    // another kind (statistics) returns nothing, so poll a while.
    let mut why = None;
    let until = Instant::now() + Duration::from_millis(100);
    while Instant::now() < until {
        if let Some(Err(e)) = consumer.poll(Duration::from_millis(5)) {
            why = Some(e.to_string());
        }
    }
    let why = consumer
        .context()
        .last_error()
        .or(why)
        .unwrap_or(e.to_string());
    KafkaSourceError::Unreachable {
        brokers: cfg.brokers.clone(),
        waited: started.elapsed(),
        last_error: Some(why),
    }
}

/// A record borrowing from a librdkafka message.
pub fn to_record<'m>(m: &'m BorrowedMessage<'_>) -> Record<'m> {
    let payload = m.payload().map_or(Payload::Null, Payload::from_bytes);
    let headers = m
        .headers()
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    (
                        Cow::Borrowed(h.key),
                        h.value.map_or(Payload::Null, Payload::from_bytes),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Record {
        topic: Some(Cow::Borrowed(m.topic())),
        partition: m.partition(),
        offset: m.offset(),
        ts: m.timestamp().to_millis(),
        headers,
        key: m.key().map_or(Payload::Null, Payload::from_bytes),
        payload,
    }
}

impl KafkaReader {
    /// Connects (waiting at most `cfg.timeout`), checks the topic, resolves
    /// `--from` to offsets and assigns the partitions.
    pub fn connect(cfg: &KafkaConfig) -> Result<KafkaReader, KafkaSourceError> {
        let consumer = create_consumer(cfg)?;
        let all = topic_partitions(&consumer, cfg)?;
        let topic_partitions = all.len() as u32;
        let wanted: Vec<i32> = match &cfg.partitions {
            None => all.clone(),
            Some(ps) => {
                for p in ps {
                    if !all.contains(p) {
                        return Err(KafkaSourceError::Usage(format!(
                            "-p {p}: topic {:?} has partitions 0..{}",
                            cfg.topic,
                            topic_partitions.saturating_sub(1)
                        )));
                    }
                }
                let mut ps = ps.clone();
                ps.sort_unstable();
                ps.dedup();
                ps
            }
        };
        let mut reader = KafkaReader {
            consumer,
            cfg: cfg.clone(),
            topic_partitions,
            parts: BTreeMap::new(),
            connection: Connection::Connected,
            stop_time: None,
        };
        reader.add_partitions(&wanted, &cfg.from)?;
        Ok(reader)
    }

    fn add_partitions(&mut self, ids: &[i32], from: &StartFrom) -> Result<(), KafkaSourceError> {
        if ids.is_empty() {
            return Ok(());
        }
        let topic = self.cfg.topic.clone();
        let mut marks = Vec::with_capacity(ids.len());
        for &p in ids {
            let (low, high) = self
                .consumer
                .fetch_watermarks(&topic, p, self.cfg.timeout)
                .map_err(|e| KafkaSourceError::Client(format!("watermarks of {topic}/{p}: {e}")))?;
            marks.push((p, low, high));
        }
        let by_time = match from {
            StartFrom::Time(ms) => {
                let mut tpl = TopicPartitionList::new();
                for &p in ids {
                    tpl.add_partition_offset(&topic, p, Offset::Offset(*ms))
                        .map_err(client_err)?;
                }
                let got = self
                    .consumer
                    .offsets_for_times(tpl, self.cfg.timeout)
                    .map_err(|e| KafkaSourceError::Client(format!("offsets for {ms}: {e}")))?;
                got.elements()
                    .iter()
                    .map(|e| (e.partition(), e.offset()))
                    .collect::<BTreeMap<i32, Offset>>()
            }
            _ => BTreeMap::new(),
        };
        let mut tpl = TopicPartitionList::new();
        for (p, low, high) in marks {
            let start = match from {
                StartFrom::Beginning => low,
                StartFrom::End => high,
                StartFrom::Offset(o) => (*o).clamp(low, high.max(*o).max(low)),
                StartFrom::Tail(n) => (high - n).max(low),
                StartFrom::Time(_) => match by_time.get(&p) {
                    Some(Offset::Offset(o)) => *o,
                    _ => high,
                },
            };
            tpl.add_partition_offset(&topic, p, Offset::Offset(start))
                .map_err(client_err)?;
            self.parts.insert(
                p,
                Part {
                    id: p,
                    low,
                    high,
                    start_high: high,
                    next: start,
                    eof: false,
                    done: false,
                },
            );
        }
        self.consumer.incremental_assign(&tpl).map_err(client_err)?;
        Ok(())
    }

    /// The topic being read.
    pub fn topic(&self) -> &str {
        &self.cfg.topic
    }

    /// The config it was made from.
    pub fn config(&self) -> &KafkaConfig {
        &self.cfg
    }

    /// How many partitions the topic has.
    pub fn topic_partition_count(&self) -> u32 {
        self.topic_partitions
    }

    /// The partitions being read.
    pub fn partitions(&self) -> Vec<i32> {
        self.parts.keys().copied().collect()
    }

    /// The underlying client (for metadata and group look-ups).
    pub fn consumer(&self) -> &BaseConsumer<KordContext> {
        &self.consumer
    }

    /// Connection state.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Stops each partition at its first record stamped after `ms` (`--until @TIME`).
    pub fn set_stop_time(&mut self, ms: i64) {
        self.stop_time = Some(ms);
    }

    fn connected(&mut self) {
        self.connection = Connection::Connected;
    }

    fn disconnected(&mut self, reason: String) {
        match &mut self.connection {
            Connection::Disconnected { reason: r, .. } => *r = reason,
            Connection::Connected => {
                self.connection = Connection::Disconnected {
                    since: Instant::now(),
                    reason,
                }
            }
        }
    }

    /// How long the broker has been away (None when connected).
    pub fn disconnected_for(&self) -> Option<Duration> {
        match &self.connection {
            Connection::Connected => None,
            Connection::Disconnected { since, .. } => Some(since.elapsed()),
        }
    }

    fn pause(&self, p: i32) {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&self.cfg.topic, p);
        if let Err(e) = self.consumer.pause(&tpl) {
            tracing::debug!("pause {p}: {e}");
        }
    }

    fn finish(&mut self, p: i32) {
        if let Some(part) = self.parts.get_mut(&p) {
            if !part.done {
                part.done = true;
                self.pause(p);
            }
        }
    }

    /// Polls up to `max` messages, waiting at most `timeout` for the first,
    /// handing each record to `sink`. Returns how many were handed over.
    /// Errors the client reports (broker down, SASL) change the connection
    /// state; they are not fatal here.
    pub fn poll(
        &mut self,
        timeout: Duration,
        max: usize,
        sink: &mut dyn FnMut(&Record<'_>),
    ) -> usize {
        let mut n = 0;
        let mut wait = timeout;
        // Messages borrow the consumer: state changes that need all of
        // `self` are collected and applied after the loop.
        let mut finished = Vec::new();
        let mut got_message = false;
        let mut eof_seen = false;
        let mut lost: Option<String> = None;
        while n < max {
            let Some(r) = self.consumer.poll(wait) else {
                break;
            };
            wait = Duration::ZERO;
            match r {
                Ok(m) => {
                    let (p, off, ts) = (m.partition(), m.offset(), m.timestamp().to_millis());
                    let stop = matches!((self.stop_time, ts), (Some(t), Some(ts)) if ts > t);
                    let Some(part) = self.parts.get_mut(&p) else {
                        continue;
                    };
                    if part.done {
                        continue;
                    }
                    part.next = off + 1;
                    part.high = part.high.max(off + 1);
                    part.eof = false;
                    if stop {
                        finished.push(p);
                        continue;
                    }
                    sink(&to_record(&m));
                    n += 1;
                    got_message = true;
                }
                Err(KafkaError::PartitionEOF(p)) => {
                    if let Some(part) = self.parts.get_mut(&p) {
                        part.eof = true;
                    }
                    eof_seen = true;
                }
                Err(e) => {
                    if is_connection_error(&e) {
                        // librdkafka's own log line says why (refused, SASL, TLS).
                        lost = Some(
                            self.consumer
                                .context()
                                .last_error()
                                .unwrap_or(e.to_string()),
                        );
                    } else if e.rdkafka_error_code() == Some(RDKafkaErrorCode::PartitionEOF) {
                        // A partition's end reported another way: neither
                        // an error to show nor a sign of the connection.
                        tracing::debug!("kafka: {e}");
                    } else {
                        let msg = e.to_string();
                        tracing::warn!("kafka: {msg}");
                        self.consumer.context().note(msg);
                    }
                }
            }
        }
        for p in finished {
            self.finish(p);
        }
        if got_message || eof_seen {
            self.connected();
        } else if let Some(msg) = lost {
            self.disconnected(msg);
        }
        n
    }

    /// Marks partitions that reached their end: an EOF event at or past the
    /// high watermark seen at start, confirmed by a fresh watermark (tansu
    /// under-reports the high watermark after a batch, so the start one is
    /// only a lower bound, and EOF alone could race a late fetch).
    pub fn check_end(&mut self) {
        let candidates: Vec<(i32, i64)> = self
            .parts
            .values()
            .filter(|p| !p.done && p.eof && p.next >= p.start_high)
            .map(|p| (p.id, p.next))
            .collect();
        for (p, next) in candidates {
            match self
                .consumer
                .fetch_watermarks(&self.cfg.topic, p, Duration::from_secs(2))
            {
                Ok((low, high)) => {
                    self.set_marks(p, low, high);
                    if high <= next {
                        self.finish(p);
                    }
                }
                Err(e) => self.disconnected(e.to_string()),
            }
        }
    }

    /// Marks every partition at EOF as done once wall-clock time passed the
    /// stop time (nothing later can be stamped before it... by a sane clock).
    fn check_stop_time(&mut self) {
        let Some(t) = self.stop_time else { return };
        if chrono::Utc::now().timestamp_millis() <= t {
            return;
        }
        let eof: Vec<i32> = self
            .parts
            .values()
            .filter(|p| p.eof && !p.done)
            .map(|p| p.id)
            .collect();
        for p in eof {
            self.finish(p);
        }
    }

    /// Whether every partition is done.
    pub fn all_done(&self) -> bool {
        self.parts.values().all(|p| p.done)
    }

    /// Whether a partition is caught up (EOF) or done: nothing more is coming now.
    pub fn idle(&self, p: i32) -> bool {
        self.parts.get(&p).is_none_or(|x| x.done || x.eof)
    }

    /// Records a partition's watermarks (the high one never below kord's
    /// position: tansu under-reports it).
    fn set_marks(&mut self, p: i32, low: i64, high: i64) {
        if let Some(part) = self.parts.get_mut(&p) {
            part.low = low;
            part.high = high.max(part.next);
        }
    }

    /// Asks the broker for a partition's watermarks (one round trip). A
    /// failure marks the connection lost, with librdkafka's reason, and
    /// returns false.
    fn query_marks(&mut self, p: i32, timeout: Duration) -> bool {
        match self.consumer.fetch_watermarks(&self.cfg.topic, p, timeout) {
            Ok((low, high)) => {
                self.set_marks(p, low, high);
                true
            }
            Err(e) => {
                let why = self
                    .consumer
                    .context()
                    .last_error()
                    .unwrap_or(e.to_string());
                self.disconnected(why);
                false
            }
        }
    }

    /// Fresh watermarks of every partition read (one round trip each).
    /// A failure marks the connection lost; success marks it back.
    pub fn refresh_watermarks(&mut self, timeout: Duration) -> Vec<PartitionMarks> {
        let mut ok = false;
        for p in self.partitions() {
            if !self.query_marks(p, timeout) {
                break;
            }
            ok = true;
        }
        if ok {
            self.connected();
        }
        self.marks()
    }

    /// Watermarks as the last fetch responses carried them (librdkafka's
    /// statistics), without a round trip; partitions not reported yet keep
    /// what was last seen.
    pub fn cached_watermarks(&mut self) -> Vec<PartitionMarks> {
        for (p, low, high) in self.consumer.context().cached_watermarks(&self.cfg.topic) {
            self.set_marks(p, low, high);
        }
        self.marks()
    }

    /// One round trip (the watermarks of the first partition read): whether
    /// the broker answers. A failure marks the connection lost; success
    /// marks it back.
    pub fn probe(&mut self, timeout: Duration) {
        let Some(&p) = self.parts.keys().next() else {
            return;
        };
        if self.query_marks(p, timeout) {
            self.connected();
        }
    }

    /// The watermarks last seen, without a round trip.
    pub fn marks(&self) -> Vec<PartitionMarks> {
        self.parts
            .values()
            .map(|p| PartitionMarks {
                partition: p.id,
                low: p.low,
                high: p.high,
                position: p.next,
            })
            .collect()
    }

    /// Picks up partitions added to the topic since (not with `-p`): they
    /// are read from their beginning. Returns the new ones.
    pub fn refresh_partitions(&mut self) -> Result<Vec<i32>, KafkaSourceError> {
        if self.cfg.partitions.is_some() {
            return Ok(Vec::new());
        }
        let md = self
            .consumer
            .fetch_metadata(Some(&self.cfg.topic), Duration::from_secs(2))
            .map_err(|e| KafkaSourceError::Client(e.to_string()))?;
        let fresh: Vec<i32> = md
            .topics()
            .iter()
            .filter(|t| t.name() == self.cfg.topic)
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .filter(|p| !self.parts.contains_key(p))
            .collect();
        if !fresh.is_empty() {
            self.add_partitions(&fresh, &StartFrom::Beginning)?;
            self.topic_partitions = self.topic_partitions.max(self.parts.len() as u32);
        }
        Ok(fresh)
    }
}

/// The order of a read's output across partitions (bounded or live).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOrder {
    /// As the consumer polled them (depends on fetch timing).
    Arrival,
    /// Partitions merged by `kord-seq` header, else timestamp, then
    /// partition and offset: the same order on every run.
    Merged,
}

fn merge_key(r: &Record<'_>) -> (i64, i32, i64) {
    let seq = r
        .headers
        .iter()
        .find(|(n, _)| n == SEQ_HEADER)
        .and_then(|(_, v)| v.json_text())
        .and_then(|v| v.parse::<i64>().ok());
    (seq.or(r.ts).unwrap_or(i64::MIN), r.partition, r.offset)
}

/// A partition's records waiting for the merge, packed in chunks.
#[derive(Default)]
struct Pending {
    keys: VecDeque<(i64, i32, i64)>,
    chunks: VecDeque<RecordBuf>,
    /// The next record of the front chunk.
    head: usize,
}

impl Pending {
    const CHUNK: usize = 1024;

    fn push(&mut self, r: &Record<'_>) {
        if self.chunks.back().is_none_or(|c| c.len() >= Self::CHUNK) {
            // A queue starting afresh (a live trickle) starts small; one
            // running on (a backlog) takes whole chunks.
            let n = if self.chunks.is_empty() {
                16
            } else {
                Self::CHUNK
            };
            self.chunks.push_back(RecordBuf::with_capacity(n, 256));
        }
        if let Some(c) = self.chunks.back_mut() {
            c.push(r);
            self.keys.push_back(merge_key(r));
        }
    }

    fn front_key(&self) -> Option<(i64, i32, i64)> {
        self.keys.front().copied()
    }

    /// Hands the front record to `f` and drops it.
    fn pop<T>(&mut self, f: impl FnOnce(&Record<'_>) -> T) -> Option<T> {
        let front = self.chunks.front()?;
        let out = f(&front.get(self.head)?);
        self.keys.pop_front();
        self.head += 1;
        if self.head >= front.len() {
            self.chunks.pop_front();
            self.head = 0;
        }
        Some(out)
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The cross-partition merge of `--order merged`: records queue per
/// partition and leave smallest key first (`kord-seq` header, else
/// timestamp, then partition and offset), but only while every partition
/// either has a queued head or is idle (nothing coming now), so a partition
/// that is behind holds the others back instead of being overtaken.
///
/// With a hold limit (live mode), a partition that is neither idle nor
/// delivering for that long (a broker that stopped answering for it) stops
/// holding the merge until it delivers or goes idle again. Time is passed
/// in, so tests drive the clock.
pub struct Merger {
    queues: BTreeMap<i32, Pending>,
    /// Records queued over all partitions.
    len: usize,
    max_hold: Option<Duration>,
    /// Per partition, when it last had a queued head or was idle.
    active: BTreeMap<i32, Instant>,
    /// Partitions past the hold limit, no longer waited for.
    released: BTreeSet<i32>,
}

impl Default for Merger {
    fn default() -> Self {
        Merger::new()
    }
}

impl Merger {
    /// A merge that waits as long as it takes (bounded reads: the same order on every run).
    pub fn new() -> Merger {
        Merger {
            queues: BTreeMap::new(),
            len: 0,
            max_hold: None,
            active: BTreeMap::new(),
            released: BTreeSet::new(),
        }
    }

    /// A merge in which a partition holds the others for at most `max_hold`
    /// while it neither delivers nor is idle (live mode).
    pub fn with_max_hold(max_hold: Duration) -> Merger {
        Merger {
            max_hold: Some(max_hold),
            ..Merger::new()
        }
    }

    /// Queues a record (copied into the partition's packed chunks).
    pub fn push(&mut self, r: &Record<'_>) {
        self.queues.entry(r.partition).or_default().push(r);
        self.len += 1;
    }

    /// Records queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Restarts every partition's hold clock at `now`: for when kord itself
    /// stopped polling, so no partition is blamed for not delivering.
    pub fn reset_hold(&mut self, now: Instant) {
        for t in self.active.values_mut() {
            *t = now;
        }
        self.released.clear();
    }

    /// Moves every partition's hold clock forward by `stalled`: time kord
    /// spent not polling (a broker round trip) is nobody's silence.
    pub fn excuse(&mut self, stalled: Duration) {
        for t in self.active.values_mut() {
            *t += stalled;
        }
    }

    fn has_head(&self, p: i32) -> bool {
        self.queues.get(&p).is_some_and(|q| !q.is_empty())
    }

    /// Hands `sink` up to `limit` records in merge order, while each of
    /// `partitions` has a queued head, is `idle`, or has held the merge past
    /// the hold limit. Returns how many were handed over; stops at the
    /// sink's first error.
    pub fn pop_ready<E>(
        &mut self,
        partitions: &[i32],
        idle: impl Fn(i32) -> bool,
        now: Instant,
        limit: u64,
        sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        // A partition that holds the merge: nothing queued, not idle, and
        // (with a hold limit) not silent for longer than it.
        let mut holding = Vec::new();
        for &p in partitions {
            if self.has_head(p) || idle(p) {
                self.active.insert(p, now);
                self.released.remove(&p);
                continue;
            }
            let since = *self.active.entry(p).or_insert(now);
            match self.max_hold {
                Some(h) if now.saturating_duration_since(since) >= h => {
                    if self.released.insert(p) {
                        tracing::debug!("merge: partition {p} silent for {h:?}, not waited for");
                    }
                }
                _ => holding.push(p),
            }
        }
        if !holding.is_empty() {
            return Ok(0);
        }
        let mut n = 0;
        while n < limit {
            let Some(p) = self.smallest_head() else { break };
            self.pop_from(p, sink)?;
            n += 1;
            // A partition that just ran dry holds the merge again unless
            // nothing is coming from it now (its clock was set above, so a
            // hold limit counts from now).
            if !self.has_head(p) && partitions.contains(&p) && !idle(p) {
                break;
            }
        }
        Ok(n)
    }

    /// Hands `sink` up to `limit` records in merge order whatever the
    /// partitions are doing (the merge is full and must let some out).
    pub fn pop_any<E>(
        &mut self,
        limit: u64,
        sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut n = 0;
        while n < limit {
            let Some(p) = self.smallest_head() else { break };
            self.pop_from(p, sink)?;
            n += 1;
        }
        Ok(n)
    }

    fn smallest_head(&self) -> Option<i32> {
        self.queues
            .iter()
            .filter_map(|(&p, q)| q.front_key().map(|k| (k, p)))
            .min()
            .map(|(_, p)| p)
    }

    fn pop_from<E>(
        &mut self,
        p: i32,
        sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(r) = self.queues.get_mut(&p).and_then(|q| q.pop(&mut *sink)) {
            self.len -= 1;
            r?;
        }
        Ok(())
    }
}

/// Reads until `until` and hands records to `sink` in `order`. `tick` runs
/// at least every 200 ms (for flushing and progress: it sees the reader
/// and its watermarks). Fails when the broker stays away
/// longer than the config's timeout (unless `keep_waiting`).
pub fn read_bounded(
    reader: &mut KafkaReader,
    until: &Until,
    order: ReadOrder,
    sink: &mut dyn FnMut(&Record<'_>) -> Result<(), KafkaSourceError>,
    tick: &mut dyn FnMut(u64, &KafkaReader) -> Result<(), KafkaSourceError>,
) -> Result<u64, KafkaSourceError> {
    let limit = match until {
        Until::Count(n) => *n,
        _ => u64::MAX,
    };
    if let Until::Time(t) = until {
        reader.set_stop_time(*t);
    }
    let mut emitted = 0u64;
    let mut failed: Option<KafkaSourceError> = None;
    let mut merger = Merger::new();
    let mut last_probe = Instant::now();
    let mut last_progress = Instant::now();
    while emitted < limit {
        {
            let mut push = |r: &Record<'_>| {
                if failed.is_some() || emitted >= limit {
                    return;
                }
                match order {
                    ReadOrder::Arrival => match sink(r) {
                        Ok(()) => emitted += 1,
                        Err(e) => failed = Some(e),
                    },
                    ReadOrder::Merged => merger.push(r),
                }
            };
            if reader.poll(Duration::from_millis(100), 50_000, &mut push) > 0 {
                last_progress = Instant::now();
            }
        }
        if let Some(e) = failed.take() {
            return Err(e);
        }
        match until {
            Until::End => reader.check_end(),
            Until::Time(_) => reader.check_stop_time(),
            _ => {}
        }
        if order == ReadOrder::Merged {
            let ids = reader.partitions();
            emitted += merger.pop_ready(
                &ids,
                |p| reader.idle(p),
                Instant::now(),
                limit - emitted,
                sink,
            )?;
        }
        tick(emitted, reader)?;
        if reader.all_done()
            && merger.is_empty()
            && !matches!(until, Until::Count(_) | Until::Never)
        {
            break;
        }
        // Quiet for a second: ask the broker, so a lost one is noticed soon
        // (librdkafka itself reports "all brokers down" only after retries).
        let quiet = last_progress.elapsed() > Duration::from_secs(1);
        if quiet
            && reader.disconnected_for().is_none()
            && last_probe.elapsed() > Duration::from_secs(1)
        {
            last_probe = Instant::now();
            reader.refresh_watermarks(Duration::from_millis(500));
        }
        if let Some(away) = reader.disconnected_for() {
            let cfg = reader.config();
            if away > cfg.timeout && !cfg.keep_waiting {
                let reason = match reader.connection() {
                    Connection::Disconnected { reason, .. } => Some(reason.clone()),
                    Connection::Connected => None,
                };
                return Err(KafkaSourceError::Lost {
                    brokers: cfg.brokers.clone(),
                    waited: away,
                    last_error: reason,
                });
            }
            if last_probe.elapsed() > Duration::from_secs(1) {
                last_probe = Instant::now();
                reader.refresh_watermarks(Duration::from_millis(500));
            }
        }
    }
    Ok(emitted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn rec(partition: i32, offset: i64, ts: i64) -> Record<'static> {
        Record {
            topic: Some(Cow::Borrowed("t")),
            partition,
            offset,
            ts: Some(ts),
            headers: Vec::new(),
            key: Payload::Text(Cow::Owned(format!("k{partition}"))),
            payload: Payload::Text(Cow::Owned(format!("{{\"ts\":{ts}}}"))),
        }
    }

    fn seq(partition: i32, offset: i64, seq: i64) -> Record<'static> {
        let mut r = rec(partition, offset, 1000 - seq);
        r.headers.push((
            Cow::Borrowed(SEQ_HEADER),
            Payload::Text(Cow::Owned(seq.to_string())),
        ));
        r
    }

    /// Pops what is ready, as (partition, offset).
    fn ready(
        m: &mut Merger,
        parts: &[i32],
        idle: &[i32],
        now: Instant,
        limit: u64,
    ) -> Vec<(i32, i64)> {
        let mut out = Vec::new();
        let n = m
            .pop_ready(parts, |p| idle.contains(&p), now, limit, &mut |r| {
                out.push((r.partition, r.offset));
                Ok::<(), Infallible>(())
            })
            .unwrap_or_else(|e| match e {});
        assert_eq!(n as usize, out.len());
        out
    }

    #[test]
    fn interleaved_partitions_come_out_by_timestamp() {
        let mut m = Merger::new();
        let t = Instant::now();
        // Partition 0 arrives whole first, as a broker serving it in a burst.
        for (o, ts) in [10, 30, 50].into_iter().enumerate() {
            m.push(&rec(0, o as i64, ts));
        }
        assert_eq!(ready(&mut m, &[0, 1], &[], t, u64::MAX), vec![], "1 holds");
        for (o, ts) in [20, 40, 60].into_iter().enumerate() {
            m.push(&rec(1, o as i64, ts));
        }
        assert_eq!(m.len(), 6);
        // Neither is idle: the merge stops when either runs dry.
        assert_eq!(
            ready(&mut m, &[0, 1], &[], t, u64::MAX),
            vec![(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)]
        );
        assert_eq!(m.len(), 1);
        // Partition 0 reached its end: 1 goes on alone.
        assert_eq!(ready(&mut m, &[0, 1], &[0], t, u64::MAX), vec![(1, 2)]);
        assert!(m.is_empty());
    }

    #[test]
    fn the_seq_header_wins_over_the_timestamp_and_ties_go_by_partition() {
        let mut m = Merger::new();
        let t = Instant::now();
        m.push(&seq(1, 0, 1));
        m.push(&seq(1, 1, 2));
        m.push(&seq(0, 0, 0));
        m.push(&seq(0, 1, 3));
        m.push(&rec(2, 0, 2));
        m.push(&rec(3, 0, 2));
        assert_eq!(
            ready(&mut m, &[0, 1, 2, 3], &[0, 1, 2, 3], t, u64::MAX),
            vec![(0, 0), (1, 0), (1, 1), (2, 0), (3, 0), (0, 1)]
        );
    }

    #[test]
    fn idle_partitions_do_not_hold_and_new_records_flow() {
        let mut m = Merger::with_max_hold(Duration::from_secs(2));
        let t = Instant::now();
        // Caught up: 1 and 2 at their end, a new record on 0 leaves at once.
        m.push(&rec(0, 7, 100));
        assert_eq!(
            ready(&mut m, &[0, 1, 2], &[1, 2], t, u64::MAX),
            vec![(0, 7)]
        );
        // 0 ran dry and is no longer idle (a fetch is under way): it holds 1.
        m.push(&rec(1, 3, 200));
        assert_eq!(ready(&mut m, &[0, 1, 2], &[2], t, u64::MAX), vec![]);
        assert_eq!(
            ready(&mut m, &[0, 1, 2], &[0, 2], t, u64::MAX),
            vec![(1, 3)]
        );
    }

    #[test]
    fn the_limit_stops_the_merge_and_keeps_the_rest() {
        let mut m = Merger::new();
        let t = Instant::now();
        for o in 0..5 {
            m.push(&rec(0, o, o));
        }
        assert_eq!(ready(&mut m, &[0], &[0], t, 2), vec![(0, 0), (0, 1)]);
        assert_eq!(m.len(), 3);
        assert_eq!(
            ready(&mut m, &[0], &[0], t, 10),
            vec![(0, 2), (0, 3), (0, 4)]
        );
    }

    #[test]
    fn a_silent_partition_holds_the_merge_only_up_to_the_limit() {
        let hold = Duration::from_secs(2);
        let mut m = Merger::with_max_hold(hold);
        let t0 = Instant::now();
        m.push(&rec(0, 0, 10));
        m.push(&rec(0, 1, 20));
        // Partition 1 neither delivers nor reaches its end.
        assert_eq!(ready(&mut m, &[0, 1], &[], t0, u64::MAX), vec![]);
        let t1 = t0 + hold - Duration::from_millis(1);
        assert_eq!(ready(&mut m, &[0, 1], &[], t1, u64::MAX), vec![]);
        let t2 = t0 + hold;
        assert_eq!(
            ready(&mut m, &[0, 1], &[], t2, u64::MAX),
            vec![(0, 0), (0, 1)],
            "past the hold limit, what is queued goes"
        );
        // Still silent: later records of 0 are not held again.
        m.push(&rec(0, 2, 30));
        assert_eq!(ready(&mut m, &[0, 1], &[], t2, u64::MAX), vec![(0, 2)]);
        // 1 delivers again: it holds the merge as before, its clock restarted.
        m.push(&rec(1, 0, 40));
        let t3 = t2 + Duration::from_millis(10);
        assert_eq!(ready(&mut m, &[0, 1], &[], t3, u64::MAX), vec![]);
        m.push(&rec(0, 3, 50));
        assert_eq!(ready(&mut m, &[0, 1], &[], t3, u64::MAX), vec![(1, 0)]);
        let t4 = t3 + Duration::from_millis(10);
        assert_eq!(ready(&mut m, &[0, 1], &[], t4, u64::MAX), vec![]);
        assert_eq!(
            ready(&mut m, &[0, 1], &[], t3 + hold, u64::MAX),
            vec![(0, 3)]
        );
    }

    #[test]
    fn time_kord_spent_not_polling_is_excused() {
        let hold = Duration::from_secs(2);
        let mut m = Merger::with_max_hold(hold);
        let t0 = Instant::now();
        m.push(&rec(0, 0, 10));
        assert_eq!(ready(&mut m, &[0, 1], &[], t0, u64::MAX), vec![]);
        // 1.5 s of broker round trips: partition 1 gets 1.5 s more.
        m.excuse(Duration::from_millis(1500));
        assert_eq!(ready(&mut m, &[0, 1], &[], t0 + hold, u64::MAX), vec![]);
        assert_eq!(
            ready(
                &mut m,
                &[0, 1],
                &[],
                t0 + hold + Duration::from_millis(1500),
                u64::MAX
            ),
            vec![(0, 0)]
        );
    }

    #[test]
    fn without_a_hold_limit_the_merge_waits_forever() {
        let mut m = Merger::new();
        let t0 = Instant::now();
        m.push(&rec(0, 0, 10));
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(ready(&mut m, &[0, 1], &[], t0, u64::MAX), vec![]);
        assert_eq!(ready(&mut m, &[0, 1], &[], later, u64::MAX), vec![]);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn reset_hold_restarts_the_clock() {
        let hold = Duration::from_secs(2);
        let mut m = Merger::with_max_hold(hold);
        let t0 = Instant::now();
        m.push(&rec(0, 0, 10));
        assert_eq!(ready(&mut m, &[0, 1], &[], t0, u64::MAX), vec![]);
        let t1 = t0 + Duration::from_secs(1);
        m.reset_hold(t1);
        assert_eq!(ready(&mut m, &[0, 1], &[], t0 + hold, u64::MAX), vec![]);
        assert_eq!(
            ready(&mut m, &[0, 1], &[], t1 + hold, u64::MAX),
            vec![(0, 0)]
        );
    }

    #[test]
    fn pop_any_ignores_the_partitions_and_keeps_merge_order() {
        let mut m = Merger::new();
        m.push(&rec(0, 0, 30));
        m.push(&rec(1, 0, 10));
        m.push(&rec(1, 1, 20));
        let mut out = Vec::new();
        let n = m
            .pop_any(2, &mut |r| {
                out.push((r.partition, r.offset));
                Ok::<(), Infallible>(())
            })
            .unwrap_or_else(|e| match e {});
        assert_eq!(n, 2);
        assert_eq!(out, vec![(1, 0), (1, 1)]);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn a_sink_error_stops_the_merge_and_counts_the_record_as_gone() {
        let mut m = Merger::new();
        m.push(&rec(0, 0, 1));
        m.push(&rec(0, 1, 2));
        let r = m.pop_ready(&[0], |_| true, Instant::now(), u64::MAX, &mut |_| {
            Err("full")
        });
        assert_eq!(r, Err("full"));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn records_survive_the_chunks_intact() {
        let mut m = Merger::new();
        let n = Pending::CHUNK as i64 * 2 + 5;
        for o in 0..n {
            m.push(&rec((o % 3) as i32, o, o));
        }
        let mut got = Vec::new();
        m.pop_ready(&[0, 1, 2], |_| true, Instant::now(), u64::MAX, &mut |r| {
            got.push(r.clone().into_owned());
            Ok::<(), Infallible>(())
        })
        .unwrap_or_else(|e| match e {});
        let want: Vec<_> = (0..n).map(|o| rec((o % 3) as i32, o, o)).collect();
        assert_eq!(got, want);
    }
}
