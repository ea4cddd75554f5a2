//! Simulation (SPEC §5): consumers, processing time, waits and head-of-line
//! blocking. Decisions do not change timing: every event costs its `cost`
//! whatever the strategy decides, so one simulation serves every strategy
//! with the same delivery model. Timing only: must not decide outcomes (the
//! strategies do). Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).

pub mod assign;
pub mod whatif;

use crate::model::EventStore;
use assign::{Assignment, Assignor, Member};
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;

/// How events reach consumers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// One queue, one consumer, arrival order.
    Sequential,
    /// One queue per partition; partitions assigned to consumers.
    Partitioned,
}

/// A delivery model other than Kafka partitions, as a what-if (SPEC §5
/// `--delivery`). It replaces partitioned delivery; sequential strategies keep
/// their one queue.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Model {
    /// Kafka: one queue per partition, partitions owned by consumers.
    #[default]
    Kafka,
    /// SQS FIFO: message group = entity, one in-flight message per group, a
    /// queue-wide throughput limit in messages per second.
    SqsFifo { limit_per_s: u32 },
    /// Pub/Sub with ordering keys: key = entity, one outstanding message per key.
    PubsubKey,
    /// Service Bus sessions: session = entity, locked by one consumer while it
    /// has messages in flight or waiting.
    ServiceBusSession,
    /// RabbitMQ single active consumer: one queue, one consumer.
    RabbitmqSac,
}

impl Model {
    /// The default SQS FIFO throughput limit (messages per second, no batching).
    pub const SQS_FIFO_LIMIT: u32 = 300;
    /// Every command-line name.
    pub const NAMES: [&'static str; 5] = [
        "kafka",
        "sqs-fifo",
        "pubsub-key",
        "servicebus-session",
        "rabbitmq-sac",
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Kafka => "kafka",
            Model::SqsFifo { .. } => "sqs-fifo",
            Model::PubsubKey => "pubsub-key",
            Model::ServiceBusSession => "servicebus-session",
            Model::RabbitmqSac => "rabbitmq-sac",
        }
    }
}

/// A delivery model name kord does not know (`--delivery`, `:delivery`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown delivery model '{name}': expected one of {}",
    Model::NAMES.join(", ")
)]
pub struct UnknownModel {
    pub name: String,
}

impl std::str::FromStr for Model {
    type Err = UnknownModel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kafka" | "partitions" => Ok(Model::Kafka),
            "sqs-fifo" => Ok(Model::SqsFifo {
                limit_per_s: Model::SQS_FIFO_LIMIT,
            }),
            "pubsub-key" => Ok(Model::PubsubKey),
            "servicebus-session" => Ok(Model::ServiceBusSession),
            "rabbitmq-sac" => Ok(Model::RabbitmqSac),
            _ => Err(UnknownModel {
                name: s.to_string(),
            }),
        }
    }
}

/// A change of group membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new consumer joins (named `C<n>`, n the next free number).
    Add,
    /// A consumer leaves cleanly: the rebalance starts at once.
    Remove(u32),
    /// A consumer dies: its partitions stall until the session times out,
    /// then the group rebalances without it.
    Kill(u32),
}

/// A membership change when the event at arrival index `at` arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebalance {
    pub at: u32,
    pub change: Change,
}

/// The default pause of a rebalance (SPEC §5).
pub const DEFAULT_REBALANCE_MS: u64 = 3000;
/// The default consumer session timeout (`session.timeout.ms`, 10 s before Kafka 3.0).
pub const DEFAULT_SESSION_TIMEOUT_MS: u64 = 10_000;

/// The longest pause a rebalance or session timeout is simulated with (about
/// 35 years): bounds the arithmetic on absurd input.
pub const MAX_PAUSE_MS: u64 = 1 << 40;

/// Why a what-if flag (`--rebalance`, `--partition-by`) did not parse; the
/// text names the flag's part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimParseError {
    /// A rebalance without `@INDEX`.
    #[error("rebalance {part:?}: expected ACTION@INDEX")]
    RebalanceNoIndex { part: String },
    /// A rebalance whose index is not a number.
    #[error("rebalance {part:?}: index {index:?} is not a number")]
    RebalanceIndex { part: String, index: String },
    /// A `remove:`/`kill:` member that is not `C<number>`.
    #[error("rebalance {part:?}: member {member:?} is not C<number>")]
    RebalanceMember { part: String, member: String },
    /// An action other than `add`, `remove:C<n>`, `kill:C<n>`.
    #[error("rebalance {part:?}: expected add, remove:C<n> or kill:C<n>")]
    RebalanceAction { part: String },
    /// `--partition-by` with nothing in it.
    #[error("--partition-by: expected key, entity or /pointer[,/pointer]")]
    PartitionByEmpty,
    /// A `--partition-by` field that is neither `key` nor a JSON pointer.
    #[error("--partition-by {field:?}: {error}")]
    PartitionByField {
        field: String,
        error: crate::model::pointer::PointerError,
    },
}

/// Parses `add@INDEX,remove:C1@INDEX,kill:C0@INDEX` (see docs/whatif.md).
pub fn parse_rebalances(text: &str) -> Result<Vec<Rebalance>, SimParseError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (what, at) = part
            .rsplit_once('@')
            .ok_or_else(|| SimParseError::RebalanceNoIndex {
                part: part.to_string(),
            })?;
        let at: u32 = at
            .trim()
            .parse()
            .map_err(|_| SimParseError::RebalanceIndex {
                part: part.to_string(),
                index: at.to_string(),
            })?;
        let member = |m: &str| -> Result<u32, SimParseError> {
            let m = m.trim();
            m.strip_prefix('C')
                .or_else(|| m.strip_prefix('c'))
                .unwrap_or(m)
                .parse()
                .map_err(|_| SimParseError::RebalanceMember {
                    part: part.to_string(),
                    member: m.to_string(),
                })
        };
        let change = match what.trim().split_once(':') {
            None if what.trim() == "add" => Change::Add,
            Some(("remove", m)) => Change::Remove(member(m)?),
            Some(("kill", m)) => Change::Kill(member(m)?),
            _ => {
                return Err(SimParseError::RebalanceAction {
                    part: part.to_string(),
                })
            }
        };
        out.push(Rebalance { at, change });
    }
    out.sort_by_key(|r| r.at);
    Ok(out)
}

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub delivery: Delivery,
    /// Owning consumer per partition (ignored for sequential).
    pub owner: Vec<u32>,
    pub consumers: u32,
    pub hol_threshold_ms: u64,
    /// The assignor used for rebalances.
    pub assignor: Assignor,
    /// Membership changes, in arrival-index order (partitioned Kafka delivery only).
    pub rebalances: Vec<Rebalance>,
    pub rebalance_ms: u64,
    pub session_timeout_ms: u64,
    /// The delivery model what-if (replaces partitioned delivery).
    pub model: Model,
    /// HOL blocks kept in [`SimResult::blocks`] (the first, in event order);
    /// [`SimResult::blocked`] counts them all. A report that lists a few
    /// and counts the rest need not hold a lagging stream's every block.
    pub keep_blocks: usize,
}

impl SimConfig {
    /// The default consumer count for a delivery (SPEC §5).
    pub fn default_consumers(delivery: Delivery, partitions: u32) -> u32 {
        match delivery {
            Delivery::Sequential => 1,
            Delivery::Partitioned => partitions.clamp(1, 8),
        }
    }

    /// A config with `consumers` consumers assigned by the range assignor.
    pub fn range(
        delivery: Delivery,
        partitions: u32,
        consumers: u32,
        hol_threshold_ms: u64,
    ) -> SimConfig {
        SimConfig::with_assignor(
            delivery,
            Assignor::Range,
            partitions,
            consumers,
            hol_threshold_ms,
        )
    }

    /// A config with `consumers` consumers (`C0`..) assigned by `assignor`.
    pub fn with_assignor(
        delivery: Delivery,
        assignor: Assignor,
        partitions: u32,
        consumers: u32,
        hol_threshold_ms: u64,
    ) -> SimConfig {
        let consumers = consumers.max(1);
        SimConfig {
            delivery,
            owner: owner_for(assignor, partitions, consumers),
            consumers,
            hol_threshold_ms,
            assignor,
            rebalances: Vec::new(),
            rebalance_ms: DEFAULT_REBALANCE_MS,
            session_timeout_ms: DEFAULT_SESSION_TIMEOUT_MS,
            model: Model::Kafka,
            keep_blocks: usize::MAX,
        }
    }
}

