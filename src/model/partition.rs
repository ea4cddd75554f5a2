//! Key partitioners of the Kafka clients (SPEC §6) and inference of which one
//! wrote a topic.
//!
//! - `murmur2`: the Java client's default partitioner for keyed records,
//!   `toPositive(Utils.murmur2(key)) % N` (`BuiltInPartitioner.partitionForKey`).
//! - `crc32`: librdkafka's default `consistent_random`, `rd_crc32(key) % N`
//!   (CRC-32 IEEE, as zlib's `crc32`).
//! - `fnv1a`: Sarama's default `NewHashPartitioner`: FNV-1a 32-bit read as an
//!   `int32`, `% N` (Go truncates toward zero), negated if negative. This is
//!   also librdkafka's `fnv1a` partitioner, which was written to match Sarama.
//!
//! Pure functions: no I/O, no panics, `N = 0` yields partition 0. Core: must
//! not import the terminal, tokio, rdkafka or an adapter (`source`, `tui`,
//! `cli`).

use std::fmt;
use std::str::FromStr;

/// Apache Kafka's `Utils.murmur2`: MurmurHash2, seed `0x9747b28c`, as a signed 32-bit value.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    // Java: `int h = seed ^ length` (length is an int, so it is truncated to 32 bits).
    let mut h: u32 = SEED ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // Java's fall-through `switch (length % 4)` over the tail bytes.
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Apache Kafka's `Utils.toPositive`: `x & 0x7fffffff` (not `abs`).
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// CRC-32 (IEEE 802.3, as zlib's `crc32` and librdkafka's `rd_crc32`).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// FNV-1a 32-bit (offset basis `0x811c9dc5`, prime `0x01000193`), the raw hash as Go's `fnv.New32a().Sum32()`.
pub fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The `counter`-th output (0-based) of a SplitMix64 generator seeded with `seed`.
fn splitmix64(seed: u64, counter: u64) -> u64 {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut z = seed.wrapping_add(counter.wrapping_add(1).wrapping_mul(GAMMA));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key partitioner of one of the Kafka clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Partitioner {
    /// Java client default: `toPositive(murmur2(key)) % N`.
    Murmur2,
    /// librdkafka default (`consistent_random`): `crc32(key) % N`.
    Crc32,
    /// Sarama default (`NewHashPartitioner`): `|int32(fnv1a(key)) % N|`.
    Fnv1a,
}

impl Partitioner {
    /// Every partitioner, in the order used by [`Inference::explained`].
    pub const ALL: [Partitioner; 3] =
        [Partitioner::Murmur2, Partitioner::Crc32, Partitioner::Fnv1a];

    /// The command-line name: "murmur2", "crc32" or "fnv1a".
    pub fn name(self) -> &'static str {
        match self {
            Partitioner::Murmur2 => "murmur2",
            Partitioner::Crc32 => "crc32",
            Partitioner::Fnv1a => "fnv1a",
        }
    }

    /// Position in [`Partitioner::ALL`] (and bit in an explanation mask).
    fn index(self) -> usize {
        match self {
            Partitioner::Murmur2 => 0,
            Partitioner::Crc32 => 1,
            Partitioner::Fnv1a => 2,
        }
    }

    /// The partition of a non-null `key` among `n` partitions (0 when `n` is 0).
    pub fn partition(self, key: &[u8], n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        match self {
            // Java: `Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions`.
            Partitioner::Murmur2 => (to_positive(murmur2(key)) as u32) % n,
            // librdkafka `rd_kafka_msg_partitioner_consistent`: `rd_crc32(key, keylen) % partition_cnt`.
            Partitioner::Crc32 => crc32(key) % n,
            // Sarama `hashPartitioner.Partition` (referenceAbs = false):
            //   partition = int32(hasher.Sum32()) % numPartitions; if partition < 0 { partition = -partition }
            // Go's `%` truncates toward zero, as Rust's does; i64 keeps i32::MIN and n > i32::MAX exact.
            Partitioner::Fnv1a => {
                ((i64::from(fnv1a(key) as i32)) % i64::from(n)).unsigned_abs() as u32
            }
        }
    }

    /// The partition of a possibly null key; a null key gets a deterministic
    /// pseudo-random partition, the `null_counter`-th draw of SplitMix64
    /// seeded with `null_seed`, modulo `n` (0 when `n` is 0).
    ///
    /// Real clients spread null keys non-deterministically (Java's sticky
    /// partitioner, librdkafka's and Sarama's random choice); this stand-in
    /// is reproducible for a given (seed, counter) and the same for every
    /// partitioner, as the null-key choice does not depend on a hash.
    pub fn partition_opt(
        self,
        key: Option<&[u8]>,
        n: u32,
        null_seed: u64,
        null_counter: u64,
    ) -> u32 {
        match key {
            Some(k) => self.partition(k, n),
            None if n == 0 => 0,
            None => (splitmix64(null_seed, null_counter) % u64::from(n)) as u32,
        }
    }
}

