//! The TUI driven through its actions, without a terminal: step, seek,
//! jump to findings, switch strategy, filter, and the invariants the views
//! rely on (the compact log matches the engine's log; snapshots + bounded
//! replay give the same state as a replay from the start).

mod common;
use common::tui::{app_for, draw, run_jobs};

use kord::engine::run_strategy;
use kord::model::Outcome;
use kord::source::{load_recording, LoadOptions};
use kord::strategy::{Decision, Runner, StrategyKind};
use kord::tui::app::{Overlay, Prompt};
use kord::tui::{dispatch, prepare, Action, App, Theme};
use std::sync::Arc;

#[test]
fn steps_and_seeks() {
    let mut app = app_for("alert-flap", 120, 40);
    let n = app.len();
    assert!(n > 1000);
    assert_eq!(app.cursor, 0);
    dispatch(&mut app, Action::Step(1));
    dispatch(&mut app, Action::Step(1));
    assert_eq!(app.cursor, 2);
    assert_eq!(app.inspect.as_ref().unwrap().event, 2);
    dispatch(&mut app, Action::Step(-5));
    assert_eq!(app.cursor, 0);
    dispatch(&mut app, Action::Seek(1234));
    assert_eq!(app.cursor, 1234);
    dispatch(&mut app, Action::SeekEnd);
    assert_eq!(app.cursor, n - 1);
    dispatch(&mut app, Action::Seek(usize::MAX));
    assert_eq!(app.cursor, n - 1);
    dispatch(&mut app, Action::Command("goto 42".into()));
    assert_eq!(app.cursor, 42);
    // The cursor event's row and column are selected.
    let ds = app.ds.clone().unwrap();
    let e = ds.store.entity[42];
    assert_eq!(app.rows[app.viewport.sel_row], e);
    assert_eq!(app.viewport.sel_col, ds.store.partition[42] as usize);
}

#[test]
fn seek_by_time() {
    let mut app = app_for("alert-flap", 120, 40);
    let ds = app.ds.clone().unwrap();
    let target = ds.store.arrival[500];
    dispatch(&mut app, Action::SeekTime(target));
    assert_eq!(ds.store.arrival[app.cursor], target);
    assert!(app.cursor == 0 || ds.store.arrival[app.cursor - 1] < target);
    let t = kord::strategy::fmt_ms(ds.store.arrival[1000]);
    dispatch(&mut app, Action::Command(format!("time {t}")));
    assert_eq!(ds.store.arrival[app.cursor], ds.store.arrival[1000]);
    dispatch(&mut app, Action::Command("time nonsense".into()));
    assert!(app.status.as_ref().unwrap().1, "an error is shown");
}

#[test]
fn jump_to_findings_finds_the_seed_rejection() {
    let mut app = app_for("alert-flap", 120, 40);
    assert_eq!(app.strategy, StrategyKind::Versioned);
    dispatch(&mut app, Action::Command("find rejected".into()));
    dispatch(&mut app, Action::NextFinding);
    let i = app.inspect.clone().unwrap();
    assert_eq!(i.entity, "alert-0001", "the seed trace comes first");
    let d = i.decisions.last().unwrap();
    assert_eq!(d.outcome, Outcome::Rejected);
    assert_eq!(d.reason, "gap: expected version 2, got 3");
    assert!(i.findings.iter().any(|(k, _)| k == "version_gap"));
    let first = app.cursor;
    dispatch(&mut app, Action::NextFinding);
    assert!(app.cursor > first);
    dispatch(&mut app, Action::PrevFinding);
    assert_eq!(app.cursor, first);
    // Any kind again: the first finding after the start.
    dispatch(&mut app, Action::Command("find all".into()));
    dispatch(&mut app, Action::SeekStart);
    dispatch(&mut app, Action::NextFinding);
    let m = &app.view.as_ref().unwrap().markers;
    assert_eq!(app.cursor, m.iter().find(|m| m.at > 0).unwrap().at as usize);
}

