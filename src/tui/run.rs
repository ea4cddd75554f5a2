//! The terminal and the loop: raw mode and the alternate screen (restored on
//! exit, panic, Ctrl-C and SIGTERM), a tokio loop over crossterm's event
//! stream and the workers' channel, rendering only when something changed
//! and at most ~60 times a second, each frame a synchronized update. Besides
//! setting up the app and quitting, it must not change state (actions go
//! through `dispatch`, results through `App::on_msg`), draw anything but
//! `ui::draw`, or run heavy work on the loop (jobs run on workers).

use super::app::{dispatch, Action, App, Msg};
use super::keys::{map_key, map_mouse};
use super::theme::Theme;
use crate::source::kafka::live::{KafkaHandle, SourceEvent};
use crate::source::LoadOptions;
use crate::strategy::StrategyKind;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, BeginSynchronizedUpdate, EndSynchronizedUpdate,
    EnterAlternateScreen, LeaveAlternateScreen,
};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{stdout, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Where the stream comes from.
#[derive(Clone, Debug)]
pub enum Source {
    File(PathBuf),
    Scenario {
        name: String,
        events: Option<usize>,
        seed: u64,
    },
    /// A live topic (`kord live`): records come from [`Config::live`].
    Live,
}

/// Everything `kord replay` / `kord demo` decided from the command line.
pub struct Config {
    pub source: Source,
    /// Shown in the title bar.
    pub name: String,
    pub load: LoadOptions,
    pub theme: Theme,
    pub strategy: Option<StrategyKind>,
    pub consumers: Option<u32>,
    /// Log file (`--log` / `KORD_LOG`); no logs when None.
    pub log: Option<PathBuf>,
    /// What-ifs from the command line.
    pub what_if: WhatIfSettings,
    /// The Kafka source of `kord live` (None for replay and demo).
    pub live: Option<super::live::LiveInput>,
}

/// What-ifs given on the command line (docs/whatif.md).
#[derive(Clone, Debug, Default)]
pub struct WhatIfSettings {
    /// Re-partitioning shown from the start.
    pub layout: Option<crate::sim::whatif::WhatIf>,
    /// Membership changes and the delivery model.
    pub sim: crate::engine::SimOptions,
}

/// Minimum time between two frames.
const FRAME: Duration = Duration::from_millis(16);

fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = stdout();
    let _ = crossterm::execute!(
        out,
        EndSynchronizedUpdate,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal when dropped (normal exit and unwinding).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Worker panics are caught and shown in the UI; only the UI thread
        // gives the terminal back before the report.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        tracing::error!("panic: {info}");
        prev(info);
    }));
}

fn init_logging(path: &PathBuf) -> anyhow::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("--log {}: {e}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KORD_LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(())
}

/// Runs a closure on a worker thread, sending its message (or the panic) back.
fn spawn_worker(tx: UnboundedSender<Msg>, f: impl FnOnce() -> Msg + Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("kord-worker".into())
        .spawn(move || {
            let msg = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                Ok(m) => m,
                Err(_) => Msg::Failed("internal error in a worker (see the log)".into()),
            };
            let _ = tx.send(msg);
        });
}

/// Has the allocator give each large buffer (a column of the store, a
/// runner's snapshot) pages of its own, returned when it is freed. glibc
/// otherwise raises its mmap threshold to the largest buffer freed so far,
/// after which such buffers come from heaps that keep their pages: the
/// headless replay of the lagging 1M peaked at 280-311 MB with the default,
/// 248-257 MB with this. Called once, before the TUI's threads start.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets one of glibc's allocator parameters; it takes
    // the allocator's lock and touches no memory of ours.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Runs the TUI until the user quits. Returns the load error, if the
/// source could not be read (reported after the terminal is restored).
pub fn run(cfg: Config) -> anyhow::Result<Option<String>> {
    tune_allocator();
    if let Some(p) = &cfg.log {
        init_logging(p)?;
    }
    tracing::info!(source = %cfg.name, "starting the TUI");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    install_panic_hook();
    // SIGINT, SIGTERM and SIGHUP end the loop below, which gives the
    // terminal back; the command line then exits with 128+N.
    crate::signals::defer();
    crate::signals::on_forced_exit(restore_terminal);
    enable_raw_mode()?;
    let _guard = TerminalGuard;
    crossterm::execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    terminal.hide_cursor()?;
    terminal.clear()?;
    let result = rt.block_on(event_loop(&mut terminal, cfg));
    drop(terminal);
    result
}

