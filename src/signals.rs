//! SIGINT, SIGTERM and SIGHUP: every command exits with 128+N (the shell's
//! convention), after giving the terminal back (TUI) or closing its file
//! (`kord record`). Commands that must clean up first [`defer`] the exit
//! and poll [`caught`]; a second signal exits at once.
//!
//! Owns the process's signal handlers and the exit code a signal implies; must
//! not touch the terminal itself (the TUI hands over its restore function) or
//! any file.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::OnceLock;

static SIGNAL: AtomicI32 = AtomicI32::new(0);
static COUNT: AtomicU32 = AtomicU32::new(0);
static DEFER: AtomicBool = AtomicBool::new(false);
static RESTORE: OnceLock<fn()> = OnceLock::new();

/// Starts the thread that receives the signals (once, at start-up).
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("kord-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    SIGNAL.store(sig, Ordering::SeqCst);
                    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
                    if !DEFER.load(Ordering::SeqCst) || n > 1 {
                        if let Some(restore) = RESTORE.get() {
                            restore();
                        }
                        std::process::exit(128 + sig);
                    }
                }
            });
    }
}

/// The caller stops on [`caught`] and exits itself (the first signal does
/// not end the process).
pub fn defer() {
    DEFER.store(true, Ordering::SeqCst);
}

/// What to run before exiting on a second signal (give the terminal back).
pub fn on_forced_exit(restore: fn()) {
    let _ = RESTORE.set(restore);
}

/// Records a signal seen by another handler (the TUI's own).
pub fn note(sig: i32) {
    let _ = SIGNAL.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// The signal received, if any.
pub fn caught() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The exit status for the signal received (128+N), if any.
pub fn exit_code() -> Option<u8> {
    caught().map(|s| (128 + s).clamp(0, 255) as u8)
}
