//! Simulation (SPEC §5): consumers, processing time, waits and head-of-line
//! blocking. Decisions do not change timing: every event costs its `cost`
//! whatever the strategy decides, so one simulation serves every strategy
//! with the same delivery model.

pub mod assign;

use crate::model::EventStore;
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

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub delivery: Delivery,
    /// Owning consumer per partition (ignored for sequential).
    pub owner: Vec<u32>,
    pub consumers: u32,
    pub hol_threshold_ms: u64,
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
        let consumers = consumers.max(1);
        SimConfig {
            delivery,
            owner: range_owner(partitions, consumers),
            consumers,
            hol_threshold_ms,
        }
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
    /// Wait spent behind other entities.
    pub hol_ms: i64,
    /// Whole wait.
    pub waited_ms: i64,
}

/// Timing of every event under one delivery model.
#[derive(Clone, Debug, Default)]
pub struct SimResult {
    /// Start time per event.
    pub start: Vec<i64>,
    /// Wait per event (start - arrival).
    pub wait: Vec<i64>,
    /// Events HOL-blocked past the threshold, in arrival order.
    pub blocks: Vec<HolBlock>,
    /// Owning consumer per partition.
    pub owner: Vec<u32>,
    /// Busy time per consumer.
    pub busy_ms: Vec<i64>,
    pub max_wait_ms: i64,
    pub p99_wait_ms: i64,
}

/// An event ahead in a queue: (start, finish, entity, index).
type Ahead = (i64, i64, u32, u32);

/// The backlog of one queue with running sums, so HOL time is O(1) per event.
#[derive(Default)]
struct Queue {
    ahead: VecDeque<Ahead>,
    total: i64,
    per_entity: HashMap<u32, i64>,
}

impl Queue {
    fn pop_done(&mut self, now: i64) {
        while let Some(&(s, f, e, _)) = self.ahead.front() {
            if f > now {
                break;
            }
            self.ahead.pop_front();
            let d = f - s;
            self.total -= d;
            if let Some(x) = self.per_entity.get_mut(&e) {
                *x -= d;
                if *x <= 0 {
                    self.per_entity.remove(&e);
                }
            }
        }
    }
    fn push(&mut self, a: Ahead) {
        let d = a.1 - a.0;
        self.total += d;
        *self.per_entity.entry(a.2).or_insert(0) += d;
        self.ahead.push_back(a);
    }
    /// Time in [arrival, start) spent on other entities' events of this queue.
    fn other_entity_ms(&self, entity: u32, arrival: i64) -> i64 {
        let clip = self.ahead.front().map_or(0, |a| (arrival - a.0).max(0));
        let same = self.per_entity.get(&entity).copied().unwrap_or(0);
        let same_clip = match self.ahead.front() {
            Some(a) if a.2 == entity => clip,
            _ => 0,
        };
        (self.total - clip) - (same - same_clip)
    }
    /// The longest-running other-entity event ahead (a bounded look).
    fn blocker(&self, entity: u32) -> Option<u32> {
        self.ahead
            .iter()
            .take(4096)
            .filter(|a| a.2 != entity)
            .max_by_key(|a| (a.1 - a.0, std::cmp::Reverse(a.3)))
            .map(|a| a.3)
    }
}

/// Simulates the store's events under `cfg`.
pub fn simulate(store: &EventStore, cfg: &SimConfig) -> SimResult {
    let n = store.len();
    let queues_n = match cfg.delivery {
        Delivery::Sequential => 1,
        Delivery::Partitioned => store.partitions.max(1) as usize,
    };
    let mut queues: Vec<Queue> = (0..queues_n).map(|_| Queue::default()).collect();
    let consumers = cfg.consumers.max(1) as usize;
    let mut free = vec![i64::MIN; consumers];
    let mut busy = vec![0i64; consumers];
    let mut res = SimResult {
        start: Vec::with_capacity(n),
        wait: Vec::with_capacity(n),
        owner: cfg.owner.clone(),
        ..SimResult::default()
    };
    let threshold = cfg.hol_threshold_ms as i64;
    for i in 0..n {
        let arrival = store.arrival[i];
        let (q, c) = match cfg.delivery {
            Delivery::Sequential => (0usize, 0usize),
            Delivery::Partitioned => {
                let p = store.partition[i] as usize;
                let c = cfg
                    .owner
                    .get(p)
                    .copied()
                    .unwrap_or(p as u32 % consumers as u32);
                (p.min(queues_n - 1), (c as usize).min(consumers - 1))
            }
        };
        let queue = &mut queues[q];
        queue.pop_done(arrival);
        let start = arrival.max(free[c]);
        let finish = start + i64::from(store.cost[i]);
        free[c] = finish;
        busy[c] += finish - start;
        let wait = start - arrival;
        let entity = store.entity[i];
        if wait > threshold {
            let hol = queue.other_entity_ms(entity, arrival);
            if hol > threshold {
                if let Some(blocker) = queue.blocker(entity) {
                    res.blocks.push(HolBlock {
                        event: i as u32,
                        blocker,
                        hol_ms: hol,
                        waited_ms: wait,
                    });
                }
            }
        }
        queue.push((start, finish, entity, i as u32));
        res.start.push(start);
        res.wait.push(wait);
        res.max_wait_ms = res.max_wait_ms.max(wait);
    }
    res.busy_ms = busy;
    res.p99_wait_ms = percentile(&res.wait, 0.99);
    res
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
mod tests {
    use super::*;

    #[test]
    fn range_splits_like_the_kafka_client() {
        assert_eq!(range_owner(7, 3), vec![0, 0, 0, 1, 1, 2, 2]);
        assert_eq!(range_owner(2, 3), vec![0, 1]);
    }
}
