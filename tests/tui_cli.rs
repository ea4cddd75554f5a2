//! The TUI commands' command-line edge, without a terminal.

use assert_cmd::Command;
use predicates::str::contains;

fn kord() -> Command {
    Command::cargo_bin("kord").unwrap()
}

/// `kord ARGS` exits 2 and its error says `says`.
fn exits_2(args: &[&str], says: &str) {
    kord().args(args).assert().code(2).stderr(contains(says));
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
    exits_2(&["demo", "nope"], "unknown scenario");
    exits_2(&["replay", "no/such/file.jsonl"], "no such file");
    exits_2(
        &["replay", "recordings/alert-flap.jsonl", "--theme", "nope"],
        "--theme",
    );
    exits_2(
        &[
            "replay",
            "recordings/alert-flap.jsonl",
            "--strategy",
            "bogus",
        ],
        "unknown strategy",
    );
}

#[test]
fn without_a_terminal_the_tui_says_so() {
    exits_2(
        &["replay", "recordings/alert-flap.jsonl"],
        "needs a terminal",
    );
    kord().assert().code(2).stderr(contains("needs a terminal"));
}

#[test]
fn live_usage_errors_exit_2_before_any_connection() {
    exits_2(&["live", "-t", "alerts"], "-b BROKERS (or --cluster NAME");
    exits_2(
        &[
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "--until",
            "end",
        ],
        "live has no end",
    );
    exits_2(
        &[
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "-X",
            "group.id=x",
        ],
        "group.id",
    );
    exits_2(
        &["live", "-b", "127.0.0.1:9", "-t", "alerts", "--window", "x"],
        "--window",
    );
    // No terminal: said before connecting (port 9 has no broker).
    exits_2(
        &[
            "live",
            "-b",
            "127.0.0.1:9",
            "-t",
            "alerts",
            "--timeout",
            "1s",
        ],
        "needs a terminal",
    );
}
