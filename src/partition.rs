//! Partitioners as the Kafka clients implement them (SPEC §6).
//! (Interim version; the full module with inference replaces it.)

/// Apache Kafka's `Utils.murmur2`.
pub fn murmur2(data: &[u8]) -> i32 {
    let seed: u32 = 0x9747_b28c;
    let m: u32 = 0x5bd1_e995;
    let r = 24;
    let len = data.len();
    let mut h: u32 = seed ^ (len as u32);
    let chunks = len / 4;
    for i in 0..chunks {
        let b = &data[i * 4..i * 4 + 4];
        let mut k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        k = k.wrapping_mul(m);
        k ^= k >> r;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    let tail = &data[chunks * 4..];
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(m);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(m);
    h ^= h >> 15;
    h as i32
}

/// CRC-32 (IEEE).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// FNV-1a 32-bit.
pub fn fnv1a(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A client partitioner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Partitioner {
    Murmur2,
    Crc32,
    Fnv1a,
}

impl Partitioner {
    /// The partition for a key among `n`.
    pub fn partition(self, key: &[u8], n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        match self {
            Partitioner::Murmur2 => (murmur2(key) as u32 & 0x7fff_ffff) % n,
            Partitioner::Crc32 => crc32(key) % n,
            Partitioner::Fnv1a => {
                let h = fnv1a(key) as i32;
                let p = h % n as i32;
                p.unsigned_abs()
            }
        }
    }
}
