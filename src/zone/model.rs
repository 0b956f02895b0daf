//! The in-memory zone: nodes keyed by lowercased name, each holding its RRsets and ALIAS.
//!
//! Empty non-terminals (RFC 4592 §2.2.2) are materialised as empty nodes, so "does this name
//! exist?" is one map probe, and a name whose parent does not exist cannot exist either. The map
//! key is the name's lowercased wire labels without the root label; a parent's key is a suffix of
//! its child's, so walking up from a query name needs no allocation.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// A fast, non-cryptographic hasher: zone keys are chosen by the operator, not by clients.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<rustc_hash::FxHasher>>;

/// One RRset: records sharing owner, class (IN) and type, with one TTL (RFC 2181 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrSet {
    /// The record type.
    pub rtype: RecordType,
    /// The TTL of the whole set.
    pub ttl: u32,
    /// The RDATA of each record, in zone-file order.
    pub rdatas: Vec<RData>,
}

impl RrSet {
    /// The set as records owned by `owner`.
    pub fn records<'a>(&'a self, owner: &'a Name) -> impl Iterator<Item = Record> + 'a {
        self.rdatas
            .iter()
            .map(move |rdata| Record::from_rdata(owner.clone(), self.ttl, rdata.clone()))
    }
}

/// An ALIAS (or ANAME) at a node: flatten `target`'s A/AAAA here, with at most `ttl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The name whose addresses are served at the owner.
    pub target: Name,
    /// The ALIAS record's TTL, the ceiling of the flattened TTL.
    pub ttl: u32,
}

/// Everything at one owner name. An empty node is an empty non-terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The owner name with the case it was written in.
    pub name: Name,
    /// The RRsets, sorted by type code.
    pub rrsets: Vec<RrSet>,
    /// The ALIAS at this name, if any.
    pub alias: Option<Alias>,
}

impl Node {
    /// An empty node (an empty non-terminal until records are added).
    pub fn new(name: Name) -> Self {
        Node {
            name,
            rrsets: Vec::new(),
            alias: None,
        }
    }

    /// The RRset of `rtype`, if present.
    pub fn rrset(&self, rtype: RecordType) -> Option<&RrSet> {
        self.rrsets.iter().find(|s| s.rtype == rtype)
    }

    /// Whether this node holds no data: an empty non-terminal.
    pub fn is_empty_non_terminal(&self) -> bool {
        self.rrsets.is_empty() && self.alias.is_none()
    }
}

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

/// One authoritative zone: its apex, SOA and nodes.
#[derive(Clone, Debug)]
pub struct Zone {
    apex: Name,
    apex_key: Vec<u8>,
    soa: SOA,
    soa_ttl: u32,
    nodes: FastMap<Box<[u8]>, Node>,
    records: usize,
    shard: Option<Shard>,
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

impl Zone {
    /// Builds a zone from nodes that passed validation. `nodes` must hold the apex with its SOA.
    pub(crate) fn from_nodes(apex: Name, nodes: Vec<Node>) -> Option<Zone> {
        let apex_key = name_key(&apex);
        let mut map: FastMap<Box<[u8]>, Node> = FastMap::default();
        map.reserve(nodes.len());
        let mut records = 0;
        for node in nodes {
            records += node.rrsets.iter().map(|s| s.rdatas.len()).sum::<usize>();
            records += usize::from(node.alias.is_some());
            let key = name_key(&node.name);
            // Materialise every empty non-terminal between the apex and this node.
            let starts = label_starts(&key);
            for &start in starts.iter().skip(1) {
                let suffix = &key[start..];
                if suffix.len() <= apex_key.len() {
                    break;
                }
                if !map.contains_key(suffix) {
                    let labels =
                        node.name.iter().count() - starts.iter().filter(|&&s| s < start).count();
                    map.insert(suffix.into(), Node::new(node.name.trim_to(labels)));
                }
            }
            match map.get_mut(&key[..]) {
                Some(existing) if existing.is_empty_non_terminal() => {
                    existing.rrsets = node.rrsets;
                    existing.alias = node.alias;
                    existing.name = node.name;
                }
                _ => {
                    map.insert(key.into(), node);
                }
            }
        }
        let apex_node = map.get(&apex_key[..])?;
        let soa_set = apex_node.rrset(RecordType::SOA)?;
        let RData::SOA(soa) = soa_set.rdatas.first()? else {
            return None;
        };
        Some(Zone {
            soa: soa.clone(),
            soa_ttl: soa_set.ttl,
            apex: apex_node.name.clone(),
            apex_key,
            nodes: map,
            records,
            shard: None,
        })
    }

