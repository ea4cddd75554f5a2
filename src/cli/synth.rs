//! `kord synth`: write a built-in scenario as a recording. The scenarios are
//! `kord::source::synth`'s: must not generate events itself.

use super::args::SynthArgs;
use super::UsageError;
use kord::source::synth::{write_with, SynthParams, SCENARIOS};
use std::io::BufWriter;

/// Prints the scenarios, one per line.
pub fn list() {
    for s in SCENARIOS {
        println!("{:<20} {}", s.name, s.about);
    }
}

/// Runs `kord synth`.
pub fn run(a: SynthArgs) -> anyhow::Result<u8> {
    if a.list {
        list();
        return Ok(0);
    }
    let Some(name) = a.scenario else {
        return Err(UsageError("synth needs a SCENARIO (see `kord synth --list`)".into()).into());
    };
    let Some(out) = a.output else {
        return Err(UsageError("synth needs -o FILE (or -o - for standard output)".into()).into());
    };
    let params = SynthParams {
        events: a.events,
        partitions: a.partitions,
        entities: a.entities,
        seed: a.seed,
    };
    if kord::source::synth::scenario(&name).is_none() {
        // Said before any file is created.
        write_with(&name, &params, &mut std::io::sink()).map_err(|e| UsageError(e.to_string()))?;
    }
    if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        write_with(&name, &params, &mut BufWriter::new(stdout.lock()))?;
    } else {
        let f = std::fs::File::create(&out)
            .map_err(|e| UsageError(format!("{}: cannot create: {e}", out.display())))?;
        write_with(&name, &params, &mut BufWriter::with_capacity(1 << 20, f))?;
    }
    Ok(0)
}
