//! Command-line arguments (clap derive): flags, their help and their typed
//! values. Declares only; must not read files, the environment or a broker.

use clap::{Args, Parser, Subcommand};
use kord::sim::assign::Assignor;
use kord::sim::Model;
use kord::strategy::StrategyKind;
use std::path::PathBuf;

/// kord: a terminal visual debugger for message ordering in Kafka systems.
#[derive(Parser, Debug)]
#[command(name = "kord", version, about, long_about = None)]
pub struct Cli {
    /// With no subcommand, kord opens `demo` on the first scenario.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// TUI on a built-in scenario (default: the first one).
    Demo(DemoArgs),
    /// TUI over a recording (any kord recording or kcat -J dump).
    Replay(ReplayArgs),
    /// TUI over a live topic (read-only: never commits, never joins a group).
    Live(LiveArgs),
    /// Headless run: the report of each strategy over a recording or topic.
    Analyze(AnalyzeArgs),
    /// Write a built-in scenario as a recording.
    Synth(SynthArgs),
    /// Which partition each key goes to, as the clients' partitioners put it.
    Partition(PartitionArgs),
    /// The assignment a Kafka client assignor gives, as JSON.
    Assign(AssignArgs),
    /// Capture a live topic to a recording (read-only).
    Record(RecordArgs),
    /// Publish a built-in scenario to a real topic (for demos of live mode).
    Produce(ProduceArgs),
    /// The named clusters of the config file, and its path.
    Config(ConfigArgs),
    /// Shell completions: `source <(kord completions bash)`.
    Completions(CompletionsArgs),
    /// The man page (roff): `kord man > ~/.local/share/man/man1/kord.1`.
    Man(ManArgs),
}

/// `kord config`.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print only the config file's path.
    #[arg(long)]
    pub path: bool,
}

/// `kord completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_parser = ["bash", "zsh", "fish", "powershell", "elvish"])]
    pub shell: String,
}

/// `kord man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write kord.1 and one page per subcommand (kord-analyze.1, ...) into DIR
    /// instead of printing kord.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The lens and simulation options shared by stream commands.
#[derive(Args, Debug, Clone, Default)]
pub struct LensArgs {
    /// Strategy to run (`all` runs every strategy).
    #[arg(long)]
    pub strategy: Option<StrategyChoice>,
    /// Run every strategy side by side.
    #[arg(long)]
    pub compare: bool,
    /// Entity field: JSON pointer, `key` or `header:NAME`.
    #[arg(long)]
    pub entity: Option<String>,
    /// Version field.
    #[arg(long)]
    pub version: Option<String>,
    /// Type field.
    #[arg(long = "type")]
    pub type_: Option<String>,
    /// Event-time field.
    #[arg(long)]
    pub time: Option<String>,
    /// Cost field (ms).
    #[arg(long)]
    pub cost: Option<String>,
    /// Lens file (TOML); default `kord.toml` in the working directory if present.
    #[arg(long)]
    pub lens: Option<PathBuf>,
    /// Consumers for partitioned delivery.
    #[arg(long)]
    pub consumers: Option<u32>,
    /// Assignor: range (default), roundrobin, sticky, cooperative-sticky, uniform.
    #[arg(long)]
    pub assignor: Option<Assignor>,
    /// Keep only the records this jq expression selects, over
    /// {topic, partition, offset, ts, key, headers, payload} (payload decoded).
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
}

/// How keys and payloads are decoded (README "Payloads").
#[derive(Args, Debug, Clone, Default)]
pub struct PayloadArgs {
    /// Confluent-compatible schema registry URL: decode Avro, Protobuf and
    /// JSON Schema keys and payloads in the Confluent wire format.
    #[arg(long, value_name = "URL")]
    pub schema_registry: Option<String>,
    /// Registry option as the Confluent clients name it (repeatable):
    /// basic.auth.user.info=USER:PASS, bearer.auth.token=T,
    /// ssl.ca.location=FILE, timeout=5s.
    #[arg(long = "registry-property", value_name = "KEY=VALUE")]
    pub registry_property: Vec<String>,
    /// Avro schema (.avsc) of every payload, framed or not (no registry).
    #[arg(long, value_name = "FILE", conflicts_with = "proto")]
    pub avro_schema: Option<PathBuf>,
    /// Protobuf schema (.proto) of every payload, with --proto-message.
    #[arg(long, value_name = "FILE", requires = "proto_message")]
    pub proto: Option<PathBuf>,
    /// The message type of --proto (full name, e.g. shop.OrderEvent).
    #[arg(long, value_name = "NAME", requires = "proto")]
    pub proto_message: Option<String>,
}