impl fmt::Display for Partitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A partitioner name kord does not know (`--partitioner`, `:partitioner`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown partitioner '{name}': expected one of {}",
    Partitioner::ALL.map(Partitioner::name).join(", ")
)]
pub struct UnknownPartitioner {
    pub name: String,
}

impl FromStr for Partitioner {
    type Err = UnknownPartitioner;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Partitioner::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPartitioner {
                name: s.to_string(),
            })
    }
}

/// Whether partitioner `p` puts `key` on `recorded` among `n` partitions (false when `n` is 0).
pub fn explains(p: Partitioner, key: &[u8], n: u32, recorded: u32) -> bool {
    n > 0 && recorded < n && p.partition(key, n) == recorded
}

/// The explanation mask of one record: bit `i` set when `Partitioner::ALL[i]` explains it.
fn explain_mask(key: &[u8], n: u32, recorded: u32) -> u8 {
    Partitioner::ALL
        .iter()
        .filter(|p| explains(**p, key, n, recorded))
        .fold(0u8, |m, p| m | (1 << p.index()))
}

/// Which partitioner wrote a topic, inferred from recorded keys and partitions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inference {
    /// The partition count the inference assumed.
    pub partitions: u32,
    /// Keyed records each partitioner explains, in the order of [`Partitioner::ALL`].
    pub explained: [u64; 3],
    /// Records with a (non-null) key.
    pub keyed: u64,
    /// The partitioner explaining the most keyed records (ties: the earlier in `ALL`);
    /// `None` when there is no keyed record or none is explained by any partitioner.
    pub best: Option<Partitioner>,
    /// Indices of keyed records that `best` does not explain, ascending by push order.
    /// Records written by another partitioner (a Go service with fnv1a beside a Java
    /// one with murmur2) are still listed: they are mismatches relative to the dominant
    /// one. When `best` is `None`, every keyed record is listed (none is explained).
    pub mismatches: Vec<usize>,
}

impl Inference {
    /// The partitioner a report names, with the keyed records it explains:
    /// `best`, when it explains at least half of ten or more keyed records
    /// (else the producer chose partitions some other way).
    pub fn trusted(&self) -> Option<(Partitioner, u64)> {
        let best = self.best?;
        let at = Partitioner::ALL
            .iter()
            .position(|p| *p == best)
            .unwrap_or(0);
        let explained = self.explained[at];
        (self.keyed >= 10 && explained * 2 >= self.keyed).then_some((best, explained))
    }
}

/// Streaming form of [`infer`]: keeps, per keyed record, only its index and a 3-bit mask.
#[derive(Clone, Debug, Default)]
pub struct InferenceBuilder {
    partitions: u32,
    explained: [u64; 3],
    keyed: u64,
    masks: Vec<(usize, u8)>,
    /// Counts only: no mismatch is listed (the streaming analysis).
    counting: bool,
    /// By key id ([`InferenceBuilder::push_id`]): the partition a key was
    /// last recorded in and its mask there (`u32::MAX`: not yet seen).
    by_id: Vec<(u32, u8)>,
}

impl InferenceBuilder {
    /// A builder for a topic of `n` partitions.
    pub fn new(n: u32) -> InferenceBuilder {
        InferenceBuilder {
            partitions: n,
            ..InferenceBuilder::default()
        }
    }