/// The topic name used for the simulated group's single topic.
const TOPIC: &str = "t";

fn members_of(ids: &[u32]) -> Vec<Member> {
    ids.iter()
        .map(|c| Member::new(&format!("C{c}"), &[TOPIC]))
        .collect()
}

/// Owner per partition of an assignment of the one simulated topic
/// (members named `C<n>`; unowned partitions get `u32::MAX`).
fn owners(a: &Assignment, partitions: u32) -> Vec<u32> {
    let mut owner = vec![u32::MAX; partitions as usize];
    for (member, topics) in a {
        let Some(c) = member.strip_prefix('C').and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        for p in topics.get(TOPIC).into_iter().flatten() {
            if let Some(o) = owner.get_mut(*p as usize) {
                *o = c;
            }
        }
    }
    owner
}

/// Owner per partition under `assignor` for consumers `C0..C{consumers-1}`
/// subscribed to one topic, as the Kafka client assigns them.
pub fn owner_for(assignor: Assignor, partitions: u32, consumers: u32) -> Vec<u32> {
    if assignor == Assignor::Range {
        return range_owner(partitions, consumers);
    }
    let ids: Vec<u32> = (0..consumers.max(1)).collect();
    let a = assign::assign(
        assignor,
        &members_of(&ids),
        &[(TOPIC.to_string(), partitions)],
        None,
    );
    owners(&a, partitions)
        .into_iter()
        .enumerate()
        .map(|(p, o)| {
            if o == u32::MAX {
                p as u32 % consumers.max(1)
            } else {
                o
            }
        })
        .collect()
}

/// An assignment of the simulated topic from owners per partition.
fn assignment_of(owner: &[u32]) -> Assignment {
    let mut a = Assignment::new();
    for (p, &c) in owner.iter().enumerate() {
        if c == u32::MAX {
            continue;
        }
        a.entry(format!("C{c}"))
            .or_default()
            .entry(TOPIC.to_string())
            .or_default()
            .push(p as u32);
    }
    a
}

/// The outcome of one rebalance: the new owners, and per partition the time
/// (relative to the rebalance's start) before which it cannot be consumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebalanceStep {
    pub owner: Vec<u32>,
    pub paused_for: Vec<u64>,
}

/// One rebalance of the simulated group from `owner` to members `ids`.
/// Eager assignors revoke everything: every partition pauses `rebalance_ms`.
/// Cooperative ones (cooperative-sticky, uniform) run the client's rounds
/// ([`assign::rounds`]); a partition that keeps its owner never pauses, one
/// that moves pauses until the end of the round that gives it its new owner
/// (round k ends `k * rebalance_ms` after the start).
pub fn rebalance_step(
    assignor: Assignor,
    owner: &[u32],
    ids: &[u32],
    rebalance_ms: u64,
) -> RebalanceStep {
    let partitions = owner.len() as u32;
    let members = members_of(ids);
    let topics = [(TOPIC.to_string(), partitions)];
    let previous = assignment_of(owner);
    if assignor.is_eager() {
        let a = assign::assign(assignor, &members, &topics, Some(&previous));
        return RebalanceStep {
            owner: owners(&a, partitions),
            paused_for: vec![rebalance_ms; owner.len()],
        };
    }
    let rounds = assign::rounds(assignor, &members, &topics, Some(&previous));
    let fin = rounds
        .last()
        .map(|a| owners(a, partitions))
        .unwrap_or_else(|| vec![u32::MAX; owner.len()]);
    let mut paused_for = vec![0u64; owner.len()];
    for p in 0..owner.len() {
        if fin[p] == owner[p] {
            continue;
        }
        let k = rounds
            .iter()
            .position(|a| owners(a, partitions)[p] == fin[p])
            .map_or(rounds.len(), |k| k + 1);
        paused_for[p] = rebalance_ms.saturating_mul(k as u64);
    }
    RebalanceStep {
        owner: fin,
        paused_for,
    }
}

/// Owner per partition under the range assignor (one topic).
pub fn range_owner(partitions: u32, consumers: u32) -> Vec<u32> {
    let c = consumers.max(1);
    let per = partitions / c;
    let extra = partitions % c;
    let mut owner = Vec::with_capacity(partitions as usize);
    for m in 0..c {
        let n = per + u32::from(m < extra);
        owner.extend(std::iter::repeat_n(m, n as usize));
    }
    owner
}

/// A head-of-line block: an event waited behind other entities' events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HolBlock {
    pub event: u32,
    /// The longest-running other-entity event ahead of it.
    pub blocker: u32,
    /// Wait spent behind other entities (the whole wait is
    /// [`SimResult::wait`] of `event`).
    pub hol_ms: i64,
}

/// Timing of every event under one delivery model.
#[derive(Clone, Debug, Default)]
pub struct SimResult {
    /// Wait per event (start - arrival; the start is [`SimResult::start`]).
    pub wait: Vec<i64>,
    /// Events HOL-blocked past the threshold, in arrival order: the first
    /// [`SimConfig::keep_blocks`] of them.
    pub blocks: Vec<HolBlock>,
    /// How many events were HOL-blocked (all, kept or not).
    pub blocked: u64,
    /// Owning consumer per partition.
    pub owner: Vec<u32>,
    /// Busy time per consumer.
    pub busy_ms: Vec<i64>,
    pub max_wait_ms: i64,
    pub p99_wait_ms: i64,
    /// What the rebalances cost (zero without rebalances).
    pub rebalance: RebalanceSummary,
    /// The group's generations (partitioned Kafka delivery): the first, then
    /// one per rebalance, in arrival-index order.
    pub generations: Vec<Generation>,
}

/// One generation of the simulated group: from the event at arrival index
/// `at` on, `members` own partitions as `owner` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    pub at: u32,
    /// Stream time the rebalance started (epoch ms; the first event's arrival
    /// for the first generation).
    pub time_ms: i64,
    pub members: Vec<u32>,
    pub owner: Vec<u32>,
    /// What changed, in words (`None` for the first generation).
    pub cause: Option<String>,
    /// Per partition, how long it could not be consumed (ms).
    pub paused_for: Vec<u64>,
}

impl SimResult {
    /// When event `i` of `store` started (its arrival plus its wait).
    pub fn start(&self, store: &EventStore, i: usize) -> Option<i64> {
        Some(store.arrival.get(i)?.saturating_add(*self.wait.get(i)?))
    }

    /// Total wait over all events.
    pub fn total_wait_ms(&self) -> i64 {
        self.wait.iter().fold(0i64, |a, &w| a.saturating_add(w))
    }
}

/// An event ahead in a queue: (start, finish, entity, index).
type Ahead = (i64, i64, u32, u32);

/// How many events at the head of a queue the blocker is chosen from.
const BLOCKER_WINDOW: usize = 4096;

/// A blocker candidate: an event ahead, by running time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cand {
    dur: i64,
    entity: u32,
    index: u32,
}

impl Cand {
    fn of(a: &Ahead) -> Cand {
        Cand {
            dur: a.1 - a.0,
            entity: a.2,
            index: a.3,
        }
    }
    /// Longer running wins; among equals, the earlier event.
    fn beats(&self, o: &Cand) -> bool {
        (self.dur, std::cmp::Reverse(self.index)) > (o.dur, std::cmp::Reverse(o.index))
    }
}

/// The best candidate of a run of events and the best one of another entity
/// than the best's: enough to answer "the best of any entity but e" for every
/// e, and mergeable, so a sliding window of them costs O(1) amortised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Top2 {
    best: Option<Cand>,
    other: Option<Cand>,
}

impl Top2 {
    fn offer(&mut self, c: Cand) {
        match self.best {
            None => self.best = Some(c),
            Some(b) if c.beats(&b) => {
                // b beats the old `other`, so it is the best of the entities
                // other than c's; with the same entity, `other` still holds.
                if b.entity != c.entity {
                    self.other = Some(b);
                }
                self.best = Some(c);
            }
            Some(b) => {
                if c.entity != b.entity && self.other.is_none_or(|o| c.beats(&o)) {
                    self.other = Some(c);
                }
            }
        }
    }
    fn merge(mut self, y: &Top2) -> Top2 {
        for c in [y.best, y.other].into_iter().flatten() {
            self.offer(c);
        }
        self
    }
    fn excluding(&self, entity: u32) -> Option<u32> {
        match self.best {
            Some(b) if b.entity != entity => Some(b.index),
            _ => self.other.map(|o| o.index),
        }
    }
}

