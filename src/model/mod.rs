//! The data kord reasons about: records as sources deliver them (and the
//! clients' partitioners that placed them), events as the
//! lens reads them, stored column-wise so a million of them stay small. Core:
//! its modules must not import the terminal, tokio, rdkafka or an adapter
//! (`source`, `tui`, `cli`).

pub mod intern;
pub mod json;
pub mod lens;
pub mod line;
pub mod partition;
pub mod pointer;
pub mod record;
pub mod slots;
pub mod store;

pub use intern::Interner;
pub use lens::Lens;
pub use record::{Payload, Record, RecordBuf};
pub use store::{EventStore, Ingest};

/// How many events ahead the analysis loops warm the per-entity slots they
/// will read ([`warm`]).
pub const AHEAD: usize = 8;

/// Asks the cache for the slot of each id in `ids` (ids past `slots` are
/// skipped) without waiting for it. The addresses depend on the ids alone,
/// so the misses of a group overlap instead of each stalling the event that
/// needs its slot: per-entity tables outgrow the caches on streams of many
/// entities. The loops call it [`AHEAD`] events before the slots are used.
#[inline]
pub fn warm<T>(slots: &[T], ids: impl IntoIterator<Item = u32>) {
    for id in ids {
        if let Some(s) = slots.get(id as usize) {
            prefetch(s);
        }
    }
}

/// Asks the cache for the lines of `s` (its first and last byte) without
/// waiting for them. A hint: on targets without one it does nothing.
#[inline(always)]
pub fn prefetch<T>(s: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first = std::ptr::from_ref(s).cast::<i8>();
        let last = first.wrapping_add(size_of::<T>().saturating_sub(1));
        // SAFETY: a prefetch reads nothing the program sees and never
        // faults, whatever the address; both point into `s` here anyway.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first);
            _mm_prefetch::<_MM_HINT_T0>(last);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// Sentinel for "no version" in the version column.
pub const NO_VERSION: i64 = i64::MIN;
/// Sentinel for "no id" in the interned-id columns.
pub const NONE: u32 = u32::MAX;

/// Outcome of one event under one strategy (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Rejected,
    Skipped,
    Buffered,
    Released,
    Expired,
    DeadLettered,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Applied,
        Outcome::Rejected,
        Outcome::Skipped,
        Outcome::Buffered,
        Outcome::Released,
        Outcome::Expired,
        Outcome::DeadLettered,
    ];

    /// The report's name of the outcome.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Rejected => "rejected",
            Outcome::Skipped => "skipped",
            Outcome::Buffered => "buffered",
            Outcome::Released => "released",
            Outcome::Expired => "expired",
            Outcome::DeadLettered => "dead_lettered",
        }
    }

    /// Whether the event's effect was lost for good.
    pub fn is_loss(self) -> bool {
        matches!(
            self,
            Outcome::Rejected | Outcome::Expired | Outcome::DeadLettered | Outcome::Buffered
        )
    }
}

/// How many threads kord's parallel work may use (the loader's slices, the
/// strategies of `--compare`): `KORD_THREADS`, else the cores; 1 to 8.
pub fn threads() -> usize {
    std::env::var("KORD_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 8)
}
