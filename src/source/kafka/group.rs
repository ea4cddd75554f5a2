//! Observing an application's consumer group (`--group`), without joining it.
//!
//! Members, client ids and assignments come from ListGroups/DescribeGroups
//! (`fetch_group_list`); committed offsets from a separate client whose
//! `group.id` is the observed group and which only ever sends OffsetFetch
//! (`committed_offsets`): it never subscribes (so never sends JoinGroup),
//! never commits and has auto-commit off.
//!
//! Lag status follows Burrow's rules ([`crate::detect::lag`]). kord cannot
//! see commit times (OffsetFetch does not return them), so each refresh
//! counts as one commit observed at that time: a committed offset that does
//! not move while lag exists becomes `STALL`; a partition with lag that no
//! member owns (by the assignments the broker reports, or because the group
//! has no members) is `STOP`: its consumer is gone.

use super::reader::PartitionMarks;
use super::{KafkaConfig, KafkaSourceError, KordContext};
use crate::detect::lag::{group_status, CommitSample, LagStatus, LagWindow};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Duration;

/// One member of the observed group.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GroupMember {
    pub member_id: String,
    pub client_id: String,
    pub client_host: String,
    /// Topic -> partitions, decoded from the member's assignment.
    pub assignment: BTreeMap<String, Vec<i32>>,
}

/// One partition of the topic, as the group sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GroupPartition {
    pub partition: i32,
    /// The committed offset (None: the group never committed here).
    pub committed: Option<i64>,
    pub high: i64,
    /// `high - committed` (None without a commit).
    pub lag: Option<i64>,
    /// Client id of the member that owns it, if any.
    pub owner: Option<String>,
    pub status: LagStatus,
}

/// What `--group` shows: the group's members and, per partition of the
/// topic, committed offset, lag and status.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GroupSnapshot {
    pub group: String,
    /// The broker's word: `Stable`, `Empty`, `PreparingRebalance`, `Dead`...
    pub state: String,
    /// The assignor the group agreed on (`range`, `cooperative-sticky`...).
    pub protocol: String,
    pub members: Vec<GroupMember>,
    pub partitions: Vec<GroupPartition>,
    /// The worst partition status.
    pub status: LagStatus,
    /// When it was taken, epoch ms.
    pub at_ms: i64,
}

impl GroupSnapshot {
    /// The protocol as shown (`-` when the broker gives none).
    pub fn protocol_name(&self) -> &str {
        if self.protocol.is_empty() {
            "-"
        } else {
            &self.protocol
        }
    }

    /// Total lag over the partitions with a commit.
    pub fn total_lag(&self) -> i64 {
        self.partitions.iter().filter_map(|p| p.lag).sum()
    }
}

/// Decodes a consumer-protocol member assignment (versions 0 to 3 share
/// this prefix): `i16 version, [string topic, [i32 partition]], bytes
/// user_data`. None when the bytes are not that (another protocol type).
pub fn decode_assignment(b: &[u8]) -> Option<BTreeMap<String, Vec<i32>>> {
    struct Cur<'a>(&'a [u8]);
    impl Cur<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            if self.0.len() < n {
                return None;
            }
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            Some(a)
        }
        fn i16(&mut self) -> Option<i16> {
            self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
        }
        fn i32(&mut self) -> Option<i32> {
            self.take(4)
                .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        }
    }
    let mut c = Cur(b);
    let mut out = BTreeMap::new();
    if b.is_empty() {
        return Some(out);
    }
    let _version = c.i16()?;
    let topics = c.i32()?;
    for _ in 0..topics.max(0) {
        let len = c.i16()?;
        let name = String::from_utf8(c.take(usize::try_from(len).ok()?)?.to_vec()).ok()?;
        let n = c.i32()?;
        if n < 0 || n as usize > c.0.len() / 4 {
            return None;
        }
        let mut parts = Vec::with_capacity(n as usize);
        for _ in 0..n {
            parts.push(c.i32()?);
        }
        out.entry(name).or_insert_with(Vec::new).extend(parts);
    }
    Some(out)
}

/// Observes one group over time, keeping Burrow windows per partition.
pub struct GroupObserver {
    group: String,
    topic: String,
    timeout: Duration,
    /// The client with `group.id = group` that only fetches committed offsets.
    offsets: BaseConsumer<KordContext>,
    windows: BTreeMap<i32, LagWindow>,
}

impl GroupObserver {
    /// A read-only observer of `group` on the config's topic.
    pub fn new(cfg: &KafkaConfig, group: &str) -> Result<GroupObserver, KafkaSourceError> {
        let mut c = cfg.client_config()?;
        c.set("group.id", group);
        c.set("enable.auto.commit", "false");
        c.set("enable.auto.offset.store", "false");
        let offsets = c
            .create_with_context(KordContext::default())
            .map_err(super::creation_error)?;
        Ok(GroupObserver {
            group: group.into(),
            topic: cfg.topic.clone(),
            timeout: cfg.timeout,
            offsets,
            windows: BTreeMap::new(),
        })
    }