/// The running time of each entity's queued events, per queue (for HOL
/// time). An entity's events share a queue nearly always (its partition's),
/// so its sum sits in a slot of a table by entity id, beside the queue it
/// counts, and sums in any other queue in a map. A slot's address is known
/// from the id, so it is warmed before it is read: a map of sums per queue
/// missed the cache at nearly every look-up on a lagging consumer's queues.
#[derive(Default)]
struct EntitySums {
    home: Vec<Home>,
    away: HashMap<(u32, u32), i64>,
}

/// An entity's queue (the first it was queued in) and its sum there.
#[derive(Clone, Copy)]
struct Home {
    sum: i64,
    queue: u32,
}

impl EntitySums {
    /// No queue yet.
    const NOWHERE: Home = Home {
        sum: 0,
        queue: u32::MAX,
    };

    fn warm(&self, entity: u32) {
        if let Some(h) = self.home.get(entity as usize) {
            crate::model::prefetch(h);
        }
    }

    /// `entity`'s slot, made: ids are dense, the store's entities' (events
    /// without an entity go to the map).
    fn home(&mut self, entity: u32) -> Option<&mut Home> {
        if entity == crate::model::NONE {
            return None;
        }
        let e = entity as usize;
        if e >= self.home.len() {
            self.home.resize(e + 1, Self::NOWHERE);
        }
        self.home.get_mut(e)
    }

    fn add(&mut self, queue: u32, entity: u32, d: i64) {
        match self.home(entity) {
            Some(h) if h.queue == queue => h.sum += d,
            Some(h) if h.queue == Self::NOWHERE.queue => *h = Home { sum: d, queue },
            _ => *self.away.entry((queue, entity)).or_insert(0) += d,
        }
    }

    fn sub(&mut self, queue: u32, entity: u32, d: i64) {
        match self.home.get_mut(entity as usize) {
            Some(h) if h.queue == queue => h.sum -= d,
            _ => {
                if let Some(x) = self.away.get_mut(&(queue, entity)) {
                    *x -= d;
                    if *x <= 0 {
                        self.away.remove(&(queue, entity));
                    }
                }
            }
        }
    }

    fn get(&self, queue: u32, entity: u32) -> i64 {
        match self.home.get(entity as usize) {
            Some(h) if h.queue == queue => h.sum,
            _ => self.away.get(&(queue, entity)).copied().unwrap_or(0),
        }
    }
}

/// The backlog of one queue with running sums, so HOL time is O(1) per event,
/// and the blocker candidates of its first `window` events as a two-stack
/// queue of [`Top2`] (a front run with suffix aggregates, a back run with
/// one running aggregate), so finding a blocker is amortised O(1) too.
struct Queue {
    /// Its index, in [`EntitySums`].
    id: u32,
    ahead: VecDeque<Ahead>,
    total: i64,
    window: usize,
    /// Events popped so far: the absolute position of `ahead`'s front.
    head: u64,
    /// End (exclusive, absolute) of the window: min(tail, head + window).
    win_end: u64,
    /// The front run is [head, mid), the back run [mid, win_end).
    mid: u64,
    /// `front[k]`: the aggregate of [front_base + k, mid).
    front: Vec<Top2>,
    front_base: u64,
    back: Top2,
}

impl Queue {
    fn new(id: u32, window: usize) -> Queue {
        Queue {
            id,
            ahead: VecDeque::new(),
            total: 0,
            window: window.max(1),
            head: 0,
            win_end: 0,
            mid: 0,
            front: Vec::new(),
            front_base: 0,
            back: Top2::default(),
        }
    }
    fn tail(&self) -> u64 {
        self.head + self.ahead.len() as u64
    }
    /// Moves the back run into the front run, computing suffix aggregates.
    fn flip(&mut self) {
        let n = (self.win_end - self.head) as usize;
        self.front.clear();
        self.front.resize(n, Top2::default());
        let mut acc = Top2::default();
        for k in (0..n).rev() {
            acc.offer(Cand::of(&self.ahead[k]));
            self.front[k] = acc;
        }
        self.front_base = self.head;
        self.mid = self.win_end;
        self.back = Top2::default();
    }
    fn pop_done(&mut self, now: i64, sums: &mut EntitySums) {
        while let Some(&(s, f, e, _)) = self.ahead.front() {
            if f > now {
                break;
            }
            if self.head == self.mid {
                self.flip();
            }
            self.ahead.pop_front();
            self.head += 1;
            // The queue outgrows the caches when consumers lag: ask for the
            // events that will be the front and slide into the window a few
            // pops from now.
            // So are the sums and the window's aggregates those pops read
            // (of an event asked for a few pops ago, so its entity is there).
            if let Some(a) = self.ahead.get(crate::model::AHEAD) {
                crate::model::prefetch(a);
            }
            if let Some(a) = self.ahead.get(crate::model::AHEAD / 2) {
                sums.warm(a.2);
            }
            let k = (self.head - self.front_base) as usize + crate::model::AHEAD;
            if let Some(t) = self.front.get(k) {
                crate::model::prefetch(t);
            }
            let slide = (self.win_end - self.head) as usize + crate::model::AHEAD;
            if let Some(a) = self.ahead.get(slide) {
                crate::model::prefetch(a);
            }
            let d = f - s;
            self.total -= d;
            sums.sub(self.id, e, d);
            // The event just past the window's end slides in.
            if self.win_end < self.tail() && self.win_end < self.head + self.window as u64 {
                let a = self.ahead[(self.win_end - self.head) as usize];
                self.back.offer(Cand::of(&a));
                self.win_end += 1;
            }
        }
    }
    fn push(&mut self, a: Ahead, sums: &mut EntitySums) {
        let d = a.1 - a.0;
        self.total += d;
        sums.add(self.id, a.2, d);
        self.ahead.push_back(a);
        if self.win_end < self.head + self.window as u64 {
            self.back.offer(Cand::of(&a));
            self.win_end += 1;
        }
    }
    /// Time in [arrival, start) spent on other entities' events of this
    /// queue, `same` the running time of `entity`'s events in it.
    fn other_entity_ms(&self, entity: u32, arrival: i64, same: i64) -> i64 {
        let clip = self.ahead.front().map_or(0, |a| (arrival - a.0).max(0));
        let same_clip = match self.ahead.front() {
            Some(a) if a.2 == entity => clip,
            _ => 0,
        };
        (self.total - clip) - (same - same_clip)
    }
    /// The longest-running other-entity event among the first `window` ahead
    /// (ties: the earliest), as [`Queue::blocker_scan`] finds it by scanning.
    fn blocker(&mut self, entity: u32) -> Option<u32> {
        let front = if self.head < self.mid {
            self.front[(self.head - self.front_base) as usize]
        } else {
            Top2::default()
        };
        front.merge(&self.back).excluding(entity)
    }
    /// [`Queue::other_entity_ms`] summing the queue's events, the reference.
    #[cfg(test)]
    fn other_entity_ms_scan(&self, entity: u32, arrival: i64) -> i64 {
        let clip = self.ahead.front().map_or(0, |a| (arrival - a.0).max(0));
        let run = |a: &Ahead| a.1 - a.0;
        let total: i64 = self.ahead.iter().map(run).sum();
        let same: i64 = self.ahead.iter().filter(|a| a.2 == entity).map(run).sum();
        let same_clip = match self.ahead.front() {
            Some(a) if a.2 == entity => clip,
            _ => 0,
        };
        (total - clip) - (same - same_clip)
    }

    /// The reference: a scan of the first `window` events ahead.
    #[cfg(test)]
    fn blocker_scan(&mut self, entity: u32) -> Option<u32> {
        self.ahead
            .iter()
            .take(self.window)
            .filter(|a| a.2 != entity)
            .max_by_key(|a| (a.1 - a.0, std::cmp::Reverse(a.3)))
            .map(|a| a.3)
    }
}

/// What the rebalances of a simulation cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RebalanceSummary {
    /// Rebalances that took place.
    pub count: u64,
    /// Partition-milliseconds during which a partition could not be consumed
    /// (sum over partitions of their pauses, including a killed member's
    /// partitions stalled until its session timed out).
    pub pause_ms: u64,
}

/// Simulates the store's events under `cfg`.
pub fn simulate(store: &EventStore, cfg: &SimConfig) -> SimResult {
    let mut r = match (cfg.delivery, cfg.model) {
        (Delivery::Partitioned, Model::SqsFifo { .. })
        | (Delivery::Partitioned, Model::PubsubKey)
        | (Delivery::Partitioned, Model::ServiceBusSession) => simulate_keyed(store, cfg),
        _ => simulate_queues(store, cfg),
    };
    // A lagging stream blocks most events: the blocks outlive the run (the
    // views and the report read them), their growth slack need not.
    r.blocks.shrink_to_fit();
    r
}

