//! Live mode (`kord live`) driven without a terminal or a broker: the
//! source's events are fed to the app as the loop would feed them, rebuilds
//! run inline, and the screen is drawn on a `TestBackend`. (The real broker
//! is exercised by tests/kafka.rs and scripts/e2e-live.sh.)

mod common;
use common::tui::draw;

use kord::detect::lag::LagStatus;
use kord::model::{Record, RecordBuf};
use kord::source::kafka::group::{GroupMember, GroupPartition, GroupSnapshot};
use kord::source::kafka::live::SourceEvent;
use kord::source::kafka::reader::PartitionMarks;
use kord::source::synth::{generate_with, SynthParams};
use kord::source::{resolve_lens, LoadOptions};
use kord::tui::live::{LiveConn, LiveState};
use kord::tui::{dispatch, Action, App, Msg, Theme};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The alert-flap scenario's records and lens.
fn scenario(events: usize) -> (Vec<Record<'static>>, kord::model::Lens) {
    let s = generate_with(
        "alert-flap",
        &SynthParams {
            events: Some(events),
            partitions: None,
            entities: None,
            seed: 7,
        },
    )
    .unwrap();
    let lens = resolve_lens("test", Some(&s.header), &LoadOptions::default()).unwrap();
    (s.records, lens)
}

fn live_app(lens: kord::model::Lens, window: usize) -> App {
    let mut app = App::new(Theme::default(), "kafka://test/alerts");
    let mut state = LiveState::new("kafka://test/alerts".into(), lens, window, None);
    state.rebuild_every = Duration::ZERO;
    app.live = Some(state);
    dispatch(&mut app, Action::Resize(120, 40));
    app
}

/// Runs the rebuild the app asks for, inline; returns whether there was one.
fn rebuild(app: &mut App) -> bool {
    match app.take_live_job(Instant::now()) {
        Some(job) => {
            app.on_msg(Msg::Live(job.run()));
            true
        }
        None => false,
    }
}

