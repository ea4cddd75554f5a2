//! What-ifs: the simulated group (consumers joining, leaving, dying; the
//! delivery model) and re-partitioning the recorded stream. Each change
//! asks for a job (the engine recomputes off the loop); this module must not
//! run a rule or the simulation itself, or draw.

use super::{jobs::Base, App, Job, MAX_CONSUMERS};
use crate::model::partition::Partitioner;
use crate::sim::whatif::{PartitionBy, WhatIf};
use crate::sim::Change;
use crate::sim::Rebalance;
use crate::tui::action::Action;

/// Applies a what-if action; hands any other back.
pub(super) fn update(app: &mut App, action: Action) -> Result<Option<Action>, Action> {
    match action {
        Action::NextWhatIf => app.next_what_if(),
        Action::ToggleWhatIf if app.whatif.shown.is_some() => {
            return Ok(Some(Action::RecordedLayout))
        }
        Action::ToggleWhatIf => app.next_what_if(),
        Action::RecordedLayout => {
            app.whatif.suggestion = None;
            app.request_layout(None);
        }
        Action::SetPartitions(n) => app.edit_what_if(|w| w.partitions = n),
        Action::SetPartitioner(p) => app.edit_what_if(|w| w.partitioner = p),
        Action::SetPartitionBy(by) => app.edit_what_if(|w| w.by = by),
        Action::AddConsumer => app.change_members(Change::Add),
        Action::RemoveConsumer => {
            let members = app.members_at_cursor();
            match members.iter().max() {
                Some(&c) if members.len() > 1 => app.change_members(Change::Remove(c)),
                _ => app.set_status("the group needs at least one consumer", true),
            }
        }
        Action::KillConsumer => {
            let owner = app
                .view
                .as_ref()
                .map(|v| v.sim.owner_at(app.viewport.sel_col as u32, app.cursor));
            match owner {
                Some(c) if c != u32::MAX && app.members_at_cursor().len() > 1 => {
                    app.change_members(Change::Kill(c))
                }
                _ => app.set_status(
                    "select a column owned by one of two or more consumers to kill its owner",
                    true,
                ),
            }
        }
        Action::SetConsumers(n) => app.set_consumers(n),
        Action::ClearRebalances => {
            app.sim_opts.rebalances.clear();
            app.set_status("membership changes cleared, re-simulating", false);
            app.request_strategy(app.shown_strategy());
        }
        Action::SetDelivery(m) => {
            app.sim_opts.model = m;
            app.set_status(format!("delivery: {}, re-simulating", m.name()), false);
            app.request_strategy(app.shown_strategy());
        }
        other => return Err(other),
    }
    Ok(None)
}

impl App {
    /// Lays the stream out by `what_if` (None: as recorded), off the loop.
    pub fn request_layout(&mut self, what_if: Option<WhatIf>) {
        let Some(base) = self.recorded() else { return };
        self.gen += 1;
        self.compare = None;
        self.compare_pending = false;
        self.whatif.pending = true;
        self.whatif.wanted = what_if.clone();
        self.jobs.push(Job::Layout {
            gen: self.gen,
            base: Base(base),
            what_if,
            kind: self.shown_strategy(),
            sim: self.sim_settings(),
        });
    }

    /// `w`: the next measured suggestion, then the recorded layout again.
    pub(super) fn next_what_if(&mut self) {
        let Some(list) = &self.whatif.suggestions else {
            let Some(base) = self.recorded() else { return };
            self.set_status("measuring fixes for the hot partitions...", false);
            self.jobs.push(Job::Suggest {
                gen: self.gen,
                base: Base(base),
            });
            return;
        };
        if list.is_empty() {
            self.set_status(
                "no hot partition, nothing to suggest; try :partition-by KEY|entity|/a,/b or :partitions N",
                false,
            );
            return;
        }
        let next = match self.whatif.suggestion {
            None => Some(0),
            Some(i) if i + 1 < list.len() => Some(i + 1),
            Some(_) => None,
        };
        self.whatif.suggestion = next;
        let w = next.and_then(|i| {
            let s = &list[i];
            Some(WhatIf {
                partitions: s.partitions,
                partitioner: s.partitioner.parse().ok()?,
                by: PartitionBy::parse(&s.partition_by).ok()?,
            })
        });
        self.request_layout(w);
    }

    /// Changes one part of the what-if (`:partitions`, `:partitioner`, `:partition-by`).
    pub(super) fn edit_what_if(&mut self, edit: impl FnOnce(&mut WhatIf)) {
        let Some(base) = self.recorded() else { return };
        let mut w = self.whatif.shown.clone().unwrap_or(WhatIf {
            partitions: base.store.partitions.max(1),
            partitioner: base.load.partitioner.unwrap_or(Partitioner::Murmur2),
            by: PartitionBy::Key,
        });
        edit(&mut w);
        self.whatif.suggestion = None;
        self.request_layout(Some(w));
    }

    /// Adds a membership change at the cursor and re-simulates.
    pub(super) fn change_members(&mut self, change: Change) {
        if self.shown_strategy().is_sequential() {
            self.set_status(
                "sequential delivery has one consumer; switch strategy (s) to see a rebalance",
                true,
            );
            return;
        }
        if self.sim_opts.model != crate::sim::Model::Kafka {
            self.set_status(
                format!(
                    "{} delivery has no consumer group to rebalance (:delivery kafka)",
                    self.sim_opts.model.name()
                ),
                true,
            );
            return;
        }
        let at = self.cursor as u32;
        let what = match &change {
            Change::Add => "a consumer joins".to_string(),
            Change::Remove(c) => format!("c{c} leaves"),
            Change::Kill(c) => format!("c{c} dies (its partitions wait for the session timeout)"),
        };
        let r = &mut self.sim_opts.rebalances;
        let pos = r.partition_point(|x| x.at <= at);
        r.insert(pos, Rebalance { at, change });
        self.set_status(format!("#{at}: {what}; rebalancing, re-simulating"), false);
        self.request_strategy(self.shown_strategy());
    }

    /// Members of the simulated group at the cursor.
    pub(super) fn members_at_cursor(&self) -> Vec<u32> {
        let Some(v) = &self.view else { return vec![] };
        match v.sim.generation_at(self.cursor) {
            Some(g) => g.members.clone(),
            None => (0..v.sim.consumers).collect(),
        }
    }

    pub(super) fn set_consumers(&mut self, n: u32) {
        let n = n.clamp(1, MAX_CONSUMERS);
        if self.shown_strategy().is_sequential() {
            self.set_status(
                "sequential delivery has one consumer; switch strategy (s) to see a rebalance",
                true,
            );
            return;
        }
        self.consumers = Some(n);
        // A new count from the start replaces the membership changes.
        self.sim_opts.rebalances.clear();
        self.set_status(
            format!("consumers: {n} from the start, re-simulating"),
            false,
        );
        self.request_strategy(self.shown_strategy());
    }
}
