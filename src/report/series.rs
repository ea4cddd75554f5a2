//! Wait over stream time, per consumer: an accumulator that sees each
//! simulated event once (arrival time, consumer, wait, HOL-blocked) and keeps
//! a bounded summary, whatever the stream's length: at most [`MAX_BUCKETS`]
//! time buckets, each holding a small log-scale histogram per consumer, so
//! p50 and p99 come out within 1/8 of the true value.
//!
//! When an event lands past the last bucket, buckets are merged in pairs and
//! their width doubles, so the span need not be known in advance. Core: must
//! not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use crate::model::EventStore;
use crate::sim::SimResult;
use serde::Serialize;

/// Time buckets kept (the chart's x resolution).
pub const MAX_BUCKETS: usize = 96;

/// A log-scale histogram of waits (ms): exact below 16, then 8 bins per
/// power of two.
#[derive(Clone, Debug, Default)]
struct Hist {
    bins: Vec<u32>,
    n: u64,
}

fn bin_of(w: i64) -> usize {
    let w = w.max(0) as u64;
    if w < 16 {
        w as usize
    } else {
        let e = 63 - w.leading_zeros() as u64; // >= 4
        let sub = (w >> (e - 3)) & 7;
        (16 + (e - 4) * 8 + sub) as usize
    }
}

/// The lower bound of a bin.
fn bin_value(b: usize) -> i64 {
    if b < 16 {
        b as i64
    } else {
        let e = (b - 16) / 8 + 4;
        let sub = ((b - 16) % 8) as i64;
        (8 + sub) << (e - 3)
    }
}

impl Hist {
    fn add(&mut self, w: i64) {
        let b = bin_of(w);
        if self.bins.len() <= b {
            self.bins.resize(b + 1, 0);
        }
        self.bins[b] += 1;
        self.n += 1;
    }
    fn merge(&mut self, o: &Hist) {
        if self.bins.len() < o.bins.len() {
            self.bins.resize(o.bins.len(), 0);
        }
        for (a, b) in self.bins.iter_mut().zip(&o.bins) {
            *a += b;
        }
        self.n += o.n;
    }
    /// The `q` quantile (nearest rank), None when empty.
    fn quantile(&self, q: f64) -> Option<i64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0u64;
        for (b, &c) in self.bins.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(bin_value(b));
            }
        }
        None
    }
}

#[derive(Clone, Debug, Default)]
struct Bucket {
    /// Per consumer.
    by_consumer: Vec<Hist>,
    all: Hist,
    hol: u64,
}

impl Bucket {
    fn merge(&mut self, o: &Bucket) {
        if self.by_consumer.len() < o.by_consumer.len() {
            self.by_consumer
                .resize(o.by_consumer.len(), Hist::default());
        }
        for (a, b) in self.by_consumer.iter_mut().zip(&o.by_consumer) {
            a.merge(b);
        }
        self.all.merge(&o.all);
        self.hol += o.hol;
    }
}

/// The accumulator: `observe` each event once, then `finish`.
#[derive(Clone, Debug)]
pub struct WaitSeries {
    start_ms: Option<i64>,
    end_ms: i64,
    width_ms: i64,
    buckets: Vec<Bucket>,
    rebalances: Vec<Mark>,
}

impl Default for WaitSeries {
    fn default() -> Self {
        WaitSeries {
            start_ms: None,
            end_ms: 0,
            width_ms: 1,
            buckets: Vec::new(),
            rebalances: Vec::new(),
        }
    }
}

/// A rebalance on the time axis.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Mark {
    pub time_ms: i64,
    pub what: String,
}

/// One consumer's wait over time.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ConsumerCurve {
    pub consumer: u32,
    pub events: u64,
    /// Per bucket (None: no event of this consumer in the bucket).
    pub p50: Vec<Option<i64>>,
    pub p99: Vec<Option<i64>>,
}

/// The finished series.
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct WaitCurves {
    /// Stream time of the first event (epoch ms) and of the last.
    pub start_ms: i64,
    pub end_ms: i64,
    pub bucket_ms: i64,
    /// Every consumer's events together.
    pub all: Option<ConsumerCurve>,
    pub consumers: Vec<ConsumerCurve>,
    /// HOL-blocked events per bucket.
    pub hol: Vec<u64>,
    pub rebalances: Vec<Mark>,
    /// Owning consumer per partition at the start (u32::MAX: none).
    pub owner: Vec<u32>,
}

impl WaitSeries {
    /// An empty series.
    pub fn new() -> WaitSeries {
        WaitSeries::default()
    }

    /// One event: its arrival (stream ms), the consumer that processed it,
    /// its wait, and whether it was HOL-blocked. Arrivals before the first
    /// one count in the first bucket.
    pub fn observe(&mut self, arrival_ms: i64, consumer: u32, wait_ms: i64, hol: bool) {
        let start = *self.start_ms.get_or_insert(arrival_ms);
        self.end_ms = self.end_ms.max(arrival_ms);
        let off = arrival_ms.saturating_sub(start).max(0);
        while off / self.width_ms >= MAX_BUCKETS as i64 {
            self.halve();
        }
        let k = (off / self.width_ms) as usize;
        if self.buckets.len() <= k {
            self.buckets.resize(k + 1, Bucket::default());
        }
        let b = &mut self.buckets[k];
        let c = consumer as usize;
        if b.by_consumer.len() <= c {
            b.by_consumer.resize(c + 1, Hist::default());
        }
        b.by_consumer[c].add(wait_ms);
        b.all.add(wait_ms);
        b.hol += u64::from(hol);
    }

    /// A rebalance starting at stream time `time_ms`.
    pub fn rebalance(&mut self, time_ms: i64, what: &str) {
        self.rebalances.push(Mark {
            time_ms,
            what: what.to_string(),
        });
    }

