//! Consumer-lag evaluation by Burrow's rules (LinkedIn Burrow,
//! `core/internal/evaluator`): a status per partition from a sliding window
//! of committed offsets, with no thresholds to tune.
//!
//! A window holds the last few commits of one partition, oldest first, each
//! with the lag it left (high watermark minus committed offset at the time).
//! The rules, checked in this order, are Burrow's:
//! 1. lag zero now, or at any commit in the window: `OK`;
//! 2. the committed offset went backwards between two commits: `REWIND`;
//! 3. the time since the last commit is longer than the window's span
//!    (last minus first commit): `STOP` (the consumer stopped committing);
//! 4. every commit in the window has the same offset: `STALL`;
//! 5. the offset moves but the lag never shrinks between commits: `WARN`;
//! 6. else `OK`.
//!
//! Pure: no clock, no Kafka. The caller passes `now_ms`. Core: must not import
//! the terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use std::collections::VecDeque;

/// One observed commit of a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitSample {
    /// The committed offset (the next offset the group will read).
    pub offset: i64,
    /// When the commit was made (or first observed), epoch ms.
    pub at_ms: i64,
    /// High watermark minus `offset` at that time (0 when caught up).
    pub lag: u64,
}

/// A partition's (or a group's) lag status, worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LagStatus {
    /// Keeping up (or not enough evidence of a problem).
    Ok,
    /// Committing, but the lag is not shrinking: a slow consumer.
    Warn,
    /// Committing the same offset over and over while lag exists.
    Stall,
    /// No commit for longer than the window spans, while lag exists.
    Stop,
    /// The committed offset went backwards (a reset or replay).
    Rewind,
}

impl LagStatus {
    /// The name Burrow uses (`OK`, `WARN`, `STALL`, `STOP`, `REWIND`).
    pub fn name(self) -> &'static str {
        match self {
            LagStatus::Ok => "OK",
            LagStatus::Warn => "WARN",
            LagStatus::Stall => "STALL",
            LagStatus::Stop => "STOP",
            LagStatus::Rewind => "REWIND",
        }
    }
}

impl std::fmt::Display for LagStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Burrow's status of one partition from its window of commits (oldest
/// first), its current lag and the time now.
pub fn evaluate(window: &[CommitSample], current_lag: u64, now_ms: i64) -> LagStatus {
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return LagStatus::Ok;
    };
    if current_lag == 0 || window.iter().any(|s| s.lag == 0) {
        return LagStatus::Ok;
    }
    let pairs = || window.windows(2).map(|w| (w[0], w[1]));
    if pairs().any(|(a, b)| b.offset < a.offset) {
        return LagStatus::Rewind;
    }
    if now_ms.saturating_sub(last.at_ms) > last.at_ms.saturating_sub(first.at_ms) {
        return LagStatus::Stop;
    }
    if pairs().all(|(a, b)| a.offset == b.offset) {
        return LagStatus::Stall;
    }
    if pairs().all(|(a, b)| b.lag >= a.lag) {
        return LagStatus::Warn;
    }
    LagStatus::Ok
}

/// The status of a group: the worst of its partitions' (Burrow reports
/// STOP, STALL and REWIND of a partition as the group's ERROR; kord keeps
/// the partition's own word).
pub fn group_status(partitions: impl IntoIterator<Item = LagStatus>) -> LagStatus {
    partitions.into_iter().max().unwrap_or(LagStatus::Ok)
}

/// A sliding window of commits for one partition.
#[derive(Clone, Debug, Default)]
pub struct LagWindow {
    samples: VecDeque<CommitSample>,
    capacity: usize,
}

impl LagWindow {
    /// Burrow's default window: the last 10 commits.
    pub const DEFAULT_CAPACITY: usize = 10;

    /// An empty window keeping the last `capacity` commits (at least 2).
    pub fn new(capacity: usize) -> LagWindow {
        LagWindow {
            samples: VecDeque::new(),
            capacity: capacity.max(2),
        }
    }