#[test]
fn switching_to_buffered_holds_and_releases_v3() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::Command("find rejected".into()));
    dispatch(&mut app, Action::NextFinding);
    let v3 = app.cursor;
    dispatch(&mut app, Action::Command("strategy buffered".into()));
    assert_eq!(app.pending, Some(StrategyKind::Buffered));
    assert_eq!(app.jobs.len(), 1, "the strategy runs off the loop");
    run_jobs(&mut app);
    assert_eq!(app.strategy, StrategyKind::Buffered);
    assert_eq!(app.pending, None);
    let view = app.view.clone().unwrap();
    assert_eq!(view.outcome_at(v3, v3), Some(Outcome::Buffered));
    let released_at = view.later_at[v3] as usize;
    assert!(released_at > v3);
    assert_eq!(view.outcome_at(v3, released_at), Some(Outcome::Released));
    // At the release, the inspector of v2 says it released v3.
    dispatch(&mut app, Action::Seek(released_at));
    let i = app.inspect.clone().unwrap();
    assert!(i
        .caused
        .iter()
        .any(|(e, d)| *e as usize == v3 && d.outcome == Outcome::Released));
    // And the screen shows the hold then the release.
    dispatch(&mut app, Action::Seek(v3));
    assert!(draw(&app, 120, 40).contains("buffered"));
    // Cycling strategies with the key wraps around the list.
    let k = app.ds.as_ref().unwrap().strategies.len();
    for _ in 0..k {
        dispatch(&mut app, Action::NextStrategy);
    }
    run_jobs(&mut app);
    assert_eq!(app.strategy, StrategyKind::Buffered);
}

#[test]
fn stale_strategy_results_are_ignored() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Lww));
    let first = app.jobs.pop().unwrap();
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Buffered));
    let msg = first.run(app.ds.as_ref().unwrap());
    app.on_msg(msg);
    assert_eq!(
        app.strategy,
        StrategyKind::Versioned,
        "only the latest request counts"
    );
    run_jobs(&mut app);
    assert_eq!(app.strategy, StrategyKind::Buffered);
}

#[test]
fn filter_rows() {
    let mut app = app_for("alert-flap", 120, 40);
    let all = app.rows.len();
    dispatch(&mut app, Action::StartFilter);
    for c in "alert-001".chars() {
        dispatch(&mut app, Action::Input(c));
    }
    assert!(matches!(app.prompt, Prompt::Filter(_)));
    let ds = app.ds.clone().unwrap();
    assert!(!app.rows.is_empty() && app.rows.len() < all);
    assert!(app
        .rows
        .iter()
        .all(|&e| ds.store.entities.name(e).contains("alert-001")));
    dispatch(&mut app, Action::Submit);
    assert_eq!(app.prompt, Prompt::None);
    assert_eq!(app.filter, "alert-001");
    dispatch(&mut app, Action::Cancel);
    assert_eq!(app.rows.len(), all);
    dispatch(&mut app, Action::Command("filter nothing-matches".into()));
    assert!(app.rows.is_empty());
    assert!(draw(&app, 120, 40).contains("no entity matches"));
    dispatch(&mut app, Action::SetFilter(String::new()));
    dispatch(&mut app, Action::CycleSort);
    assert_eq!(app.rows.len(), all);
}

