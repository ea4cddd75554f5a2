//! Live Kafka (SPEC §1, §8): a read-only adapter over rdkafka that feeds the
//! same engine as recordings.
//!
//! Read-only by construction: partitions are `assign`ed directly (no group
//! membership), `group.id` is a kord-owned id that is never joined,
//! `enable.auto.commit` and `enable.auto.offset.store` are off and nothing
//! here calls commit. Observing an application's group (`--group`) uses a
//! separate client that only fetches committed offsets (see [`group`]).
//!
//! - [`reader::KafkaReader`]: blocking reader with EOF tracking; "the end"
//!   is decided by partition-EOF events plus a fresh watermark check, never
//!   by the high watermark alone (tansu under-reports it after batches).
//! - [`reader::read_bounded`]: read to `--until`, in a deterministic order.
//! - [`live::KafkaSource`]: a thread and a bounded channel of
//!   [`live::SourceEvent`]s for the TUI.
//! - [`capture`]: read to an end on two threads, into a recording
//!   (`kord record`) or an ingest (`kord analyze -b`).
//! - [`produce`]: publish a scenario; [`group`]: observe a consumer group.

pub mod capture;
pub mod group;
pub mod live;
pub mod produce;
pub mod reader;

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::statistics::Statistics;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Where reading starts in each partition (`--from`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum StartFrom {
    /// The earliest offset still in the log.
    #[default]
    Beginning,
    /// The end: only what arrives from now on.
    End,
    /// This offset in every partition (clamped to the log).
    Offset(i64),
    /// N records before the end of each partition (`-N`).
    Tail(i64),
    /// The first offset whose timestamp is at or after this time (epoch ms).
    Time(i64),
}

impl StartFrom {
    /// Parses `beginning|end|OFFSET|-N|@TIME` (TIME: RFC 3339 or epoch ms).
    pub fn parse(s: &str) -> Result<StartFrom, String> {
        let s = s.trim();
        match s {
            "beginning" | "earliest" | "start" => return Ok(StartFrom::Beginning),
            "end" | "latest" => return Ok(StartFrom::End),
            _ => {}
        }
        if let Some(t) = s.strip_prefix('@') {
            return parse_time(t).map(StartFrom::Time);
        }
        if let Some(n) = s.strip_prefix('-') {
            return n
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(StartFrom::Tail)
                .ok_or_else(|| format!("--from {s:?}: -N needs a count, as in -100"));
        }
        s.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(StartFrom::Offset)
            .ok_or_else(|| format!("--from {s:?}: expected beginning, end, an offset, -N or @TIME"))
    }
}

/// Where reading stops (`--until`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Until {
    /// The end of every partition as it is when kord gets there.
    End,
    /// After this many records.
    Count(u64),
    /// At the first record of each partition stamped after this time (epoch ms).
    Time(i64),
    /// Never: a live session.
    Never,
}

impl Until {
    /// Parses `end|N|@TIME`.
    pub fn parse(s: &str) -> Result<Until, String> {
        let s = s.trim();
        if s == "end" {
            return Ok(Until::End);
        }
        if let Some(t) = s.strip_prefix('@') {
            return parse_time(t).map(Until::Time);
        }
        s.parse::<u64>()
            .map(Until::Count)
            .map_err(|_| format!("--until {s:?}: expected end, a record count or @TIME"))
    }
}

/// Parses RFC 3339 or epoch milliseconds.
pub fn parse_time(t: &str) -> Result<i64, String> {
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_millis())
        .map_err(|e| format!("{t:?}: not RFC 3339 or epoch ms ({e})"))
}

/// Parses a duration: `10`, `10s`, `500ms`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?}: expected a duration such as 10s, 500ms or 2m");
    let (num, mul) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000)
    } else {
        (s, 1000)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_millis((v * mul as f64) as u64))
}

/// Properties kord sets itself to stay read-only; users cannot override them.
pub const OWNED_PROPERTIES: &[&str] = &[
    "group.id",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "group.instance.id",
];

