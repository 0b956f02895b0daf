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

/// What recording a resolution did to the stored set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Same addresses and TTL, confirmed recently enough: nothing stored changed.
    Unchanged,
    /// Same addresses, with a new TTL or a fetch time due for re-confirmation.
    Confirmed,
    /// New addresses: what transfers carry changed, so the serial must go up.
    Changed,
}

impl FlatRecords {
    /// Records a fresh resolution; true when the addresses differ from what was there (a TTL
    /// change alone does not bump the serial).
    pub fn update(&mut self, owner: &str, rtype: RecordType, rdatas: Vec<RData>, ttl: u32) -> bool {
        self.record(owner, rtype, rdatas, ttl, 0, 0) == Recorded::Changed
    }

    /// Records a resolution an upstream gave at `fetched_ms`. A set that comes back with the
    /// same addresses (in any order) and TTL keeps its stored fetch time until that is
    /// `confirm_every_ms` old, so a steady zone stores nothing new on every refresh (the edge's
    /// KV writes are limited, and stale answers need only a recent enough confirmation).
    pub fn record(
        &mut self,
        owner: &str,
        rtype: RecordType,
        mut rdatas: Vec<RData>,
        ttl: u32,
        fetched_ms: u64,
        confirm_every_ms: u64,
    ) -> Recorded {
        rdatas.sort_by_key(|r| r.to_string());
        rdatas.dedup();
        let key = (owner.to_ascii_lowercase(), u16::from(rtype));
        let recorded = match self.sets.get(&key) {
            Some(old) if old.rdatas == rdatas => {
                if old.ttl == ttl && fetched_ms.saturating_sub(old.fetched_ms) < confirm_every_ms {
                    return Recorded::Unchanged;
                }
                Recorded::Confirmed
            }
            _ => Recorded::Changed,
        };
        self.sets.insert(
            key,
            FlatSet {
                rdatas,
                ttl,
                fetched_ms,
            },
        );
        recorded
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
