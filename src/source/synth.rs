//! Built-in scenarios (SPEC §10): deterministic streams that show one
//! ordering problem each. The same seed writes the same bytes. Must not read
//! the clock or an unseeded random source, or import the terminal, the TUI or
//! Kafka.

use super::recording::{header_line, Header, InputError};
use super::{LoadOptions, Loaded};
use crate::model::lens::LensConfig;
use crate::model::partition::Partitioner;
use crate::model::{Ingest, Payload, Record};
use rustc_hash::FxHashMap as HashMap;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::BinaryHeap;
use std::io::Write;

/// 2026-01-15T10:00:00Z, the start of every scenario.
pub const EPOCH_MS: i64 = 1_768_471_200_000;

/// A built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub events: usize,
    pub partitions: u32,
}

/// Every scenario, the first one is the default demo.
pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "alert-flap", about: "alerts flap triggered/resolved; a delayed version makes strict versioning reject the next one", events: 3000, partitions: 6 },
    Scenario { name: "game-session", about: "PlayerJoined/GameAction/PlayerLeft keyed by event id: a player leaves before the join arrives", events: 3000, partitions: 6 },
    Scenario { name: "order-lifecycle", about: "orders move placed -> paid -> shipped (or cancelled); late payments make invalid transitions", events: 3000, partitions: 4 },
    Scenario { name: "hot-key", about: "one bot key sends 80% of the events: a hot partition that more consumers cannot fix", events: 4000, partitions: 8 },
    Scenario { name: "clock-skew", about: "profile updates from producers whose clocks disagree by seconds: last-write-wins picks wrong", events: 3000, partitions: 4 },
    Scenario { name: "slow-consumer", about: "a slow report type blocks a sequential queue: head-of-line blocking", events: 3000, partitions: 4 },
    Scenario { name: "null-keys", about: "keyless events spread over partitions: every device is split", events: 3000, partitions: 6 },
    Scenario { name: "retry-reorder", about: "a producer with requests in flight and no idempotence: a retried batch lands after the next one", events: 3000, partitions: 4 },
    Scenario { name: "mixed-partitioners", about: "a Java (murmur2) and a Go (fnv1a) service write the same keys: entities split", events: 3000, partitions: 6 },
];

/// The scenario names, in order.
pub fn scenario_names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|s| s.name).collect()
}

/// Looks a scenario up by name.
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// A generated scenario: its header and records in arrival order.
pub struct Synth {
    pub header: Header,
    pub records: Vec<Record<'static>>,
}

/// splitmix64's increment.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// splitmix64: small, fast, and stable across platforms and versions.
struct Rng(u64);

