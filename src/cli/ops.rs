//! Operator conveniences: `kord config`, `kord completions`, `kord man`. Must
//! not connect to a broker or a registry, or print a secret value.

use super::args::{Cli, CompletionsArgs, ConfigArgs, ManArgs};
use super::UsageError;
use clap::CommandFactory;
use kord::config::{config_path, Config, CLUSTER_ENV};
use std::io::Write;

/// The config file, its errors as usage errors (they name the file and line).
pub fn load_config() -> anyhow::Result<Config> {
    Config::load().map_err(|e| UsageError(e.to_string()).into())
}

/// `kord config`: the config file's path and its clusters (secrets never shown).
pub fn config(a: ConfigArgs) -> anyhow::Result<u8> {
    let Some(path) = config_path() else {
        return Err(UsageError(
            "no config directory on this platform (set KORD_CONFIG=FILE)".into(),
        )
        .into());
    };
    if a.path {
        println!("{}", path.display());
        return Ok(0);
    }
    let cfg = load_config()?;
    let mut out = String::new();
    use std::fmt::Write as _;
    let exists = path.is_file();
    let _ = writeln!(
        out,
        "config file: {}{}",
        path.display(),
        if exists { "" } else { " (absent)" }
    );
    if cfg.clusters.is_empty() {
        let _ = writeln!(
            out,
            "no clusters; an example (see README, Named clusters):\n\n\
             default = \"staging\"\n\n\
             [clusters.staging]\n\
             brokers = \"kafka1:9092,kafka2:9092\"\n\
             properties = {{ \"security.protocol\" = \"SASL_SSL\", \"sasl.mechanism\" = \"SCRAM-SHA-512\", \"sasl.username\" = \"kord\" }}\n\
             password_env = \"KAFKA_STAGING_PASSWORD\"\n\
             schema_registry = \"https://registry.staging:8081\"\n\
             lenses = {{ orders = \"orders.toml\" }}"
        );
    }
    let chosen = std::env::var(CLUSTER_ENV).ok().filter(|s| !s.is_empty());
    for (name, c) in &cfg.clusters {
        let mut marks = Vec::new();
        if cfg.default.as_deref() == Some(name.as_str()) {
            marks.push("default".to_string());
        }
        if chosen.as_deref() == Some(name.as_str()) {
            marks.push(format!("${CLUSTER_ENV}"));
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" ({})", marks.join(", "))
        };
        let _ = writeln!(out, "\n{name}{marks}");
        let _ = writeln!(out, "  brokers          {}", c.brokers());
        if let Some(r) = &c.schema_registry {
            let _ = writeln!(out, "  schema registry  {r}");
        }
        let props = c.shown_properties();
        if !props.is_empty() {
            let _ = writeln!(out, "  properties       {}", props.join(" "));
        }
        if let Some(v) = &c.password_env {
            let _ = writeln!(out, "  sasl.password    from ${v}");
        }
        if c.password_cmd.is_some() {
            let _ = writeln!(out, "  sasl.password    from password_cmd");
        }
        for (prop, var) in &c.secret_env {
            let _ = writeln!(out, "  {prop:<16} from ${var}");
        }
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        for (topic, lens) in &c.lenses {
            let _ = writeln!(out, "  lens of {topic:<8} {}", dir.join(lens).display());
        }
    }
    if let Some(c) = &chosen {
        if !cfg.clusters.contains_key(c) {
            let _ = writeln!(
                out,
                "\nwarning: ${CLUSTER_ENV}={c:?} names no cluster of the file"
            );
        }
    }
    print!("{out}");
    Ok(0)
}

/// The command line with the config's cluster names as `--cluster` values,
/// so the shells complete them.
fn command_with_clusters() -> clap::Command {
    // Leaked: clap takes 'static names, and this process only prints the script.
    let names: Vec<&'static str> = Config::load()
        .map(|c| c.names())
        .unwrap_or_default()
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let cmd = Cli::command();
    if names.is_empty() {
        return cmd;
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| s.get_arguments().any(|a| a.get_id() == "cluster"))
        .map(|s| s.get_name().to_string())
        .collect();
    subs.into_iter().fold(cmd, |cmd, sub| {
        let names = names.clone();
        cmd.mut_subcommand(sub, move |s| {
            s.mut_arg("cluster", move |a| {
                a.value_parser(clap::builder::PossibleValuesParser::new(names))
            })
        })
    })
}

/// `kord completions SHELL`.
pub fn completions(a: CompletionsArgs) -> anyhow::Result<u8> {
    use clap_complete::Shell;
    let shell = match a.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "powershell" => Shell::PowerShell,
        "elvish" => Shell::Elvish,
        s => return Err(UsageError(format!("unknown shell {s:?}")).into()),
    };
    let mut cmd = command_with_clusters();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "kord", &mut out);
    out.flush()?;
    Ok(0)
}

/// Extra man page sections: environment, files, exit status, examples.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
0 ok; 2 usage or input error (the message names the file, the line and the field); 3 \fB\-\-fail\-on\fR matched a finding; 1 anything else.
.SH ENVIRONMENT
.TP
\fBKORD_CLUSTER\fR
The named cluster a Kafka command uses when \fB\-\-cluster\fR and \fB\-b\fR are not given.
.TP
\fBKORD_CONFIG\fR
The config file, instead of \fI$XDG_CONFIG_HOME/kord/config.toml\fR.
.TP
\fBKORD_LOG\fR
Log file of the TUI (as \fB\-\-log\fR).
.TP
\fBNO_COLOR\fR
Any value turns colour off.
.SH FILES
.TP
\fI$XDG_CONFIG_HOME/kord/config.toml\fR (\fI~/.config/kord/config.toml\fR)
Named clusters: \fB[clusters.NAME]\fR with \fBbrokers\fR, librdkafka \fBproperties\fR, \fBschema_registry\fR, \fBpassword_env\fR or \fBpassword_cmd\fR, \fBsecret_env\fR and per\-topic \fBlenses\fR; \fBdefault\fR names the default cluster. \fBkord config\fR lists them.
.TP
\fIkord.toml\fR
The lens, in the working directory, when no \fB\-\-lens\fR is given.
.SH EXAMPLES
.nf
kord demo hot\-key
kord replay incident.jsonl \-\-where '.payload.tenant == "acme"'
kord analyze recordings/alert\-flap.jsonl \-\-format json
kord live \-\-cluster staging \-t orders
kord record \-b kafka1:9092 \-t orders \-o orders.jsonl \-\-until end
source <(kord completions bash)
.fi
"#;

/// `kord man`: roff from the clap definitions.
pub fn man(a: ManArgs) -> anyhow::Result<u8> {
    let cmd = Cli::command();
    if let Some(dir) = a.dir {
        std::fs::create_dir_all(&dir)
            .map_err(|e| UsageError(format!("{}: cannot create: {e}", dir.display())))?;
        clap_mangen::generate_to(cmd.clone(), &dir)
            .map_err(|e| UsageError(format!("{}: cannot write: {e}", dir.display())))?;
        // The top page gets the extra sections too.
        let mut page = Vec::new();
        render_main(cmd, &mut page)?;
        std::fs::write(dir.join("kord.1"), page)
            .map_err(|e| UsageError(format!("{}: cannot write: {e}", dir.display())))?;
        return Ok(0);
    }
    let mut out = std::io::stdout().lock();
    render_main(cmd, &mut out)?;
    out.flush()?;
    Ok(0)
}

fn render_main(cmd: clap::Command, w: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd);
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    w.write_all(MAN_EXTRA.as_bytes())?;
    man.render_version_section(w)?;
    Ok(())
}
