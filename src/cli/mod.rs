//! The command line (SPEC §1). Parses the arguments, runs the command and maps
//! errors to exit codes: the edge of the binary, which asks `kord::engine`,
//! `kord::report` and the sources for the work. Must not run a rule, the
//! simulation or a detector itself.

mod analyze;
mod args;
mod kafka;
mod ops;
mod partition;
mod payload;
mod progress;
mod synth;
mod tui;

pub use args::Cli;

use clap::Parser;
use kord::source::recording::InputError;

/// An error that is the user's input or usage (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

/// Exit code for an error.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some() || e.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    }
}

/// Runs the command line; returns the exit code.
pub fn run() -> anyhow::Result<u8> {
    kord::signals::install();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return tui::demo(args::DemoArgs {
            seed: 1,
            ..args::DemoArgs::default()
        });
    };
    match command {
        args::Command::Demo(a) => tui::demo(a),
        args::Command::Replay(a) => tui::replay(a),
        args::Command::Live(a) => tui::live(a),
        args::Command::Analyze(a) if kafka::is_kafka(&a) => kafka::analyze(a),
        args::Command::Analyze(a) => analyze::run(a),
        args::Command::Synth(a) => synth::run(a),
        args::Command::Partition(a) => partition::partition(a),
        args::Command::Assign(a) => partition::assign(a),
        args::Command::Record(a) => kafka::record(a),
        args::Command::Produce(a) => kafka::produce(a),
        args::Command::Config(a) => ops::config(a),
        args::Command::Completions(a) => ops::completions(a),
        args::Command::Man(a) => ops::man(a),
    }
}
