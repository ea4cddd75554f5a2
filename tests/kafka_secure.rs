//! kord against a broker that requires TLS (tansu with a certificate signed
//! by a CA made for the test with openssl, `scripts/tansu.sh start-tls`).
//! `#[ignore]`d: scripts/test.sh runs them (`--include-ignored`) after
//! installing tansu. Run alone: `cargo test --release --test kafka_secure --
//! --include-ignored` (tansu in ~/.cache/kord/tansu/bin or on PATH).
//!
//! What is checked: `kord produce`, `analyze -b` and `record` over TLS with
//! the CA; an untrusted certificate is a clear error within `--timeout`, not
//! a hang; secrets given with `-X`, `-F` or a properties file never reach a
//! recording, the JSON report, stdout or stderr.

mod common;
use common::{kord_bin, root};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A TLS broker of its own, stopped on drop.
struct TlsBroker {
    dir: tempfile::TempDir,
    addr: String,
}

impl TlsBroker {
    fn start() -> TlsBroker {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(root().join("scripts/tansu.sh"))
            .arg("start-tls")
            .arg(dir.path())
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "scripts/tansu.sh start-tls failed");
        let addr = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"), "no address: {addr:?}");
        TlsBroker { dir, addr }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `-b ADDR -X security.protocol=ssl -X ssl.ca.location=CA`.
    fn args(&self) -> Vec<String> {
        vec![
            "-b".into(),
            self.addr.clone(),
            "-X".into(),
            "security.protocol=ssl".into(),
            "-X".into(),
            format!("ssl.ca.location={}", self.ca().display()),
        ]
    }
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/tansu.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

fn topic(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// Runs kord, killed (and failing the test) after `limit`.
fn kord(args: &[String], limit: Duration) -> Output {
    let mut child = Command::new(kord_bin())
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Drain the pipes on threads so a chatty child cannot block.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut so, &mut v);
        v
    });
    let t2 = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut se, &mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("kord {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: t1.join().unwrap(),
        stderr: t2.join().unwrap(),
    }
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "kord failed ({:?}): {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn with(base: &[String], more: &[&str]) -> Vec<String> {
    more.iter()
        .map(|s| s.to_string())
        .chain(base.iter().cloned())
        .collect()
}

fn assert_no_secret(what: &str, text: &[u8], secrets: &[&str]) {
    let text = String::from_utf8_lossy(text);
    for s in secrets {
        assert!(!text.contains(s), "{what} holds the secret {s:?}");
    }
}

#[test]
#[ignore = "needs tansu (scripts/test.sh installs it)"]
fn tls_produce_analyze_record_and_no_secret_anywhere() {
    let b = TlsBroker::start();
    let t = topic("tls");
    let long = Duration::from_secs(120);
    ok(&kord(
        &with(
            &b.args(),
            &[
                "produce",
                "alert-flap",
                "-t",
                &t,
                "--events",
                "300",
                "--partitions",
                "3",
            ],
        ),
        long,
    ));

    // Secrets: -X, -F and the properties file given to -F. librdkafka
    // accepts a key password without a key (it is then unused).
    let secret_x = "kord-secret-x-31415";
    let secret_f = "kord-secret-f-27182";
    let props = tempfile::Builder::new()
        .suffix(".properties")
        .tempfile()
        .unwrap();
    std::fs::write(
        props.path(),
        format!("# test\nssl.key.password={secret_f}\n"),
    )
    .unwrap();
    let secrets = [secret_x, secret_f];
    let mut secure = b.args();
    secure.extend([
        "-F".into(),
        props.path().display().to_string(),
        "-X".into(),
        format!("sasl.password={secret_x}"),
    ]);

    let a = kord(
        &with(
            &secure,
            &["analyze", "-t", &t, "--format", "json", "--timeout", "20s"],
        ),
        long,
    );
    let report: serde_json::Value = serde_json::from_str(&ok(&a)).unwrap();
    assert_eq!(report["events"], 300, "every event read over TLS");
    assert_no_secret("the JSON report", &a.stdout, &secrets);
    assert_no_secret("analyze's stderr", &a.stderr, &secrets);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tls.jsonl");
    let r = kord(
        &with(
            &secure,
            &[
                "record",
                "-t",
                &t,
                "-o",
                file.to_str().unwrap(),
                "--until",
                "end",
            ],
        ),
        long,
    );
    ok(&r);
    let recorded = std::fs::read(&file).unwrap();
    assert_eq!(
        recorded
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        301,
        "header and 300 records"
    );
    assert_no_secret("the recording", &recorded, &secrets);
    assert_no_secret("record's stderr", &r.stderr, &secrets);
    // The recording analyzes as the topic did.
    let again = kord(
        &[
            "analyze".into(),
            file.display().to_string(),
            "--format".into(),
            "json".into(),
        ],
        long,
    );
    let offline: serde_json::Value = serde_json::from_str(&ok(&again)).unwrap();
    assert_eq!(offline["events"], 300);
}

#[test]
#[ignore = "needs tansu (scripts/test.sh installs it)"]
fn an_untrusted_certificate_is_a_clear_error_within_the_timeout() {
    let b = TlsBroker::start();
    // TLS without the test CA: the system store does not trust the broker.
    let untrusted = vec![
        "-b".to_string(),
        b.addr.clone(),
        "-X".into(),
        "security.protocol=ssl".into(),
    ];
    let t = topic("untrusted");
    let started = Instant::now();
    let o = kord(
        &with(&untrusted, &["analyze", "-t", &t, "--timeout", "5s"]),
        Duration::from_secs(60),
    );
    let err = String::from_utf8_lossy(&o.stderr).to_lowercase();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("certificate") || err.contains("ssl") || err.contains("tls"),
        "says it is about TLS: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    eprintln!("untrusted: exit 2 after {:?}", started.elapsed());
    // A plain-text client against the TLS port fails the same way, not a hang.
    let plain = vec!["-b".to_string(), b.addr.clone()];
    let o = kord(
        &with(&plain, &["analyze", "-t", &t, "--timeout", "5s"]),
        Duration::from_secs(60),
    );
    assert_ne!(o.status.code(), Some(0));
}
