//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// kord: a terminal visual debugger for message ordering in Kafka systems.
#[derive(Parser, Debug)]
#[command(name = "kord", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Headless run: the report of each strategy over a recording or topic.
    Analyze(AnalyzeArgs),
    /// Write a built-in scenario as a recording.
    Synth(SynthArgs),
}

/// The lens and simulation options shared by stream commands.
#[derive(Args, Debug, Clone, Default)]
pub struct LensArgs {
    /// Strategy to run (`all` runs every strategy).
    #[arg(long)]
    pub strategy: Option<String>,
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
    /// Assignor (range).
    #[arg(long)]
    pub assignor: Option<String>,
}

/// `kord analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Recording file (JSON Lines, optionally gzip or zstd).
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
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
    #[command(flatten)]
    pub lens: LensArgs,
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
    /// List the scenarios.
    #[arg(long)]
    pub list: bool,
}
