//! `kord replay FILE` then `c` (compare), without a terminal, for
//! scripts/bench.sh: loads the file as replay does (records stay in the
//! file, the first 64k events are drawn while the rest loads), draws the
//! full grid into a 200x60 TestBackend, opens the compare view and runs its
//! job inline, as the loop's worker would.
//!
//! `replay_headless FILE [LENS.toml]` prints
//! `FIRST_FRAME_S FULL_FRAME_S COMPARE_READY_S PEAK_RSS_MB EVENTS`
//! (times from the start of the load). `KORD_PHASES=1` also says, on
//! stderr, the peak RSS after the load, the first view and the compare.
use kord::model::lens::LensConfig;
use kord::source::{LoadOptions, Loaded};
use kord::tui::{dispatch, prepare, prepare_with, Action, App, Source, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::PathBuf;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn draw(app: &App) {
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    term.draw(|f| kord::tui::ui::draw(f, app)).expect("draw");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: replay_headless FILE [LENS.toml]");
        std::process::exit(2);
    };
    let mut opts = LoadOptions {
        keep_raw: true,
        ..LoadOptions::default()
    };
    if let Some(l) = args.get(2) {
        opts.lens = LensConfig::from_toml_file(std::path::Path::new(l)).unwrap_or_else(|e| {
            eprintln!("replay_headless: {l}: {e}");
            std::process::exit(2);
        });
        opts.lens_origin = l.clone();
    }
    // As `kord replay` does before its threads start.
    kord::tui::tune_allocator();
    let t0 = Instant::now();
    let mut first: Option<f64> = None;
    let source = Source::File(path.clone());
    let (loaded, raw) = kord::tui::load(&source, &opts, &mut |ing, _| {
        if first.is_none() && ing.store.len() >= 65_536 {
            let part = Loaded {
                store: ing.store.clone(),
                lens: ing.lens.clone(),
                header: None,
                skipped: 0,
                first_skipped: Vec::new(),
            };
            let (ds, view) = prepare(part, "first part".into(), None, None);
            draw(&App::with_data(Theme::default(), ds, view));
            first = Some(t0.elapsed().as_secs_f64());
        }
    })
    .unwrap_or_else(|e| {
        eprintln!("replay_headless: {e}");
        std::process::exit(2);
    });
    // Where the peak comes from, on stderr: after the load, the first view, the compare.
    let phase = |what: &str| {
        if std::env::var_os("KORD_PHASES").is_some() {
            eprintln!("replay_headless: {what}: peak RSS {:.1} MB", peak_rss_mb());
        }
    };
    phase("loaded");
    let (ds, view) = prepare_with(loaded, path.display().to_string(), None, None, raw);
    phase("view built");
    let mut app = App::with_data(Theme::default(), ds, view);
    dispatch(&mut app, Action::Resize(200, 60));
    draw(&app);
    let full = t0.elapsed().as_secs_f64();
    dispatch(&mut app, Action::ToggleCompare);
    while app.compare.is_none() {
        let jobs: Vec<_> = app.jobs.drain(..).collect();
        if jobs.is_empty() {
            eprintln!("replay_headless: the compare view asked for no job");
            std::process::exit(1);
        }
        for job in jobs {
            let Some(ds) = app.ds.clone() else { break };
            let msg = job.run(&ds);
            app.on_msg(msg);
        }
    }
    draw(&app);
    phase("compare ready");
    let compare = t0.elapsed().as_secs_f64();
    println!(
        "{:.3} {full:.3} {compare:.3} {:.1} {}",
        first.unwrap_or(full),
        peak_rss_mb(),
        app.len()
    );
}