impl Rng {
    /// The generator whose next draw is the `k`-th (from 0) after state
    /// `state`: splitmix64 jumps ahead in O(1).
    fn after(state: u64, k: u64) -> Rng {
        Rng(state.wrapping_add(k.wrapping_mul(GOLDEN)))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(0) as u64 + 1) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// One published event before arrival order is decided.
struct Pub {
    key: Option<String>,
    partition: u32,
    /// When the consumer sees it (decides arrival order).
    arrival: i64,
    /// The record timestamp (CreateTime): when the producer sent it.
    ts: i64,
    payload: Value,
    headers: Vec<(String, String)>,
}

fn rfc3339(ms: i64) -> String {
    crate::strategy::fmt_ms(ms)
}

fn lens(v: Value) -> LensConfig {
    serde_json::from_value(v).unwrap_or_default()
}

/// What to generate; `None` keeps the scenario's own size.
#[derive(Clone, Copy, Debug, Default)]
pub struct SynthParams {
    pub events: Option<usize>,
    pub partitions: Option<u32>,
    pub entities: Option<usize>,
    pub seed: u64,
}

/// Generates a scenario with `events` events (default: the scenario's own).
pub fn generate(name: &str, events: Option<usize>, seed: u64) -> Result<Synth, String> {
    generate_with(
        name,
        &SynthParams {
            events,
            seed,
            ..SynthParams::default()
        },
    )
}

/// Generates a scenario with explicit sizes.
pub fn generate_with(name: &str, params: &SynthParams) -> Result<Synth, String> {
    let mut records = Vec::new();
    let header = stream_with(name, params, &mut |_| Ok(()), &mut |r| {
        records.push(r);
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Synth { header, records })
}

/// Why [`write_with`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}")]
    Unknown(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Writes a scenario as a recording (header first) as it is generated, in
/// memory that does not grow with the number of events: the same bytes as
/// [`write_recording`] of [`generate_with`].
pub fn write_with(name: &str, params: &SynthParams, out: &mut dyn Write) -> Result<(), SynthError> {
    let out = std::cell::RefCell::new(out);
    let mut line = Vec::with_capacity(512);
    stream_with(
        name,
        params,
        &mut |h| writeln!(out.borrow_mut(), "{}", header_line(h)),
        &mut |r| {
            line.clear();
            r.write_json_line(&mut line);
            line.push(b'\n');
            out.borrow_mut().write_all(&line)
        },
    )?;
    out.borrow_mut().flush()?;
    Ok(())
}

/// Generates a scenario: `header` is called first, then `record` with each
/// record in arrival order. Only the events whose arrival order is not yet
/// decided are held (those within the scenario's delivery lag, and
/// alert-flap's delayed ones until their alert's next event).
pub fn stream_with(
    name: &str,
    params: &SynthParams,
    header: &mut dyn FnMut(&Header) -> std::io::Result<()>,
    record: &mut dyn FnMut(Record<'static>) -> std::io::Result<()>,
) -> Result<Header, SynthError> {
    let sc = scenario(name).ok_or_else(|| {
        SynthError::Unknown(format!(
            "unknown scenario {name:?}; known: {}",
            scenario_names().join(", ")
        ))
    })?;
    let n = params.events.unwrap_or(sc.events);
    let seed = params.seed;
    let ents = params.entities;
    let mut rng = Rng(seed ^ 0x6b6f_7264);
    let p = params.partitions.unwrap_or(sc.partitions).max(1);
    let mut source = format!("kord synth {} --events {n} --seed {seed}", sc.name);
    if let Some(pp) = params.partitions {
        source.push_str(&format!(" --partitions {pp}"));
    }
    if let Some(e) = ents {
        source.push_str(&format!(" --entities {e}"));
    }
    let (lens_cfg, note) = meta(sc.name);
    let head = Header {
        kord: 1,
        topic: Some(sc.name.into()),
        partitions: Some(p),
        source: Some(source),
        recorded_at: Some(rfc3339(EPOCH_MS)),
        note: Some(note.into()),
        lens: Some(lens_cfg),
        consumers: None,
        assignor: None,
    };
    header(&head)?;
    let mut sink = Sink::new(sc.name, record);
    {
        let (rng, out) = (&mut rng, &mut sink);
        match sc.name {
            "alert-flap" => alert_flap(rng, n, p, ents, out),
            "game-session" => game_session(rng, n, p, ents, out),
            "order-lifecycle" => order_lifecycle(rng, n, p, ents, out),
            "hot-key" => hot_key(rng, n, p, ents, out),
            "clock-skew" => clock_skew(rng, n, p, ents, out),
            "slow-consumer" => slow_consumer(rng, n, p, ents, out),
            "null-keys" => null_keys(rng, n, p, ents, out),
            "retry-reorder" => retry_reorder(rng, n, p, ents, out),
            _ => mixed_partitioners(rng, n, p, ents, out),
        }
    }
    sink.finish()?;
    Ok(head)
}

/// A scenario's lens and note.
fn meta(name: &str) -> (LensConfig, &'static str) {
    match name {
        "alert-flap" => {
            let lens = lens(json!({
                "entity": "/alert_id", "version": "/alert_version", "type": "/type", "time": "/occurred_at",
                "creates": ["AlertTriggered"],
                "strategy": {"default": "versioned"},
                "lww": {"sets": {"AlertTriggered": {"status": "triggered"}, "AlertResolved": {"status": "resolved"}}},
                "buffer": {"timeout_ms": 10000}
            }));
            (lens, "alerts flap; 3% of versions arrive after the next one and 0.2% never arrive (alert-0001 is the seed trace: v1, v3, v2)")
        }
        "game-session" => {
            let lens = lens(json!({
                "entity": "/player_id", "version": "/seq", "type": "/type", "time": "/occurred_at",
                "creates": ["PlayerJoined"],
                "strategy": {"default": "state-machine"},
                "state_machine": {"initial": "offline",
                    "transitions": {"offline": ["online"], "online": ["playing", "offline"], "playing": ["playing", "offline"]},
                    "by_type": {"PlayerJoined": "online", "GameAction": "playing", "PlayerLeft": "offline"},
                    "on_invalid": "buffer"},
                "buffer": {"timeout_ms": 5000},
                "cost_ms": {"default_ms": 1, "by_type": {"GameAction": 5}}
            }));
            (lens, "events keyed by event id: a player's events spread over partitions consumed at different lags")
        }
        "order-lifecycle" => {
            let lens = lens(json!({
                "entity": "/order_id", "type": "/type", "time": "/occurred_at",
                "creates": ["OrderPlaced"],
                "strategy": {"default": "state-machine"},
                "state_machine": {"initial": "none",
                    "transitions": {"none": ["placed"], "placed": ["paid", "cancelled"], "paid": ["shipped"]},
                    "by_type": {"OrderPlaced": "placed", "OrderPaid": "paid", "OrderShipped": "shipped", "OrderCancelled": "cancelled"},
                    "on_invalid": "dead-letter"},
                "buffer": {"timeout_ms": 10000}
            }));
            (
                lens,
                "5% of payments are recorded after the shipment: invalid transitions",
            )
        }
        "hot-key" => {
            let lens = lens(json!({
                "entity": "/user_id", "version": "/version", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "partitioned"}
            }));
            (lens, "bot-7 sends 80% of the events at 8 ms each: its partition falls behind whatever the consumer count")
        }
        "clock-skew" => {
            let lens = lens(json!({
                "entity": "/user_id", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "lww"}
            }));
            (
                lens,
                "three producers: one on time, one 8 s fast, one 12 s slow",
            )
        }
        "slow-consumer" => {
            let lens = lens(json!({
                "entity": "/account_id", "version": "/version", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "sequential"}
            }));
            (lens, "2% of events are slow reports (400-1200 ms) that block everything queued behind them")
        }
        "null-keys" => {
            let lens = lens(json!({
                "entity": "/device_id", "version": "/version", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "versioned-monotonic"}
            }));
            (
                lens,
                "no keys: readings of one device land on any partition, consumed at different lags",
            )
        }
        "retry-reorder" => {
            let lens = lens(json!({
                "entity": "/account_id", "version": "/version", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "versioned"}
            }));
            (lens, "max.in.flight.requests.per.connection=5 without idempotence: 8% of partition 1's batches are retried after the next batch")
        }
        _ => {
            let lens = lens(json!({
                "entity": "key", "type": "/type", "time": "/occurred_at",
                "strategy": {"default": "partitioned"}
            }));
            (lens, "CustomerUpdated is written by a Java service (murmur2), CustomerTagged by a Go service (fnv1a), same keys")
        }
    }
}