/// Records as the live source sends them: packed in one buffer.
fn packed(recs: &[Record<'static>]) -> RecordBuf {
    let mut b = RecordBuf::default();
    recs.iter().for_each(|r| b.push(r));
    b
}

fn feed(app: &mut App, recs: &[Record<'static>]) {
    app.on_source(SourceEvent::Records(packed(recs)));
    assert!(rebuild(app), "records should make a rebuild due");
}

fn connected(partitions: u32) -> SourceEvent {
    SourceEvent::Connected {
        topic: "alerts".into(),
        partitions,
    }
}

#[test]
fn batches_append_and_the_cursor_follows_the_live_end() {
    let (recs, lens) = scenario(3000);
    let mut app = live_app(lens, 0);
    // Nothing to show before the source says anything.
    assert!(!rebuild(&mut app));
    app.on_source(connected(6));
    assert!(rebuild(&mut app), "connected: the (empty) grid opens");
    assert_eq!(app.len(), 0);
    assert!(app.ds.is_some());
    feed(&mut app, &recs[..1000]);
    assert_eq!(app.len(), 1000);
    assert_eq!(app.cursor, 999, "at the end: follow");
    feed(&mut app, &recs[1000..2500]);
    assert_eq!(app.len(), 2500);
    assert_eq!(app.cursor, 2499, "still following");
    // The events are the records, in arrival order, through the lens.
    let s = &app.ds.as_ref().unwrap().store;
    for i in [0, 999, 1000, 2499] {
        assert_eq!(s.offset[i], recs[i].offset);
        assert_eq!(s.partition[i] as i32, recs[i].partition);
        assert_eq!(s.entity_name(i), recs[i].key_name().unwrap());
    }
    assert!(
        s.version_of(0).is_some(),
        "the scenario's lens reads versions"
    );
    assert_eq!(app.live.as_ref().unwrap().received, 2500);
    // No new records: no rebuild.
    assert!(!rebuild(&mut app));
}

#[test]
fn a_user_who_moved_away_from_the_end_keeps_their_place() {
    let (recs, lens) = scenario(3000);
    let mut app = live_app(lens, 0);
    app.on_source(connected(6));
    feed(&mut app, &recs[..1000]);
    dispatch(&mut app, Action::Seek(10));
    assert_eq!(app.cursor, 10);
    let before = app.inspect.as_ref().map(|i| i.event);
    feed(&mut app, &recs[1000..2000]);
    assert_eq!(app.len(), 2000);
    assert_eq!(app.cursor, 10, "not at the end: the cursor stays");
    assert_eq!(app.inspect.as_ref().map(|i| i.event), before);
    // Back to the end: following again.
    dispatch(&mut app, Action::SeekEnd);
    feed(&mut app, &recs[2000..]);
    assert_eq!(app.cursor, recs.len() - 1);
}

#[test]
fn the_window_drops_the_oldest_events_and_shifts_the_cursor() {
    let (recs, lens) = scenario(3000);
    let mut app = live_app(lens, 500);
    app.on_source(connected(6));
    feed(&mut app, &recs[..400]);
    assert_eq!(app.len(), 400);
    dispatch(&mut app, Action::Seek(350));
    dispatch(&mut app, Action::ToggleBookmark);
    dispatch(&mut app, Action::Seek(300));
    feed(&mut app, &recs[400..700]);
    // 700 received, the window keeps the last 500: 200 dropped.
    assert_eq!(app.len(), 500);
    let s = &app.ds.as_ref().unwrap().store;
    assert_eq!(
        (s.partition[0] as i32, s.offset[0]),
        (recs[200].partition, recs[200].offset)
    );
    assert_eq!(app.cursor, 100, "the same event, 200 places earlier");
    assert!(app.playback.bookmarks.contains(&150), "bookmarks shift too");
    // A batch bigger than the window: only its last 500 are kept.
    feed(&mut app, &recs[700..]);
    let n = recs.len();
    assert!(n > 2900);
    assert_eq!(app.len(), 500);
    let s = &app.ds.as_ref().unwrap().store;
    let at = |i: usize| (s.partition[i] as i32, s.offset[i]);
    assert_eq!(at(499), (recs[n - 1].partition, recs[n - 1].offset));
    assert_eq!(at(0), (recs[n - 500].partition, recs[n - 500].offset));
    assert_eq!(
        app.cursor, 0,
        "the cursor's event was dropped: the oldest kept"
    );
    let live = app.live.as_ref().unwrap();
    assert_eq!(live.received, n as u64);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("window 500"), "{screen}");
    assert!(screen.contains("3.0k received"), "{screen}");
}

#[test]
fn disconnected_shows_and_keeps_what_was_loaded() {
    let (recs, lens) = scenario(2000);
    let mut app = live_app(lens, 0);
    app.on_source(connected(6));
    feed(&mut app, &recs[..1500]);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("● connected"), "{screen}");
    app.on_source(SourceEvent::Disconnected {
        reason: "broker 127.0.0.1:9 down".into(),
    });
    assert_eq!(
        app.live.as_ref().unwrap().conn,
        LiveConn::Disconnected("broker 127.0.0.1:9 down".into())
    );
    assert!(!rebuild(&mut app), "nothing new to rebuild");
    assert_eq!(app.len(), 1500);
    let screen = draw(&app, 160, 40);
    assert!(
        screen.contains("disconnected: broker 127.0.0.1:9 down"),
        "{screen}"
    );
    assert!(screen.contains("1.5k events"), "{screen}");
    // Still browsable.
    dispatch(&mut app, Action::SeekStart);
    dispatch(&mut app, Action::Step(5));
    assert_eq!(app.cursor, 5);
    // Back: more records arrive and append; the user is not at the end.
    app.on_source(connected(6));
    assert_eq!(
        app.status.as_ref().map(|(s, _)| s.as_str()),
        Some("connected again: reading resumes")
    );
    feed(&mut app, &recs[1500..]);
    assert_eq!(app.len(), recs.len());
    assert_eq!(app.cursor, 5);
    assert_eq!(app.live.as_ref().unwrap().conn, LiveConn::Connected);
    // An error stops the source; the data stays.
    app.on_source(SourceEvent::Error("gone for good".into()));
    let screen = draw(&app, 160, 40);
    assert!(screen.contains("stopped: gone for good"), "{screen}");
    assert_eq!(app.len(), recs.len());
}