    /// Takes a snapshot: `lister` lists the group (any client will do),
    /// `marks` gives each partition's high watermark.
    pub fn observe(
        &mut self,
        lister: &BaseConsumer<KordContext>,
        marks: &[PartitionMarks],
    ) -> Result<GroupSnapshot, KafkaSourceError> {
        let list = lister
            .fetch_group_list(Some(&self.group), self.timeout)
            .map_err(|e| KafkaSourceError::Client(format!("group {:?}: {e}", self.group)))?;
        let (state, protocol, members) = match list.groups().first() {
            Some(g) => (
                g.state().to_string(),
                g.protocol().to_string(),
                g.members()
                    .iter()
                    .map(|m| GroupMember {
                        member_id: m.id().to_string(),
                        client_id: m.client_id().to_string(),
                        client_host: m.client_host().to_string(),
                        assignment: m
                            .assignment()
                            .and_then(decode_assignment)
                            .unwrap_or_default(),
                    })
                    .collect::<Vec<_>>(),
            ),
            None => ("Dead".to_string(), String::new(), Vec::new()),
        };
        // Ownership is evidence only when the broker reports assignments
        // (tansu, for one, returns them empty) or the group has no members.
        let assignments_known =
            members.is_empty() || members.iter().any(|m| !m.assignment.is_empty());
        let mut owners: BTreeMap<i32, String> = BTreeMap::new();
        for m in &members {
            for p in m.assignment.get(&self.topic).into_iter().flatten() {
                owners.insert(*p, m.client_id.clone());
            }
        }
        let mut tpl = TopicPartitionList::new();
        for m in marks {
            tpl.add_partition(&self.topic, m.partition);
        }
        let committed = self
            .offsets
            .committed_offsets(tpl, self.timeout)
            .map_err(|e| {
                KafkaSourceError::Client(format!("committed offsets of {:?}: {e}", self.group))
            })?;
        let by_part: BTreeMap<i32, Option<i64>> = committed
            .elements()
            .iter()
            .map(|e| {
                let o = match e.offset() {
                    Offset::Offset(o) => Some(o),
                    _ => None,
                };
                (e.partition(), o)
            })
            .collect();
        let now = chrono::Utc::now().timestamp_millis();
        let mut partitions = Vec::with_capacity(marks.len());
        for m in marks {
            let committed = by_part.get(&m.partition).copied().flatten();
            let lag = committed.map(|c| (m.high - c).max(0));
            let owner = owners.get(&m.partition).cloned();
            let status = match (committed, lag) {
                (Some(c), Some(l)) => {
                    let w = self
                        .windows
                        .entry(m.partition)
                        .or_insert_with(|| LagWindow::new(LagWindow::DEFAULT_CAPACITY));
                    w.push(CommitSample {
                        offset: c,
                        at_ms: now,
                        lag: l as u64,
                    });
                    if assignments_known && owner.is_none() && l > 0 {
                        LagStatus::Stop
                    } else {
                        w.status(l as u64, now)
                    }
                }
                _ => LagStatus::Ok,
            };
            partitions.push(GroupPartition {
                partition: m.partition,
                committed,
                high: m.high,
                lag,
                owner,
                status,
            });
        }
        Ok(GroupSnapshot {
            group: self.group.clone(),
            state,
            protocol,
            members,
            status: group_status(partitions.iter().map(|p| p.status)),
            partitions,
            at_ms: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(topics: &[(&str, &[i32])]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(1i16.to_be_bytes());
        b.extend((topics.len() as i32).to_be_bytes());
        for (t, ps) in topics {
            b.extend((t.len() as i16).to_be_bytes());
            b.extend(t.as_bytes());
            b.extend((ps.len() as i32).to_be_bytes());
            for p in *ps {
                b.extend(p.to_be_bytes());
            }
        }
        b.extend((-1i32).to_be_bytes()); // null user data
        b
    }

    #[test]
    fn decodes_assignments() {
        let a = decode_assignment(&encode(&[("orders", &[0, 2]), ("audit", &[1])])).unwrap();
        assert_eq!(a["orders"], vec![0, 2]);
        assert_eq!(a["audit"], vec![1]);
        assert_eq!(decode_assignment(&[]), Some(BTreeMap::new()));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(decode_assignment(&[0, 1, 0]), None);
        let mut b = encode(&[("orders", &[0, 2])]);
        b.truncate(b.len() - 7);
        assert_eq!(decode_assignment(&b), None);
        // A huge partition count must not allocate or panic.
        let mut b = Vec::new();
        b.extend(0i16.to_be_bytes());
        b.extend(1i32.to_be_bytes());
        b.extend(1i16.to_be_bytes());
        b.push(b'x');
        b.extend(i32::MAX.to_be_bytes());
        assert_eq!(decode_assignment(&b), None);
    }
}