/// The Kafka source of `kord live` as the loop holds it: the channel it
/// drains on each tick and the handle that stops the reader at the end.
struct LiveFeed {
    rx: tokio::sync::mpsc::Receiver<SourceEvent>,
    handle: KafkaHandle,
}

/// The signals that end the loop: SIGTERM, SIGHUP and Ctrl-C.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The number of the next signal (15, 1 or 2).
    #[cfg(unix)]
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.term.recv() => 15,
            _ = self.hup.recv() => 1,
            _ = tokio::signal::ctrl_c() => 2,
        }
    }

    /// The number of the next signal (2: only Ctrl-C is heard).
    #[cfg(not(unix))]
    async fn next(&mut self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        2
    }
}

/// The loop: input, the workers' messages, the frame clock and the signals,
/// until the user quits; a frame drawn whenever something changed.
async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    mut cfg: Config,
) -> anyhow::Result<Option<String>> {
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let size = terminal.size()?;
    let (mut app, mut live) = start_app(&mut cfg, (size.width, size.height));
    // Load off the loop; the first frame (progress) is drawn right away.
    if live.is_none() {
        spawn_load(tx.clone(), &cfg);
    }

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_tick = Instant::now();
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut signals = Signals::listen()?;

    loop {
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
            terminal.draw(|f| super::ui::draw(f, &app))?;
            crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        tokio::select! {
            ev = events.next() => {
                match ev {
                    Some(Ok(ev)) => {
                        handle_event(&mut app, ev);
                        dirty = true;
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => break,
                }
            }
            Some(msg) = rx.recv() => {
                app.on_msg(msg);
                // Apply everything waiting, then render once.
                while let Ok(m) = rx.try_recv() {
                    app.on_msg(m);
                }
                dirty = true;
            }
            _ = tick.tick() => {
                let ms = last_tick.elapsed().as_millis() as u64;
                last_tick = Instant::now();
                dirty |= on_tick(&mut app, live.as_mut(), &tx, ms);
            }
            sig = signals.next() => {
                tracing::info!(signal = sig, "signal: quitting");
                crate::signals::note(sig);
                app.quit = true;
            }
        }
        if app.quit {
            break;
        }
        spawn_jobs(&mut app, &tx);
    }
    tracing::info!("bye");
    if let Some(feed) = live.take() {
        stop_live(feed);
    }
    Ok(app.error)
}

/// The app as the command line set it up, sized to the terminal, and the
/// live source's feed when there is one.
fn start_app(cfg: &mut Config, size: (u16, u16)) -> (App, Option<LiveFeed>) {
    let mut app = App::new(cfg.theme.clone(), &cfg.name);
    app.whatif.shown = cfg.what_if.layout.clone();
    app.sim_opts = cfg.what_if.sim.clone();
    app.viewport.size = size;
    // Live: the Kafka source's channel, drained with try_recv on each tick.
    let live = cfg.live.take().map(|mut l| {
        l.state.first_strategy = cfg.strategy;
        app.consumers = cfg.consumers;
        app.live = Some(l.state);
        LiveFeed {
            rx: l.rx,
            handle: l.handle,
        }
    });
    (app, live)
}

/// Loads the source on a worker: progress while it reads, the first part of
/// a big file while the rest loads, then the whole stream analysed.
fn spawn_load(tx: UnboundedSender<Msg>, cfg: &Config) {
    let source = cfg.source.clone();
    let opts = cfg.load.clone();
    let name = cfg.name.clone();
    let (strategy, consumers) = (cfg.strategy, cfg.consumers);
    let total = match &source {
        super::Source::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        super::Source::Scenario { .. } | super::Source::Live => 0,
    };
    spawn_worker(tx.clone(), move || {
        let started = Instant::now();
        let mut partial_sent = false;
        let mut progress = |ing: &crate::model::Ingest, bytes: u64| {
            let events = ing.store.len() as u64;
            let _ = tx.send(Msg::Progress {
                events,
                bytes,
                total,
            });
            // A big file: show the first part while the rest loads.
            if !partial_sent && events >= 65_536 && bytes.saturating_mul(3) < total {
                partial_sent = true;
                let first = FirstPart {
                    source: &source,
                    name: &name,
                    strategy,
                    consumers,
                };
                first.spawn(&tx, ing, bytes);
            }
        };
        match super::load(&source, &opts, &mut progress) {
            Ok((loaded, raw)) => {
                tracing::info!(
                    events = loaded.store.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "loaded"
                );
                let (ds, view) = super::prepare_with(loaded, name, strategy, consumers, raw);
                tracing::info!(ms = started.elapsed().as_millis() as u64, "analysed");
                Msg::Loaded { ds, view }
            }
            Err(e) => Msg::Failed(e.to_string()),
        }
    });
}

/// What preparing the first part of a big file needs from the load.
struct FirstPart<'a> {
    source: &'a Source,
    name: &'a str,
    strategy: Option<StrategyKind>,
    consumers: Option<u32>,
}