/// Property names whose values are secrets: never printed or recorded.
pub fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password")
        || k.contains("secret")
        || k.ends_with(".key.pem")
        || k == "ssl.key.pem"
        || k.contains("sasl.oauthbearer.config")
        || k.contains("token")
}

/// How to reach a topic.
#[derive(Clone, Debug)]
pub struct KafkaConfig {
    /// `-b`: bootstrap brokers, comma-separated.
    pub brokers: String,
    /// `-t`.
    pub topic: String,
    /// `-F` then `-X` properties, in order (later wins).
    pub props: Vec<(String, String)>,
    pub from: StartFrom,
    /// `-p`: only these partitions (None: all, and new ones as they appear).
    pub partitions: Option<Vec<i32>>,
    /// Bounded wait for the broker at start and after losing it.
    pub timeout: Duration,
    /// Keep waiting for a lost broker instead of failing after `timeout`.
    pub keep_waiting: bool,
    /// How long the broker may hold a fetch when it has nothing new
    /// (`fetch.wait.max.ms`, unless `-X` sets it). See [`KafkaConfig::bounded`].
    pub fetch_wait_ms: u32,
}

impl KafkaConfig {
    /// A config with defaults (from the beginning, all partitions, 10 s).
    pub fn new(brokers: &str, topic: &str) -> KafkaConfig {
        KafkaConfig {
            brokers: brokers.into(),
            topic: topic.into(),
            props: Vec::new(),
            from: StartFrom::Beginning,
            partitions: None,
            timeout: Duration::from_secs(10),
            keep_waiting: false,
            fetch_wait_ms: 100,
        }
    }

    /// For a read to the end of the topic (`analyze -b`, `record` with
    /// `--until end`, the default): fetches the broker
    /// may hold for only 10 ms. A broker answers a fetch as soon as it has
    /// data, so this costs nothing while catching up and only adds empty
    /// fetches near the end; but a broker that always holds a fetch for
    /// its full wait (tansu 0.6 does, see docs/kafka.md) is five times
    /// faster to read this way. A live view keeps 100 ms: an idle topic
    /// then costs the cluster 10 fetches a second, not 100.
    pub fn bounded(mut self) -> KafkaConfig {
        self.fetch_wait_ms = 10;
        self
    }

    /// Adds the properties of a librdkafka properties file (`-F`):
    /// `key=value` lines, `#` comments.
    pub fn add_properties_file(&mut self, path: &Path) -> Result<(), KafkaSourceError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            KafkaSourceError::Usage(format!("{}: cannot read: {e}", path.display()))
        })?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = parse_property(line).map_err(|m| {
                KafkaSourceError::Usage(format!("{}:{}: {m}", path.display(), i + 1))
            })?;
            self.props.push((k, v));
        }
        Ok(())
    }

    /// Adds one `-X key=value`.
    pub fn add_property(&mut self, kv: &str) -> Result<(), KafkaSourceError> {
        let (k, v) = parse_property(kv).map_err(|m| KafkaSourceError::Usage(format!("-X: {m}")))?;
        self.props.push((k, v));
        Ok(())
    }

    /// A description safe to print or record: brokers and topic, no properties.
    pub fn describe(&self) -> String {
        format!("kafka://{}/{}", self.brokers, self.topic)
    }

    /// The librdkafka config common to every kord client.
    pub fn client_config(&self) -> Result<ClientConfig, KafkaSourceError> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        c.set("client.id", "kord");
        // Fail fast and retry quickly when a broker goes away.
        c.set("reconnect.backoff.max.ms", "1000");
        c.set_log_level(RDKafkaLogLevel::Warning);
        for (k, v) in &self.props {
            if OWNED_PROPERTIES.contains(&k.as_str()) {
                return Err(KafkaSourceError::Usage(format!(
                    "-X {k}: kord sets {k} itself to stay read-only \
                     (to observe a consumer group use --group GROUP)"
                )));
            }
            c.set(k, v);
        }
        Ok(c)
    }

    /// The config of kord's own read-only consumer.
    pub fn consumer_config(&self) -> Result<ClientConfig, KafkaSourceError> {
        let mut c = self.client_config()?;
        c.set("group.id", kord_group_id());
        c.set("enable.auto.commit", "false");
        c.set("enable.auto.offset.store", "false");
        c.set("enable.partition.eof", "true");
        c.set("auto.offset.reset", "earliest");
        // Big fetches, and a short back-off when the local queue is full:
        // by default librdkafka stops fetching a partition for
        // `fetch.queue.backoff.ms` (1 s) whenever kord falls behind its
        // queue for a moment, which halved a 1M-event read. The queue stays
        // at librdkafka's default depth (`queued.min.messages`), so memory
        // does not grow with it.
        let wait = self.fetch_wait_ms.to_string();
        for (k, v) in [
            ("fetch.wait.max.ms", wait.as_str()),
            ("fetch.min.bytes", "1"),
            ("max.partition.fetch.bytes", "8388608"),
            ("fetch.max.bytes", "67108864"),
            ("queued.min.messages", "100000"),
            ("fetch.queue.backoff.ms", "20"),
            ("queued.max.messages.kbytes", "262144"),
            ("topic.metadata.refresh.interval.ms", "10000"),
            // Watermarks come with every fetch response; the statistics
            // hand them over without the round trips a watermark query
            // costs (each waits behind a held fetch: 1.5 s for 16
            // partitions against tansu, and on an idle Kafka cluster too).
            ("statistics.interval.ms", "1000"),
        ] {
            if !self.props.iter().any(|(pk, _)| pk == k) {
                c.set(k, v);
            }
        }
        Ok(c)
    }
}

