//! A table by dense id (an entity's slot in a per-entity table) kept in
//! pages of a fixed size: growing it adds a page and never moves the slots
//! already there. Core: must not import the terminal, tokio, rdkafka or an
//! adapter (`source`, `tui`, `cli`).
//!
//! Why not a `Vec`: the analysis' per-entity slots are 64 bytes aligned to
//! a cache line (one line to fetch per event), and the allocator cannot
//! grow an over-aligned block in place: a `Vec` of them copies the whole
//! table at each doubling, with the old and the new copy both resident
//! (a stream of a million entities peaked 76 MB higher).

/// Slots per page.
const PAGE: usize = 1024;

/// Slots `0..len()`, each made by the `fill` of [`Slots::grow_to`].
#[derive(Clone, Debug)]
pub struct Slots<T> {
    pages: Vec<Box<[T]>>,
    len: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slots<T> {
    /// How many slots there are.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no slot.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slot `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.pages[i / PAGE][i % PAGE])
    }

    /// Grows the table to hold slot `i` (a no-op when it does), each new
    /// slot made by `fill`.
    pub fn grow_to(&mut self, i: usize, mut fill: impl FnMut() -> T) {
        if i < self.len {
            return;
        }
        while self.pages.len() * PAGE <= i {
            self.pages.push((0..PAGE).map(|_| fill()).collect());
        }
        self.len = i + 1;
    }

    /// Asks the cache for the slots of `ids` without waiting for them
    /// ([`super::warm`]); ids without a slot are skipped.
    #[inline]
    pub fn warm(&self, ids: impl IntoIterator<Item = u32>) {
        for id in ids {
            if let Some(s) = self.get(id as usize) {
                super::prefetch(s);
            }
        }
    }
}

impl<T> std::ops::Index<usize> for Slots<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "slot {i} of {}", self.len);
        &self.pages[i / PAGE][i % PAGE]
    }
}

impl<T> std::ops::IndexMut<usize> for Slots<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(i < self.len, "slot {i} of {}", self.len);
        &mut self.pages[i / PAGE][i % PAGE]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Slots behave as a `Vec` grown by `resize_with` to hold each id
        /// touched, across page bounds, and keep what was written.
        #[test]
        fn slots_are_a_growing_vec(ops in proptest::collection::vec((0usize..3 * PAGE, any::<u8>()), 0..200)) {
            let mut s: Slots<(u8, u32)> = Slots::default();
            let mut v: Vec<(u8, u32)> = Vec::new();
            for (k, &(i, x)) in ops.iter().enumerate() {
                s.grow_to(i, || (7, 0));
                if v.len() <= i {
                    v.resize_with(i + 1, || (7, 0));
                }
                s[i] = (x, k as u32);
                v[i] = (x, k as u32);
                prop_assert_eq!(s.len(), v.len());
            }
            for i in 0..3 * PAGE + 1 {
                prop_assert_eq!(s.get(i), v.get(i));
            }
            s.warm([0, 5, u32::MAX]);
        }
    }
}
