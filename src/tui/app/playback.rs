//! Playback: the cursor moving through the stream (stepping, seeking by
//! index or time, playing, finding jumps, `:find`, bookmarks). Changes only
//! the cursor, playback and jump state (and what follows the cursor); it must
//! not draw or run a job.

use super::{update_opt, App, SPEEDS};
use crate::detect::Kind;
use crate::tui::action::{Action, TimeArg};
use crate::tui::app::Prompt;
use crate::tui::data::Marker;

/// Applies a playback action; hands any other back.
pub(super) fn update(app: &mut App, action: Action) -> Result<Option<Action>, Action> {
    match action {
        Action::Tick(ms) => app.tick(ms),
        Action::Step(d) => {
            let c = app.cursor as i64 + d;
            app.seek(c.max(0) as usize);
        }
        Action::Seek(i) => app.seek(i),
        Action::SeekStart => app.seek(0),
        Action::SeekEnd => app.seek(usize::MAX),
        Action::SeekTime(ms) => {
            if let Some(ds) = app.ds.clone() {
                let i = ds.store.arrival.partition_point(|&a| a < ms);
                app.seek(i);
            }
        }
        Action::Goto(i) => app.seek_checked(i),
        Action::GotoTime(t) => app.goto_time(&t),
        Action::FindContent => app.find_content(None),
        Action::FindExpr(e) => app.find_content(Some(&e)),
        Action::NextFinding => app.jump_to_finding(true),
        Action::PrevFinding => app.jump_to_finding(false),
        Action::CycleFindingKind => app.cycle_finding_kind(),
        Action::SetJumpKind(k) => {
            app.playback.jump_kind = k;
            app.set_status(
                format!(
                    "jumps stop at: {}",
                    app.playback.jump_kind.map_or("any finding", |k| k.name())
                ),
                false,
            );
        }
        Action::TogglePlay => {
            app.playback.playing = !app.playback.playing && !app.is_empty();
            if app.playback.playing && app.cursor + 1 >= app.len() {
                app.seek(0);
            }
        }
        Action::Faster => app.playback.speed = (app.playback.speed + 1).min(SPEEDS.len() - 1),
        Action::Slower => app.playback.speed = app.playback.speed.saturating_sub(1),
        Action::SetSpeed(s) => {
            app.playback.speed = SPEEDS
                .iter()
                .position(|&x| x >= s)
                .unwrap_or(SPEEDS.len() - 1);
        }
        Action::ToggleBookmark => {
            if !app.playback.bookmarks.remove(&app.cursor) {
                app.playback.bookmarks.insert(app.cursor);
                app.set_status(format!("bookmarked event #{}", app.cursor), false);
            } else {
                app.set_status(format!("bookmark at #{} removed", app.cursor), false);
            }
        }
        Action::NextBookmark => app.jump_to_bookmark(true),
        Action::PrevBookmark => app.jump_to_bookmark(false),
        other => return Err(other),
    }
    Ok(None)
}

impl App {
    /// Playing: turns the time passed into steps at the current speed.
    fn tick(&mut self, ms: u64) {
        if self.playback.playing && !self.is_empty() {
            self.playback.play_acc += ms * SPEEDS[self.playback.speed] as u64;
            let steps = self.playback.play_acc / 1000;
            self.playback.play_acc %= 1000;
            if steps > 0 {
                let n = self.len();
                let next = self.cursor.saturating_add(steps as usize);
                if next >= n - 1 {
                    self.playback.playing = false;
                }
                self.seek(next);
            }
        }
    }

    /// `n`/`N`: the next or previous marker of the jump kind.
    fn jump_to_finding(&mut self, fwd: bool) {
        let cur = self.cursor as u32;
        let target = {
            let ms = self.jump_markers();
            if fwd {
                ms.iter().find(|m| m.at > cur).map(|m| **m)
            } else {
                ms.iter().rev().find(|m| m.at < cur).map(|m| **m)
            }
        };
        match target {
            Some(m) => {
                let detail = match (&self.ds, &self.view) {
                    (Some(ds), Some(v)) => v.detail(ds, &m),
                    _ => String::new(),
                };
                self.seek(m.at as usize);
                self.set_status(format!("{}: {detail}", m.kind.name()), false);
            }
            None => self.set_status(
                format!(
                    "no {} {}",
                    self.playback.jump_kind.map_or("finding", |k| k.name()),
                    if fwd {
                        "after this event"
                    } else {
                        "before this event"
                    }
                ),
                false,
            ),
        }
    }

