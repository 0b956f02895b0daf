//! The flattened A/AAAA of every ALIAS in a zone, as last resolved: what transfers carry in
//! place of the ALIAS records, and what decides whether the serial must go up.

use std::collections::BTreeMap;

use hickory_proto::rr::{RData, RecordType};

/// One owner's flattened set of one type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlatSet {
    /// The addresses, sorted so equal sets compare equal.
    pub rdatas: Vec<RData>,
    /// The TTL transfers give them.
    pub ttl: u32,
    /// When an upstream last gave them (milliseconds since the Unix epoch; 0 if unknown).
    pub fetched_ms: u64,
}

/// The flattened sets of one zone, by (lowercased owner, type).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlatRecords {
    sets: BTreeMap<(String, u16), FlatSet>,
}

impl FlatRecords {
    /// Records a fresh resolution; true when the addresses differ from what was there (a TTL
    /// change alone does not bump the serial).
    pub fn update(&mut self, owner: &str, rtype: RecordType, rdatas: Vec<RData>, ttl: u32) -> bool {
        self.update_at(owner, rtype, rdatas, ttl, 0)
    }

    /// [`FlatRecords::update`] with the time an upstream gave the addresses.
    pub fn update_at(
        &mut self,
        owner: &str,
        rtype: RecordType,
        mut rdatas: Vec<RData>,
        ttl: u32,
        fetched_ms: u64,
    ) -> bool {
        rdatas.sort_by_key(|r| r.to_string());
        let key = (owner.to_ascii_lowercase(), u16::from(rtype));
        let changed = self.sets.get(&key).is_none_or(|old| old.rdatas != rdatas);
        self.sets.insert(
            key,
            FlatSet {
                rdatas,
                ttl,
                fetched_ms,
            },
        );
        changed
    }

    /// The set for `owner` and `rtype`, if resolved at least once.
    pub fn get(&self, owner: &str, rtype: RecordType) -> Option<&FlatSet> {
        self.sets
            .get(&(owner.to_ascii_lowercase(), u16::from(rtype)))
    }

    /// Every set: (lowercased owner, type, set), in owner order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, RecordType, &FlatSet)> {
        self.sets
            .iter()
            .map(|((owner, rtype), set)| (owner.as_str(), RecordType::from(*rtype), set))
    }

    /// Drops sets whose owner no longer has an ALIAS.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.sets.retain(|(owner, _), _| keep(owner));
    }
}
