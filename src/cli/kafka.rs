//! The Kafka commands: `kord analyze -b -t`, `kord record`, `kord produce`.
//! Turns flags into a `KafkaConfig` and calls `kord::source::kafka`; must not
//! poll, write recordings or hold a read loop itself.

use super::analyze::{
    analyze_and_report, emit, engine_options, fail_on, fail_status, lens_options, rendered,
    report_options, strategies, text_width,
};
use super::args::{AnalyzeArgs, KafkaArgs, KafkaReadArgs, LensArgs, ProduceArgs, RecordArgs};
use super::progress::Progress;
use super::UsageError;
use kord::config::{resolve, Flags, Resolved, SystemSecrets, CLUSTER_ENV};
use kord::decode::Stage;
use kord::filter::RecordFilter;
use kord::model::lens::LensConfig;
use kord::model::{Ingest, Lens};
use kord::report::render_text;
use kord::source::kafka::capture::{
    ingest_topic_chunked, record_topic, Captured, Keep, RecordingWriter, TakeStore,
};
use kord::source::kafka::group::{GroupObserver, GroupSnapshot};
use kord::source::kafka::produce::{
    ensure_topic, produce as publish, produce_records, topic_is_empty,
};
use kord::source::kafka::reader::{KafkaReader, ReadOrder};
use kord::source::kafka::{parse_duration, KafkaConfig, KafkaSourceError, StartFrom, Until};
use kord::source::recording::{Header, RecordingReader};
use kord::source::{resolve_lens, LoadOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

/// A Kafka error as the binary reports it (usage ones exit 2).
pub fn kerr(e: KafkaSourceError) -> anyhow::Error {
    if e.is_usage() {
        UsageError(e.to_string()).into()
    } else {
        anyhow::Error::new(e)
    }
}

/// Whether `kord analyze` reads a topic: `-b`, `--cluster`, or `-t` with no FILE
/// (the cluster then comes from $KORD_CLUSTER or the config's default).
pub fn is_kafka(a: &AnalyzeArgs) -> bool {
    a.kafka.brokers.is_some()
        || a.kafka.cluster.is_some()
        || (a.file.is_none() && a.kafka.topic.is_some())
}

/// The cluster settings of a Kafka command: the config file's named
/// cluster (`--cluster`, $KORD_CLUSTER, the default) under the flags.
pub fn cluster(k: &KafkaArgs) -> anyhow::Result<Resolved> {
    let env = std::env::var(CLUSTER_ENV).ok();
    let wants_file = k.cluster.is_some() || (k.brokers.is_none());
    let file = if wants_file {
        super::ops::load_config()?
    } else {
        kord::config::Config::default()
    };
    let flags = Flags {
        cluster: k.cluster.as_deref(),
        cluster_env: env.as_deref(),
        brokers: k.brokers.as_deref(),
        schema_registry: None,
    };
    resolve(&file, &flags, &SystemSecrets).map_err(|e| UsageError(e.to_string()).into())
}

/// The lens flags with the cluster's lens for `topic` when `--lens` is not given.
pub fn lens_for_topic(a: &LensArgs, cl: &Resolved, topic: &str) -> LensArgs {
    let mut a = a.clone();
    if a.lens.is_none() {
        a.lens = cl.lens_for(topic).map(Path::to_path_buf);
    }
    a
}

/// `--where EXPR`, compiled (a bad expression is a usage error).
pub fn where_filter(a: &LensArgs) -> anyhow::Result<Option<RecordFilter>> {
    match &a.where_ {
        None => Ok(None),
        Some(e) => Ok(Some(
            RecordFilter::compile(e).map_err(|m| UsageError(format!("--where {e:?}: {m}")))?,
        )),
    }
}

/// The client config from the flags.
pub fn config(k: &KafkaArgs, r: Option<&KafkaReadArgs>) -> anyhow::Result<KafkaConfig> {
    Ok(cluster_config(k, r)?.0)
}

/// The client config and the cluster settings it came from.
pub fn cluster_config(
    k: &KafkaArgs,
    r: Option<&KafkaReadArgs>,
) -> anyhow::Result<(KafkaConfig, Resolved)> {
    let cl = cluster(k)?;
    if cl.brokers.is_empty() {
        return Err(UsageError(
            "-b BROKERS (or --cluster NAME, $KORD_CLUSTER, or a default cluster in the config file: `kord config`) is required"
                .into(),
        )
        .into());
    }
    let Some(topic) = k.topic.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Err(UsageError("-t TOPIC is required with -b".into()).into());
    };
    let mut cfg = KafkaConfig::new(&cl.brokers, topic);
    // The file's properties first: -F, then -X, override them.
    cfg.props = cl.properties.clone();
    cfg.timeout = parse_duration(&k.timeout).map_err(|m| UsageError(format!("--timeout {m}")))?;
    if let Some(f) = &k.properties_file {
        cfg.add_properties_file(f).map_err(kerr)?;
    }
    for x in &k.property {
        cfg.add_property(x).map_err(kerr)?;
    }
    if let Some(r) = r {
        cfg.from = StartFrom::parse(&r.from).map_err(UsageError)?;
        if !r.partition.is_empty() {
            cfg.partitions = Some(r.partition.clone());
        }
        cfg.keep_waiting = r.keep_waiting;
    }
    Ok((cfg, cl))
}

