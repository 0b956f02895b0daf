//! The native primary's state on disk (`--state`, by default `<zones>/.flatapex-state.json`): the
//! core's [`ZoneStates`], per zone the SOA serial served, the zone file's serial it was served
//! for, and the last good flattened ALIAS sets.
//!
//! Without it a restart would serve the file's serial again, which can be lower than the one the
//! secondaries hold after flattened changes; they would ignore every later change until the
//! serial climbed past theirs (RFC 1982 §3.2, RFC 1996 §4.7). It also keeps the last good
//! addresses in transfers, and as stale answers, across a restart while upstreams are down.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use hickory_proto::rr::Name;

use crate::alias::{AliasKey, MemoryAliasCache};
use crate::native::atomic_file::write_atomically;
use crate::store::ZoneSet;
use crate::xfr::ZoneStates;
use crate::xfr::state::owner_key;

/// Reads the state at `path`. A missing file is an empty state. A file that cannot be read as
/// state is moved aside (to `<path>.corrupt-<unix time>`, so nothing is lost) and the server
/// starts without it; the message says so. Fetch times later than `now_ms` are clamped to it.
pub fn load(path: &Path, now_ms: u64) -> (ZoneStates, Option<String>) {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (ZoneStates::default(), None),
        Err(e) => {
            return (
                ZoneStates::default(),
                Some(format!(
                    "state {}: cannot read ({e}); starting without it",
                    path.display()
                )),
            );
        }
    };
    match parse(&text, now_ms) {
        Ok(states) => (states, None),
        Err(e) => {
            let aside = PathBuf::from(format!("{}.corrupt-{}", path.display(), now_ms / 1000));
            let moved = match std::fs::rename(path, &aside) {
                Ok(()) => format!("moved to {}", aside.display()),
                Err(m) => format!("could not move it aside: {m}"),
            };
            (
                ZoneStates::default(),
                Some(format!(
                    "state {}: not valid state ({e}); {moved}; starting without it",
                    path.display()
                )),
            )
        }
    }
}

/// Reads the bytes of a state file (untrusted: whatever is on disk), with fetch times later than
/// `now_ms` clamped to it.
pub fn parse(bytes: &[u8], now_ms: u64) -> Result<ZoneStates, serde_json::Error> {
    let mut states = serde_json::from_slice::<ZoneStates>(bytes)?;
    states.clamp_times(now_ms);
    Ok(states)
}

/// Writes `states` to `path` atomically and durably.
pub fn save(path: &Path, states: &ZoneStates) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(states).map_err(|e| e.to_string())?;
    write_atomically(path, &text).map_err(|e| format!("state {}: cannot save: {e}", path.display()))
}

/// Puts the saved flattened sets into the ALIAS cache with the time an upstream gave them, so
/// that after a restart queries get them while still fresh, and as stale answers (RFC 8767,
/// EDE 3) within the stale window if upstreams fail. Sets of unknown age are left out. Returns
/// how many sets.
pub fn seed_alias_cache(cache: &MemoryAliasCache, states: &ZoneStates, zones: &ZoneSet) -> usize {
    let mut seeded = 0;
    for (id, state) in &states.zones {
        let Some(zone) = zones.get(&id.name()) else {
            continue;
        };
        let targets: HashMap<String, Name> = zone
            .aliases()
            .map(|(owner, alias)| (owner_key(&owner), alias.target))
            .collect();
        for ((owner, rtype), set) in state.sets.iter().filter(|(_, set)| set.fetched_ms > 0) {
            let Some(target) = targets.get(owner) else {
                continue;
            };
            let key = AliasKey::new(target, rtype.record_type());
            if cache.peek(&key).is_none() {
                cache.insert(&key, set);
                seeded += 1;
            }
        }
    }
    seeded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alias::{AddressType, FlatSet};
    use crate::xfr::{Served, ZoneState};
    use crate::zone::ZoneId;

    fn sample(fetched_ms: u64) -> ZoneStates {
        let mut states = ZoneStates::default();
        let mut state = ZoneState {
            served: Served {
                serial: 103,
                file: 100,
            },
            ..ZoneState::default()
        };
        state.record(
            "sec.test.",
            AddressType::A,
            FlatSet::new(vec!["192.0.2.99".parse().unwrap()], 60, fetched_ms, None),
            0,
        );
        states
            .zones
            .insert(ZoneId::parse("Sec.Test.").unwrap(), state);
        states
    }

    #[test]
    fn state_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path, 5), (ZoneStates::default(), None));
        save(&path, &sample(1_764_000_000_000)).unwrap();
        let (back, problem) = load(&path, 1_764_000_000_000);
        assert_eq!((back.clone(), problem), (sample(1_764_000_000_000), None));
        let (id, zone) = back.zones.iter().next().unwrap();
        assert_eq!(id.as_str(), "sec.test.");
        assert_eq!(
            zone.served,
            Served {
                serial: 103,
                file: 100
            }
        );
    }

    #[test]
    fn a_fetch_time_in_the_future_is_clamped_to_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        save(&path, &sample(u64::MAX / 2)).unwrap();
        let (back, _) = load(&path, 1_000);
        let set = back.zones.values().next().unwrap();
        assert_eq!(
            set.set("sec.test.", AddressType::A).unwrap().fetched_ms,
            1_000
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let (state, problem) = load(&path, 1_764_000_000_000);
        assert_eq!(state, ZoneStates::default());
        let problem = problem.unwrap();
        assert!(problem.contains("not valid state"), "{problem}");
        assert!(!path.exists());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read(aside[0].path()).unwrap(),
            b"{ not json".to_vec()
        );
    }
}
