//! The lens (SPEC §3): how a record becomes an event, plus what the
//! strategies need to know about the domain (state machine, lww sets, costs).
//! Reads only the lens file it is given. Core: must not import the terminal,
//! tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use super::pointer::{FieldRef, PointerError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a lens could not be read, parsed or compiled. The text of each
/// variant is what the CLI and TUI print. Inner errors are part of the
/// message, not a `source()`, so a chain printer does not repeat them.
#[derive(Debug, thiserror::Error)]
pub enum LensError {
    /// The lens file could not be read.
    #[error("{}: cannot read lens: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A problem inside a lens file, prefixed with the file's path.
    #[error("{}: {error}", path.display())]
    InFile {
        path: PathBuf,
        error: Box<LensError>,
    },
    /// TOML that does not parse into a lens (syntax, unknown key, wrong type).
    #[error("{}{message}", at_line(*line))]
    Syntax {
        /// 1-based line, when the TOML parser knows it.
        line: Option<usize>,
        message: String,
    },
    /// A well-formed value that means nothing (unknown strategy, assignor, state).
    #[error("{}{problem}", at_line(*line))]
    Invalid {
        /// 1-based line in the TOML text, when known.
        line: Option<usize>,
        problem: LensProblem,
    },
    /// A field (`entity`, `version`, ...) that is not `key`, `header:NAME` or a pointer.
    #[error("lens field `{field}`: {error}")]
    Field {
        field: &'static str,
        error: PointerError,
    },
}

/// `"line N: "`, or nothing when the line is unknown.
fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

/// The lens as written in a TOML file or a recording header (all optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LensConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creates: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hol_threshold_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew_threshold_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lww: Option<LwwConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine: Option<StateMachineConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer: Option<BufferConfig>,
    #[serde(
        rename = "cost_ms",
        alias = "cost_table",
        skip_serializing_if = "Option::is_none"
    )]
    pub cost_table: Option<CostConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumers: Option<ConsumersConfig>,
}

/// `[strategy]`: the default strategy and per-type hybrids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_type: BTreeMap<String, String>,
}

/// `[lww]`: what each type writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LwwConfig {
    #[serde(default)]
    pub sets: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

/// `[state_machine]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateMachineConfig {
    #[serde(default = "default_initial")]
    pub initial: String,
    #[serde(default)]
    pub transitions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub by_type: BTreeMap<String, String>,
    #[serde(default)]
    pub on_invalid: OnInvalid,
}

fn default_initial() -> String {
    "none".into()
}

/// What the state machine does with an invalid transition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnInvalid {
    #[default]
    Skip,
    Buffer,
    DeadLetter,
}

/// `[buffer]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferConfig {
    pub timeout_ms: Option<u64>,
}

/// `[cost]` (written `[cost]` in TOML when `cost` is not a pointer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostConfig {
    pub default_ms: Option<u32>,
    #[serde(default)]
    pub by_type: BTreeMap<String, u32>,
}

/// `[consumers]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumersConfig {
    pub count: Option<u32>,
    pub assignor: Option<String>,
}

/// Default buffer timeout in stream time.
pub const DEFAULT_BUFFER_TIMEOUT_MS: u64 = 60_000;

