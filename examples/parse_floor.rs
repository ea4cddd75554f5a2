//! The floor under kord's load time, for scripts/bench.sh: read a recording's
//! lines and parse each line and its payload with serde_json, nothing else
//! (no lens, no store). The file is cut into one slice per core at line
//! boundaries, as kord's loader does (`KORD_THREADS`, default: the cores),
//! each read by a process of its own.
//!
//! `parse_floor FILE` prints `SECONDS LINES`.
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::time::Instant;

/// A record line: the payload string is unescaped (borrowed when it has no
/// escapes), every other field is checked and skipped.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    payload: Option<Cow<'a, str>>,
}

/// Parses the lines starting in `[from, to)`; returns how many.
fn slice(path: &str, from: u64, to: u64) -> u64 {
    let mut f = File::open(path).expect("open");
    // Lines starting in [from, to) are this slice's: skip the rest of the
    // line holding byte from - 1 (just that byte when it ends a line).
    let start = from.saturating_sub(1);
    f.seek(SeekFrom::Start(start)).expect("seek");
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut line = Vec::with_capacity(1024);
    let mut pos = start;
    if from > 0 {
        pos += r.read_until(b'\n', &mut line).expect("read") as u64;
    }
    let mut n = 0u64;
    loop {
        if pos >= to {
            break;
        }
        line.clear();
        let got = r.read_until(b'\n', &mut line).expect("read");
        if got == 0 {
            break;
        }
        pos += got as u64;
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.is_empty() || text.starts_with(b"{\"kord\"") {
            continue;
        }
        let l: Line<'_> = serde_json::from_slice(text).expect("a JSON line");
        if let Some(p) = l.payload {
            let _: IgnoredAny = serde_json::from_str(&p).expect("a JSON payload");
        }
        n += 1;
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: parse_floor FILE");
        std::process::exit(2);
    };
    let size = std::fs::metadata(path).expect("metadata").len();
    // `parse_floor FILE --slice FROM TO` (one process per slice, below).
    if let [_, flag, from, to] = &args[..] {
        assert_eq!(flag, "--slice", "usage: parse_floor FILE [--slice FROM TO]");
        let (from, to) = (from.parse().expect("FROM"), to.parse().expect("TO"));
        println!("{}", slice(path, from, to));
        return;
    }
    let threads: u64 = std::env::var("KORD_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
        .max(1);
    let t0 = Instant::now();
    let per = size.div_ceil(threads);
    // One process per slice: threads of one process contend on glibc's
    // main malloc arena lock here (tens of thousands of futex waits on two
    // threads, `strace -f -c`), which would make the floor a machine limit
    // it is not.
    let exe = std::env::current_exe().expect("current_exe");
    let children: Vec<_> = (0..threads)
        .map(|k| {
            std::process::Command::new(&exe)
                .arg(path)
                .arg("--slice")
                .arg((k * per).to_string())
                .arg(((k + 1) * per).min(size).to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a slice")
        })
        .collect();
    let lines: u64 = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("a slice");
            assert!(out.status.success(), "a slice failed");
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<u64>()
                .expect("a slice's line count")
        })
        .sum();
    println!("{:.3} {lines}", t0.elapsed().as_secs_f64());
}
