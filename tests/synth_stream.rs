//! `kord synth` streams its scenarios (constant memory) and writes the same
//! bytes it always did: the bundled recordings, and fingerprints (length,
//! CRC-32) of other sizes, seeds and partition counts taken from the build
//! before streaming.

use kord::source::synth::{generate_with, write_recording, write_with, SynthParams, SCENARIOS};

fn params(args: &str) -> SynthParams {
    let mut p = SynthParams::default();
    let mut it = args.split_whitespace();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        match k {
            "--events" => p.events = Some(v.parse().unwrap()),
            "--seed" => p.seed = v.parse().unwrap(),
            "--partitions" => p.partitions = Some(v.parse().unwrap()),
            "--entities" => p.entities = Some(v.parse().unwrap()),
            _ => panic!("{k}"),
        }
    }
    p
}

fn streamed(name: &str, p: &SynthParams) -> Vec<u8> {
    let mut out = Vec::new();
    write_with(name, p, &mut out).unwrap();
    out
}

#[test]
fn bundled_recordings_are_written_byte_for_byte() {
    for sc in SCENARIOS {
        let path = format!(
            "{}/recordings/{}.jsonl",
            env!("CARGO_MANIFEST_DIR"),
            sc.name
        );
        let want = std::fs::read(&path).unwrap();
        let got = streamed(sc.name, &params("--seed 1"));
        assert!(got == want, "{}: synth differs from {path}", sc.name);
    }
}

/// (scenario, arguments, length, CRC-32) of `kord synth` before it streamed.
const BEFORE: &[(&str, &str, usize, u32)] = &[
    ("alert-flap", "--events 20000 --seed 7", 6478256, 0x4bd64c92),
    (
        "alert-flap",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1620920,
        0xd5c41795,
    ),
    (
        "alert-flap",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        98012,
        0x1a312d0f,
    ),
    (
        "game-session",
        "--events 20000 --seed 7",
        5264237,
        0x5383e63c,
    ),
    (
        "game-session",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1319359,
        0x56511b6b,
    ),
    (
        "game-session",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        80156,
        0x4532422f,
    ),
    (
        "order-lifecycle",
        "--events 20000 --seed 7",
        5466608,
        0x6fc8f0f5,
    ),
    (
        "order-lifecycle",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1365033,
        0x034f087a,
    ),
    (
        "order-lifecycle",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        82304,
        0xd3c965dc,
    ),
    ("hot-key", "--events 20000 --seed 7", 5795832, 0x109cfff6),
    (
        "hot-key",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1441505,
        0x03012f79,
    ),
    (
        "hot-key",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        86060,
        0xd0a087f0,
    ),
    ("clock-skew", "--events 20000 --seed 7", 5677146, 0x5dcb6be7),
    (
        "clock-skew",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1414598,
        0xbe82466d,
    ),
    (
        "clock-skew",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        84877,
        0xf84e58fe,
    ),
    (
        "slow-consumer",
        "--events 20000 --seed 7",
        5607775,
        0x3798e6bb,
    ),
    (
        "slow-consumer",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1401993,
        0xf68763f1,
    ),
    (
        "slow-consumer",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        84471,
        0x325aa953,
    ),
    ("null-keys", "--events 20000 --seed 7", 4678426, 0xf2c4a1b3),
    (
        "null-keys",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1170972,
        0xfded6e9b,
    ),
    (
        "null-keys",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        70620,
        0xfc6dfa76,
    ),
    (
        "retry-reorder",
        "--events 20000 --seed 7",
        5124846,
        0xea458026,
    ),
    (
        "retry-reorder",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1281353,
        0xd9f24e78,
    ),
    (
        "retry-reorder",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        77283,
        0x41e7e9f5,
    ),
    (
        "mixed-partitioners",
        "--events 20000 --seed 7",
        6595659,
        0x7fa8835f,
    ),
    (
        "mixed-partitioners",
        "--events 5000 --seed 3 --partitions 3 --entities 50",
        1647300,
        0xbcea7a07,
    ),
    (
        "mixed-partitioners",
        "--events 300 --seed 11 --partitions 1 --entities 1",
        98994,
        0x0d27a576,
    ),
];

#[test]
fn other_sizes_seeds_and_partitions_are_unchanged() {
    for &(name, args, len, crc) in BEFORE {
        let got = streamed(name, &params(args));
        assert_eq!(
            (got.len(), crc32fast::hash(&got)),
            (len, crc),
            "kord synth {name} {args}"
        );
    }
}

#[test]
fn in_memory_and_streamed_scenarios_agree() {
    for sc in SCENARIOS {
        let p = params("--events 2000 --seed 5 --partitions 5");
        let mut mem = Vec::new();
        write_recording(&generate_with(sc.name, &p).unwrap(), &mut mem).unwrap();
        assert!(mem == streamed(sc.name, &p), "{}", sc.name);
    }
}

#[test]
fn an_unknown_scenario_is_an_error() {
    let e = write_with("no-such", &SynthParams::default(), &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string().contains("unknown scenario \"no-such\""),
        "{e}"
    );
}
