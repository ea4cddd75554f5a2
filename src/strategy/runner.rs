//! Drives one rule over a stream in arrival order: buffering, release and
//! expiry, and the append-only decision log. Core: must not import the
//! terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use super::{EntityState, EventView, Reason, Rule, Verdict};
use crate::model::{EventStore, Outcome, NONE};
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;
use std::sync::Arc;

/// One entry of the decision log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Arrival index of the event being processed when this was decided.
    pub at: u32,
    /// The event decided about.
    pub event: u32,
    pub outcome: Outcome,
    pub reason: Reason,
}

/// An event held in a buffer: what its rule reads of it, copied, so the
/// store may forget the event while it waits (the streaming analysis).
#[derive(Clone, Debug)]
struct Held {
    at: u32,
    version: Option<i64>,
    etype: u32,
    time: i64,
    writes: smallvec::SmallVec<[(u32, u32); 4]>,
}

impl Held {
    fn of(ev: &EventView<'_>) -> Held {
        Held {
            at: ev.index,
            version: ev.version,
            etype: ev.etype,
            time: ev.time,
            writes: ev.writes.iter().copied().collect(),
        }
    }

    fn view(&self) -> EventView<'_> {
        EventView {
            index: self.at,
            version: self.version,
            etype: self.etype,
            time: self.time,
            writes: &self.writes,
        }
    }
}

/// Runs a rule over events, keeping per-entity state and buffers. Cloning
/// it is a snapshot (for seeking).
#[derive(Clone)]
pub struct Runner {
    rule: Arc<dyn Rule>,
    states: Vec<EntityState>,
    held: HashMap<u32, Vec<Held>>,
    expiry: VecDeque<(i64, u32, u32)>,
    timeout_ms: u64,
    /// Events per final outcome, in `Outcome::ALL` order.
    pub counts: [u64; 7],
}

fn slot(o: Outcome) -> usize {
    o as usize
}

impl Runner {
    /// A runner; `timeout_ms` 0 never expires held events.
    pub fn new(rule: Arc<dyn Rule>, timeout_ms: u64) -> Runner {
        Runner {
            rule,
            states: Vec::new(),
            held: HashMap::default(),
            expiry: VecDeque::new(),
            timeout_ms,
            counts: [0; 7],
        }
    }

    /// Warms the states of `entities`, a few events before they are
    /// stepped ([`crate::model::warm`]).
    #[inline]
    pub fn warm(&self, entities: impl IntoIterator<Item = u32>) {
        crate::model::warm(&self.states, entities);
    }

    /// Runs `order` (event indices), warming the events' columns and their
    /// states ahead ([`EventStore::warm_events`]).
    pub fn step_all(&mut self, store: &EventStore, order: &[u32], emit: &mut dyn FnMut(Decision)) {
        for (k, &i) in order.iter().enumerate() {
            if k % crate::model::AHEAD == 0 {
                let a = (k + crate::model::AHEAD).min(order.len());
                let ahead = &order[a..(a + crate::model::AHEAD).min(order.len())];
                self.warm(store.warm_events(ahead));
            }
            self.step(store, i as usize, emit);
        }
    }

    /// The rule being run.
    pub fn rule(&self) -> &Arc<dyn Rule> {
        &self.rule
    }

    /// The state of an entity (a fresh one if never touched).
    pub fn state(&self, entity: u32) -> EntityState {
        self.states
            .get(entity as usize)
            .cloned()
            .unwrap_or_else(EntityState::new)
    }

    /// All entity states, indexed by entity id.
    pub fn states(&self) -> &[EntityState] {
        &self.states
    }