    /// `f`: the next finding kind the jumps stop at (after the last: any).
    fn cycle_finding_kind(&mut self) {
        let kinds: Vec<Kind> = {
            let mut v: Vec<Kind> = self
                .view
                .as_ref()
                .map(|v| v.markers.iter().map(|m| m.kind).collect())
                .unwrap_or_default();
            v.sort();
            v.dedup();
            v
        };
        self.playback.jump_kind = match self.playback.jump_kind {
            None => kinds.first().copied(),
            Some(k) => kinds
                .iter()
                .position(|x| *x == k)
                .and_then(|p| kinds.get(p + 1))
                .copied(),
        };
        self.set_status(
            format!(
                "n/N jump to: {}",
                self.playback.jump_kind.map_or("any finding", |k| k.name())
            ),
            false,
        );
    }

    /// `b`/`B`: the next or previous bookmark.
    fn jump_to_bookmark(&mut self, forward: bool) {
        let c = self.cursor;
        let t = if forward {
            self.playback.bookmarks.range(c + 1..).next().copied()
        } else {
            self.playback.bookmarks.range(..c).next_back().copied()
        };
        match t {
            Some(i) => self.seek(i),
            None => self.set_status("no bookmark that way (m sets one)", false),
        }
    }

    pub(super) fn seek(&mut self, i: usize) {
        let n = self.len();
        if n == 0 {
            return;
        }
        self.cursor = i.min(n - 1);
        self.follow_cursor();
    }

    /// `:goto N`: an index past the end is said, not clamped.
    pub(super) fn seek_checked(&mut self, i: usize) {
        let n = self.len();
        if i >= n {
            let msg = if n == 0 {
                "no events yet".to_string()
            } else {
                format!("no event #{i}: the stream has events #0 to #{}", n - 1)
            };
            self.set_status(msg, true);
            return;
        }
        self.seek(i);
    }

    /// `:time T` outside the stream's arrival times: what to say.
    pub(super) fn time_out_of_range(&self, ms: i64) -> Option<String> {
        let ds = self.ds.as_ref()?;
        let (first, last) = (*ds.store.arrival.first()?, *ds.store.arrival.last()?);
        (ms > last).then(|| {
            format!(
                "no event at or after {}: the stream runs from {} to {}",
                crate::strategy::fmt_ms(ms),
                crate::strategy::fmt_ms(first),
                crate::strategy::fmt_ms(last)
            )
        })
    }

    /// `:time T`: the epoch ms it names (a time of day on the stream's
    /// first day), or what to say.
    pub(super) fn resolve_time(&self, t: &TimeArg) -> Result<i64, String> {
        match t {
            TimeArg::Epoch(ms) => Ok(*ms),
            TimeArg::OfDay { ms, text } => {
                let at = (|| {
                    let ds = self.ds.as_ref()?;
                    let first = *ds.store.arrival.first()?;
                    let day = chrono::DateTime::from_timestamp_millis(first)?.date_naive();
                    let start = day.and_time(chrono::NaiveTime::MIN);
                    Some(start.and_utc().timestamp_millis() + *ms as i64)
                })();
                match at {
                    Some(at) if at < 0 => Err(crate::tui::command::before_1970(text)),
                    Some(at) => Ok(at),
                    None => Err(crate::tui::command::not_a_time(text)),
                }
            }
        }
    }

    /// `:time T`: go there, or say why not.
    pub(super) fn goto_time(&mut self, t: &TimeArg) {
        match self.resolve_time(t) {
            Ok(ms) => match self.time_out_of_range(ms) {
                Some(e) => self.set_status(e, true),
                None => update_opt(self, Action::SeekTime(ms)),
            },
            Err(e) => self.set_status(e, true),
        }
    }

    /// `:find EXPR` (Some) or `F` (None: the last expression): the next
    /// event after the cursor whose record matches.
    pub(super) fn find_content(&mut self, expr: Option<&str>) {
        if let Some(e) = expr {
            match crate::filter::RecordFilter::compile(e) {
                Ok(f) => self.content.find = Some(f),
                Err(m) => return self.set_status(format!(":find {e}: {m}"), true),
            }
        }
        let (Some(ds), Some(f)) = (self.ds.clone(), self.content.find.as_ref()) else {
            self.prompt = Prompt::Command("find ".into());
            return;
        };
        let expr = f.expr().to_string();
        match crate::tui::search::find_next(&ds, f, self.cursor) {
            Some(i) => {
                let wrapped = i <= self.cursor;
                self.seek(i);
                self.set_status(
                    format!(
                        "find {expr}: event {i}{}",
                        if wrapped { " (from the start)" } else { "" }
                    ),
                    false,
                );
            }
            None => self.set_status(format!("find {expr}: no event matches"), true),
        }
    }

    /// Markers the jump keys stop at.
    pub(super) fn jump_markers(&self) -> Vec<&Marker> {
        let Some(v) = &self.view else { return vec![] };
        v.markers
            .iter()
            .filter(|m| self.playback.jump_kind.is_none_or(|k| m.kind == k))
            .collect()
    }
}