/// `kord analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Recording file (JSON Lines, optionally gzip or zstd).
    pub file: Option<PathBuf>,
    /// Output format: text tables, JSON, one self-contained HTML page, or Markdown tables.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "html", "markdown"])]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add each entity's final state per strategy (JSON).
    #[arg(long)]
    pub state: bool,
    /// Exit 3 when a finding of these kinds (comma-separated) is present.
    #[arg(long, value_delimiter = ',')]
    pub fail_on: Vec<String>,
    /// Skip malformed lines, count them and list the first ten.
    #[arg(long)]
    pub lenient: bool,
    /// Findings listed in the report (counts stay exact); 0 lists all.
    #[arg(long, default_value_t = 1000)]
    pub max_findings: usize,
    /// No progress on stderr (it is shown only when stderr is a terminal).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[command(flatten)]
    pub lens: LensArgs,
    #[command(flatten)]
    pub whatif: WhatIfArgs,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    #[command(flatten)]
    pub read: KafkaReadArgs,
    #[command(flatten)]
    pub payload: PayloadArgs,
}

/// What-ifs (docs/whatif.md): re-partitioning, rebalances, delivery models.
#[derive(Args, Debug, Clone, Default)]
pub struct WhatIfArgs {
    /// Re-partition the stream onto N partitions (what-if).
    #[arg(long, value_name = "N")]
    pub partitions: Option<u32>,
    /// Partitioner of the what-if: murmur2 (default), crc32 or fnv1a.
    #[arg(long, value_name = "P")]
    pub partitioner: Option<String>,
    /// What the what-if partitions by: key (default), entity, or payload
    /// pointers /a,/b (composite key; `key` names the record key).
    #[arg(long, value_name = "BY")]
    pub partition_by: Option<String>,
    /// Membership changes: add@INDEX, remove:C1@INDEX, kill:C0@INDEX (comma-separated).
    #[arg(long, value_name = "CHANGES")]
    pub rebalance: Option<String>,
    /// Pause of one rebalance (round), ms.
    #[arg(long, value_name = "MS")]
    pub rebalance_ms: Option<u64>,
    /// Session timeout before a killed consumer's partitions move, ms.
    #[arg(long, value_name = "MS")]
    pub session_timeout_ms: Option<u64>,
    /// Delivery model what-if: kafka, sqs-fifo, pubsub-key, servicebus-session, rabbitmq-sac.
    #[arg(long, value_name = "MODEL")]
    pub delivery: Option<Model>,
    /// SQS FIFO queue-wide throughput limit, messages per second.
    #[arg(long, value_name = "N")]
    pub sqs_limit: Option<u32>,
}

/// `kord synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Scenario name (`--list` lists them).
    pub scenario: Option<String>,
    /// Output file (`-` for standard output).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Number of events (default: the scenario's own, a few thousand).
    #[arg(long)]
    pub events: Option<usize>,
    /// Random seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Partition count (default: the scenario's own).
    #[arg(long)]
    pub partitions: Option<u32>,
    /// Entity count (default: the scenario's own).
    #[arg(long)]
    pub entities: Option<usize>,
    /// List the scenarios.
    #[arg(long)]
    pub list: bool,
}

/// How to reach Kafka, as kcat users know it.
#[derive(Args, Debug, Clone, Default)]
pub struct KafkaArgs {
    /// A named cluster of the config file (`kord config`); default: $KORD_CLUSTER,
    /// else the file's `default` (neither applies with -b).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Bootstrap brokers (host:port,...): read a live topic instead of a file.
    #[arg(short = 'b', long = "brokers", value_name = "BROKERS")]
    pub brokers: Option<String>,
    /// Topic.
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: Option<String>,
    /// librdkafka property key=value (repeatable): SASL, SSL, ...
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    pub property: Vec<String>,
    /// librdkafka properties file (key=value lines).
    #[arg(short = 'F', value_name = "FILE")]
    pub properties_file: Option<PathBuf>,
    /// Bounded wait for the brokers at start and after losing them (10s, 500ms, 2m).
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: String,
}

/// Where to read a topic from and to, and what else to observe.
#[derive(Args, Debug, Clone, Default)]
pub struct KafkaReadArgs {
    /// Start: beginning, end, OFFSET, -N (N before the end), @TIME (RFC 3339 or epoch ms).
    #[arg(
        long,
        default_value = "beginning",
        allow_hyphen_values = true,
        value_name = "FROM"
    )]
    pub from: String,
    /// Stop: end, N records, or @TIME.
    #[arg(long, value_name = "UNTIL")]
    pub until: Option<String>,
    /// Only these partitions (comma-separated).
    #[arg(
        short = 'p',
        long = "partition",
        value_delimiter = ',',
        value_name = "PARTITIONS"
    )]
    pub partition: Vec<i32>,
    /// Keep waiting for lost brokers instead of failing after --timeout.
    #[arg(long)]
    pub keep_waiting: bool,
    /// Observe this consumer group (members, assignment, committed offsets,
    /// lag); never joins it.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Order across partitions: `merged` (by kord-seq header, else timestamp:
    /// the same on every run; live lets caught-up partitions flow) or
    /// `arrival` (as polled).
    #[arg(long, default_value = "merged", value_parser = ["merged", "arrival"])]
    pub order: String,
}