    /// Adds a commit; the oldest falls out when the window is full.
    pub fn push(&mut self, s: CommitSample) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(s);
    }

    /// The commits in the window, oldest first.
    pub fn samples(&self) -> Vec<CommitSample> {
        self.samples.iter().copied().collect()
    }

    /// The last commit seen.
    pub fn last(&self) -> Option<&CommitSample> {
        self.samples.back()
    }

    /// Evaluates the window now.
    pub fn status(&self, current_lag: u64, now_ms: i64) -> LagStatus {
        let (a, b) = self.samples.as_slices();
        if b.is_empty() {
            evaluate(a, current_lag, now_ms)
        } else {
            evaluate(&self.samples(), current_lag, now_ms)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(xs: &[(i64, i64, u64)]) -> Vec<CommitSample> {
        xs.iter()
            .map(|&(offset, at_ms, lag)| CommitSample { offset, at_ms, lag })
            .collect()
    }

    #[test]
    fn empty_window_is_ok() {
        assert_eq!(evaluate(&[], 100, 0), LagStatus::Ok);
    }

    #[test]
    fn zero_lag_anywhere_is_ok() {
        let win = w(&[(10, 0, 5), (10, 1000, 0), (10, 2000, 5)]);
        assert_eq!(evaluate(&win, 5, 2500), LagStatus::Ok);
        // Zero lag now is OK even over a stalled window.
        let win = w(&[(10, 0, 5), (10, 1000, 5)]);
        assert_eq!(evaluate(&win, 0, 1500), LagStatus::Ok);
    }

    #[test]
    fn rewind_beats_everything() {
        let win = w(&[(100, 0, 5), (50, 1000, 60), (60, 2000, 55)]);
        assert_eq!(evaluate(&win, 55, 1_000_000), LagStatus::Rewind);
    }

    #[test]
    fn stopped_when_silent_longer_than_the_window() {
        let win = w(&[(10, 0, 5), (20, 1000, 5), (30, 2000, 5)]);
        // 2000 ms span; now - last = 2001 > 2000
        assert_eq!(evaluate(&win, 5, 4001), LagStatus::Stop);
        assert_ne!(evaluate(&win, 5, 4000), LagStatus::Stop);
    }

    #[test]
    fn stalled_when_committing_the_same_offset() {
        let win = w(&[(10, 0, 5), (10, 1000, 6), (10, 2000, 7)]);
        assert_eq!(evaluate(&win, 7, 2500), LagStatus::Stall);
    }

    #[test]
    fn warn_when_moving_but_lag_not_shrinking() {
        let win = w(&[(10, 0, 5), (20, 1000, 5), (30, 2000, 9)]);
        assert_eq!(evaluate(&win, 9, 2500), LagStatus::Warn);
    }

    #[test]
    fn ok_when_lag_shrinks_somewhere() {
        let win = w(&[(10, 0, 9), (20, 1000, 5), (30, 2000, 7)]);
        assert_eq!(evaluate(&win, 7, 2500), LagStatus::Ok);
    }

    #[test]
    fn single_commit_with_lag_is_stop_once_time_passes() {
        // Burrow's rule 3 with a one-commit window: any silence exceeds a 0 span.
        let win = w(&[(10, 1000, 5)]);
        assert_eq!(evaluate(&win, 5, 1000), LagStatus::Stall);
        assert_eq!(evaluate(&win, 5, 1001), LagStatus::Stop);
    }

    #[test]
    fn window_slides() {
        let mut lw = LagWindow::new(3);
        for (i, off) in [100, 50, 60, 70].iter().enumerate() {
            lw.push(CommitSample {
                offset: *off,
                at_ms: i as i64 * 1000,
                lag: 10 + i as u64,
            });
        }
        // The rewind (100 -> 50) has slid out; 50, 60, 70 with growing lag: WARN.
        assert_eq!(lw.samples().len(), 3);
        assert_eq!(lw.status(13, 3500), LagStatus::Warn);
    }

    #[test]
    fn group_is_the_worst_partition() {
        assert_eq!(group_status([]), LagStatus::Ok);
        assert_eq!(
            group_status([LagStatus::Ok, LagStatus::Stall, LagStatus::Warn]),
            LagStatus::Stall
        );
    }
}