    /// The events still held in buffers (in no order). The runner keeps
    /// its own copy of what it reads of them.
    pub fn held(&self) -> impl Iterator<Item = u32> + '_ {
        self.held.values().flatten().map(|h| h.at)
    }

    /// Events still held in buffers.
    pub fn held_count(&self) -> usize {
        self.held.values().map(Vec::len).sum()
    }

    fn record(&mut self, d: Decision, emit: &mut dyn FnMut(Decision), was_held: bool) {
        if was_held {
            self.counts[slot(Outcome::Buffered)] -= 1;
        }
        self.counts[slot(d.outcome)] += 1;
        emit(d);
    }

    /// Processes event `i` (arrival order), emitting its decision and any
    /// releases or expiries it causes.
    pub fn step(&mut self, store: &EventStore, i: usize, emit: &mut dyn FnMut(Decision)) {
        let at = i as u32;
        let now = store.arrival[i];
        if self.timeout_ms > 0 {
            self.expire(now, at, emit);
        }
        let e = store.entity[i];
        if e == NONE {
            let d = Decision {
                at,
                event: at,
                outcome: Outcome::Skipped,
                reason: Reason::Unparsed,
            };
            self.record(d, emit, false);
            return;
        }
        if self.states.len() <= e as usize {
            self.states.resize_with(e as usize + 1, EntityState::new);
        }
        let ev = EventView::of(store, i);
        let verdict = self.rule.decide(&self.states[e as usize], &ev);
        let d = Decision {
            at,
            event: at,
            outcome: verdict.outcome(),
            reason: verdict.reason(),
        };
        match verdict {
            Verdict::Apply(r) => {
                self.rule.apply(&mut self.states[e as usize], &ev, r);
                self.record(d, emit, false);
                self.release(e, at, emit);
            }
            Verdict::Hold(_) => {
                self.held.entry(e).or_default().push(Held::of(&ev));
                if self.timeout_ms > 0 {
                    self.expiry.push_back((now, e, at));
                }
                self.record(d, emit, false);
            }
            _ => self.record(d, emit, false),
        }
    }

    /// Releases held events of `entity` that now fit, until none does.
    fn release(&mut self, entity: u32, by: u32, emit: &mut dyn FnMut(Decision)) {
        loop {
            let Some(list) = self.held.get(&entity) else {
                return;
            };
            let st = &self.states[entity as usize];
            let mut found = None;
            for (pos, h) in list.iter().enumerate() {
                let v = self.rule.decide(st, &h.view());
                if matches!(v, Verdict::Apply(_) | Verdict::Skip(_)) {
                    found = Some((pos, v));
                    break;
                }
            }
            let Some((pos, verdict)) = found else {
                return;
            };
            let Some(h) = self.held.get_mut(&entity).map(|l| l.remove(pos)) else {
                return;
            };
            if self.held.get(&entity).is_some_and(Vec::is_empty) {
                self.held.remove(&entity);
            }
            let (ev, ev_i) = (h.view(), h.at);
            let d = match verdict {
                Verdict::Apply(r) => {
                    self.rule.apply(&mut self.states[entity as usize], &ev, r);
                    Decision {
                        at: by,
                        event: ev_i,
                        outcome: Outcome::Released,
                        reason: Reason::Released { by },
                    }
                }
                other => Decision {
                    at: by,
                    event: ev_i,
                    outcome: Outcome::Skipped,
                    reason: other.reason(),
                },
            };
            self.record(d, emit, true);
        }
    }

    fn expire(&mut self, now: i64, at: u32, emit: &mut dyn FnMut(Decision)) {
        let timeout = self.timeout_ms as i64;
        while let Some(&(since, entity, ev_i)) = self.expiry.front() {
            if now - since <= timeout {
                break;
            }
            self.expiry.pop_front();
            let Some(list) = self.held.get_mut(&entity) else {
                continue;
            };
            let Some(pos) = list.iter().position(|h| h.at == ev_i) else {
                continue;
            };
            list.remove(pos);
            if list.is_empty() {
                self.held.remove(&entity);
            }
            let d = Decision {
                at,
                event: ev_i,
                outcome: Outcome::Expired,
                reason: Reason::Expired {
                    held_ms: now - since,
                },
            };
            self.record(d, emit, true);
        }
    }
}
