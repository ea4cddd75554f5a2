//! `kord analyze FILE` and the flag wiring every report command shares: the
//! lens, the what-ifs, the engine's and the report's options, `--fail-on`,
//! the output. Must not run a rule, the simulation or a detector itself
//! (the engine does), nor read Kafka (`cli/kafka.rs` asks the source).

use super::args::{AnalyzeArgs, LensArgs, StrategyChoice, WhatIfArgs};
use super::UsageError;
use kord::detect::Kind;
use kord::engine::{analyze_with, Analysis, Fallback, Flow, Options, SimOptions};
use kord::model::lens::{ConsumersConfig, LensConfig};
use kord::model::partition::Partitioner;
use kord::model::{EventStore, Lens};
use kord::report::whatif::WhatIfSection;
use kord::report::{render_text, Report, ReportOptions};
use kord::sim::whatif::{repartition, PartitionBy, WhatIf};
use kord::sim::{parse_rebalances, Model};
use kord::source::recording::Header;
use kord::source::{load_recording, stream_recording, Chunks, LoadOptions};
use kord::strategy::StrategyKind;
use std::path::Path;

/// The lens settings from `--lens`/`kord.toml` and the flags.
pub fn lens_options(a: &LensArgs) -> anyhow::Result<(LensConfig, String)> {
    let (mut cfg, origin) = match &a.lens {
        Some(p) => (
            LensConfig::from_toml_file(p).map_err(|e| UsageError(e.to_string()))?,
            p.display().to_string(),
        ),
        None if Path::new("kord.toml").is_file() => (
            LensConfig::from_toml_file(Path::new("kord.toml"))
                .map_err(|e| UsageError(e.to_string()))?,
            "kord.toml".to_string(),
        ),
        None => (LensConfig::default(), String::new()),
    };
    let flags = LensConfig {
        entity: a.entity.clone(),
        version: a.version.clone(),
        type_: a.type_.clone(),
        time: a.time.clone(),
        cost: a.cost.clone(),
        consumers: (a.consumers.is_some() || a.assignor.is_some()).then(|| ConsumersConfig {
            count: a.consumers,
            assignor: a.assignor.map(|x| x.name().to_string()),
        }),
        ..LensConfig::default()
    };
    cfg.overlay(flags);
    Ok((cfg, origin))
}

/// The re-partitioning what-if and the simulation options from the flags.
/// `partitions` is the recorded partition count (the default N).
pub fn whatif_options(
    a: &WhatIfArgs,
    partitions: u32,
) -> anyhow::Result<(Option<WhatIf>, SimOptions)> {
    let what_if = if a.partitions.is_some() || a.partitioner.is_some() || a.partition_by.is_some() {
        let n = a.partitions.unwrap_or(partitions);
        if n == 0 || n > kord::sim::whatif::MAX_PARTITIONS {
            return Err(UsageError(format!(
                "--partitions must be between 1 and {}",
                kord::sim::whatif::MAX_PARTITIONS
            ))
            .into());
        }
        let partitioner = match &a.partitioner {
            Some(p) => p
                .parse::<Partitioner>()
                .map_err(|e| UsageError(e.to_string()))?,
            None => Partitioner::Murmur2,
        };
        let by = match &a.partition_by {
            Some(b) => PartitionBy::parse(b).map_err(|e| UsageError(e.to_string()))?,
            None => PartitionBy::Key,
        };
        Some(WhatIf {
            partitions: n,
            partitioner,
            by,
        })
    } else {
        None
    };
    let mut model = a.delivery.unwrap_or(Model::Kafka);
    if let (Model::SqsFifo { limit_per_s }, Some(l)) = (&mut model, a.sqs_limit) {
        *limit_per_s = l;
    }
    let rebalances = match &a.rebalance {
        Some(r) => parse_rebalances(r).map_err(|e| UsageError(e.to_string()))?,
        None => Vec::new(),
    };
    Ok((
        what_if,
        SimOptions {
            rebalances,
            rebalance_ms: a.rebalance_ms,
            session_timeout_ms: a.session_timeout_ms,
            model,
        },
    ))
}

/// Analyzes a loaded stream with the what-if flags and builds its report:
/// with a re-partitioning what-if the report (and the returned analysis) is
/// the what-if's, with the recorded layout's numbers in `what_if`.
pub fn analyze_and_report(
    source: &str,
    store: &EventStore,
    lens: &Lens,
    opts: &Options,
    w: &WhatIfArgs,
    ropts: &ReportOptions,
) -> anyhow::Result<(Report, Analysis)> {
    let (what_if, simopts) = whatif_options(w, store.partitions)?;
    let recorded = analyze_with(store, lens, opts, &simopts);
    let (mut report, analysis) = match what_if {
        Some(w) => {
            let ws = repartition(store, &w);
            let wa = analyze_with(&ws, lens, opts, &simopts);
            let mut report = Report::build(source, &ws, &wa, ropts);
            report.what_if = Some(WhatIfSection::build(&w, (store, &recorded), (&ws, &wa)));
            (report, wa)
        }
        None => (Report::build(source, store, &recorded, ropts), recorded),
    };
    if simopts.model != Model::Kafka {
        report.delivery = Some(simopts.model.name().to_string());
    }
    Ok((report, analysis))
}

