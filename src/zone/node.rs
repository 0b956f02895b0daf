//! One owner name's data, packed into a single allocation in DNS wire form.
//!
//! A zone of a few hundred thousand records holds as many nodes, so a node is one boxed byte
//! string (docs/ARCHITECTURE.md, "Zone model"): the owner name as written (wire labels with the
//! root, case kept), then each RRset with its RDATA exactly as it goes on the wire, names
//! uncompressed (RFC 1035 §3.3). Nothing is decoded until a query needs it.
//!
//! ```text
//! node  = u8 owner length | owner | RRset*            (RRsets sorted by type code)
//! RRset = u16 type | u32 TTL | u16 count | (u16 length | RDATA)*
//! ```
//!
//! An ALIAS is kept as an RRset of the private type [`ALIAS_CODE`] whose one RDATA is the
//! target name; [`Node::rrsets`] never shows it, [`Node::alias`] does.
//!
//! RRSIGs are kept as one RRset per type covered, in type-covered order, each with its own TTL
//! (RFC 4034 §3: an RRSIG's TTL is that of the RRset it covers, so one name's RRSIGs differ).

use hickory_proto::rr::{Name, RData, Record, RecordType};

mod builder;

use super::wire::is_decoded;
pub use super::wire::{
    answer_rdata, decode_rdata, encode_rdata, name_wire, raw_rdata, read_name, target_name,
};
use builder::set_key;
pub use builder::{Added, NodeBuilder};

/// The type code an ALIAS is stored under: hickory-proto's ANAME code, never served.
pub const ALIAS_CODE: u16 = 65305;

/// An ALIAS (or ANAME) at a node: flatten `target`'s A/AAAA here, with at most `ttl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The name whose addresses are served at the owner.
    pub target: Name,
    /// The ALIAS record's TTL, the ceiling of the flattened TTL.
    pub ttl: u32,
}

/// Everything at one owner name. A node without RRsets is an empty non-terminal.
#[derive(Clone, PartialEq, Eq)]
pub struct Node {
    bytes: Box<[u8]>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name())
            .field(
                "rrsets",
                &self.rrsets().map(|s| s.rtype).collect::<Vec<_>>(),
            )
            .field("alias", &self.alias())
            .finish()
    }
}

/// One RRset of a node, borrowed: its type, TTL and RDATA in wire form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RrSetRef<'a> {
    /// The record type.
    pub rtype: RecordType,
    /// The TTL of the whole set (RFC 2181 §5.2).
    pub ttl: u32,
    count: u16,
    data: &'a [u8],
}

/// Iterates over RDATA in wire form.
#[derive(Clone, Debug)]
pub struct Rdatas<'a> {
    rest: &'a [u8],
    left: u16,
}

impl<'a> Iterator for Rdatas<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 || self.rest.len() < 2 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([self.rest[0], self.rest[1]]));
        let rdata = self.rest.get(2..2 + len)?;
        self.rest = &self.rest[2 + len..];
        self.left -= 1;
        Some(rdata)
    }
}

impl<'a> RrSetRef<'a> {
    /// How many records the set has.
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// Whether the set is empty (never, for a set in a zone).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The RDATA of each record in wire form, in zone-file order.
    pub fn rdatas(&self) -> Rdatas<'a> {
        Rdatas {
            rest: self.data,
            left: self.count,
        }
    }

    /// The RDATA as answers carry it (see [`answer_rdata`]).
    pub fn values(&self) -> impl Iterator<Item = RData> + 'a {
        let rtype = self.rtype;
        self.rdatas().map(move |wire| answer_rdata(rtype, wire))
    }

    /// The set as records owned by `owner`.
    pub fn records<'o>(&self, owner: &'o Name) -> impl Iterator<Item = Record> + 'o
    where
        'a: 'o,
    {
        let ttl = self.ttl;
        self.values()
            .map(move |rdata| Record::from_rdata(owner.clone(), ttl, rdata))
    }

    /// The domain names the RDATA points at (see [`target_name`]), for NS, CNAME, MX, SRV and
    /// the other types whose RDATA names a host.
    pub fn targets(&self) -> impl Iterator<Item = Name> + 'a {
        let rtype = self.rtype;
        self.rdatas()
            .filter_map(move |wire| target_name(rtype, wire))
    }
}