    /// A builder that counts what each partitioner explains and lists no
    /// mismatch (memory independent of the records).
    pub fn counting(n: u32) -> InferenceBuilder {
        InferenceBuilder {
            partitions: n,
            counting: true,
            ..InferenceBuilder::default()
        }
    }

    /// Adds record `index` with its key (null keys are counted out) and recorded partition.
    pub fn push(&mut self, index: usize, key: Option<&[u8]>, partition: u32) {
        let Some(key) = key else { return };
        let mask = explain_mask(key, self.partitions, partition);
        self.count(index, mask);
    }

    /// Warms the slots of `keys` (ids), a few records before they are
    /// pushed ([`crate::model::warm`]).
    #[inline]
    pub fn warm(&self, keys: &[u32]) {
        crate::model::warm(&self.by_id, keys.iter().copied());
    }

    /// As [`InferenceBuilder::push`] for a key interned as `id`, whose bytes
    /// `key` gives when asked: a key seen before in the same partition costs
    /// no hashing (most keys stay in their partition).
    pub fn push_id<'k>(
        &mut self,
        index: usize,
        id: Option<u32>,
        key: impl FnOnce() -> Option<&'k [u8]>,
        partition: u32,
    ) {
        let Some(id) = id else { return };
        let i = id as usize;
        if self.by_id.len() <= i {
            self.by_id.resize(i + 1, (u32::MAX, 0));
        }
        let mask = match self.by_id[i] {
            (p, mask) if p == partition => mask,
            _ => {
                let Some(k) = key() else { return };
                let mask = explain_mask(k, self.partitions, partition);
                self.by_id[i] = (partition, mask);
                mask
            }
        };
        self.count(index, mask);
    }

    fn count(&mut self, index: usize, mask: u8) {
        self.keyed += 1;
        for (i, count) in self.explained.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *count += 1;
            }
        }
        if !self.counting {
            self.masks.push((index, mask));
        }
    }

    /// The inference over every pushed record.
    pub fn finish(self) -> Inference {
        let mut best: Option<(usize, u64)> = None;
        for (i, &count) in self.explained.iter().enumerate() {
            if count > 0 && best.is_none_or(|(_, c)| count > c) {
                best = Some((i, count));
            }
        }
        let best_bit = best.map(|(i, _)| 1u8 << i);
        let mismatches = self
            .masks
            .iter()
            .filter(|(_, mask)| best_bit.is_none_or(|b| mask & b == 0))
            .map(|(index, _)| *index)
            .collect();
        Inference {
            partitions: self.partitions,
            explained: self.explained,
            keyed: self.keyed,
            best: best.and_then(|(i, _)| Partitioner::ALL.get(i).copied()),
            mismatches,
        }
    }
}

