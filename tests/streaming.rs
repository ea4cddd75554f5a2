//! `kord analyze` reads a file as a stream (the engine's flow over a window
//! of the store) and its report is the whole-store report to the byte:
//! every bundled recording, with rebalances, delivery models, `--state`
//! and every finding listed, read in chunks of 5 events with a horizon of
//! 64 (so the window moves and forgets), and a synthetic file of more than
//! 8 MiB (read in parallel slices) whose consumers lag. `KORD_STREAM=0`
//! reads the file whole; `KORD_TIMING` says which path ran.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `kord analyze ARGS --format json`: (stdout, whether it streamed).
fn analyze(args: &[&str], env: &[(&str, &str)]) -> (Vec<u8>, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_kord"))
        .current_dir(root())
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .env("KORD_TIMING", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run kord");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kord {args:?}: {err}");
    (out.stdout, err.contains("(streamed"))
}

/// The streamed report equals the whole one; whether it streamed.
fn same(args: &[&str], knobs: &[(&str, &str)]) -> bool {
    let (whole, streamed_whole) = analyze(args, &[("KORD_STREAM", "0")]);
    assert!(!streamed_whole, "KORD_STREAM=0 streamed: {args:?}");
    let (streamed, did) = analyze(args, knobs);
    assert!(
        streamed == whole,
        "{args:?} {knobs:?}: the streamed report differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&streamed),
        String::from_utf8_lossy(&whole)
    );
    did
}

#[test]
fn streamed_reports_are_the_whole_reports_on_every_bundled_recording() {
    let small = [("KORD_STREAM_CHUNK", "5"), ("KORD_STREAM_HORIZON", "64")];
    let mut streamed = Vec::new();
    for entry in std::fs::read_dir(root().join("recordings")).expect("recordings") {
        let path = entry.expect("entry").path();
        let file = path.to_str().expect("utf-8 path");
        for args in [
            vec!["--compare"],
            vec!["--compare", "--state", "--max-findings", "0"],
            vec!["--compare", "--rebalance", "add@5,kill:C0@40,remove:C1@90"],
            vec!["--compare", "--delivery", "sqs-fifo", "--max-findings", "3"],
            vec!["--compare", "--delivery", "servicebus-session"],
            vec!["--compare", "--delivery", "rabbitmq-sac"],
        ] {
            let mut all = vec![file];
            all.extend(args);
            if same(&all, &small) {
                streamed.push(path.file_name().unwrap().to_string_lossy().to_string());
            }
            // The default chunks and horizon (one chunk, nothing forgotten).
            same(&all, &[]);
        }
    }
    // Streams whose order the flow can keep within 64 events stream; the
    // others (hot partitions, partitioner mismatches, versions arriving
    // long after) fall back to the whole read, with the same report.
    for name in [
        "slow-consumer.jsonl",
        "order-lifecycle.jsonl",
        "alert-flap.jsonl",
    ] {
        assert!(
            streamed.iter().any(|s| s == name),
            "{name} did not stream: {streamed:?}"
        );
    }
}

/// `kord synth ARGS --partitions 8` into `name` in `dir`: a file over
/// 8 MiB, which a streamed read cuts into parallel slices. Its path.
fn synth_over_8_mib(dir: &tempfile::TempDir, name: &str, args: &[&str]) -> String {
    let file = dir.path().join(name);
    let file = file.to_str().expect("utf-8 path").to_string();
    let synth = Command::new(env!("CARGO_BIN_EXE_kord"))
        .arg("synth")
        .args(args)
        .args(["--partitions", "8", "-o", &file])
        .output()
        .expect("run kord synth");
    assert!(synth.status.success());
    assert!(
        std::fs::metadata(&file).expect("synth wrote").len() > 8 << 20,
        "the parallel slices need a file over 8 MiB"
    );
    file
}

#[test]
fn a_lagging_stream_read_in_parallel_slices_streams_to_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = synth_over_8_mib(
        &dir,
        "lagging.jsonl",
        &["alert-flap", "--events", "40000", "--entities", "3000"],
    );
    let file = file.as_str();
    let lens = dir.path().join("lagging.toml");
    // 8 consumers, an event every ~260 ms each: 325 ms is 25% over capacity.
    std::fs::write(&lens, "[cost]\ndefault_ms = 325\n").expect("write lens");
    let lens = lens.to_str().expect("utf-8 path");
    // Slices of 512 KB (many chunks), a horizon of 4096 events.
    let knobs = [
        ("KORD_STREAM_CHUNK", "2000"),
        ("KORD_STREAM_HORIZON", "4096"),
    ];
    for args in [
        vec![file, "--compare", "--lens", lens],
        vec![file, "--strategy", "buffered", "--lens", lens, "--state"],
        vec![file, "--compare", "--rebalance", "add@9000,kill:C2@20000"],
        vec![
            file,
            "--compare",
            "--delivery",
            "pubsub-key",
            "--max-findings",
            "0",
        ],
    ] {
        assert!(same(&args, &knobs), "{args:?} did not stream");
    }
}

#[test]
fn a_hot_stream_read_in_parallel_slices_gives_up_mid_read_and_reads_it_whole() {
    // Slices of 512 KB: the readers run ahead of the flow, which gives up
    // at its first chunk (a hot partition); the read must stop, and the
    // report be the whole read's.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = synth_over_8_mib(&dir, "hot.jsonl", &["hot-key", "--events", "100000"]);
    let file = file.as_str();
    let knobs = [("KORD_STREAM_CHUNK", "2000"), ("KORD_THREADS", "2")];
    for args in [
        vec![file, "--strategy", "versioned"],
        vec![file, "--compare"],
    ] {
        assert!(!same(&args, &knobs), "{args:?}: a hot stream cannot stream");
    }
}