impl Node {
    /// An empty node (an empty non-terminal) at an owner in wire form.
    pub fn empty(owner_wire: &[u8]) -> Node {
        let mut bytes = Vec::with_capacity(1 + owner_wire.len());
        bytes.push(owner_wire.len() as u8);
        bytes.extend_from_slice(owner_wire);
        Node {
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// Reads a packed node (as [`Node::as_bytes`] gives it) and checks every length in it, and
    /// that each RDATA decodes as its type (for the types hickory-proto decodes), so a query
    /// never meets broken data. For stored zones, whose bytes come from outside the process.
    pub fn from_bytes(bytes: &[u8]) -> Result<Node, String> {
        let owner_len = usize::from(*bytes.first().ok_or("an empty node")?);
        let owner = bytes
            .get(1..1 + owner_len)
            .ok_or("the owner name runs past the end")?;
        let name = read_name(owner).ok_or("the owner is not a domain name")?;
        if name_wire(&name) != owner {
            return Err("the owner is not an uncompressed domain name".into());
        }
        let mut rest = &bytes[1 + owner_len..];
        let mut last = None;
        while !rest.is_empty() {
            let header = rest.get(..8).ok_or("an RRset header runs past the end")?;
            let code = u16::from_be_bytes([header[0], header[1]]);
            let count = u16::from_be_bytes([header[6], header[7]]);
            rest = &rest[8..];
            let first = rest.get(2..4).unwrap_or_default();
            let key = set_key(code, first);
            if last.is_some_and(|l| l >= key) {
                return Err("RRsets are not in type order".into());
            }
            last = Some(key);
            for _ in 0..count {
                let len = rest.get(..2).ok_or("an RDATA length runs past the end")?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                let rdata = rest.get(2..2 + len).ok_or("an RDATA runs past the end")?;
                let rtype = RecordType::from(code);
                if code == ALIAS_CODE {
                    read_name(rdata).ok_or("the ALIAS target is not a domain name")?;
                } else if is_decoded(rtype) {
                    decode_rdata(rtype, rdata)?;
                }
                rest = &rest[2 + len..];
            }
        }
        Ok(Node {
            bytes: bytes.into(),
        })
    }

    /// The packed form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The owner in wire form (uncompressed, with the root label), as written in the zone.
    pub fn owner_wire(&self) -> &[u8] {
        &self.bytes[1..1 + usize::from(self.bytes[0])]
    }

    /// The owner name, as written in the zone file.
    pub fn name(&self) -> Name {
        read_name(self.owner_wire()).unwrap_or_else(Name::root)
    }

    /// The owner lowercased, without the root label: the node's key (see
    /// [`super::model::name_key`]).
    pub fn key(&self) -> Vec<u8> {
        let owner = self.owner_wire();
        owner[..owner.len() - 1].to_ascii_lowercase()
    }

    /// Whether the owner, lowercased and without the root label, is `key` (see
    /// [`super::model::name_key`]).
    pub fn has_key(&self, key: &[u8]) -> bool {
        let owner = self.owner_wire();
        owner.len() == key.len() + 1 && owner[..key.len()].eq_ignore_ascii_case(key)
    }

    /// Every RRset as stored, in type-code order, the ALIAS included (as [`ALIAS_CODE`], its
    /// RDATA the target name): what a zone editor sees.
    pub fn all_sets(&self) -> impl Iterator<Item = RrSetRef<'_>> {
        let mut rest = &self.bytes[1 + usize::from(self.bytes[0])..];
        std::iter::from_fn(move || {
            if rest.len() < 8 {
                return None;
            }
            let code = u16::from_be_bytes([rest[0], rest[1]]);
            let ttl = u32::from_be_bytes([rest[2], rest[3], rest[4], rest[5]]);
            let count = u16::from_be_bytes([rest[6], rest[7]]);
            let body = &rest[8..];
            let mut at = 0;
            for _ in 0..count {
                let len = body
                    .get(at..at + 2)
                    .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]])));
                at = (at + 2 + len).min(body.len());
            }
            rest = &body[at..];
            Some(RrSetRef {
                rtype: RecordType::from(code),
                ttl,
                count,
                data: &body[..at],
            })
        })
    }

    /// The RRsets, in type-code order (the ALIAS is not one of them).
    pub fn rrsets(&self) -> impl Iterator<Item = RrSetRef<'_>> {
        self.all_sets().filter(|s| u16::from(s.rtype) != ALIAS_CODE)
    }

    /// The RRset of `rtype`, if present. For RRSIG, the signatures of the lowest type covered,
    /// as Knot answers a query for RRSIG.
    pub fn rrset(&self, rtype: RecordType) -> Option<RrSetRef<'_>> {
        if u16::from(rtype) == ALIAS_CODE {
            return None;
        }
        self.all_sets().find(|s| s.rtype == rtype)
    }

    /// Whether the node has an RRset of `rtype`.
    pub fn has(&self, rtype: RecordType) -> bool {
        self.rrset(rtype).is_some()
    }

    /// The ALIAS at this name, if any.
    pub fn alias(&self) -> Option<Alias> {
        let set = self.all_sets().find(|s| u16::from(s.rtype) == ALIAS_CODE)?;
        let target = read_name(set.rdatas().next()?)?;
        Some(Alias {
            target,
            ttl: set.ttl,
        })
    }

    /// Whether this node holds no data: an empty non-terminal.
    pub fn is_empty_non_terminal(&self) -> bool {
        self.bytes.len() == 1 + usize::from(self.bytes[0])
    }

    /// Whether this node holds only NSEC3 records and their signatures. Such names are hashes
    /// kept beside the zone's tree (RFC 5155 §7.2), not names in it, so lookup treats them as
    /// absent, as Knot does.
    pub fn is_nsec3_only(&self) -> bool {
        !self.is_empty_non_terminal()
            && self.all_sets().all(|set| match set.rtype {
                RecordType::NSEC3 => true,
                RecordType::RRSIG => set.rdatas().all(|rdata| rdata.starts_with(&[0, 50])),
                _ => false,
            })
    }

    /// The number of records, the ALIAS included.
    pub fn record_count(&self) -> usize {
        self.all_sets().map(|s| s.len()).sum()
    }

    /// The same node with only the RRsets `keep` accepts (and no ALIAS).
    pub fn filtered(&self, keep: impl Fn(RecordType) -> bool) -> Node {
        let mut builder = NodeBuilder::from_owner_wire(self.owner_wire());
        for set in self.rrsets().filter(|s| keep(s.rtype)) {
            for rdata in set.rdatas() {
                builder.add(u16::from(set.rtype), set.ttl, rdata.to_vec());
            }
        }
        builder
            .finish()
            .unwrap_or_else(|_| Node::empty(self.owner_wire()))
    }
}

#[cfg(test)]
mod tests;