/// Whether the what-if needs the raw record lines (composite keys from
/// payload pointers).
pub fn needs_raw(a: &WhatIfArgs) -> bool {
    a.partition_by
        .as_deref()
        .is_some_and(|b| !matches!(b.trim(), "key" | "entity"))
}

/// The strategies to run: `--compare`/`all` runs all, else the named one or all.
pub fn strategies(
    a: &LensArgs,
    lens: &Lens,
    default_all: bool,
) -> anyhow::Result<Vec<StrategyKind>> {
    match a.strategy {
        _ if a.compare => Ok(StrategyKind::all_for(lens)),
        Some(StrategyChoice::All) => Ok(StrategyKind::all_for(lens)),
        Some(StrategyChoice::One(k)) => Ok(vec![k]),
        None if default_all => Ok(StrategyKind::all_for(lens)),
        None => Ok(vec![StrategyKind::default_for(lens)]),
    }
}

/// The report as `html` or `markdown` (the formats drawn from the analysis).
pub fn rendered(format: &str, report: &Report, analysis: &Analysis) -> String {
    if format == "html" {
        kord::report::render_html(report, &kord::report::Pictures::of(report, analysis))
    } else {
        kord::report::render_markdown(report)
    }
}

/// The width text tables are laid out for: the terminal's, else 160 columns.
pub fn text_width(to_file: bool) -> u16 {
    use std::io::IsTerminal;
    if !to_file && std::io::stdout().is_terminal() {
        crossterm::terminal::size().map_or(120, |(w, _)| w).max(60)
    } else {
        160
    }
}

/// Writes a rendered report to `-o FILE` (saying where on stderr) or stdout.
pub fn emit(out: &str, file: Option<&Path>) -> anyhow::Result<()> {
    match file {
        Some(f) => {
            std::fs::write(f, out)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", f.display()))?;
            eprintln!("kord: wrote {} ({} bytes)", f.display(), out.len());
        }
        None => {
            use std::io::Write;
            let mut o = std::io::stdout().lock();
            // A closed pipe (| head) is not an error worth a message.
            let _ = o.write_all(out.as_bytes()).and_then(|_| o.flush());
        }
    }
    Ok(())
}

/// `--fail-on KIND,...` as finding kinds (unknown: usage error).
pub fn fail_on(a: &AnalyzeArgs) -> anyhow::Result<Vec<Kind>> {
    a.fail_on
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            Kind::parse(s)
                .ok_or_else(|| UsageError(format!("--fail-on: unknown finding kind {s:?}")).into())
        })
        .collect()
}

/// The engine's options from the flags (`--max-findings 0`: all).
pub fn engine_options(a: &AnalyzeArgs, strategies: Vec<StrategyKind>) -> Options {
    Options {
        strategies,
        consumers: a.lens.consumers,
        max_findings: if a.max_findings == 0 {
            usize::MAX
        } else {
            a.max_findings
        },
        keep_states: a.state,
        pictures: a.format == "html",
    }
}

/// The report's options from the flags and the loader's skipped lines.
pub fn report_options(
    a: &AnalyzeArgs,
    skipped: u64,
    first_skipped: Vec<(u64, String)>,
) -> ReportOptions {
    ReportOptions {
        max_findings: a.max_findings,
        state: a.state,
        skipped_lines: skipped,
        first_skipped,
    }
}

/// Exit status 3 (saying which) when a `--fail-on` kind was found, else 0.
pub fn fail_status(kinds: &[Kind], report: &Report, analysis: &Analysis) -> u8 {
    let matched: Vec<&str> = kinds
        .iter()
        .filter(|k| report.count_of(**k, analysis) > 0)
        .map(|k| k.name())
        .collect();
    if matched.is_empty() {
        return 0;
    }
    eprintln!("kord: --fail-on matched: {}", matched.join(", "));
    3
}

