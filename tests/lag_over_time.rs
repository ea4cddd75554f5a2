//! Lag over time in `kord live`: the consumers panel's sparklines, trend and
//! time lag. First driven through the live source's events (as the UI loop
//! hands them over), then against a real broker (tansu, started by
//! scripts/test.sh) with groups made by an independent client.

mod common;

use kord::detect::lag::LagStatus;
use kord::model::record::{Payload, Record};
use kord::source::kafka::group::{GroupPartition, GroupSnapshot};
use kord::source::kafka::live::SourceEvent;
use kord::tui::live::LiveState;
use kord::tui::{dispatch, Action, App, Theme};
use std::borrow::Cow;

fn app_with_group(g: &str) -> App {
    let mut app = App::new(Theme::default(), "kafka://b/t");
    app.live = Some(LiveState::new(
        "kafka://b/t".into(),
        kord::model::Lens::default(),
        0,
        Some(g.into()),
    ));
    dispatch(&mut app, Action::Resize(180, 60));
    dispatch(&mut app, Action::ToggleConsumers);
    app
}

fn snapshot(at_ms: i64, parts: &[(i32, i64, i64)]) -> SourceEvent {
    SourceEvent::Group(GroupSnapshot {
        group: "g".into(),
        state: "Stable".into(),
        protocol: "range".into(),
        members: vec![],
        partitions: parts
            .iter()
            .map(|&(p, committed, high)| GroupPartition {
                partition: p,
                committed: Some(committed),
                high,
                lag: Some(high - committed),
                owner: None,
                status: LagStatus::Ok,
            })
            .collect(),
        status: LagStatus::Ok,
        at_ms,
    })
}

fn records(p: i32, offsets: std::ops::Range<i64>, ts0: i64) -> SourceEvent {
    SourceEvent::Records(
        offsets
            .map(|o| Record {
                topic: Some(Cow::Borrowed("t")),
                partition: p,
                offset: o,
                ts: Some(ts0 + o * 10),
                headers: vec![],
                key: Payload::Text(Cow::Owned(format!("k{o}"))),
                payload: Payload::Text(Cow::Borrowed("{}")),
            })
            .collect(),
    )
}

/// Builds the view from the records received, as the UI loop's worker does.
fn build_view(app: &mut App) {
    let job = app
        .take_live_job(std::time::Instant::now())
        .expect("a rebuild is due");
    app.on_msg(kord::tui::Msg::Live(job.run()));
    assert!(app.ds.is_some());
}

fn screen(app: &App) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(180, 60)).unwrap();
    term.draw(|f| kord::tui::ui::draw(f, app)).unwrap();
    term.backend().to_string()
}

#[test]
fn a_group_that_stops_committing_grows_and_ages() {
    let mut app = app_with_group("g");
    // kord read offsets 0..2000 of p0, written 10 ms apart from t0.
    let t0 = 1_700_000_000_000i64;
    app.on_source(records(0, 0..2000, t0));
    build_view(&mut app);
    // The group stays at offset 100 while the topic grows by 100 a second.
    for k in 0..10i64 {
        app.on_source(snapshot(
            t0 + 20_000 + k * 1000,
            &[(0, 100, 1000 + k * 100)],
        ));
    }
    let lag = &app.live.as_ref().unwrap().lag;
    match lag.group_total.trend() {
        kord::detect::lag_trend::Trend::Growing { per_s } => {
            assert!((per_s - 100.0).abs() < 1.0, "{per_s}")
        }
        t => panic!("{t:?}"),
    }
    // The oldest uncommitted record (offset 100) was written at t0 + 1 s.
    let ages: Vec<i64> = lag.time_lag_max.points().map(|p| p.1).collect();
    assert_eq!(ages.first(), Some(&19_000));
    assert_eq!(ages.last(), Some(&28_000));
    let s = screen(&app);
    assert!(s.contains("lag over time"), "{s}");
    assert!(s.contains("growing +100/s"), "{s}");
    assert!(s.contains("oldest uncommitted 28 s"), "{s}");
    assert!(s.contains("age 28 s"), "{s}");
}

#[test]
fn a_group_that_catches_up_shrinks_with_an_estimate() {
    let mut app = app_with_group("g");
    let t0 = 1_700_000_000_000i64;
    app.on_source(records(0, 0..2000, t0));
    build_view(&mut app);
    // The topic stands at 2000; the group commits 150 more a second.
    for k in 0..8i64 {
        app.on_source(snapshot(
            t0 + 30_000 + k * 1000,
            &[(0, 200 + k * 150, 2000)],
        ));
    }
    let lag = &app.live.as_ref().unwrap().lag;
    // 2000 - 1250 = 750 left at 150/s: 5 s.
    match lag.group_total.trend() {
        kord::detect::lag_trend::Trend::Shrinking { per_s, eta_ms } => {
            assert!((per_s - 150.0).abs() < 0.01, "{per_s}");
            assert_eq!(eta_ms, Some(5_000));
        }
        t => panic!("{t:?}"),
    }
    let s = screen(&app);
    assert!(s.contains("shrinking -150/s, caught up in ~5 s"), "{s}");
}