/// One published event held until its place in arrival order is known.
struct Held {
    arrival: i64,
    seq: u64,
    event: Pub,
}

impl PartialEq for Held {
    fn eq(&self, o: &Held) -> bool {
        (self.arrival, self.seq) == (o.arrival, o.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Held) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    /// Reversed, so the max-heap pops the earliest arrival first, equal
    /// arrivals in publication order (as a stable sort by arrival).
    fn cmp(&self, o: &Held) -> std::cmp::Ordering {
        (o.arrival, o.seq).cmp(&(self.arrival, self.seq))
    }
}

/// Puts published events into arrival order as they come: a heap of the
/// events not yet released, numbered per partition on the way out.
struct Sink<'a> {
    topic: &'a str,
    held: BinaryHeap<Held>,
    /// Events published so far (the next publication number).
    published: u64,
    next_offset: Vec<i64>,
    out: &'a mut dyn FnMut(Record<'static>) -> std::io::Result<()>,
    err: Option<std::io::Error>,
}

impl<'a> Sink<'a> {
    fn new(
        topic: &'a str,
        out: &'a mut dyn FnMut(Record<'static>) -> std::io::Result<()>,
    ) -> Sink<'a> {
        Sink {
            topic,
            held: BinaryHeap::new(),
            published: 0,
            next_offset: Vec::new(),
            out,
            err: None,
        }
    }

    /// Events published so far.
    fn published(&self) -> usize {
        self.published as usize
    }

    /// Publishes an event.
    fn push(&mut self, event: Pub) {
        self.push_at(self.published, event);
        self.published += 1;
    }

    /// Reserves the next publication number for an event pushed later.
    fn skip(&mut self) {
        self.published += 1;
    }

    /// Publishes an event under a number reserved earlier.
    fn push_at(&mut self, seq: u64, event: Pub) {
        self.held.push(Held {
            arrival: event.arrival,
            seq,
            event,
        });
    }

    /// Hands on every held event arriving at or before `floor`: every event
    /// published later arrives at `floor` or after (and after those held,
    /// on equal arrival).
    fn release(&mut self, floor: i64) {
        while self.held.peek().is_some_and(|h| h.arrival <= floor) {
            if let Some(h) = self.held.pop() {
                self.emit(h.event);
            }
        }
    }

    fn emit(&mut self, p: Pub) {
        if self.err.is_some() {
            return;
        }
        let part = p.partition as usize;
        if self.next_offset.len() <= part {
            self.next_offset.resize(part + 1, 0);
        }
        let offset = self.next_offset[part];
        self.next_offset[part] += 1;
        let r = Record {
            topic: Some(Cow::Owned(self.topic.to_string())),
            partition: p.partition as i32,
            offset,
            ts: Some(p.ts),
            headers: p
                .headers
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Payload::Text(Cow::Owned(v))))
                .collect(),
            key: p
                .key
                .map_or(Payload::Null, |k| Payload::Text(Cow::Owned(k))),
            payload: Payload::Text(Cow::Owned(p.payload.to_string())),
        };
        if let Err(e) = (self.out)(r) {
            self.err = Some(e);
        }
    }

    /// Hands on everything still held.
    fn finish(mut self) -> std::io::Result<()> {
        while let Some(h) = self.held.pop() {
            self.emit(h.event);
        }
        match self.err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn keyed(key: &str, n: u32) -> u32 {
    Partitioner::Murmur2.partition(key.as_bytes(), n)
}

/// The draws of alert-flap's main loop: hands each published event to `f`
/// with its alert, whether its delivery is delayed past the alert's next
/// event, and the stream time.
fn alert_flap_events(
    rng: &mut Rng,
    n: usize,
    p: u32,
    ents: Option<usize>,
    f: &mut dyn FnMut(usize, bool, Pub, i64),
) {
    let alerts = ents.unwrap_or(n / 12).max(1);
    let mut version = vec![0i64; alerts];
    let mut t = EPOCH_MS;
    for i in 0..n {
        t += rng.range(5, 60);
        // The seed trace first: alert-0001 publishes v1, v2, v3 and v2 is late.
        let a = if i < 3 {
            0
        } else {
            rng.below(alerts as u64) as usize
        };
        version[a] += 1;
        let v = version[a];
        let id = format!("alert-{:04}", a + 1);
        let ty = if v % 2 == 1 {
            "AlertTriggered"
        } else {
            "AlertResolved"
        };
        let severity = *rng.pick(&["low", "high", "critical"]);
        let lost = i >= 3 && rng.chance(0.002);
        if lost {
            continue;
        }
        let delayed = (i == 1) || (i >= 3 && rng.chance(0.03));
        let event = Pub {
            partition: keyed(&id, p),
            key: Some(id.clone()),
            arrival: t + rng.range(1, 5),
            ts: t,
            payload: json!({"alert_id": id, "alert_version": v, "type": ty,
                "occurred_at": rfc3339(t), "severity": severity,
                "status": if v % 2 == 1 { "triggered" } else { "resolved" }}),
            headers: vec![("type".into(), ty.into())],
        };
        f(a, delayed, event, t);
    }
}

fn alert_flap(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    // A delayed event arrives just after the next event of its alert, by a
    // draw made after all the others, in the order of the delayed events
    // that have a next one. A first pass over the same draws finds where
    // those draws start and which delayed events are their alert's last.
    let mut first = Rng(rng.0);
    let mut last: Vec<(u64, bool)> = Vec::new();
    let mut seq = 0u64;
    alert_flap_events(&mut first, n, p, ents, &mut |a, delayed, _, _| {
        if last.len() <= a {
            last.resize(a + 1, (0, false));
        }
        last[a] = (seq, delayed);
        seq += 1;
    });
    let after = first.0;
    let mut no_next: Vec<u64> = last.iter().filter(|l| l.1).map(|l| l.0).collect();
    drop(last);
    no_next.sort_unstable();
    let mut delayed_before = 0u64;
    // Per alert, its delayed event waiting for the alert's next one.
    let mut waiting: HashMap<usize, (u64, Pub, u64)> = HashMap::default();
    alert_flap_events(rng, n, p, ents, &mut |a, delayed, event, t| {
        out.release(t);
        let seq = out.published() as u64;
        if let Some((d, mut late, k)) = waiting.remove(&a) {
            late.arrival = event.arrival + Rng::after(after, k).range(1, 400);
            out.push_at(d, late);
        }
        let waits = delayed && no_next.binary_search(&seq).is_err();
        if delayed {
            let k = delayed_before - no_next.partition_point(|&x| x < seq) as u64;
            delayed_before += 1;
            if waits {
                out.skip();
                waiting.insert(a, (seq, event, k));
                return;
            }
        }
        out.push(event);
    });
    // Every delayed event had a next one to wait for.
    debug_assert!(waiting.is_empty());
}

fn game_session(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let players = ents.unwrap_or(n / 15).max(1);
    let mut seq = vec![0i64; players];
    let mut joined = vec![false; players];
    let lag: Vec<i64> = (0..p).map(|_| rng.range(0, 900)).collect();
    let mut t = EPOCH_MS;
    for i in 0..n {
        t += rng.range(5, 40);
        // Every later event arrives at t or after.
        out.release(t);
        let pl = rng.below(players as u64) as usize;
        let ty = if !joined[pl] {
            joined[pl] = true;
            "PlayerJoined"
        } else if rng.chance(0.12) {
            joined[pl] = false;
            "PlayerLeft"
        } else {
            "GameAction"
        };
        seq[pl] += 1;
        let event_id = format!("evt-{:08x}", rng.next() as u32 ^ i as u32);
        let part = keyed(&event_id, p);
        let mut payload = json!({"player_id": format!("player-{:03}", pl + 1), "seq": seq[pl], "type": ty,
            "occurred_at": rfc3339(t), "session": format!("s-{}", seq[pl] / 10)});
        if ty == "GameAction" {
            payload["score"] = json!(rng.range(0, 100));
        }
        out.push(Pub {
            partition: part,
            key: Some(event_id),
            arrival: t + lag[part as usize] + rng.range(0, 50),
            ts: t,
            payload,
            headers: vec![],
        });
    }
}

fn order_lifecycle(rng: &mut Rng, n: usize, p: u32, _ents: Option<usize>, out: &mut Sink<'_>) {
    let mut t = EPOCH_MS;
    let mut order = 0usize;
    while out.published() < n {
        order += 1;
        t += rng.range(10, 60);
        // Every later event arrives at t or after.
        out.release(t);
        let id = format!("order-{order:05}");
        let part = keyed(&id, p);
        let cancelled = rng.chance(0.15);
        let mut steps: Vec<(&str, i64)> = vec![("OrderPlaced", 0)];
        if cancelled {
            steps.push(("OrderCancelled", rng.range(200, 3000)));
        } else {
            // Payments are slow; a late payment lands after the shipment.
            let paid = rng.range(100, 1500);
            let shipped = paid + rng.range(100, 2000);
            let late = if rng.chance(0.05) {
                shipped + rng.range(50, 500) - paid
            } else {
                0
            };
            steps.push(("OrderPaid", paid + late));
            steps.push(("OrderShipped", shipped));
        }
        for (ty, dt) in steps {
            if out.published() >= n {
                break;
            }
            let occurred = t + dt;
            out.push(Pub {
                partition: part,
                key: Some(id.clone()),
                arrival: occurred + rng.range(1, 20),
                ts: occurred,
                payload: json!({"order_id": id, "type": ty, "occurred_at": rfc3339(occurred),
                    "amount": rng.range(5, 500)}),
                headers: vec![("type".into(), ty.into())],
            });
        }
    }
}

fn hot_key(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let users = ents.unwrap_or(201).max(2) - 1;
    let mut version = vec![0i64; users + 1];
    let mut t = EPOCH_MS;
    for _ in 0..n {
        t += rng.range(1, 10);
        // Every later event arrives at t or after.
        out.release(t);
        let u = if rng.chance(0.8) {
            0
        } else {
            1 + rng.below(users as u64) as usize
        };
        let id = if u == 0 {
            "bot-7".to_string()
        } else {
            format!("user-{u:03}")
        };
        version[u] += 1;
        let ty = *rng.pick(&["PageViewed", "ItemClicked", "CartUpdated"]);
        out.push(Pub {
            partition: keyed(&id, p),
            key: Some(id.clone()),
            arrival: t,
            ts: t,
            payload: json!({"user_id": id, "version": version[u], "type": ty,
                "occurred_at": rfc3339(t), "session": format!("sess-{}", version[u] / 50), "page": rng.range(1, 40)}),
            headers: vec![("kord-cost-ms".into(), "8".into())],
        });
    }
}

fn clock_skew(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let users = ents.unwrap_or(n / 10).max(1);
    let skews = [0i64, 8_000, -12_000];
    let mut t = EPOCH_MS;
    for _ in 0..n {
        t += rng.range(10, 80);
        // Every later event arrives at t or after.
        out.release(t);
        let u = rng.below(users as u64) as usize;
        let id = format!("user-{:04}", u + 1);
        let producer = rng.below(3) as usize;
        let (ty, field, value) = match rng.below(3) {
            0 => (
                "EmailChanged",
                "email",
                json!(format!("u{}-{}@example.com", u + 1, rng.below(1000))),
            ),
            1 => (
                "NameChanged",
                "name",
                json!(format!("Name {}", rng.below(1000))),
            ),
            _ => (
                "AvatarChanged",
                "avatar",
                json!(format!("img/{}.png", rng.below(1000))),
            ),
        };
        let mut payload =
            json!({"user_id": id, "type": ty, "occurred_at": rfc3339(t + skews[producer])});
        payload[field] = value;
        out.push(Pub {
            partition: keyed(&id, p),
            key: Some(id.clone()),
            arrival: t + rng.range(1, 30),
            ts: t,
            payload,
            headers: vec![("producer".into(), format!("profile-svc-{producer}"))],
        });
    }
}

fn slow_consumer(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let accounts = ents.unwrap_or(n / 20).max(1);
    let mut version = vec![0i64; accounts];
    let mut t = EPOCH_MS;
    for _ in 0..n {
        t += rng.range(5, 30);
        // Every later event arrives at t or after.
        out.release(t);
        let a = rng.below(accounts as u64) as usize;
        version[a] += 1;
        let id = format!("acct-{:04}", a + 1);
        let slow = rng.chance(0.02);
        let ty = if slow {
            "ReportGenerated"
        } else {
            *rng.pick(&["Deposited", "Withdrawn"])
        };
        let cost = if slow { rng.range(400, 1200) } else { 2 };
        out.push(Pub {
            partition: keyed(&id, p),
            key: Some(id.clone()),
            arrival: t,
            ts: t,
            payload: json!({"account_id": id, "version": version[a], "type": ty,
                "occurred_at": rfc3339(t), "amount": rng.range(1, 900)}),
            headers: vec![("kord-cost-ms".into(), cost.to_string())],
        });
    }
}

fn null_keys(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let devices = ents.unwrap_or(n / 15).max(1);
    let mut version = vec![0i64; devices];
    let lag: Vec<i64> = (0..p).map(|_| rng.range(0, 1500)).collect();
    let mut t = EPOCH_MS;
    for _ in 0..n {
        t += rng.range(5, 40);
        // Every later event arrives at t or after.
        out.release(t);
        let d = rng.below(devices as u64) as usize;
        version[d] += 1;
        let part = rng.below(p as u64) as u32;
        out.push(Pub {
            partition: part,
            key: None,
            arrival: t + lag[part as usize],
            ts: t,
            payload: json!({"device_id": format!("dev-{:04}", d + 1), "version": version[d],
                "type": "Reading", "occurred_at": rfc3339(t), "celsius": rng.range(-10, 40)}),
            headers: vec![],
        });
    }
}

fn retry_reorder(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let accounts = ents.unwrap_or(n / 20).max(1);
    let mut version = vec![0i64; accounts];
    let mut t = EPOCH_MS;
    // Batches of 100 ms per partition; in partition 1, some batches fail and
    // their retry lands after the next batch. Batch b is retried by the b-th
    // draw after the main loop's, which takes three draws per event.
    let after = rng.0.wrapping_add((3 * n as u64).wrapping_mul(GOLDEN));
    let batch = |ms: i64| (ms - EPOCH_MS) / 100;
    let retried = |b: i64| Rng::after(after, b as u64).chance(0.08);
    for _ in 0..n {
        t += rng.range(2, 12);
        // Every later event arrives at t or after.
        out.release(t);
        let a = rng.below(accounts as u64) as usize;
        version[a] += 1;
        let id = format!("acct-{:04}", a + 1);
        let mut event = Pub {
            partition: keyed(&id, p),
            key: Some(id.clone()),
            arrival: t + 2,
            ts: t,
            payload: json!({"account_id": id, "version": version[a], "type": "BalanceChanged",
                "occurred_at": rfc3339(t), "balance": rng.range(0, 10_000)}),
            headers: vec![],
        };
        if event.partition == 1 && retried(batch(event.arrival)) {
            event.arrival += 130;
        }
        out.push(event);
    }
}

fn mixed_partitioners(rng: &mut Rng, n: usize, p: u32, ents: Option<usize>, out: &mut Sink<'_>) {
    let customers = ents.unwrap_or(n / 10).max(1);
    let mut t = EPOCH_MS;
    for _ in 0..n {
        t += rng.range(5, 40);
        // Every later event arrives at t or after.
        out.release(t);
        let c = rng.below(customers as u64) as usize;
        let id = format!("customer-{:04}", c + 1);
        let go = rng.chance(0.4);
        let (part, ty, svc) = if go {
            (
                Partitioner::Fnv1a.partition(id.as_bytes(), p),
                "CustomerTagged",
                "tagging-svc (Go, Sarama)",
            )
        } else {
            (
                Partitioner::Murmur2.partition(id.as_bytes(), p),
                "CustomerUpdated",
                "crm-svc (Java)",
            )
        };
        let mut payload =
            json!({"customer_id": id, "type": ty, "occurred_at": rfc3339(t), "service": svc});
        if go {
            payload["tag"] = json!(*rng.pick(&["vip", "churn-risk", "new"]));
        } else {
            payload["tier"] = json!(*rng.pick(&["gold", "silver", "bronze"]));
        }
        out.push(Pub {
            partition: part,
            key: Some(id),
            arrival: t + rng.range(1, 10) + if go { 400 } else { 0 },
            ts: t,
            payload,
            headers: vec![("type".into(), ty.into())],
        });
    }
}

/// Writes a scenario as a recording (header first).
pub fn write_recording(s: &Synth, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", header_line(&s.header))?;
    for r in &s.records {
        writeln!(out, "{}", r.to_json_line())?;
    }
    out.flush()
}

/// Generates a scenario and reads it through the lens, as a recording would be.
pub fn load_scenario(
    name: &str,
    events: Option<usize>,
    seed: u64,
    opts: &LoadOptions,
) -> Result<Loaded, InputError> {
    let s = generate(name, events, seed).map_err(|m| InputError {
        file: format!("scenario {name}"),
        line: 0,
        field: None,
        message: m,
        fatal: true,
    })?;
    let file = format!("scenario {name}");
    let lens = super::resolve_lens(&file, Some(&s.header), opts)?;
    let mut ingest = Ingest::new(lens, opts.keep_raw);
    ingest.set_partitions(s.header.partitions.unwrap_or(1));
    let filter = super::compile_filter(&file, opts)?;
    for (i, r) in s.records.iter().enumerate() {
        if filter.as_ref().is_some_and(|f| !f.matches(r)) {
            continue;
        }
        let raw = opts.keep_raw.then(|| r.to_json_line());
        ingest.push(r, i as u64 + 2, raw.as_deref().map(str::as_bytes));
    }
    let (store, lens) = ingest.finish();
    Ok(Loaded {
        store,
        lens,
        header: Some(s.header),
        skipped: 0,
        first_skipped: Vec::new(),
    })
}