/// The client config of a read to `until`: short fetch waits when it reads
/// to the end (`KafkaConfig::bounded`), a live view's otherwise, so a
/// `--until N` or `--until @TIME` waiting on a quiet topic costs the cluster
/// no more than `kord live` does.
fn read_config(
    k: &KafkaArgs,
    r: &KafkaReadArgs,
    until: &Until,
) -> anyhow::Result<(KafkaConfig, Resolved)> {
    let (cfg, cl) = cluster_config(k, Some(r))?;
    Ok((
        if *until == Until::End {
            cfg.bounded()
        } else {
            cfg
        },
        cl,
    ))
}

fn until(r: &KafkaReadArgs) -> anyhow::Result<Until> {
    match &r.until {
        None => Ok(Until::End),
        Some(u) => Ok(Until::parse(u).map_err(UsageError)?),
    }
}

/// `--order`: merged unless `arrival`.
pub fn order(r: &KafkaReadArgs) -> ReadOrder {
    if r.order == "arrival" {
        ReadOrder::Arrival
    } else {
        ReadOrder::Merged
    }
}

fn looks_like_recording(p: &Path) -> bool {
    let mut b = [0u8; 4];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut b))
        .unwrap_or(0);
    n >= 1 && (b[0] == b'{' || b.starts_with(&[0x1f, 0x8b]) || b == [0x28, 0xb5, 0x2f, 0xfd])
}

/// The lens for a live topic: `--lens` may name a TOML lens file or a
/// recording (its header's lens, e.g. the scenario `kord produce` published),
/// then the flags on top. Returns the compiled lens and its settings (for a
/// recording's header; None when nothing was set).
pub fn live_lens(a: &LensArgs) -> anyhow::Result<(Lens, Option<LensConfig>)> {
    let mut header: Option<Header> = None;
    let mut flags = a.clone();
    if let Some(p) = &a.lens {
        if looks_like_recording(p) {
            let r = RecordingReader::open(p)?;
            header = r.header().cloned();
            flags.lens = None;
        }
    }
    let (cfg, origin) = lens_options(&flags)?;
    let opts = LoadOptions {
        lens: cfg.clone(),
        lens_origin: origin,
        lenient: false,
        keep_raw: false,
        decoder: None,
        filter: None,
    };
    let lens = resolve_lens("command line", header.as_ref(), &opts)?;
    let mut combined = header.and_then(|h| h.lens).unwrap_or_default();
    combined.overlay(cfg);
    let set = (combined != LensConfig::default()).then_some(combined);
    Ok((lens, set))
}

fn stderr_line(s: &str) {
    eprintln!("kord: {s}");
}

/// `--until N` as a count (for the progress bar's length).
fn limit(until: &Until) -> Option<u64> {
    match until {
        Until::Count(n) => Some(*n),
        _ => None,
    }
}

