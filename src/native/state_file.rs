//! The native primary's transfer state on disk (`--state`, by default
//! `<zones>/.flatapex-state.json`): per zone, the SOA serial served, the zone file's serial it
//! was served for, and the last good flattened ALIAS sets.
//!
//! Without it a restart would serve the file's serial again, which can be lower than the one the
//! secondaries hold after flattened changes; they would ignore every later change until the
//! serial climbed past theirs (RFC 1982 §3.2, RFC 1996 §4.7). It also keeps the last good
//! addresses in transfers across a restart while upstreams are down.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hickory_proto::rr::Name;
use serde::{Deserialize, Serialize};

use super::file_store::FileStore;
use super::log;
use super::xfr::Transfers;
use crate::alias::{AliasKey, CachedRrset, MemoryAliasCache};
use crate::store::ZoneSet;
use crate::xfr::state::ZoneState;

/// The whole file: zones by apex (lowercase, absolute).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedState {
    /// The zones: served serial, its file's serial, and the flattened sets.
    pub zones: BTreeMap<String, ZoneState>,
}

impl SavedState {
    /// The zones with their apex names; an entry whose key is not a domain name is skipped.
    pub fn by_apex(&self) -> impl Iterator<Item = (Name, &ZoneState)> {
        self.zones
            .iter()
            .filter_map(|(apex, zone)| Name::from_ascii(apex).ok().map(|name| (name, zone)))
    }
}

/// The key of `apex` in the file.
pub fn apex_entry(apex: &Name) -> String {
    apex.to_lowercase().to_ascii()
}

/// Reads the state at `path`. A missing file is an empty state. A file that cannot be read as
/// state is moved aside (to `<path>.corrupt-<unix time>`, so nothing is lost) and the server
/// starts without it; the message says so.
pub fn load(path: &Path) -> (SavedState, Option<String>) {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (SavedState::default(), None),
        Err(e) => {
            return (
                SavedState::default(),
                Some(format!(
                    "state {}: cannot read ({e}); starting without it",
                    path.display()
                )),
            );
        }
    };
    match serde_json::from_slice::<SavedState>(&text) {
        Ok(state) => (state, None),
        Err(e) => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let aside = PathBuf::from(format!("{}.corrupt-{seconds}", path.display()));
            let moved = match std::fs::rename(path, &aside) {
                Ok(()) => format!("moved to {}", aside.display()),
                Err(m) => format!("could not move it aside: {m}"),
            };
            (
                SavedState::default(),
                Some(format!(
                    "state {}: not valid state ({e}); {moved}; starting without it",
                    path.display()
                )),
            )
        }
    }
}

/// Writes `state` to `path` atomically: a temporary file in the same directory, then a rename.
pub fn save(path: &Path, state: &SavedState) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// Restores the served serials of `saved` into `store`; call before its first load.
pub fn restore_serials(store: &FileStore, saved: &SavedState) {
    for (apex, zone) in saved.by_apex() {
        store.restore_served(&apex, zone.served());
    }
}

/// Restores the last good flattened sets of `saved` into `transfers`.
pub fn restore_flats(transfers: &Transfers, saved: &SavedState) {
    let mut flats = transfers.flats.lock().unwrap_or_else(|e| e.into_inner());
    for (apex, zone) in saved.by_apex() {
        flats.insert(crate::zone::model::name_key(&apex), zone.flat());
    }
}

/// Puts the saved flattened sets into the ALIAS cache with the time an upstream gave them, so
/// that after a restart queries get them while still fresh, and as stale answers (RFC 8767,
/// EDE 3) within the stale window if upstreams fail. Sets of unknown age are left out. Returns
/// how many sets.
pub fn seed_alias_cache(cache: &MemoryAliasCache, saved: &SavedState, zones: &ZoneSet) -> usize {
    let mut seeded = 0;
    for (apex, state) in saved.by_apex() {
        let Some(zone) = zones.get(&apex) else {
            continue;
        };
        let targets: HashMap<String, &Name> = zone
            .aliases()
            .map(|(owner, alias)| (owner.to_lowercase().to_ascii(), &alias.target))
            .collect();
        for set in state.sets.iter().filter(|set| set.fetched_ms > 0) {
            let Some(target) = targets.get(&set.owner.to_ascii_lowercase()) else {
                continue;
            };
            let key = AliasKey::new(target, set.record_type());
            if cache.peek(&key).is_none() {
                cache.insert(
                    &key,
                    &CachedRrset {
                        addresses: set.addresses.clone(),
                        ttl: set.ttl,
                        fetched_ms: set.fetched_ms,
                        upstream: None,
                    },
                );
                seeded += 1;
            }
        }
    }
    seeded
}

/// Saves the state of every zone served now to the transfers' state file, if it has one; a
/// failure is logged (the server goes on, and the next change tries again).
pub fn persist(transfers: &Transfers) {
    let Some(path) = &transfers.state_path else {
        return;
    };
    let mut state = SavedState::default();
    {
        let flats = transfers.flats.lock().unwrap_or_else(|e| e.into_inner());
        for zone in transfers.store.snapshot().iter() {
            let served = transfers.store.served(zone);
            let zone_state = match flats.get(zone.apex_key()) {
                Some(flat) => ZoneState::from_flat(served, flat),
                None => ZoneState::from_flat(served, &Default::default()),
            };
            state.zones.insert(apex_entry(zone.apex()), zone_state);
        }
    }
    if let Err(e) = save(path, &state) {
        log(format!("state {}: cannot save: {e}", path.display()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xfr::Served;
    use crate::xfr::state::StoredSet;

    fn sample() -> SavedState {
        let mut state = SavedState::default();
        state.zones.insert(
            apex_entry(&Name::from_ascii("Sec.Test.").unwrap()),
            ZoneState {
                serial: 103,
                file_serial: 100,
                sets: vec![StoredSet {
                    owner: "sec.test.".into(),
                    rtype: "A".into(),
                    addresses: vec!["192.0.2.99".parse().unwrap()],
                    ttl: 60,
                    fetched_ms: 1_764_000_000_000,
                }],
            },
        );
        state
    }

    #[test]
    fn state_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path), (SavedState::default(), None));
        save(&path, &sample()).unwrap();
        let (back, problem) = load(&path);
        assert_eq!((back.clone(), problem), (sample(), None));
        let (apex, zone) = back.by_apex().next().unwrap();
        assert_eq!(apex.to_ascii(), "sec.test.");
        assert_eq!(
            zone.served(),
            Served {
                serial: 103,
                file: 100
            }
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let (state, problem) = load(&path);
        assert_eq!(state, SavedState::default());
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