/// Against tansu: a group made by confluent-kafka that stops committing while
/// records keep coming, then one that reads a backlog slowly.
#[test]
#[ignore = "needs the broker that scripts/test.sh starts"]
fn live_lag_over_time_against_a_real_group() {
    use kord::source::kafka::live::{KafkaSource, LiveOptions};
    use kord::source::kafka::KafkaConfig;
    use kord::tui::Msg;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let b = std::env::var("KORD_TEST_BROKER").expect("KORD_TEST_BROKER (scripts/test.sh)");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let produce = |t: &str, events: usize, seed: usize| {
        let o = Command::new(common::kord_bin())
            .args(["produce", "hot-key", "-b", &b, "-t", t, "--partitions", "1"])
            .args(["--events", &events.to_string(), "--seed", &seed.to_string()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    // run: observes `g` on `t` for `secs` with a group look every second,
    // calling `tick` each second; returns the app.
    let run = |t: &str, g: &str, secs: u64, tick: &mut dyn FnMut(u64)| {
        let cfg = KafkaConfig::new(&b, t);
        let opts = LiveOptions {
            group: Some(g.to_string()),
            group_every: Duration::from_secs(1),
            ..LiveOptions::default()
        };
        let (mut rx, handle) = KafkaSource::start(&cfg, opts).unwrap();
        let mut app = app_with_group(g);
        let started = Instant::now();
        let mut second = 0;
        while started.elapsed() < Duration::from_secs(secs) {
            while let Ok(ev) = rx.try_recv() {
                app.on_source(ev);
            }
            if let Some(job) = app.take_live_job(Instant::now()) {
                app.on_msg(Msg::Live(job.run()));
            }
            if started.elapsed().as_secs() > second {
                second = started.elapsed().as_secs();
                tick(second);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        handle.stop();
        app
    };
    let slow = |t: &str, g: &str, rate: &str, secs: &str, stop: &str| {
        let mut c = Command::new("python3")
            .arg(common::root().join("tests/kafka_helpers/slow_group.py"))
            .args([b.as_str(), t, g, rate, secs, stop])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with confluent-kafka");
        let mut line = String::new();
        let mut out = std::io::BufReader::new(c.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert!(line.starts_with("joined"), "{line:?}");
        c
    };

    // 1. Stops committing after 2 s while the producer adds 100 a second.
    let t = format!("lag-stop-{}-{nanos}", std::process::id());
    let g = format!("{t}-app");
    produce(&t, 500, 1);
    let mut app_proc = slow(&t, &g, "1000", "30", "2");
    std::thread::sleep(Duration::from_secs(3));
    let app = run(&t, &g, 10, &mut |s| produce(&t, 100, 10 + s as usize));
    let lag = &app.live.as_ref().unwrap().lag;
    assert!(
        matches!(
            lag.group_total.trend(),
            kord::detect::lag_trend::Trend::Growing { .. }
        ),
        "{:?}",
        lag.group_total
    );
    let ages: Vec<i64> = lag.time_lag_max.points().map(|p| p.1).collect();
    assert!(ages.len() >= 5, "{ages:?}");
    assert!(ages.last() > ages.first(), "time lag increases: {ages:?}");
    assert!(screen(&app).contains("growing +"));
    let _ = app_proc.kill();
    let _ = app_proc.wait();

    // 2. A backlog of 3000 read at 200 a second: shrinking, with an estimate.
    let t = format!("lag-catch-{}-{nanos}", std::process::id());
    let g = format!("{t}-app");
    produce(&t, 3000, 2);
    let mut app_proc = slow(&t, &g, "200", "30", "0");
    let app = run(&t, &g, 8, &mut |_| {});
    let lag = &app.live.as_ref().unwrap().lag;
    // kord's first look can come before its reader knows the watermark
    // (tansu reports a batch's base offset + 1 at first): a lag of 0 then.
    // The trend is of the lag once known.
    let mut known = kord::detect::lag_trend::LagSeries::default();
    for (t, l) in lag.group_total.points().skip_while(|p| p.1 == 0) {
        known.push(t, l);
    }
    match known.trend() {
        kord::detect::lag_trend::Trend::Shrinking { eta_ms, .. } => {
            assert!(eta_ms.is_some_and(|e| e > 0), "{eta_ms:?}")
        }
        t => panic!("{t:?}: {:?}", lag.group_total),
    }
    let s = screen(&app);
    assert!(s.contains("shrinking -") || s.contains("growing +"), "{s}");
    let _ = app_proc.kill();
    let _ = app_proc.wait();
}
