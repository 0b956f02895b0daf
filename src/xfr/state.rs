//! A zone's primary-side state: the SOA serial served to secondaries (with the zone file's
//! serial it was served for) and the flattened ALIAS sets that transfers carry in place of each
//! ALIAS. One [`ZoneState`] per zone; the edge keeps each in KV (`flatapex/flat/<zone>`), the
//! native server all of them in its state file ([`ZoneStates`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::serial::{Served, next_serial};
use crate::alias::{AddressType, FlatSet};
use crate::zone::ZoneId;

/// The KV key of a zone's state at the edge.
pub fn state_key(zone: &ZoneId) -> String {
    format!("flatapex/flat/{zone}")
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

/// The flattened sets of a zone, by (lowercased owner with the trailing dot, type).
pub type FlatSets = BTreeMap<(String, AddressType), FlatSet>;

/// One zone's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredState", into = "StoredState")]
pub struct ZoneState {
    /// The serial served, and the file serial it was served for.
    pub served: Served,
    /// The last good flattened sets.
    pub sets: FlatSets,
}

/// The owner key of [`FlatSets`].
pub fn owner_key(owner: &hickory_proto::rr::Name) -> String {
    let mut owner = owner.to_lowercase();
    owner.set_fqdn(true);
    owner.to_ascii()
}

impl ZoneState {
    /// The state of a zone first served at its file's serial.
    pub fn new(file_serial: u32) -> ZoneState {
        ZoneState {
            served: Served::for_file(None, file_serial),
            sets: FlatSets::new(),
        }
    }

    /// The serial served.
    pub fn serial(&self) -> u32 {
        self.served.serial
    }

    /// Moves to the zone file's serial `file` (see [`Served::for_file`]); returns the serial to
    /// serve.
    pub fn follow_file(&mut self, file: u32) -> u32 {
        self.served = Served::for_file(Some(self.served), file);
        self.served.serial
    }

    /// The serial to serve for a zone whose file has serial `file`, given `state` if any,
    /// without changing anything (what `/zones/<zone>` serves between scheduled runs).
    pub fn serial_for(state: Option<&ZoneState>, file: u32) -> u32 {
        Served::for_file(state.map(|s| s.served), file).serial
    }

    /// Serves the next serial (RFC 1982 §3.1): what transfers carry changed.
    pub fn bump(&mut self) -> u32 {
        self.served.serial = next_serial(self.served.serial, self.served.file);
        self.served.serial
    }

    /// The set of `owner` (see [`owner_key`]) and `rtype`, if resolved at least once.
    pub fn set(&self, owner: &str, rtype: AddressType) -> Option<&FlatSet> {
        self.sets.get(&(owner.to_ascii_lowercase(), rtype))
    }

    /// Records a resolution. A set that comes back with the same addresses and TTL keeps its
    /// stored fetch time until that is `confirm_every_ms` old, so a steady zone stores nothing
    /// new on every refresh (the edge's KV writes are limited, and stale answers need only a
    /// recent enough confirmation).
    pub fn record(
        &mut self,
        owner: &str,
        rtype: AddressType,
        set: FlatSet,
        confirm_every_ms: u64,
    ) -> Recorded {
        let key = (owner.to_ascii_lowercase(), rtype);
        let recorded = match self.sets.get(&key) {
            Some(old) if old.addresses == set.addresses => {
                if old.ttl == set.ttl
                    && set.fetched_ms.saturating_sub(old.fetched_ms) < confirm_every_ms
                {
                    return Recorded::Unchanged;
                }
                Recorded::Confirmed
            }
            _ => Recorded::Changed,
        };
        self.sets.insert(key, set);
        recorded
    }

    /// Drops the sets of owners that no longer have an ALIAS; true if any was dropped.
    pub fn retain_owners(&mut self, keep: impl Fn(&str) -> bool) -> bool {
        let before = self.sets.len();
        self.sets.retain(|(owner, _), _| keep(owner));
        self.sets.len() != before
    }
}

/// The stored form, as earlier versions wrote it: `{"serial", "file_serial", "sets": [...]}`.
#[derive(Serialize, Deserialize)]
struct StoredState {
    serial: u32,
    /// 0 in states written before the file serial was kept: such a state takes one extra bump,
    /// never a serial already served.
    #[serde(default)]
    file_serial: u32,
    #[serde(default)]
    sets: Vec<StoredSet>,
}

/// One set as stored: its owner and type beside the set's own fields (written out rather than
/// flattened with serde, whose flattening costs the worker's wasm ~20 KiB).
#[derive(Serialize, Deserialize)]
struct StoredSet {
    owner: String,
    rtype: AddressType,
    addresses: Vec<std::net::IpAddr>,
    ttl: u32,
    #[serde(default)]
    fetched_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream: Option<String>,
}

impl From<StoredState> for ZoneState {
    fn from(stored: StoredState) -> ZoneState {
        ZoneState {
            served: Served {
                serial: stored.serial,
                file: stored.file_serial,
            },
            sets: stored
                .sets
                .into_iter()
                .map(|s| {
                    let set = FlatSet {
                        addresses: s.addresses,
                        ttl: s.ttl,
                        fetched_ms: s.fetched_ms,
                        upstream: s.upstream,
                    };
                    ((s.owner.to_ascii_lowercase(), s.rtype), set)
                })
                .collect(),
        }
    }
}

impl From<ZoneState> for StoredState {
    fn from(state: ZoneState) -> StoredState {
        StoredState {
            serial: state.served.serial,
            file_serial: state.served.file,
            sets: state
                .sets
                .into_iter()
                .map(|((owner, rtype), set)| StoredSet {
                    owner,
                    rtype,
                    addresses: set.addresses,
                    ttl: set.ttl,
                    fetched_ms: set.fetched_ms,
                    upstream: set.upstream,
                })
                .collect(),
        }
    }
}

/// Every zone's state, as the native server keeps it (and saves it: its state file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneStates {
    /// The zones.
    pub zones: BTreeMap<ZoneId, ZoneState>,
}

