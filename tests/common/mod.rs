//! Shared helpers for kord's integration tests.
#![allow(dead_code)]

pub mod kafka;
pub mod tui;

use kord::engine::{analyze, Analysis, Options};
use kord::model::lens::LensConfig;
use kord::report::{Report, ReportOptions};
use kord::source::{load_recording, LoadOptions, Loaded};
use kord::strategy::StrategyKind;
use std::io::Write;
use std::path::PathBuf;

/// Writes `text` to a temp file and returns it (kept alive by the handle).
pub fn temp_file(text: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(text).unwrap();
    f.flush().unwrap();
    f
}

/// A record line in kcat's shape with a JSON payload.
pub fn rec(partition: u32, offset: i64, ts: i64, key: &str, payload: &str) -> String {
    serde_json::json!({"topic":"t","partition":partition,"offset":offset,"ts":ts,"key":key,"payload":payload}).to_string()
}

/// Loads a recording text with an optional lens TOML.
pub fn load_text(text: &str, lens_toml: &str) -> Loaded {
    let f = temp_file(text.as_bytes(), ".jsonl");
    let opts = LoadOptions {
        lens: LensConfig::from_toml_str(lens_toml).unwrap(),
        ..LoadOptions::default()
    };
    load_recording(f.path(), &opts, &mut |_, _| {}).unwrap()
}

/// Analyzes a recording text with every strategy.
pub fn analyze_text(text: &str, lens_toml: &str) -> (Report, Analysis) {
    let loaded = load_text(text, lens_toml);
    let opts = Options {
        strategies: StrategyKind::all_for(&loaded.lens),
        consumers: None,
        max_findings: usize::MAX,
        keep_states: false,
        pictures: true,
    };
    let a = analyze(&loaded.store, &loaded.lens, &opts);
    let r = Report::build("test", &loaded.store, &a, &ReportOptions::default());
    (r, a)
}

/// The built kord binary (release from scripts/test.sh, else cargo's).
pub fn kord_bin() -> PathBuf {
    if let Ok(p) = std::env::var("KORD_BIN") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_BIN_EXE_kord"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
