//! How fast and in what order `kord live`'s source delivers a topic's
//! history, for scripts/bench-kafka.sh:
//! `live_catchup BROKERS TOPIC RECORDS` starts the live source (default
//! options: 100 ms fetch wait, merged order) from the beginning, takes
//! records until RECORDS arrived (60 s at most) and prints
//! `SECONDS RECORDS OUT_OF_ORDER`, the last being records whose
//! `kord-seq` is below one already delivered.
use kord::source::kafka::live::{KafkaSource, LiveOptions, SourceEvent};
use kord::source::kafka::KafkaConfig;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(b), Some(t), Some(want)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: live_catchup BROKERS TOPIC RECORDS");
        std::process::exit(2);
    };
    let cfg = KafkaConfig::new(b, t);
    let (mut rx, handle) = match KafkaSource::start(&cfg, LiveOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("live_catchup: {e}");
            std::process::exit(1);
        }
    };
    let started = Instant::now();
    let (mut n, mut late, mut top) = (0usize, 0usize, i64::MIN);
    while n < want && started.elapsed() < Duration::from_secs(60) {
        let Some(ev) = rx.blocking_recv() else { break };
        if let SourceEvent::Records(batch) = ev {
            for r in batch.iter() {
                let seq = r.header("kord-seq").and_then(|v| v.parse::<i64>().ok());
                if let Some(s) = seq {
                    if s < top {
                        late += 1;
                    }
                    top = top.max(s);
                }
                n += 1;
            }
        }
    }
    println!("{:.3} {n} {late}", started.elapsed().as_secs_f64());
    handle.stop();
}
