//! Lag over time (`kord live`): per partition and in total, kord's own lag
//! and the observed group's, kept for the last minutes as a series; its
//! trend (growing, shrinking, steady) by a least-squares slope over the last
//! minute, with an estimated time to catch up while it shrinks; and the
//! **time lag** of the group, as kafka-lag-exporter computes it: the age of
//! the oldest record the group has not committed, read from the timestamps
//! of the records kord itself read.
//!
//! Pure: no clock, no Kafka. The caller passes the times. Core: must not import
//! the terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use std::collections::VecDeque;

/// How long a series keeps its points.
pub const KEEP_MS: i64 = 5 * 60_000;
/// A point in the same step of time as the previous one replaces it.
pub const MIN_STEP_MS: i64 = 1_000;
/// The trend is measured over this much of the end of a series.
pub const TREND_MS: i64 = 60_000;
/// Record timestamps kept per partition for the time lag (thinned when full).
pub const MAX_TIMES: usize = 65_536;

/// Which way a lag is going.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trend {
    /// Fewer than three points, or less than three seconds of them.
    Unknown,
    Steady,
    /// Records per second.
    Growing {
        per_s: f64,
    },
    /// Records per second (positive), and the time to reach zero at that
    /// rate (None when the lag is already zero).
    Shrinking {
        per_s: f64,
        eta_ms: Option<i64>,
    },
}

impl Trend {
    /// In words, for the panel: `growing +52/s`, `shrinking -40/s, caught up in ~12 s`.
    pub fn describe(&self) -> String {
        match self {
            Trend::Unknown => "trend: measuring".into(),
            Trend::Steady => "steady".into(),
            Trend::Growing { per_s } => format!("growing +{}/s", rate(*per_s)),
            Trend::Shrinking { per_s, eta_ms } => match eta_ms {
                Some(ms) => format!("shrinking -{}/s, caught up in ~{}", rate(*per_s), age(*ms)),
                None => format!("shrinking -{}/s", rate(*per_s)),
            },
        }
    }
}

fn rate(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// An age or a duration, short: `850 ms`, `34 s`, `5 min 3 s`, `2 h 4 min`.
pub fn age(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{} s", ms / 1_000)
    } else if ms < 3_600_000 {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1_000)
    } else {
        format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// One lag over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LagSeries {
    points: VecDeque<(i64, i64)>,
}

impl LagSeries {
    /// Adds the lag at `at_ms` (a point in the same [`MIN_STEP_MS`] as the
    /// last replaces it; points older than [`KEEP_MS`] fall out).
    pub fn push(&mut self, at_ms: i64, lag: i64) {
        match self.points.back_mut() {
            Some(last) if at_ms < last.0 => return,
            // One point per MIN_STEP_MS of time: the latest in it.
            Some(last) if at_ms.div_euclid(MIN_STEP_MS) == last.0.div_euclid(MIN_STEP_MS) => {
                *last = (at_ms, lag);
            }
            _ => self.points.push_back((at_ms, lag)),
        }
        self.trim(at_ms);
    }

    fn trim(&mut self, now: i64) {
        while self.points.front().is_some_and(|p| now - p.0 > KEEP_MS) {
            self.points.pop_front();
        }
    }

    /// The latest lag.
    pub fn last(&self) -> Option<i64> {
        self.points.back().map(|p| p.1)
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.points.iter().copied()
    }

    /// The last `n` points' lags, for a sparkline.
    pub fn tail(&self, n: usize) -> Vec<u64> {
        let skip = self.points.len().saturating_sub(n);
        self.points
            .iter()
            .skip(skip)
            .map(|p| p.1.max(0) as u64)
            .collect()
    }

    /// The trend over the last [`TREND_MS`]: the least-squares slope, called
    /// growing or shrinking when it moves the lag by more than 5% of its
    /// largest value in that time (at least 1 record), else steady.
    pub fn trend(&self) -> Trend {
        let Some(&(end, last)) = self.points.back() else {
            return Trend::Unknown;
        };
        let pts: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| end - p.0 <= TREND_MS)
            .map(|&(t, l)| ((t - end) as f64 / 1000.0, l as f64))
            .collect();
        let span = pts.first().map_or(0.0, |p| -p.0);
        if pts.len() < 3 || span < 3.0 {
            return Trend::Unknown;
        }
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        if sxx <= 0.0 {
            return Trend::Unknown;
        }
        let slope = sxy / sxx;
        let max = pts.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
        let threshold = (0.05 * max).max(1.0);
        if slope * span > threshold {
            Trend::Growing { per_s: slope }
        } else if slope * span < -threshold {
            let per_s = -slope;
            let eta_ms = (last > 0).then(|| (last as f64 / per_s * 1000.0).round() as i64);
            Trend::Shrinking { per_s, eta_ms }
        } else {
            Trend::Steady
        }
    }
}

