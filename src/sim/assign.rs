//! Consumer-group partition assignors (SPEC §5), ported from the Apache Kafka
//! Java client so that `kord assign` and the simulation give the assignment a
//! real group would get:
//!
//! - `range`: `org.apache.kafka.clients.consumer.RangeAssignor`
//! - `roundrobin`: `RoundRobinAssignor`
//! - `sticky`: `StickyAssignor` (eager), `AbstractStickyAssignor`
//! - `cooperative-sticky`: `CooperativeStickyAssignor` (same algorithm, then
//!   partitions that must first be revoked by another member are withheld)
//! - `uniform`: the KIP-848 server-side default
//!   (`org.apache.kafka.coordinator.group.assignor.UniformAssignor`).
//!
//! Fidelity notes (what "exactly as the client" means here):
//! - Members are ordered as `AbstractPartitionAssignor.MemberInfo` orders them:
//!   static members (with `group.instance.id`) by instance id first, then dynamic
//!   members by member id. Strings compare as Java's `String.compareTo` (UTF-16).
//! - The sticky assignors iterate Java `HashMap`s keyed by member id in places
//!   where the order decides the result (which member keeps `maxQuota` partitions;
//!   which partition a reverse movement picks). These orders are reproduced:
//!   `String.hashCode`, `HashMap`'s hash spreading, bucket index by table
//!   capacity, and insertion order within a bucket, with members inserted in the
//!   order given (as the group leader inserts them in join order). Bins that
//!   Java would turn into trees (8+ colliding keys in one bucket) are not modelled.
//! - `previous` is one generation: every member in it has the same generation,
//!   so the generation tie-breaks of `AbstractStickyAssignor` reduce to "a
//!   partition claimed by two members is revoked from both". Rack awareness is
//!   not modelled (members have no rack).
//! - Deviations, all for inputs a real group cannot produce: duplicate member ids
//!   keep the first; duplicate topics in a subscription or partitions in a
//!   previous assignment count once; previous partitions that do not exist
//!   (`p >= N`) are ignored; a member with an empty subscription never makes the
//!   subscriptions "all equal" (Java's check skips empty sets, which would give
//!   such a member partitions it does not subscribe to).
//!
//! Pure functions: no I/O, no panics. Core: must not import the terminal,
//! tokio, rdkafka or an adapter (`source`, `tui`, `cli`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;

/// A partition assignment strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Assignor {
    /// Per topic, contiguous ranges over the ordered members (`RangeAssignor`).
    #[serde(rename = "range")]
    Range,
    /// All partitions, by topic then number, dealt over the ordered members (`RoundRobinAssignor`).
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// Balanced and sticky, eager protocol (`StickyAssignor`).
    #[serde(rename = "sticky")]
    Sticky,
    /// Balanced and sticky, cooperative protocol (`CooperativeStickyAssignor`).
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
    /// KIP-848 server-side default (`UniformAssignor`), incremental.
    #[serde(rename = "uniform")]
    Uniform,
}

impl Assignor {
    /// Every assignor, client ones first.
    pub const ALL: [Assignor; 5] = [
        Assignor::Range,
        Assignor::RoundRobin,
        Assignor::Sticky,
        Assignor::CooperativeSticky,
        Assignor::Uniform,
    ];

    /// The name as the clients spell it ("range", "roundrobin", "sticky", "cooperative-sticky", "uniform").
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::Sticky => "sticky",
            Assignor::CooperativeSticky => "cooperative-sticky",
            Assignor::Uniform => "uniform",
        }
    }

    /// True when a rebalance revokes every partition first (range, roundrobin, sticky).
    pub fn is_eager(self) -> bool {
        !matches!(self, Assignor::CooperativeSticky | Assignor::Uniform)
    }
}

impl fmt::Display for Assignor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An assignor name kord does not know (`--assignor`, the lens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown assignor '{name}': expected one of {}",
    Assignor::ALL.map(Assignor::name).join(", ")
)]
pub struct UnknownAssignor {
    pub name: String,
}

impl FromStr for Assignor {
    type Err = UnknownAssignor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Assignor::ALL
            .iter()
            .copied()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownAssignor {
                name: s.to_string(),
            })
    }
}

/// A group member: its member id, optional static `group.instance.id`, and subscribed topics.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// Member id (`member.id`), unique in the group.
    pub id: String,
    /// Static membership id (`group.instance.id`), if any.
    pub instance_id: Option<String>,
    /// Subscribed topics.
    pub topics: Vec<String>,
}