#[test]
fn compare_runs_every_strategy() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::ToggleCompare);
    assert_eq!(app.overlay, Overlay::Compare);
    assert!(app.compare_pending);
    run_jobs(&mut app);
    let c = app.compare.clone().unwrap();
    assert_eq!(c.rows.len(), app.ds.as_ref().unwrap().strategies.len());
    let versioned = c
        .rows
        .iter()
        .find(|r| r.kind == StrategyKind::Versioned)
        .unwrap();
    assert!(versioned.lost > 0);
    let lww = c.rows.iter().find(|r| r.kind == StrategyKind::Lww).unwrap();
    assert_eq!(lww.diverged, 0, "lww is order-independent");
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("advisor"));
    dispatch(&mut app, Action::Cancel);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn the_compare_view_shows_the_reports_numbers_and_advice() {
    // The view reuses the dataset's stream findings and runs only the
    // strategies; what it shows must be what `kord analyze --compare` says.
    for name in [
        "alert-flap",
        "order-lifecycle",
        "slow-consumer",
        "clock-skew",
    ] {
        let mut app = app_for(name, 120, 40);
        dispatch(&mut app, Action::ToggleCompare);
        run_jobs(&mut app);
        let c = app.compare.clone().unwrap();
        let ds = app.ds.clone().unwrap();
        let opts = kord::engine::Options {
            strategies: ds.strategies.clone(),
            consumers: None,
            max_findings: 10,
            keep_states: false,
            pictures: false,
        };
        let a = kord::engine::analyze(&ds.store, &ds.lens, &opts);
        let advice = kord::report::advisor::advise(
            &kord::detect::StreamFacts::of(&ds.store),
            ds.store.entity_count(),
            &a.stream.counts,
            &a.runs,
        );
        assert_eq!(c.advice, advice, "{name}");
        assert_eq!(c.rows.len(), a.runs.len(), "{name}");
        for (row, run) in c.rows.iter().zip(&a.runs) {
            assert_eq!(row.kind, run.kind, "{name}");
            assert_eq!(row.counts, run.counts, "{name} {}", run.kind);
            assert_eq!(
                row.diverged,
                run.diverged.len() as u64,
                "{name} {}",
                run.kind
            );
            assert_eq!(
                (row.hol_blocked, row.max_wait_ms, row.p99_wait_ms),
                (
                    run.hol.blocked_events,
                    run.hol.max_wait_ms,
                    run.hol.p99_wait_ms
                ),
                "{name} {}",
                run.kind
            );
        }
    }
}

#[test]
fn compact_log_matches_the_engine_log() {
    let app = app_for("alert-flap", 120, 40);
    let ds = app.ds.clone().unwrap();
    for kind in [
        StrategyKind::Versioned,
        StrategyKind::Buffered,
        StrategyKind::Lww,
    ] {
        let view = kord::tui::StrategyView::build(&ds, kind, None);
        let mut log: Vec<Decision> = Vec::new();
        run_strategy(&ds.store, &ds.lens, kind, &mut |d| log.push(d));
        // The outcome of e as of c is its last entry with at <= c.
        for d in &log {
            assert_eq!(
                view.outcome_at(d.event as usize, d.at as usize),
                Some(d.outcome),
                "{kind} event {} at {}",
                d.event,
                d.at
            );
        }
    }
}

#[test]
fn snapshot_seek_equals_replay_from_the_start() {
    let app = app_for("order-lifecycle", 120, 40);
    let ds = app.ds.clone().unwrap();
    let view = app.view.clone().unwrap();
    let store = &ds.store;
    let rule: Arc<dyn kord::strategy::Rule> =
        Arc::from(kord::strategy::rule_for(view.kind, &ds.lens, store));
    let mut full = Runner::new(rule, ds.lens.buffer_timeout_ms);
    let checkpoints = [0usize, 1, 2047, 2048, 2049, store.len() - 1];
    let mut next = 0;
    for i in 0..store.len() {
        full.step(store, i, &mut |_| {});
        if checkpoints.get(next) == Some(&i) {
            let seeked = view.runner_after(store, i).unwrap();
            assert_eq!(seeked.states(), full.states(), "state after #{i}");
            next += 1;
        }
    }
}

