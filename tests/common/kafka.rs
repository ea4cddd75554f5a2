//! Helpers of the tests that talk to the broker scripts/test.sh starts
//! (tansu, exported as KORD_TEST_BROKER): the broker, fresh topic names,
//! running the kord binary and reading its output.

use std::process::{Command, Output};

/// The broker's address (`127.0.0.1:PORT`).
pub fn broker() -> String {
    std::env::var("KORD_TEST_BROKER").expect(
        "KORD_TEST_BROKER is not set: run scripts/test.sh, or start a broker with \
         scripts/tansu.sh start DIR and export KORD_TEST_BROKER=127.0.0.1:PORT",
    )
}

/// A topic name no other test (or earlier run on the same broker) uses.
pub fn topic(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// Runs kord in the temp directory.
pub fn kord(args: &[&str]) -> Output {
    kord_env(args, &[])
}

/// [`kord`] with `env` set.
pub fn kord_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(super::kord_bin())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run kord")
}

/// Its stdout, after checking it succeeded (else its exit code and stderr).
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "kord failed ({:?}): {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the TUI's live loop without a terminal, as `kord live` does it:
/// drains the source's channel into `app`, runs each rebuild inline (on a
/// worker in the real loop), until `done(app)` or `secs` seconds.
pub fn drive_live(
    app: &mut kord::tui::App,
    rx: &mut tokio::sync::mpsc::Receiver<kord::source::kafka::live::SourceEvent>,
    secs: u64,
    done: impl Fn(&kord::tui::App) -> bool,
) {
    use std::time::{Duration, Instant};
    let started = Instant::now();
    while !done(app) && started.elapsed() < Duration::from_secs(secs) {
        while let Ok(ev) = rx.try_recv() {
            app.on_source(ev);
        }
        if let Some(job) = app.take_live_job(Instant::now()) {
            app.on_msg(kord::tui::Msg::Live(job.run()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
