//! The TUI commands' command-line edge, without a terminal.

use assert_cmd::Command;
use predicates::str::contains;

fn kord() -> Command {
    Command::cargo_bin("kord").unwrap()
}

#[test]
fn demo_list_names_the_scenarios_first_one_first() {
    let out = kord().args(["demo", "--list"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with("alert-flap"), "{text}");
    assert!(text.contains("mixed-partitioners"));
}

#[test]
fn usage_errors_exit_2() {
    kord()
        .args(["demo", "nope"])
        .assert()
        .code(2)
        .stderr(contains("unknown scenario"));
    kord()
        .args(["replay", "no/such/file.jsonl"])
        .assert()
        .code(2)
        .stderr(contains("no such file"));
    kord()
        .args(["replay", "recordings/alert-flap.jsonl", "--theme", "nope"])
        .assert()
        .code(2)
        .stderr(contains("--theme"));
    kord()
        .args([
            "replay",
            "recordings/alert-flap.jsonl",
            "--strategy",
            "bogus",
        ])
        .assert()
        .code(2)
        .stderr(contains("unknown strategy"));
}

#[test]
fn without_a_terminal_the_tui_says_so() {
    kord()
        .args(["replay", "recordings/alert-flap.jsonl"])
        .assert()
        .code(2)
        .stderr(contains("needs a terminal"));
    kord().assert().code(2).stderr(contains("needs a terminal"));
}

#[test]
fn live_usage_errors_exit_2_before_any_connection() {
    kord()
        .args(["live", "-t", "alerts"])
        .assert()
        .code(2)
        .stderr(contains("-b BROKERS is required"));
    kord()
        .args([
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "--until",
            "end",
        ])
        .assert()
        .code(2)
        .stderr(contains("live has no end"));
    kord()
        .args([
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "-X",
            "group.id=x",
        ])
        .assert()
        .code(2)
        .stderr(contains("group.id"));
    kord()
        .args(["live", "-b", "127.0.0.1:9", "-t", "alerts", "--window", "x"])
        .assert()
        .code(2)
        .stderr(contains("--window"));
    // No terminal: said before connecting (port 9 has no broker).
    kord()
        .args([
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "--timeout",
            "1s",
        ])
        .assert()
        .code(2)
        .stderr(contains("needs a terminal"));
}