/// Runs `kord analyze`.
pub fn run(a: AnalyzeArgs) -> anyhow::Result<u8> {
    let Some(file) = &a.file else {
        return Err(UsageError("analyze needs a FILE (or -b BROKERS -t TOPIC)".into()).into());
    };
    let kinds = fail_on(&a)?;
    let (cfg, origin) = lens_options(&a.lens)?;
    super::kafka::where_filter(&a.lens)?;
    let opts = LoadOptions {
        lens: cfg,
        lens_origin: origin,
        lenient: a.lenient,
        keep_raw: needs_raw(&a.whatif),
        decoder: super::payload::decoder(&a.payload, None)?,
        filter: a.lens.where_.clone(),
    };
    // Flags are checked before the (possibly long) load.
    whatif_options(&a.whatif, 1)?;
    let timing = std::env::var_os("KORD_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let bar = |note: &str| {
        super::progress::Progress::file(
            a.quiet,
            &format!("{}{note}", file.display()),
            kord::source::recording::RecordingReader::is_plain(file)
                .then(|| std::fs::metadata(file).map(|m| m.len()).ok())
                .flatten(),
        )
    };
    let mut progress = bar("");
    if streamable(&a) {
        let streamed = analyze_streaming(file, &opts, &a, &progress);
        progress.finish();
        match streamed? {
            Ok((report, analysis, t_analyze)) => {
                let t_read = t0.elapsed();
                let out = formatted(&a, &report, &analysis);
                emit(&out, a.output.as_deref())?;
                if timing {
                    // Reading and analyzing overlap: no load time of its own.
                    eprintln!(
                        "kord: timing: read and analyze {:?} (streamed; {:?} analyzing), report {:?}",
                        t_read,
                        t_analyze,
                        t0.elapsed() - t_read
                    );
                }
                return Ok(fail_status(&kinds, &report, &analysis));
            }
            Err(why) => {
                if timing {
                    eprintln!("kord: the streaming analysis cannot give this stream's report ({why}); reading it whole");
                }
                // The streamed read's bar is done: the whole read gets its own.
                progress = bar(&format!(" again, whole ({why})"));
            }
        }
    }
    let loaded = load_recording(file, &opts, &mut |_, bytes| progress.file_at(bytes));
    progress.finish();
    let loaded = loaded?;
    let t_load = t0.elapsed();
    let engine_opts = engine_options(&a, strategies(&a.lens, &loaded.lens, true)?);
    let ropts = report_options(&a, loaded.skipped, loaded.first_skipped.clone());
    let (report, analysis) = analyze_and_report(
        &file.display().to_string(),
        &loaded.store,
        &loaded.lens,
        &engine_opts,
        &a.whatif,
        &ropts,
    )?;
    let t_analyze = t0.elapsed();
    let out = formatted(&a, &report, &analysis);
    emit(&out, a.output.as_deref())?;
    if timing {
        eprintln!(
            "kord: timing: load {:?}, analyze {:?}, report {:?}",
            t_load,
            t_analyze - t_load,
            t0.elapsed() - t_analyze
        );
    }
    Ok(fail_status(&kinds, &report, &analysis))
}

/// The report in the format asked.
fn formatted(a: &AnalyzeArgs, report: &Report, analysis: &Analysis) -> String {
    match a.format.as_str() {
        "json" => format!("{}\n", report.to_json()),
        "html" | "markdown" => rendered(&a.format, report, analysis),
        _ => render_text(report, text_width(a.output.is_some())),
    }
}

/// Whether `kord analyze` reads the file as a stream (memory that does not
/// grow with the events): every report but the HTML one (its pictures
/// draw every event) and the re-partitioning what-if (it moves every
/// event). `KORD_STREAM=0` reads the file whole.
pub fn streamable(a: &AnalyzeArgs) -> bool {
    let w = &a.whatif;
    a.format != "html"
        && w.partitions.is_none()
        && w.partitioner.is_none()
        && w.partition_by.is_none()
        && std::env::var_os("KORD_STREAM").is_none_or(|v| v != "0")
}

/// A report computed while its events are read ([`kord::engine::Flow`]):
/// chunks go in ([`Streaming::take`]); the report comes out, or why the
/// flow cannot give it ([`Fallback`]: then the caller reads the stream whole).
pub struct Streaming<'a> {
    a: &'a AnalyzeArgs,
    simopts: SimOptions,
    horizon: usize,
    window: Option<(EventStore, Flow)>,
    failed: Option<anyhow::Error>,
    fallback: Option<Fallback>,
    /// Time spent analyzing.
    pub spent: std::time::Duration,
}

/// Test knobs: `KORD_STREAM_CHUNK` events per chunk (its 256-fold in bytes
/// per slice) and `KORD_STREAM_HORIZON`, so small streams move the window.
fn knob(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok())
}

