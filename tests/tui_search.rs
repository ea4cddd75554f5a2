//! The TUI's search by content: `:find EXPR` and `F` jump to the events a jq
//! expression selects, `:where EXPR` narrows the rows to entities with one;
//! `:find KIND` keeps picking the finding kind `n`/`N` stop at.

mod common;

use common::tui::{app_for, screen};
use kord::tui::{dispatch, Action};
use serde_json::Value;

/// Per event of the bundled alert-flap recording (arrival order): its
/// entity (the lens reads `/alert_id`) and its payload.
fn events() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string("recordings/alert-flap.jsonl").expect("recording");
    text.lines()
        .skip(1)
        .map(|l| {
            let r: Value = serde_json::from_str(l).expect("line");
            let p: Value =
                serde_json::from_str(r["payload"].as_str().expect("payload")).expect("json");
            (p["alert_id"].as_str().expect("id").to_string(), p)
        })
        .collect()
}

#[test]
fn find_and_f_walk_the_matching_events() {
    let evs = events();
    let resolved: Vec<usize> = evs
        .iter()
        .enumerate()
        .filter(|(_, (_, p))| p["status"] == "resolved")
        .map(|(i, _)| i)
        .collect();
    assert!(resolved.len() > 3);
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::Seek(0));
    dispatch(
        &mut app,
        Action::Command(r#"find .payload.status == "resolved""#.into()),
    );
    assert_eq!(app.cursor, resolved[0], "the first match after event 0");
    dispatch(&mut app, Action::FindContent);
    assert_eq!(app.cursor, resolved[1]);
    dispatch(&mut app, Action::FindContent);
    assert_eq!(app.cursor, resolved[2]);
    // From the last match, F wraps to the first.
    dispatch(&mut app, Action::Seek(*resolved.last().expect("some")));
    dispatch(&mut app, Action::FindContent);
    assert_eq!(app.cursor, resolved[0]);
    assert!(screen(&app).contains("from the start"), "{}", screen(&app));
    // No match: the cursor stays and the status says so.
    dispatch(
        &mut app,
        Action::Command("find .payload.status == \"nope\"".into()),
    );
    assert_eq!(app.cursor, resolved[0]);
    assert!(
        screen(&app).contains("no event matches"),
        "{}",
        screen(&app)
    );
    // A bad expression is an error on the status line, not a crash.
    dispatch(&mut app, Action::Command("find .payload.status ==".into()));
    assert!(screen(&app).contains("expected"), "{}", screen(&app));
    // A finding kind still sets what n/N stop at.
    dispatch(&mut app, Action::Command("find rejected".into()));
    assert!(
        screen(&app).contains("jumps stop at: rejected"),
        "{}",
        screen(&app)
    );
}

#[test]
fn f_with_no_expression_asks_for_one() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::FindContent);
    assert!(screen(&app).contains(":find "), "{}", screen(&app));
}

#[test]
fn where_narrows_rows_to_entities_with_a_match() {
    let evs = events();
    let mut want: Vec<String> = evs
        .iter()
        .filter(|(_, p)| p["alert_version"].as_i64() >= Some(9))
        .map(|(e, _)| e.clone())
        .collect();
    want.sort();
    want.dedup();
    let mut app = app_for("alert-flap", 120, 40);
    let all = app.rows.len();
    assert!(
        !want.is_empty() && want.len() < all,
        "{} of {all}",
        want.len()
    );
    dispatch(
        &mut app,
        Action::Command("where .payload.alert_version >= 9".into()),
    );
    let ds = app.ds.clone().expect("data");
    let mut got: Vec<String> = app
        .rows
        .iter()
        .map(|&e| ds.store.entities.name(e).to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
    dispatch(&mut app, Action::Command("where".into()));
    assert_eq!(app.rows.len(), all, "`:where` alone clears it");
}
