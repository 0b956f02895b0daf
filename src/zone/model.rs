//! The in-memory zone: packed [`Node`]s in a hash table keyed by lowercased name.
//!
//! Empty non-terminals (RFC 4592 §2.2.2) are materialised as empty nodes, so "does this name
//! exist?" is one probe, and a name whose parent does not exist cannot exist either. A node's
//! key is its name's lowercased wire labels without the root label ([`name_key`]); a parent's key
//! is a suffix of its child's, so walking up from a query name needs no allocation. The table
//! stores nodes only: the key is derived from the node's owner, so a name is held once.
//!
//! A [`Zone`] is a cheap handle: the data is shared, and the SOA serial served (which flattened
//! ALIAS changes may lift above the file's, RFC 1996 §4.7) is a value of the handle, so bumping
//! it copies nothing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use hashbrown::HashTable;
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record, RecordType};

pub use super::node::{Alias, Node, RrSetRef};

/// A fast, non-cryptographic hasher: zone keys are chosen by the operator, not by clients.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<rustc_hash::FxHasher>>;

/// The lowercased wire labels of `name`, without the root: the key of [`Zone`] nodes.
pub fn name_key(name: &Name) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len());
    for label in name.iter() {
        key.push(label.len() as u8);
        key.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    key
}

/// The offsets where each label of a key starts, from the leftmost label.
pub fn label_starts(key: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(8);
    let mut at = 0;
    while at < key.len() {
        starts.push(at);
        at += 1 + usize::from(key[at]);
    }
    starts
}

/// The hash of a key (see [`name_key`]).
fn key_hash(key: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(key);
    hasher.finish()
}

/// The hash of a node's key, lowercased on the fly.
fn node_hash(node: &Node) -> u64 {
    let owner = node.owner_wire();
    let labels = &owner[..owner.len().saturating_sub(1)];
    let mut lower = [0u8; 256];
    for (out, b) in lower.iter_mut().zip(labels) {
        *out = b.to_ascii_lowercase();
    }
    key_hash(&lower[..labels.len()])
}

/// Which part of a zone a [`Zone`] holds when the zone is stored sharded (see `crate::kv`).
///
/// A zone is split by the label directly below its apex: every name under one such label (a
/// subtree) lives in one shard, so existence, wildcards (RFC 4592) and delegations inside a
/// subtree are decided by one shard alone. The apex node and the apex wildcard are in every shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// How many shards the zone has (at least 1).
    pub count: u32,
    /// Which one this is, below `count`.
    pub index: u32,
}

impl Shard {
    /// The shard that holds `name`, a name at or below `apex_key` (lowercased wire labels).
    /// The apex itself is in every shard; shard 0 is chosen for it.
    pub fn for_key(key: &[u8], apex_key: &[u8], count: u32) -> u32 {
        if count <= 1 || key.len() <= apex_key.len() {
            return 0;
        }
        let below = &key[..key.len() - apex_key.len()];
        let starts = label_starts(below);
        let subtree = &below[*starts.last().unwrap_or(&0)..];
        fnv1a(subtree) % count
    }
}

/// FNV-1a (32 bits): a hash that is the same on every platform, since the shard a name lives in
/// is fixed when the zone is pushed natively and looked up again in wasm.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The shared part of a zone.
struct ZoneData {
    apex: Name,
    apex_key: Box<[u8]>,
    soa: SOA,
    soa_ttl: u32,
    nodes: HashTable<Node>,
    records: usize,
    aliases: usize,
    shard: Option<Shard>,
}

/// One authoritative zone (or one shard of it): its apex, SOA and nodes, and the serial served.
#[derive(Clone)]
pub struct Zone {
    data: Arc<ZoneData>,
    serial: u32,
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zone")
            .field("apex", &self.data.apex)
            .field("serial", &self.serial)
            .field("nodes", &self.data.nodes.len())
            .field("records", &self.data.records)
            .field("shard", &self.data.shard)
            .finish()
    }
}

impl Zone {
    /// Builds a zone from nodes that passed validation. `nodes` must hold the apex with its SOA.
    pub(crate) fn from_nodes(apex: Name, nodes: Vec<Node>) -> Result<Zone, String> {
        Zone::build(apex, nodes, None)
    }

    /// Builds one shard of a zone (see [`Shard`]).
    pub(crate) fn shard_from_nodes(
        apex: Name,
        nodes: Vec<Node>,
        shard: Shard,
    ) -> Result<Zone, String> {
        Zone::build(apex, nodes, (shard.count > 1).then_some(shard))
    }