/// A fresh, kord-owned group id. It is never joined (kord assigns
/// partitions itself); librdkafka only needs one to exist.
pub fn kord_group_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("kord-readonly-{}-{nanos:x}", std::process::id())
}

fn parse_property(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("expected key=value, got {:?}", redact(s))),
    }
}

/// `key=value` with the value hidden when the key names a secret.
fn redact(s: &str) -> String {
    match s.split_once('=') {
        Some((k, _)) if is_secret(k) => format!("{k}=***"),
        _ => s.to_string(),
    }
}

/// A client that could not be created: a configuration problem (exit 2).
/// Never echoes a property's value (it may be a password).
pub fn creation_error(e: KafkaError) -> KafkaSourceError {
    match e {
        KafkaError::ClientConfig(_, desc, key, _) => {
            KafkaSourceError::Usage(format!("-X {key}: {desc}"))
        }
        KafkaError::ClientCreation(m) => {
            KafkaSourceError::Usage(format!("invalid Kafka client configuration: {m}"))
        }
        e => KafkaSourceError::Client(e.to_string()),
    }
}

/// What went wrong talking to Kafka.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KafkaSourceError {
    /// A bad flag, property or file (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The topic does not exist (exit 2): names it and lists the ones that do.
    #[error("topic {topic:?} does not exist; {}", topics_text(.existing))]
    TopicMissing {
        topic: String,
        existing: Vec<String>,
    },
    /// No broker answered within the timeout (exit 1).
    #[error("{}", unreachable_text(.brokers, *.waited, .last_error))]
    Unreachable {
        brokers: String,
        waited: Duration,
        last_error: Option<String>,
    },
    /// The broker went away mid-stream and did not come back in time (exit 1).
    #[error(
        "lost the brokers {brokers}: not back within {:.1}s{} \
         (--keep-waiting waits for them)",
        .waited.as_secs_f64(),
        last(.last_error)
    )]
    Lost {
        brokers: String,
        waited: Duration,
        last_error: Option<String>,
    },
    /// Anything else the client reported (exit 1).
    #[error("{0}")]
    Client(String),
}

impl KafkaSourceError {
    /// Whether this is the user's input (exit code 2).
    pub fn is_usage(&self) -> bool {
        match self {
            KafkaSourceError::Usage(_) | KafkaSourceError::TopicMissing { .. } => true,
            // A certificate the client does not trust, a wrong password: the
            // user's settings, not the network (exit 2, said as such).
            KafkaSourceError::Unreachable { last_error, .. } => {
                last_error.as_deref().is_some_and(is_security_failure)
            }
            _ => false,
        }
    }
}