    fn halve(&mut self) {
        let old = std::mem::take(&mut self.buckets);
        let mut it = old.into_iter();
        while let Some(mut a) = it.next() {
            if let Some(b) = it.next() {
                a.merge(&b);
            }
            self.buckets.push(a);
        }
        self.width_ms = self.width_ms.saturating_mul(2);
    }

    /// The p50/p99 curves.
    pub fn finish(self) -> WaitCurves {
        let n = self.buckets.len();
        let consumers = self
            .buckets
            .iter()
            .map(|b| b.by_consumer.len())
            .max()
            .unwrap_or(0);
        let curve = |consumer: u32, pick: &dyn Fn(&Bucket) -> Option<&Hist>| {
            let hists: Vec<Option<&Hist>> = self.buckets.iter().map(pick).collect();
            ConsumerCurve {
                consumer,
                events: hists.iter().flatten().map(|h| h.n).sum(),
                p50: hists
                    .iter()
                    .map(|h| h.and_then(|h| h.quantile(0.5)))
                    .collect(),
                p99: hists
                    .iter()
                    .map(|h| h.and_then(|h| h.quantile(0.99)))
                    .collect(),
            }
        };
        let all = (n > 0).then(|| curve(u32::MAX, &|b: &Bucket| Some(&b.all)));
        let consumers = (0..consumers)
            .map(|c| curve(c as u32, &|b: &Bucket| b.by_consumer.get(c)))
            .filter(|c| c.events > 0)
            .collect();
        WaitCurves {
            start_ms: self.start_ms.unwrap_or(0),
            end_ms: self.end_ms,
            bucket_ms: self.width_ms,
            all,
            consumers,
            hol: self.buckets.iter().map(|b| b.hol).collect(),
            rebalances: self.rebalances,
            owner: Vec::new(),
        }
    }

    /// Observes every event of a simulation: the consumer of an event is its
    /// partition's owner in the generation it arrived in (one consumer for
    /// sequential delivery; per-entity delivery models, which have no
    /// owner per partition, count as one).
    pub fn of_sim(store: &EventStore, sim: &SimResult) -> WaitCurves {
        let mut s = WaitSeries::new();
        let mut blocks = sim.blocks.iter().map(|b| b.event).peekable();
        let mut gen = 0usize;
        for i in 0..sim.wait.len().min(store.len()) {
            while sim
                .generations
                .get(gen + 1)
                .is_some_and(|g| g.at as usize <= i)
            {
                gen += 1;
            }
            let p = store.partition[i] as usize;
            let owner = match sim.generations.get(gen) {
                Some(g) => g.owner.get(p).copied(),
                None if sim.owner.len() > 1 => sim.owner.get(p).copied(),
                None => Some(0),
            };
            let consumer = owner.filter(|&c| c != u32::MAX).unwrap_or(0);
            while blocks.next_if(|&b| (b as usize) < i).is_some() {}
            let hol = blocks.next_if(|&b| b as usize == i).is_some();
            s.observe(store.arrival[i], consumer, sim.wait[i], hol);
        }
        for g in sim.generations.iter().skip(1) {
            s.rebalance(g.time_ms, g.cause.as_deref().unwrap_or("rebalance"));
        }
        let mut curves = s.finish();
        curves.owner = match sim.generations.first() {
            Some(g) => g.owner.clone(),
            None => sim.owner.clone(),
        };
        curves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_within_an_eighth() {
        for w in [0i64, 1, 15, 16, 17, 100, 1000, 4189, 123_456, 10_000_000] {
            let v = bin_value(bin_of(w));
            assert!(v <= w && (w - v) * 8 <= w.max(1), "{w} -> {v}");
        }
        assert!(bin_of(16) > bin_of(15));
    }

    #[test]
    fn quantiles_per_consumer_and_bucket() {
        let mut s = WaitSeries::new();
        // Consumer 0 waits 1 ms all along; consumer 1's waits grow to 1000 ms.
        for t in 0..50i64 {
            s.observe(t * 10, 0, 1, false);
            s.observe(t * 10, 1, t * 20, t > 40);
        }
        let c = s.finish();
        assert_eq!(c.start_ms, 0);
        assert_eq!(c.end_ms, 490);
        assert!(c.hol.len() <= MAX_BUCKETS);
        assert_eq!(c.hol.iter().sum::<u64>(), 9);
        assert_eq!(c.consumers.len(), 2);
        assert!(c.consumers[0].p99.iter().flatten().all(|&w| w == 1));
        let p99: Vec<i64> = c.consumers[1].p99.iter().flatten().copied().collect();
        assert!(p99.first() < p99.last(), "{p99:?}");
        assert!(*p99.last().unwrap() >= 880, "{p99:?}");
        assert_eq!(c.all.as_ref().unwrap().events, 100);
    }

    #[test]
    fn buckets_merge_as_the_span_grows() {
        let mut s = WaitSeries::new();
        for t in 0..10_000i64 {
            s.observe(1_000_000 + t * 1000, (t % 3) as u32, t, false);
        }
        let c = s.finish();
        assert!(c.hol.len() <= MAX_BUCKETS && c.hol.len() > MAX_BUCKETS / 2);
        assert!(c.bucket_ms * MAX_BUCKETS as i64 >= 9_999_000);
        let total: u64 = c.consumers.iter().map(|c| c.events).sum();
        assert_eq!(total, 10_000);
        // The last bucket's p50 is close to the last waits.
        let last = c.all.unwrap().p50.last().copied().flatten().unwrap();
        assert!(last > 9_000 && last <= 10_000, "{last}");
    }
}
