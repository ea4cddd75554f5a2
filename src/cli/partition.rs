//! `kord partition` and `kord assign`: the clients' partitioners and assignors.
//! Prints what `kord::model::partition` and `kord::sim::assign` compute; must not
//! implement a partitioner or an assignor of its own.

use super::args::{AssignArgs, PartitionArgs};
use super::UsageError;
use kord::model::partition::Partitioner;
use kord::sim::assign::{assign as run_assignor, Assignment, Member};

/// Prints the partition of each key, one per line.
pub fn partition(a: PartitionArgs) -> anyhow::Result<u8> {
    let kafka = a.kafka.brokers.is_some() || a.kafka.cluster.is_some() || a.kafka.topic.is_some();
    let partitions = match (a.partitions, kafka) {
        (Some(n), _) => n,
        (None, true) => {
            let cfg = super::kafka::config(&a.kafka, None)?;
            kord::source::kafka::produce::partition_count(&cfg).map_err(super::kafka::kerr)?
        }
        (None, false) => {
            return Err(UsageError(
                "--partitions N is required (or -b/-t to read N from the topic)".into(),
            )
            .into())
        }
    };
    if partitions == 0 {
        return Err(UsageError("--partitions must be at least 1".into()).into());
    }
    match a
        .partitioner
        .as_deref()
        .or(Some("murmur2"))
        .filter(|p| *p != "all")
    {
        Some(p) => {
            let p = p
                .parse::<Partitioner>()
                .map_err(|e| UsageError(e.to_string()))?;
            for k in &a.keys {
                println!("{k}\t{}", p.partition(k.as_bytes(), partitions));
            }
        }
        None => {
            println!("key\tmurmur2\tcrc32\tfnv1a");
            for k in &a.keys {
                let parts: Vec<String> = Partitioner::ALL
                    .iter()
                    .map(|p| p.partition(k.as_bytes(), partitions).to_string())
                    .collect();
                println!("{k}\t{}", parts.join("\t"));
            }
        }
    }
    Ok(0)
}

/// Prints the assignment as JSON: {"C0": {"T": [0, 1]}, ...}.
pub fn assign(a: AssignArgs) -> anyhow::Result<u8> {
    let assignor = a.assignor;
    let mut topics = Vec::new();
    for t in &a.topics {
        let (name, n) = t
            .rsplit_once(':')
            .ok_or_else(|| UsageError(format!("--topics: {t:?} is not T:N")))?;
        let n: u32 = n.parse().map_err(|_| {
            UsageError(format!("--topics: {n:?} in {t:?} is not a partition count"))
        })?;
        topics.push((name.to_string(), n));
    }
    let names: Vec<String> = topics.iter().map(|t| t.0.clone()).collect();
    let members: Vec<Member> = a
        .consumers
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| Member {
            id: c.clone(),
            instance_id: None,
            topics: names.clone(),
        })
        .collect();
    let previous: Option<Assignment> = match &a.previous {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError(format!("{}: cannot read: {e}", p.display())))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                UsageError(format!(
                    "{}:{}: not an assignment ({{\"member\": {{\"topic\": [partitions]}}}}): {e}",
                    p.display(),
                    e.line()
                ))
            })?)
        }
        None => None,
    };
    let out = run_assignor(assignor, &members, &topics, previous.as_ref());
    println!("{}", serde_json::to_string(&out)?);
    Ok(0)
}
