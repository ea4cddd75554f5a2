//! Driving the TUI without a terminal: an app over a bundled recording, its
//! background jobs run inline, and the screen drawn to a test backend.

use kord::source::{load_recording, LoadOptions};
use kord::tui::{dispatch, prepare, Action, App, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::Path;
use std::sync::Arc;

/// An app over `recordings/NAME.jsonl` at a terminal size of `w` x `h`.
pub fn app_for(name: &str, w: u16, h: u16) -> App {
    let opts = LoadOptions {
        keep_raw: true,
        decoder: None,
        ..LoadOptions::default()
    };
    let path = format!("recordings/{name}.jsonl");
    let loaded = load_recording(Path::new(&path), &opts, &mut |_, _| {}).unwrap();
    let (ds, view) = prepare(loaded, path, None, None);
    let mut app = App::with_data(Theme::default(), ds, view);
    dispatch(&mut app, Action::Resize(w, h));
    app
}

/// Runs the jobs the app asked for, inline (the loop runs them on threads).
pub fn run_jobs(app: &mut App) {
    while let Some(job) = app.jobs.pop() {
        let ds = Arc::clone(app.ds.as_ref().unwrap());
        let msg = job.run(&ds);
        app.on_msg(msg);
    }
}

/// `n` consumers join at event `at` (`a` pressed `n` times there), each
/// rebalance re-simulated before the next.
pub fn consumers_join_at(app: &mut App, at: usize, n: usize) {
    dispatch(app, Action::Seek(at));
    for _ in 0..n {
        dispatch(app, Action::AddConsumer);
        run_jobs(app);
    }
}

/// The screen at `w` x `h`, as text.
pub fn draw(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kord::tui::ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

/// The screen at the app's own size.
pub fn screen(app: &App) -> String {
    draw(app, app.viewport.size.0, app.viewport.size.1)
}
