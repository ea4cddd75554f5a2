//! Named clusters: `$XDG_CONFIG_HOME/kord/config.toml` (the platform's
//! config dir elsewhere; `KORD_CONFIG=FILE` overrides the path).
//!
//! ```toml
//! default = "staging"
//!
//! [clusters.staging]
//! brokers = "kafka1:9092,kafka2:9092"        # or ["kafka1:9092", "kafka2:9092"]
//! schema_registry = "https://registry.staging:8081"
//! properties = { "security.protocol" = "SASL_SSL", "sasl.mechanism" = "SCRAM-SHA-512", "sasl.username" = "kord" }
//! password_env = "KAFKA_STAGING_PASSWORD"    # sasl.password from the environment
//! # password_cmd = "pass show kafka/staging" # or from a command's first line of output
//! secret_env = { "ssl.key.password" = "STAGING_KEY_PASSWORD" }  # any property from the environment
//! lenses = { orders = "lenses/orders.toml" } # per-topic default lens (relative to this file)
//! ```
//!
//! [`resolve`] is the one place that turns the file, `--cluster`,
//! `KORD_CLUSTER` and the flags into brokers, librdkafka properties, a
//! schema registry URL and per-topic lens files. Secret values are never
//! printed: [`Cluster`]'s and [`Resolved`]'s `Debug` mask them.
//!
//! Reads the file and the environment (and runs `password_cmd`) only: must not
//! connect to a broker or a registry, or print a secret value.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that names the cluster to use.
pub const CLUSTER_ENV: &str = "KORD_CLUSTER";
/// The environment variable that overrides the config file's path.
pub const CONFIG_ENV: &str = "KORD_CONFIG";

/// A config file problem: the file, the line (0 when unknown) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", .file.display(), at_line(*.line))]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// `":LINE"`, or nothing when the line is unknown (0).
fn at_line(line: usize) -> String {
    if line > 0 {
        format!(":{line}")
    } else {
        String::new()
    }
}

/// `brokers` as a string or a list.
#[derive(Deserialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
enum Brokers {
    One(String),
    Many(Vec<String>),
}

/// One `[clusters.NAME]` table.
#[derive(Deserialize, Clone, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    brokers: Option<Brokers>,
    /// librdkafka properties.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// A Confluent-compatible schema registry URL.
    pub schema_registry: Option<String>,
    /// `sasl.password` from this environment variable.
    pub password_env: Option<String>,
    /// `sasl.password` from this shell command's first line of output.
    pub password_cmd: Option<String>,
    /// Any property from an environment variable: property -> variable.
    #[serde(default)]
    pub secret_env: BTreeMap<String, String>,
    /// Per-topic default lens files: topic -> file (relative to the config file).
    #[serde(default)]
    pub lenses: BTreeMap<String, PathBuf>,
}

