//! How zones are laid out in a key-value store (Workers KV): one small index key, and each zone
//! as one or more compact shard values under versioned keys.
//!
//! ```text
//! flatapex/index                                 JSON: every zone, its version and shard count
//! flatapex/zone/<apex>/<version>/<shard>         the zone's nodes in wire format (see codec)
//! ```
//!
//! A zone whose stored form fits in `shard_bytes` is one value. A bigger zone is split by the
//! label directly below the apex ([`Shard::for_key`]); the apex node and the apex wildcard are
//! copied into every shard, so any query needs exactly one shard. Keys carry the version, so a
//! push never changes a value a running isolate may be reading: the index flips to the new
//! version once the new shards are written.

use std::collections::{BTreeMap, HashMap, HashSet};

use hickory_proto::rr::RecordType;

use serde::{Deserialize, Serialize};

use crate::zone::model::{Node, Shard, name_key};
use crate::zone::names::name_text;
use crate::zone::{Zone, ZoneId};

use super::codec::encode_nodes;
use super::push_plan::Superseded;

/// The key of the zone index.
pub const INDEX_KEY: &str = "flatapex/index";

/// The index's format number; readers refuse formats they do not know.
pub const INDEX_FORMAT: u32 = 1;

/// Default target size of one stored shard: small enough to decode well inside a request's CPU
/// budget (about 1 ms natively, see `bench/kv-large.sh`), large enough that zones of about a
/// thousand records are a single value.
pub const DEFAULT_SHARD_BYTES: usize = 64 * 1024;

/// The largest value Workers KV accepts (25 MiB).
pub const KV_VALUE_LIMIT: usize = 25 * 1024 * 1024;

/// The zone index: which zones exist and which version of each to serve.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index format, [`INDEX_FORMAT`].
    pub format: u32,
    /// Zones by their id (the apex, lowercased, with the trailing dot: `example.com.`).
    pub zones: BTreeMap<ZoneId, IndexEntry>,
    /// Versions replaced by a push whose shards are still stored, until a later push deletes
    /// them after the grace period (see [`super::push_plan`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<Superseded>,
}

/// One zone's entry in the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// `<serial>-<content hash>`: changes whenever the stored data changes.
    pub version: String,
    /// The SOA serial of this version.
    pub serial: u32,
    /// How many shard values the zone has.
    pub shards: u32,
    /// Records in the zone (ALIAS included).
    pub records: u64,
    /// Total bytes of the shard values.
    pub bytes: u64,
    /// Every ALIAS in the zone, so the scheduled refresher needs only the index.
    #[serde(default)]
    pub aliases: Vec<IndexAlias>,
}

/// One ALIAS, as listed in the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexAlias {
    /// The owner name.
    pub owner: String,
    /// The target.
    pub target: String,
    /// The ALIAS TTL.
    pub ttl: u32,
}

/// Where an FNV-1a 64-bit hash starts.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a 64 of `bytes`, continuing from `hash` (start at [`FNV_START`]): the stable hash of
/// zone versions and of the indexes the edge's index object wrote.
pub fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The key of one shard value.
pub fn shard_key(zone: &ZoneId, version: &str, shard: u32) -> String {
    format!("flatapex/zone/{zone}/{version}/{shard}")
}

/// A zone ready to write: its index entry and its (key, value) pairs.
#[derive(Clone, Debug)]
pub struct StoredZone {
    /// The zone.
    pub zone: ZoneId,
    /// What goes into the index.
    pub entry: IndexEntry,
    /// The shard values, keyed by [`shard_key`].
    pub values: Vec<(String, Vec<u8>)>,
}