/// `kord analyze -b BROKERS -t TOPIC`: the report of section 7 over a topic
/// read to `--until` (default: its end).
pub fn analyze(a: AnalyzeArgs) -> anyhow::Result<u8> {
    if a.file.is_some() {
        return Err(
            UsageError("analyze takes a FILE or -b BROKERS -t TOPIC, not both".into()).into(),
        );
    }
    let kinds = fail_on(&a)?;
    let until = until(&a.read)?;
    let (cfg, cl) = read_config(&a.kafka, &a.read, &until)?;
    if until == Until::Never {
        return Err(UsageError("analyze needs an end (--until)".into()).into());
    }
    let filter = where_filter(&a.lens)?;
    let (lens, _) = live_lens(&lens_for_topic(&a.lens, &cl, &cfg.topic))?;
    let decoder = super::payload::decoder(&a.payload, cl.schema_registry.as_deref())?;
    let mut reader = KafkaReader::connect(&cfg).map_err(kerr)?;
    let mut observer = match &a.read.group {
        Some(g) => Some(GroupObserver::new(&cfg, g).map_err(kerr)?),
        None => None,
    };
    // A first sample, so the status has a window of two.
    let _ = observe(observer.as_mut(), &mut reader, &cfg)?;
    let partitions = reader.topic_partition_count();
    let mut ingest = Ingest::new(lens.clone(), false);
    ingest.set_partitions(partitions);
    let t0 = Instant::now();
    let keep = || Keep {
        filter: filter.as_ref(),
        stage: decoder.clone().map(Stage::new).filter(Stage::is_active),
    };
    let progress = Progress::kafka(a.quiet, &cfg.topic, limit(&until));
    let to_end = until == Until::End;
    let ropts = report_options(&a, 0, Vec::new());
    let source = cfg.describe();
    // The topic analyzed as it is read (memory that does not grow with its
    // records), unless the flow cannot give its report: then it is read
    // again, whole.
    let read = |reader: &mut KafkaReader, ingest: &mut Ingest, chunk, take: &mut TakeStore<'_>| {
        ingest_topic_chunked(
            reader,
            &until,
            order(&a.read),
            ingest,
            keep(),
            (
                &mut |r| progress.kafka_at(&r.marks(), to_end),
                &mut |done| progress.count(done.records, done.bytes),
            ),
            (chunk, take),
        )
    };
    let mut streamed = None;
    if super::analyze::streamable(&a) {
        let mut flow = super::analyze::Streaming::new(&a)?;
        let claim = Some(partitions);
        let chunk = super::analyze::Streaming::chunk_events(1 << 16);
        let flow_lens = lens.clone();
        let done = read(&mut reader, &mut ingest, chunk, &mut |store| {
            flow.take(store, &flow_lens, claim, false)
        });
        if !flow.stopped() {
            done.map_err(kerr)?;
            let last = std::mem::replace(&mut ingest, Ingest::new(lens.clone(), false));
            let last = last.finish().0;
            if !last.is_empty() {
                flow.take(last, &lens, claim, true);
            }
        }
        match flow.finish(&source, &ropts)? {
            Ok(done) => streamed = Some(done),
            Err(why) => {
                if std::env::var_os("KORD_TIMING").is_some() {
                    eprintln!("kord: the streaming analysis cannot give this topic's report ({why}); reading it again, whole");
                }
                progress.restart(&format!(" again, whole ({why})"));
                reader = KafkaReader::connect(&cfg).map_err(kerr)?;
                ingest = Ingest::new(lens.clone(), false);
                ingest.set_partitions(partitions);
            }
        }
    }
    let did_stream = streamed.is_some();
    let (report, analysis) = match streamed {
        Some(done) => {
            progress.finish();
            done
        }
        None => {
            let done = read(&mut reader, &mut ingest, usize::MAX, &mut |_| true);
            progress.finish();
            done.map_err(kerr)?;
            let (store, lens) = std::mem::replace(&mut ingest, Ingest::new(lens, false)).finish();
            let engine_opts = engine_options(&a, strategies(&a.lens, &lens, true)?);
            analyze_and_report(&source, &store, &lens, &engine_opts, &a.whatif, &ropts)?
        }
    };
    let group = observe(observer.as_mut(), &mut reader, &cfg)?;
    let t_read = t0.elapsed();
    if std::env::var_os("KORD_TIMING").is_some() {
        let how = if did_stream { " (streamed)" } else { "" };
        eprintln!("kord: timing: read and analyze {t_read:?}{how}");
    }
    let out = topic_report(&a, &report, &analysis, group.as_ref())?;
    emit(&out, a.output.as_deref())?;
    Ok(fail_status(&kinds, &report, &analysis))
}

