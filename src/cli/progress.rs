//! Progress of long reads on stderr (`indicatif`): only when stderr is a
//! terminal and `--quiet` is not given, and cleared before any output is
//! printed, so reports (JSON above all) are never mixed with it. Must not write
//! to standard output.

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use kord::source::kafka::reader::PartitionMarks;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A progress line, or nothing (a pipe, `--quiet`).
pub struct Progress {
    bar: Option<ProgressBar>,
    records: AtomicU64,
    bytes: AtomicU64,
    /// Where each partition was when first seen (for "toward the end").
    start: Mutex<HashMap<i32, i64>>,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress {
    /// Whether progress is drawn: stderr is a terminal and not `--quiet`.
    pub fn wanted(quiet: bool) -> bool {
        !quiet && std::io::stderr().is_terminal()
    }

    fn new(quiet: bool, make: impl FnOnce() -> ProgressBar) -> Progress {
        let bar = Progress::wanted(quiet).then(|| {
            let b = make();
            b.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            bar,
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            start: Mutex::new(HashMap::new()),
        }
    }

    /// Reading a file of `total` bytes (None: compressed, size unknown).
    pub fn file(quiet: bool, name: &str, total: Option<u64>) -> Progress {
        let name = name.to_string();
        Progress::new(quiet, || {
            match total {
            Some(t) => ProgressBar::new(t)
                .with_style(style(
                    "{spinner} reading {prefix} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                ))
                .with_prefix(name),
            None => ProgressBar::new_spinner()
                .with_style(style("{spinner} reading {prefix} {bytes} {bytes_per_sec}"))
                .with_prefix(name),
        }
        })
    }

    /// Reading a topic; `limit` is `--until N`.
    pub fn kafka(quiet: bool, topic: &str, limit: Option<u64>) -> Progress {
        let topic = topic.to_string();
        Progress::new(quiet, || {
            ProgressBar::new(limit.unwrap_or(0))
                .with_style(style(
                    "{spinner} {prefix} [{wide_bar}] {human_pos}/{human_len} records {per_sec} {msg}",
                ))
                .with_prefix(topic)
        })
    }

    /// Starts over for a second read of the same source (`note` is added
    /// to the bar's name): counts and positions back to zero.
    pub fn restart(&self, note: &str) {
        self.records.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.start.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if let Some(b) = &self.bar {
            b.reset();
            b.set_prefix(format!("{}{note}", b.prefix()));
        }
    }

    /// A file read: bytes so far (a parallel load reports its first slice's,
    /// scaled to the file).
    pub fn file_at(&self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.set_position(bytes);
        }
    }

    /// Counts records (and their bytes) as they are handled; any thread.
    pub fn count(&self, records: u64, bytes: u64) {
        self.records.fetch_add(records, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A topic read: records so far, and each partition's position toward
    /// its high watermark (`to_end`: the total is what was left at the start).
    pub fn kafka_at(&self, marks: &[PartitionMarks], to_end: bool) {
        let Some(b) = &self.bar else {
            return;
        };
        let records = self.records.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        b.set_position(records);
        let mut start = self.start.lock().unwrap_or_else(|e| e.into_inner());
        let mut left_at_start = 0i64;
        let mut at_end = 0usize;
        let mut slowest: Option<(i32, f64)> = None;
        for m in marks {
            let s = *start.entry(m.partition).or_insert(m.position.max(m.low));
            let total = (m.high - s).max(0);
            left_at_start += total;
            if m.lag() == 0 {
                at_end += 1;
            } else if total > 0 {
                let done = (m.position - s).max(0) as f64 / total as f64;
                if slowest.is_none_or(|(_, d)| done < d) {
                    slowest = Some((m.partition, done));
                }
            }
        }
        if to_end {
            b.set_length((left_at_start.max(0) as u64).max(records));
        }
        let mut msg = format!(
            "{}, {at_end}/{} partitions at the end",
            HumanBytes(bytes),
            marks.len()
        );
        if let Some((p, d)) = slowest {
            msg.push_str(&format!(", slowest p{p} {:.0}%", d * 100.0));
        }
        b.set_message(msg);
    }

    /// Removes the line (before the report or the summary is printed).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