/// Encodes a validated zone into shard values of about `shard_bytes` each.
pub fn store_zone(zone: &Zone, shard_bytes: usize) -> Result<StoredZone, String> {
    let apex_key = name_key(zone.apex());
    let mut nodes: Vec<(Vec<u8>, &Node)> = zone
        .nodes()
        .filter(|n| !n.is_empty_non_terminal())
        .map(|n| (n.key(), n))
        .collect();
    // The apex first (the codec's rule), then a stable order so equal zones get equal versions.
    nodes.sort_by(|a, b| (a.0 != apex_key, &a.0).cmp(&(b.0 != apex_key, &b.0)));
    let whole = encode_nodes(nodes.iter().map(|(_, n)| *n), Shard { count: 1, index: 0 });
    let values = if whole.len() <= shard_bytes.max(1) {
        vec![whole]
    } else {
        // Leave room for the copies of the apex in each shard and for uneven subtrees.
        let count = (whole.len() * 5 / 4).div_ceil(shard_bytes.max(1)) as u32;
        split(&nodes, &apex_key, count)
    };
    if let Some((i, v)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| v.len() > KV_VALUE_LIMIT)
    {
        return Err(format!(
            "shard {i} is {} bytes, over the KV value limit of {KV_VALUE_LIMIT}: one subtree below the apex is too large",
            v.len()
        ));
    }
    let hash = values.iter().fold(FNV_START, |h, v| fnv1a(h, v));
    let id = ZoneId::of(zone.apex());
    let version = format!("{}-{hash:016x}", zone.serial());
    let entry = IndexEntry {
        version: version.clone(),
        serial: zone.serial(),
        shards: values.len() as u32,
        records: zone.record_count() as u64,
        bytes: values.iter().map(|v| v.len() as u64).sum(),
        aliases: {
            let mut list: Vec<IndexAlias> = zone
                .aliases()
                .map(|(owner, alias)| IndexAlias {
                    owner: name_text(&owner),
                    target: name_text(&alias.target),
                    ttl: alias.ttl,
                })
                .collect();
            list.sort_by(|a, b| a.owner.cmp(&b.owner));
            list
        },
    };
    let values = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (shard_key(&id, &version, i as u32), v))
        .collect();
    Ok(StoredZone {
        zone: id,
        entry,
        values,
    })
}

/// Splits sorted nodes into `count` shards by subtree, copying the apex and the apex wildcard
/// (RFC 4592 §2.2.1: `*.<apex>` can answer for any missing subtree) into each.
fn split(nodes: &[(Vec<u8>, &Node)], apex_key: &[u8], count: u32) -> Vec<Vec<u8>> {
    let mut wildcard_key = vec![1, b'*'];
    wildcard_key.extend_from_slice(apex_key);
    let shared: Vec<&Node> = nodes
        .iter()
        .filter(|(k, _)| k == apex_key || *k == wildcard_key)
        .map(|(_, n)| *n)
        .collect();
    let mut shards: Vec<Vec<&Node>> = (0..count).map(|_| shared.clone()).collect();
    for (key, node) in nodes {
        if key == apex_key || *key == wildcard_key {
            continue;
        }
        shards[Shard::for_key(key, apex_key, count) as usize].push(node);
    }
    let by_key: HashMap<&[u8], &Node> = nodes.iter().map(|(k, n)| (&k[..], *n)).collect();
    let copies: Vec<Vec<Node>> = shards
        .iter()
        .enumerate()
        .map(|(i, held)| address_copies(held, &by_key, apex_key, count, i as u32))
        .collect();
    shards
        .iter()
        .zip(&copies)
        .enumerate()
        .map(|(i, (nodes, copies))| {
            encode_nodes(
                nodes.iter().copied().chain(copies),
                Shard {
                    count,
                    index: i as u32,
                },
            )
        })
        .collect()
}

/// The A/AAAA of NS, MX and SRV targets that `held` names but another shard holds: copied so
/// the additional section (RFC 1035 §3.3) does not depend on a second read.
fn address_copies(
    held: &[&Node],
    by_key: &HashMap<&[u8], &Node>,
    apex_key: &[u8],
    count: u32,
    index: u32,
) -> Vec<Node> {
    let mut seen = HashSet::new();
    let mut copies = Vec::new();
    for node in held {
        let targets = node
            .rrsets()
            .filter(|s| matches!(s.rtype, RecordType::NS | RecordType::MX | RecordType::SRV))
            .flat_map(|s| s.targets().collect::<Vec<_>>());
        for target in targets {
            let key = name_key(&target);
            if !key.ends_with(apex_key)
                || Shard::for_key(&key, apex_key, count) == index
                || !seen.insert(key.clone())
            {
                continue;
            }
            if let Some(found) = by_key.get(&key[..]) {
                let copy = found.filtered(|t| matches!(t, RecordType::A | RecordType::AAAA));
                if !copy.is_empty_non_terminal() {
                    copies.push(copy);
                }
            }
        }
    }
    copies
}

/// Reads the index value; a value that is not a known index is an error, never an empty index.
pub fn parse_index(bytes: &[u8]) -> Result<Index, String> {
    let index: Index =
        serde_json::from_slice(bytes).map_err(|e| format!("zone index is not valid JSON: {e}"))?;
    if index.format != INDEX_FORMAT {
        return Err(format!(
            "zone index format {} is not supported (expected {INDEX_FORMAT})",
            index.format
        ));
    }
    Ok(index)
}