/// A topic's report in the format asked, with the observed group (`--group`).
fn topic_report(
    a: &AnalyzeArgs,
    report: &kord::report::Report,
    analysis: &kord::engine::Analysis,
    group: Option<&GroupSnapshot>,
) -> anyhow::Result<String> {
    Ok(match a.format.as_str() {
        "json" => {
            let mut v: serde_json::Value = serde_json::from_str(&report.to_json())?;
            if let (Some(g), Some(o)) = (group, v.as_object_mut()) {
                o.insert("group".into(), serde_json::to_value(g)?);
            }
            format!("{v}\n")
        }
        "html" | "markdown" => rendered(&a.format, report, analysis),
        _ => {
            let mut t = render_text(report, text_width(a.output.is_some()));
            if let Some(g) = group {
                t.push_str(&group_text(g));
            }
            t
        }
    })
}

/// The observed group (`--group`) as of the reader's latest watermarks.
fn observe(
    observer: Option<&mut GroupObserver>,
    reader: &mut KafkaReader,
    cfg: &KafkaConfig,
) -> anyhow::Result<Option<GroupSnapshot>> {
    let Some(obs) = observer else {
        return Ok(None);
    };
    let marks = reader.refresh_watermarks(cfg.timeout);
    Ok(Some(obs.observe(reader.consumer(), &marks).map_err(kerr)?))
}

/// The `--group` section of the text report.
pub fn group_text(g: &GroupSnapshot) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nConsumer group {:?}: {} ({}), {} member(s), total lag {}, status {}",
        g.group,
        g.state,
        g.protocol_name(),
        g.members.len(),
        g.total_lag(),
        g.status
    );
    for m in &g.members {
        let parts: Vec<String> = m
            .assignment
            .iter()
            .map(|(t, ps)| {
                let ps: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
                format!("{t}[{}]", ps.join(","))
            })
            .collect();
        let _ = writeln!(
            s,
            "  member {} client {} host {} assigned {}",
            m.member_id,
            m.client_id,
            m.client_host,
            if parts.is_empty() {
                "-".into()
            } else {
                parts.join(" ")
            }
        );
    }
    let _ = writeln!(
        s,
        "  {:>9} {:>12} {:>12} {:>10}  {:<8} owner",
        "partition", "committed", "high", "lag", "status"
    );
    for p in &g.partitions {
        let _ = writeln!(
            s,
            "  {:>9} {:>12} {:>12} {:>10}  {:<8} {}",
            p.partition,
            p.committed.map_or("-".into(), |c| c.to_string()),
            p.high,
            p.lag.map_or("-".into(), |l| l.to_string()),
            p.status.name(),
            p.owner.as_deref().unwrap_or("-")
        );
    }
    s
}

/// `kord record`: capture a topic to a recording (SPEC §2), header first,
/// flushed at least once a second, never with secrets.
pub fn record(a: RecordArgs) -> anyhow::Result<u8> {
    let Some(out) = &a.output else {
        return Err(UsageError("record needs -o FILE (or -o - for standard output)".into()).into());
    };
    let until = until(&a.read)?;
    let (cfg, cl) = read_config(&a.kafka, &a.read, &until)?;
    let filter = where_filter(&a.lens)?;
    let (_, lens_cfg) = live_lens(&lens_for_topic(&a.lens, &cl, &cfg.topic))?;
    let decoder = super::payload::decoder(&a.payload, cl.schema_registry.as_deref())?
        .filter(|d| d.has_lookup());
    let mut reader = KafkaReader::connect(&cfg).map_err(kerr)?;
    let header = record_header(&a, &cfg, reader.topic_partition_count(), lens_cfg);
    let sink: Box<dyn Write + Send> = if out.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        Box::new(
            std::fs::File::create(out)
                .map_err(|e| UsageError(format!("{}: cannot create: {e}", out.display())))?,
        )
    };
    let name = out.display().to_string();
    // A signal stops the recording between batches: the file is flushed and
    // closed with only complete lines, then kord exits with 128+N.
    kord::signals::defer();
    let mut w = RecordingWriter::create(sink, &name, &header, decoder.clone()).map_err(kerr)?;
    let started = Instant::now();
    // A filter over decoded payloads needs the stage; the file keeps the raw bytes.
    let keep = Keep {
        filter: filter.as_ref(),
        stage: decoder.map(Stage::new).filter(Stage::is_active),
    };
    let progress = Progress::kafka(a.quiet, &cfg.topic, limit(&until));
    let to_end = until == Until::End;
    let result = record_topic(
        &mut reader,
        &until,
        order(&a.read),
        keep,
        &mut w,
        &mut |r| progress.kafka_at(&r.marks(), to_end),
        &mut |w, done| {
            progress.count(done.records, done.bytes);
            if let Some(code) = kord::signals::exit_code() {
                w.flush()?;
                stderr_line(&format!(
                    "recording to {name} stopped by signal {}; every line written is complete",
                    code - 128
                ));
                std::process::exit(code.into());
            }
            Ok(())
        },
    );
    progress.finish();
    let Captured { read, kept } = result.map_err(|e| {
        stderr_line(&format!(
            "recording to {name} stopped; the lines written are complete and valid"
        ));
        kerr(e)
    })?;
    let secs = started.elapsed().as_secs_f64();
    let what = if filter.is_some() {
        format!("{kept} of {read} records (--where)")
    } else {
        format!("{read} records")
    };
    stderr_line(&format!(
        "recorded {what} from {} to {name} in {secs:.1}s",
        cfg.describe()
    ));
    Ok(0)
}

