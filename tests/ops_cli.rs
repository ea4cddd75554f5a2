//! Operator conventions without a broker: `kord config`, completions (run
//! in bash), the man page (rendered by groff), config errors, secrets.
//! Needs bash and groff (scripts/test.sh installs groff-base).

mod common;

use common::kord_bin;
use std::path::Path;
use std::process::{Command, Output};

const SECRET: &str = "hunter2-NEVER-SHOWN";

/// A temp XDG_CONFIG_HOME with kord/config.toml holding `text`.
fn config_home(text: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(d.path().join("kord")).expect("mkdir");
    std::fs::write(d.path().join("kord/config.toml"), text).expect("write");
    d
}

fn two_clusters() -> String {
    format!(
        r#"default = "staging"

[clusters.staging]
brokers = "127.0.0.1:1"
schema_registry = "http://registry.staging:8081"
properties = {{ "security.protocol" = "SASL_PLAINTEXT", "sasl.mechanism" = "PLAIN", "sasl.username" = "kord", "ssl.key.password" = "{SECRET}-literal" }}
password_cmd = "echo {SECRET}-cmd"
lenses = {{ orders = "orders.toml" }}

[clusters.production]
brokers = ["127.0.0.1:2", "127.0.0.1:3"]
password_env = "KORD_TEST_PROD_PASSWORD"
"#
    )
}

fn kord(home: &Path, args: &[&str]) -> Output {
    Command::new(kord_bin())
        .args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .env_remove("KORD_CONFIG")
        .env_remove("KORD_CLUSTER")
        .env("KORD_TEST_PROD_PASSWORD", format!("{SECRET}-env"))
        .output()
        .expect("run kord")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn config_lists_clusters_and_the_path_never_secrets() {
    let home = config_home(&two_clusters());
    let o = kord(home.path(), &["config"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let path = home.path().join("kord/config.toml");
    assert!(out.contains(&path.display().to_string()), "{out}");
    assert!(out.contains("staging (default)"), "{out}");
    assert!(out.contains("production"), "{out}");
    assert!(out.contains("127.0.0.1:2,127.0.0.1:3"), "{out}");
    assert!(out.contains("sasl.username=kord"), "{out}");
    assert!(out.contains("ssl.key.password=***"), "{out}");
    assert!(out.contains("from $KORD_TEST_PROD_PASSWORD"), "{out}");
    assert!(out.contains("http://registry.staging:8081"), "{out}");
    assert!(!out.contains(SECRET), "a secret was printed: {out}");
    let o = kord(home.path(), &["config", "--path"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        path.display().to_string()
    );
}

#[test]
fn secrets_never_reach_output_when_a_cluster_is_used() {
    // Unreachable brokers: the command fails after its timeout, and
    // whatever it says (errors, librdkafka's warnings) holds no secret.
    let home = config_home(&two_clusters());
    std::fs::write(
        home.path().join("kord/orders.toml"),
        "entity = \"/order_id\"\n",
    )
    .expect("lens");
    for args in [
        &["analyze", "-t", "orders", "--timeout", "1s"][..],
        &[
            "analyze",
            "--cluster",
            "production",
            "-t",
            "orders",
            "--timeout",
            "1s",
        ],
        &[
            "record",
            "--cluster",
            "staging",
            "-t",
            "orders",
            "-o",
            "-",
            "--timeout",
            "1s",
        ],
        &[
            "partition",
            "--cluster",
            "production",
            "-t",
            "orders",
            "k",
            "--timeout",
            "1s",
        ],
    ] {
        let o = kord(home.path(), args);
        let out = text(&o);
        assert!(
            !o.status.success(),
            "{args:?} cannot reach 127.0.0.1:1: {out}"
        );
        assert!(
            out.contains("127.0.0.1:"),
            "{args:?} names the cluster's brokers: {out}"
        );
        assert!(!out.contains(SECRET), "{args:?} printed a secret: {out}");
    }
}

#[test]
fn cluster_errors_name_the_file_and_line() {
    let home = config_home("[clusters.a]\nbrokers = \"x:1\"\nbrokerz = \"y\"\n");
    let o = kord(home.path(), &["analyze", "-t", "orders", "--cluster", "a"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("kord/config.toml:3:") && err.contains("brokerz"),
        "{err}"
    );

    let home = config_home(&two_clusters());
    let o = kord(home.path(), &["analyze", "--cluster", "qa", "-t", "orders"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no cluster \"qa\" (known: production, staging)"),
        "{err}"
    );

    // No config, no -b: the message says how to name brokers.
    let empty = tempfile::tempdir().expect("dir");
    let o = kord(empty.path(), &["analyze", "-t", "orders"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("-b BROKERS (or --cluster NAME"), "{err}");
}

/// Runs bash with kord's completion script and completes `line` (the
/// cursor at its end); returns COMPREPLY.
fn complete(home: &Path, line: &str) -> Vec<String> {
    let script = kord(home, &["completions", "bash"]);
    assert!(script.status.success(), "{}", text(&script));
    let file = home.join("kord.bash");
    std::fs::write(&file, &script.stdout).expect("write script");
    let words: Vec<&str> = line.split(' ').collect();
    let program = format!(
        r#"source {file}
COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({words}); COMP_CWORD={cword}
_kord kord "{cur}" "{prev}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        file = file.display(),
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
        cur = words[words.len() - 1],
        prev = words[words.len().saturating_sub(2)],
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env("XDG_CONFIG_HOME", home)
        .output()
        .expect("bash runs");
    assert!(o.status.success(), "bash: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_and_cluster_names() {
    let home = config_home(&two_clusters());
    assert_eq!(complete(home.path(), "kord ana"), vec!["analyze"]);
    assert_eq!(complete(home.path(), "kord com"), vec!["completions"]);
    let flags = complete(home.path(), "kord live --clu");
    assert_eq!(flags, vec!["--cluster"]);
    let mut names = complete(home.path(), "kord live --cluster ");
    names.sort();
    assert_eq!(names, vec!["production", "staging"]);
    assert_eq!(
        complete(home.path(), "kord record --cluster st"),
        vec!["staging"]
    );
    for shell in ["zsh", "fish", "powershell"] {
        let o = kord(home.path(), &["completions", shell]);
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}");
    }
}

#[test]
fn the_man_page_renders_with_groff() {
    let home = tempfile::tempdir().expect("dir");
    let o = kord(home.path(), &["man"]);
    assert!(o.status.success(), "{}", text(&o));
    let page = home.path().join("kord.1");
    std::fs::write(&page, &o.stdout).expect("write");
    let r = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .expect("groff runs (scripts/test.sh installs groff-base)");
    assert!(r.status.success(), "{}", text(&r));
    assert!(r.stderr.is_empty(), "groff warns: {}", text(&r));
    let r = Command::new("groff")
        .args(["-man", "-Tascii", "-P-bou"])
        .arg(&page)
        .output()
        .expect("groff runs");
    let rendered = String::from_utf8_lossy(&r.stdout);
    for want in [
        "analyze",
        "completions",
        "KORD_CLUSTER",
        "config.toml",
        "EXIT STATUS",
    ] {
        assert!(rendered.contains(want), "man page lacks {want}: {rendered}");
    }
    let dir = home.path().join("man1");
    let o = kord(home.path(), &["man", "--dir", dir.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    for f in ["kord.1", "kord-analyze.1", "kord-live.1", "kord-config.1"] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
}
