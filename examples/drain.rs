//! The ceilings of a live read, for scripts/bench-kafka.sh:
//!
//! - `drain BROKERS TOPIC [KEY=VALUE...]`: librdkafka alone, with kord's
//!   consumer config for bounded reads, reading the topic to its end and
//!   touching nothing but each record's fields;
//! - `drain --merged BROKERS TOPIC [KEY=VALUE...]`: kord's whole read path
//!   (copy, merge by `kord-seq` / timestamp), without the engine.
//!
//! Prints `SECONDS RECORDS RECORDS_PER_SECOND`.
use kord::source::kafka::reader::{read_bounded, KafkaReader, ReadOrder};
use kord::source::kafka::{KafkaConfig, Until};
use std::time::{Duration, Instant};

fn fail(code: i32, msg: &str) -> ! {
    eprintln!("drain: {msg}");
    std::process::exit(code);
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let merged = args.first().is_some_and(|a| a == "--merged");
    if merged {
        args.remove(0);
    }
    let (Some(b), Some(t)) = (args.first(), args.get(1)) else {
        fail(2, "usage: drain [--merged] BROKERS TOPIC [KEY=VALUE...]");
    };
    let mut cfg = KafkaConfig::new(b, t).bounded();
    for x in &args[2..] {
        cfg.add_property(x)
            .unwrap_or_else(|e| fail(2, &e.to_string()));
    }
    let mut reader = KafkaReader::connect(&cfg).unwrap_or_else(|e| fail(1, &e.to_string()));
    let start = Instant::now();
    let n = if merged {
        read_bounded(
            &mut reader,
            &Until::End,
            ReadOrder::Merged,
            &mut |r| {
                std::hint::black_box(r);
                Ok(())
            },
            &mut |_, _| Ok(()),
        )
        .unwrap_or_else(|e| fail(1, &e.to_string()))
    } else {
        let mut n = 0u64;
        while !reader.all_done() {
            n += reader.poll(Duration::from_millis(100), 50_000, &mut |r| {
                std::hint::black_box(r);
            }) as u64;
            reader.check_end();
        }
        n
    };
    let s = start.elapsed().as_secs_f64();
    println!("{s:.3} {n} {:.0}", n as f64 / s);
}
