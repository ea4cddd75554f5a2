//! Live mode as the app state sees it: buffering what the Kafka source
//! sends (`on_source`), deciding when a rebuild is due (`take_live_job`) and
//! swapping the rebuilt view in while keeping the user's place (`on_live`).
//! The source's types and the rebuild itself live in `crate::tui::live`;
//! this module must not read Kafka, run the engine or draw.

use super::{dispatch, App, Focus};
use crate::source::kafka::live::SourceEvent;
use crate::tui::action::Action;
use crate::tui::live::{LiveConn, LiveJob, LiveUpdate};
use std::time::{Duration, Instant};

/// A rebuild that has not answered after this long is given up on.
const STALE_REBUILD: Duration = Duration::from_secs(120);

/// How long a rebuild waits for the view work (strategy, simulation, what-if
/// layout) the previous one started.
const HOLD_FOR_VIEW: Duration = Duration::from_secs(5);

impl App {
    /// Applies one event of the live source. Cheap: records are only buffered.
    pub fn on_source(&mut self, ev: SourceEvent) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        match ev {
            SourceEvent::Connected { partitions, .. } => {
                if matches!(live.conn, LiveConn::Disconnected(_)) {
                    self.status = Some(("connected again: reading resumes".into(), false));
                }
                live.conn = LiveConn::Connected;
                if partitions > live.partitions {
                    live.partitions = partitions;
                    live.dirty = true;
                }
            }
            SourceEvent::Records(batch) => {
                live.received += batch.len() as u64;
                live.lag
                    .on_records(batch.iter().map(|r| (r.partition, r.offset, r.ts)));
                live.incoming.push(batch);
                // Whatever is older than the window would be dropped anyway (with
                // no filter: every record becomes an event).
                if live.window > 0 && !live.filtered && live.incoming.len() > live.window {
                    live.incoming_skipped += live.incoming.keep_last(live.window) as u64;
                }
                if live.conn == LiveConn::Connecting {
                    live.conn = LiveConn::Connected;
                }
            }
            SourceEvent::Watermarks {
                marks,
                events_per_sec,
                pending,
            } => {
                let now = chrono::Utc::now().timestamp_millis();
                live.lag
                    .on_kord_lag(now, marks.iter().map(|m| (m.partition, m.lag())));
                live.marks = marks;
                live.events_per_sec = events_per_sec;
                live.behind = pending;
            }
            SourceEvent::Disconnected { reason } => {
                live.conn = LiveConn::Disconnected(reason.clone());
                self.status = Some((
                    format!("disconnected: {reason} (everything loaded is kept)"),
                    true,
                ));
            }
            SourceEvent::NewPartitions(ps) => {
                let top = ps.iter().map(|&p| p.max(0) as u32 + 1).max().unwrap_or(0);
                if top > live.partitions {
                    live.partitions = top;
                }
                live.dirty = true;
                let list: Vec<String> = ps.iter().map(|p| format!("p{p}")).collect();
                self.status = Some((format!("new partitions: {}", list.join(", ")), false));
            }
            SourceEvent::Group(g) => {
                // A high watermark below the commit is not known yet (the
                // first look) or under-reported (tansu): no lag to chart.
                let known = |p: &crate::source::kafka::group::GroupPartition| {
                    p.committed.is_none_or(|c| p.high >= c)
                };
                let parts = g
                    .partitions
                    .iter()
                    .map(|p| (p.partition, p.committed, p.lag.filter(|_| known(p))));
                live.lag.on_group(g.at_ms, parts);
                live.group = Some(g);
            }
            SourceEvent::Warning(w) => self.status = Some((format!("warning: {w}"), true)),
            SourceEvent::Error(e) => {
                live.conn = LiveConn::Stopped(e.clone());
                self.status = Some((format!("source stopped: {e} (data kept)"), true));
            }
        }
    }

    /// The rebuild to run now, if one is due: new records or partitions, no
    /// rebuild running, and the last one at least `rebuild_every` ago.
    pub fn take_live_job(&mut self, now: Instant) -> Option<LiveJob> {
        let consumers = self.consumers;
        let first = self.ds.is_none();
        let shown = self.shown_strategy();
        // A strategy, simulation or what-if asked for on the last rebuild is
        // still being computed: let it land before the next rebuild replaces
        // the data under it (bounded, so a slow one cannot stop the stream).
        let view_busy = self.pending.is_some() || self.whatif.pending;
        let live = self.live.as_mut()?;
        let strategy = if first {
            live.first_strategy
        } else {
            Some(shown)
        };
        // A rebuild whose worker died (its panic is reported as a failure)
        // never answers: do not wait on it for ever.
        if live.in_flight
            && live
                .last_rebuild
                .is_some_and(|t| now.saturating_duration_since(t) > STALE_REBUILD)
        {
            live.in_flight = false;
        }
        let due = live
            .last_rebuild
            .is_none_or(|t| now.saturating_duration_since(t) >= live.rebuild_every);
        let work = !live.incoming.is_empty() || live.incoming_skipped > 0 || live.dirty;
        // Before the first rebuild there is nothing to show: wait for the
        // source to say where it is (connected, or records).
        let ready = !(first && live.conn == LiveConn::Connecting && live.incoming.is_empty());
        let held = view_busy
            && live
                .last_rebuild
                .is_some_and(|t| now.saturating_duration_since(t) < HOLD_FOR_VIEW);
        if live.in_flight || !due || !work || !ready || held {
            return None;
        }
        live.in_flight = true;
        live.dirty = false;
        live.last_rebuild = Some(now);
        Some(LiveJob {
            acc: live.acc.clone(),
            records: std::mem::take(&mut live.incoming),
            skipped: std::mem::take(&mut live.incoming_skipped),
            window: live.window,
            partitions: live.partitions,
            name: live.name.clone(),
            strategy,
            consumers,
        })
    }

    /// Swaps in a rebuilt live view: follows the live end when the cursor
    /// was at it, else keeps the user's place (indices shift by what the
    /// window dropped).
    pub fn on_live(&mut self, u: LiveUpdate) {
        let LiveUpdate {
            ds,
            view,
            dropped,
            received,
        } = u;
        let old_len = self.len();
        let follow = self.ds.is_none() || self.cursor + 1 >= old_len;
        // The selected cell, by entity name (ids may be compacted).
        let cell = (self.focus == Focus::Cell)
            .then(|| {
                let old = self.ds.as_ref()?;
                let &e = self.rows.get(self.viewport.sel_row)?;
                Some((
                    old.store.entities.name(e).to_string(),
                    self.viewport.sel_col,
                ))
            })
            .flatten();
        if let Some(live) = self.live.as_mut() {
            live.in_flight = false;
            live.received = live.received.max(received);
        }
        self.loading = None;
        self.complete = true;
        if dropped > 0 {
            self.cursor = self.cursor.saturating_sub(dropped);
            // Membership changes placed at an event move with it.
            for r in &mut self.sim_opts.rebalances {
                r.at = r.at.saturating_sub(dropped as u32);
            }
            self.playback.bookmarks = self
                .playback
                .bookmarks
                .iter()
                .filter(|&&b| b >= dropped)
                .map(|&b| b - dropped)
                .collect();
        }
        let status = self.status.take();
        self.set_data(ds, view);
        if follow {
            dispatch(self, Action::SeekEnd);
        } else if let Some((name, col)) = cell {
            let row = self.ds.as_ref().and_then(|d| d.store.entities.get(&name));
            if let Some(r) = row.and_then(|e| self.row_of.get(e as usize).copied()) {
                if r != u32::MAX {
                    let d = r as i64 - self.viewport.sel_row as i64;
                    dispatch(self, Action::Rows(d));
                    let d = col as i64 - self.viewport.sel_col as i64;
                    dispatch(self, Action::Cols(d));
                }
            }
        }
        self.status = status;
    }

    /// Whether this app shows a live source.
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }
}
