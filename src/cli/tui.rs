//! `kord replay FILE`, `kord demo [SCENARIO]` and `kord live`: the TUI's
//! command-line edge, checking flags before the terminal is taken. Builds
//! the TUI's `Config` in one place; must not draw or run the event loop.

use super::analyze::{lens_options, whatif_options};
use super::args::{DemoArgs, LensArgs, LiveArgs, ReplayArgs, StrategyChoice, TuiArgs, WhatIfArgs};
use super::UsageError;
use kord::source::synth::{scenario_names, SCENARIOS};
use kord::source::LoadOptions;
use kord::strategy::StrategyKind;
use kord::tui::{Config, Source, Theme, WhatIfSettings};
use std::path::PathBuf;

/// What the TUI commands share, checked before the terminal is taken.
struct Common {
    theme: Theme,
    strategy: Option<StrategyKind>,
    consumers: Option<u32>,
    log: Option<PathBuf>,
    what_if: WhatIfSettings,
}

impl Common {
    /// The TUI's configuration: the one place a command's flags become it.
    fn config(
        self,
        source: Source,
        name: String,
        load: LoadOptions,
        live: Option<kord::tui::live::LiveInput>,
    ) -> Config {
        Config {
            source,
            name,
            load,
            theme: self.theme,
            strategy: self.strategy,
            consumers: self.consumers,
            log: self.log,
            what_if: self.what_if,
            live,
        }
    }
}

fn common(lens: &LensArgs, whatif: &WhatIfArgs, tui: &TuiArgs) -> anyhow::Result<Common> {
    // The partition count is checked again against the stream once loaded.
    let (mut layout, sim) = whatif_options(whatif, 1)?;
    if let (Some(w), None) = (&mut layout, whatif.partitions) {
        // 0: the recorded partition count, filled in once the stream is loaded.
        w.partitions = 0;
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::resolve(tui.theme.as_deref(), no_color).map_err(UsageError)?;
    if let Some(tz) = &tui.tz {
        kord::tui::clock::set_zone(tz).map_err(UsageError)?;
    }
    let strategy = match lens.strategy {
        None | Some(StrategyChoice::All) => None,
        Some(StrategyChoice::One(k)) => Some(k),
    };
    let log = tui.log.clone().or_else(|| {
        std::env::var_os("KORD_LOG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    Ok(Common {
        theme,
        strategy,
        consumers: lens.consumers,
        log,
        what_if: WhatIfSettings { layout, sim },
    })
}

/// How `replay` and `demo` read their stream through the lens flags.
fn load_options(lens: &LensArgs, lenient: bool) -> anyhow::Result<LoadOptions> {
    // A lens file's values (its assignor among them) are checked as it is read.
    let (cfg, origin) = lens_options(lens)?;
    super::kafka::where_filter(lens)?;
    Ok(LoadOptions {
        lens: cfg,
        lens_origin: origin,
        lenient,
        keep_raw: true,
        decoder: None,
        filter: lens.where_.clone(),
    })
}

/// The TUI's exit status: 128+N after a signal (the terminal is restored
/// by then), else 0 or the load error (exit 2).
fn finish(r: anyhow::Result<Option<String>>) -> anyhow::Result<u8> {
    if let Some(code) = kord::signals::exit_code() {
        return Ok(code);
    }
    r?.map_or(Ok(0), |e| Err(UsageError(e).into()))
}

fn terminal_check() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "the TUI needs a terminal; for a headless report use `kord analyze`".into(),
        )
        .into());
    }
    Ok(())
}

/// Runs `kord replay FILE`.
pub fn replay(a: ReplayArgs) -> anyhow::Result<u8> {
    let mut load = load_options(&a.lens, a.lenient)?;
    let c = common(&a.lens, &a.whatif, &a.tui)?;
    load.decoder = super::payload::decoder(&a.payload, None)?;
    if !a.file.is_file() {
        return Err(UsageError(format!("{}: no such file", a.file.display())).into());
    }
    terminal_check()?;
    let name = a.file.display().to_string();
    finish(kord::tui::run(c.config(
        Source::File(a.file),
        name,
        load,
        None,
    )))
}

/// Runs `kord demo [SCENARIO]` (and bare `kord`).
pub fn demo(a: DemoArgs) -> anyhow::Result<u8> {
    if a.list {
        for s in SCENARIOS {
            println!("{:<20} {}", s.name, s.about);
        }
        return Ok(0);
    }
    let names = scenario_names();
    let name = match a.scenario {
        Some(s) if names.contains(&s.as_str()) => s,
        Some(s) => {
            return Err(UsageError(format!(
                "unknown scenario {s:?}; known: {}",
                names.join(", ")
            ))
            .into())
        }
        None => names.first().map(|s| s.to_string()).unwrap_or_default(),
    };
    let load = load_options(&a.lens, false)?;
    let c = common(&a.lens, &a.whatif, &a.tui)?;
    terminal_check()?;
    finish(kord::tui::run(c.config(
        Source::Scenario {
            name: name.clone(),
            events: a.events,
            seed: a.seed,
        },
        format!("demo {name}"),
        load,
        None,
    )))
}

/// Runs `kord live -b BROKERS -t TOPIC`: the TUI over a live topic, read-only.
pub fn live(a: LiveArgs) -> anyhow::Result<u8> {
    use kord::source::kafka::live::{KafkaSource, LiveOptions};
    use kord::tui::live::{LiveInput, LiveState};
    if a.read.until.is_some() {
        return Err(UsageError(
            "live has no end (--until); to read up to a point use `kord record` or `kord analyze`"
                .into(),
        )
        .into());
    }
    let (cfg, cl) = super::kafka::cluster_config(&a.kafka, Some(&a.read))?;
    let filter = super::kafka::where_filter(&a.lens)?;
    let (lens, _) =
        super::kafka::live_lens(&super::kafka::lens_for_topic(&a.lens, &cl, &cfg.topic))?;
    let c = common(&a.lens, &a.whatif, &a.tui)?;
    // Installed for the live ingest and the inspector.
    super::payload::decoder(&a.payload, cl.schema_registry.as_deref())?;
    // Refused or malformed properties are usage errors, said before anything else.
    cfg.client_config().map_err(super::kafka::kerr)?;
    terminal_check()?;
    kord::tui::clock::show_ages(true);
    // Errors at start (unreachable brokers, missing topic, bad config) are
    // reported here, before the terminal is taken.
    let opts = LiveOptions {
        group: a.read.group.clone(),
        order: super::kafka::order(&a.read),
        ..LiveOptions::default()
    };
    let (rx, handle) = KafkaSource::start(&cfg, opts).map_err(super::kafka::kerr)?;
    let name = cfg.describe();
    let state =
        LiveState::new(name.clone(), lens, a.window, a.read.group.clone()).with_filter(filter);
    finish(kord::tui::run(c.config(
        Source::Live,
        name,
        LoadOptions::default(),
        Some(LiveInput { rx, handle, state }),
    )))
}