/// `kord record`.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// Output file (`-` for standard output).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// No progress on stderr (it is shown only when stderr is a terminal).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    #[command(flatten)]
    pub read: KafkaReadArgs,
    #[command(flatten)]
    pub lens: LensArgs,
    #[command(flatten)]
    pub payload: PayloadArgs,
}

/// `kord produce`.
#[derive(Args, Debug)]
pub struct ProduceArgs {
    /// Scenario name (see `kord synth --list`), or a recording FILE to
    /// publish byte for byte.
    pub scenario: String,
    /// Write into a topic that already holds records (a recording only).
    #[arg(long)]
    pub append: bool,
    /// Payload format of a scenario: json (default) or avro (registered
    /// with --schema-registry, Confluent wire format).
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "avro"], default_value = "json")]
    pub format: String,
    /// Schema registry URL (for --format avro).
    #[arg(long, value_name = "URL")]
    pub schema_registry: Option<String>,
    /// Registry option KEY=VALUE (as for the readers).
    #[arg(long = "registry-property", value_name = "KEY=VALUE")]
    pub registry_property: Vec<String>,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Partitions: the scenario is generated for N partitions (as `kord
    /// synth --partitions`) and the topic created with N (default: the scenario's).
    #[arg(long)]
    pub partitions: Option<u32>,
    /// Number of entities (default: the scenario's own).
    #[arg(long)]
    pub entities: Option<usize>,
    /// Replication factor when kord creates the topic.
    #[arg(long, default_value_t = 1)]
    pub replication: i32,
    /// Number of events (default: the scenario's own).
    #[arg(long)]
    pub events: Option<usize>,
    /// Random seed: the same seed publishes the same records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Options of the TUI commands (`replay`, `demo`).
#[derive(Args, Debug, Clone, Default)]
pub struct TuiArgs {
    /// Theme: dark, light, colorblind, or a TOML file (overrides only the colours it names).
    #[arg(long)]
    pub theme: Option<String>,
    /// Write logs to this file (also `KORD_LOG=FILE`); never to the screen.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Time zone of the times shown: utc (default), local, an offset (+02:00)
    /// or a zone name (Europe/Paris).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// `kord replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Recording file (JSON Lines, optionally gzip or zstd).
    pub file: PathBuf,
    /// Skip malformed lines.
    #[arg(long)]
    pub lenient: bool,
    #[command(flatten)]
    pub lens: LensArgs,
    #[command(flatten)]
    pub whatif: WhatIfArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(flatten)]
    pub payload: PayloadArgs,
}

/// `kord live`.
#[derive(Args, Debug)]
pub struct LiveArgs {
    #[command(flatten)]
    pub kafka: KafkaArgs,
    #[command(flatten)]
    pub read: KafkaReadArgs,
    /// Keep the last N events, dropping the oldest (0: keep everything).
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub window: usize,
    #[command(flatten)]
    pub lens: LensArgs,
    #[command(flatten)]
    pub whatif: WhatIfArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(flatten)]
    pub payload: PayloadArgs,
}

/// `kord demo`.
#[derive(Args, Debug, Default)]
pub struct DemoArgs {
    /// Scenario name (default: the first; `--list` lists them).
    pub scenario: Option<String>,
    /// List the scenarios.
    #[arg(long)]
    pub list: bool,
    /// Number of events (default: the scenario's own).
    #[arg(long)]
    pub events: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub lens: LensArgs,
    #[command(flatten)]
    pub whatif: WhatIfArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// `kord partition`.
#[derive(Args, Debug)]
pub struct PartitionArgs {
    /// Partition count (with -b/-t: the topic's, read from the cluster).
    #[arg(long)]
    pub partitions: Option<u32>,
    /// murmur2 (Java default, the default here), crc32 (librdkafka), fnv1a (Sarama), or `all`.
    #[arg(long)]
    pub partitioner: Option<String>,
    /// Keys (UTF-8).
    #[arg(required = true)]
    pub keys: Vec<String>,
    #[command(flatten)]
    pub kafka: KafkaArgs,
}

/// `kord assign`.
#[derive(Args, Debug)]
pub struct AssignArgs {
    /// range, roundrobin, sticky, cooperative-sticky or uniform.
    #[arg(long)]
    pub assignor: Assignor,
    /// Member ids, in any order (the assignor orders them as the client does).
    #[arg(long, value_delimiter = ',', required = true)]
    pub consumers: Vec<String>,
    /// Topics as T:N (N partitions), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub topics: Vec<String>,
    /// The previous generation's assignment (the output's JSON shape), for sticky assignors.
    #[arg(long)]
    pub previous: Option<PathBuf>,
}

/// `--strategy`: one strategy, or `all`. Parsed once, by clap (an unknown
/// name is a usage error naming the known ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyChoice {
    All,
    One(StrategyKind),
}

impl std::str::FromStr for StrategyChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<StrategyChoice, String> {
        match s {
            "all" => Ok(StrategyChoice::All),
            s => s
                .parse()
                .map(StrategyChoice::One)
                .map_err(|e: kord::strategy::UnknownStrategy| e.to_string()),
        }
    }
}
