//! Hostile input (issue 12): what a file, a lens or a signal can do to kord,
//! and what kord must do instead of hanging, allocating without bound,
//! taking quadratic time or answering with an unclear message.

mod common;
use common::tui::{app_for, draw};
use common::{kord_bin, temp_file};
use kord::source::{load_recording, LoadOptions};
use kord::tui::{dispatch, prepare, Action, App, Msg, Theme};
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = r#"{"partition":0,"offset":0,"ts":1,"key":"a","payload":"{\"version\":1}"}"#;
const GOOD2: &str = r#"{"partition":0,"offset":1,"ts":2,"key":"a","payload":"{\"version\":2}"}"#;

/// Runs kord; a run still going after `limit` is killed and fails the test
/// (a hang guard, far above the expected time, not a speed check).
fn run(args: &[&OsStr], limit: Duration) -> Output {
    let mut child = Command::new(kord_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes while waiting: a report bigger than a pipe's buffer
    // would otherwise block kord.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "kord {args:?} still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn analyze(path: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&OsStr> = vec![OsStr::new("analyze"), path.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    run(&args, Duration::from_secs(60))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

/// Exit 2, naming `file:line`, saying `says`, no panic.
fn input_error(o: &Output, file: &str, line: u64, says: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{file}:{line}:")),
        "names {file}:{line}: {err}"
    );
    assert!(err.contains(says), "says {says:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn endless_input_without_a_newline_ends_with_exit_2() {
    // Before: the 8 MiB limit was checked at the end of the line, which
    // /dev/zero never reaches.
    let zero = Path::new("/dev/zero");
    input_error(&analyze(zero, &[]), "/dev/zero", 1, "longer than 8 MiB");
    // --lenient skips a long line up to its end, but not forever.
    input_error(
        &analyze(zero, &["--lenient"]),
        "/dev/zero",
        1,
        "no end of line",
    );
}

fn long_line() -> String {
    format!(
        r#"{{"partition":0,"offset":9,"key":"a","payload":"{}"}}"#,
        "x".repeat(9 << 20)
    )
}

#[test]
fn a_too_long_first_line_is_skipped_with_lenient_like_any_other() {
    let text = [long_line().as_str(), GOOD, GOOD2].join("\n");
    let f = temp_file(text.as_bytes(), ".jsonl");
    let name = f.path().display().to_string();
    input_error(&analyze(f.path(), &[]), &name, 1, "longer than 8 MiB");
    let o = analyze(f.path(), &["--lenient", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["events"], 2);
    assert_eq!(r["skipped_lines"]["count"], 1);
    assert_eq!(r["skipped_lines"]["first"][0]["line"], 1);
    // The same line further down is skipped as it always was.
    let text = [GOOD, GOOD2, long_line().as_str()].join("\n");
    let f = temp_file(text.as_bytes(), ".jsonl");
    let r = json(&analyze(f.path(), &["--lenient", "--format", "json"]));
    assert_eq!(r["skipped_lines"]["first"][0]["line"], 3);
}

#[test]
fn a_partition_outside_kafkas_range_names_line_and_field() {
    for p in ["-1", "2147483648", "99999999999"] {
        let bad = format!(r#"{{"partition":{p},"offset":1,"key":"a"}}"#);
        let f = temp_file([GOOD, bad.as_str()].join("\n").as_bytes(), ".jsonl");
        let name = f.path().display().to_string();
        input_error(&analyze(f.path(), &[]), &name, 2, "field `partition`");
    }
}

/// Two events of one entity whose name is `entity` (a key or a payload field).
fn long_name_recording(key: &str, payload_extra: &str) -> tempfile::NamedTempFile {
    let line = |offset: u32, version: u32| {
        let payload = format!(r#"{{{payload_extra}"version":{version}}}"#);
        serde_json::json!({"partition":0,"offset":offset,"ts":offset,"key":key,"payload":payload})
            .to_string()
    };
    temp_file(
        format!("{}\n{}\n", line(0, 1), line(1, 3)).as_bytes(),
        ".jsonl",
    )
}

#[test]
fn the_text_report_clips_a_huge_key_and_the_json_keeps_it() {
    // Before: 9 s (quadratic table layout) and the whole key in every cell.
    let key = "k".repeat(128_000);
    let f = long_name_recording(&key, "");
    let text = analyze(f.path(), &[]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let out = stdout(&text);
    assert!(out.len() < 20_000, "text report of {} bytes", out.len());
    assert!(
        out.contains("kkkk…") && out.contains("(+127936 chars)"),
        "{out}"
    );
    let r = json(&analyze(
        f.path(),
        &["--format", "json", "--strategy", "versioned"],
    ));
    let entity = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| f["entity"].as_str())
        .unwrap();
    assert_eq!(entity, key, "JSON keeps the name whole");
}

#[test]
fn the_text_report_clips_a_200000_deep_array_entity() {
    // Before: 110 s.
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let f = long_name_recording("k", &format!(r#""e":{deep},"#));
    let o = analyze(f.path(), &["--entity", "/e"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.len() < 20_000, "text report of {} bytes", out.len());
    assert!(out.contains("[[[[…"), "{out}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let text = format!("\u{feff}{GOOD}\n{GOOD2}\n");
    let f = temp_file(text.as_bytes(), ".jsonl");
    let o = analyze(f.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["events"], 2);
    // Before a header too.
    let text = format!("\u{feff}{{\"kord\":1,\"topic\":\"t\"}}\n{GOOD}\n");
    let f = temp_file(text.as_bytes(), ".jsonl");
    let o = analyze(f.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["events"], 1);
}

#[test]
fn a_header_below_line_1_is_named_as_such() {
    let f = temp_file(
        format!("{GOOD}\n{{\"kord\":1,\"topic\":\"t\"}}\n").as_bytes(),
        ".jsonl",
    );
    let name = f.path().display().to_string();
    input_error(
        &analyze(f.path(), &[]),
        &name,
        2,
        "header (`\"kord\": 1`) is only allowed as the first line",
    );
}

#[test]
fn a_lone_surrogate_is_explained() {
    let f = temp_file(
        br#"{"partition":0,"offset":0,"key":"\ud800","payload":null}"#,
        ".jsonl",
    );
    let name = f.path().display().to_string();
    let o = analyze(f.path(), &[]);
    input_error(&o, &name, 1, r"\ud800 is a lone UTF-16 surrogate");
    assert!(stderr(&o).contains("field `key`"), "{}", stderr(&o));
}

#[test]
fn header_values_are_named_by_their_key() {
    for (header, path) in [
        (
            r#"{"kord":1,"lens":{"strategy":{"default":5}}}"#,
            "lens.strategy.default",
        ),
        (
            r#"{"kord":1,"lens":{"hol_threshold_ms":"x"}}"#,
            "lens.hol_threshold_ms",
        ),
        (r#"{"kord":1,"partitions":-1}"#, "partitions"),
    ] {
        let f = temp_file(format!("{header}\n{GOOD}\n").as_bytes(), ".jsonl");
        let name = f.path().display().to_string();
        let o = analyze(f.path(), &[]);
        input_error(&o, &name, 1, &format!("field `{path}`"));
    }
}

/// `kord analyze` of a bundled recording with a lens file holding `toml`.
fn with_lens(toml: &str) -> (Output, String) {
    let lens = temp_file(toml.as_bytes(), ".toml");
    let o = analyze(
        Path::new("recordings/alert-flap.jsonl"),
        &["--lens", lens.path().to_str().unwrap()],
    );
    (o, lens.path().display().to_string())
}

#[test]
fn every_lens_value_is_checked_with_file_and_line() {
    for (toml, line, says) in [
        (
            "[strategy]\ndefault = \"nosuch\"\n",
            2,
            "`strategy.default`: unknown strategy \"nosuch\"",
        ),
        (
            "entity = \"/alert_id\"\n[strategy]\nby_type = { AlertTagged = \"nosuch\" }\n",
            3,
            "`strategy.by_type.AlertTagged`: unknown strategy",
        ),
        (
            "[consumers]\ncount = 2\nassignor = \"nosuch\"\n",
            3,
            "unknown assignor 'nosuch'",
        ),
    ] {
        let (o, file) = with_lens(toml);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{file}: line {line}: ")), "{err}");
        assert!(err.contains(says), "{err}");
    }
    // A strategy name in a header's lens: the header line and the key.
    let f = temp_file(
        format!("{{\"kord\":1,\"lens\":{{\"strategy\":{{\"default\":\"zz\"}}}}}}\n{GOOD}\n")
            .as_bytes(),
        ".jsonl",
    );
    let name = f.path().display().to_string();
    input_error(
        &analyze(f.path(), &[]),
        &name,
        1,
        "`strategy.default`: unknown strategy",
    );
}

#[cfg(unix)]
#[test]
fn signals_exit_with_128_plus_n() {
    // A FIFO nobody writes to: `analyze` waits on it until the signal.
    let dir = tempfile::tempdir().unwrap();
    for (sig, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let fifo = dir.path().join(format!("in-{sig}.jsonl"));
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let mut child = Command::new(kord_bin())
            .arg("analyze")
            .arg(&fifo)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let sent = Command::new("kill")
            .args([format!("-{sig}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("SIG{sig}: kord still running");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(code), "SIG{sig}: {status:?}");
    }
}

#[test]
fn a_file_that_shrinks_while_read_is_reported_not_taken_as_shorter() {
    // Short lines: under the parallel reader's 8 MiB threshold, so the
    // progress callback runs on the reading thread, between two reads.
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!(
            "{{\"partition\":0,\"offset\":{i},\"key\":\"k{}\"}}\n",
            i % 50
        ));
    }
    let f = temp_file(text.as_bytes(), ".jsonl");
    let path = f.path().to_path_buf();
    let mut cut = false;
    let r = load_recording(&path, &LoadOptions::default(), &mut |ing, _| {
        if !cut && !ing.store.is_empty() {
            cut = true;
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_len(text.len() as u64 / 4).unwrap();
        }
    });
    assert!(cut, "the file was truncated while read");
    let err = r.err().expect("a truncated file is an error").to_string();
    assert!(err.contains("the file changed while being read"), "{err}");
}

#[test]
fn a_replay_whose_loader_stops_keeps_the_first_part_and_says_so() {
    let loaded = load_recording(
        Path::new("recordings/alert-flap.jsonl"),
        &LoadOptions {
            keep_raw: true,
            ..LoadOptions::default()
        },
        &mut |_, _| {},
    )
    .unwrap();
    let n = loaded.store.len();
    let (ds, view) = prepare(loaded, "alert-flap.jsonl".into(), None, None);
    let mut app = App::new(Theme::default(), "alert-flap.jsonl");
    dispatch(&mut app, Action::Resize(120, 40));
    app.on_msg(Msg::Partial { ds, view });
    assert!(
        draw(&app, 120, 40).contains("events read)"),
        "the title says loading"
    );
    app.on_msg(Msg::Failed(
        "alert-flap.jsonl:40001: the file changed while being read".into(),
    ));
    assert!(app.loading.is_none());
    assert_eq!(app.len(), n, "the first part is kept");
    let screen = draw(&app, 120, 40);
    assert!(
        !screen.contains("events read)"),
        "no longer loading: {screen}"
    );
    assert!(screen.contains("loading stopped"), "{screen}");
    assert!(screen.contains("changed while being read"), "{screen}");
    // Still browsable, and the reason stays once a step's message is gone.
    dispatch(&mut app, Action::Step(1));
    assert_eq!(app.cursor, 1);
    assert!(draw(&app, 120, 40).contains("changed while being read"));
}

#[test]
fn tui_commands_out_of_range_say_so_and_change_nothing() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::Command("goto 7".into()));
    assert_eq!(app.cursor, 7);
    let (speed, consumers) = (app.playback.speed, app.consumers);
    for cmd in [
        "goto 99999999999",
        "99999999999",
        "time -1",
        "speed 0",
        "speed 99999999",
        "consumers 100000",
        "consumers 0",
    ] {
        app.status = None;
        dispatch(&mut app, Action::Command(cmd.into()));
        let (msg, error) = app
            .status
            .clone()
            .unwrap_or_else(|| panic!(":{cmd} says nothing"));
        assert!(error, ":{cmd}: {msg}");
        assert_eq!(app.cursor, 7, ":{cmd} moved the cursor");
        assert_eq!(app.playback.speed, speed, ":{cmd} changed the speed");
        assert_eq!(app.consumers, consumers, ":{cmd} changed the consumers");
        assert!(app.jobs.is_empty(), ":{cmd} started a job");
    }
    // A time past the last event is not a silent jump to the end.
    app.status = None;
    dispatch(&mut app, Action::Command("time 99999999999999".into()));
    assert_eq!(app.cursor, 7);
    assert!(app
        .status
        .as_ref()
        .unwrap()
        .0
        .contains("no event at or after"));
}
