//! String interning: entities, keys, types, field names and values become
//! dense `u32` ids so per-event columns stay compact. Core: must not import the
//! terminal, tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// A string table handing out dense ids in first-seen order. The strings
/// live back to back in one buffer and the table holds only their ids: a
/// new string costs no allocation of its own, and a look-up hashes once.
#[derive(Default, Clone)]
pub struct Interner {
    /// (short hash, id): the hash is kept so a probe compares strings only
    /// when it matches and growing the table never reads the strings again.
    table: HashTable<(u32, u32)>,
    text: String,
    /// `text[ends[id - 1]..ends[id]]` is string `id`.
    ends: Vec<usize>,
}

/// A 32-bit hash of `s`, and the table's hash of that (spread over 64 bits).
fn hash(s: &str) -> (u32, u64) {
    let short = (FxBuildHasher.hash_one(s) >> 32) as u32;
    (short, spread(short))
}

fn spread(short: u32) -> u64 {
    u64::from(short).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// String `id` of text laid out as the interner lays it (`text[ends[id - 1]..ends[id]]`);
/// "" when out of range.
pub(crate) fn slice<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
    let i = id as usize;
    let Some(&end) = ends.get(i) else { return "" };
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..end]
}

/// Whether `a` and `b` are the same text: strings of up to 16 bytes (most
/// ids, names and field names) by two word compares (overlapping when
/// shorter than two words), not a `memcmp` call.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    match n {
        8..=16 => {
            let word = |s: &[u8], at: usize| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&s[at..at + 8]);
                u64::from_ne_bytes(w)
            };
            word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
        }
        4..=7 => {
            let word = |s: &[u8], at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&s[at..at + 4]);
                u32::from_ne_bytes(w)
            };
            word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4)
        }
        _ => a == b,
    }
}

impl Interner {
    /// The id of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let (short, h) = hash(s);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&(_, id)) = self
            .table
            .find(h, |&(e, id)| e == short && same(slice(text, ends, id), s))
        {
            return id;
        }
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.table
            .insert_unique(h, (short, id), |&(e, _)| spread(e));
        id
    }

    /// Warms what interning each of `names` will read: the table's probe
    /// and the text it compares (see [`crate::model::warm`]). Changes nothing.
    pub fn warm<'s>(&self, names: impl IntoIterator<Item = &'s str>) {
        let (text, ends) = (&self.text, &self.ends);
        let mut acc = 0u64;
        for s in names {
            let (short, h) = hash(s);
            self.table.find(h, |&(e, id)| {
                if e == short {
                    let i = id as usize;
                    let start = if i == 0 { 0 } else { ends[i - 1] };
                    acc ^= u64::from(text.as_bytes().get(start).copied().unwrap_or(0));
                }
                false
            });
        }
        std::hint::black_box(acc);
    }

    /// The id of `s` when already interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let (short, h) = hash(s);
        self.table
            .find(h, |&(e, id)| e == short && self.name(id) == s)
            .map(|&(_, id)| id)
    }

    /// The string of `id` ("" when out of range).
    pub fn name(&self, id: u32) -> &str {
        slice(&self.text, &self.ends, id)
    }

    /// How many strings are interned.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len() as u32).map(|i| self.name(i)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Ids are dense, in first-seen order, stable, and name their string.
        #[test]
        fn ids_are_dense_first_seen_and_round_trip(words in proptest::collection::vec(".{0,8}", 0..60)) {
            let mut i = Interner::default();
            let mut seen: Vec<String> = Vec::new();
            for w in &words {
                let id = i.intern(w);
                match seen.iter().position(|s| s == w) {
                    Some(p) => prop_assert_eq!(id as usize, p),
                    None => {
                        prop_assert_eq!(id as usize, seen.len());
                        seen.push(w.clone());
                    }
                }
                prop_assert_eq!(i.name(id), w.as_str());
                prop_assert_eq!(i.get(w), Some(id));
            }
            prop_assert_eq!(i.len(), seen.len());
            // Warming changes nothing.
            let before = format!("{i:?}");
            i.warm(words.iter().map(String::as_str).chain(["\u{0}never"]));
            prop_assert_eq!(format!("{i:?}"), before);
            prop_assert_eq!(i.name(seen.len() as u32), "");
            prop_assert_eq!(i.get("\u{0}never"), None);
        }

        /// `same` is `==`, whatever the lengths and where the texts differ.
        #[test]
        fn same_is_equality(base in "[a-c]{0,24}", at in 0usize..24, c in "[a-d]") {
            let mut other = base.clone();
            if at < other.len() {
                other.replace_range(at..at + 1, &c);
            }
            prop_assert_eq!(same(&base, &other), base == other);
            prop_assert!(same(&base, &base.clone()));
            let longer = format!("{base}{c}");
            prop_assert!(!same(&base, &longer));
        }
    }
}