/// Whether a librdkafka error says the broker closed a connection it had
/// accepted (what a broker that requires TLS or SASL does to a plain client).
fn closed_by_peer(e: &str) -> bool {
    e.contains("reset by peer") || e.contains("closed by peer") || e.contains("Broken pipe")
}

/// Whether a librdkafka error is a TLS or SASL failure (trust, credentials).
pub fn is_security_failure(e: &str) -> bool {
    let e = e.to_ascii_lowercase();
    [
        "ssl handshake",
        "certificate",
        "sasl",
        "authentication",
        "ssl_connect",
    ]
    .iter()
    .any(|w| e.contains(w))
}

fn last(e: &Option<String>) -> String {
    e.as_ref()
        .map(|e| format!(" (last error: {e})"))
        .unwrap_or_default()
}

/// The topics a cluster has, for [`KafkaSourceError::TopicMissing`].
fn topics_text(existing: &[String]) -> String {
    if existing.is_empty() {
        "the cluster has no topics".to_string()
    } else {
        format!("topics: {}", existing.join(", "))
    }
}

/// The text of [`KafkaSourceError::Unreachable`]: a security failure says
/// which settings to check, a connection closed by the broker hints at TLS
/// or SASL.
fn unreachable_text(brokers: &str, waited: Duration, last_error: &Option<String>) -> String {
    if last_error.as_deref().is_some_and(is_security_failure) {
        format!(
            "the brokers {brokers} refused the connection's security within {:.1}s{} \
             (TLS: -X ssl.ca.location=CA.pem must hold the CA that signed the broker's \
             certificate; SASL: check sasl.mechanism, sasl.username and the password)",
            waited.as_secs_f64(),
            last(last_error)
        )
    } else {
        format!(
            "cannot reach the brokers {brokers} within {:.1}s{}{}",
            waited.as_secs_f64(),
            last(last_error),
            if last_error.as_deref().is_some_and(closed_by_peer) {
                " (a broker accepted the connection and closed it: it may require \
                 TLS or SASL, -X security.protocol=ssl|sasl_plaintext|sasl_ssl)"
            } else {
                ""
            }
        )
    }
}

/// The client context: keeps librdkafka's last warning or error (for a
/// message that says why, e.g. a SASL failure) and forwards logs to tracing.
#[derive(Default)]
pub struct KordContext {
    last_error: Mutex<Option<String>>,
    /// (topic, partition) -> (low, high) watermarks from the last statistics.
    watermarks: Mutex<HashMap<(String, i32), (i64, i64)>>,
}

impl KordContext {
    /// The last error or warning librdkafka reported, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    /// Remembers an error.
    pub fn note(&self, e: String) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = Some(e);
        }
    }

    /// The low and high watermarks of `topic`'s partitions as the last
    /// fetch responses carried them (librdkafka's statistics, about once a
    /// second): no round trip to the broker.
    pub fn cached_watermarks(&self, topic: &str) -> Vec<(i32, i64, i64)> {
        let Ok(g) = self.watermarks.lock() else {
            return Vec::new();
        };
        let mut out: Vec<(i32, i64, i64)> = g
            .iter()
            .filter(|((t, _), _)| t == topic)
            .map(|((_, p), &(lo, hi))| (*p, lo, hi))
            .collect();
        out.sort_unstable();
        out
    }
}

impl ClientContext for KordContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, msg: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                tracing::warn!(target: "librdkafka", "{fac}: {msg}");
                self.note(msg.to_string());
            }
            _ => tracing::debug!(target: "librdkafka", "{fac}: {msg}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(target: "librdkafka", "{error}: {reason}");
        // Reaching a partition's end is not why a connection was lost.
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::PartitionEOF) {
            return;
        }
        // "All brokers down" sums up what the log lines before it said
        // (connection refused, SASL, TLS): keep the one that says why.
        let summary = error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown);
        if !(summary && self.last_error().is_some()) {
            self.note(format!("{error}: {reason}"));
        }
    }

    fn stats(&self, stats: Statistics) {
        let Ok(mut g) = self.watermarks.lock() else {
            return;
        };
        for (name, topic) in &stats.topics {
            // Partition -1 is librdkafka's internal "unassigned" one; a
            // negative offset means not known yet.
            for (&p, part) in topic.partitions.iter().filter(|(&p, _)| p >= 0) {
                if part.hi_offset >= 0 {
                    g.insert((name.clone(), p), (part.lo_offset.max(0), part.hi_offset));
                }
            }
        }
    }
}