/// The recording's header: where and when, the command, the lens; never a
/// secret (brokers and topic only: -X/-F values never go in).
fn record_header(
    a: &RecordArgs,
    cfg: &KafkaConfig,
    partitions: u32,
    lens: Option<LensConfig>,
) -> Header {
    Header {
        kord: 1,
        topic: Some(cfg.topic.clone()),
        partitions: Some(partitions),
        source: Some(cfg.describe()),
        recorded_at: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        note: Some(format!(
            "kord record --from {} --until {}{}",
            a.read.from,
            a.read.until.as_deref().unwrap_or("end"),
            a.lens
                .where_
                .as_deref()
                .map_or(String::new(), |w| format!(" --where {w:?}"))
        )),
        lens,
        consumers: None,
        assignor: None,
    }
}

/// `kord produce FILE`: publish a recording byte for byte (each record to
/// its recorded partition, in order within each partition), creating the
/// topic with the recording's partition count when missing; refuses a
/// topic that holds records unless `--append`.
fn produce_file(a: &ProduceArgs, path: &Path) -> anyhow::Result<u8> {
    use kord::source::recording::parse_record;
    let cfg = config(&a.kafka, None)?;
    let mut reader = RecordingReader::open(path)?;
    let header_partitions = reader.header().and_then(|h| h.partitions).unwrap_or(0);
    let mut records = Vec::new();
    let mut buf = Vec::new();
    while reader.next_line(&mut buf)? {
        if kord::decode::SchemaDoc::from_line(&buf).is_some() {
            continue;
        }
        let r = parse_record(&buf).map_err(|e| reader.line_error(e))?;
        if matches!(r.key, kord::model::Payload::Json(_))
            || matches!(r.payload, kord::model::Payload::Json(_))
        {
            return Err(UsageError(format!(
                "{}:{}: a key or payload written as a JSON value (a decoded kcat -s dump) \
                 has lost its original bytes; kord produce publishes only raw records",
                path.display(),
                reader.line()
            ))
            .into());
        }
        records.push(r.into_owned());
    }
    let needed = records
        .iter()
        .map(|r| r.partition as u32 + 1)
        .max()
        .unwrap_or(1)
        .max(header_partitions)
        .max(1);
    let want = a.partitions.unwrap_or(needed);
    if want < needed {
        return Err(UsageError(format!(
            "--partitions {want}: the recording has records for partitions 0..{}",
            needed - 1
        ))
        .into());
    }
    let (have, created) = ensure_topic(&cfg, want, a.replication).map_err(kerr)?;
    if have < needed {
        return Err(UsageError(format!(
            "topic {:?} has {have} partitions; the recording needs {needed}",
            cfg.topic
        ))
        .into());
    }
    if !created && !a.append && !topic_is_empty(&cfg).map_err(kerr)? {
        return Err(UsageError(format!(
            "topic {:?} already holds records; --append writes into it anyway",
            cfg.topic
        ))
        .into());
    }
    let started = Instant::now();
    let n = produce_records(&cfg, &records, false, &mut |_| {}).map_err(kerr)?;
    let secs = started.elapsed().as_secs_f64();
    stderr_line(&format!(
        "produced {n} records of {} to {} ({have} partitions{}) in {secs:.1}s",
        path.display(),
        cfg.describe(),
        if created { ", created" } else { "" },
    ));
    Ok(0)
}