impl<'a> Streaming<'a> {
    pub fn new(a: &'a AnalyzeArgs) -> anyhow::Result<Streaming<'a>> {
        Ok(Streaming {
            a,
            simopts: whatif_options(&a.whatif, 1)?.1,
            horizon: knob("KORD_STREAM_HORIZON")
                .map_or(kord::engine::flow::HORIZON, |h| h as usize),
            window: None,
            failed: None,
            fallback: None,
            spent: std::time::Duration::ZERO,
        })
    }

    /// Events per chunk (the test knob, else `default`).
    pub fn chunk_events(default: usize) -> usize {
        knob("KORD_STREAM_CHUNK").map_or(default, |n| n as usize)
    }

    /// Analyzes the next chunk of events (`lens` and `claim`, the stream's
    /// partition count if known, matter for the first; `last`: no chunk
    /// follows). Whether to go on.
    pub fn take(&mut self, chunk: EventStore, lens: &Lens, claim: Option<u32>, last: bool) -> bool {
        if self.fallback.is_some() || self.failed.is_some() {
            return false;
        }
        let t = std::time::Instant::now();
        let (store, flow) = match &mut self.window {
            Some((store, flow)) => {
                store.append(chunk);
                (store, flow)
            }
            None => {
                let mut store = chunk;
                store.resolve_names();
                store.bound_partitions(claim);
                if store.partition_ids.is_some() {
                    self.fallback = Some(Fallback::Partitions);
                    return false;
                }
                let engine = match strategies(&self.a.lens, lens, true) {
                    Ok(s) => engine_options(self.a, s),
                    Err(e) => {
                        self.failed = Some(e);
                        return false;
                    }
                };
                let flow =
                    Flow::new(&store, lens, &engine, &self.simopts).with_horizon(self.horizon);
                let (s, f) = self.window.insert((store, flow));
                (s, f)
            }
        };
        if last {
            flow.advance_last(store);
        } else {
            flow.advance(store);
        }
        self.fallback = flow.fallback();
        self.spent += t.elapsed();
        self.fallback.is_none()
    }

    /// Whether a chunk asked to stop the read (a fallback or an error).
    pub fn stopped(&self) -> bool {
        self.fallback.is_some() || self.failed.is_some()
    }

    /// The report of everything taken, or why the flow cannot give it.
    pub fn finish(
        mut self,
        source: &str,
        ropts: &ReportOptions,
    ) -> anyhow::Result<Result<(Report, Analysis), Fallback>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(why) = self.fallback {
            return Ok(Err(why));
        }
        // No event: the whole-store path says so as it always has.
        let Some((store, flow)) = self.window.take() else {
            return Ok(Err(Fallback::Empty));
        };
        let t = std::time::Instant::now();
        let analysis = match flow.finish(&store) {
            Ok(an) => an,
            Err(why) => return Ok(Err(why)),
        };
        let mut report = Report::build(source, &store, &analysis, ropts);
        if self.simopts.model != Model::Kafka {
            report.delivery = Some(self.simopts.model.name().to_string());
        }
        self.spent += t.elapsed();
        Ok(Ok((report, analysis)))
    }
}

/// `kord analyze` over the file as it is read: the report and the analysis,
/// with the time spent analyzing; or why the flow cannot give this stream's
/// report (then the file is read whole).
fn analyze_streaming(
    file: &Path,
    opts: &LoadOptions,
    a: &AnalyzeArgs,
    progress: &super::progress::Progress,
) -> anyhow::Result<Result<(Report, Analysis, std::time::Duration), Fallback>> {
    let mut chunks = Chunks::default();
    if let Some(n) = knob("KORD_STREAM_CHUNK") {
        chunks = Chunks {
            events: n as usize,
            bytes: n.saturating_mul(256),
        };
    }
    let mut flow = Streaming::new(a)?;
    // The file is read on threads of its own while the chunks read so far
    // are analyzed: at most one chunk waits.
    type Chunk = (EventStore, Option<(Lens, Option<Header>)>, bool);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(1);
    let streamed = std::thread::scope(|s| {
        let loader = s.spawn(move || {
            let mut first = true;
            stream_recording(
                file,
                opts,
                chunks,
                &mut |bytes| progress.file_at(bytes),
                &mut |c| {
                    let meta = first.then(|| (c.lens.clone(), c.header.cloned()));
                    first = false;
                    tx.send((c.events, meta, c.last)).is_ok()
                },
            )
        });
        let mut lens: Option<(Lens, Option<u32>)> = None;
        while let Ok((chunk, meta, last)) = rx.recv() {
            if let Some((l, h)) = meta {
                lens = Some((l, h.and_then(|h| h.partitions)));
            }
            let Some((l, claim)) = &lens else { break };
            if !flow.take(chunk, l, *claim, last) {
                break;
            }
        }
        // The reader stops at its next chunk once nobody takes it.
        drop(rx);
        loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })?;
    let ropts = report_options(a, streamed.skipped, streamed.first_skipped);
    let analyzing = flow.spent;
    let t = std::time::Instant::now();
    let out = flow.finish(&file.display().to_string(), &ropts)?;
    Ok(out.map(|(report, analysis)| (report, analysis, analyzing + t.elapsed())))
}