impl ConsumerContext for KordContext {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts_are_the_printed_ones() {
        let missing = |existing: &[&str]| KafkaSourceError::TopicMissing {
            topic: "t".into(),
            existing: existing.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            missing(&[]).to_string(),
            "topic \"t\" does not exist; the cluster has no topics"
        );
        assert_eq!(
            missing(&["a", "b"]).to_string(),
            "topic \"t\" does not exist; topics: a, b"
        );
        let unreachable = |last: Option<&str>| KafkaSourceError::Unreachable {
            brokers: "b:9092".into(),
            waited: Duration::from_secs(2),
            last_error: last.map(String::from),
        };
        assert_eq!(
            unreachable(None).to_string(),
            "cannot reach the brokers b:9092 within 2.0s"
        );
        assert_eq!(
            unreachable(Some("Connection reset by peer")).to_string(),
            "cannot reach the brokers b:9092 within 2.0s (last error: Connection reset by peer) \
             (a broker accepted the connection and closed it: it may require TLS or SASL, \
             -X security.protocol=ssl|sasl_plaintext|sasl_ssl)"
        );
        assert_eq!(
            unreachable(Some("SSL handshake failed")).to_string(),
            "the brokers b:9092 refused the connection's security within 2.0s \
             (last error: SSL handshake failed) (TLS: -X ssl.ca.location=CA.pem must hold the CA \
             that signed the broker's certificate; SASL: check sasl.mechanism, sasl.username and \
             the password)"
        );
        let lost = KafkaSourceError::Lost {
            brokers: "b:9092".into(),
            waited: Duration::from_millis(1500),
            last_error: None,
        };
        assert_eq!(
            lost.to_string(),
            "lost the brokers b:9092: not back within 1.5s (--keep-waiting waits for them)"
        );
        assert_eq!(KafkaSourceError::Usage("-X: u".into()).to_string(), "-X: u");
        assert_eq!(KafkaSourceError::Client("c".into()).to_string(), "c");
    }

    #[test]
    fn parses_from() {
        assert_eq!(StartFrom::parse("beginning"), Ok(StartFrom::Beginning));
        assert_eq!(StartFrom::parse("end"), Ok(StartFrom::End));
        assert_eq!(StartFrom::parse("42"), Ok(StartFrom::Offset(42)));
        assert_eq!(StartFrom::parse("-10"), Ok(StartFrom::Tail(10)));
        assert_eq!(
            StartFrom::parse("@1768471200000"),
            Ok(StartFrom::Time(1_768_471_200_000))
        );
        assert_eq!(
            StartFrom::parse("@2026-01-15T10:00:00Z"),
            Ok(StartFrom::Time(1_768_471_200_000))
        );
        assert!(StartFrom::parse("soon").is_err());
        assert!(StartFrom::parse("-x").is_err());
        assert!(StartFrom::parse("@yesterday").is_err());
    }

