//! The stored flattened state of a zone at the edge (KV key `flatapex/flat/<apex>`): the serial
//! served to secondaries and the flattened sets it stands for. The scheduled refresher updates
//! it; `/zones/<zone>` reads it.

use std::net::IpAddr;

use hickory_proto::rr::{RData, RecordType};
use serde::{Deserialize, Serialize};

use super::flat::{FlatRecords, Recorded};
use super::serial::{Served, next_serial};
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
    /// When an upstream gave them (milliseconds since the Unix epoch; 0 if unknown).
    #[serde(default)]
    pub fetched_ms: u64,
}

impl StoredSet {
    /// The record type: AAAA, or else A.
    pub fn record_type(&self) -> RecordType {
        if self.rtype == "AAAA" {
            RecordType::AAAA
        } else {
            RecordType::A
        }
    }

    /// The addresses as RDATA of the set's type.
    pub fn rdatas(&self) -> Vec<RData> {
        CachedRrset::rdatas_of(&self.addresses, self.record_type())
    }
}

/// A zone's flattened state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneState {
    /// The serial served with these sets.
    pub serial: u32,
    /// The zone file's serial when `serial` was served (0 in states written before it was kept:
    /// such a state takes one extra bump, never a serial already served).
    #[serde(default)]
    pub file_serial: u32,
    /// The sets.
    pub sets: Vec<StoredSet>,
}

impl ZoneState {
    /// The sets as [`FlatRecords`].
    pub fn flat(&self) -> FlatRecords {
        let mut flat = FlatRecords::default();
        for set in &self.sets {
            flat.record(
                &set.owner,
                set.record_type(),
                set.rdatas(),
                set.ttl,
                set.fetched_ms,
                0,
            );
        }
        flat
    }

    /// The serial served, with its file's.
    pub fn served(&self) -> Served {
        Served {
            serial: self.serial,
            file: self.file_serial,
        }
    }

    /// The serial to serve for a zone whose file now has serial `file`, given the stored state
    /// (see [`Served::for_file`]).
    pub fn serial_for(state: Option<&ZoneState>, file: u32) -> u32 {
        Served::for_file(state.map(ZoneState::served), file).serial
    }

    /// The state that serves `served` with the sets of `flat`.
    pub fn from_flat(served: Served, flat: &FlatRecords) -> ZoneState {
        ZoneState {
            serial: served.serial,
            file_serial: served.file,
            sets: flat
                .iter()
                .map(|(owner, rtype, set)| StoredSet {
                    owner: owner.to_string(),
                    rtype: rtype.to_string(),
                    addresses: CachedRrset::addresses_of(&set.rdatas),
                    ttl: set.ttl,
                    fetched_ms: set.fetched_ms,
                })
                .collect(),
        }
    }

    /// The state after a refresh that resolved `sets` for a zone whose file serial is `file`.
    /// The serial is the one [`ZoneState::serial_for`] gives (so an edited file is never served
    /// at a serial already served), one higher when an address set changed (RFC 1982). The
    /// first addresses of an ALIAS are a change too: `/zones` may have served the zone without
    /// them at the file's serial. `changed` is true when the addresses changed. Sets are
    /// recorded as [`FlatRecords::record`] does, so an unchanged zone gives an equal state and
    /// nothing needs writing.
    pub fn refreshed(
        previous: Option<&ZoneState>,
        file: u32,
        sets: Vec<StoredSet>,
        confirm_every_ms: u64,
    ) -> (ZoneState, bool) {
        let mut flat = previous.map(ZoneState::flat).unwrap_or_default();
        let mut changed = false;
        for set in &sets {
            changed |= flat.record(
                &set.owner,
                set.record_type(),
                set.rdatas(),
                set.ttl,
                set.fetched_ms,
                confirm_every_ms,
            ) == Recorded::Changed;
        }
        let mut served = Served::for_file(previous.map(ZoneState::served), file);
        if changed {
            served.serial = next_serial(served.serial, file);
        }
        (ZoneState::from_flat(served, &flat), changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    fn set(ip: &str) -> Vec<StoredSet> {
        vec![StoredSet {
            owner: "x.test.".into(),
            rtype: "A".into(),
            addresses: vec![ip.parse().unwrap()],
            ttl: 60,
            fetched_ms: 1_000,
        }]
    }

    #[test]
    fn the_serial_moves_when_addresses_or_the_file_change() {
        let (first, changed) = ZoneState::refreshed(None, 7, set("192.0.2.1"), HOUR);
        assert_eq!(
            (first.serial, first.file_serial, changed),
            (8, 7, true),
            "the first addresses are a change: /zones served 7 without them"
        );
        let (same, changed) = ZoneState::refreshed(Some(&first), 7, set("192.0.2.1"), HOUR);
        assert_eq!((same.serial, changed), (8, false));
        let (moved, changed) = ZoneState::refreshed(Some(&same), 7, set("192.0.2.2"), HOUR);
        assert_eq!((moved.serial, changed), (9, true));
        let (edited, changed) = ZoneState::refreshed(Some(&moved), 8, set("192.0.2.2"), HOUR);
        assert_eq!(
            (edited.serial, edited.file_serial, changed),
            (10, 8, false),
            "an edited file below the served serial goes one above it"
        );
        assert_eq!(
            ZoneState::serial_for(Some(&moved), 8),
            10,
            "as /zones serves it"
        );
        let (newer_file, _) = ZoneState::refreshed(Some(&edited), 20, set("192.0.2.3"), HOUR);
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
        let back = ZoneState::from_flat(newer_file.served(), &newer_file.flat());
        assert_eq!(
            back, newer_file,
            "a state survives the round trip through FlatRecords"
        );
        let old: ZoneState = serde_json::from_str(r#"{"serial":9,"sets":[]}"#).unwrap();
        assert_eq!(
            ZoneState::serial_for(Some(&old), 7),
            10,
            "a state without file_serial is bumped once, never served as is"
        );
    }

    #[test]
    fn an_unchanged_set_gives_the_same_state_until_it_must_be_confirmed() {
        let at = |ms: u64, ips: &[&str]| {
            vec![StoredSet {
                owner: "x.test.".into(),
                rtype: "A".into(),
                addresses: ips.iter().map(|ip| ip.parse().unwrap()).collect(),
                ttl: 60,
                fetched_ms: ms,
            }]
        };
        let (first, _) =
            ZoneState::refreshed(None, 7, at(1_000, &["192.0.2.2", "192.0.2.1"]), HOUR);
        let (again, changed) = ZoneState::refreshed(
            Some(&first),
            7,
            at(61_000, &["192.0.2.1", "192.0.2.2"]),
            HOUR,
        );
        assert!(!changed);
        assert_eq!(
            again, first,
            "same addresses in another order, a minute later: nothing to write"
        );
        let (later, changed) = ZoneState::refreshed(
            Some(&again),
            7,
            at(1_000 + HOUR, &["192.0.2.1", "192.0.2.2"]),
            HOUR,
        );
        assert!(!changed);
        assert_eq!(
            later.sets[0].fetched_ms,
            1_000 + HOUR,
            "confirmed after an hour"
        );
        assert_eq!(later.serial, first.serial);
    }
}