/// Encodes a scenario's payloads as Avro in the Confluent wire format,
/// registering the inferred schema as `TOPIC-value`.
fn avro_scenario(
    a: &ProduceArgs,
    topic: &str,
    records: &mut [kord::model::Record<'static>],
) -> anyhow::Result<u32> {
    use kord::model::Payload;
    let Some(url) = super::payload::registry_url(a.schema_registry.as_deref(), None) else {
        return Err(UsageError("--format avro needs --schema-registry URL".into()).into());
    };
    let reg = super::payload::registry(&url, &a.registry_property)?;
    let payloads: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            r.payload
                .json_text()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(serde_json::Value::Null)
        })
        .collect();
    let name: String = a
        .scenario
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let text = kord::decode::encode::infer_schema(&format!("kord_{name}"), &payloads);
    let schema = apache_avro::Schema::parse_str(&text)?;
    let id = reg
        .register(&format!("{topic}-value"), kord::decode::Format::Avro, &text)
        .map_err(UsageError)?;
    for (r, p) in records.iter_mut().zip(&payloads) {
        if r.payload.is_null() {
            continue;
        }
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&id.to_be_bytes());
        bytes.extend(kord::decode::encode::encode(&schema, p).map_err(anyhow::Error::msg)?);
        r.payload = Payload::from_vec(bytes);
    }
    Ok(id)
}

/// `kord produce`: publish a scenario (or a recording) to a topic,
/// creating it if missing.
pub fn produce(a: ProduceArgs) -> anyhow::Result<u8> {
    if a.kafka.brokers.is_none() && a.kafka.cluster.is_none() {
        // The one command that writes never picks a cluster by default.
        return Err(UsageError(
            "produce writes to a topic: name the cluster with -b BROKERS or --cluster NAME \
             ($KORD_CLUSTER and the default cluster are not used for writes)"
                .into(),
        )
        .into());
    }
    let path = Path::new(&a.scenario);
    let is_scenario = kord::source::synth::scenario_names().contains(&a.scenario.as_str());
    if !is_scenario && path.is_file() {
        if a.format != "json" {
            return Err(UsageError(
                "--format applies to scenarios; a recording is published as it is".into(),
            )
            .into());
        }
        return produce_file(&a, path);
    }
    if a.append {
        return Err(UsageError("--append applies to a recording FILE".into()).into());
    }
    let cfg = config(&a.kafka, None)?;
    let params = kord::source::synth::SynthParams {
        events: a.events,
        partitions: a.partitions,
        entities: a.entities,
        seed: a.seed,
    };
    let mut synth = kord::source::synth::generate_with(&a.scenario, &params).map_err(UsageError)?;
    let schema_id = if a.format == "avro" {
        Some(avro_scenario(&a, &cfg.topic, &mut synth.records)?)
    } else {
        None
    };
    let needed = synth
        .records
        .iter()
        .map(|r| r.partition + 1)
        .max()
        .unwrap_or(1)
        .max(synth.header.partitions.unwrap_or(1) as i32)
        .max(1) as u32;
    let want = a.partitions.unwrap_or(needed);
    if want < needed {
        return Err(UsageError(format!(
            "--partitions {want}: scenario {} records to partitions 0..{}",
            a.scenario,
            needed - 1
        ))
        .into());
    }
    let (have, created) = ensure_topic(&cfg, want, a.replication).map_err(kerr)?;
    if have < needed {
        return Err(UsageError(format!(
            "topic {:?} has {have} partitions; scenario {} needs {needed}",
            cfg.topic, a.scenario
        ))
        .into());
    }
    let started = Instant::now();
    let n = publish(&cfg, &synth.records, &mut |_| {}).map_err(kerr)?;
    let secs = started.elapsed().as_secs_f64();
    stderr_line(&format!(
        "produced {n} records of {} (seed {}{}) to {} ({have} partitions{}) in {secs:.1}s, {:.0} records/s",
        a.scenario,
        a.seed,
        schema_id.map_or(String::new(), |id| format!(", avro schema id {id}")),
        cfg.describe(),
        if created { ", created" } else { "" },
        n as f64 / secs.max(1e-9)
    ));
    Ok(0)
}
