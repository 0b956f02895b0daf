//! The records of a zone file grouped by owner: indices into [`SourceRecords`] sorted by the
//! owner's key ([`crate::zone::model::name_key`]: lowercased labels without the root), so an
//! owner is found by binary search and no record is copied.

use std::ops::Range;

use hickory_proto::rr::RecordType;

use crate::zone::parse::{SourceRecord, SourceRecords};

/// The lowercased labels of a wire name without the root label (see
/// [`crate::zone::model::name_key`]).
pub(super) fn key_of(wire: &[u8]) -> Vec<u8> {
    lowered(wire).collect()
}

/// The octets of `wire`'s key, lowercased on the fly.
fn lowered(wire: &[u8]) -> impl Iterator<Item = u8> + '_ {
    wire[..wire.len().saturating_sub(1)]
        .iter()
        .map(u8::to_ascii_lowercase)
}

/// Every owner's records, in key order; within an owner, in file order.
pub(crate) struct Owners<'a> {
    records: &'a SourceRecords,
    /// Record indices, sorted by owner.
    order: Vec<u32>,
    /// Where each owner's records are in `order`.
    groups: Vec<Range<usize>>,
}

impl<'a> Owners<'a> {
    /// Groups the records at `indices` by owner.
    pub(super) fn new(records: &'a SourceRecords, mut indices: Vec<u32>) -> Self {
        let owner = |i: &u32| lowered(records.get(*i as usize).owner);
        indices.sort_by(|a, b| owner(a).cmp(owner(b)));
        let mut groups = Vec::new();
        let mut start = 0;
        for chunk in indices.chunk_by(|a, b| owner(a).eq(owner(b))) {
            groups.push(start..start + chunk.len());
            start += chunk.len();
        }
        Owners {
            records,
            order: indices,
            groups,
        }
    }

    /// How many owners.
    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    /// Each owner's records.
    pub(crate) fn groups(&self) -> impl Iterator<Item = Group<'_>> {
        self.groups.iter().map(|range| self.at(range))
    }

    fn at(&self, range: &Range<usize>) -> Group<'_> {
        Group {
            records: self.records,
            indices: &self.order[range.clone()],
        }
    }

    /// The records of the owner whose key is `key`, if it has any.
    pub(crate) fn group(&self, key: &[u8]) -> Option<Group<'_>> {
        let at = self
            .groups
            .binary_search_by(|g| {
                lowered(self.records.get(self.order[g.start] as usize).owner)
                    .cmp(key.iter().copied())
            })
            .ok()?;
        Some(self.at(&self.groups[at]))
    }
}

/// The records of one owner.
#[derive(Clone, Copy)]
pub(crate) struct Group<'a> {
    records: &'a SourceRecords,
    indices: &'a [u32],
}

impl<'a> Group<'a> {
    /// The records, in file order.
    pub(crate) fn records(self) -> impl Iterator<Item = SourceRecord<'a>> {
        self.indices
            .iter()
            .map(move |&i| self.records.get(i as usize))
    }

    /// The first record.
    pub(crate) fn first(self) -> SourceRecord<'a> {
        self.records.get(self.indices[0] as usize)
    }

    /// The owner's key (see [`key_of`]).
    pub(crate) fn key(self) -> Vec<u8> {
        key_of(self.first().owner)
    }

    /// Writes the owner's key into `out`, replacing what was there, so a walk over every owner
    /// reuses one buffer.
    pub(crate) fn key_into(self, out: &mut Vec<u8>) {
        out.clear();
        out.extend(lowered(self.first().owner));
    }

    /// Whether the owner has a record of `rtype` (ALIAS: [`RecordType::ANAME`]).
    pub(crate) fn has(self, rtype: RecordType) -> bool {
        self.records().any(|r| r.rtype == rtype)
    }
}
