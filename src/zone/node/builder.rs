//! Building a packed [`Node`]: records added in any order are merged into RRsets by type (and,
//! for RRSIG, type covered), duplicates dropped, and packed in the layout `super` describes.

use hickory_proto::rr::Name;

use super::{ALIAS_CODE, Alias, Node, name_wire};
use crate::zone::rdata::canonical_rdata;

/// What orders and separates RRsets in a node: the type, and for RRSIG the type covered.
pub(super) fn set_key(code: u16, rdata: &[u8]) -> (u16, u16) {
    match (code, rdata) {
        (46, [high, low, ..]) => (code, u16::from_be_bytes([*high, *low])),
        _ => (code, 0),
    }
}

/// Builds a [`Node`]: RRsets merged by type, in any order.
#[derive(Clone, Debug)]
pub struct NodeBuilder {
    owner: Vec<u8>,
    sets: Vec<(u16, u32, Vec<Vec<u8>>)>,
}

/// What [`NodeBuilder::add`] did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new record of the set.
    New,
    /// The same RDATA was already there (RFC 2181 §5: an RRset is a set); dropped.
    Duplicate,
    /// Added, but its TTL differed from the set's: the set takes this record's TTL, the last
    /// one read, as Knot does (RFC 2181 §5.2 wants one TTL per RRset).
    TtlChanged {
        /// The set's TTL before.
        was: u32,
    },
}

impl NodeBuilder {
    /// A builder for `owner`.
    pub fn new(owner: &Name) -> Self {
        NodeBuilder {
            owner: name_wire(owner),
            sets: Vec::new(),
        }
    }

    /// A builder for an owner already in wire form (uncompressed, with the root label).
    pub fn from_owner_wire(owner: &[u8]) -> Self {
        NodeBuilder {
            owner: owner.to_vec(),
            sets: Vec::new(),
        }
    }

    /// Adds one record of type code `code` with RDATA `wire`.
    pub fn add(&mut self, code: u16, ttl: u32, wire: Vec<u8>) -> Added {
        let key = set_key(code, &wire);
        let at = match self
            .sets
            .binary_search_by_key(&key, |s| set_key(s.0, &s.2[0]))
        {
            Ok(at) => at,
            Err(at) => {
                self.sets.insert(at, (code, ttl, vec![wire]));
                return Added::New;
            }
        };
        let set = &mut self.sets[at];
        // RFC 2181 §5: an RRset holds no two equal records; names compare as RFC 4034 §6.2 says.
        let canonical = canonical_rdata(code, &wire);
        if set.2.iter().any(|w| canonical_rdata(code, w) == canonical) {
            return Added::Duplicate;
        }
        set.2.push(wire);
        if ttl == set.1 {
            return Added::New;
        }
        let was = std::mem::replace(&mut set.1, ttl);
        Added::TtlChanged { was }
    }

    /// Sets the ALIAS (replacing any earlier one).
    pub fn alias(&mut self, alias: &Alias) {
        self.sets.retain(|s| s.0 != ALIAS_CODE);
        self.add(ALIAS_CODE, alias.ttl, name_wire(&alias.target));
    }

    /// Whether the builder holds nothing yet.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The packed node. Fails when a set has more than 65,535 records or an RDATA is over
    /// 65,535 octets, which no DNS message could carry.
    pub fn finish(self) -> Result<Node, String> {
        let size = 1
            + self.owner.len()
            + self
                .sets
                .iter()
                .map(|s| 8 + s.2.iter().map(|r| 2 + r.len()).sum::<usize>())
                .sum::<usize>();
        let mut bytes = Vec::with_capacity(size);
        let owner_len =
            u8::try_from(self.owner.len()).map_err(|_| "an owner name over 255 octets")?;
        bytes.push(owner_len);
        bytes.extend_from_slice(&self.owner);
        for (code, ttl, rdatas) in &self.sets {
            let count = u16::try_from(rdatas.len())
                .map_err(|_| format!("more than 65535 records of type {code}"))?;
            bytes.extend_from_slice(&code.to_be_bytes());
            bytes.extend_from_slice(&ttl.to_be_bytes());
            bytes.extend_from_slice(&count.to_be_bytes());
            for rdata in rdatas {
                let len = u16::try_from(rdata.len())
                    .map_err(|_| format!("RDATA of type {code} over 65535 octets"))?;
                bytes.extend_from_slice(&len.to_be_bytes());
                bytes.extend_from_slice(rdata);
            }
        }
        Ok(Node {
            bytes: bytes.into_boxed_slice(),
        })
    }
}
