//! Lane diagrams of a few entities with findings: an accumulator that sees
//! each decision once and keeps, for at most [`MAX_LANES`] entities, the few
//! events before their first finding and the events from it on (bounded),
//! with each strategy's outcome. Memory: a ring of [`CONTEXT`] events per
//! entity seen (as much as a strategy's own per-entity state), plus the lanes.
//!
//! Entities are chosen in the order their first finding is seen; HOL
//! blocking (common on a hot partition) takes at most [`MAX_HOL_LANES`] of
//! the lanes, so ordering findings keep room. Core: must not import the
//! terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use crate::detect::Kind;
use crate::model::{EventStore, Outcome, NONE};
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;

/// Entities drawn.
pub const MAX_LANES: usize = 6;
/// Of which at most this many for HOL blocking alone.
pub const MAX_HOL_LANES: usize = 2;
/// Events kept before an entity's first finding.
pub const CONTEXT: usize = 4;
/// Events kept from the first finding on.
pub const MAX_EVENTS: usize = 20;

/// One event on a lane.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneEvent {
    pub event: u32,
    pub partition: u32,
    pub offset: i64,
    pub version: Option<i64>,
    /// Per strategy slot (the engine's order of runs): the outcome decided.
    pub outcomes: Vec<Option<Outcome>>,
    /// The findings about this event: kind name, and the strategy slot for
    /// a strategy finding (None: a stream finding).
    pub findings: Vec<Finding>,
}

/// A finding on a lane: kind name and strategy slot (None: of the stream).
pub type Finding = (&'static str, Option<usize>);

/// One entity's lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub entity: String,
    /// The first finding's event and kind.
    pub first: (u32, &'static str),
    pub events: Vec<LaneEvent>,
    /// Events of the entity seen past [`MAX_EVENTS`] (not drawn).
    pub more: u64,
}

#[derive(Clone, Debug)]
struct Chosen {
    entity: u32,
    first: (u32, &'static str),
    before: VecDeque<LaneEvent>,
    after: Vec<LaneEvent>,
    more: u64,
}

/// The accumulator.
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    slots: usize,
    recent: HashMap<u32, VecDeque<LaneEvent>>,
    chosen: Vec<Chosen>,
    index: HashMap<u32, usize>,
    hol_lanes: usize,
    /// Findings seen before their event was observed (stream findings come
    /// from a separate pass today).
    pending: HashMap<u32, Vec<Finding>>,
}

fn upsert(
    list: &mut VecDeque<LaneEvent>,
    ev: LaneEvent,
    slot: usize,
    o: Option<Outcome>,
    cap: usize,
) {
    if let Some(e) = list.iter_mut().find(|e| e.event == ev.event) {
        if let Some(o) = o {
            e.outcomes[slot] = Some(o);
        }
        return;
    }
    if list.back().is_none_or(|l| l.event < ev.event) {
        let mut ev = ev;
        if let Some(o) = o {
            ev.outcomes[slot] = Some(o);
        }
        list.push_back(ev);
        if list.len() > cap {
            list.pop_front();
        }
    }
}

impl Lanes {
    /// Lanes over `strategies` strategy slots.
    pub fn new(strategies: usize) -> Lanes {
        Lanes {
            slots: strategies.max(1),
            ..Lanes::default()
        }
    }

    fn event(&self, store: &EventStore, i: u32) -> LaneEvent {
        let k = i as usize;
        LaneEvent {
            event: i,
            partition: store.partition[k],
            offset: store.offset[k],
            version: store.version_of(k),
            outcomes: vec![None; self.slots],
            findings: self.pending.get(&i).cloned().unwrap_or_default(),
        }
    }

    /// Strategy `slot` decided `outcome` for event `i`. Losses are findings.
    pub fn observe(&mut self, store: &EventStore, slot: usize, i: u32, outcome: Outcome) {
        let k = i as usize;
        let entity = store.entity[k];
        if entity == NONE || slot >= self.slots {
            return;
        }
        let finding = match outcome {
            Outcome::Rejected => Some(Kind::Rejected),
            Outcome::Expired => Some(Kind::Expired),
            Outcome::DeadLettered => Some(Kind::DeadLettered),
            _ => None,
        };
        if let Some(kind) = finding {
            self.mark(store, i, kind, Some(slot));
        }
        let ev = self.event(store, i);
        match self.index.get(&entity) {
            Some(&c) => {
                let ch = &mut self.chosen[c];
                if i < ch.first.0 {
                    upsert(&mut ch.before, ev, slot, Some(outcome), CONTEXT);
                } else if let Some(e) = ch.after.iter_mut().find(|e| e.event == i) {
                    e.outcomes[slot] = Some(outcome);
                } else if ch.after.last().is_none_or(|l| l.event < i) {
                    if ch.after.len() < MAX_EVENTS {
                        let mut ev = ev;
                        ev.outcomes[slot] = Some(outcome);
                        ch.after.push(ev);
                    } else {
                        ch.more += 1;
                    }
                }
            }
            None => {
                let ring = self.recent.entry(entity).or_default();
                upsert(ring, ev, slot, Some(outcome), CONTEXT);
            }
        }
    }

    /// A finding of `kind` about event `i`, by strategy `slot` (None: a
    /// stream finding); chooses its entity if there is room.
    pub fn mark(&mut self, store: &EventStore, i: u32, kind: Kind, slot: Option<usize>) {
        let k = i as usize;
        if k >= store.len() {
            return;
        }
        let entity = store.entity[k];
        if entity == NONE {
            return;
        }
        let name = (kind.name(), slot);
        let c = match self.index.get(&entity) {
            Some(&c) => c,
            None => {
                let hol = kind == Kind::HolBlocking;
                if self.chosen.len() >= MAX_LANES
                    || (hol && self.hol_lanes >= MAX_HOL_LANES)
                    || (!hol && self.chosen.len() - self.hol_lanes >= MAX_LANES - MAX_HOL_LANES)
                {
                    return;
                }
                self.hol_lanes += usize::from(hol);
                let ring = self.recent.remove(&entity).unwrap_or_default();
                let (before, after): (Vec<_>, Vec<_>) = ring.into_iter().partition(|e| e.event < i);
                self.index.insert(entity, self.chosen.len());
                self.chosen.push(Chosen {
                    entity,
                    first: (i, name.0),
                    before: before.into(),
                    after,
                    more: 0,
                });
                self.chosen.len() - 1
            }
        };
        let ch = &mut self.chosen[c];
        let mut found = false;
        for e in ch.before.iter_mut().chain(ch.after.iter_mut()) {
            if e.event == i {
                if !e.findings.contains(&name) {
                    e.findings.push(name);
                }
                found = true;
            }
        }
        if !found {
            let list = self.pending.entry(i).or_default();
            if !list.contains(&name) {
                list.push(name);
            }
        }
    }

    /// The lanes, in the order their entities were chosen.
    pub fn finish(self, store: &EventStore) -> Vec<Lane> {
        self.chosen
            .into_iter()
            .map(|c| {
                let mut events: Vec<LaneEvent> = c.before.into_iter().chain(c.after).collect();
                events.sort_by_key(|e| e.event);
                Lane {
                    entity: store.entities.name(c.entity).to_string(),
                    first: c.first,
                    events,
                    more: c.more,
                }
            })
            .collect()
    }
}

/// The lanes as an observer of one strategy's pass (`slot`: the run's
/// index): each decision, and the event's HOL block as a finding.
pub struct LaneSink<'a> {
    pub lanes: &'a mut Lanes,
    pub slot: usize,
}