/// Pending membership changes applied while simulating partitioned delivery.
struct Group {
    members: Vec<u32>,
    next_id: u32,
    /// Earliest start per partition (pauses).
    ready: Vec<i64>,
    summary: RebalanceSummary,
    generations: Vec<Generation>,
    /// The next membership change to apply, by its index in the changes.
    next_change: usize,
    /// Killed members and when their session times out: (at, member). The
    /// group rebalances without a member only then.
    pending_kills: Vec<(i64, u32)>,
}

impl Group {
    fn rebalance(
        &mut self,
        cfg: &SimConfig,
        owner: &mut Vec<u32>,
        (index, at): (usize, i64),
        cause: String,
    ) {
        let rb = cfg.rebalance_ms.min(MAX_PAUSE_MS);
        let step = rebalance_step(cfg.assignor, owner, &self.members, rb);
        self.generations.push(Generation {
            at: index as u32,
            time_ms: at,
            members: self.members.clone(),
            owner: step.owner.clone(),
            cause: Some(cause),
            paused_for: step.paused_for.clone(),
        });
        for (p, &d) in step.paused_for.iter().enumerate() {
            if let Some(r) = self.ready.get_mut(p) {
                *r = (*r).max(at.saturating_add(d.min(MAX_PAUSE_MS) as i64));
            }
            self.summary.pause_ms = self.summary.pause_ms.saturating_add(d);
        }
        self.summary.count += 1;
        *owner = step.owner;
    }

    /// Applies what is due before event `i` (arriving at `arrival`): the
    /// changes `rebalances` lists for it, then the sessions of killed
    /// members that timed out. Usually nothing, so this stays cheap.
    #[inline]
    fn apply_due(
        &mut self,
        cfg: &SimConfig,
        rebalances: &[Rebalance],
        owner: &mut Vec<u32>,
        (i, arrival): (usize, i64),
    ) {
        while let Some(r) = rebalances.get(self.next_change) {
            if r.at as usize > i {
                break;
            }
            self.next_change += 1;
            self.change(cfg, &r.change, owner, (i, arrival));
        }
        if !self.pending_kills.is_empty() {
            self.expire_sessions(cfg, owner, (i, arrival));
        }
    }

    /// One membership change: a join or a leave rebalances at once; a kill
    /// pauses the member's partitions until its session times out.
    fn change(
        &mut self,
        cfg: &SimConfig,
        change: &Change,
        owner: &mut Vec<u32>,
        (i, arrival): (usize, i64),
    ) {
        match *change {
            Change::Add => {
                let id = self.next_id;
                self.members.push(id);
                self.next_id += 1;
                self.rebalance(cfg, owner, (i, arrival), format!("c{id} joined"));
            }
            Change::Remove(c) => {
                if self.members.contains(&c) {
                    self.members.retain(|m| *m != c);
                    self.rebalance(cfg, owner, (i, arrival), format!("c{c} left"));
                }
            }
            Change::Kill(c) => {
                // Killing a member already dying changes nothing.
                if self.members.contains(&c) && !self.pending_kills.iter().any(|k| k.1 == c) {
                    let timeout = cfg.session_timeout_ms.min(MAX_PAUSE_MS);
                    let until = arrival.saturating_add(timeout as i64);
                    for (p, o) in owner.iter().enumerate() {
                        if *o == c {
                            self.ready[p] = self.ready[p].max(until);
                            self.summary.pause_ms = self.summary.pause_ms.saturating_add(timeout);
                        }
                    }
                    self.pending_kills.push((until, c));
                }
            }
        }
    }

    /// The session of a killed member times out: the rebalance happens then,
    /// applied to the events arriving from here on.
    fn expire_sessions(
        &mut self,
        cfg: &SimConfig,
        owner: &mut Vec<u32>,
        (i, arrival): (usize, i64),
    ) {
        let mut kills = std::mem::take(&mut self.pending_kills);
        kills.retain(|&(at, c)| {
            if at > arrival {
                return true;
            }
            if !self.members.contains(&c) {
                // It left cleanly while its session was timing out.
                return false;
            }
            self.members.retain(|m| *m != c);
            self.rebalance(
                cfg,
                owner,
                (i, at),
                format!("c{c} died; its session timed out"),
            );
            false
        });
        self.pending_kills = kills;
    }
}

/// Kafka partitions (or one queue): per-queue order, consumers by owner.
fn simulate_queues(store: &EventStore, cfg: &SimConfig) -> SimResult {
    simulate_queues_with(store, cfg, BLOCKER_WINDOW, Search::Fast)
}

/// How a queue's head-of-line block is measured: with the running sums and
/// the window's aggregates, or (tests) by scanning the queue, the reference.
#[derive(Clone, Copy, Debug)]
enum Search {
    Fast,
    #[cfg(test)]
    Scan,
}

impl Search {
    /// [`Queue::other_entity_ms`].
    fn hol(self, queue: &Queue, sums: &EntitySums, entity: u32, arrival: i64) -> i64 {
        match self {
            Search::Fast => queue.other_entity_ms(entity, arrival, sums.get(queue.id, entity)),
            #[cfg(test)]
            Search::Scan => queue.other_entity_ms_scan(entity, arrival),
        }
    }

    /// [`Queue::blocker`].
    fn blocker(self, queue: &mut Queue, entity: u32) -> Option<u32> {
        match self {
            Search::Fast => queue.blocker(entity),
            #[cfg(test)]
            Search::Scan => queue.blocker_scan(entity),
        }
    }
}

/// [`simulate_queues`] with the blocker window and the search as
/// parameters, so tests can run the reference scan on the same streams.
fn simulate_queues_with(
    store: &EventStore,
    cfg: &SimConfig,
    window: usize,
    search: Search,
) -> SimResult {
    let mut sim = QueueSim::new(store, cfg, window);
    let rebalances: &[Rebalance] = if sim.single { &[] } else { &cfg.rebalances };
    for i in 0..store.len() {
        let arrival = store.arrival[i];
        sim.group
            .apply_due(cfg, rebalances, &mut sim.owner, (i, arrival));
        sim.deliver(store, (i, arrival), search);
    }
    sim.finish(cfg)
}

/// The state of a queue simulation between two events.
struct QueueSim {
    /// One queue and one consumer (sequential delivery, RabbitMQ SAC).
    single: bool,
    queues: Vec<Queue>,
    /// What each entity's queued events run for, per queue.
    sums: EntitySums,
    /// The owning consumer per queue (`u32::MAX`: none).
    owner: Vec<u32>,
    /// When each consumer is next free, and how long it has been busy.
    free: Vec<i64>,
    busy: Vec<i64>,
    /// The previous event of each queue finishing (matters once a queue changes owner).
    queue_free: Vec<i64>,
    group: Group,
    /// Waits longer than this may be head-of-line blocks.
    threshold: i64,
    keep_blocks: usize,
    res: SimResult,
}

impl QueueSim {
    /// Queues, owners and consumers as `cfg` lays them out, before any event;
    /// partitioned delivery starts with the group's first generation.
    fn new(store: &EventStore, cfg: &SimConfig, window: usize) -> QueueSim {
        let n = store.len();
        let single = cfg.delivery == Delivery::Sequential || cfg.model == Model::RabbitmqSac;
        let queues_n = if single {
            1
        } else {
            store.partitions.max(1) as usize
        };
        let queues: Vec<Queue> = (0..queues_n)
            .map(|q| Queue::new(q as u32, window))
            .collect();
        let mut owner = if single { vec![0] } else { cfg.owner.clone() };
        owner.resize(queues_n, u32::MAX);
        for (p, o) in owner.iter_mut().enumerate() {
            if *o == u32::MAX {
                *o = p as u32 % cfg.consumers.max(1);
            }
        }
        let consumers = if single { 1 } else { cfg.consumers.max(1) };
        let mut group = Group {
            members: (0..consumers).collect(),
            next_id: consumers,
            ready: vec![i64::MIN; queues_n],
            summary: RebalanceSummary::default(),
            generations: Vec::new(),
            next_change: 0,
            pending_kills: Vec::new(),
        };
        if !single {
            group.generations.push(Generation {
                at: 0,
                time_ms: store.arrival.first().copied().unwrap_or(0),
                members: group.members.clone(),
                owner: owner.clone(),
                cause: None,
                paused_for: vec![0; queues_n],
            });
        }
        QueueSim {
            single,
            queues,
            sums: EntitySums::default(),
            owner,
            free: vec![i64::MIN; consumers as usize],
            busy: vec![0i64; consumers as usize],
            queue_free: vec![i64::MIN; queues_n],
            group,
            threshold: cfg.hol_threshold_ms as i64,
            keep_blocks: cfg.keep_blocks,
            res: SimResult {
                wait: Vec::with_capacity(n),
                ..SimResult::default()
            },
        }
    }