#[test]
fn new_partitions_appear_as_columns() {
    let (recs, lens) = scenario(2000);
    let mut app = live_app(lens, 0);
    app.on_source(connected(6));
    feed(&mut app, &recs[..500]);
    assert_eq!(app.ds.as_ref().unwrap().store.partitions, 6);
    app.on_source(SourceEvent::NewPartitions(vec![6, 7]));
    assert!(rebuild(&mut app), "new partitions rebuild without records");
    assert_eq!(app.ds.as_ref().unwrap().store.partitions, 8);
    assert_eq!(app.len(), 500);
    dispatch(&mut app, Action::LastColumn);
    assert_eq!(app.viewport.sel_col, 7);
    let screen = draw(&app, 200, 40);
    assert!(screen.contains("p7"), "{screen}");
    assert!(screen.contains("8 partitions"), "{screen}");
}

#[test]
fn rebuilds_are_throttled_and_one_at_a_time() {
    let (recs, lens) = scenario(1000);
    let mut app = live_app(lens, 0);
    app.live.as_mut().unwrap().rebuild_every = Duration::from_secs(1);
    app.on_source(connected(6));
    app.on_source(SourceEvent::Records(packed(&recs[..100])));
    let t0 = Instant::now();
    let job = app.take_live_job(t0).expect("the first rebuild is due");
    app.on_source(SourceEvent::Records(packed(&recs[100..200])));
    assert!(
        app.take_live_job(t0 + Duration::from_secs(5)).is_none(),
        "one in flight"
    );
    app.on_msg(Msg::Live(job.run()));
    assert_eq!(app.len(), 100);
    assert!(app.take_live_job(t0 + Duration::from_millis(500)).is_none());
    let job = app
        .take_live_job(t0 + Duration::from_millis(1100))
        .expect("a second later");
    app.on_msg(Msg::Live(job.run()));
    assert_eq!(app.len(), 200);
}

#[test]
fn watermarks_rate_and_own_lag_are_on_screen() {
    let (recs, lens) = scenario(1000);
    let mut app = live_app(lens, 0);
    app.on_source(connected(6));
    feed(&mut app, &recs);
    let marks = (0..6)
        .map(|p| PartitionMarks {
            partition: p,
            low: 0,
            high: 300,
            position: if p == 2 { 120 } else { 300 },
        })
        .collect();
    app.on_source(SourceEvent::Watermarks {
        marks,
        events_per_sec: 1234.0,
        pending: 0,
    });
    dispatch(&mut app, Action::FirstColumn);
    let screen = draw(&app, 160, 40);
    assert!(screen.contains("1.2k ev/s"), "{screen}");
    assert!(screen.contains("lag 180"), "{screen}");
    assert!(screen.contains("kord lag"), "{screen}");
    assert!(screen.contains("L180"), "{screen}");
    assert!(screen.contains("wm p0 0-300"), "{screen}");
}

#[test]
fn the_observed_group_shows_in_the_consumers_panel() {
    let (recs, lens) = scenario(1000);
    let mut app = live_app(lens, 0);
    app.on_source(connected(6));
    feed(&mut app, &recs);
    let mut assignment = BTreeMap::new();
    assignment.insert("alerts".to_string(), vec![0, 1, 2]);
    let g = GroupSnapshot {
        group: "billing".into(),
        state: "Stable".into(),
        protocol: "range".into(),
        members: vec![GroupMember {
            member_id: "m-1".into(),
            client_id: "billing-worker-1".into(),
            client_host: "/10.0.0.7".into(),
            assignment,
        }],
        partitions: (0..6)
            .map(|p| GroupPartition {
                partition: p,
                committed: Some(10),
                high: 300,
                lag: Some(290),
                owner: (p < 3).then(|| "billing-worker-1".to_string()),
                status: if p < 3 {
                    LagStatus::Stall
                } else {
                    LagStatus::Stop
                },
            })
            .collect(),
        status: LagStatus::Stop,
        at_ms: 0,
    };
    app.on_source(SourceEvent::Group(g));
    dispatch(&mut app, Action::ToggleConsumers);
    let screen = draw(&app, 160, 50);
    assert!(screen.contains("observed group \"billing\""), "{screen}");
    assert!(screen.contains("billing-worker-1"), "{screen}");
    assert!(screen.contains("alerts[p0,p1,p2]"), "{screen}");
    assert!(screen.contains("p4 @10 lag 290 STOP"), "{screen}");
    assert!(screen.contains("group lag"), "{screen}");
    assert!(screen.contains("290 STALL"), "{screen}");
    // The simulated assignment is still there.
    assert!(screen.contains("consumers:"), "{screen}");
}
