//! `kord synth`: write a built-in scenario as a recording.

use super::args::SynthArgs;
use super::UsageError;
use kord::source::synth::{generate_with, write_recording, SynthParams, SCENARIOS};
use std::io::{BufWriter, Write};

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
    let s = generate_with(&name, &params).map_err(UsageError)?;
    if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut w = BufWriter::new(stdout.lock());
        write_recording(&s, &mut w)?;
        w.flush()?;
    } else {
        let f = std::fs::File::create(&out)
            .map_err(|e| UsageError(format!("{}: cannot create: {e}", out.display())))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        write_recording(&s, &mut w)?;
    }
    Ok(0)
}
