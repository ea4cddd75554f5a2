//! The `kord` binary: parses the command line and maps errors to exit codes
//! (SPEC §1: 0 ok, 2 usage or input error, 3 `--fail-on` matched, 1 other).
//! Must not hold a command's logic: that is `cli`'s.

#![warn(clippy::unwrap_used)]

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = cli::exit_code(&e);
            eprintln!("kord: {e:#}");
            ExitCode::from(code)
        }
    }
}
