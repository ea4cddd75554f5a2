//! How long one random read takes on this machine, for scripts/bench.sh:
//! a chase through a random cycle of indices (each read gives the next
//! index, so no two reads overlap), over tables of 4, 16 and 64 MiB.
//!
//! kord's analysis reads per-entity tables and the store's window at random,
//! jq and the parse floor read a line at a time: when other tenants of the
//! machine take the shared cache, kord slows down and they do not. This line
//! says which kind of minute a bench ran in.
//!
//! `mem_latency` prints `MIB NS` per table size.
use std::time::Instant;

/// One random cycle through `0..n` (Sattolo's shuffle, xorshift64).
fn cycle(n: usize) -> Vec<u32> {
    let mut next: Vec<u32> = (0..n as u32).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % i as u64) as usize;
        next.swap(i, j);
    }
    next
}

fn main() {
    const READS: usize = 10_000_000;
    for mib in [4usize, 16, 64] {
        let next = cycle(mib << 20 >> 2);
        let mut at = 0u32;
        let t = Instant::now();
        for _ in 0..READS {
            at = next[at as usize];
        }
        let ns = t.elapsed().as_nanos() as f64 / READS as f64;
        std::hint::black_box(at);
        println!("{mib} {ns:.1}");
    }
}