    /// The consumer that takes the next event of queue `q`.
    #[inline]
    fn consumer(&mut self, q: usize) -> usize {
        let c = self.owner.get(q).copied().unwrap_or(0);
        let c = if (c as usize) < self.free.len() {
            c as usize
        } else if c == u32::MAX {
            // An unowned partition (no member left) is consumed by nobody:
            // charge it to the first member so the stream still completes.
            self.group.members.first().copied().unwrap_or(0) as usize
        } else {
            self.free.resize(c as usize + 1, i64::MIN);
            self.busy.resize(c as usize + 1, 0);
            c as usize
        };
        if c >= self.free.len() {
            self.free.resize(c + 1, i64::MIN);
            self.busy.resize(c + 1, 0);
        }
        c
    }

    /// Event `i` (arriving at `arrival`) through its queue and consumer: when
    /// it starts and finishes, its wait, and its head-of-line block if it
    /// waited past the threshold mostly behind other entities.
    #[inline]
    fn deliver(&mut self, store: &EventStore, (i, arrival): (usize, i64), search: Search) {
        let q = if self.single {
            0
        } else {
            (store.partition[i] as usize).min(self.queues.len() - 1)
        };
        if let Some(&e) = store.entity.get(i + crate::model::AHEAD) {
            self.sums.warm(e);
        }
        let c = self.consumer(q);
        let queue = &mut self.queues[q];
        queue.pop_done(arrival, &mut self.sums);
        let start = arrival
            .max(self.free[c])
            .max(self.queue_free[q])
            .max(self.group.ready[q]);
        let finish = start.saturating_add(i64::from(store.cost[i]));
        self.free[c] = finish;
        self.queue_free[q] = finish;
        self.busy[c] += finish - start;
        let wait = start - arrival;
        let entity = store.entity[i];
        let res = &mut self.res;
        if wait > self.threshold {
            let hol = search.hol(queue, &self.sums, entity, arrival);
            if hol > self.threshold {
                if let Some(blocker) = search.blocker(queue, entity) {
                    res.blocked += 1;
                    if res.blocks.len() < self.keep_blocks {
                        res.blocks.push(HolBlock {
                            event: i as u32,
                            blocker,
                            hol_ms: hol,
                        });
                    }
                }
            }
        }
        queue.push((start, finish, entity, i as u32), &mut self.sums);
        res.wait.push(wait);
        res.max_wait_ms = res.max_wait_ms.max(wait);
    }

    /// The result, once every event is through.
    fn finish(self, cfg: &SimConfig) -> SimResult {
        let mut res = self.res;
        res.owner = if self.single {
            cfg.owner.clone()
        } else {
            self.owner
        };
        res.busy_ms = self.busy;
        res.rebalance = self.group.summary;
        res.generations = self.group.generations;
        res.p99_wait_ms = percentile(&res.wait, 0.99);
        res
    }
}

/// Per-entity delivery (SQS FIFO groups, Pub/Sub ordering keys, Service Bus
/// sessions): an entity's next event starts only after its previous one
/// finished; any free consumer takes it (Service Bus: the consumer holding
/// the session's lock, while the session has work). Waits behind other
/// entities come from busy consumers, not from a shared queue, so there is
/// no head-of-line blocking in these models.
fn simulate_keyed(store: &EventStore, cfg: &SimConfig) -> SimResult {
    let mut sim = KeyedSim::new(store, cfg);
    for i in 0..store.len() {
        sim.deliver(store, i);
    }
    sim.finish()
}

/// The state of a per-entity delivery simulation between two events.
struct KeyedSim {
    model: Model,
    free: Vec<i64>,
    busy: Vec<i64>,
    entity_free: HashMap<u32, (i64, usize)>,
    /// Queue-wide throughput: the next delivery slot, in microseconds.
    step_us: i64,
    slot_us: i64,
    res: SimResult,
}

impl KeyedSim {
    fn new(store: &EventStore, cfg: &SimConfig) -> KeyedSim {
        let consumers = cfg.consumers.max(1) as usize;
        let (step_us, slot_us) = match cfg.model {
            Model::SqsFifo { limit_per_s } if limit_per_s > 0 => {
                (1_000_000i64 / i64::from(limit_per_s), i64::MIN / 2)
            }
            _ => (0, i64::MIN / 2),
        };
        KeyedSim {
            model: cfg.model,
            free: vec![i64::MIN; consumers],
            busy: vec![0i64; consumers],
            entity_free: HashMap::default(),
            step_us,
            slot_us,
            res: SimResult {
                wait: Vec::with_capacity(store.len() - store.first_kept()),
                owner: cfg.owner.clone(),
                ..SimResult::default()
            },
        }
    }

    #[inline]
    fn deliver(&mut self, store: &EventStore, i: usize) {
        let arrival = store.arrival[i];
        let entity = store.entity[i];
        let consumers = self.free.len();
        let prev = self.entity_free.get(&entity).copied();
        let earliest = arrival.max(prev.map_or(i64::MIN, |p| p.0));
        let free = &self.free;
        let c = match (self.model, prev) {
            // The session is still locked by its consumer while it has work.
            (Model::ServiceBusSession, Some((f, c))) if f > arrival => c,
            _ => (0..consumers)
                .min_by_key(|&c| (free[c].max(earliest), c))
                .unwrap_or(0),
        };
        let mut start = earliest.max(self.free[c]);
        if self.step_us > 0 {
            let s_us = start.saturating_mul(1000).max(self.slot_us);
            start = s_us.div_euclid(1000) + i64::from(s_us.rem_euclid(1000) > 0);
            self.slot_us = s_us + self.step_us;
        }
        let finish = start + i64::from(store.cost[i]);
        self.free[c] = finish;
        self.busy[c] += finish - start;
        self.entity_free.insert(entity, (finish, c));
        let wait = start - arrival;
        self.res.wait.push(wait);
        self.res.max_wait_ms = self.res.max_wait_ms.max(wait);
    }

    fn finish(self) -> SimResult {
        let mut res = self.res;
        res.busy_ms = self.busy;
        res.p99_wait_ms = percentile(&res.wait, 0.99);
        res
    }
}

/// A simulation advanced one event at a time, for the streaming analysis:
/// it keeps the waits of the events stepped since [`Stepper::clear_waits`]
/// only, and their distribution exactly ([`WaitHist`]), so its memory grows
/// with the consumers' backlog, not with the stream.
pub struct Stepper {
    sim: StepSim,
    rebalances: Vec<Rebalance>,
    hist: WaitHist,
    /// Arrival index of `wait[0]`.
    base: usize,
}

enum StepSim {
    Queues(Box<QueueSim>, SimConfig),
    Keyed(KeyedSim),
}

impl Stepper {
    /// A simulation of `cfg` starting at the store's first event.
    pub fn new(store: &EventStore, cfg: &SimConfig) -> Stepper {
        let keyed = matches!(
            (cfg.delivery, cfg.model),
            (Delivery::Partitioned, Model::SqsFifo { .. })
                | (Delivery::Partitioned, Model::PubsubKey)
                | (Delivery::Partitioned, Model::ServiceBusSession)
        );
        let sim = if keyed {
            StepSim::Keyed(KeyedSim::new(store, cfg))
        } else {
            StepSim::Queues(
                Box::new(QueueSim::new(store, cfg, BLOCKER_WINDOW)),
                cfg.clone(),
            )
        };
        let rebalances = match &sim {
            StepSim::Queues(q, _) if !q.single => cfg.rebalances.clone(),
            _ => Vec::new(),
        };
        Stepper {
            sim,
            rebalances,
            hist: WaitHist::default(),
            base: store.first_kept(),
        }
    }

    /// Delivers event `i` (the next in arrival order).
    #[inline]
    pub fn step(&mut self, store: &EventStore, i: usize) {
        match &mut self.sim {
            StepSim::Queues(q, cfg) => {
                let arrival = store.arrival[i];
                q.group
                    .apply_due(cfg, &self.rebalances, &mut q.owner, (i, arrival));
                q.deliver(store, (i, arrival), Search::Fast);
            }
            StepSim::Keyed(k) => k.deliver(store, i),
        }
        let w = *self.result().wait.last().unwrap_or(&0);
        self.hist.add(w);
    }

