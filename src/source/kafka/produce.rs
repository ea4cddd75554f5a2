//! Publishing a scenario to a real topic (`kord produce`), for demos of live
//! mode and for the tests: keys, headers and timestamps as the scenario has
//! them, each record to its recorded partition, plus a `kord-seq` header
//! (its arrival index) so a bounded read restores the cross-partition order.
//! Writes only to the topic it is given; must not create any other or
//! change a topic's configuration.

use super::reader::SEQ_HEADER;
use super::{KafkaConfig, KafkaSourceError, KordContext};
use crate::model::Record;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts delivery failures and keeps the first.
#[derive(Default)]
struct Deliveries {
    inner: KordContext,
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, msg: &str) {
        self.inner.log(level, fac, msg)
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.inner.error(error, reason)
    }
}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, r: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = r {
            self.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut g) = self.first_error.lock() {
                g.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// The topic's partition count (an error naming the topic when it is missing).
pub fn partition_count(cfg: &KafkaConfig) -> Result<u32, KafkaSourceError> {
    let consumer = super::reader::create_consumer(cfg)?;
    Ok(super::reader::topic_partitions(&consumer, cfg)?.len() as u32)
}

/// The topic's partition count, creating it with `partitions` if missing.
/// Returns (partitions, created).
pub fn ensure_topic(
    cfg: &KafkaConfig,
    partitions: u32,
    replication: i32,
) -> Result<(u32, bool), KafkaSourceError> {
    let consumer = super::reader::create_consumer(cfg)?;
    match super::reader::topic_partitions(&consumer, cfg) {
        Ok(ids) => return Ok((ids.len() as u32, false)),
        Err(KafkaSourceError::TopicMissing { .. }) => {}
        Err(e) => return Err(e),
    }
    let admin: AdminClient<KordContext> = cfg
        .client_config()?
        .create_with_context(KordContext::default())
        .map_err(super::creation_error)?;
    let topic = NewTopic::new(
        &cfg.topic,
        partitions as i32,
        TopicReplication::Fixed(replication),
    );
    let opts = AdminOptions::new()
        .operation_timeout(Some(cfg.timeout))
        .request_timeout(Some(cfg.timeout));
    let res = futures::executor::block_on(admin.create_topics([&topic], &opts))
        .map_err(|e| KafkaSourceError::Client(format!("create topic {:?}: {e}", cfg.topic)))?;
    for r in res {
        match r {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(KafkaSourceError::Client(format!(
                    "create topic {name:?}: {code}"
                )))
            }
        }
    }
    // Wait for the metadata to show it (bounded).
    let started = Instant::now();
    loop {
        match super::reader::topic_partitions(&consumer, cfg) {
            Ok(ids) if ids.len() as u32 >= partitions => return Ok((ids.len() as u32, true)),
            _ if started.elapsed() > cfg.timeout => {
                return Err(KafkaSourceError::Client(format!(
                    "topic {:?} was created but its {partitions} partitions did not \
                     appear within {:.1}s",
                    cfg.topic,
                    cfg.timeout.as_secs_f64()
                )))
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Whether every partition of the topic is empty (high watermark = low).
pub fn topic_is_empty(cfg: &KafkaConfig) -> Result<bool, KafkaSourceError> {
    use rdkafka::consumer::Consumer as _;
    let consumer = super::reader::create_consumer(cfg)?;
    for p in super::reader::topic_partitions(&consumer, cfg)? {
        let (low, high) = consumer
            .fetch_watermarks(&cfg.topic, p, cfg.timeout)
            .map_err(|e| KafkaSourceError::Client(format!("watermarks of partition {p}: {e}")))?;
        if high > low {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Publishes records in order, each to its own partition, with a
/// `kord-seq` header (a scenario). `progress(sent)` runs every 10,000
/// records. Returns how many were delivered.
pub fn produce(
    cfg: &KafkaConfig,
    records: &[Record<'_>],
    progress: &mut dyn FnMut(u64),
) -> Result<u64, KafkaSourceError> {
    produce_records(cfg, records, true, progress)
}

/// Publishes records in order, each to its recorded partition, with its
/// key, value, headers and timestamp as they are; `seq` adds kord's
/// `kord-seq` header (a recording is published without it: byte for byte).
pub fn produce_records(
    cfg: &KafkaConfig,
    records: &[Record<'_>],
    seq: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, KafkaSourceError> {
    let mut c = cfg.client_config()?;
    for (k, v) in [
        ("linger.ms", "20"),
        ("batch.num.messages", "10000"),
        ("batch.size", "1000000"),
        ("queue.buffering.max.messages", "1000000"),
        ("queue.buffering.max.kbytes", "1048576"),
        // One request in flight: a retry cannot overtake the next batch, so
        // each partition keeps the scenario's order.
        ("max.in.flight.requests.per.connection", "1"),
        ("enable.idempotence", "false"),
    ] {
        if !cfg.props.iter().any(|(pk, _)| pk == k) {
            c.set(k, v);
        }
    }
    let producer: BaseProducer<Deliveries> = c
        .create_with_context(Deliveries::default())
        .map_err(super::creation_error)?;
    for (i, r) in records.iter().enumerate() {
        let mut headers = OwnedHeaders::new_with_capacity(r.headers.len() + 1);
        for (k, v) in &r.headers {
            headers = headers.insert(Header {
                key: k.as_ref(),
                value: v.bytes(),
            });
        }
        let seq_text = i.to_string();
        if seq {
            headers = headers.insert(Header {
                key: SEQ_HEADER,
                value: Some(seq_text.as_str()),
            });
        }
        let payload = r.payload.bytes();
        let mut rec: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&cfg.topic)
            .partition(r.partition)
            .headers(headers);
        if let Some(k) = r.key.bytes() {
            rec = rec.key(k);
        }
        if let Some(p) = payload {
            rec = rec.payload(p);
        }
        if let Some(ts) = r.ts {
            rec = rec.timestamp(ts);
        }
        let mut pending = rec;
        let started = Instant::now();
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    if started.elapsed() > cfg.timeout.max(Duration::from_secs(30)) {
                        return Err(KafkaSourceError::Client(format!(
                            "the producer queue stayed full for {:.0}s: is the broker there? {}",
                            started.elapsed().as_secs_f64(),
                            producer.context().inner.last_error().unwrap_or_default()
                        )));
                    }
                    pending = back;
                    producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => {
                    return Err(KafkaSourceError::Client(format!("produce record {i}: {e}")))
                }
            }
        }
        if i % 1000 == 0 {
            producer.poll(Duration::ZERO);
        }
        if (i + 1) % 10_000 == 0 {
            progress(i as u64 + 1);
        }
    }
    let wait = cfg.timeout.max(Duration::from_secs(30));
    producer.flush(wait).map_err(|e| {
        KafkaSourceError::Client(format!(
            "not every record was delivered within {:.0}s: {e} {}",
            wait.as_secs_f64(),
            producer.context().inner.last_error().unwrap_or_default()
        ))
    })?;
    let failed = producer.context().failed.load(Ordering::Relaxed);
    if failed > 0 {
        let first = producer
            .context()
            .first_error
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .unwrap_or_default();
        return Err(KafkaSourceError::Client(format!(
            "{failed} of {} records were not delivered: {first}",
            records.len()
        )));
    }
    progress(records.len() as u64);
    Ok(records.len() as u64)
}