impl Cluster {
    /// The bootstrap brokers, comma-separated (empty when not set).
    pub fn brokers(&self) -> String {
        match &self.brokers {
            None => String::new(),
            Some(Brokers::One(s)) => s.trim().to_string(),
            Some(Brokers::Many(v)) => v
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The properties as `kord config` shows them: secrets masked.
    pub fn shown_properties(&self) -> Vec<String> {
        self.properties
            .iter()
            .map(|(k, v)| {
                if crate::source::kafka::is_secret(k) {
                    format!("{k}=***")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect()
    }
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("brokers", &self.brokers())
            .field("properties", &self.shown_properties())
            .field("schema_registry", &self.schema_registry)
            .field("password_env", &self.password_env)
            .field("password_cmd", &self.password_cmd.as_ref().map(|_| "***"))
            .field("secret_env", &self.secret_env)
            .field("lenses", &self.lenses)
            .finish()
    }
}

/// The config file.
#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The cluster used when neither `--cluster`, `KORD_CLUSTER` nor `-b` is given.
    pub default: Option<String>,
    #[serde(default)]
    pub clusters: BTreeMap<String, Cluster>,
    /// Where it was read from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// The config file's path: `KORD_CONFIG`, else `kord/config.toml` in the
/// platform's config dir (`$XDG_CONFIG_HOME`, else `~/.config`, on Linux).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "kord").map(|d| d.config_dir().join("config.toml"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Parses a config file's text; errors name the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        c.path = path.to_path_buf();
        let line_of_table = |name: &str| {
            let needle = format!("[clusters.{name}]");
            text.find(&needle)
                .or_else(|| text.find(&format!("[clusters.\"{name}\"]")))
                .map_or(0, |o| line_of(text, o))
        };
        if let Some(d) = &c.default {
            if !c.clusters.contains_key(d) {
                let at = text.find("default").map_or(0, |o| line_of(text, o));
                return Err(ConfigError {
                    file: path.to_path_buf(),
                    line: at,
                    message: format!(
                        "field `default`: no cluster {d:?} (known: {})",
                        c.names().join(", ")
                    ),
                });
            }
        }
        for (name, cl) in &c.clusters {
            let err = |m: String| ConfigError {
                file: path.to_path_buf(),
                line: line_of_table(name),
                message: format!("cluster {name:?}: {m}"),
            };
            if cl.brokers().is_empty() {
                return Err(err("field `brokers` is required".into()));
            }
            if cl.password_env.is_some() && cl.password_cmd.is_some() {
                return Err(err(
                    "`password_env` and `password_cmd` both set: choose one".into(),
                ));
            }
        }
        Ok(c)
    }

    /// Reads the config file at `path`; a missing file is an empty config.
    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config {
                path: path.to_path_buf(),
                ..Config::default()
            }),
            Err(e) => Err(ConfigError {
                file: path.to_path_buf(),
                line: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// Reads the config file at [`config_path`].
    pub fn load() -> Result<Config, ConfigError> {
        match config_path() {
            Some(p) => Config::load_from(&p),
            None => Ok(Config::default()),
        }
    }

    /// The cluster names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.clusters.keys().cloned().collect()
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// What the command line says about the cluster.
#[derive(Clone, Debug, Default)]
pub struct Flags<'a> {
    /// `--cluster NAME`.
    pub cluster: Option<&'a str>,
    /// `KORD_CLUSTER` (the caller reads the environment).
    pub cluster_env: Option<&'a str>,
    /// `-b`.
    pub brokers: Option<&'a str>,
    /// `--schema-registry`.
    pub schema_registry: Option<&'a str>,
}

/// Where a secret comes from, so tests and callers can supply one.
pub trait Secrets {
    /// The value of an environment variable.
    fn env(&self, name: &str) -> Option<String>;
    /// The first line of a shell command's standard output.
    fn command(&self, cmd: &str) -> Result<String, String>;
}

/// The process environment, and `sh -c` for commands.
pub struct SystemSecrets;

impl Secrets for SystemSecrets {
    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn command(&self, cmd: &str) -> Result<String, String> {
        // stdin and stderr stay the user's (a password manager may ask);
        // stdout is captured and never shown.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run: {e}"))?;
        if !out.status.success() {
            return Err(format!("exited with {}", out.status));
        }
        let text =
            String::from_utf8(out.stdout).map_err(|_| "printed invalid UTF-8".to_string())?;
        Ok(text.lines().next().unwrap_or("").to_string())
    }
}

/// A cluster's settings after the flags: what a Kafka command uses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The cluster's name (None: no cluster, only flags).
    pub cluster: Option<String>,
    /// Bootstrap brokers (empty: none given anywhere).
    pub brokers: String,
    /// librdkafka properties from the file, secrets included; `-F`/`-X`
    /// go after them (later wins).
    pub properties: Vec<(String, String)>,
    /// Schema registry URL (`--schema-registry` over the file).
    pub schema_registry: Option<String>,
    /// Per-topic default lens files, paths resolved against the config file.
    pub lenses: BTreeMap<String, PathBuf>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|(k, v)| {
                if crate::source::kafka::is_secret(k) {
                    format!("{k}=***")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        f.debug_struct("Resolved")
            .field("cluster", &self.cluster)
            .field("brokers", &self.brokers)
            .field("properties", &props)
            .field("schema_registry", &self.schema_registry)
            .field("lenses", &self.lenses)
            .finish()
    }
}

impl Resolved {
    /// The default lens file of a topic, if the cluster names one.
    pub fn lens_for(&self, topic: &str) -> Option<&Path> {
        self.lenses.get(topic).map(PathBuf::as_path)
    }
}

/// Resolves the cluster settings: `--cluster`, else (without `-b`)
/// `KORD_CLUSTER`, else (without `-b`) the file's default; then the flags
/// over the file's values. `-b` alone uses no cluster at all, so a
/// cluster's credentials never go to brokers it does not name.
pub fn resolve(
    config: &Config,
    flags: &Flags<'_>,
    secrets: &dyn Secrets,
) -> Result<Resolved, ConfigError> {
    fn named(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    let chosen = match (named(flags.cluster), named(flags.brokers)) {
        (Some(c), _) => Some(c.to_string()),
        (None, Some(_)) => None,
        (None, None) => named(flags.cluster_env)
            .map(str::to_string)
            .or_else(|| config.default.clone()),
    };
    let mut r = Resolved::default();
    if let Some(name) = chosen {
        let Some(cl) = config.clusters.get(&name) else {
            let known = config.names();
            return Err(ConfigError {
                file: config.path.clone(),
                line: 0,
                message: if known.is_empty() {
                    format!(
                        "no cluster {name:?}: the file names no clusters (`kord config` shows its path and format)"
                    )
                } else {
                    format!("no cluster {name:?} (known: {})", known.join(", "))
                },
            });
        };
        let err = |m: String| ConfigError {
            file: config.path.clone(),
            line: 0,
            message: format!("cluster {name:?}: {m}"),
        };
        r.brokers = cl.brokers();
        r.properties = cl
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(var) = &cl.password_env {
            let v = secrets
                .env(var)
                .ok_or_else(|| err(format!("password_env: ${var} is not set")))?;
            r.properties.push(("sasl.password".into(), v));
        }
        if let Some(cmd) = &cl.password_cmd {
            // The command is the user's own text; its output is never shown.
            let v = secrets
                .command(cmd)
                .map_err(|m| err(format!("password_cmd {m}")))?;
            r.properties.push(("sasl.password".into(), v));
        }
        for (prop, var) in &cl.secret_env {
            let v = secrets
                .env(var)
                .ok_or_else(|| err(format!("secret_env {prop}: ${var} is not set")))?;
            r.properties.push((prop.clone(), v));
        }
        r.schema_registry = cl.schema_registry.clone();
        r.lenses = cl
            .lenses
            .iter()
            .map(|(t, p)| (t.clone(), config.dir().join(p)))
            .collect();
        r.cluster = Some(name);
    }
    if let Some(b) = named(flags.brokers) {
        r.brokers = b.to_string();
    }
    if let Some(s) = named(flags.schema_registry) {
        r.schema_registry = Some(s.to_string());
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_names_file_and_line() {
        let e = |line| ConfigError {
            file: PathBuf::from("c.toml"),
            line,
            message: "m".into(),
        };
        assert_eq!(e(2).to_string(), "c.toml:2: m");
        assert_eq!(e(0).to_string(), "c.toml: m");
    }

    const FILE: &str = r#"
default = "staging"

[clusters.staging]
brokers = "s1:9092,s2:9092"
schema_registry = "http://registry.staging:8081"
properties = { "security.protocol" = "SASL_SSL", "sasl.username" = "kord" }
password_env = "STAGING_PW"
lenses = { orders = "lenses/orders.toml" }

[clusters.prod]
brokers = ["p1:9092", "p2:9092"]
password_cmd = "pass show prod"
secret_env = { "ssl.key.password" = "PROD_KEY_PW" }
"#;

    struct Fake;
    impl Secrets for Fake {
        fn env(&self, name: &str) -> Option<String> {
            match name {
                "STAGING_PW" => Some("s3cret-env".into()),
                "PROD_KEY_PW" => Some("k3y".into()),
                _ => None,
            }
        }
        fn command(&self, cmd: &str) -> Result<String, String> {
            if cmd == "pass show prod" {
                Ok("s3cret-cmd".into())
            } else {
                Err("exited with 1".into())
            }
        }
    }

    fn cfg() -> Config {
        Config::parse(FILE, Path::new("/home/u/.config/kord/config.toml")).expect("parses")
    }

    fn flags<'a>(
        cluster: Option<&'a str>,
        env: Option<&'a str>,
        brokers: Option<&'a str>,
    ) -> Flags<'a> {
        Flags {
            cluster,
            cluster_env: env,
            brokers,
            schema_registry: None,
        }
    }

    #[test]
    fn the_default_cluster_with_no_flags() {
        let r = resolve(&cfg(), &flags(None, None, None), &Fake).expect("resolves");
        assert_eq!(r.cluster.as_deref(), Some("staging"));
        assert_eq!(r.brokers, "s1:9092,s2:9092");
        assert!(r
            .properties
            .contains(&("sasl.password".into(), "s3cret-env".into())));
        assert!(r
            .properties
            .contains(&("security.protocol".into(), "SASL_SSL".into())));
        assert_eq!(
            r.schema_registry.as_deref(),
            Some("http://registry.staging:8081")
        );
        assert_eq!(
            r.lens_for("orders"),
            Some(Path::new("/home/u/.config/kord/lenses/orders.toml"))
        );
        assert_eq!(r.lens_for("payments"), None);
    }

    #[test]
    fn flag_over_env_over_default_and_flags_over_the_file() {
        let r = resolve(&cfg(), &flags(None, Some("prod"), None), &Fake).expect("env");
        assert_eq!(r.cluster.as_deref(), Some("prod"));
        assert_eq!(r.brokers, "p1:9092,p2:9092");
        assert!(r
            .properties
            .contains(&("sasl.password".into(), "s3cret-cmd".into())));
        assert!(r
            .properties
            .contains(&("ssl.key.password".into(), "k3y".into())));
        let r = resolve(&cfg(), &flags(Some("staging"), Some("prod"), None), &Fake).expect("flag");
        assert_eq!(r.cluster.as_deref(), Some("staging"));
        let mut f = flags(Some("staging"), None, Some("localhost:9092"));
        f.schema_registry = Some("http://localhost:8081");
        let r = resolve(&cfg(), &f, &Fake).expect("overrides");
        assert_eq!(r.brokers, "localhost:9092");
        assert_eq!(r.schema_registry.as_deref(), Some("http://localhost:8081"));
        assert_eq!(r.cluster.as_deref(), Some("staging"));
    }

    #[test]
    fn brokers_alone_use_no_cluster() {
        // Neither the default nor KORD_CLUSTER sends a cluster's secrets to -b.
        let r = resolve(&cfg(), &flags(None, Some("prod"), Some("x:1")), &Fake).expect("ok");
        assert_eq!(r.cluster, None);
        assert_eq!(r.brokers, "x:1");
        assert!(r.properties.is_empty());
        let none = resolve(&Config::default(), &flags(None, None, None), &Fake).expect("ok");
        assert_eq!(none.brokers, "");
    }

    #[test]
    fn unknown_clusters_and_missing_secrets_are_errors() {
        let e = resolve(&cfg(), &flags(Some("qa"), None, None), &Fake).expect_err("unknown");
        assert!(
            e.to_string()
                .contains("no cluster \"qa\" (known: prod, staging)"),
            "{e}"
        );
        let mut c = cfg();
        if let Some(p) = c.clusters.get_mut("prod") {
            p.password_cmd = Some("false".into());
        }
        let e = resolve(&c, &flags(Some("prod"), None, None), &Fake).expect_err("cmd");
        assert!(e.to_string().contains("password_cmd exited with 1"), "{e}");
        let mut c = cfg();
        if let Some(p) = c.clusters.get_mut("staging") {
            p.password_env = Some("NOPE".into());
        }
        let e = resolve(&c, &flags(None, None, None), &Fake).expect_err("env");
        assert!(e.to_string().contains("$NOPE is not set"), "{e}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let r = resolve(&cfg(), &flags(Some("prod"), None, None), &Fake).expect("ok");
        let d = format!("{r:?} {:?}", cfg());
        assert!(!d.contains("s3cret") && !d.contains("k3y"), "{d}");
        assert!(d.contains("sasl.password=***"), "{d}");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let p = Path::new("c.toml");
        let e = Config::parse("[clusters.a]\nbrokers = \"x\"\nbrokerz = 1\n", p).expect_err("key");
        assert_eq!((e.line, e.file.as_path()), (3, p), "{e}");
        assert!(e.message.contains("brokerz"), "{e}");
        let e = Config::parse("default = \"b\"\n[clusters.a]\nbrokers = \"x\"\n", p)
            .expect_err("default");
        assert_eq!(e.line, 1, "{e}");
        let e = Config::parse("\n[clusters.a]\nschema_registry = \"u\"\n", p).expect_err("brokers");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().starts_with("c.toml:2: cluster \"a\""), "{e}");
        let e = Config::parse("[clusters.a]\nbrokers = \n", p).expect_err("syntax");
        assert_eq!(e.line, 2, "{e}");
    }
}