impl crate::engine::Sink for LaneSink<'_> {
    fn step(&mut self, ctx: &crate::engine::PassContext<'_>, step: &crate::engine::Step<'_>) {
        if let Some(b) = step.block {
            self.lanes
                .mark(ctx.store, b.event, Kind::HolBlocking, Some(self.slot));
        }
        for d in step.decisions {
            self.lanes.observe(ctx.store, self.slot, d.event, d.outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> EventStore {
        // Entity a: v1, v3, v2 on partition 0; entity b: v1 on partition 1.
        let mut s = crate::sim::tests::store_of(&[
            (0, "a", 0, 1),
            (1, "b", 1, 1),
            (0, "a", 2, 1),
            (0, "a", 3, 1),
        ]);
        s.version = vec![1, 1, 3, 2].into();
        s
    }

    #[test]
    fn a_rejection_chooses_the_entity_with_its_context() {
        let s = store();
        let mut l = Lanes::new(2);
        for (slot, outcomes) in [
            [
                Outcome::Applied,
                Outcome::Applied,
                Outcome::Rejected,
                Outcome::Applied,
            ],
            [
                Outcome::Applied,
                Outcome::Applied,
                Outcome::Buffered,
                Outcome::Applied,
            ],
        ]
        .iter()
        .enumerate()
        {
            for (i, o) in outcomes.iter().enumerate() {
                l.observe(&s, slot, i as u32, *o);
            }
        }
        let lanes = l.finish(&s);
        assert_eq!(lanes.len(), 1);
        let a = &lanes[0];
        assert_eq!(a.entity, "a");
        assert_eq!(a.first, (2, "rejected"));
        let got: Vec<(u32, Option<i64>, Vec<Option<Outcome>>)> = a
            .events
            .iter()
            .map(|e| (e.event, e.version, e.outcomes.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    0,
                    Some(1),
                    vec![Some(Outcome::Applied), Some(Outcome::Applied)]
                ),
                (
                    2,
                    Some(3),
                    vec![Some(Outcome::Rejected), Some(Outcome::Buffered)]
                ),
                (
                    3,
                    Some(2),
                    vec![Some(Outcome::Applied), Some(Outcome::Applied)]
                ),
            ]
        );
        assert_eq!(a.events[1].findings, vec![("rejected", Some(0))]);
    }

    #[test]
    fn hol_blocking_takes_at_most_its_share() {
        let s = crate::sim::tests::store_of(
            &(0..10)
                .map(|i| {
                    (
                        0i32,
                        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"][i],
                        i as i64,
                        1u32,
                    )
                })
                .collect::<Vec<_>>(),
        );
        let mut l = Lanes::new(1);
        for i in 0..10u32 {
            l.mark(&s, i, Kind::HolBlocking, Some(0));
            l.observe(&s, 0, i, Outcome::Applied);
        }
        let lanes = l.finish(&s);
        assert_eq!(lanes.len(), MAX_HOL_LANES);
        assert_eq!(lanes[0].events[0].findings, vec![("hol_blocking", Some(0))]);
    }
}
