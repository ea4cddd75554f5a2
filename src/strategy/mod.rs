//! Ordering strategies (SPEC §4). Each strategy is a [`Rule`] in its own file:
//! a pure decision per event given the entity's state. The [`Runner`] drives
//! a rule over a stream, handles buffering, release and expiry, and writes
//! the append-only decision log that every view reads. A rule decides from one
//! entity's state only and must not hold events (the runner does). Core: must
//! not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

mod buffered;
mod hybrid;
mod lww;
mod partitioned;
mod sequential;
mod state_machine;
mod versioned;
mod versioned_monotonic;

pub mod intended;
pub mod runner;
pub mod state;

pub use runner::{Decision, Runner};
pub use state::EntityState;

/// The most states a lens's state machine may name: an entity's state
/// keeps its machine state in 16 bits ([`EntityState::machine`]).
pub const MAX_STATES: usize = 1 << 16;

use crate::model::{EventStore, Lens, Outcome};
use std::fmt;
use std::str::FromStr;

/// The strategies kord knows.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    Sequential,
    Partitioned,
    Versioned,
    VersionedMonotonic,
    Lww,
    StateMachine,
    Buffered,
    /// Per-type strategies from the lens's `[strategy] by_type`.
    Hybrid,
}

impl StrategyKind {
    /// The built-in strategies, in report order (hybrid is added when the lens has one).
    pub const BUILTIN: [StrategyKind; 7] = [
        StrategyKind::Sequential,
        StrategyKind::Partitioned,
        StrategyKind::Versioned,
        StrategyKind::VersionedMonotonic,
        StrategyKind::Lww,
        StrategyKind::StateMachine,
        StrategyKind::Buffered,
    ];

    /// The strategy's command-line and report name.
    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::Sequential => "sequential",
            StrategyKind::Partitioned => "partitioned",
            StrategyKind::Versioned => "versioned",
            StrategyKind::VersionedMonotonic => "versioned-monotonic",
            StrategyKind::Lww => "lww",
            StrategyKind::StateMachine => "state-machine",
            StrategyKind::Buffered => "buffered",
            StrategyKind::Hybrid => "hybrid",
        }
    }

    /// Whether events are delivered through one global queue.
    pub fn is_sequential(self) -> bool {
        self == StrategyKind::Sequential
    }

    /// The strategies to run for a lens: the built-ins, plus hybrid when configured.
    pub fn all_for(lens: &Lens) -> Vec<StrategyKind> {
        let mut v = Self::BUILTIN.to_vec();
        if !lens.strategy_by_type.is_empty() {
            v.push(StrategyKind::Hybrid);
        }
        v
    }

    /// The strategy a lens names as its default (hybrid when it has per-type ones).
    pub fn default_for(lens: &Lens) -> StrategyKind {
        if !lens.strategy_by_type.is_empty() {
            return StrategyKind::Hybrid;
        }
        lens.default_strategy
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(StrategyKind::Versioned)
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A strategy name kord does not know (`--strategy`, the lens, `:strategy`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown strategy {name:?}; known: sequential, partitioned, versioned, versioned-monotonic, lww, state-machine, buffered, hybrid, all"
)]
pub struct UnknownStrategy {
    pub name: String,
}

impl FromStr for StrategyKind {
    type Err = UnknownStrategy;
    fn from_str(s: &str) -> Result<Self, UnknownStrategy> {
        let all = Self::BUILTIN.iter().chain([StrategyKind::Hybrid].iter());
        for k in all {
            if k.name() == s {
                return Ok(*k);
            }
        }
        match s {
            "monotonic" => Ok(StrategyKind::VersionedMonotonic),
            "statemachine" | "state_machine" => Ok(StrategyKind::StateMachine),
            _ => Err(UnknownStrategy {
                name: s.to_string(),
            }),
        }
    }
}

/// Why a strategy decided what it did; rendered for people by [`Reason::describe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Applied in delivery order, no checks.
    InOrder,
    /// The next version.
    Next { version: i64 },
    /// A version other than the next one (versioned rejects it).
    Gap { expected: i64, got: i64 },
    /// Not newer than the last applied version.
    Stale { last: i64, got: i64 },
    /// Newer than the last version, past a gap (monotonic applies it).
    PastGap { expected: i64, got: i64 },
    /// The event carries no version.
    NoVersion,
    /// The lens could not read the event.
    Unparsed,
    /// Last-write-wins: `won` fields were newer, `lost` older.
    LwwWon { won: u32, lost: u32 },
    /// Last-write-wins: every field already has a newer write.
    LwwOlder { newest: i64 },
    /// A valid transition.
    Transition { from: u32, to: u32 },
    /// An invalid transition.
    InvalidTransition { from: u32, to: u32 },
    /// The type moves no state.
    NotInMachine,
    /// The lens has no state machine.
    NoMachine,
    /// Held until the expected version arrives.
    WaitingFor { expected: i64 },
    /// Held until a transition makes it valid.
    WaitingForTransition { from: u32, to: u32 },
    /// Released from the buffer when event `by` was applied.
    Released { by: u32 },
    /// Dropped from the buffer after waiting `held_ms`.
    Expired { held_ms: i64 },
}