    /// What is known so far: the waits since the last clear (event `i`'s is
    /// [`Stepper::wait`]), the blocks kept, the generations.
    pub fn result(&self) -> &SimResult {
        match &self.sim {
            StepSim::Queues(q, _) => &q.res,
            StepSim::Keyed(k) => &k.res,
        }
    }

    /// The wait of event `i`, stepped since the last clear.
    #[inline]
    pub fn wait(&self, i: usize) -> i64 {
        self.result()
            .wait
            .get(i.wrapping_sub(self.base))
            .copied()
            .unwrap_or(0)
    }

    /// Forgets the waits kept (their distribution stays).
    pub fn clear_waits(&mut self) {
        let res = match &mut self.sim {
            StepSim::Queues(q, _) => &mut q.res,
            StepSim::Keyed(k) => &mut k.res,
        };
        self.base += res.wait.len();
        res.wait.clear();
    }

    /// The first event still in a queue (its blocker may be named later).
    pub fn oldest_queued(&self) -> Option<usize> {
        match &self.sim {
            StepSim::Queues(q, _) => q
                .queues
                .iter()
                .filter_map(|x| x.ahead.front().map(|a| a.3 as usize))
                .min(),
            StepSim::Keyed(_) => None,
        }
    }

    /// The sum of every wait so far.
    pub fn total_wait_ms(&self) -> i64 {
        self.hist.total
    }

    /// The result once every event is stepped: no per-event waits; p99
    /// from the exact distribution.
    pub fn finish(self) -> SimResult {
        let mut res = match self.sim {
            StepSim::Queues(q, cfg) => q.finish(&cfg),
            StepSim::Keyed(k) => k.finish(),
        };
        res.wait = Vec::new();
        res.p99_wait_ms = self.hist.percentile(0.99);
        res
    }
}

/// Waits counted by value: exact percentiles (as [`percentile`] gives them)
/// in little memory. Waits under 65,536 ms (`SMALL`) are counted in a
/// flat array. Longer ones (a lagging consumer's: nearly all distinct) are
/// kept in sorted blocks of 65,536 (`BLOCK`), each stored as the
/// LEB128 varints of its gaps: about one byte per wait where a map of
/// counts took some twenty-five.
#[derive(Clone, Debug, Default)]
pub struct WaitHist {
    small: Vec<u64>,
    /// Long waits not yet in a block.
    fresh: Vec<u32>,
    /// Sealed blocks: sorted, gap-encoded.
    blocks: Vec<Vec<u8>>,
    n: u64,
    total: i64,
}

impl WaitHist {
    /// Waits below this are counted in a flat array.
    const SMALL: usize = 1 << 16;
    /// Long waits per block (a few in unit tests, so they fill blocks).
    const BLOCK: usize = if cfg!(test) { 7 } else { 1 << 16 };

    /// Counts one wait.
    #[inline]
    pub fn add(&mut self, w: i64) {
        self.total = self.total.saturating_add(w);
        self.n += 1;
        let v = w.clamp(0, u32::MAX as i64) as u32;
        if (v as usize) < Self::SMALL {
            if self.small.is_empty() {
                self.small = vec![0; Self::SMALL];
            }
            self.small[v as usize] += 1;
        } else {
            self.fresh.push(v);
            if self.fresh.len() == Self::BLOCK {
                self.seal();
            }
        }
    }

    /// Moves the fresh long waits into a block of their own.
    fn seal(&mut self) {
        self.fresh.sort_unstable();
        let mut out = Vec::with_capacity(self.fresh.len() * 2);
        let mut last = 0u32;
        for &v in &self.fresh {
            let mut gap = v - last;
            last = v;
            while gap >= 0x80 {
                out.push((gap as u8) | 0x80);
                gap >>= 7;
            }
            out.push(gap as u8);
        }
        out.shrink_to_fit();
        self.blocks.push(out);
        self.fresh.clear();
    }

    /// Every long wait counted, in no particular order.
    fn long(&self) -> impl Iterator<Item = u32> + '_ {
        let sealed = self.blocks.iter().flat_map(|b| {
            let (mut at, mut last) = (0usize, 0u32);
            std::iter::from_fn(move || {
                let (mut gap, mut shift) = (0u32, 0);
                loop {
                    let byte = *b.get(at)?;
                    at += 1;
                    gap |= u32::from(byte & 0x7f) << shift;
                    if byte & 0x80 == 0 {
                        break;
                    }
                    shift += 7;
                }
                last += gap;
                Some(last)
            })
        });
        self.fresh.iter().copied().chain(sealed)
    }

    /// The `q` quantile (nearest rank), 0 when empty.
    pub fn percentile(&self, q: f64) -> i64 {
        if self.n == 0 {
            return 0;
        }
        let n = self.n as usize;
        let k = ((q * n as f64).ceil() as usize).clamp(1, n) as u64;
        let mut seen = 0u64;
        for (v, &c) in self.small.iter().enumerate() {
            seen += c;
            if seen >= k {
                return v as i64;
            }
        }
        // The (k - seen)th long wait: its high half from one count over
        // the blocks, then its low half from a second.
        let rank = k - seen;
        let mut high = vec![0u64; 1 << 16];
        for v in self.long() {
            high[(v >> 16) as usize] += 1;
        }
        let Some((h, rank)) = nth(&high, rank) else {
            return 0;
        };
        let mut low = vec![0u64; 1 << 16];
        for v in self.long().filter(|v| (v >> 16) as usize == h) {
            low[(v & 0xffff) as usize] += 1;
        }
        nth(&low, rank).map_or(0, |(l, _)| ((h << 16) | l) as i64)
    }
}

/// The slot of `counts` that holds the `rank`th counted value (from 1), and
/// that value's rank within the slot.
fn nth(counts: &[u64], rank: u64) -> Option<(usize, u64)> {
    let mut before = 0u64;
    for (slot, &c) in counts.iter().enumerate() {
        if before + c >= rank {
            return Some((slot, rank - before));
        }
        before += c;
    }
    None
}