    #[test]
    fn parses_until_and_durations() {
        assert_eq!(Until::parse("end"), Ok(Until::End));
        assert_eq!(Until::parse("100"), Ok(Until::Count(100)));
        assert_eq!(Until::parse("@5"), Ok(Until::Time(5)));
        assert!(Until::parse("-1").is_err());
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn read_only_properties_cannot_be_overridden() {
        let mut c = KafkaConfig::new("b:9092", "t");
        c.add_property("enable.auto.commit=true").unwrap();
        assert!(matches!(
            c.consumer_config(),
            Err(KafkaSourceError::Usage(m)) if m.contains("read-only")
        ));
        let mut c = KafkaConfig::new("b:9092", "t");
        c.add_property("group.id=app").unwrap();
        assert!(c.consumer_config().is_err());
    }

    #[test]
    fn bounded_reads_wait_less_for_a_fetch_and_x_still_wins() {
        let wait = |c: &KafkaConfig| {
            c.consumer_config()
                .unwrap()
                .get("fetch.wait.max.ms")
                .map(String::from)
        };
        let live = KafkaConfig::new("b:9092", "t");
        assert_eq!(wait(&live).as_deref(), Some("100"));
        assert_eq!(wait(&live.clone().bounded()).as_deref(), Some("10"));
        let mut mine = KafkaConfig::new("b:9092", "t").bounded();
        mine.add_property("fetch.wait.max.ms=250").unwrap();
        assert_eq!(wait(&mine).as_deref(), Some("250"));
    }

    #[test]
    fn watermarks_come_from_the_statistics_of_the_topic_asked_for() {
        use rdkafka::statistics::{Partition, Topic};
        let part = |p: i32, lo: i64, hi: i64| Partition {
            partition: p,
            lo_offset: lo,
            hi_offset: hi,
            ..Partition::default()
        };
        let topic = |name: &str, parts: Vec<Partition>| Topic {
            topic: name.into(),
            partitions: parts.into_iter().map(|p| (p.partition, p)).collect(),
            ..Topic::default()
        };
        let mut stats = Statistics::default();
        // Partition -1 is librdkafka's own; -1001 means "not known yet".
        stats.topics.insert(
            "orders".into(),
            topic(
                "orders",
                vec![
                    part(1, 5, 90),
                    part(0, 0, 40),
                    part(-1, 0, 7),
                    part(2, -1, -1001),
                ],
            ),
        );
        stats
            .topics
            .insert("other".into(), topic("other", vec![part(0, 0, 3)]));
        let ctx = KordContext::default();
        assert!(ctx.cached_watermarks("orders").is_empty());
        ctx.stats(stats.clone());
        assert_eq!(
            ctx.cached_watermarks("orders"),
            vec![(0, 0, 40), (1, 5, 90)]
        );
        // Newer statistics replace older ones; partitions not in them stay.
        stats
            .topics
            .insert("orders".into(), topic("orders", vec![part(1, 6, 120)]));
        ctx.stats(stats);
        assert_eq!(
            ctx.cached_watermarks("orders"),
            vec![(0, 0, 40), (1, 6, 120)]
        );
        assert_eq!(ctx.cached_watermarks("other"), vec![(0, 0, 3)]);
    }

    #[test]
    fn config_errors_never_echo_values() {
        let mut c = KafkaConfig::new("127.0.0.1:1", "t");
        c.add_property("sasl.pasword=hunter2").unwrap();
        let e = reader::create_consumer(&c).err().unwrap();
        assert!(e.is_usage());
        let m = e.to_string();
        assert!(m.contains("sasl.pasword") && !m.contains("hunter2"), "{m}");
    }

    #[test]
    fn properties_file_and_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("client.properties");
        std::fs::write(
            &p,
            "# comment\n\nsecurity.protocol=SASL_SSL\nsasl.password = hunter2\n",
        )
        .unwrap();
        let mut c = KafkaConfig::new("b:9092", "t");
        c.add_properties_file(&p).unwrap();
        assert_eq!(c.props.len(), 2);
        assert_eq!(c.props[1], ("sasl.password".into(), "hunter2".into()));
        assert!(!c.describe().contains("hunter2"));
        std::fs::write(&p, "nonsense\n").unwrap();
        let e = c.add_properties_file(&p).unwrap_err().to_string();
        assert!(e.contains(":1:"), "{e}");
        assert!(is_secret("sasl.password"));
        assert!(is_secret("ssl.key.password"));
        assert!(!is_secret("sasl.mechanism"));
        assert_eq!(redact("sasl.password"), "sasl.password");
        assert_eq!(redact("sasl.password=x"), "sasl.password=***");
    }
}