impl Reason {
    /// A sentence a person can read; `states` names state-machine states.
    pub fn describe(&self, states: &[String]) -> String {
        let st = |i: &u32| {
            states
                .get(*i as usize)
                .cloned()
                .unwrap_or_else(|| "?".into())
        };
        match self {
            Reason::InOrder => "applied in delivery order (no ordering check)".into(),
            Reason::Next { version } => format!("version {version} is the next one"),
            Reason::Gap { expected, got } if got < expected => {
                format!("stale or duplicate: expected version {expected}, got {got}")
            }
            Reason::Gap { expected, got } => format!("gap: expected version {expected}, got {got}"),
            Reason::Stale { last, got } => {
                format!("stale: version {got} is not newer than {last}")
            }
            Reason::PastGap { expected, got } => {
                format!("applied past a gap: expected version {expected}, got {got}")
            }
            Reason::NoVersion => "no version".into(),
            Reason::Unparsed => "unparsed: the lens cannot read this event".into(),
            Reason::LwwWon { won, lost } if *lost == 0 => {
                format!("newest write for {won} field(s)")
            }
            Reason::LwwWon { won, lost } => {
                format!("newest write for {won} field(s); {lost} field(s) already newer")
            }
            Reason::LwwOlder { newest } => {
                format!(
                    "older than the last write ({}) for every field",
                    fmt_ms(*newest)
                )
            }
            Reason::Transition { from, to } => format!("{} -> {}", st(from), st(to)),
            Reason::InvalidTransition { from, to } => {
                format!("invalid transition {} -> {}", st(from), st(to))
            }
            Reason::NotInMachine => "type moves no state: applied".into(),
            Reason::NoMachine => "no [state_machine] in the lens: applied in order".into(),
            Reason::WaitingFor { expected } => format!("held: waiting for version {expected}"),
            Reason::WaitingForTransition { from, to } => {
                format!("held: {} -> {} is not valid yet", st(from), st(to))
            }
            Reason::Released { by } => format!("released from the buffer after event #{by}"),
            Reason::Expired { held_ms } => format!("expired after {held_ms} ms in the buffer"),
        }
    }
}

/// Formats epoch ms as RFC 3339 (UTC).
pub fn fmt_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// A rule's answer for one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Apply(Reason),
    Reject(Reason),
    Skip(Reason),
    Hold(Reason),
    DeadLetter(Reason),
}

impl Verdict {
    /// The outcome this verdict records.
    pub fn outcome(self) -> Outcome {
        match self {
            Verdict::Apply(_) => Outcome::Applied,
            Verdict::Reject(_) => Outcome::Rejected,
            Verdict::Skip(_) => Outcome::Skipped,
            Verdict::Hold(_) => Outcome::Buffered,
            Verdict::DeadLetter(_) => Outcome::DeadLettered,
        }
    }
    /// The reason carried.
    pub fn reason(self) -> Reason {
        match self {
            Verdict::Apply(r)
            | Verdict::Reject(r)
            | Verdict::Skip(r)
            | Verdict::Hold(r)
            | Verdict::DeadLetter(r) => r,
        }
    }
}

/// What a rule sees of one event.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    pub index: u32,
    pub version: Option<i64>,
    pub etype: u32,
    pub time: i64,
    /// The payload fields the event writes.
    pub writes: &'a [(u32, u32)],
}

impl<'a> EventView<'a> {
    /// The view of event `i` of a store.
    pub fn of(store: &'a EventStore, i: usize) -> EventView<'a> {
        EventView {
            index: i as u32,
            version: store.version_of(i),
            etype: store.etype[i],
            time: store.time[i],
            writes: store.writes_of(i),
        }
    }
}

/// One strategy's rule: decide, then apply.
pub trait Rule: Send + Sync {
    /// Which strategy this is.
    fn kind(&self) -> StrategyKind;
    /// The verdict for `ev` given its entity's state; must not change anything.
    fn decide(&self, st: &EntityState, ev: &EventView<'_>) -> Verdict;
    /// Applies `ev` to the state (after an `Apply` verdict).
    fn apply(&self, st: &mut EntityState, ev: &EventView<'_>, reason: Reason) {
        st.merge(ev);
        if let Reason::Transition { to, .. } = reason {
            st.machine = u16::try_from(to).unwrap_or(u16::MAX);
        }
    }
    /// State-machine state names, for describing reasons.
    fn state_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Builds the rule of a strategy for a lens and the store's interned names.
pub fn rule_for(kind: StrategyKind, lens: &Lens, store: &EventStore) -> Box<dyn Rule> {
    match kind {
        StrategyKind::Sequential => Box::new(sequential::Sequential),
        StrategyKind::Partitioned => Box::new(partitioned::Partitioned),
        StrategyKind::Versioned => Box::new(versioned::Versioned),
        StrategyKind::VersionedMonotonic => Box::new(versioned_monotonic::VersionedMonotonic),
        StrategyKind::Lww => Box::new(lww::Lww::new(store)),
        StrategyKind::StateMachine => Box::new(state_machine::StateMachine::new(lens, store)),
        StrategyKind::Buffered => Box::new(buffered::Buffered::new(lens, store)),
        StrategyKind::Hybrid => Box::new(hybrid::Hybrid::new(lens, store)),
    }
}

#[cfg(test)]
mod seed_tests;
