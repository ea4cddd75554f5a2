//! Fuzzing on the stable toolchain: a mutation loop over the bundled
//! recordings and the spec's lens. Each input goes through the record
//! parser (`parse_record`), the recording reader with its header line
//! (`RecordingReader::from_reader`), the lens (TOML and header JSON,
//! compiled), the ingest through the lens, and every few hundred inputs a
//! whole mutated recording through `load_recording --lenient` and every
//! strategy. A panic anywhere is a crash: its input is saved under
//! `target/fuzz-crashes/` and the test fails.
//!
//! Time-bounded: `KORD_FUZZ_SECS` (default 10; CI sets 90). The seed is
//! `KORD_FUZZ_SEED` (default: from the clock), printed so a run can be
//! repeated. Prints executions and crashes.

mod common;
use common::root;
use kord::engine::{analyze, Options};
use kord::model::lens::LensConfig;
use kord::model::{Ingest, Lens};
use kord::source::recording::{parse_record, RecordingReader};
use kord::source::{load_recording, LoadOptions};
use kord::strategy::StrategyKind;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that make parsers take unusual paths.
const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-1",
    "0",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "1e308",
    "-0",
    "\\ud800",
    "\\udc00",
    "\\u0000",
    "\u{feff}",
    "\r",
    "\n",
    "\"kord\":1,",
    "\"partition\":",
    "\"offset\":",
    "\"payload\":",
    "\"headers\":[",
    "\"key\":",
    "\"lens\":{",
    "/",
    "~1",
    "~0",
    "header:",
    "[[[[[[[[",
    "]]]]]]]]",
    "\u{10ffff}",
    "\u{0}",
    "\\\"",
    "key",
    "all",
    "hybrid",
    "=",
    "[strategy]",
    "[consumers]",
    "[state_machine]",
    "by_type = {",
    "\"nosuch\"",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            3 if !v.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at.min(end)..end);
            }
            4 => v.truncate(at),
            5 if !v.is_empty() => {
                // Repeat a slice (deep nesting, long names).
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(8)).min(v.len());
                let piece = v[start..end].to_vec();
                for _ in 0..rng.below(64) {
                    v.splice(at..at, piece.iter().copied());
                }
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let end = (at + t.len()).min(v.len());
                v.splice(at..end, t.iter().copied());
            }
        }
    }
    v
}

const LENS: &str = r#"entity = "/alert_id"
version = "/alert_version"
type = "/type"
time = "/occurred_at"
creates = ["AlertTriggered"]

[strategy]
default = "versioned"
by_type = { AlertConfigChanged = "versioned", AlertTagged = "lww" }

[lww.sets]
AlertTriggered = { status = "triggered" }

[state_machine]
initial = "none"
transitions = { none = ["placed"], placed = ["paid", "cancelled"], paid = ["shipped"] }
by_type = { OrderPlaced = "placed", OrderPaid = "paid" }
on_invalid = "buffer"

[buffer]
timeout_ms = 60000

[cost]
default_ms = 1
by_type = { GameAction = 5 }

[consumers]
count = 3
assignor = "range"
"#;

/// The corpus: header and record lines of every bundled recording.
fn corpus() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut headers = Vec::new();
    let mut records = Vec::new();
    let dir = root().join("recordings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for p in files {
        let text = std::fs::read(&p).unwrap();
        for (i, line) in text.split(|&b| b == b'\n').take(400).enumerate() {
            if line.is_empty() {
                continue;
            }
            if i == 0 {
                headers.push(line.to_vec());
            } else {
                records.push(line.to_vec());
            }
        }
    }
    (headers, records)
}

/// One input through the parsers and the lens; panics are the finding.
fn exercise(kind: usize, input: &[u8], lenses: &[Lens]) {
    match kind {
        // A record line, through the lens into a store.
        0 => {
            if let Ok(rec) = parse_record(input) {
                for lens in lenses {
                    let mut ing = Ingest::new(lens.clone(), true);
                    ing.push(&rec, 1, Some(input));
                    let _ = ing.finish();
                }
            }
        }
        // A header line and two records, through the reader.
        1 => {
            let mut text = input.to_vec();
            text.extend_from_slice(b"\n{\"partition\":0,\"offset\":0,\"key\":\"a\"}\n");
            if let Ok(mut r) =
                RecordingReader::from_reader("fuzz".into(), Box::new(Cursor::new(text)))
            {
                if let Some(h) = r.header() {
                    if let Some(l) = &h.lens {
                        let _ = Lens::compile(l.clone());
                    }
                }
                let mut buf = Vec::new();
                while let Ok(true) = r.next_line(&mut buf) {
                    let _ = parse_record(&buf);
                }
            }
        }
        // A lens file.
        _ => {
            if let Ok(text) = std::str::from_utf8(input) {
                if let Ok(cfg) = LensConfig::from_toml_str(text) {
                    let _ = Lens::compile(cfg);
                }
            }
        }
    }
}

fn save_crash(input: &[u8], what: &str, n: usize) -> String {
    let dir = root().join("target/fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(format!("{what}-{n}.bin"));
    let _ = std::fs::write(&p, input);
    p.display().to_string()
}

#[test]
fn fuzz_parsers_lens_and_header() {
    let secs: u64 = std::env::var("KORD_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("KORD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
        | 1;
    let (headers, records) = corpus();
    assert!(!records.is_empty() && !headers.is_empty());
    let lenses = vec![
        Lens::default(),
        Lens::compile(LensConfig::from_toml_str(LENS).unwrap()).unwrap(),
    ];
    // Panics are caught and counted; keep their messages off the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut execs, mut files) = (0u64, 0u64);
    let mut crashes: Vec<String> = Vec::new();
    let all = StrategyKind::all_for(&lenses[1]);
    while Instant::now() < deadline {
        let kind = rng.below(3);
        let base: &[u8] = match kind {
            0 => &records[rng.below(records.len())],
            1 => &headers[rng.below(headers.len())],
            _ => LENS.as_bytes(),
        };
        let input = mutate(&mut rng, base);
        if catch_unwind(AssertUnwindSafe(|| exercise(kind, &input, &lenses))).is_err() {
            crashes.push(save_crash(
                &input,
                ["record", "header", "lens"][kind],
                crashes.len(),
            ));
        }
        execs += 1;
        // Now and then a whole mutated recording through every strategy.
        if execs % 500 == 0 {
            let h = rng.below(headers.len());
            let mut text = mutate(&mut rng, &headers[h]);
            for _ in 0..100 {
                text.push(b'\n');
                let r = rng.below(records.len());
                text.extend(mutate(&mut rng, &records[r]));
            }
            let f = common::temp_file(&text, ".jsonl");
            let run = catch_unwind(AssertUnwindSafe(|| {
                let opts = LoadOptions {
                    lenient: true,
                    keep_raw: true,
                    ..LoadOptions::default()
                };
                if let Ok(l) = load_recording(f.path(), &opts, &mut |_, _| {}) {
                    let o = Options {
                        strategies: all.clone(),
                        consumers: None,
                        max_findings: 100,
                        keep_states: true,
                        pictures: true,
                    };
                    let _ = analyze(&l.store, &l.lens, &o);
                }
            }));
            if run.is_err() {
                crashes.push(save_crash(&text, "recording", crashes.len()));
            }
            files += 1;
        }
    }
    std::panic::set_hook(hook);
    println!(
        "fuzz: seed {seed}, {secs} s, {execs} executions ({files} whole recordings), {} crashes",
        crashes.len()
    );
    assert!(crashes.is_empty(), "crashes (seed {seed}): {crashes:?}");
}