impl LensConfig {
    /// Reads a lens TOML file; errors name the file and line.
    pub fn from_toml_file(path: &Path) -> Result<LensConfig, LensError> {
        let text = std::fs::read_to_string(path).map_err(|error| LensError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Self::from_toml_str(&text).map_err(|e| LensError::InFile {
            path: path.to_path_buf(),
            error: Box::new(e),
        })
    }

    /// Parses lens TOML. `[cost]` may be a table (costs) while `cost` at top
    /// level is a pointer; both spellings are accepted.
    pub fn from_toml_str(text: &str) -> Result<LensConfig, LensError> {
        // `[cost]` is a table in SPEC's example while `cost = "/ptr"` is the field:
        // rename the table header so both fit one struct.
        let fixed: String = text
            .lines()
            .map(|l| {
                if l.trim() == "[cost]" {
                    "[cost_ms]".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let cfg = toml::from_str::<LensConfig>(&fixed).map_err(|e| LensError::Syntax {
            line: e
                .span()
                .map(|span| fixed[..span.start.min(fixed.len())].matches('\n').count() + 1),
            message: e.message().replace("cost_ms", "cost"),
        })?;
        if let Err(problem) = cfg.check() {
            return Err(LensError::Invalid {
                line: toml_line(text, &problem),
                problem,
            });
        }
        Ok(cfg)
    }

    /// Checks the values serde cannot: strategy names (`[strategy]`
    /// default and by_type), the assignor, the state machine's states.
    pub fn check(&self) -> Result<(), LensProblem> {
        let bad = |path: String, value: &str, message: String| LensProblem {
            path,
            value: value.to_string(),
            message,
        };
        if let Some(st) = &self.strategy {
            if let Some(d) = &st.default {
                if let Err(e) = d.parse::<crate::strategy::StrategyKind>() {
                    return Err(bad("strategy.default".into(), d, e.to_string()));
                }
            }
            for (ty, name) in &st.by_type {
                match name.parse::<crate::strategy::StrategyKind>() {
                    Ok(crate::strategy::StrategyKind::Hybrid) => {
                        return Err(bad(
                            format!("strategy.by_type.{ty}"),
                            name,
                            "a type's strategy must be one of the built-in ones, not hybrid".into(),
                        ))
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return Err(bad(format!("strategy.by_type.{ty}"), name, e.to_string()))
                    }
                }
            }
        }
        if let Some(a) = self.consumers.as_ref().and_then(|c| c.assignor.as_ref()) {
            if let Err(e) = a.parse::<crate::sim::assign::Assignor>() {
                return Err(bad("consumers.assignor".into(), a, e.to_string()));
            }
        }
        if let Some(sm) = &self.state_machine {
            let most = crate::strategy::MAX_STATES;
            let mut states = std::collections::HashSet::new();
            let named = std::iter::once(&sm.initial)
                .chain(sm.transitions.keys())
                .chain(sm.transitions.values().flatten());
            for st in named {
                if states.insert(st) && states.len() > most {
                    return Err(bad(
                        "state_machine.transitions".into(),
                        st,
                        format!("a state machine names at most {most} states"),
                    ));
                }
            }
            for (ty, st) in &sm.by_type {
                let known = st == &sm.initial
                    || sm.transitions.contains_key(st)
                    || sm.transitions.values().any(|v| v.contains(st));
                if !known {
                    return Err(bad(
                        format!("state_machine.by_type.{ty}"),
                        st,
                        format!("state {st:?} appears in no transition"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Overlays `other` on `self`: fields `other` sets win.
    pub fn overlay(&mut self, other: LensConfig) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            entity,
            version,
            type_,
            time,
            cost,
            hol_threshold_ms,
            skew_threshold_ms,
            strategy,
            lww,
            state_machine,
            buffer,
            cost_table,
            consumers
        );
        if !other.creates.is_empty() {
            self.creates = other.creates;
        }
    }
}

/// A lens value that is well-formed but means nothing (an unknown
/// strategy, assignor or state), with the path of its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lens field `{path}`: {message}")]
pub struct LensProblem {
    /// Dotted key path, e.g. `strategy.by_type.AlertTagged`.
    pub path: String,
    /// The value as written.
    pub value: String,
    pub message: String,
}

/// The 1-based line of a TOML lens on which a problem's value is written:
/// the first line after its table's header that names the last key of its
/// path (or holds its value) with the value quoted.
fn toml_line(text: &str, p: &LensProblem) -> Option<usize> {
    let mut parts = p.path.split('.');
    let table = parts.next()?;
    let key = p.path.rsplit('.').next()?;
    let quoted = [format!("\"{}\"", p.value), format!("'{}'", p.value)];
    let holds = |l: &str| quoted.iter().any(|q| l.contains(q.as_str()));
    let mut section = "";
    let mut fallback = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim();
            continue;
        }
        if !holds(t) {
            continue;
        }
        let in_table = section == table || section.starts_with(&format!("{table}."));
        let names_key = t.contains(key);
        if (in_table || t.starts_with(table)) && names_key {
            return Some(i + 1);
        }
        if fallback.is_none() && (in_table || names_key) {
            fallback = Some(i + 1);
        }
    }
    fallback
}

/// The compiled lens used by the engine.
#[derive(Debug, Clone)]
pub struct Lens {
    pub entity: FieldRef,
    /// None: the default search (`/version`, then the first `/*_version`).
    pub version: Option<FieldRef>,
    /// None: the default search (`/type`, `/event_type`, header `type`).
    pub type_: Option<FieldRef>,
    /// None: broker timestamp.
    pub time: Option<FieldRef>,
    /// None: header `kord-cost-ms`, else the cost table.
    pub cost: Option<FieldRef>,
    pub creates: Vec<String>,
    pub hol_threshold_ms: u64,
    pub skew_threshold_ms: u64,
    pub default_strategy: Option<String>,
    pub strategy_by_type: BTreeMap<String, String>,
    pub lww_sets: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub state_machine: Option<StateMachineConfig>,
    pub buffer_timeout_ms: u64,
    pub cost_default_ms: u32,
    pub cost_by_type: BTreeMap<String, u32>,
    pub consumers: Option<u32>,
    pub assignor: Option<String>,
    /// The configuration this was compiled from (for headers and reports).
    pub config: LensConfig,
}

impl Default for Lens {
    fn default() -> Self {
        Lens::compile(LensConfig::default()).unwrap_or_else(|_| unreachable!())
    }
}

impl Lens {
    /// Validates and compiles a lens configuration.
    pub fn compile(cfg: LensConfig) -> Result<Lens, LensError> {
        let field = |field: &'static str, v: &Option<String>| {
            v.as_deref()
                .map(|t| FieldRef::parse(t).map_err(|error| LensError::Field { field, error }))
                .transpose()
        };
        cfg.check().map_err(|problem| LensError::Invalid {
            line: None,
            problem,
        })?;
        let sm = cfg.state_machine.clone();
        let strat = cfg.strategy.clone().unwrap_or_default();
        let cost = cfg.cost_table.clone().unwrap_or_default();
        let consumers = cfg.consumers.clone().unwrap_or_default();
        Ok(Lens {
            entity: field("entity", &cfg.entity)?.unwrap_or(FieldRef::Key),
            version: field("version", &cfg.version)?,
            type_: field("type", &cfg.type_)?,
            time: field("time", &cfg.time)?,
            cost: field("cost", &cfg.cost)?,
            creates: cfg.creates.clone(),
            hol_threshold_ms: cfg.hol_threshold_ms.unwrap_or(100),
            skew_threshold_ms: cfg.skew_threshold_ms.unwrap_or(5000),
            default_strategy: strat.default,
            strategy_by_type: strat.by_type,
            lww_sets: cfg.lww.clone().map(|l| l.sets).unwrap_or_default(),
            state_machine: sm,
            buffer_timeout_ms: cfg
                .buffer
                .as_ref()
                .and_then(|b| b.timeout_ms)
                .unwrap_or(DEFAULT_BUFFER_TIMEOUT_MS),
            cost_default_ms: cost.default_ms.unwrap_or(1),
            cost_by_type: cost.by_type,
            consumers: consumers.count,
            assignor: consumers.assignor,
            config: cfg,
        })
    }

    /// The names of the lens's own payload fields (not state fields).
    pub fn own_fields(&self) -> Vec<String> {
        [
            &Some(self.entity.clone()),
            &self.version,
            &self.type_,
            &self.time,
            &self.cost,
        ]
        .into_iter()
        .flatten()
        .filter_map(|f| f.top_field().map(str::to_string))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"
entity = "/alert_id"            # the fields of the table above, at top level
version = "/alert_version"
type = "/type"
time = "/occurred_at"
creates = ["AlertTriggered"]

[strategy]
default = "versioned"
by_type = { AlertConfigChanged = "versioned", AlertTagged = "lww" }

[lww.sets]
AlertTriggered = { status = "triggered" }
AlertResolved = { status = "resolved" }

[state_machine]
initial = "none"
transitions = { none = ["placed"], placed = ["paid", "cancelled"], paid = ["shipped"] }
by_type = { OrderPlaced = "placed", OrderPaid = "paid", OrderShipped = "shipped" }
on_invalid = "buffer"

[buffer]
timeout_ms = 60000

[cost]
default_ms = 1
by_type = { GameAction = 5 }

[consumers]
count = 3
assignor = "range"
"#;

    #[test]
    fn the_spec_example_parses() {
        let cfg = LensConfig::from_toml_str(SEED).unwrap();
        let lens = Lens::compile(cfg).unwrap();
        assert_eq!(lens.entity.to_string(), "/alert_id");
        assert_eq!(lens.cost_by_type["GameAction"], 5);
        assert_eq!(lens.consumers, Some(3));
        assert_eq!(lens.state_machine.unwrap().on_invalid, OnInvalid::Buffer);
        assert_eq!(lens.lww_sets["AlertResolved"]["status"], "resolved");
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = LensConfig::from_toml_str("entity = \"/a\"\n\nversoin = \"/v\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(err.contains("versoin"), "{err}");
    }

    #[test]
    fn unknown_names_are_errors_with_their_line() {
        for (text, line, path) in [
            (
                "entity = \"/a\"\n\n[strategy]\ndefault = \"nosuch\"\n",
                4,
                "strategy.default",
            ),
            (
                "[strategy]\ndefault = \"lww\"\nby_type = { A = \"lww\", B = \"nosuch\" }\n",
                3,
                "strategy.by_type.B",
            ),
            (
                "[strategy]\nby_type = { A = \"hybrid\" }\n",
                2,
                "strategy.by_type.A",
            ),
            (
                "entity = \"/a\"\n\n[consumers]\ncount = 2\nassignor = \"nosuch\"\n",
                5,
                "consumers.assignor",
            ),
            (
                "[state_machine]\ntransitions = { none = [\"a\"] }\nby_type = { X = \"zz\" }\n",
                3,
                "state_machine.by_type.X",
            ),
            (
                &format!(
                    "entity = \"/a\"\n[state_machine]\ntransitions = {{ none = [{}] }}\n",
                    (0..crate::strategy::MAX_STATES)
                        .map(|i| format!("\"s{i}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                3,
                "state_machine.transitions",
            ),
        ] {
            let err = LensConfig::from_toml_str(text).unwrap_err().to_string();
            assert!(err.starts_with(&format!("line {line}: ")), "{err}");
            assert!(err.contains(&format!("`{path}`")), "{err}");
        }
        // The same values in a header's lens (JSON) fail when compiled.
        let cfg: LensConfig =
            serde_json::from_str(r#"{"strategy":{"by_type":{"A":"nosuch"}}}"#).unwrap();
        let err = Lens::compile(cfg).unwrap_err().to_string();
        assert!(
            err.contains("strategy.by_type.A") && err.contains("nosuch"),
            "{err}"
        );
    }

    #[test]
    fn bad_pointers_are_errors() {
        let cfg = LensConfig::from_toml_str("entity = \"alert_id\"\n").unwrap();
        let err = Lens::compile(cfg).unwrap_err().to_string();
        assert!(
            err.contains("entity") && err.contains("JSON pointer"),
            "{err}"
        );
    }

    #[test]
    fn error_texts_are_the_printed_ones() {
        let cfg = LensConfig::from_toml_str("entity = \"alert_id\"\n").unwrap();
        assert_eq!(
            Lens::compile(cfg).unwrap_err().to_string(),
            "lens field `entity`: \"alert_id\" is not a JSON pointer (it must start with '/'), \
             nor `key` or `header:NAME`"
        );
        let err = LensConfig::from_toml_str("[consumers]\nassignor = \"nosuch\"\n").unwrap_err();
        assert!(
            matches!(err, LensError::Invalid { line: Some(2), .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("line 2: lens field `consumers.assignor`: unknown assignor 'nosuch'"),
            "{err}"
        );
        let err = LensConfig::from_toml_file(Path::new("/nonexistent/kord.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/kord.toml: cannot read lens: "),
            "{err}"
        );
    }
}