/// The timestamps of records kord read, per partition, by offset.
#[derive(Clone, Debug, Default)]
pub struct OffsetTimes {
    /// (offset, timestamp ms), offsets increasing.
    times: VecDeque<(i64, i64)>,
}

impl OffsetTimes {
    /// A record kord read (offsets not past the last are ignored).
    pub fn push(&mut self, offset: i64, ts: i64) {
        if self.times.back().is_some_and(|l| l.0 >= offset) {
            return;
        }
        if self.times.len() >= MAX_TIMES {
            // Thin to every other record: the age is then read from a
            // record at most one kept step later (a slight under-estimate).
            let kept: VecDeque<(i64, i64)> = self.times.iter().copied().step_by(2).collect();
            self.times = kept;
        }
        self.times.push_back((offset, ts));
    }

    /// Forgets records before `offset` (the group committed past them).
    pub fn forget_before(&mut self, offset: i64) {
        // Keep the one just before: it dates the committed offset when
        // that record was thinned out.
        while self.times.len() > 1 && self.times[1].0 <= offset {
            self.times.pop_front();
        }
    }

    /// The age at `now_ms` of the record at `offset` (the oldest one not
    /// committed): `(age, at_least)`; `at_least` when kord did not read that
    /// record and dates it by the oldest one it did read. None when kord
    /// read nothing at or after `offset`.
    pub fn age_of(&self, offset: i64, now_ms: i64) -> Option<(i64, bool)> {
        let first = self.times.iter().find(|t| t.0 >= offset)?;
        let at_least = self.times.front().is_some_and(|f| f.0 > offset);
        Some(((now_ms - first.1).max(0), at_least))
    }
}

/// The time lag of one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeLag {
    pub ms: i64,
    /// The oldest uncommitted record was not read by kord: at least this old.
    pub at_least: bool,
}

/// Lag over time for a topic: kord's own and the observed group's.
#[derive(Clone, Debug, Default)]
pub struct LagHistory {
    pub kord: Vec<LagSeries>,
    pub kord_total: LagSeries,
    pub group: Vec<LagSeries>,
    pub group_total: LagSeries,
    /// Per partition, at the last group look (None: no commit or no record).
    pub time_lag: Vec<Option<TimeLag>>,
    /// The worst time lag over partitions, over time (ms).
    pub time_lag_max: LagSeries,
    times: Vec<OffsetTimes>,
}

fn slot<T: Default>(v: &mut Vec<T>, p: i32) -> Option<&mut T> {
    let p = usize::try_from(p).ok()?;
    if v.len() <= p {
        v.resize_with(p + 1, T::default);
    }
    v.get_mut(p)
}

impl LagHistory {
    /// Records kord read: (partition, offset, timestamp ms).
    pub fn on_records(&mut self, records: impl IntoIterator<Item = (i32, i64, Option<i64>)>) {
        for (p, offset, ts) in records {
            if let (Some(ts), Some(t)) = (ts, slot(&mut self.times, p)) {
                t.push(offset, ts);
            }
        }
    }

    /// kord's own lag per partition at `now_ms`.
    pub fn on_kord_lag(&mut self, now_ms: i64, lags: impl IntoIterator<Item = (i32, i64)>) {
        let mut total = 0;
        for (p, lag) in lags {
            total += lag.max(0);
            if let Some(s) = slot(&mut self.kord, p) {
                s.push(now_ms, lag.max(0));
            }
        }
        self.kord_total.push(now_ms, total);
    }

    /// A look at the group at `now_ms`: per partition its committed offset
    /// and lag (None without a commit).
    pub fn on_group(
        &mut self,
        now_ms: i64,
        parts: impl IntoIterator<Item = (i32, Option<i64>, Option<i64>)>,
    ) {
        let mut total = 0;
        let mut worst = 0;
        let mut any = false;
        for (p, committed, lag) in parts {
            let Ok(pi) = usize::try_from(p) else { continue };
            if let (Some(lag), Some(s)) = (lag, slot(&mut self.group, p)) {
                any = true;
                total += lag.max(0);
                s.push(now_ms, lag.max(0));
            }
            let tl = match (committed, lag) {
                (Some(_), Some(0)) => Some(TimeLag {
                    ms: 0,
                    at_least: false,
                }),
                (Some(c), Some(_)) => slot(&mut self.times, p).and_then(|t| {
                    t.forget_before(c);
                    t.age_of(c, now_ms)
                        .map(|(ms, at_least)| TimeLag { ms, at_least })
                }),
                _ => None,
            };
            if let Some(t) = tl {
                worst = worst.max(t.ms);
            }
            if self.time_lag.len() <= pi {
                self.time_lag.resize(pi + 1, None);
            }
            self.time_lag[pi] = tl;
        }
        // Before the group's first commit there is no lag to chart (a zero
        // there would read as a jump when the first commit shows the lag).
        if any {
            self.group_total.push(now_ms, total);
            self.time_lag_max.push(now_ms, worst);
        }
    }
}

