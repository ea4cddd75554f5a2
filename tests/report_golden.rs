//! The report stays the same through engine changes: `kord analyze
//! --compare --format json` on bundled recordings (and on alert-flap made
//! to lag, every event costing 325 ms) equals the JSON committed in
//! `tests/golden/`, written by the build before the engine was rebuilt
//! (only `source`, the path given, is left out). A deliberate change of the
//! report regenerates them (any JSON writer that keeps 1.0 a float):
//! `kord analyze recordings/X.jsonl ARGS --compare --format json`, minus `source`.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(golden: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_kord"))
        .current_dir(root())
        .arg("analyze")
        .args(args)
        .args(["--compare", "--format", "json"])
        .output()
        .expect("run kord");
    assert!(
        out.status.success(),
        "kord {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    got.as_object_mut().expect("an object").remove("source");
    let text = std::fs::read_to_string(root().join("tests/golden").join(golden)).expect("golden");
    let want: serde_json::Value = serde_json::from_str(&text).expect("golden JSON");
    if got != want {
        // Name the first top-level field that differs.
        let (g, w) = (got.as_object().unwrap(), want.as_object().unwrap());
        let field = w
            .keys()
            .chain(g.keys())
            .find(|k| g.get(*k) != w.get(*k))
            .cloned()
            .unwrap_or_default();
        panic!(
            "{golden}: field `{field}` differs:\n got: {}\nwant: {}",
            g.get(&field)
                .map(|v| v.to_string())
                .unwrap_or_default()
                .chars()
                .take(2000)
                .collect::<String>(),
            w.get(&field)
                .map(|v| v.to_string())
                .unwrap_or_default()
                .chars()
                .take(2000)
                .collect::<String>()
        );
    }
}

#[test]
fn retry_reorder_with_states() {
    check(
        "retry-reorder.compare.state.json",
        &["recordings/retry-reorder.jsonl", "--state"],
    );
}

#[test]
fn slow_consumer() {
    check(
        "slow-consumer.compare.json",
        &["recordings/slow-consumer.jsonl"],
    );
}

#[test]
fn alert_flap_lagging() {
    check(
        "alert-flap.lagging.compare.json",
        &[
            "recordings/alert-flap.jsonl",
            "--lens",
            "tests/golden/lagging.toml",
            "--max-findings",
            "300",
        ],
    );
}
