//! TUI speed: a 200x60 frame drawn into a TestBackend, and seeking, on the
//! engine bench's recording (1,000,000 events, 16 partitions, 50,000
//! entities; written once with the synth generator, or taken from
//! `KORD_BENCH_FILE`). Also prints load time, time to the first full frame
//! and peak RSS against the file's size. Targets (issue 3): frame <= 4 ms,
//! seek <= 50 ms, first frame <= 1 s, RSS <= file size.

use criterion::{criterion_group, criterion_main, Criterion};
use kord::source::synth::{write_with, SynthParams};
use kord::source::LoadOptions;
use kord::tui::{dispatch, prepare, Action, App, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

fn bench_file() -> PathBuf {
    if let Ok(p) = std::env::var("KORD_BENCH_FILE") {
        return PathBuf::from(p);
    }
    // `cargo test --all-targets` runs this without `--bench`: a smoke run
    // on a small file, not the million-event one.
    let measuring = std::env::args().any(|a| a == "--bench");
    let events: usize = std::env::var("KORD_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if measuring { 1_000_000 } else { 20_000 });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("alert-flap-{events}.jsonl"));
    if !path.is_file() {
        eprintln!("writing {} ({events} events)", path.display());
        let params = SynthParams {
            events: Some(events),
            partitions: Some(16),
            entities: Some(50_000),
            seed: 1,
        };
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        write_with("alert-flap", &params, &mut f).expect("synth");
    }
    path
}

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

/// Loads the file as `kord replay` does (records stay in the file; the first
/// 64k events are shown while the rest loads) and prints the figures.
fn setup() -> App {
    let path = bench_file();
    let size_mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    let t0 = Instant::now();
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let source = kord::tui::Source::File(path.clone());
    let mut first_part: Option<(f64, usize)> = None;
    let (loaded, raw) = kord::tui::load(&source, &opts, &mut |ing, _| {
        if first_part.is_none() && ing.store.len() >= 65_536 {
            let part = kord::source::Loaded {
                store: ing.store.clone(),
                lens: ing.lens.clone(),
                header: None,
                skipped: 0,
                first_skipped: Vec::new(),
            };
            let (ds, view) = prepare(part, "first part".into(), None, None);
            let app = App::with_data(Theme::default(), ds, view);
            let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
            term.draw(|f| kord::tui::ui::draw(f, &app)).expect("draw");
            first_part = Some((t0.elapsed().as_secs_f64(), app.len()));
        }
    })
    .expect("load");
    let load_s = t0.elapsed().as_secs_f64();
    let (ds, view) = kord::tui::prepare_with(loaded, path.display().to_string(), None, None, raw);
    let prep_s = t0.elapsed().as_secs_f64() - load_s;
    let mut app = App::with_data(Theme::default(), ds, view);
    dispatch(&mut app, Action::Resize(200, 60));
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    term.draw(|f| kord::tui::ui::draw(f, &app)).expect("draw");
    let full_s = t0.elapsed().as_secs_f64();
    println!(
        "\nTUI bench file: {} ({:.0} MB, {} events, {} entities, {} partitions)",
        path.display(),
        size_mb,
        app.len(),
        app.ds.as_ref().map_or(0, |d| d.store.entity_count()),
        app.ds.as_ref().map_or(0, |d| d.store.partitions),
    );
    println!("  progress frame:                    drawn before reading starts");
    if let Some((s, n)) = first_part {
        println!("  first grid frame (first {n} events): {s:.2} s");
    }
    println!("  load (read + lens + line index):   {load_s:.2} s");
    println!("  index + detect + sim + strategy:   {prep_s:.2} s");
    println!("  full grid frame:                   {full_s:.2} s");
    println!(
        "  peak RSS:                          {:.0} MB ({:.2}x the file)",
        peak_rss_mb(),
        peak_rss_mb() / size_mb.max(1.0)
    );
    app
}

fn benches(c: &mut Criterion) {
    let mut app = setup();
    let n = app.len();
    dispatch(&mut app, Action::Seek(n / 2));
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    c.bench_function("draw 200x60 frame (grid + inspector + timeline)", |b| {
        b.iter(|| {
            term.draw(|f| kord::tui::ui::draw(f, black_box(&app)))
                .expect("draw");
        })
    });
    let mut i = 0usize;
    c.bench_function("seek to an arbitrary index (update + inspector)", |b| {
        b.iter(|| {
            i = (i + 7_919 * 131) % n;
            dispatch(&mut app, Action::Seek(black_box(i)));
        })
    });
    c.bench_function("seek + draw", |b| {
        b.iter(|| {
            i = (i + 7_919 * 131) % n;
            dispatch(&mut app, Action::Seek(black_box(i)));
            term.draw(|f| kord::tui::ui::draw(f, &app)).expect("draw");
        })
    });
    c.bench_function("page down 50,000 rows + draw", |b| {
        b.iter(|| {
            dispatch(&mut app, Action::PageDown);
            if app.viewport.sel_row + 1 >= app.rows.len() {
                dispatch(&mut app, Action::Top);
            }
            term.draw(|f| kord::tui::ui::draw(f, &app)).expect("draw");
        })
    });
    c.bench_function("step one event", |b| {
        b.iter(|| {
            if app.cursor + 1 >= n {
                dispatch(&mut app, Action::SeekStart);
            }
            dispatch(&mut app, Action::Step(1));
        })
    });
}

criterion_group! {
    name = tui;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(tui);
