//! `kord analyze --format html|markdown [-o FILE]`: the Markdown as an insta
//! snapshot; the HTML page self-contained, small, and telling the hot-key
//! story in words (scripts/e2e-report.sh opens it in chromium).

mod common;
use assert_cmd::Command;
use common::kord_bin;

fn analyze(args: &[&str]) -> std::process::Output {
    Command::new(kord_bin())
        .arg("analyze")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn markdown_of_alert_flap() {
    let out = analyze(&["recordings/alert-flap.jsonl", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    // The source path differs between machines: snapshot from the first table on.
    let body = &md[md.find("\n\n").unwrap()..];
    insta::assert_snapshot!("markdown_alert_flap", body);
}

#[test]
fn markdown_of_hot_key_lists_the_measured_fixes() {
    let out = analyze(&["recordings/hot-key.jsonl", "--format", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| 7 | 3271 | 81.8% | **hot** |"), "{md}");
    assert!(
        md.contains("| composite key: key + /session | 8 | 15.3% | 0 | 1 |"),
        "{md}"
    );
    assert!(md.contains("Hot keys: `bot-7`."), "{md}");
}

#[test]
fn html_of_hot_key_tells_the_story_and_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hot-key.html");
    let out = analyze(&[
        "recordings/hot-key.jsonl",
        "--format",
        "html",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "the page goes to the file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("wrote {}", file.display())), "{err}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for bad in ["<script", "http://", "https://", "@import", "url("] {
        assert!(!html.contains(bad), "the page holds {bad:?}");
    }
    // The hot partition, its owner, the hot key, the wait curve and the fix.
    for want in [
        "Partition <b>7</b> is hot: it carries <b>81.8%</b>",
        "consumer <b>c7</b> owns it",
        "Key <b>bot-7</b> is the cause",
        "consumer <b>c7</b>'s p99 wait climbs to <b>4.1 s</b>",
        "<b>composite key: key + /session</b> takes the largest partition from 81.8% to <b>15.3%</b>",
        "Wait over stream time",
        "c7, partitions 7 (3271 events)",
    ] {
        assert!(html.contains(want), "missing {want:?}");
    }
    // Charts are inline SVG with drawn paths.
    assert!(html.matches("<svg").count() >= 10);
    assert!(html.contains("<path d=\"M"));
}

#[test]
fn html_lanes_show_rejections_with_their_versions() {
    let out = analyze(&["recordings/alert-flap.jsonl", "--format", "html"]);
    assert_eq!(out.status.code(), Some(0));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("Entities with findings"));
    // A lane names a rejected event with its version and the finding.
    assert!(
        html.contains("version 3, released; findings: version_gap, rejected (versioned)"),
        "no rejected event drawn on a lane"
    );
}

#[test]
fn an_unwritable_output_is_an_error_naming_the_file() {
    let out = analyze(&[
        "recordings/hot-key.jsonl",
        "--format",
        "markdown",
        "-o",
        "/nonexistent-dir/x.md",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent-dir/x.md"), "{err}");
}

/// The pictures (lanes, wait over time) are only the HTML page's: an
/// analysis without them gives the same report, and every bundled
/// recording with findings has lanes when they are asked for.
#[test]
fn pictures_change_nothing_but_the_pictures() {
    use kord::engine::{analyze, Options};
    use kord::report::{Report, ReportOptions};
    use kord::source::{load_recording, LoadOptions};
    use kord::strategy::StrategyKind;
    for name in ["alert-flap", "hot-key", "order-lifecycle"] {
        let path = common::root().join(format!("recordings/{name}.jsonl"));
        let l = load_recording(&path, &LoadOptions::default(), &mut |_, _| {}).unwrap();
        let run = |pictures| {
            let o = Options {
                strategies: StrategyKind::all_for(&l.lens),
                consumers: None,
                max_findings: 100,
                keep_states: true,
                pictures,
            };
            let a = analyze(&l.store, &l.lens, &o);
            let r = Report::build(name, &l.store, &a, &ReportOptions::default());
            (r.to_json(), a)
        };
        let ((with, a), (without, b)) = (run(true), run(false));
        assert_eq!(with, without, "{name}: the report");
        assert!(!a.lanes.is_empty(), "{name}: lanes when asked for");
        assert!(a.runs.iter().all(|r| r.waits.all.is_some()), "{name}");
        assert!(b.lanes.is_empty(), "{name}: no lanes otherwise");
        assert!(b.runs.iter().all(|r| r.waits.all.is_none()), "{name}");
    }
}