/// A sparkline of `values` in block characters, scaled to the largest.
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 {
                BARS[0]
            } else {
                BARS[((v as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, i64)]) -> LagSeries {
        let mut s = LagSeries::default();
        for &(t, l) in points {
            s.push(t, l);
        }
        s
    }

    #[test]
    fn trends() {
        let growing = series(
            &(0..20)
                .map(|k| (k * 1000, 100 + k * 50))
                .collect::<Vec<_>>(),
        );
        match growing.trend() {
            Trend::Growing { per_s } => assert!((per_s - 50.0).abs() < 0.01, "{per_s}"),
            t => panic!("{t:?}"),
        }
        let shrinking = series(
            &(0..20)
                .map(|k| (k * 1000, 2000 - k * 40))
                .collect::<Vec<_>>(),
        );
        match shrinking.trend() {
            Trend::Shrinking { per_s, eta_ms } => {
                assert!((per_s - 40.0).abs() < 0.01);
                // 1240 left at 40/s: 31 s.
                assert_eq!(eta_ms, Some(31_000));
            }
            t => panic!("{t:?}"),
        }
        let steady = series(
            &(0..20)
                .map(|k| (k * 1000, 1000 + k % 2))
                .collect::<Vec<_>>(),
        );
        assert_eq!(steady.trend(), Trend::Steady);
        assert_eq!(series(&[(0, 1), (500, 5)]).trend(), Trend::Unknown);
        assert!(Trend::Shrinking {
            per_s: 40.0,
            eta_ms: Some(31_000)
        }
        .describe()
        .contains("caught up in ~31 s"));
    }

    #[test]
    fn series_keep_minutes_and_merge_close_points() {
        let mut s = LagSeries::default();
        for k in 0..1000 {
            s.push(k * 500, k);
        }
        let pts: Vec<_> = s.points().collect();
        assert!(pts.iter().all(|p| 499_500 - p.0 <= KEEP_MS));
        assert!(
            pts.len() <= (KEEP_MS / MIN_STEP_MS) as usize + 2,
            "{}",
            pts.len()
        );
        assert_eq!(s.last(), Some(999));
    }

    #[test]
    fn time_lag_is_the_age_of_the_oldest_uncommitted_record() {
        let mut h = LagHistory::default();
        h.on_records((0..100).map(|o| (0, o, Some(10_000 + o * 100))));
        // Committed 40 (records 40.. not processed): record 40 is from 14_000.
        h.on_group(20_000, [(0, Some(40), Some(60)), (1, None, None)]);
        assert_eq!(
            h.time_lag[0],
            Some(TimeLag {
                ms: 6_000,
                at_least: false
            })
        );
        assert_eq!(h.time_lag[1], None);
        // A look with no commit anywhere adds no point.
        h.on_group(21_000, [(1, None, None)]);
        assert_eq!(h.group_total.points().count(), 1);
        // Later, still at 40: older by the time passed.
        h.on_group(25_000, [(0, Some(40), Some(60))]);
        assert_eq!(h.time_lag[0].unwrap().ms, 11_000);
        // Caught up: zero.
        h.on_group(26_000, [(0, Some(100), Some(0))]);
        assert_eq!(h.time_lag[0].unwrap().ms, 0);
        // Committed before what kord read: at least the oldest read.
        let mut h = LagHistory::default();
        h.on_records([(0, 50, Some(1_000))]);
        h.on_group(5_000, [(0, Some(10), Some(41))]);
        assert_eq!(
            h.time_lag[0],
            Some(TimeLag {
                ms: 4_000,
                at_least: true
            })
        );
        assert_eq!(h.time_lag_max.last(), Some(4_000));
    }

    #[test]
    fn sparkline_scales_to_the_largest() {
        assert_eq!(sparkline(&[0, 7, 14]), "▁▅█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
    }
}