    /// Marks this zone as one shard of a sharded zone.
    pub(crate) fn with_shard(mut self, shard: Shard) -> Zone {
        self.shard = Some(shard);
        self
    }

    /// The same zone serving SOA serial `serial` (a serial bumped when flattened ALIAS data
    /// changed, for secondaries; RFC 1996 §4.7).
    pub fn with_serial(&self, serial: u32) -> Zone {
        let mut zone = self.clone();
        zone.soa.serial = serial;
        if let Some(apex) = zone.nodes.get_mut(&zone.apex_key[..])
            && let Some(set) = apex.rrsets.iter_mut().find(|s| s.rtype == RecordType::SOA)
        {
            for rdata in &mut set.rdatas {
                if let RData::SOA(soa) = rdata {
                    soa.serial = serial;
                }
            }
        }
        zone
    }

    /// Which shard of its zone this is; `None` for a whole zone.
    pub fn shard(&self) -> Option<Shard> {
        self.shard
    }

    /// The apex name, as written in the zone file.
    pub fn apex(&self) -> &Name {
        &self.apex
    }

    /// The apex key (see [`name_key`]).
    pub fn apex_key(&self) -> &[u8] {
        &self.apex_key
    }

    /// The SOA RDATA.
    pub fn soa(&self) -> &SOA {
        &self.soa
    }

    /// The SOA serial.
    pub fn serial(&self) -> u32 {
        self.soa.serial
    }

    /// The TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5).
    pub fn negative_ttl(&self) -> u32 {
        self.soa_ttl.min(self.soa.minimum)
    }

    /// The SOA record as it goes in the authority section of a negative answer (RFC 2308 §3).
    pub fn negative_soa(&self) -> Record {
        Record::from_rdata(
            self.apex.clone(),
            self.negative_ttl(),
            RData::SOA(self.soa.clone()),
        )
    }

    /// The SOA record with its own TTL.
    pub fn soa_record(&self) -> Record {
        Record::from_rdata(
            self.apex.clone(),
            self.soa_ttl,
            RData::SOA(self.soa.clone()),
        )
    }

    /// The node at `key`, if the name exists (empty non-terminals included).
    pub fn node_by_key(&self, key: &[u8]) -> Option<&Node> {
        self.nodes.get(key)
    }

    /// The node at `name`, if it exists.
    pub fn node(&self, name: &Name) -> Option<&Node> {
        self.nodes.get(&name_key(name)[..])
    }

    /// Whether `name` is at or below the apex and, for a shard, in this shard's subtrees: the
    /// names this `Zone` can answer for with authority.
    pub fn contains(&self, name: &Name) -> bool {
        if !self.apex.zone_of(name) {
            return false;
        }
        match self.shard {
            None => true,
            Some(shard) => {
                Shard::for_key(&name_key(name), &self.apex_key, shard.count) == shard.index
                    || name.num_labels() == self.apex.num_labels()
            }
        }
    }

    /// Every node, in no particular order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values()
    }

    /// The number of records, ALIAS records included.
    pub fn record_count(&self) -> usize {
        self.records
    }

    /// Every ALIAS in the zone, as (owner, alias).
    pub fn aliases(&self) -> impl Iterator<Item = (&Name, &Alias)> {
        self.nodes
            .values()
            .filter_map(|n| n.alias.as_ref().map(|a| (&n.name, a)))
    }
}