impl Member {
    /// A dynamic member subscribed to `topics`.
    pub fn new(id: &str, topics: &[&str]) -> Member {
        Member {
            id: id.to_string(),
            instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }
}

/// Member id -> topic -> assigned partitions (ascending). Every member of the group
/// appears; a member with nothing assigned maps to an empty map.
pub type Assignment = BTreeMap<String, BTreeMap<String, Vec<u32>>>;

/// The assignment `assignor` gives `members` over `topics` (name, partition count),
/// with `previous` the last generation's assignment (used by the sticky ones and uniform).
///
/// This is one call of the assignor, as the group leader (or, for `uniform`, the
/// coordinator) makes it. For `cooperative-sticky` the result withholds partitions
/// that another member must revoke first: they are assigned by the follow-up
/// rebalance (see [`rounds`]). For `uniform` it is the target assignment.
pub fn assign(
    assignor: Assignor,
    members: &[Member],
    topics: &[(String, u32)],
    previous: Option<&Assignment>,
) -> Assignment {
    assign_once(assignor, members, topics, previous).0
}

/// The successive assignments of one rebalance until it settles: one for eager
/// assignors; for `cooperative-sticky`, the first assignment (moving partitions
/// withheld) then the follow-up rebalance's, as the Java client does after the
/// revoking members rejoin; for `uniform`, the members' assignments while moving
/// partitions are still owned by their previous owner, then the target.
/// The last element is the settled assignment; the list is never empty.
pub fn rounds(
    assignor: Assignor,
    members: &[Member],
    topics: &[(String, u32)],
    previous: Option<&Assignment>,
) -> Vec<Assignment> {
    match assignor {
        Assignor::CooperativeSticky => {
            let mut out = Vec::new();
            let (mut current, mut withheld) = assign_once(assignor, members, topics, previous);
            // Each follow-up only withholds partitions moved again; bounded for safety.
            while withheld > 0 && out.len() < 8 {
                let (next, w) = assign_once(assignor, members, topics, Some(&current));
                out.push(current);
                current = next;
                withheld = w;
            }
            out.push(current);
            out
        }
        Assignor::Uniform => {
            let target = assign(assignor, members, topics, previous);
            let Some(prev) = previous else {
                return vec![target];
            };
            let present: HashSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
            let mut prev_owner: HashMap<(&str, u32), &str> = HashMap::new();
            for (member, tps) in prev {
                if !present.contains(member.as_str()) {
                    continue;
                }
                for (topic, ps) in tps {
                    for p in ps {
                        prev_owner
                            .entry((topic.as_str(), *p))
                            .or_insert(member.as_str());
                    }
                }
            }
            let mut interim = target.clone();
            let mut pending = false;
            for (member, tps) in interim.iter_mut() {
                for (topic, ps) in tps.iter_mut() {
                    ps.retain(|p| match prev_owner.get(&(topic.as_str(), *p)) {
                        Some(owner) if *owner != member.as_str() => {
                            pending = true;
                            false
                        }
                        _ => true,
                    });
                }
                tps.retain(|_, ps| !ps.is_empty());
            }
            if pending {
                vec![interim, target]
            } else {
                vec![target]
            }
        }
        _ => vec![assign(assignor, members, topics, previous)],
    }
}

/// Partitions whose owner differs between `previous` and `next`, as
/// (topic, partition, previous owner, next owner), sorted by topic then partition.
pub fn moved(
    previous: &Assignment,
    next: &Assignment,
) -> Vec<(String, u32, Option<String>, Option<String>)> {
    fn owners(a: &Assignment) -> BTreeMap<(&str, u32), &str> {
        let mut out = BTreeMap::new();
        for (member, tps) in a {
            for (topic, ps) in tps {
                for p in ps {
                    out.entry((topic.as_str(), *p)).or_insert(member.as_str());
                }
            }
        }
        out
    }
    let before = owners(previous);
    let after = owners(next);
    let keys: BTreeSet<(&str, u32)> = before.keys().chain(after.keys()).copied().collect();
    keys.into_iter()
        .filter_map(|k| {
            let from = before.get(&k).copied();
            let to = after.get(&k).copied();
            (from != to).then(|| {
                (
                    k.0.to_string(),
                    k.1,
                    from.map(str::to_string),
                    to.map(str::to_string),
                )
            })
        })
        .collect()
}

/// Owner per partition of `topic` (`n` partitions) as an index into `members` (`None`: unowned).
pub fn owners_of(
    assignment: &Assignment,
    members: &[Member],
    topic: &str,
    n: u32,
) -> Vec<Option<usize>> {
    let mut out = vec![None; n as usize];
    for (i, m) in members.iter().enumerate() {
        let Some(ps) = assignment.get(&m.id).and_then(|tps| tps.get(topic)) else {
            continue;
        };
        for p in ps {
            if let Some(slot) = out.get_mut(*p as usize) {
                if slot.is_none() {
                    *slot = Some(i);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Java semantics helpers

/// Java's `String.compareTo`: lexicographic over UTF-16 code units.
fn jcmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Java's `String.hashCode`.
fn jhash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// `HashMap.hash`: the hash code with its high half folded into the low half.
fn spread(h: i32) -> usize {
    let h = h as u32;
    (h ^ (h >> 16)) as usize
}

/// Table capacity of a `new HashMap<>()` after `n` insertions (load factor 0.75).
fn table_capacity(n: usize) -> usize {
    let mut cap = 16usize;
    while n.saturating_mul(4) > cap.saturating_mul(3) && cap < (1 << 30) {
        cap *= 2;
    }
    cap
}

/// Iteration order of a default `HashMap<String, _>` filled with `keys` in order:
/// by bucket index, then insertion order. Returns positions into `keys`.
fn java_hash_order(keys: &[&str]) -> Vec<usize> {
    let mask = table_capacity(keys.len()) - 1;
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    idx.sort_by_key(|&i| spread(jhash(keys[i])) & mask);
    idx
}

/// `MemberInfo.compareTo`: static members by instance id first, then dynamic by member id.
fn member_info_cmp(a: &Member, b: &Member) -> Ordering {
    match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => jcmp(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => jcmp(&a.id, &b.id),
    }
}

/// A topic partition: (topic index, partition number).
type Tp = (usize, u32);

/// The group as the assignors see it, with topics and members indexed.
struct Group<'a> {
    /// Members, deduplicated by id, in the given (insertion) order.
    members: Vec<&'a Member>,
    /// Member positions in Java `HashMap` iteration order (the leader's `subscriptions` map).
    hash_order: Vec<usize>,
    /// Member positions in `MemberInfo` order (stable over `hash_order`, as `Collections.sort`).
    info_order: Vec<usize>,
    /// Rank of each member id in Java string order.
    id_rank: Vec<usize>,
    /// Member position by id rank.
    by_rank: Vec<usize>,
    /// Subscribed topic names per member, deduplicated, as given (including topics that do not exist).
    raw_subs: Vec<Vec<&'a str>>,
    /// Subscribed topics that exist per member (topic indices, subscription order).
    subs: Vec<Vec<usize>>,
    /// Existing subscribed topics (name, partitions), sorted in Java string order: the topic index.
    topics: Vec<(&'a str, u32)>,
    /// `String.hashCode` of each topic name.
    topic_hash: Vec<i32>,
    /// Previously owned partitions per member (existing topics, valid partitions, no duplicates).
    owned: Vec<Vec<Tp>>,
}

impl<'a> Group<'a> {
    fn new(
        members: &'a [Member],
        topics: &'a [(String, u32)],
        previous: Option<&'a Assignment>,
    ) -> Group<'a> {
        let mut seen = HashSet::new();
        let members: Vec<&Member> = members
            .iter()
            .filter(|m| seen.insert(m.id.as_str()))
            .collect();
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let hash_order = java_hash_order(&ids);
        let mut info_order = hash_order.clone();
        info_order.sort_by(|&a, &b| member_info_cmp(members[a], members[b]));
        let mut by_rank: Vec<usize> = (0..members.len()).collect();
        by_rank.sort_by(|&a, &b| jcmp(ids[a], ids[b]));
        let mut id_rank = vec![0; members.len()];
        for (r, &m) in by_rank.iter().enumerate() {
            id_rank[m] = r;
        }

        let raw_subs: Vec<Vec<&str>> = members
            .iter()
            .map(|m| {
                let mut seen = HashSet::new();
                m.topics
                    .iter()
                    .map(String::as_str)
                    .filter(|t| seen.insert(*t))
                    .collect()
            })
            .collect();
        // Partition counts: the first entry of a topic wins; topics with no partitions are
        // skipped, as `AbstractPartitionAssignor.assign` skips topics without metadata.
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for (name, n) in topics {
            counts.entry(name.as_str()).or_insert(*n);
        }
        let subscribed: BTreeSet<&str> = raw_subs.iter().flatten().copied().collect();
        let mut existing: Vec<(&str, u32)> = subscribed
            .into_iter()
            .filter_map(|t| counts.get(t).filter(|n| **n > 0).map(|n| (t, *n)))
            .collect();
        existing.sort_by(|a, b| jcmp(a.0, b.0));
        let topic_index: HashMap<&str, usize> = existing
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (*t, i))
            .collect();
        let subs = raw_subs
            .iter()
            .map(|s| {
                s.iter()
                    .filter_map(|t| topic_index.get(t).copied())
                    .collect()
            })
            .collect();
        let topic_hash = existing.iter().map(|(t, _)| jhash(t)).collect();

        let owned = members
            .iter()
            .map(|m| {
                let mut out = Vec::new();
                let Some(tps) = previous.and_then(|p| p.get(&m.id)) else {
                    return out;
                };
                let mut seen = HashSet::new();
                for (topic, ps) in tps {
                    let Some(&t) = topic_index.get(topic.as_str()) else {
                        continue;
                    };
                    for &p in ps {
                        if p < existing[t].1 && seen.insert((t, p)) {
                            out.push((t, p));
                        }
                    }
                }
                out
            })
            .collect();

        Group {
            members,
            hash_order,
            info_order,
            id_rank,
            by_rank,
            raw_subs,
            subs,
            topics: existing,
            topic_hash,
            owned,
        }
    }

    /// Total number of partitions of the existing subscribed topics.
    fn total_partitions(&self) -> usize {
        self.topics.iter().map(|(_, n)| *n as usize).sum()
    }

    /// Every partition in (topic, partition) order.
    fn all_partitions(&self) -> Vec<Tp> {
        self.topics
            .iter()
            .enumerate()
            .flat_map(|(t, (_, n))| (0..*n).map(move |p| (t, p)))
            .collect()
    }

    /// `TopicPartition.hashCode`.
    fn tp_hash(&self, tp: Tp) -> i32 {
        31i32
            .wrapping_mul(31i32.wrapping_add(tp.1 as i32))
            .wrapping_add(self.topic_hash[tp.0])
    }

    /// Whether every member has the same (raw) subscription; an empty one never matches.
    fn all_subscriptions_equal(&self) -> bool {
        let sets: Vec<BTreeSet<&str>> = self
            .raw_subs
            .iter()
            .map(|s| s.iter().copied().collect())
            .collect();
        match sets.first() {
            None => true,
            Some(first) => !first.is_empty() && sets.iter().all(|s| s == first),
        }
    }

    /// The public form of per-member partition lists.
    fn to_assignment(&self, lists: &[Vec<Tp>]) -> Assignment {
        let mut out = Assignment::new();
        for (i, m) in self.members.iter().enumerate() {
            let mut tps: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for &(t, p) in lists.get(i).map(Vec::as_slice).unwrap_or(&[]) {
                tps.entry(self.topics[t].0.to_string()).or_default().push(p);
            }
            for ps in tps.values_mut() {
                ps.sort_unstable();
                ps.dedup();
            }
            out.insert(m.id.clone(), tps);
        }
        out
    }
}

/// One assignor call: the assignment and how many partitions it withholds (cooperative).
fn assign_once(
    assignor: Assignor,
    members: &[Member],
    topics: &[(String, u32)],
    previous: Option<&Assignment>,
) -> (Assignment, usize) {
    let g = Group::new(members, topics, previous);
    if g.members.is_empty() {
        return (Assignment::new(), 0);
    }
    match assignor {
        Assignor::Range => (g.to_assignment(&range(&g)), 0),
        Assignor::RoundRobin => (g.to_assignment(&round_robin(&g)), 0),
        Assignor::Sticky => (g.to_assignment(&sticky(&g).0), 0),
        Assignor::CooperativeSticky => {
            let (mut lists, transferring) = sticky(&g);
            let mut withheld = 0;
            for (tp, m) in transferring {
                if let Some(list) = lists.get_mut(m) {
                    if let Some(pos) = list.iter().position(|x| *x == tp) {
                        list.remove(pos);
                        withheld += 1;
                    }
                }
            }
            (g.to_assignment(&lists), withheld)
        }
        Assignor::Uniform => {
            if g.all_subscriptions_equal() {
                (g.to_assignment(&uniform_homogeneous(&g)), 0)
            } else {
                // The server's heterogeneous builder is not ported; the client sticky
                // algorithm has the same goals (balance, then stickiness).
                (g.to_assignment(&sticky(&g).0), 0)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Range and round robin

/// `RangeAssignor` without racks: per topic, members in `MemberInfo` order take
/// `N / C` partitions each, the first `N % C` one more.
fn range(g: &Group) -> Vec<Vec<Tp>> {
    let mut out = vec![Vec::new(); g.members.len()];
    for (t, (_, n)) in g.topics.iter().enumerate() {
        let consumers: Vec<usize> = g
            .info_order
            .iter()
            .copied()
            .filter(|&m| g.subs[m].contains(&t))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        let c = consumers.len() as u32;
        let (per, extra) = (n / c, n % c);
        let mut start = 0u32;
        for (i, &m) in consumers.iter().enumerate() {
            let len = per + u32::from((i as u32) < extra);
            out[m].extend((start..start + len).map(|p| (t, p)));
            start += len;
        }
    }
    out
}

/// `RoundRobinAssignor`: partitions sorted by topic then number, dealt over the members
/// in `MemberInfo` order with a circular iterator that skips members not subscribed.
fn round_robin(g: &Group) -> Vec<Vec<Tp>> {
    let mut out = vec![Vec::new(); g.members.len()];
    let ring = &g.info_order;
    let mut at = 0usize;
    for tp in g.all_partitions() {
        // Some member subscribes to every topic in `g.topics`, so this terminates.
        for _ in 0..ring.len() {
            if g.subs[ring[at]].contains(&tp.0) {
                break;
            }
            at = (at + 1) % ring.len();
        }
        out[ring[at]].push(tp);
        at = (at + 1) % ring.len();
    }
    out
}

// ---------------------------------------------------------------------------
// Sticky (AbstractStickyAssignor)

/// `AbstractStickyAssignor.assignPartitions`: the per-member lists and the
/// partitions transferring ownership (partition -> new owner), which the
/// cooperative assignor withholds.
fn sticky(g: &Group) -> (Vec<Vec<Tp>>, Vec<(Tp, usize)>) {
    // allSubscriptionsEqual: collect still-valid owned partitions, revoking
    // those claimed by two members of the (single) previous generation.
    let mut owned: Vec<Vec<Tp>> = vec![Vec::new(); g.members.len()];
    let mut owner_of: HashMap<Tp, usize> = HashMap::new();
    let mut multi: HashSet<Tp> = HashSet::new();
    for &m in &g.hash_order {
        for &tp in &g.owned[m] {
            match owner_of.get(&tp).copied() {
                None => {
                    owned[m].push(tp);
                    owner_of.insert(tp, m);
                }
                Some(other) => {
                    multi.insert(tp);
                    owned[other].retain(|x| *x != tp);
                    owner_of.insert(tp, m);
                }
            }
        }
    }
    if g.all_subscriptions_equal() {
        let (lists, transferring) = Constrained::new(g, owned, multi).build();
        let mut t: Vec<(Tp, usize)> = transferring.into_iter().collect();
        t.sort_unstable();
        (lists, t)
    } else {
        let lists = General::new(g, owned).build();
        let t = transferring_ownership(g, &lists);
        (lists, t)
    }
}

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`: partitions
/// newly assigned to a member that another member owned before.
fn transferring_ownership(g: &Group, lists: &[Vec<Tp>]) -> Vec<(Tp, usize)> {
    let mut added: BTreeMap<Tp, usize> = BTreeMap::new();
    let mut revoked: HashSet<Tp> = HashSet::new();
    for (m, assigned) in lists.iter().enumerate() {
        let owned: HashSet<Tp> = g.owned[m].iter().copied().collect();
        let assigned_set: HashSet<Tp> = assigned.iter().copied().collect();
        for tp in assigned {
            if !owned.contains(tp) {
                added.insert(*tp, m);
            }
        }
        for tp in &g.owned[m] {
            if !assigned_set.contains(tp) {
                revoked.insert(*tp);
            }
        }
    }
    added
        .into_iter()
        .filter(|(tp, _)| revoked.contains(tp))
        .collect()
}

/// `ConstrainedAssignmentBuilder` (all members subscribe to the same topics), without racks.
struct Constrained<'g, 'a> {
    g: &'g Group<'a>,
    /// Owned partitions per member (`currentAssignment`).
    current: Vec<Vec<Tp>>,
    multi: HashSet<Tp>,
    revoked: HashSet<Tp>,
    under_min: Vec<usize>,
    exactly_min: VecDeque<usize>,
    min_quota: usize,
    max_quota: usize,
    expected_over_min: usize,
    current_over_min: usize,
    assignment: Vec<Vec<Tp>>,
    assigned: Vec<Tp>,
    transferring: HashMap<Tp, usize>,
}

impl<'g, 'a> Constrained<'g, 'a> {
    fn new(g: &'g Group<'a>, current: Vec<Vec<Tp>>, multi: HashSet<Tp>) -> Self {
        let total = g.total_partitions();
        let n = g.members.len().max(1);
        Constrained {
            g,
            current,
            multi,
            revoked: HashSet::new(),
            under_min: Vec::new(),
            exactly_min: VecDeque::new(),
            min_quota: total / n,
            max_quota: total.div_ceil(n),
            expected_over_min: total % n,
            current_over_min: 0,
            assignment: vec![Vec::new(); g.members.len()],
            assigned: Vec::new(),
            transferring: HashMap::new(),
        }
    }

    fn build(mut self) -> (Vec<Vec<Tp>>, HashMap<Tp, usize>) {
        self.assign_owned();
        let assigned: HashSet<Tp> = self.assigned.iter().copied().collect();
        let unassigned: Vec<Tp> = self
            .g
            .all_partitions()
            .into_iter()
            .filter(|tp| !assigned.contains(tp))
            .collect();
        let g = self.g;
        let by_id = |a: &usize, b: &usize| jcmp(&g.members[*a].id, &g.members[*b].id);
        self.under_min.sort_by(by_id);
        self.exactly_min.make_contiguous().sort_by(by_id);
        self.assign_round_robin(&unassigned);
        (self.assignment, self.transferring)
    }

    /// `assignOwnedPartitions`: keep owned partitions up to the quotas, in `currentAssignment` order.
    fn assign_owned(&mut self) {
        let g = self.g;
        for &m in &g.hash_order {
            let mut owned = std::mem::take(&mut self.current[m]);
            // Sorted by partition number, then topic name (topic indices are in name order).
            owned.sort_by_key(|&(t, p)| (p, t));
            owned.retain(|tp| !self.multi.contains(tp));
            if owned.len() < self.min_quota {
                self.assignment[m].extend_from_slice(&owned);
                self.assigned.extend_from_slice(&owned);
                self.under_min.push(m);
            } else if owned.len() >= self.max_quota
                && self.current_over_min < self.expected_over_min
            {
                self.current_over_min += 1;
                if self.current_over_min == self.expected_over_min {
                    self.exactly_min.clear();
                }
                let (keep, rest) = owned.split_at(self.max_quota);
                self.assignment[m].extend_from_slice(keep);
                self.assigned.extend_from_slice(keep);
                self.revoked.extend(rest.iter().copied());
            } else {
                let (keep, rest) = owned.split_at(self.min_quota);
                self.assignment[m].extend_from_slice(keep);
                self.assigned.extend_from_slice(keep);
                self.revoked.extend(rest.iter().copied());
                if self.current_over_min < self.expected_over_min {
                    self.exactly_min.push_back(m);
                }
            }
        }
    }

    /// `assignRoundRobin`, with the Java list iterator (and its `remove`) as a cursor.
    fn assign_round_robin(&mut self, unassigned: &[Tp]) {
        let mut cursor = 0usize;
        for &tp in unassigned {
            let (consumer, from_iter) = if cursor < self.under_min.len() {
                cursor += 1;
                (self.under_min[cursor - 1], true)
            } else if self.under_min.is_empty() {
                match self.exactly_min.pop_front() {
                    Some(c) => (c, false),
                    // Java throws IllegalStateException: cannot happen with exact quotas.
                    // Stay total: give it to the least loaded member.
                    None => match (0..self.assignment.len())
                        .min_by_key(|&m| (self.assignment[m].len(), m))
                    {
                        Some(c) => (c, false),
                        None => return,
                    },
                }
            } else {
                cursor = 1;
                (self.under_min[0], true)
            };
            self.assignment[consumer].push(tp);
            if self.revoked.contains(&tp) || self.multi.contains(&tp) {
                self.transferring.insert(tp, consumer);
            }
            let count = self.assignment[consumer].len();
            if count == self.min_quota {
                if from_iter {
                    cursor -= 1;
                    self.under_min.remove(cursor);
                }
                self.exactly_min.push_back(consumer);
            } else if count == self.max_quota {
                self.current_over_min += 1;
            }
        }
    }
}

/// A Java `HashSet<TopicPartition>` reduced to what the sticky assignor asks of it:
/// membership and `iterator().next()` (lowest bucket, then insertion order).
struct JavaSet {
    items: Vec<(Tp, i32, u64)>,
    capacity: usize,
    next_seq: u64,
}

impl JavaSet {
    fn new() -> JavaSet {
        JavaSet {
            items: Vec::new(),
            capacity: 16,
            next_seq: 0,
        }
    }

    fn insert(&mut self, tp: Tp, hash: i32) {
        if self.items.iter().any(|(x, _, _)| *x == tp) {
            return;
        }
        self.items.push((tp, hash, self.next_seq));
        self.next_seq += 1;
        if self.items.len() * 4 > self.capacity * 3 {
            self.capacity *= 2;
        }
    }

    fn remove(&mut self, tp: Tp) {
        self.items.retain(|(x, _, _)| *x != tp);
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn first(&self) -> Option<Tp> {
        let mask = self.capacity - 1;
        self.items
            .iter()
            .min_by_key(|(_, h, seq)| (spread(*h) & mask, *seq))
            .map(|(tp, _, _)| *tp)
    }
}

/// `AbstractStickyAssignor.PartitionMovements`, keyed by (source, destination) member.
#[derive(Default)]
struct Movements {
    by_topic: HashMap<usize, HashMap<(usize, usize), JavaSet>>,
    moves: HashMap<Tp, (usize, usize)>,
}

impl Movements {
    fn remove_record(&mut self, tp: Tp) -> Option<(usize, usize)> {
        let pair = self.moves.remove(&tp)?;
        if let Some(topic) = self.by_topic.get_mut(&tp.0) {
            if let Some(set) = topic.get_mut(&pair) {
                set.remove(tp);
                if set.is_empty() {
                    topic.remove(&pair);
                }
            }
            if topic.is_empty() {
                self.by_topic.remove(&tp.0);
            }
        }
        Some(pair)
    }

    fn add_record(&mut self, tp: Tp, hash: i32, pair: (usize, usize)) {
        self.moves.insert(tp, pair);
        self.by_topic
            .entry(tp.0)
            .or_default()
            .entry(pair)
            .or_insert_with(JavaSet::new)
            .insert(tp, hash);
    }

    fn move_partition(&mut self, tp: Tp, hash: i32, old: usize, new: usize) {
        if self.moves.contains_key(&tp) {
            if let Some(existing) = self.remove_record(tp) {
                if existing.0 != new {
                    self.add_record(tp, hash, (existing.0, new));
                }
            }
        } else {
            self.add_record(tp, hash, (old, new));
        }
    }

    /// `getTheActualPartitionToBeMoved`: prefer moving back a partition that went new -> old.
    fn actual_partition_to_move(&self, tp: Tp, old: usize, new: usize) -> Tp {
        let Some(topic) = self.by_topic.get(&tp.0) else {
            return tp;
        };
        let old = self.moves.get(&tp).map_or(old, |pair| pair.0);
        topic
            .get(&(new, old))
            .and_then(JavaSet::first)
            .unwrap_or(tp)
    }
}

/// `GeneralAssignmentBuilder` (members subscribe to different topics), without racks.
struct General<'g, 'a> {
    g: &'g Group<'a>,
    topic_consumers: Vec<Vec<usize>>,
    current: Vec<Vec<Tp>>,
    /// Whether the member is in `currentAssignment` (fixed members are taken out while balancing).
    active: Vec<bool>,
    owner: HashMap<Tp, usize>,
    sorted_all: Vec<Tp>,
    /// `sortedCurrentSubscriptions`: (assigned count, id rank).
    sorted: BTreeSet<(usize, usize)>,
    revocation_required: bool,
    movements: Movements,
}

impl<'g, 'a> General<'g, 'a> {
    fn new(g: &'g Group<'a>, current: Vec<Vec<Tp>>) -> Self {
        let mut topic_consumers = vec![Vec::new(); g.topics.len()];
        for &m in &g.hash_order {
            for &t in &g.subs[m] {
                topic_consumers[t].push(m);
            }
        }
        let mut owner = HashMap::new();
        for (m, tps) in current.iter().enumerate() {
            for tp in tps {
                owner.insert(*tp, m);
            }
        }
        // TopicComparator: fewest potential consumers first, then name.
        let mut topics: Vec<usize> = (0..g.topics.len()).collect();
        topics.sort_by_key(|&t| (topic_consumers[t].len(), t));
        let sorted_all = topics
            .iter()
            .flat_map(|&t| (0..g.topics[t].1).map(move |p| (t, p)))
            .collect();
        General {
            g,
            topic_consumers,
            active: vec![true; current.len()],
            current,
            owner,
            sorted_all,
            sorted: BTreeSet::new(),
            revocation_required: false,
            movements: Movements::default(),
        }
    }

    fn key(&self, m: usize) -> (usize, usize) {
        (self.current[m].len(), self.g.id_rank[m])
    }

    fn unsort(&mut self, m: usize) {
        let k = self.key(m);
        self.sorted.remove(&k);
    }

    fn resort(&mut self, m: usize) {
        let k = self.key(m);
        self.sorted.insert(k);
    }

    fn sorted_members(&self) -> impl Iterator<Item = usize> + '_ {
        self.sorted.iter().map(|&(_, r)| self.g.by_rank[r])
    }

    fn subscribes(&self, m: usize, t: usize) -> bool {
        self.g.subs[m].contains(&t)
    }

    fn build(mut self) -> Vec<Vec<Tp>> {
        // assignOwnedPartitions: drop partitions of topics the member left.
        let mut assigned = HashSet::new();
        for &m in &self.g.hash_order {
            let subs = &self.g.subs[m];
            let before = self.current[m].len();
            self.current[m].retain(|tp| subs.contains(&tp.0));
            if self.current[m].len() != before {
                self.revocation_required = true;
            }
            assigned.extend(self.current[m].iter().copied());
        }
        let unassigned: Vec<Tp> = self
            .sorted_all
            .iter()
            .copied()
            .filter(|tp| !assigned.contains(tp))
            .collect();
        for m in 0..self.current.len() {
            self.resort(m);
        }
        self.balance(unassigned);
        self.current
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        self.g.subs[m]
            .iter()
            .map(|&t| self.g.topics[t].1 as usize)
            .sum()
    }

    fn is_balanced(&self) -> bool {
        let (Some(&(min, _)), Some(&(max, _))) = (self.sorted.first(), self.sorted.last()) else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        let mut all: HashMap<Tp, usize> = HashMap::new();
        for (m, tps) in self.current.iter().enumerate() {
            if self.active[m] {
                for tp in tps {
                    all.insert(*tp, m);
                }
            }
        }
        for m in self.sorted_members() {
            let count = self.current[m].len();
            if count == self.max_assignment_size(m) {
                continue;
            }
            for &t in &self.g.subs[m] {
                for p in 0..self.g.topics[t].1 {
                    if let Some(&other) = all.get(&(t, p)) {
                        if other != m && count + 1 < self.current[other].len() {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }

    fn balance_score(lists: &[Vec<Tp>], active: &[bool]) -> usize {
        let sizes: Vec<usize> = lists
            .iter()
            .zip(active)
            .filter(|(_, a)| **a)
            .map(|(l, _)| l.len())
            .collect();
        let mut score = 0;
        for i in 0..sizes.len() {
            for j in i + 1..sizes.len() {
                score += sizes[i].abs_diff(sizes[j]);
            }
        }
        score
    }

    fn maybe_assign_partition(&mut self, tp: Tp) -> bool {
        let found = self.sorted_members().find(|&m| self.subscribes(m, tp.0));
        let Some(m) = found else { return false };
        self.unsort(m);
        self.current[m].push(tp);
        self.owner.insert(tp, m);
        self.resort(m);
        true
    }

    fn can_topic_participate(&self, t: usize) -> bool {
        self.topic_consumers[t].len() >= 2
    }

    fn can_consumer_participate(&self, m: usize) -> bool {
        self.current[m].len() < self.max_assignment_size(m)
            || self.current[m]
                .iter()
                .any(|tp| self.can_topic_participate(tp.0))
    }

    fn balance(&mut self, mut unassigned: Vec<Tp>) {
        let initializing = self
            .sorted
            .last()
            .is_none_or(|&(_, r)| self.current[self.g.by_rank[r]].is_empty());

        for &tp in &unassigned {
            if !self.topic_consumers[tp.0].is_empty() {
                self.maybe_assign_partition(tp);
            }
        }

        // Partitions of topics with a single potential consumer cannot move.
        let fixed_topics: HashSet<usize> = (0..self.g.topics.len())
            .filter(|&t| !self.can_topic_participate(t))
            .collect();
        self.sorted_all.retain(|tp| !fixed_topics.contains(&tp.0));
        unassigned.retain(|tp| !fixed_topics.contains(&tp.0));

        // Members that cannot take part are set aside.
        for m in 0..self.current.len() {
            if !self.can_consumer_participate(m) {
                self.unsort(m);
                self.active[m] = false;
            }
        }

        let pre_balance = self.current.clone();
        let pre_owner = self.owner.clone();

        if !self.revocation_required {
            self.perform_reassignments(&unassigned);
        }
        let all = self.sorted_all.clone();
        let performed = self.perform_reassignments(&all);

        if !initializing
            && performed
            && Self::balance_score(&self.current, &self.active)
                >= Self::balance_score(&pre_balance, &self.active)
        {
            self.current = pre_balance;
            self.owner = pre_owner;
        }
        for a in self.active.iter_mut() {
            *a = true;
        }
    }

    fn perform_reassignments(&mut self, partitions: &[Tp]) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(&consumer) = self.owner.get(&tp) else {
                    continue;
                };
                // Only one generation is known, so `prevAssignment` is empty and its branch never applies.
                let size = self.current[consumer].len();
                let better = self.topic_consumers[tp.0]
                    .iter()
                    .any(|&other| size > self.current[other].len() + 1);
                if better {
                    self.reassign_partition(tp);
                    performed = true;
                    modified = true;
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    fn reassign_partition(&mut self, tp: Tp) {
        let found = self.sorted_members().find(|&m| self.subscribes(m, tp.0));
        let (Some(new), Some(&old)) = (found, self.owner.get(&tp)) else {
            return;
        };
        let actual = self.movements.actual_partition_to_move(tp, old, new);
        self.process_partition_movement(actual, new);
    }

    fn process_partition_movement(&mut self, tp: Tp, new: usize) {
        let Some(&old) = self.owner.get(&tp) else {
            return;
        };
        self.unsort(old);
        self.unsort(new);
        let hash = self.g.tp_hash(tp);
        self.movements.move_partition(tp, hash, old, new);
        if let Some(pos) = self.current[old].iter().position(|x| *x == tp) {
            self.current[old].remove(pos);
        }
        self.current[new].push(tp);
        self.owner.insert(tp, new);
        self.resort(new);
        self.resort(old);
    }
}

// ---------------------------------------------------------------------------
// Uniform (KIP-848 server side)

/// `UniformHomogeneousAssignmentBuilder`: members (in `MemberInfo` order) get
/// `total / C` partitions, the first `total % C` one more; each keeps its previous
/// partitions up to its quota (topics by name, partitions ascending) and the rest
/// (unowned first, then revoked) fill the members below quota in order.
///
/// The coordinator iterates its own hash maps keyed by member id and topic UUID,
/// which cannot be reproduced from names: ties are broken in the documented order
/// above; balance (within one) and stickiness are as the server's.
fn uniform_homogeneous(g: &Group) -> Vec<Vec<Tp>> {
    let n = g.members.len();
    let mut out = vec![Vec::new(); n];
    let total = g.total_partitions();
    if n == 0 || total == 0 {
        return out;
    }
    // A partition claimed by two present members stays with the first in member order.
    let mut claimed: HashSet<Tp> = HashSet::new();
    let mut owned: Vec<Vec<Tp>> = vec![Vec::new(); n];
    for &m in &g.info_order {
        let mut tps: Vec<Tp> = g.owned[m]
            .iter()
            .copied()
            .filter(|tp| claimed.insert(*tp))
            .collect();
        tps.sort_unstable();
        owned[m] = tps;
    }
    let mut unassigned: Vec<Tp> = g
        .all_partitions()
        .into_iter()
        .filter(|tp| !claimed.contains(tp))
        .collect();
    let min_quota = total / n;
    let mut extra = total % n;
    let mut unfilled: Vec<(usize, usize)> = Vec::new();
    for &m in &g.info_order {
        let mut quota = min_quota;
        if extra > 0 {
            quota += 1;
            extra -= 1;
        }
        let mut i = 0;
        while i < owned[m].len() {
            let t = owned[m][i].0;
            let end = owned[m][i..]
                .iter()
                .position(|tp| tp.0 != t)
                .map_or(owned[m].len(), |k| i + k);
            let parts = &owned[m][i..end];
            if parts.len() <= quota {
                quota -= parts.len();
                out[m].extend_from_slice(parts);
            } else {
                out[m].extend_from_slice(&parts[..quota]);
                unassigned.extend_from_slice(&parts[quota..]);
                quota = 0;
            }
            i = end;
        }
        if quota > 0 {
            unfilled.push((m, quota));
        }
    }
    let mut next = unassigned.into_iter();
    for (m, quota) in unfilled {
        out[m].extend(next.by_ref().take(quota));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(list: &[(&str, u32)]) -> Vec<(String, u32)> {
        list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn member(id: &str, subs: &[&str]) -> Member {
        Member::new(id, subs)
    }

    fn static_member(id: &str, instance: &str, subs: &[&str]) -> Member {
        Member {
            instance_id: Some(instance.to_string()),
            ..Member::new(id, subs)
        }
    }

    /// A member's assignment written as "t1-0, t2-1" (sorted by topic, partition).
    fn of(a: &Assignment, m: &str) -> String {
        a.get(m)
            .map(|tps| {
                tps.iter()
                    .flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "<absent>".into())
    }

    /// Parses "t1-0, t2-1" into a member's topic map.
    fn parse(s: &str) -> BTreeMap<String, Vec<u32>> {
        let mut out: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for part in s.split(", ").filter(|x| !x.is_empty()) {
            let (t, p) = part.rsplit_once('-').unwrap();
            out.entry(t.to_string())
                .or_default()
                .push(p.parse().unwrap());
        }
        for ps in out.values_mut() {
            ps.sort_unstable();
        }
        out
    }

    fn prev(entries: &[(&str, &str)]) -> Assignment {
        entries
            .iter()
            .map(|(m, s)| (m.to_string(), parse(s)))
            .collect()
    }

    /// `AbstractStickyAssignorTest.verifyValidityAndBalance`, without its stickiness part:
    /// every partition of a subscribed topic assigned exactly once, to a subscriber, and no
    /// partition could move from a member to one with 2+ fewer partitions that subscribes.
    fn assert_valid_and_balanced(members: &[Member], tops: &[(String, u32)], a: &Assignment) {
        let mut seen = HashSet::new();
        for m in members {
            for (t, ps) in &a[&m.id] {
                assert!(m.topics.contains(t), "{} got {t} without subscribing", m.id);
                for p in ps {
                    assert!(seen.insert((t.clone(), *p)), "{t}-{p} assigned twice");
                }
            }
        }
        for (t, n) in tops {
            if members.iter().any(|m| m.topics.contains(t)) {
                for p in 0..*n {
                    assert!(seen.contains(&(t.clone(), p)), "{t}-{p} unassigned");
                }
            }
        }
        let count = |m: &Member| a[&m.id].values().map(Vec::len).sum::<usize>();
        for x in members {
            for y in members {
                if count(x) + 1 < count(y) {
                    for t in a[&y.id].keys() {
                        assert!(
                            !x.topics.contains(t),
                            "{t} could move from {} to {}",
                            y.id,
                            x.id
                        );
                    }
                }
            }
        }
    }

    fn is_fully_balanced(a: &Assignment) -> bool {
        let sizes: Vec<usize> = a.values().map(|t| t.values().map(Vec::len).sum()).collect();
        sizes.iter().max().unwrap_or(&0) - sizes.iter().min().unwrap_or(&0) <= 1
    }

    // ---- names -------------------------------------------------------------

    #[test]
    fn names_parse_and_serialize() {
        for a in Assignor::ALL {
            assert_eq!(a.name().parse::<Assignor>(), Ok(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.name())
            );
        }
        assert!(
            Assignor::Range.is_eager()
                && Assignor::RoundRobin.is_eager()
                && Assignor::Sticky.is_eager()
        );
        assert!(!Assignor::CooperativeSticky.is_eager() && !Assignor::Uniform.is_eager());
        let err = "fair".parse::<Assignor>().unwrap_err().to_string();
        assert!(err.contains("cooperative-sticky") && err.contains("uniform"));
    }

    #[test]
    fn java_hash_helpers() {
        // Values of Java's "consumer1".hashCode() etc. follow from the formula; check a known one.
        assert_eq!(jhash("hello"), 99162322);
        assert_eq!(jhash(""), 0);
        assert_eq!(table_capacity(0), 16);
        assert_eq!(table_capacity(12), 16);
        assert_eq!(table_capacity(13), 32);
        assert_eq!(jcmp("B", "a"), Ordering::Less);
        // U+FF21 sorts after U+1F600 in UTF-8 but before it in UTF-16 (surrogates 0xD83D...).
        assert_eq!(jcmp("\u{1F600}", "\u{FF21}"), Ordering::Less);
    }

    // ---- range (RangeAssignorTest) ----------------------------------------

    #[test]
    fn range_one_consumer() {
        // testOneConsumerNoTopic, testOneConsumerNonexistentTopic, testOneConsumerOneTopic,
        // testOnlyAssignsPartitionsFromSubscribedTopics, testOneConsumerMultipleTopics.
        let a = assign(Assignor::Range, &[member("consumer1", &[])], &[], None);
        assert_eq!(a["consumer1"], BTreeMap::new());
        let a = assign(
            Assignor::Range,
            &[member("consumer1", &["topic1"])],
            &[],
            None,
        );
        assert_eq!(a["consumer1"], BTreeMap::new());
        let t = topics(&[("topic1", 3), ("other", 3)]);
        let a = assign(
            Assignor::Range,
            &[member("consumer1", &["topic1"])],
            &t,
            None,
        );
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-1, topic1-2");
        let t = topics(&[("topic1", 1), ("topic2", 2)]);
        let a = assign(
            Assignor::Range,
            &[member("consumer1", &["topic1", "topic2"])],
            &t,
            None,
        );
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic2-0, topic2-1");
    }

    #[test]
    fn range_two_consumers() {
        // testTwoConsumersOneTopicOnePartition, testTwoConsumersOneTopicTwoPartitions.
        let ms = [
            member("consumer1", &["topic1"]),
            member("consumer2", &["topic1"]),
        ];
        let a = assign(Assignor::Range, &ms, &topics(&[("topic1", 1)]), None);
        assert_eq!(of(&a, "consumer1"), "topic1-0");
        assert_eq!(of(&a, "consumer2"), "");
        let a = assign(Assignor::Range, &ms, &topics(&[("topic1", 2)]), None);
        assert_eq!(of(&a, "consumer1"), "topic1-0");
        assert_eq!(of(&a, "consumer2"), "topic1-1");
    }

    #[test]
    fn range_multiple_consumers_mixed_topics() {
        // testMultipleConsumersMixedTopics.
        let ms = [
            member("consumer1", &["topic1"]),
            member("consumer2", &["topic1", "topic2"]),
            member("consumer3", &["topic1"]),
        ];
        let a = assign(
            Assignor::Range,
            &ms,
            &topics(&[("topic1", 3), ("topic2", 2)]),
            None,
        );
        assert_eq!(of(&a, "consumer1"), "topic1-0");
        assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-0, topic2-1");
        assert_eq!(of(&a, "consumer3"), "topic1-2");
    }

    #[test]
    fn range_two_consumers_two_topics_and_static_members() {
        let t = topics(&[("topic1", 3), ("topic2", 3)]);
        // testTwoConsumersTwoTopicsSixPartitions.
        let ms = [
            member("consumer1", &["topic1", "topic2"]),
            member("consumer2", &["topic1", "topic2"]),
        ];
        let a = assign(Assignor::Range, &ms, &t, None);
        assert_eq!(
            of(&a, "consumer1"),
            "topic1-0, topic1-1, topic2-0, topic2-1"
        );
        assert_eq!(of(&a, "consumer2"), "topic1-2, topic2-2");
        // testTwoStaticConsumersTwoTopicsSixPartitions: instance ids decide, not member ids.
        let ms = [
            static_member("consumer-b", "instance1", &["topic1", "topic2"]),
            static_member("consumer-a", "instance2", &["topic1", "topic2"]),
        ];
        let a = assign(Assignor::Range, &ms, &t, None);
        assert_eq!(
            of(&a, "consumer-b"),
            "topic1-0, topic1-1, topic2-0, topic2-1"
        );
        assert_eq!(of(&a, "consumer-a"), "topic1-2, topic2-2");
        // testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions.
        let ms = [
            static_member("consumer-b", "instance1", &["topic1", "topic2"]),
            member("consumer-a", &["topic1", "topic2"]),
        ];
        let a = assign(Assignor::Range, &ms, &t, None);
        assert_eq!(
            of(&a, "consumer-b"),
            "topic1-0, topic1-1, topic2-0, topic2-1"
        );
        assert_eq!(of(&a, "consumer-a"), "topic1-2, topic2-2");
    }

    #[test]
    fn range_static_member_assignment_persistent() {
        // testStaticMemberRangeAssignmentPersistent.
        let t = topics(&[("topic1", 5), ("topic2", 4)]);
        let both = ["topic1", "topic2"];
        let mut ms = vec![
            static_member("consumer1", "instance1", &both),
            static_member("consumer2", "instance2", &both),
            static_member("consumer3", "instance3", &both),
            member("consumer4", &both),
        ];
        let a = assign(Assignor::Range, &ms, &t, None);
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-1, topic2-0");
        assert_eq!(of(&a, "consumer2"), "topic1-2, topic2-1");
        assert_eq!(of(&a, "consumer3"), "topic1-3, topic2-2");
        assert_eq!(of(&a, "consumer4"), "topic1-4, topic2-3");
        ms[3] = member("consumer5", &both);
        let a = assign(Assignor::Range, &ms, &t, None);
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-1, topic2-0");
        assert_eq!(of(&a, "consumer5"), "topic1-4, topic2-3");
        assert!(!a.contains_key("consumer4"));
    }

    // ---- round robin (RoundRobinAssignorTest) ------------------------------

    #[test]
    fn roundrobin_two_consumers_two_topics() {
        let t = topics(&[("topic1", 3), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        // testTwoDynamicConsumersTwoTopicsSixPartitions.
        let a = assign(
            Assignor::RoundRobin,
            &[member("consumer1", &both), member("consumer2", &both)],
            &t,
            None,
        );
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-2, topic2-1");
        assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-0, topic2-2");
        // testTwoStaticConsumersTwoTopicsSixPartitions.
        let ms = [
            static_member("consumer-b", "instance1", &both),
            static_member("consumer-a", "instance2", &both),
        ];
        let a = assign(Assignor::RoundRobin, &ms, &t, None);
        assert_eq!(of(&a, "consumer-b"), "topic1-0, topic1-2, topic2-1");
        assert_eq!(of(&a, "consumer-a"), "topic1-1, topic2-0, topic2-2");
        // testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions.
        let ms = [
            static_member("consumer-b", "instance1", &both),
            member("consumer-a", &both),
        ];
        let a = assign(Assignor::RoundRobin, &ms, &t, None);
        assert_eq!(of(&a, "consumer-b"), "topic1-0, topic1-2, topic2-1");
        assert_eq!(of(&a, "consumer-a"), "topic1-1, topic2-0, topic2-2");
    }

    #[test]
    fn roundrobin_static_members_and_mixed_subscriptions() {
        // testStaticMemberAssignmentPersistent.
        let t = topics(&[("topic1", 3), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        let ms = [
            static_member("consumer1", "instance1", &both),
            static_member("consumer2", "instance2", &both),
            static_member("consumer3", "instance3", &both),
            member("consumer4", &both),
        ];
        let a = assign(Assignor::RoundRobin, &ms, &t, None);
        assert_eq!(of(&a, "consumer1"), "topic1-0, topic2-1");
        assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-2");
        assert_eq!(of(&a, "consumer3"), "topic1-2");
        assert_eq!(of(&a, "consumer4"), "topic2-0");
        // The RoundRobinAssignor javadoc example with different subscriptions.
        let ms = [
            member("C0", &["t0"]),
            member("C1", &["t0", "t1"]),
            member("C2", &["t0", "t1", "t2"]),
        ];
        let a = assign(
            Assignor::RoundRobin,
            &ms,
            &topics(&[("t0", 1), ("t1", 2), ("t2", 3)]),
            None,
        );
        assert_eq!(of(&a, "C0"), "t0-0");
        assert_eq!(of(&a, "C1"), "t1-0");
        assert_eq!(of(&a, "C2"), "t1-1, t2-0, t2-1, t2-2");
    }

    // ---- sticky (AbstractStickyAssignorTest) --------------------------------

    const STICKIES: [Assignor; 2] = [Assignor::Sticky, Assignor::CooperativeSticky];

    #[test]
    fn sticky_single_consumer_cases() {
        for s in STICKIES {
            // testOneConsumerNoTopic / testOneConsumerNonexistentTopic.
            let a = assign(s, &[member("consumer", &[])], &[], None);
            assert_eq!(of(&a, "consumer"), "");
            let a = assign(
                s,
                &[member("consumer", &["topic"])],
                &topics(&[("topic", 0)]),
                None,
            );
            assert_eq!(of(&a, "consumer"), "");
            // testOneConsumerOneTopic.
            let a = assign(
                s,
                &[member("consumer", &["topic"])],
                &topics(&[("topic", 3)]),
                None,
            );
            assert_eq!(of(&a, "consumer"), "topic-0, topic-1, topic-2");
            // testOnlyAssignsPartitionsFromSubscribedTopics (owned partitions of "other").
            let p = prev(&[("consumer", "topic-0, topic-1, other-0, other-1")]);
            let a = assign(
                s,
                &[member("consumer", &["topic"])],
                &topics(&[("topic", 2)]),
                Some(&p),
            );
            assert_eq!(of(&a, "consumer"), "topic-0, topic-1");
            // testOneConsumerMultipleTopics.
            let t = topics(&[("topic1", 1), ("topic2", 2)]);
            let a = assign(s, &[member("consumer", &["topic1", "topic2"])], &t, None);
            assert_eq!(of(&a, "consumer"), "topic1-0, topic2-0, topic2-1");
        }
    }

    #[test]
    fn sticky_two_consumers() {
        for s in STICKIES {
            // testTwoConsumersOneTopicOnePartition.
            let ms = [
                member("consumer1", &["topic"]),
                member("consumer2", &["topic"]),
            ];
            let a = assign(s, &ms, &topics(&[("topic", 1)]), None);
            assert!(is_fully_balanced(&a));
            // testTwoConsumersOneTopicTwoPartitions.
            let a = assign(s, &ms, &topics(&[("topic", 2)]), None);
            assert_eq!(of(&a, "consumer1"), "topic-0");
            assert_eq!(of(&a, "consumer2"), "topic-1");
            // testTwoConsumersTwoTopicsSixPartitions.
            let both = ["topic1", "topic2"];
            let ms = [member("consumer1", &both), member("consumer2", &both)];
            let a = assign(s, &ms, &topics(&[("topic1", 3), ("topic2", 3)]), None);
            assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-2, topic2-1");
            assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-0, topic2-2");
        }
    }

    #[test]
    fn sticky_multiple_consumers_mixed_topic_subscriptions() {
        // testMultipleConsumersMixedTopicSubscriptions (the general, non-equal path).
        let ms = [
            member("consumer1", &["topic1"]),
            member("consumer2", &["topic1", "topic2"]),
            member("consumer3", &["topic1"]),
        ];
        let t = topics(&[("topic1", 3), ("topic2", 2)]);
        for s in STICKIES {
            let a = assign(s, &ms, &t, None);
            assert_eq!(of(&a, "consumer1"), "topic1-0, topic1-2");
            assert_eq!(of(&a, "consumer2"), "topic2-0, topic2-1");
            assert_eq!(of(&a, "consumer3"), "topic1-1");
            assert_valid_and_balanced(&ms, &t, &a);
        }
    }

    #[test]
    fn sticky_quota_cases() {
        let both = ["topic1", "topic2"];
        // testConsumerOwningMinQuotaExpectedMaxQuota.
        let ms = [member("consumer1", &both), member("consumer2", &both)];
        let t = topics(&[("topic1", 2), ("topic2", 3)]);
        let p = prev(&[
            ("consumer1", "topic1-0, topic2-1"),
            ("consumer2", "topic1-1, topic2-2"),
        ]);
        for s in STICKIES {
            let a = assign(s, &ms, &t, Some(&p));
            assert_eq!(of(&a, "consumer1"), "topic1-0, topic2-0, topic2-1");
            assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-2");
        }
        // testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: which of consumer1 and
        // consumer2 keeps maxQuota depends on Java HashMap order (consumer2 comes first).
        let ms = [
            member("consumer1", &both),
            member("consumer2", &both),
            member("consumer3", &both),
        ];
        let t = topics(&[("topic1", 2), ("topic2", 2)]);
        let p = prev(&[
            ("consumer1", "topic1-0, topic2-0"),
            ("consumer2", "topic1-1, topic2-1"),
        ]);
        let a = assign(Assignor::Sticky, &ms, &t, Some(&p));
        assert_eq!(of(&a, "consumer1"), "topic1-0");
        assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-1");
        assert_eq!(of(&a, "consumer3"), "topic2-0");
        // partitionsTransferringOwnership == {topic2-0 -> consumer3}: withheld by cooperative.
        let r = rounds(Assignor::CooperativeSticky, &ms, &t, Some(&p));
        assert_eq!(r.len(), 2);
        assert_eq!(of(&r[0], "consumer3"), "");
        assert_eq!(of(&r[0], "consumer1"), "topic1-0");
        assert_eq!(r[1], a);
        // testAllConsumersAreUnderMinQuota.
        let t = topics(&[("topic1", 2), ("topic2", 3)]);
        let p = prev(&[("consumer1", "topic1-0"), ("consumer2", "topic1-1")]);
        for s in STICKIES {
            let a = assign(s, &ms, &t, Some(&p));
            assert_eq!(of(&a, "consumer1"), "topic1-0, topic2-1");
            assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-2");
            assert_eq!(of(&a, "consumer3"), "topic2-0");
        }
    }

    #[test]
    fn sticky_add_remove_consumer_one_topic() {
        // testAddRemoveConsumerOneTopic.
        let t = topics(&[("topic", 3)]);
        let c1 = member("consumer1", &["topic"]);
        let c2 = member("consumer2", &["topic"]);
        let a1 = assign(Assignor::Sticky, std::slice::from_ref(&c1), &t, None);
        assert_eq!(of(&a1, "consumer1"), "topic-0, topic-1, topic-2");
        let a2 = assign(Assignor::Sticky, &[c1.clone(), c2.clone()], &t, Some(&a1));
        assert_eq!(of(&a2, "consumer1"), "topic-0, topic-1");
        assert_eq!(of(&a2, "consumer2"), "topic-2");
        // partitionsTransferringOwnership == {topic-2 -> consumer2}.
        let c = assign(
            Assignor::CooperativeSticky,
            &[c1.clone(), c2.clone()],
            &t,
            Some(&a1),
        );
        assert_eq!(of(&c, "consumer2"), "");
        assert_eq!(
            moved(&a1, &a2),
            vec![(
                "topic".to_string(),
                2,
                Some("consumer1".to_string()),
                Some("consumer2".to_string())
            )]
        );
        let a3 = assign(Assignor::Sticky, std::slice::from_ref(&c2), &t, Some(&a2));
        assert_eq!(of(&a3, "consumer2"), "topic-0, topic-1, topic-2");
        assert!(!a3.contains_key("consumer1"));
    }

    #[test]
    fn sticky_add_remove_two_consumers_two_topics() {
        // testAddRemoveTwoConsumersTwoTopics (current Kafka, owned partitions sorted by number).
        let both = ["topic1", "topic2"];
        let t = topics(&[("topic1", 3), ("topic2", 4)]);
        let ms2 = [member("consumer1", &both), member("consumer2", &both)];
        let a = assign(Assignor::Sticky, &ms2, &t, None);
        assert_eq!(
            of(&a, "consumer1"),
            "topic1-0, topic1-2, topic2-1, topic2-3"
        );
        assert_eq!(of(&a, "consumer2"), "topic1-1, topic2-0, topic2-2");
        let ms4 = [
            member("consumer1", &both),
            member("consumer2", &both),
            member("consumer3", &both),
            member("consumer4", &both),
        ];
        let b = assign(Assignor::Sticky, &ms4, &t, Some(&a));
        assert_eq!(of(&b, "consumer1"), "topic1-0, topic2-1");
        assert_eq!(of(&b, "consumer2"), "topic1-1, topic2-0");
        assert_eq!(of(&b, "consumer3"), "topic1-2, topic2-3");
        assert_eq!(of(&b, "consumer4"), "topic2-2");
        // partitionsTransferringOwnership == {topic1-2, topic2-3 -> consumer3, topic2-2 -> consumer4}.
        let c = assign(Assignor::CooperativeSticky, &ms4, &t, Some(&a));
        assert_eq!(of(&c, "consumer3"), "");
        assert_eq!(of(&c, "consumer4"), "");
        assert_eq!(of(&c, "consumer1"), "topic1-0, topic2-1");
        let ms34 = [member("consumer3", &both), member("consumer4", &both)];
        let d = assign(Assignor::Sticky, &ms34, &t, Some(&b));
        assert_eq!(
            of(&d, "consumer3"),
            "topic1-0, topic1-2, topic2-1, topic2-3"
        );
        assert_eq!(of(&d, "consumer4"), "topic1-1, topic2-0, topic2-2");
        assert!(is_fully_balanced(&d));
    }

    #[test]
    fn sticky_stickiness_after_a_member_leaves() {
        // testStickiness: 4 consumers, 3 partitions; removing consumer1 keeps the others'.
        let t = topics(&[("topic1", 3)]);
        let ms: Vec<Member> = (1..=4)
            .map(|i| member(&format!("consumer{i}"), &["topic1"]))
            .collect();
        for s in STICKIES {
            let a = assign(s, &ms, &t, None);
            assert!(a
                .values()
                .all(|tps| tps.values().map(Vec::len).sum::<usize>() <= 1));
            let b = assign(s, &ms[1..], &t, Some(&a));
            for m in &ms[1..] {
                assert_eq!(b[&m.id].values().map(Vec::len).sum::<usize>(), 1);
                if !a[&m.id].is_empty() {
                    assert_eq!(a[&m.id], b[&m.id], "stickiness for {}", m.id);
                }
            }
            // Only consumer1's partition moves, and nobody had to revoke: one round.
            assert_eq!(moved(&a, &b).len(), 1);
            assert_eq!(rounds(s, &ms[1..], &t, Some(&a)).len(), 1);
        }
    }

    #[test]
    fn sticky_all_consumers_reach_expected_quota() {
        // testAllConsumersReachExpectedQuotaAndAreConsideredFilled.
        let ms = [
            member("consumer1", &["topic"]),
            member("consumer2", &["topic"]),
            member("consumer3", &["topic"]),
        ];
        let p = prev(&[("consumer1", "topic-0, topic-1"), ("consumer2", "topic-2")]);
        for s in STICKIES {
            let a = assign(s, &ms, &topics(&[("topic", 4)]), Some(&p));
            assert_eq!(of(&a, "consumer1"), "topic-0, topic-1");
            assert_eq!(of(&a, "consumer2"), "topic-2");
            assert_eq!(of(&a, "consumer3"), "topic-3");
        }
    }

    #[test]
    fn sticky_partition_claimed_by_two_members() {
        // testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration.
        let ms = [
            member("consumer1", &["topic"]),
            member("consumer2", &["topic"]),
            member("consumer3", &["topic"]),
        ];
        let p = prev(&[
            ("consumer1", "topic-0, topic-1"),
            ("consumer2", "topic-0, topic-2"),
        ]);
        let t = topics(&[("topic", 3)]);
        let a = assign(Assignor::Sticky, &ms, &t, Some(&p));
        assert_eq!(of(&a, "consumer1"), "topic-1");
        assert_eq!(of(&a, "consumer2"), "topic-2");
        assert_eq!(of(&a, "consumer3"), "topic-0");
        // topic-0 -> consumer3 is transferring: withheld in the first cooperative round.
        let c = assign(Assignor::CooperativeSticky, &ms, &t, Some(&p));
        assert_eq!(of(&c, "consumer3"), "");
    }

    #[test]
    fn sticky_uniform_subscription_matches_java() {
        // testRackAwareAssignmentWithUniformSubscription, non-rack-aware expectation
        // (AbstractPartitionAssignorTest.verifyRackAssignment names members consumer0..2).
        let all = ["t1", "t2", "t3"];
        let ms = [
            member("consumer0", &all),
            member("consumer1", &all),
            member("consumer2", &all),
        ];
        let t = topics(&[("t1", 6), ("t2", 7), ("t3", 2)]);
        let expected = [
            "t1-0, t1-3, t2-0, t2-3, t2-6",
            "t1-1, t1-4, t2-1, t2-4, t3-0",
            "t1-2, t1-5, t2-2, t2-5, t3-1",
        ];
        for s in STICKIES {
            let a = assign(s, &ms, &t, None);
            let b = assign(s, &ms, &t, Some(&a));
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(of(&a, &format!("consumer{i}")), *e);
                assert_eq!(of(&b, &format!("consumer{i}")), *e);
            }
        }
    }

    #[test]
    fn sticky_non_equal_subscription_matches_java() {
        // testRackAwareAssignmentWithNonEqualSubscription, non-rack-aware expectations.
        let all = ["t1", "t2", "t3"];
        let ms = [
            member("consumer0", &all),
            member("consumer1", &all),
            member("consumer2", &["t1", "t3"]),
        ];
        let t = topics(&[("t1", 6), ("t2", 7), ("t3", 2)]);
        let expected = [
            "t1-5, t2-0, t2-2, t2-4, t2-6",
            "t1-3, t2-1, t2-3, t2-5, t3-0",
            "t1-0, t1-1, t1-2, t1-4, t3-1",
        ];
        for s in STICKIES {
            let a = assign(s, &ms, &t, None);
            let b = assign(s, &ms, &t, Some(&a));
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(of(&a, &format!("consumer{i}")), *e, "{s} consumer{i}");
                assert_eq!(
                    of(&b, &format!("consumer{i}")),
                    *e,
                    "{s} consumer{i} sticky"
                );
            }
            assert_valid_and_balanced(&ms, &t, &a);
        }
        // CooperativeStickyAssignor with owned partitions, all racks matching: first the
        // intermediate assignment (moving partitions withheld), then the final one.
        let owned = prev(&[
            ("consumer0", "t1-0, t1-1, t1-2, t1-3, t1-4"),
            ("consumer1", "t1-5, t2-0, t2-1, t2-2, t2-3"),
            ("consumer2", "t2-4, t2-5, t2-6, t3-0, t3-1"),
        ]);
        let intermediate = ["t1-2, t1-3, t1-4", "t2-0, t2-1, t2-2, t2-3", "t3-0, t3-1"];
        let last = [
            "t1-2, t1-3, t1-4, t2-4, t2-5",
            "t2-0, t2-1, t2-2, t2-3, t2-6",
            "t1-0, t1-1, t1-5, t3-0, t3-1",
        ];
        let r = rounds(Assignor::CooperativeSticky, &ms, &t, Some(&owned));
        assert_eq!(r.len(), 2);
        for i in 0..3 {
            assert_eq!(of(&r[0], &format!("consumer{i}")), intermediate[i]);
            assert_eq!(of(&r[1], &format!("consumer{i}")), last[i]);
        }
        // The first cooperative round is the eager sticky result minus the withheld partitions
        // (the follow-up round recomputes from the new ownership, so it may differ from it).
        let e = assign(Assignor::Sticky, &ms, &t, Some(&owned));
        for m in &ms {
            for (topic, ps) in &r[0][&m.id] {
                assert!(ps.iter().all(|p| e[&m.id][topic].contains(p)));
            }
        }
        assert_eq!(moved(&r[0], &e).iter().filter(|x| x.2.is_some()).count(), 0);
    }

    #[test]
    fn sticky_poor_round_robin_scenario_and_leaving_consumer() {
        // testPoorRoundRobinAssignmentScenario.
        let t: Vec<(String, u32)> = (1..=5)
            .map(|i| (format!("topic{i}"), (i % 2) + 1))
            .collect();
        let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
        let odd = ["topic1", "topic3", "topic5"];
        let ms = [
            member("consumer1", &all),
            member("consumer2", &odd),
            member("consumer3", &odd),
            member("consumer4", &all),
        ];
        for s in STICKIES {
            assert_valid_and_balanced(&ms, &t, &assign(s, &ms, &t, None));
        }
        // testReassignmentAfterOneConsumerLeaves: consumer i subscribes to topics 1..=i.
        let t: Vec<(String, u32)> = (1..20).map(|i| (format!("topic{i:02}"), i)).collect();
        let ms: Vec<Member> = (1..20)
            .map(|i| Member {
                id: format!("consumer{i:02}"),
                instance_id: None,
                topics: (1..=i).map(|j| format!("topic{j:02}")).collect(),
            })
            .collect();
        let a = assign(Assignor::Sticky, &ms, &t, None);
        assert_valid_and_balanced(&ms, &t, &a);
        let rest: Vec<Member> = ms
            .iter()
            .filter(|m| m.id != "consumer10")
            .cloned()
            .collect();
        let b = assign(Assignor::Sticky, &rest, &t, Some(&a));
        assert_valid_and_balanced(&rest, &t, &b);
        // Sticky: partitions of remaining members move only to rebalance, never in pairs back and forth.
        let moves = moved(&a, &b);
        assert!(moves.iter().any(|m| m.2.as_deref() == Some("consumer10")));
    }

    #[test]
    fn sticky_new_subscription_and_topic_changes() {
        // testAddRemoveTopicTwoConsumers.
        let ms = [
            member("consumer1", &["topic"]),
            member("consumer2", &["topic"]),
        ];
        let a = assign(Assignor::Sticky, &ms, &topics(&[("topic", 3)]), None);
        let ms2 = [
            member("consumer1", &["topic", "topic2"]),
            member("consumer2", &["topic", "topic2"]),
        ];
        let t2 = topics(&[("topic", 3), ("topic2", 3)]);
        let b = assign(Assignor::Sticky, &ms2, &t2, Some(&a));
        assert_valid_and_balanced(&ms2, &t2, &b);
        for m in ["consumer1", "consumer2"] {
            assert_eq!(b[m].values().map(Vec::len).sum::<usize>(), 3);
            assert_eq!(a[m]["topic"], b[m]["topic"]);
        }
        let ms3 = [
            member("consumer1", &["topic2"]),
            member("consumer2", &["topic2"]),
        ];
        let t3 = topics(&[("topic2", 3)]);
        let c = assign(Assignor::Sticky, &ms3, &t3, Some(&b));
        assert!(is_fully_balanced(&c));
        for m in ["consumer1", "consumer2"] {
            for p in &c[m]["topic2"] {
                assert!(b[m]["topic2"].contains(p));
            }
        }
    }

    #[test]
    fn sticky_random_groups_are_valid_and_sticky() {
        // In the spirit of testReassignmentWithRandomSubscriptionsAndChanges, with a fixed LCG.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n.max(1)
        };
        for _ in 0..40 {
            let nt = 1 + rnd(6) as usize;
            let t: Vec<(String, u32)> = (0..nt)
                .map(|i| (format!("t{i}"), 1 + rnd(8) as u32))
                .collect();
            let nm = 1 + rnd(7) as usize;
            let mk = |rnd: &mut dyn FnMut(u64) -> u64| -> Vec<Member> {
                (0..nm)
                    .map(|i| {
                        let mut subs: Vec<String> = t
                            .iter()
                            .filter(|_| rnd(2) == 0)
                            .map(|x| x.0.clone())
                            .collect();
                        if subs.is_empty() {
                            subs.push(t[0].0.clone());
                        }
                        Member {
                            id: format!("m{i}"),
                            instance_id: None,
                            topics: subs,
                        }
                    })
                    .collect()
            };
            let ms = mk(&mut rnd);
            for s in [
                Assignor::Sticky,
                Assignor::CooperativeSticky,
                Assignor::Uniform,
            ] {
                let a = assign(s, &ms, &t, None);
                assert_valid_and_balanced(&ms, &t, &a);
                let ms2: Vec<Member> = ms.iter().filter(|_| rnd(4) != 0).cloned().collect();
                let r = rounds(s, &ms2, &t, Some(&a));
                let last = r.last().unwrap();
                assert_valid_and_balanced(&ms2, &t, last);
                // Same group, same subscriptions: nothing moves.
                assert!(moved(last, &assign(s, &ms2, &t, Some(last))).is_empty());
            }
            for s in [Assignor::Range, Assignor::RoundRobin] {
                let a = assign(s, &ms, &t, None);
                let total: usize = a.values().flat_map(|x| x.values()).map(Vec::len).sum();
                let expected: u32 = t
                    .iter()
                    .filter(|x| ms.iter().any(|m| m.topics.contains(&x.0)))
                    .map(|x| x.1)
                    .sum();
                assert_eq!(total, expected as usize);
            }
        }
    }

    // ---- uniform -----------------------------------------------------------

    #[test]
    fn uniform_balances_and_sticks() {
        let t = topics(&[("orders", 8)]);
        let ms: Vec<Member> = (0..3)
            .map(|i| member(&format!("c{i}"), &["orders"]))
            .collect();
        let a = assign(Assignor::Uniform, &ms, &t, None);
        assert_eq!(of(&a, "c0"), "orders-0, orders-1, orders-2");
        assert_eq!(of(&a, "c1"), "orders-3, orders-4, orders-5");
        assert_eq!(of(&a, "c2"), "orders-6, orders-7");
        // A fourth member joins: each keeps what fits its quota, the newcomer gets the rest.
        let ms4: Vec<Member> = (0..4)
            .map(|i| member(&format!("c{i}"), &["orders"]))
            .collect();
        let r = rounds(Assignor::Uniform, &ms4, &t, Some(&a));
        let b = r.last().unwrap();
        assert!(is_fully_balanced(b));
        assert_eq!(of(b, "c0"), "orders-0, orders-1");
        assert_eq!(of(b, "c1"), "orders-3, orders-4");
        assert_eq!(of(b, "c2"), "orders-6, orders-7");
        assert_eq!(of(b, "c3"), "orders-2, orders-5");
        // Moving partitions are withheld from the newcomer until revoked.
        assert_eq!(r.len(), 2);
        assert_eq!(of(&r[0], "c3"), "");
        assert_eq!(moved(&a, b).len(), 2);
        // A member leaves: its partitions are free at once, one round.
        let r = rounds(Assignor::Uniform, &ms4[1..], &t, Some(b));
        assert_eq!(r.len(), 1);
        assert_valid_and_balanced(&ms4[1..], &t, &r[0]);
        for m in &ms4[1..] {
            for p in &b[&m.id]["orders"] {
                assert!(r[0][&m.id]["orders"].contains(p));
            }
        }
    }

    // ---- moved and helpers -------------------------------------------------

    #[test]
    fn moved_reports_changes_only() {
        let a = prev(&[("x", "t-0, t-1"), ("y", "t-2")]);
        let b = prev(&[("x", "t-0"), ("y", "t-2, t-1"), ("z", "u-0")]);
        assert_eq!(
            moved(&a, &b),
            vec![
                (
                    "t".to_string(),
                    1,
                    Some("x".to_string()),
                    Some("y".to_string())
                ),
                ("u".to_string(), 0, None, Some("z".to_string())),
            ]
        );
        assert!(moved(&a, &a).is_empty());
        assert_eq!(moved(&a, &Assignment::new()).len(), 3);
    }

    #[test]
    fn owners_of_indexes_members() {
        let ms = [member("a", &["t"]), member("b", &["t"])];
        let a = assign(Assignor::Range, &ms, &topics(&[("t", 3)]), None);
        assert_eq!(owners_of(&a, &ms, "t", 3), vec![Some(0), Some(0), Some(1)]);
        assert_eq!(owners_of(&a, &ms, "t", 4)[3], None);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let t = topics(&[("t", 5), ("t", 9), ("z", 0)]);
        for s in Assignor::ALL {
            assert!(assign(s, &[], &t, None).is_empty());
            // Duplicate member ids and topics, nonexistent previous partitions.
            let ms = [
                member("a", &["t", "t", "z", "nope"]),
                member("a", &["t"]),
                member("b", &[]),
            ];
            let p = prev(&[
                ("a", "t-7, t-1, t-1, nope-0"),
                ("b", "t-1"),
                ("gone", "t-2"),
            ]);
            let a = assign(s, &ms, &t, Some(&p));
            assert_eq!(a.len(), 2);
            assert_eq!(a["a"].get("t").map(Vec::len), Some(5), "{s}");
            assert!(a["b"].is_empty(), "{s}");
            assert!(!rounds(s, &ms, &t, Some(&p)).is_empty());
        }
    }
}