/// The `q` quantile of `values` (nearest rank).
pub fn percentile(values: &[i64], q: f64) -> i64 {
    if values.is_empty() {
        return 0;
    }
    // Waits fit in u32 ms (49 days); a compact copy halves the peak memory.
    let mut v: Vec<u32> = values
        .iter()
        .map(|&w| w.clamp(0, u32::MAX as i64) as u32)
        .collect();
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, x, _) = v.select_nth_unstable(k);
    i64::from(*x)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::model::{Ingest, Lens, Payload, Record};
    use std::borrow::Cow;

    /// A store from (partition, entity, arrival ms, cost ms).
    pub(crate) fn store_of(events: &[(i32, &str, i64, u32)]) -> EventStore {
        let mut ing = Ingest::new(Lens::default(), false);
        for (i, (p, e, _, _)) in events.iter().enumerate() {
            let payload = format!(r#"{{"n":{i}}}"#);
            let rec = Record {
                topic: None,
                partition: *p,
                offset: i as i64,
                ts: None,
                headers: vec![],
                key: Payload::Text(Cow::Borrowed(e)),
                payload: Payload::Text(Cow::Owned(payload)),
            };
            ing.push(&rec, i as u64 + 1, None);
        }
        let (mut s, _) = ing.finish();
        s.arrival = events.iter().map(|e| e.2).collect();
        s.cost = events.iter().map(|e| e.3).collect();
        s
    }

    /// Two partitions, one entity each, an event on each at 0, 10 and 20 ms
    /// costing 10 ms.
    fn two_partitions() -> EventStore {
        store_of(&[
            (0, "a", 0, 10),
            (1, "b", 0, 10),
            (0, "a", 10, 10),
            (1, "b", 10, 10),
            (0, "a", 20, 10),
            (1, "b", 20, 10),
        ])
    }

    fn run(s: &EventStore, assignor: Assignor, consumers: u32, rb: Vec<Rebalance>) -> SimResult {
        let mut cfg = SimConfig::with_assignor(
            Delivery::Partitioned,
            assignor,
            s.partitions,
            consumers,
            100,
        );
        cfg.rebalances = rb;
        cfg.rebalance_ms = 100;
        simulate(s, &cfg)
    }

    fn add_at(at: u32) -> Vec<Rebalance> {
        vec![Rebalance {
            at,
            change: Change::Add,
        }]
    }

    #[test]
    fn eager_rebalance_two_to_three_consumers_by_hand() {
        // Range, C0:p0 C1:p1; C2 joins when event 2 arrives (10 ms). Eager:
        // both partitions pause until 110. Events 2,3 start at 110 (wait 100),
        // events 4,5 (arrive 20) start at 120 (wait 100). Without the
        // rebalance nothing waits. Pause: 2 partitions x 100 ms.
        let s = two_partitions();
        let calm = run(&s, Assignor::Range, 2, vec![]);
        assert_eq!(calm.total_wait_ms(), 0);
        let r = run(&s, Assignor::Range, 2, add_at(2));
        assert_eq!(r.wait, vec![0, 0, 100, 100, 100, 100]);
        assert_eq!(
            r.rebalance,
            RebalanceSummary {
                count: 1,
                pause_ms: 200
            }
        );
        assert_eq!(r.owner, vec![0, 1]);
    }

    #[test]
    fn cooperative_rebalance_two_to_three_consumers_by_hand() {
        // Cooperative-sticky keeps C0:p0 and C1:p1 when C2 joins: nothing
        // moves, nothing pauses, nothing waits.
        let s = two_partitions();
        let r = run(&s, Assignor::CooperativeSticky, 2, add_at(2));
        assert_eq!(r.wait, vec![0; 6]);
        assert_eq!(
            r.rebalance,
            RebalanceSummary {
                count: 1,
                pause_ms: 0
            }
        );
    }

    #[test]
    fn one_to_two_consumers_eager_vs_cooperative_by_hand() {
        // One consumer owns both partitions: waits 0,10,10,20,20,30 = 90.
        let s = two_partitions();
        let calm = run(&s, Assignor::Range, 1, vec![]);
        assert_eq!(calm.wait, vec![0, 10, 10, 20, 20, 30]);
        // Eager (range -> C0:p0, C1:p1) at 10 ms: both pause until 110.
        // Event 2 (C0) and 3 (C1) start 110, 4 and 5 start 120.
        let eager = run(&s, Assignor::Range, 1, add_at(2));
        assert_eq!(eager.wait, vec![0, 10, 100, 100, 100, 100]);
        assert_eq!(eager.rebalance.pause_ms, 200);
        // Cooperative-sticky: C0 keeps p0 and goes on; p1 is revoked in round
        // one and assigned to C1 in round two: paused until 10 + 2 x 100 = 210.
        // Event 2 (p0) starts 20 (wait 10), 3 (p1) 210 (200), 4 (p0) 30 (10),
        // 5 (p1) 220 (200).
        let coop = run(&s, Assignor::CooperativeSticky, 1, add_at(2));
        assert_eq!(coop.owner, vec![0, 1]);
        assert_eq!(coop.wait, vec![0, 10, 10, 200, 10, 200]);
        assert_eq!(coop.rebalance.pause_ms, 200);
    }

    #[test]
    fn a_killed_consumer_stalls_its_partitions_until_the_session_times_out() {
        let s = two_partitions();
        let mut cfg = SimConfig::with_assignor(Delivery::Partitioned, Assignor::Range, 2, 2, 100);
        cfg.rebalances = vec![Rebalance {
            at: 2,
            change: Change::Kill(1),
        }];
        cfg.rebalance_ms = 100;
        cfg.session_timeout_ms = 1000;
        let r = simulate(&s, &cfg);
        // p1 stalls from 10 to 1010; the rebalance is applied after the last
        // event has arrived, so p0 does not pause.
        assert_eq!(r.wait, vec![0, 0, 0, 1000, 0, 1000]);
        assert_eq!(r.rebalance.pause_ms, 1000);
    }

    #[test]
    fn rebalances_parse() {
        let r = parse_rebalances("add@10, remove:C1@5,kill:C0@20").unwrap();
        assert_eq!(
            r,
            vec![
                Rebalance {
                    at: 5,
                    change: Change::Remove(1)
                },
                Rebalance {
                    at: 10,
                    change: Change::Add
                },
                Rebalance {
                    at: 20,
                    change: Change::Kill(0)
                },
            ]
        );
        assert!(parse_rebalances("add").is_err());
        assert!(parse_rebalances("grow@3").is_err());
        assert!(parse_rebalances("kill:X@3").is_err());
    }

    #[test]
    fn unknown_names_are_errors_with_the_printed_text() {
        assert_eq!(
            "nope".parse::<Model>().unwrap_err().to_string(),
            format!(
                "unknown delivery model 'nope': expected one of {}",
                Model::NAMES.join(", ")
            )
        );
        assert_eq!(
            "nope".parse::<assign::Assignor>().unwrap_err().to_string(),
            "unknown assignor 'nope': expected one of range, roundrobin, sticky, \
             cooperative-sticky, uniform"
        );
        assert_eq!(
            "nope"
                .parse::<crate::strategy::StrategyKind>()
                .unwrap_err()
                .to_string(),
            "unknown strategy \"nope\"; known: sequential, partitioned, versioned, \
             versioned-monotonic, lww, state-machine, buffered, hybrid, all"
        );
    }

    #[test]
    fn parse_error_texts_are_the_printed_ones() {
        let text = |r: &str| parse_rebalances(r).unwrap_err().to_string();
        assert_eq!(text("add"), "rebalance \"add\": expected ACTION@INDEX");
        assert_eq!(
            text("add@x"),
            "rebalance \"add@x\": index \"x\" is not a number"
        );
        assert_eq!(
            text("kill:X@3"),
            "rebalance \"kill:X@3\": member \"X\" is not C<number>"
        );
        assert_eq!(
            text("grow@3"),
            "rebalance \"grow@3\": expected add, remove:C<n> or kill:C<n>"
        );
        use whatif::PartitionBy;
        assert_eq!(
            PartitionBy::parse(" , ").unwrap_err().to_string(),
            "--partition-by: expected key, entity or /pointer[,/pointer]"
        );
        assert_eq!(
            PartitionBy::parse("nope").unwrap_err().to_string(),
            "--partition-by \"nope\": \"nope\" is not a JSON pointer (it must start with '/'), \
             nor `key` or `header:NAME`"
        );
    }

    #[test]
    fn keyed_models_serialize_per_entity_only() {
        // Entity a: 3 events at 0 cost 10; entity b: 1 event at 0. Two consumers.
        let s = store_of(&[
            (0, "a", 0, 10),
            (0, "a", 0, 10),
            (0, "b", 0, 10),
            (0, "a", 0, 10),
        ]);
        let mut cfg = SimConfig::with_assignor(Delivery::Partitioned, Assignor::Range, 1, 2, 100);
        cfg.model = Model::PubsubKey;
        let r = simulate(&s, &cfg);
        assert_eq!(r.wait, vec![0, 10, 0, 20]);
        assert!(r.blocks.is_empty());
        // Kafka: one partition, one owner: b waits behind a.
        cfg.model = Model::Kafka;
        assert_eq!(simulate(&s, &cfg).wait, vec![0, 10, 20, 30]);
        // RabbitMQ SAC: one queue, one consumer.
        cfg.model = Model::RabbitmqSac;
        assert_eq!(simulate(&s, &cfg).wait, vec![0, 10, 20, 30]);
        // SQS FIFO at 100 msg/s: a delivery every 10 ms queue-wide.
        cfg.model = Model::SqsFifo { limit_per_s: 100 };
        assert_eq!(simulate(&s, &cfg).wait, vec![0, 10, 20, 30]);
        cfg.model = Model::ServiceBusSession;
        assert_eq!(simulate(&s, &cfg).wait, vec![0, 10, 0, 20]);
    }

    #[test]
    fn assignors_give_owners() {
        assert_eq!(owner_for(Assignor::RoundRobin, 4, 2), vec![0, 1, 0, 1]);
        assert_eq!(owner_for(Assignor::Range, 4, 2), vec![0, 0, 1, 1]);
    }

    proptest::proptest! {
        /// Any membership changes under any assignor and any delivery model:
        /// no panic, one wait per event, no negative wait; without changes
        /// nothing is paused.
        #[test]
        fn any_changes_any_model_never_panic(
            events in proptest::collection::vec((0i32..5, 0u8..4, 0i64..50, 0u32..20), 1..40),
            changes in proptest::collection::vec((0u32..45, 0u8..3, 0u32..6), 0..6),
            assignor in 0usize..5,
            model in 0usize..5,
            consumers in 1u32..5,
        ) {
            let names = ["a", "b", "c", "d"];
            let mut t = 0;
            let evs: Vec<(i32, &str, i64, u32)> = events
                .iter()
                .map(|&(p, e, dt, c)| {
                    t += dt;
                    (p, names[e as usize], t, c)
                })
                .collect();
            let s = store_of(&evs);
            let mut cfg = SimConfig::with_assignor(
                Delivery::Partitioned,
                Assignor::ALL[assignor],
                s.partitions,
                consumers,
                10,
            );
            cfg.model = Model::NAMES[model].parse().unwrap();
            cfg.rebalance_ms = 7;
            cfg.session_timeout_ms = 30;
            let calm = simulate(&s, &cfg);
            cfg.rebalances = changes
                .iter()
                .map(|&(at, k, c)| Rebalance {
                    at,
                    change: match k {
                        0 => Change::Add,
                        1 => Change::Remove(c),
                        _ => Change::Kill(c),
                    },
                })
                .collect();
            cfg.rebalances.sort_by_key(|r| r.at);
            let r = simulate(&s, &cfg);
            proptest::prop_assert_eq!(r.wait.len(), s.len());
            proptest::prop_assert!(r.wait.iter().all(|&w| w >= 0));
            proptest::prop_assert_eq!(calm.rebalance, RebalanceSummary::default());
            proptest::prop_assert!(calm.wait.iter().all(|&w| w >= 0));
            if cfg.model != Model::Kafka {
                // Other delivery models have no consumer group to rebalance.
                proptest::prop_assert_eq!(r.rebalance.count, 0);
            }
        }
    }

    /// A lagging stream: `n` events over `partitions` partitions and
    /// `entities` entities, arriving `gap` ms apart on average, costs drawn
    /// from `costs` (few values, so running times tie).
    pub(crate) fn lagging(
        n: usize,
        partitions: i32,
        entities: u32,
        gap: i64,
        costs: &[u32],
    ) -> EventStore {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let names: Vec<String> = (0..entities).map(|e| format!("e{e}")).collect();
        let mut t = 0;
        let evs: Vec<(i32, &str, i64, u32)> = (0..n)
            .map(|_| {
                t += (next() % (2 * gap as u64 + 1)) as i64;
                let p = (next() % partitions as u64) as i32;
                let e = &names[(next() % u64::from(entities)) as usize];
                let c = costs[(next() % costs.len() as u64) as usize];
                (p, e.as_str(), t, c)
            })
            .collect();
        store_of(&evs)
    }

    fn same_blocks(s: &EventStore, cfg: &SimConfig, window: usize) -> SimResult {
        let fast = simulate_queues_with(s, cfg, window, Search::Fast);
        let scan = simulate_queues_with(s, cfg, window, Search::Scan);
        assert_eq!(fast.blocks, scan.blocks);
        assert_eq!(fast.wait, scan.wait);
        fast
    }

    #[test]
    fn blocker_matches_the_scan_on_queues_longer_than_its_window() {
        // One consumer at 2.5x capacity on 3 partitions: queues grow to
        // thousands of events, past the 4096 the scan looks at.
        let s = lagging(30_000, 3, 500, 4, &[1, 5, 10, 10, 20]);
        let cfg = SimConfig::range(Delivery::Partitioned, 3, 1, 100);
        let r = same_blocks(&s, &cfg, BLOCKER_WINDOW);
        assert!(r.blocks.len() > 20_000, "{}", r.blocks.len());
        assert_eq!(r.blocked, r.blocks.len() as u64);
        // Keeping a few blocks keeps the first ones and counts them all.
        let few = simulate(
            &s,
            &SimConfig {
                keep_blocks: 7,
                ..cfg.clone()
            },
        );
        assert_eq!(few.blocks[..], r.blocks[..7]);
        assert_eq!((few.blocked, &few.wait), (r.blocked, &r.wait));
        let cfg = SimConfig::range(Delivery::Sequential, 3, 1, 100);
        same_blocks(&s, &cfg, BLOCKER_WINDOW);
    }

    proptest::proptest! {
        /// The counted distribution gives [`percentile`]'s answer, negative,
        /// small and long waits included: long ones repeated, spread over
        /// gaps of one to five varint bytes and around `u32::MAX`, in many
        /// blocks (seven waits each in unit tests).
        #[test]
        fn wait_hist_percentiles_are_exact(
            waits in proptest::collection::vec(
                proptest::prop_oneof![
                    -5i64..5,
                    0i64..70_000,
                    65_530i64..65_560,
                    65_536i64..5_000_000,
                    (1i64 << 32) - 3..(1i64 << 32) + 3,
                    0i64..i64::MAX / 2,
                ],
                0..600,
            ),
            q in proptest::sample::select(vec![0.0, 0.5, 0.9, 0.99, 1.0]),
        ) {
            let mut h = WaitHist::default();
            for &w in &waits {
                h.add(w);
            }
            proptest::prop_assert_eq!(h.percentile(q), percentile(&waits, q));
            let total = waits.iter().fold(0i64, |a, &w| a.saturating_add(w));
            proptest::prop_assert_eq!(h.total, total);
        }
    }

    #[test]
    fn a_stepped_simulation_is_the_whole_one() {
        // Lagging (most events blocked) and healthy; queues and keyed models.
        for cost in [40, 1] {
            let s = lagging(5_000, 4, 300, 10, &[cost, cost * 2]);
            for model in [Model::Kafka, Model::PubsubKey, Model::RabbitmqSac] {
                let mut cfg = SimConfig::range(Delivery::Partitioned, 4, 2, 100);
                cfg.model = model;
                cfg.keep_blocks = 20;
                cfg.rebalances = parse_rebalances("add@100,kill:C0@2000").unwrap();
                let whole = simulate(&s, &cfg);
                let mut st = Stepper::new(&s, &cfg);
                let mut waits = Vec::new();
                for i in 0..s.len() {
                    st.step(&s, i);
                    waits.push(st.wait(i));
                    if i % 97 == 0 {
                        st.clear_waits();
                    }
                }
                let stepped = st.finish();
                assert_eq!(waits, whole.wait, "{model:?}");
                assert_eq!(stepped.blocks, whole.blocks);
                assert_eq!(
                    (stepped.blocked, stepped.max_wait_ms, stepped.p99_wait_ms),
                    (whole.blocked, whole.max_wait_ms, whole.p99_wait_ms)
                );
                assert_eq!(stepped.generations, whole.generations);
                assert_eq!(stepped.busy_ms, whole.busy_ms);
            }
        }
    }

    proptest::proptest! {
        /// The blocker found in O(1) amortised is the scan's, ties included,
        /// and so is the HOL time from the running sums (the blocks hold
        /// it), on lagging and healthy streams, for any window and consumer
        /// count; entities spread over partitions, so their sums are kept
        /// both in their home slots and away from them.
        #[test]
        fn blocker_is_the_scans(
            events in proptest::collection::vec((0i32..4, 0u8..12, 0i64..6, 0usize..4), 1..400),
            costs in proptest::collection::vec(0u32..12, 4),
            consumers in 1u32..4,
            window in proptest::sample::select(vec![1usize, 2, 3, 5, 8, 64, 4096]),
            sequential in proptest::bool::ANY,
            rebalance in proptest::option::of((0u32..400, 0u8..3)),
        ) {
            let names: Vec<String> = (0..12).map(|e| format!("e{e}")).collect();
            let mut t = 0;
            let evs: Vec<(i32, &str, i64, u32)> = events
                .iter()
                .map(|&(p, e, dt, c)| {
                    t += dt;
                    (p, names[e as usize].as_str(), t, costs[c])
                })
                .collect();
            let s = store_of(&evs);
            let delivery = if sequential { Delivery::Sequential } else { Delivery::Partitioned };
            let mut cfg = SimConfig::range(delivery, s.partitions, consumers, 3);
            cfg.rebalance_ms = 9;
            cfg.session_timeout_ms = 20;
            cfg.rebalances = rebalance
                .map(|(at, k)| Rebalance {
                    at,
                    change: [Change::Add, Change::Remove(0), Change::Kill(0)][k as usize].clone(),
                })
                .into_iter()
                .collect();
            let fast = simulate_queues_with(&s, &cfg, window, Search::Fast);
            let scan = simulate_queues_with(&s, &cfg, window, Search::Scan);
            proptest::prop_assert_eq!(fast.blocks, scan.blocks);
            proptest::prop_assert_eq!(fast.wait, scan.wait);
        }
    }

    #[test]
    fn range_splits_like_the_kafka_client() {
        assert_eq!(range_owner(7, 3), vec![0, 0, 0, 1, 1, 2, 2]);
        assert_eq!(range_owner(2, 3), vec![0, 1]);
    }
}