#[test]
fn overlays_bookmarks_and_consumers() {
    let mut app = app_for("slow-consumer", 120, 40);
    dispatch(&mut app, Action::ToggleHelp);
    assert_eq!(app.overlay, Overlay::Help);
    dispatch(&mut app, Action::ToggleHelp);
    assert_eq!(app.overlay, Overlay::None);
    dispatch(&mut app, Action::Seek(10));
    dispatch(&mut app, Action::ToggleBookmark);
    dispatch(&mut app, Action::Seek(100));
    dispatch(&mut app, Action::ToggleBookmark);
    dispatch(&mut app, Action::SeekStart);
    dispatch(&mut app, Action::NextBookmark);
    assert_eq!(app.cursor, 10);
    dispatch(&mut app, Action::NextBookmark);
    assert_eq!(app.cursor, 100);
    dispatch(&mut app, Action::PrevBookmark);
    assert_eq!(app.cursor, 10);
    dispatch(&mut app, Action::SetStrategy(StrategyKind::Partitioned));
    run_jobs(&mut app);
    let before = app.view.as_ref().unwrap().sim.consumers as usize;
    dispatch(&mut app, Action::ToggleConsumers);
    dispatch(&mut app, Action::AddConsumer);
    run_jobs(&mut app);
    let gen = app.view.as_ref().unwrap().sim.generation_at(app.cursor);
    assert_eq!(gen.unwrap().members.len(), before + 1);
    assert!(draw(&app, 120, 40).contains("consumers:"));
}

#[test]
fn playback_advances_and_stops_at_the_end() {
    let mut app = app_for("alert-flap", 120, 40);
    dispatch(&mut app, Action::Command("speed 100".into()));
    dispatch(&mut app, Action::TogglePlay);
    assert!(app.playback.playing);
    dispatch(&mut app, Action::Tick(1000));
    assert_eq!(app.cursor, 100);
    dispatch(&mut app, Action::Tick(1_000_000));
    assert_eq!(app.cursor, app.len() - 1);
    assert!(!app.playback.playing);
}

#[test]
fn drawing_never_panics_at_any_size_or_state() {
    let mut app = app_for("hot-key", 120, 40);
    let sizes = [
        (1, 1),
        (20, 5),
        (59, 15),
        (60, 16),
        (80, 24),
        (133, 41),
        (200, 60),
    ];
    let actions = [
        Action::Step(0),
        Action::ToggleHelp,
        Action::ToggleHelp,
        Action::ToggleCompare,
        Action::ToggleCompare,
        Action::ToggleConsumers,
        Action::ToggleInspector,
        Action::SeekEnd,
        Action::LastColumn,
        Action::Bottom,
        Action::StartCommand,
        Action::Input('x'),
        Action::Cancel,
    ];
    for a in actions {
        dispatch(&mut app, a);
        run_jobs(&mut app);
        for (w, h) in sizes {
            dispatch(&mut app, Action::Resize(w, h));
            let _ = draw(&app, w, h);
        }
    }
}

#[test]
fn an_empty_recording_opens() {
    let f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    let loaded = load_recording(f.path(), &LoadOptions::default(), &mut |_, _| {}).unwrap();
    let (ds, view) = prepare(loaded, "empty".into(), None, None);
    let mut app = App::with_data(Theme::default(), ds, view);
    for a in [
        Action::Step(1),
        Action::NextFinding,
        Action::SeekEnd,
        Action::Rows(1),
        Action::TogglePlay,
        Action::Tick(100),
    ] {
        dispatch(&mut app, a);
    }
    assert!(draw(&app, 80, 24).contains("no entities"));
}

#[test]
fn keys_map_to_actions() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut app = app_for("alert-flap", 120, 40);
    let k = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(
        kord::tui::keys::map_key(&app, k('.')),
        Some(Action::Step(1))
    );
    assert_eq!(
        kord::tui::keys::map_key(&app, k('n')),
        Some(Action::NextFinding)
    );
    assert_eq!(
        kord::tui::keys::map_key(&app, k('?')),
        Some(Action::ToggleHelp)
    );
    assert_eq!(kord::tui::keys::map_key(&app, k('q')), Some(Action::Quit));
    assert_eq!(
        kord::tui::keys::map_key(
            &app,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Action::Quit)
    );
    dispatch(&mut app, Action::StartCommand);
    assert_eq!(
        kord::tui::keys::map_key(&app, k('q')),
        Some(Action::Input('q'))
    );
}