impl FirstPart<'_> {
    /// Prepares what is loaded so far (the first `bytes` of the file) on a
    /// worker of its own, sent as [`Msg::Partial`].
    fn spawn(self, tx: &UnboundedSender<Msg>, ing: &crate::model::Ingest, bytes: u64) {
        let loaded = crate::source::Loaded {
            store: ing.store.clone(),
            lens: ing.lens.clone(),
            header: None,
            skipped: 0,
            first_skipped: Vec::new(),
        };
        let (strategy, consumers) = (self.strategy, self.consumers);
        let (tx, name) = (tx.clone(), self.name.to_string());
        let raw = match self.source {
            super::Source::File(p) if loaded.store.raw.is_none() => {
                super::Dataset::index_lines(p, bytes)
                    .ok()
                    .map(|s| (p.clone(), s))
            }
            _ => None,
        };
        spawn_worker(tx.clone(), move || {
            let (ds, view) = super::prepare_with(loaded, name, strategy, consumers, raw);
            tracing::info!(events = ds.len(), "first part ready");
            Msg::Partial { ds, view }
        });
    }
}

/// One tick of the frame clock: quits on a signal that came before the loop
/// listened for it, takes the live records waiting (never waits for more,
/// rebuilds off the loop) and advances playback. Whether anything changed.
fn on_tick(app: &mut App, live: Option<&mut LiveFeed>, tx: &UnboundedSender<Msg>, ms: u64) -> bool {
    let mut dirty = false;
    if crate::signals::caught().is_some() {
        app.quit = true;
    }
    if let Some(feed) = live {
        while let Ok(ev) = feed.rx.try_recv() {
            app.on_source(ev);
            dirty = true;
        }
        if let Some(job) = app.take_live_job(Instant::now()) {
            spawn_worker(tx.clone(), move || Msg::Live(job.run()));
        }
    }
    if app.playback.playing {
        dispatch(app, Action::Tick(ms));
        dirty = true;
    }
    dirty
}

/// Runs the jobs `update` queued, each on a worker over the current dataset.
fn spawn_jobs(app: &mut App, tx: &UnboundedSender<Msg>) {
    if let Some(ds) = app.ds.clone() {
        for job in app.jobs.drain(..) {
            tracing::debug!(?job, "job");
            let ds = Arc::clone(&ds);
            spawn_worker(tx.clone(), move || job.run(&ds));
        }
    }
}

/// Stops the live source. The reader may be inside a broker call with a
/// timeout (a lost broker, a group look-up): it stops without holding up the
/// exit.
fn stop_live(feed: LiveFeed) {
    let LiveFeed { rx, handle } = feed;
    drop(rx);
    let _ = std::thread::Builder::new()
        .name("kord-kafka-stop".into())
        .spawn(move || handle.stop());
}

fn handle_event(app: &mut App, ev: Event) {
    let action = match ev {
        Event::Key(k) => map_key(app, k),
        Event::Mouse(m) => map_mouse(m),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    };
    if let Some(a) = action {
        dispatch(app, a);
    }
}
