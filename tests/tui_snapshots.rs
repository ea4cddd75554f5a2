//! Snapshots of the main screens on the bundled recordings (TestBackend +
//! insta): grid, inspector, help, compare, consumers, too-small.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

mod common;
use common::tui::{app_for, consumers_join_at, run_jobs, screen};

use kord::tui::{dispatch, Action, App};

/// The alert-flap seed trace: v1 applied, v3 rejected (the gap), v2 applied.
fn at_seed_rejection(w: u16, h: u16) -> App {
    let mut app = app_for("alert-flap", w, h);
    dispatch(&mut app, Action::Command("find rejected".into()));
    dispatch(&mut app, Action::NextFinding);
    app
}

#[test]
fn grid_alert_flap_120x40() {
    let mut app = at_seed_rejection(120, 40);
    dispatch(&mut app, Action::Step(10));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn grid_alert_flap_80x24() {
    let app = at_seed_rejection(80, 24);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn inspector_rejected_v3_200x60() {
    let app = at_seed_rejection(200, 60);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn buffered_releases_v3_120x40() {
    let mut app = at_seed_rejection(120, 40);
    dispatch(&mut app, Action::Command("strategy buffered".into()));
    run_jobs(&mut app);
    let v3 = app.cursor;
    let released = app.view.as_ref().unwrap().later_at[v3] as usize;
    dispatch(&mut app, Action::Seek(released));
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_120x40() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::ToggleHelp);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn help_80x24() {
    let mut app = app_for("alert-flap", 80, 24);
    dispatch(&mut app, Action::ToggleHelp);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn compare_alert_flap_120x40() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::ToggleCompare);
    run_jobs(&mut app);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn slow_consumer_hol_with_consumers_panel() {
    let mut app = app_for("slow-consumer", 140, 40);
    dispatch(&mut app, Action::Command("strategy sequential".into()));
    run_jobs(&mut app);
    dispatch(&mut app, Action::Command("find hol_blocking".into()));
    dispatch(&mut app, Action::NextFinding);
    dispatch(&mut app, Action::ToggleConsumers);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn hot_key_end_of_stream() {
    let mut app = app_for("hot-key", 120, 30);
    dispatch(&mut app, Action::SeekEnd);
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn too_small() {
    let mut app = app_for("alert-flap", 50, 12);
    dispatch(&mut app, Action::Step(1));
    insta::assert_snapshot!(screen(&app));
}

/// The consumers panel of the speaker's demo: two consumers joined at #1000
/// (two idle members, the hot partition still on one), then the composite-key
/// what-if beside the recorded layout.
#[test]
fn hot_key_consumers_panel_then_composite_key() {
    let mut app = app_for("hot-key", 140, 44);
    dispatch(&mut app, Action::ToggleConsumers);
    consumers_join_at(&mut app, 1000, 2);
    dispatch(&mut app, Action::Seek(3000));
    insta::assert_snapshot!("hot_key_two_consumers_joined", screen(&app));
    dispatch(&mut app, Action::NextWhatIf);
    run_jobs(&mut app);
    insta::assert_snapshot!("hot_key_composite_key_what_if", screen(&app));
}
