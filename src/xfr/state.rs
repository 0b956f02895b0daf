//! The stored flattened state of a zone at the edge (KV key `flatapex/flat/<apex>`): the serial
//! served to secondaries and the flattened sets it stands for. The scheduled refresher updates
//! it; `/zones/<zone>` reads it.

use std::net::IpAddr;

use hickory_proto::rr::{RData, RecordType};
use serde::{Deserialize, Serialize};

use super::flat::FlatRecords;
use super::serial::{next_serial, serial_to_serve};
use crate::alias::CachedRrset;

/// The KV key of a zone's flattened state.
pub fn state_key(apex_id: &str) -> String {
    format!("flatapex/flat/{apex_id}")
}

/// One flattened set, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSet {
    /// The ALIAS owner.
    pub owner: String,
    /// `A` or `AAAA`.
    pub rtype: String,
    /// The addresses.
    pub addresses: Vec<IpAddr>,
    /// Their TTL.
    pub ttl: u32,
}

/// A zone's flattened state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneState {
    /// The serial served with these sets.
    pub serial: u32,
    /// The sets.
    pub sets: Vec<StoredSet>,
}

impl ZoneState {
    /// The sets as [`FlatRecords`].
    pub fn flat(&self) -> FlatRecords {
        let mut flat = FlatRecords::default();
        for set in &self.sets {
            let rtype = if set.rtype == "AAAA" {
                RecordType::AAAA
            } else {
                RecordType::A
            };
            let entry = CachedRrset {
                addresses: set.addresses.clone(),
                ttl: set.ttl,
                fetched_ms: 0,
                upstream: None,
            };
            flat.update(&set.owner, rtype, entry.rdatas(rtype), set.ttl);
        }
        flat
    }

    /// The state that serves `serial` with the sets of `flat`.
    pub fn from_flat(serial: u32, flat: &FlatRecords) -> ZoneState {
        ZoneState {
            serial,
            sets: flat
                .iter()
                .map(|(owner, rtype, set)| StoredSet {
                    owner: owner.to_string(),
                    rtype: rtype.to_string(),
                    addresses: CachedRrset::addresses_of(&set.rdatas),
                    ttl: set.ttl,
                })
                .collect(),
        }
    }

    /// The state after a refresh that resolved `sets` for a zone whose file serial is `file`:
    /// the serial goes up (RFC 1982) only when an address set changed.
    pub fn refreshed(
        previous: Option<&ZoneState>,
        file: u32,
        sets: Vec<StoredSet>,
    ) -> (ZoneState, bool) {
        let mut flat = previous.map(ZoneState::flat).unwrap_or_default();
        let mut changed = previous.is_none();
        for set in &sets {
            let rtype = if set.rtype == "AAAA" {
                RecordType::AAAA
            } else {
                RecordType::A
            };
            let rdatas: Vec<RData> = set
                .addresses
                .iter()
                .map(|ip| match ip {
                    IpAddr::V4(v4) => RData::A((*v4).into()),
                    IpAddr::V6(v6) => RData::AAAA((*v6).into()),
                })
                .collect();
            changed |= flat.update(&set.owner, rtype, rdatas, set.ttl);
        }
        let served = serial_to_serve(file, previous.map(|p| p.serial));
        let serial = match previous {
            Some(_) if changed => next_serial(served, file),
            _ => served,
        };
        let mut merged: Vec<StoredSet> = previous.map(|p| p.sets.clone()).unwrap_or_default();
        for set in sets {
            merged.retain(|s| !(s.owner == set.owner && s.rtype == set.rtype));
            merged.push(set);
        }
        merged.sort_by(|a, b| (&a.owner, &a.rtype).cmp(&(&b.owner, &b.rtype)));
        (
            ZoneState {
                serial,
                sets: merged,
            },
            changed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ip: &str) -> Vec<StoredSet> {
        vec![StoredSet {
            owner: "x.test.".into(),
            rtype: "A".into(),
            addresses: vec![ip.parse().unwrap()],
            ttl: 60,
        }]
    }

    #[test]
    fn the_serial_moves_only_when_addresses_change() {
        let (first, changed) = ZoneState::refreshed(None, 7, set("192.0.2.1"));
        assert_eq!(
            (first.serial, changed),
            (7, true),
            "the first state serves the file's serial"
        );
        let (same, changed) = ZoneState::refreshed(Some(&first), 7, set("192.0.2.1"));
        assert_eq!((same.serial, changed), (7, false));
        let (moved, changed) = ZoneState::refreshed(Some(&same), 7, set("192.0.2.2"));
        assert_eq!((moved.serial, changed), (8, true));
        let (newer_file, _) = ZoneState::refreshed(Some(&moved), 20, set("192.0.2.3"));
        assert_eq!(newer_file.serial, 21, "never below the file's serial");
        assert_eq!(
            newer_file
                .flat()
                .get("x.test.", RecordType::A)
                .unwrap()
                .rdatas
                .len(),
            1
        );
        let back = ZoneState::from_flat(newer_file.serial, &newer_file.flat());
        assert_eq!(
            back, newer_file,
            "a state survives the round trip through FlatRecords"
        );
    }
}
