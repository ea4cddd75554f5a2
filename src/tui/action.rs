//! [`Action`]: everything a user (or a test) can do, as typed values. Keys,
//! clicks and the `:` command line all become actions; only `update` (in
//! `app`) applies them. This module owns no state; it must not change state or
//! draw.

use crate::detect::Kind;
use crate::model::partition::Partitioner;
use crate::sim::whatif::PartitionBy;
use crate::sim::Model;
use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};

/// Everything a user can do. Keys map to actions (see [`super::keys`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Quit,
    /// Time passed (ms), for playback.
    Tick(u64),
    Resize(u16, u16),
    /// Step the cursor by N events (negative: back).
    Step(i64),
    /// Go to an arrival index.
    Seek(usize),
    SeekStart,
    SeekEnd,
    /// Go to the first event arriving at or after this time (epoch ms).
    SeekTime(i64),
    /// `:goto N`: go to an arrival index; one past the end is said, not clamped.
    Goto(usize),
    /// `:time T`: go to a time, saying so when the stream has no event then.
    GotoTime(TimeArg),
    NextFinding,
    PrevFinding,
    /// `F`: the next event matching `:find EXPR` (asks for one if none).
    FindContent,
    /// `:find EXPR`: compile a jq expression and go to the next match.
    FindExpr(String),
    /// `:where EXPR`: rows narrowed to entities with a matching event
    /// (empty: clear).
    Narrow(String),
    /// Cycle which finding kind next/previous jump to.
    CycleFindingKind,
    /// `:find KIND`: which finding kind next/previous jump to (None: any).
    SetJumpKind(Option<Kind>),
    TogglePlay,
    Faster,
    Slower,
    /// `:speed N`: playback in events per second.
    SetSpeed(u32),
    NextStrategy,
    PrevStrategy,
    SetStrategy(StrategyKind),
    /// Move the row selection.
    Rows(i64),
    /// Move the column selection.
    Cols(i64),
    PageUp,
    PageDown,
    Top,
    Bottom,
    FirstColumn,
    LastColumn,
    ToggleHelp,
    /// `:help`: open the help overlay.
    ShowHelp,
    ToggleCompare,
    /// `:compare`: open the comparison overlay.
    ShowCompare,
    ToggleInspector,
    ToggleConsumers,
    /// Write the HTML report of what is loaded (`E`).
    ExportReport,
    /// Open the filter prompt (`/`).
    StartFilter,
    /// Open the command line (`:`).
    StartCommand,
    /// A character typed into the prompt.
    Input(char),
    Backspace,
    Submit,
    /// Close the prompt or overlay.
    Cancel,
    SetFilter(String),
    CycleSort,
    /// `:sort KEY`.
    SetSort(Sort),
    /// `:theme NAME`: a built-in theme by name.
    SetTheme(String),
    ToggleBookmark,
    NextBookmark,
    PrevBookmark,
    /// A consumer joins the simulated group at the cursor (a rebalance).
    AddConsumer,
    /// The newest member leaves the group at the cursor.
    RemoveConsumer,
    /// The owner of the selected column dies at the cursor (its partitions
    /// stall until its session times out).
    KillConsumer,
    /// `:consumers N`: the group's size from the start (replaces the
    /// membership changes).
    SetConsumers(u32),
    /// `:rebalances clear`: forget the membership changes.
    ClearRebalances,
    /// `:delivery MODEL`.
    SetDelivery(Model),
    /// Next re-partitioning what-if: the measured suggestions, then the
    /// recorded layout again.
    NextWhatIf,
    /// `:whatif`: the recorded layout when a what-if is shown, else the next.
    ToggleWhatIf,
    /// `:whatif off`, `:recorded`: the recorded layout again.
    RecordedLayout,
    /// `:partitions N` (what-if).
    SetPartitions(u32),
    /// `:partitioner P` (what-if).
    SetPartitioner(Partitioner),
    /// `:partition-by KEY|entity|/a,/b` (what-if).
    SetPartitionBy(PartitionBy),
    /// A mouse click at a cell of the screen; `crate::tui::layout::click`
    /// says what it does (one of the actions below or above).
    Click(u16, u16),
    /// Select a grid cell by where it is on screen: the row index (in
    /// `rows`) and the column counted from the first one shown.
    SelectCell {
        row: Option<usize>,
        column: Option<usize>,
    },
    /// Close the open overlay (a click anywhere while one is shown).
    CloseOverlay,
    ScrollUp,
    ScrollDown,
    /// A command-line command (what follows `:`); parsed by
    /// [`super::command::parse`] into one of the actions above.
    Command(String),
}

/// The time `:time` names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeArg {
    /// Epoch milliseconds (typed as such, or RFC 3339), at or after 1970.
    Epoch(i64),
    /// A time of day (`HH:MM[:SS.f]`) on the day of the stream's first event;
    /// `text` is what was typed, for the message when it cannot be placed.
    OfDay { ms: u64, text: String },
}

/// How rows are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    Name,
    Activity,
    Findings,
}

impl Sort {
    /// The name shown and typed.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Activity => "activity",
            Sort::Findings => "findings",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_serde_so_keys_can_be_mapped_in_config() {
        let all = [
            Action::SetStrategy(StrategyKind::VersionedMonotonic),
            Action::SetDelivery(Model::SqsFifo { limit_per_s: 300 }),
            Action::SetPartitionBy(PartitionBy::Fields(vec!["/a".into(), "key".into()])),
            Action::SetJumpKind(Some(Kind::HolBlocking)),
            Action::SetSort(Sort::Findings),
            Action::GotoTime(TimeArg::OfDay {
                ms: 1_000,
                text: "00:00:01".into(),
            }),
            Action::SelectCell {
                row: Some(3),
                column: None,
            },
            Action::Step(-100),
        ];
        for a in all {
            let json = serde_json::to_string(&a).unwrap();
            let back: Action = serde_json::from_str(&json).unwrap();
            assert_eq!(back, a, "{json}");
        }
        let json = serde_json::to_string(&Action::SetStrategy(StrategyKind::StateMachine)).unwrap();
        assert_eq!(json, r#"{"SetStrategy":"state-machine"}"#);
    }
}