impl ZoneStates {
    /// The serial to serve for `zone` whose file has serial `file`, recording it.
    pub fn follow_file(&mut self, zone: &ZoneId, file: u32) -> u32 {
        match self.zones.get_mut(zone) {
            Some(state) => state.follow_file(file),
            None => {
                self.zones.insert(zone.clone(), ZoneState::new(file));
                file
            }
        }
    }

    /// The state of `zone`, if any.
    pub fn get(&self, zone: &ZoneId) -> Option<&ZoneState> {
        self.zones.get(zone)
    }

    /// The sets found in storage with their fetch times no later than `now_ms` (a clock that was
    /// ahead when they were saved must not pin them as fresh).
    pub fn clamp_times(&mut self, now_ms: u64) {
        for state in self.zones.values_mut() {
            for set in state.sets.values_mut() {
                set.fetched_ms = set.fetched_ms.min(now_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    fn set(ips: &[&str], at: u64) -> FlatSet {
        FlatSet::new(
            ips.iter().map(|ip| ip.parse().unwrap()).collect(),
            60,
            at,
            None,
        )
    }

    #[test]
    fn an_unchanged_set_is_unchanged_until_it_must_be_confirmed() {
        let mut state = ZoneState::new(7);
        let a = AddressType::A;
        assert_eq!(
            state.record("x.test.", a, set(&["192.0.2.2", "192.0.2.1"], 1_000), HOUR),
            Recorded::Changed
        );
        assert_eq!(
            state.record("X.test.", a, set(&["192.0.2.1", "192.0.2.2"], 61_000), HOUR),
            Recorded::Unchanged,
            "same addresses in another order, a minute later"
        );
        assert_eq!(state.set("x.test.", a).unwrap().fetched_ms, 1_000);
        assert_eq!(
            state.record(
                "x.test.",
                a,
                set(&["192.0.2.1", "192.0.2.2"], 1_000 + HOUR),
                HOUR
            ),
            Recorded::Confirmed
        );
        assert_eq!(state.set("x.test.", a).unwrap().fetched_ms, 1_000 + HOUR);
        assert_eq!(
            state.record("x.test.", a, set(&["192.0.2.3"], 2_000 + HOUR), HOUR),
            Recorded::Changed
        );
        assert!(state.retain_owners(|o| o != "x.test."));
        assert!(state.sets.is_empty());
    }

    #[test]
    fn serials_follow_the_file_and_go_up_on_changes() {
        let mut state = ZoneState::new(7);
        assert_eq!(state.bump(), 8);
        assert_eq!(
            state.follow_file(7),
            8,
            "the same file keeps the bumped serial"
        );
        assert_eq!(
            state.follow_file(8),
            9,
            "an edited file below the served serial goes one above it"
        );
        assert_eq!(ZoneState::serial_for(Some(&state), 8), 9);
        assert_eq!(ZoneState::serial_for(Some(&state), 20), 20);
        assert_eq!(ZoneState::serial_for(None, 20), 20);
    }

    #[test]
    fn the_stored_form_reads_what_earlier_versions_wrote() {
        let old = r#"{"serial":9,"sets":[{"owner":"X.test.","rtype":"A","addresses":["192.0.2.1"],"ttl":60}]}"#;
        let state: ZoneState = serde_json::from_str(old).unwrap();
        assert_eq!(state.served, Served { serial: 9, file: 0 });
        assert_eq!(
            ZoneState::serial_for(Some(&state), 7),
            10,
            "a state without file_serial is bumped once, never served as is"
        );
        assert_eq!(state.set("x.test.", AddressType::A).unwrap().fetched_ms, 0);
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"serial":9,"file_serial":0,"sets":[{"owner":"x.test.","rtype":"A","addresses":["192.0.2.1"],"ttl":60,"fetched_ms":0}]}"#
        );
        let back: ZoneState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        assert!(
            serde_json::from_str::<ZoneState>(
                r#"{"serial":1,"sets":[{"owner":"x.","rtype":"MX","addresses":[],"ttl":1}]}"#
            )
            .is_err()
        );
    }
}