    /// The zone of `nodes`; an error if the apex has no SOA or an owner name comes twice
    /// (compared as [`name_key`] compares, without case: RFC 4343 §3), which a zone that passed
    /// validation never has but a corrupt stored value can.
    fn build(apex: Name, nodes: Vec<Node>, shard: Option<Shard>) -> Result<Zone, String> {
        let apex_key = name_key(&apex);
        let mut table: HashTable<Node> = HashTable::with_capacity(nodes.len() + nodes.len() / 4);
        let (mut records, mut aliases) = (0, 0);
        for node in nodes {
            let (node_records, node_aliases) = (node.record_count(), node.alias().is_some());
            let owner = node.owner_wire().to_vec();
            let key = &owner[..owner.len() - 1];
            let key_lower: Vec<u8> = key.iter().map(u8::to_ascii_lowercase).collect();
            // Materialise every empty non-terminal between the apex and this node.
            for start in label_starts(&key_lower).into_iter().skip(1) {
                let suffix = &key_lower[start..];
                if suffix.len() <= apex_key.len() {
                    break;
                }
                let hash = key_hash(suffix);
                if table.find(hash, |n| n.has_key(suffix)).is_none() {
                    table.insert_unique(hash, Node::empty(&owner[start..]), node_hash);
                }
            }
            let hash = key_hash(&key_lower);
            match table.find_mut(hash, |n| n.has_key(&key_lower)) {
                Some(existing) if existing.is_empty_non_terminal() => *existing = node,
                Some(existing) => return Err(format!("node {} comes twice", existing.name())),
                None => {
                    table.insert_unique(hash, node, node_hash);
                }
            }
            records += node_records;
            aliases += usize::from(node_aliases);
        }
        table.shrink_to_fit(node_hash);
        let no_soa = || format!("the apex {apex} has no SOA record");
        let apex_node = table
            .find(key_hash(&apex_key), |n| n.has_key(&apex_key))
            .ok_or_else(no_soa)?;
        let soa_set = apex_node.rrset(RecordType::SOA).ok_or_else(no_soa)?;
        let Some(RData::SOA(soa)) = soa_set.values().next() else {
            return Err(no_soa());
        };
        let serial = soa.serial;
        Ok(Zone {
            data: Arc::new(ZoneData {
                apex: apex_node.name(),
                soa_ttl: soa_set.ttl,
                soa,
                apex_key: apex_key.into(),
                nodes: table,
                records,
                aliases,
                shard,
            }),
            serial,
        })
    }

    /// The same zone serving SOA serial `serial` (a serial bumped when flattened ALIAS data
    /// changed, for secondaries; RFC 1996 §4.7). Nothing is copied.
    pub fn with_serial(&self, serial: u32) -> Zone {
        Zone {
            data: self.data.clone(),
            serial,
        }
    }

    /// Which shard of its zone this is; `None` for a whole zone.
    pub fn shard(&self) -> Option<Shard> {
        self.data.shard
    }

    /// The apex name, as written in the zone file.
    pub fn apex(&self) -> &Name {
        &self.data.apex
    }

    /// The apex key (see [`name_key`]).
    pub fn apex_key(&self) -> &[u8] {
        &self.data.apex_key
    }

    /// The SOA RDATA, with the serial served.
    pub fn soa(&self) -> SOA {
        let mut soa = self.data.soa.clone();
        soa.serial = self.serial;
        soa
    }

    /// The SOA serial served.
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The SOA serial of the zone's data (its file), before any bump.
    pub fn file_serial(&self) -> u32 {
        self.data.soa.serial
    }

    /// The TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5).
    pub fn negative_ttl(&self) -> u32 {
        self.data.soa_ttl.min(self.data.soa.minimum)
    }

    /// The SOA record as it goes in the authority section of a negative answer (RFC 2308 §3),
    /// owned by `apex`: the apex as the question spells it (RFC 4343 §4.1).
    pub fn negative_soa(&self, apex: Name) -> Record {
        Record::from_rdata(apex, self.negative_ttl(), RData::SOA(self.soa()))
    }

    /// The SOA record with its own TTL.
    pub fn soa_record(&self) -> Record {
        Record::from_rdata(
            self.data.apex.clone(),
            self.data.soa_ttl,
            RData::SOA(self.soa()),
        )
    }

    /// The records of `set` owned by `owner`, with the served serial in an SOA.
    pub fn records_of(&self, set: RrSetRef<'_>, owner: &Name) -> Vec<Record> {
        let mut records: Vec<Record> = set.records(owner).collect();
        if set.rtype == RecordType::SOA {
            for record in &mut records {
                if let RData::SOA(soa) = &mut record.data {
                    soa.serial = self.serial;
                }
            }
        }
        records
    }

    /// The node at `key`, if the name exists (empty non-terminals included).
    pub fn node_by_key(&self, key: &[u8]) -> Option<&Node> {
        self.data.nodes.find(key_hash(key), |n| n.has_key(key))
    }

    /// The node at `name`, if it exists.
    pub fn node(&self, name: &Name) -> Option<&Node> {
        self.node_by_key(&name_key(name))
    }

    /// Whether `name` is at or below the apex and, for a shard, in this shard's subtrees: the
    /// names this `Zone` can answer for with authority.
    pub fn contains(&self, name: &Name) -> bool {
        if !self.data.apex.zone_of(name) {
            return false;
        }
        match self.data.shard {
            None => true,
            Some(shard) => {
                Shard::for_key(&name_key(name), &self.data.apex_key, shard.count) == shard.index
                    || name.num_labels() == self.data.apex.num_labels()
            }
        }
    }

    /// Every node, in no particular order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.data.nodes.iter()
    }

    /// The number of nodes (empty non-terminals included).
    pub fn node_count(&self) -> usize {
        self.data.nodes.len()
    }

    /// The number of records, ALIAS records included.
    pub fn record_count(&self) -> usize {
        self.data.records
    }

    /// The number of ALIAS records.
    pub fn alias_count(&self) -> usize {
        self.data.aliases
    }

    /// Every ALIAS in the zone, as (owner, alias).
    pub fn aliases(&self) -> impl Iterator<Item = (Name, Alias)> + '_ {
        self.data
            .nodes
            .iter()
            .filter_map(|n| n.alias().map(|a| (n.name(), a)))
    }

    /// Whether two handles share the same data (the same load of the same zone).
    pub fn same_data(&self, other: &Zone) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }
}