/// Infers the partitioner of `records` (key, recorded partition) on a topic of `n` partitions;
/// mismatch indices are positions in `records`.
pub fn infer(records: &[(Option<&[u8]>, u32)], n: u32) -> Inference {
    let mut b = InferenceBuilder::new(n);
    for (i, (key, partition)) in records.iter().enumerate() {
        b.push(i, *key, *partition);
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// librdkafka `tests/0048-partitioner.c` keys ("23456" is `unaligned + 1`).
    const K1: &[u8] = b"23456";
    const K2: &[u8] = b"this is another string with more length to it perhaps";
    const K3: &[u8] = b"hejsan";

    #[test]
    fn murmur2_matches_apache_kafka_utils_test() {
        // Apache Kafka `clients/.../common/utils/UtilsTest.java`, testMurmur2.
        assert_eq!(murmur2(b"21"), -973932308);
        assert_eq!(murmur2(b"foobar"), -790332482);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985981536);
        assert_eq!(murmur2(b"a-little-bit-longer-string"), -1486304829);
        assert_eq!(
            murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            -58897971
        );
        assert_eq!(murmur2(b"abc"), 479470107);
        assert_eq!(murmur2(b""), 275646681);
        assert_eq!(to_positive(-973932308), -973932308 & 0x7fffffff);
        assert_eq!(to_positive(i32::MIN), 0);
    }

    #[test]
    fn murmur2_matches_librdkafka_0048_partitioner() {
        // librdkafka `tests/0048-partitioner.c`, "murmur2" (values from tests/java/Murmur2Cli,
        // i.e. toPositive(Utils.murmur2(key))).
        assert_eq!(to_positive(murmur2(K1)), 0x058d780f);
        assert_eq!(to_positive(murmur2(K2)), 0x4f7703da);
        assert_eq!(to_positive(murmur2(K3)), 0x5ec19395);
        assert_eq!(to_positive(murmur2(b"")), 0x106e08d9);
        for n in [7u32, 17] {
            assert_eq!(Partitioner::Murmur2.partition(K1, n), 0x058d780f % n);
            assert_eq!(Partitioner::Murmur2.partition(K2, n), 0x4f7703da % n);
            assert_eq!(Partitioner::Murmur2.partition(K3, n), 0x5ec19395 % n);
            assert_eq!(Partitioner::Murmur2.partition(b"", n), 0x106e08d9 % n);
        }
    }

    #[test]
    fn crc32_matches_librdkafka_0048_partitioner() {
        // librdkafka `tests/0048-partitioner.c`, "consistent"/"consistent_random"
        // (values from the `crc32` command on macOS).
        assert_eq!(crc32(K1), 0xb1b451d7);
        assert_eq!(crc32(K2), 0xb0150df7);
        assert_eq!(crc32(K3), 0xd077037e);
        assert_eq!(crc32(b""), 0);
        for n in [7u32, 17] {
            assert_eq!(Partitioner::Crc32.partition(K1, n), 0xb1b451d7 % n);
            assert_eq!(Partitioner::Crc32.partition(K2, n), 0xb0150df7 % n);
            assert_eq!(Partitioner::Crc32.partition(K3, n), 0xd077037e % n);
            // "consistent" puts the empty key on 0x0 % part_cnt.
            assert_eq!(Partitioner::Crc32.partition(b"", n), 0);
        }
    }

    #[test]
    fn fnv1a_matches_librdkafka_0048_partitioner() {
        // librdkafka `tests/0048-partitioner.c`, "fnv1a": 0x27e6f469, 0x155e3e5f, 0x17b1e27a,
        // and 0x7ee3623b for the empty key. These are NOT the raw FNV-1a hash: librdkafka's
        // `rd_fnv1a` (src/rdfnv1a.c) reads the hash as an int32 and takes its absolute value
        // "to match the Sarama NewHashPartitioner", and the partitioner is `rd_fnv1a(key) % cnt`.
        // The raw hashes are 0x27e6f469 and 0x155e3e5f (non-negative as int32, so unchanged),
        // 0xe84e1d86 for "hejsan" and 0x811c9dc5 (the offset basis) for "": both negative as
        // int32, and |int32| gives 0x17b1e27a and 0x7ee3623b. Since Go's `%` truncates toward
        // zero, |h % n| == |h| % n, so Sarama's partition equals librdkafka's for every key.
        assert_eq!(fnv1a(K1), 0x27e6f469);
        assert_eq!(fnv1a(K2), 0x155e3e5f);
        assert_eq!(fnv1a(K3), 0xe84e1d86);
        assert_eq!(fnv1a(b""), 0x811c9dc5);
        let sarama_abs = |k: &[u8]| (fnv1a(k) as i32).unsigned_abs();
        assert_eq!(sarama_abs(K1), 0x27e6f469);
        assert_eq!(sarama_abs(K2), 0x155e3e5f);
        assert_eq!(sarama_abs(K3), 0x17b1e27a);
        assert_eq!(sarama_abs(b""), 0x7ee3623b);
        for n in [7u32, 17] {
            assert_eq!(Partitioner::Fnv1a.partition(K1, n), 0x27e6f469 % n);
            assert_eq!(Partitioner::Fnv1a.partition(K2, n), 0x155e3e5f % n);
            assert_eq!(Partitioner::Fnv1a.partition(K3, n), 0x17b1e27a % n);
            assert_eq!(Partitioner::Fnv1a.partition(b"", n), 0x7ee3623b % n);
        }
        // librdkafka `src/rdfnv1a.c` unittest_fnv1a (Go hash/fnv results, |int32|).
        assert_eq!(sarama_abs(b"kafka"), 0xd33c4e1);
        assert_eq!(sarama_abs(b"giberish123456789"), 0x77a58295);
        assert_eq!(sarama_abs(b"1234"), 0x23bdd03);
        assert_eq!(
            sarama_abs(b"PreAmbleWillBeRemoved,ThePrePartThatIs"),
            0x65cbd69c
        );
    }

    #[test]
    fn fnv1a_sarama_negative_hashes() {
        // Sarama `partitioner_test.go`, TestHashPartitionerWithHasherMinInt32:
        // "1468509572224" hashes to 0x80000000 = math.MinInt32.
        assert_eq!(fnv1a(b"1468509572224"), 0x8000_0000);
        // int32(MinInt32) % 50 == -48 in Go, negated: 48.
        assert_eq!(Partitioner::Fnv1a.partition(b"1468509572224", 50), 48);
        // "hejsan": int32 -397533818; Go: -397533818 % 7 == -3 -> 3 (the Java-style
        // `& 0x7fffffff` of NewReferenceHashPartitioner would give 6).
        assert_eq!(Partitioner::Fnv1a.partition(K3, 7), 3);
        assert_ne!(
            Partitioner::Fnv1a.partition(K3, 7),
            (fnv1a(K3) & 0x7fff_ffff) % 7
        );
        // "": int32 -2128831035 % 7 == -2 -> 2.
        assert_eq!(Partitioner::Fnv1a.partition(b"", 7), 2);
    }

    #[test]
    fn partitions_are_in_range_and_zero_is_safe() {
        let keys: Vec<Vec<u8>> = (0..500u32)
            .map(|i| format!("key-{i}").into_bytes())
            .chain([vec![], vec![0xff; 7], b"1468509572224".to_vec()])
            .collect();
        for p in Partitioner::ALL {
            for n in [1u32, 2, 3, 7, 12, 17, 50, 1000, u32::MAX] {
                for k in &keys {
                    assert!(p.partition(k, n) < n, "{p} {n}");
                }
                for c in 0..100 {
                    assert!(p.partition_opt(None, n, 42, c) < n);
                }
            }
            assert_eq!(p.partition(b"x", 0), 0);
            assert_eq!(p.partition_opt(None, 0, 1, 2), 0);
            assert_eq!(p.partition(b"x", 1), 0);
        }
    }

    #[test]
    fn null_keys_are_deterministic_and_spread() {
        let a: Vec<u32> = (0..64)
            .map(|c| Partitioner::Murmur2.partition_opt(None, 8, 7, c))
            .collect();
        let b: Vec<u32> = (0..64)
            .map(|c| Partitioner::Fnv1a.partition_opt(None, 8, 7, c))
            .collect();
        assert_eq!(a, b);
        let mut seen = [false; 8];
        for p in &a {
            seen[*p as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        let other: Vec<u32> = (0..64)
            .map(|c| Partitioner::Murmur2.partition_opt(None, 8, 8, c))
            .collect();
        assert_ne!(a, other);
        assert_eq!(
            Partitioner::Crc32.partition_opt(Some(K1), 7, 1, 1),
            Partitioner::Crc32.partition(K1, 7)
        );
    }

    #[test]
    fn names_parse_and_serialize() {
        for p in Partitioner::ALL {
            assert_eq!(p.name().parse::<Partitioner>(), Ok(p));
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.name())
            );
            assert_eq!(
                serde_json::from_str::<Partitioner>(&format!("\"{}\"", p.name())).unwrap(),
                p
            );
        }
        let err = "xxhash".parse::<Partitioner>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown partitioner 'xxhash': expected one of murmur2, crc32, fnv1a"
        );
    }

    fn keys(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("order-{i}").into_bytes()).collect()
    }

    #[test]
    fn infers_a_single_partitioner() {
        let n = 12;
        let ks = keys(200);
        for p in Partitioner::ALL {
            let recs: Vec<(Option<&[u8]>, u32)> = ks
                .iter()
                .map(|k| (Some(k.as_slice()), p.partition(k, n)))
                .chain([(None, 3)])
                .collect();
            let inf = infer(&recs, n);
            assert_eq!(inf.best, Some(p));
            assert_eq!(inf.keyed, 200);
            assert_eq!(inf.explained[p.index()], 200);
            assert!(inf.mismatches.is_empty());
            assert_eq!(inf.partitions, n);
        }
    }

    #[test]
    fn mixed_partitioners_report_the_minority_as_mismatches() {
        // A Java service (murmur2) and a Go service (Sarama fnv1a) writing the same keys.
        let n = 6;
        let ks = keys(300);
        let mut recs: Vec<(Option<&[u8]>, u32)> = Vec::new();
        let mut go_written = Vec::new();
        for (i, k) in ks.iter().enumerate() {
            if i % 4 == 3 {
                go_written.push(recs.len());
                recs.push((Some(k), Partitioner::Fnv1a.partition(k, n)));
            } else {
                recs.push((Some(k), Partitioner::Murmur2.partition(k, n)));
            }
        }
        let inf = infer(&recs, n);
        assert_eq!(inf.best, Some(Partitioner::Murmur2));
        // Every Go-written record whose fnv1a partition differs from murmur2's is a mismatch,
        // even though fnv1a explains it.
        let expected: Vec<usize> = go_written
            .iter()
            .copied()
            .filter(|&i| {
                let k = &ks[i];
                Partitioner::Fnv1a.partition(k, n) != Partitioner::Murmur2.partition(k, n)
            })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(inf.mismatches, expected);
        for &i in &inf.mismatches {
            let (Some(k), rec) = recs[i] else {
                panic!("keyed")
            };
            assert!(explains(Partitioner::Fnv1a, k, n, rec));
            assert!(!explains(Partitioner::Murmur2, k, n, rec));
        }
    }

    #[test]
    fn builder_matches_infer_and_edge_cases() {
        let n = 5;
        let ks = keys(50);
        let recs: Vec<(Option<&[u8]>, u32)> = ks
            .iter()
            .enumerate()
            .map(|(i, k)| (Some(k.as_slice()), (i as u32 * 7) % n))
            .collect();
        let mut b = InferenceBuilder::new(n);
        for (i, (k, p)) in recs.iter().enumerate() {
            b.push(i, *k, *p);
        }
        assert_eq!(b.finish(), infer(&recs, n));

        let empty = infer(&[], 4);
        assert_eq!(empty.best, None);
        assert_eq!(empty.keyed, 0);
        assert!(empty.mismatches.is_empty());

        let nulls = infer(&[(None, 0), (None, 1)], 4);
        assert_eq!(nulls.best, None);
        assert_eq!(nulls.keyed, 0);

        // Recorded partitions out of range: nobody explains them; every keyed record mismatches.
        let out = infer(&[(Some(b"a"), 9), (None, 9), (Some(b"b"), 9)], 4);
        assert_eq!(out.best, None);
        assert_eq!(out.mismatches, vec![0, 2]);

        // n = 0: nothing is explained, no panic.
        let zero = infer(&[(Some(b"a"), 0)], 0);
        assert_eq!(zero.best, None);
        assert_eq!(zero.explained, [0, 0, 0]);
        assert!(!explains(Partitioner::Murmur2, b"a", 0, 0));
    }

    proptest::proptest! {
        /// Keys pushed by id (each id's bytes fixed, partitions changing)
        /// give the inference their bytes give.
        #[test]
        fn pushing_by_id_matches_pushing_bytes(
            recs in proptest::collection::vec((proptest::option::of(0u32..12), 0u32..6), 0..200),
            n in 1u32..6,
        ) {
            let ks = keys(12);
            let mut by_bytes = InferenceBuilder::new(n);
            let mut by_id = InferenceBuilder::new(n);
            for (i, &(id, p)) in recs.iter().enumerate() {
                let key = id.map(|k| ks[k as usize].as_slice());
                by_bytes.push(i, key, p);
                by_id.push_id(i, id, || key, p);
            }
            proptest::prop_assert_eq!(by_id.finish(), by_bytes.finish());
        }
    }

    #[test]
    fn ties_prefer_the_earlier_partitioner() {
        // One partition: every partitioner explains every record.
        let inf = infer(&[(Some(b"a"), 0), (Some(b"b"), 0)], 1);
        assert_eq!(inf.explained, [2, 2, 2]);
        assert_eq!(inf.best, Some(Partitioner::Murmur2));
        assert!(inf.mismatches.is_empty());
    }
}