#[test]
fn per_entity_inspection_matches_the_full_run() {
    for name in ["alert-flap", "order-lifecycle", "retry-reorder"] {
        let app = app_for(name, 120, 40);
        let ds = app.ds.clone().unwrap();
        let store = &ds.store;
        for kind in [
            StrategyKind::Versioned,
            StrategyKind::Buffered,
            StrategyKind::StateMachine,
            StrategyKind::Lww,
        ] {
            let view = kord::tui::StrategyView::build(&ds, kind, None);
            let n = store.len();
            for e in (0..n).step_by(37) {
                for c in [e, (e + 5).min(n - 1), (e + 400).min(n - 1), n - 1] {
                    let (mut about, mut caused, state) = view.inspect(&ds, e, c);
                    let all = view.decisions_of(store, e, c);
                    let (mut a2, mut c2): (Vec<Decision>, Vec<Decision>) =
                        all.into_iter().partition(|d| d.event as usize == e);
                    let key = |d: &Decision| (d.at, d.event, d.outcome);
                    about.sort_by_key(key);
                    a2.sort_by_key(key);
                    caused.sort_by_key(key);
                    c2.sort_by_key(key);
                    assert_eq!(about, a2, "{name} {kind} about #{e} at {c}");
                    assert_eq!(caused, c2, "{name} {kind} caused by #{e} at {c}");
                    let ent = store.entity[e];
                    if ent != kord::model::NONE {
                        assert_eq!(
                            state,
                            view.state_after(store, ent, c),
                            "{name} {kind} state of #{e} at {c}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_inspector_reads_records_from_an_uncompressed_file() {
    let source = kord::tui::Source::File("recordings/alert-flap.jsonl".into());
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let (loaded, raw) = kord::tui::load(&source, &opts, &mut |_, _| {}).unwrap();
    assert!(loaded.store.raw.is_none(), "records stay in the file");
    let (ds, view) = kord::tui::prepare_with(loaded, "f".into(), None, None, raw);
    let mut app = App::with_data(Theme::default(), ds, view);
    dispatch(&mut app, Action::Seek(5));
    let i = app.inspect.clone().unwrap();
    assert!(
        i.payload.iter().any(|l| l.contains("\"alert_id\"")),
        "{:?}",
        i.payload
    );
    let ds = app.ds.clone().unwrap();
    let entity = ds.store.entity_name(5).to_string();
    assert!(i.payload.iter().any(|l| l.contains(&entity)));
}

#[test]
fn line_numbers_hold_when_a_big_file_loads_in_parallel() {
    // Over 8 MiB and plain: the loader splits it between threads.
    let s = kord::source::synth::generate_with(
        "alert-flap",
        &kord::source::synth::SynthParams {
            events: Some(40_000),
            partitions: None,
            entities: None,
            seed: 3,
        },
    )
    .unwrap();
    let mut f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    kord::source::synth::write_recording(&s, &mut f).unwrap();
    assert!(f.as_file().metadata().unwrap().len() > 8 << 20);
    std::env::set_var("KORD_THREADS", "3");
    let source = kord::tui::Source::File(f.path().to_path_buf());
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let (loaded, raw) = kord::tui::load(&source, &opts, &mut |_, _| {}).unwrap();
    let (ds, _) = kord::tui::prepare_with(loaded, "f".into(), None, None, raw);
    for i in (0..ds.len()).step_by(997).chain([ds.len() - 1]) {
        let bytes = ds.raw_record(i).unwrap();
        let rec = kord::source::recording::parse_record(&bytes).unwrap();
        assert_eq!(rec.offset, ds.store.offset[i], "event {i}");
        assert_eq!(rec.partition as u32, ds.store.partition[i], "event {i}");
    }
}

#[test]
fn a_click_is_an_action_that_selects_seeks_or_closes() {
    use kord::tui::layout::{self, HEADER_H};
    let mut app = app_for("alert-flap", 120, 40);
    let a = layout::screen(&app);
    let g = layout::geometry(a.grid);
    // The second row shown, the third column shown.
    let (x, y) = (
        a.grid.x + g.label_w + 2 * g.col_w + 1,
        a.grid.y + HEADER_H + 1,
    );
    let click = layout::click(&app, x, y);
    assert_eq!(
        click,
        Some(Action::SelectCell {
            row: Some(app.viewport.top_row + 1),
            column: Some(2)
        })
    );
    dispatch(&mut app, Action::Click(x, y));
    assert_eq!(app.viewport.sel_row, app.viewport.top_row + 1);
    assert_eq!(app.viewport.sel_col, app.viewport.left_col + 2);
    // The timeline's last column is the last event.
    let end = a.timeline.x + a.timeline.width - 1;
    dispatch(&mut app, Action::Click(end, a.timeline.y + 1));
    assert_eq!(app.cursor, app.len() - 1);
    // With an overlay open, a click closes it and changes nothing else.
    dispatch(&mut app, Action::ToggleHelp);
    assert_eq!(layout::click(&app, x, y), Some(Action::CloseOverlay));
    dispatch(&mut app, Action::Click(x, y));
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.cursor, app.len() - 1);
}

/// `prepare` runs the first view's simulation beside the stream detectors:
/// the dataset and the view are what building them one after the other
/// gives, for every bundled recording, strategy offered and consumer count.
#[test]
fn prepare_matches_the_dataset_and_view_built_in_turn() {
    use kord::tui::{Dataset, StrategyView};
    let mut checked = 0;
    for entry in std::fs::read_dir("recordings").unwrap() {
        let path = entry.unwrap().path();
        let load = || load_recording(&path, &LoadOptions::default(), &mut |_, _| {}).unwrap();
        let first = load();
        let kinds = StrategyKind::all_for(&first.lens);
        for (kind, consumers) in kinds
            .iter()
            .map(|&k| (Some(k), None))
            .chain([(None, Some(3))])
        {
            let (ds, view) = prepare(load(), "r".into(), kind, consumers);
            let l = load();
            let note = l.header.and_then(|h| h.note);
            let seq = Dataset::build(l.store, l.lens, note, "r".into(), consumers);
            let k = kind.unwrap_or(seq.default_strategy);
            let seq_view = StrategyView::build(&seq, k, consumers);
            let at = format!("{} {kind:?} {consumers:?}", path.display());
            assert_eq!(ds.marks, seq.marks, "{at}");
            assert_eq!(ds.stream_markers, seq.stream_markers, "{at}");
            assert_eq!(ds.stream_counts, seq.stream_counts, "{at}");
            assert_eq!(ds.ent_events, seq.ent_events, "{at}");
            assert_eq!(ds.part_events, seq.part_events, "{at}");
            assert_eq!(view.kind, seq_view.kind, "{at}");
            assert_eq!(view.first, seq_view.first, "{at}");
            assert_eq!(view.later, seq_view.later, "{at}");
            assert_eq!(view.counts, seq_view.counts, "{at}");
            assert_eq!(view.markers, seq_view.markers, "{at}");
            assert_eq!(view.ent_losses, seq_view.ent_losses, "{at}");
            let (a, b) = (&view.sim, &seq_view.sim);
            assert_eq!((a.delivery, a.consumers), (b.delivery, b.consumers), "{at}");
            assert_eq!(a.sim.wait, b.sim.wait, "{at}");
            assert_eq!(a.sim.blocks, b.sim.blocks, "{at}");
            assert_eq!(a.sim.owner, b.sim.owner, "{at}");
            checked += 1;
        }
    }
    assert!(checked >= 9 * 2, "only {checked} cases");
}
