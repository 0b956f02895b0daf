//! The KV-backed zone store: zones loaded from a key-value store on demand and kept in memory.
//!
//! [`KvZones`] is the long-lived part (one per isolate at the edge): the index, rechecked at most
//! every `recheck_ms`, and the decoded shards, kept within a memory budget. [`KvZoneStore`] is a
//! per-request view that pairs it with a [`KvBackend`] and the current time, so the core never
//! reads a clock. A cold query costs one shard read (plus the index read when it is due).
//!
//! Failures never take answers away: a corrupt or missing value keeps the last good copy of
//! that shard in service; with no good copy the query fails as a [`StoreError`] (SERVFAIL with
//! an EDE), and the bad version is not re-read until the next index check.

use std::sync::{Arc, Mutex, MutexGuard};

use hickory_proto::rr::Name;

use crate::doh::ZoneHealth;
use crate::store::{StoreError, ZoneStore};
use crate::zone::model::{FastMap, Shard, label_starts, name_key};
use crate::zone::{Alias, Zone, ZoneId};

use super::codec::decode_zone;
use super::layout::{INDEX_KEY, Index, IndexEntry, parse_index, shard_key};

/// How much memory a decoded shard takes per byte of its stored form, rounded up: the packed
/// nodes are the stored bytes, plus the hash table and allocation overhead around them (measured
/// by `tests/kv_large_zone.rs`, `bench/kv-large.sh`).
pub const DECODED_BYTES_PER_STORED_BYTE: usize = 2;

/// Why a key-value read failed (not a missing key: that is `Ok(None)`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KvError(pub String);

/// The key-value port: Workers KV at the edge, a map in tests.
#[allow(async_fn_in_trait)]
pub trait KvBackend {
    /// The value at `key`; `Ok(None)` when there is none; `Err` when the store failed.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
}

/// Tuning for [`KvZones`].
#[derive(Clone, Copy, Debug)]
pub struct KvSettings {
    /// How long a read of the index is trusted before it is read again.
    pub recheck_ms: u64,
    /// Decoded shards are evicted, least recently used first, when their estimated memory
    /// ([`DECODED_BYTES_PER_STORED_BYTE`] times their stored size) would exceed this.
    pub budget_bytes: usize,
}

impl Default for KvSettings {
    fn default() -> Self {
        crate::settings::Settings::default().kv()
    }
}

/// The index as read, with a lookup table by apex key.
#[derive(Debug)]
pub(super) struct IndexView {
    pub(super) index: Index,
    pub(super) by_key: FastMap<Box<[u8]>, (ZoneId, IndexEntry)>,
}

struct LoadedShard {
    version: String,
    zone: Arc<Zone>,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) index: Option<Arc<IndexView>>,
    index_read_ms: Option<u64>,
    shards: FastMap<(ZoneId, u32), LoadedShard>,
    /// Shard versions that failed to load, with when: not retried before the next index check.
    failed: FastMap<(ZoneId, String, u32), u64>,
    bytes: usize,
    clock: u64,
    events: Vec<String>,
    problem: Option<String>,
}

/// Zones from a key-value store, cached in memory. Share one per isolate (or process).
#[derive(Default)]
pub struct KvZones {
    settings: KvSettings,
    state: Mutex<State>,
}

impl KvZones {
    /// An empty cache with `settings`.
    pub fn new(settings: KvSettings) -> Self {
        KvZones {
            settings,
            state: Mutex::default(),
        }
    }

    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A store view for one request at time `now_ms`.
    pub fn with<'a, B: KvBackend>(&'a self, backend: &'a B, now_ms: u64) -> KvZoneStore<'a, B> {
        KvZoneStore {
            zones: self,
            backend,
            now_ms,
        }
    }

    /// Takes the log lines describing loads and failures since the last call.
    pub fn take_events(&self) -> Vec<String> {
        std::mem::take(&mut self.state().events)
    }

    /// The last error reading the index, if the index in use is not the latest.
    pub fn problem(&self) -> Option<String> {
        self.state().problem.clone()
    }

    /// The zones of the index in use, with how much of each is loaded, for `/health`.
    pub fn status(&self) -> Vec<ZoneHealth> {
        let state = self.state();
        let Some(view) = &state.index else {
            return Vec::new();
        };
        view.index
            .zones
            .iter()
            .map(|(zone, e)| ZoneHealth {
                zone: zone.clone(),
                serial: e.serial,
                records: e.records,
                aliases: e.aliases.len() as u64,
                version: Some(e.version.clone()),
                shards: Some(e.shards),
                loaded: Some(
                    state
                        .shards
                        .iter()
                        .filter(|((a, _), s)| a == zone && s.version == e.version)
                        .count() as u32,
                ),
            })
            .collect()
    }

    /// The index to use at `now_ms`, read from `backend` when the cached one is due.
    pub(super) async fn index<B: KvBackend>(
        &self,
        backend: &B,
        now_ms: u64,
    ) -> Result<Arc<IndexView>, StoreError> {
        let cached = {
            let mut state = self.state();
            let fresh = state
                .index_read_ms
                .is_some_and(|at| now_ms.saturating_sub(at) < self.settings.recheck_ms);
            if fresh && let Some(view) = &state.index {
                return Ok(view.clone());
            }
            // Claim the re-read, so concurrent requests keep using the cached index meanwhile.
            state.index_read_ms = Some(now_ms);
            state.index.clone()
        };
        let read = match backend.get(INDEX_KEY).await {
            Ok(Some(bytes)) => parse_index(&bytes),
            Ok(None) => Ok(Index::default()),
            Err(e) => Err(format!("reading the zone index: {e}")),
        };
        let mut state = self.state();
        match read {
            Ok(index) => {
                let view = Arc::new(index_view(index));
                if state
                    .index
                    .as_ref()
                    .is_none_or(|old| old.index != view.index)
                {
                    state.events.push(format!(
                        "zone index: {} zone(s) {}",
                        view.index.zones.len(),
                        view.index
                            .zones
                            .iter()
                            .map(|(z, e)| format!("{z}@{}", e.version))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                    state.failed.clear();
                }
                state.problem = None;
                state.index = Some(view.clone());
                Ok(view)
            }
            Err(e) => {
                state
                    .events
                    .push(format!("{e}; keeping the last good index"));
                state.problem = Some(e.clone());
                cached.ok_or(StoreError(e))
            }
        }
    }

    async fn zone_for<B: KvBackend>(
        &self,
        backend: &B,
        now_ms: u64,
        qname: &Name,
        strictly_above: bool,
    ) -> Result<Option<Arc<Zone>>, StoreError> {
        let view = self.index(backend, now_ms).await?;
        let key = name_key(qname);
        let Some((apex_id, entry, apex_len)) = label_starts(&key)
            .into_iter()
            .skip(usize::from(strictly_above))
            .chain(std::iter::once(key.len()))
            .find_map(|start| {
                view.by_key
                    .get(&key[start..])
                    .map(|(id, e)| (id, e, key.len() - start))
            })
        else {
            return Ok(None);
        };
        let shard = Shard::for_key(&key, &key[key.len() - apex_len..], entry.shards);
        self.shard(backend, now_ms, apex_id, entry, shard)
            .await
            .map(Some)
    }

    /// Shard `shard` of the zone `apex_id` at the index's `entry`: from memory when loaded at
    /// that version, else read (keeping the last good copy on failure).
    pub(super) async fn shard<B: KvBackend>(
        &self,
        backend: &B,
        now_ms: u64,
        apex_id: &ZoneId,
        entry: &IndexEntry,
        shard: u32,
    ) -> Result<Arc<Zone>, StoreError> {
        let slot = (apex_id.clone(), shard);
        let last_good = {
            let mut state = self.state();
            state.clock += 1;
            let clock = state.clock;
            let failed_at = state
                .failed
                .get(&(apex_id.clone(), entry.version.clone(), shard))
                .copied();
            match state.shards.get_mut(&slot) {
                Some(loaded) if loaded.version == entry.version => {
                    loaded.used = clock;
                    return Ok(loaded.zone.clone());
                }
                loaded => {
                    let last_good = loaded.map(|l| l.zone.clone());
                    if failed_at
                        .is_some_and(|at| now_ms.saturating_sub(at) < self.settings.recheck_ms)
                    {
                        return last_good.ok_or_else(|| {
                            StoreError(format!(
                                "zone {apex_id} version {} is unreadable",
                                entry.version
                            ))
                        });
                    }
                    last_good
                }
            }
        };
        let key = shard_key(apex_id, &entry.version, shard);
        let loaded = match backend.get(&key).await {
            Ok(Some(bytes)) => decode_zone(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|zone| check_shard(zone, apex_id, shard, entry.shards))
                .map(|zone| (zone, bytes.len())),
            Ok(None) => Err(format!("{key} is missing")),
            Err(e) => Err(format!("reading {key}: {e}")),
        };
        let mut state = self.state();
        match loaded {
            Ok((zone, bytes)) => {
                let zone = Arc::new(zone);
                state.clock += 1;
                let used = state.clock;
                state.events.push(format!(
                    "loaded {apex_id} version {} shard {shard}/{} ({bytes} bytes, {} records)",
                    entry.version,
                    entry.shards,
                    zone.record_count()
                ));
                if let Some(old) = state.shards.insert(
                    slot.clone(),
                    LoadedShard {
                        version: entry.version.clone(),
                        zone: zone.clone(),
                        bytes: bytes * DECODED_BYTES_PER_STORED_BYTE,
                        used,
                    },
                ) {
                    state.bytes -= old.bytes;
                }
                state.bytes += bytes * DECODED_BYTES_PER_STORED_BYTE;
                evict(&mut state, self.settings.budget_bytes, &slot);
                Ok(zone)
            }
            Err(e) => {
                state
                    .failed
                    .insert((apex_id.clone(), entry.version.clone(), shard), now_ms);
                let keeping = if last_good.is_some() {
                    "serving the last good copy"
                } else {
                    "no good copy to serve"
                };
                state.events.push(format!("{e}; {keeping}"));
                last_good.ok_or_else(|| StoreError(format!("zone {apex_id} is unreadable: {e}")))
            }
        }
    }
}

fn index_view(index: Index) -> IndexView {
    let by_key = index
        .zones
        .iter()
        .map(|(zone, e)| (name_key(&zone.name()).into(), (zone.clone(), e.clone())))
        .collect();
    IndexView { index, by_key }
}

/// A decoded value must be the shard the index says it is: a value written for another zone or
/// layout is corruption, not data.
fn check_shard(zone: Zone, apex_id: &ZoneId, shard: u32, count: u32) -> Result<Zone, String> {
    let held = ZoneId::of(zone.apex());
    if &held != apex_id {
        return Err(format!("the value for {apex_id} holds zone {held}"));
    }
    let got = zone.shard().unwrap_or(Shard { count: 1, index: 0 });
    if got
        != (Shard {
            count,
            index: shard,
        })
    {
        return Err(format!(
            "the value for {apex_id} shard {shard}/{count} holds shard {}/{}",
            got.index, got.count
        ));
    }
    Ok(zone)
}

/// Drops least recently used shards until the total is within `budget` (never `keep`).
fn evict(state: &mut State, budget: usize, keep: &(ZoneId, u32)) {
    while state.bytes > budget {
        let Some(victim) = state
            .shards
            .iter()
            .filter(|(slot, _)| *slot != keep)
            .min_by_key(|(_, s)| s.used)
            .map(|(slot, _)| slot.clone())
        else {
            break;
        };
        if let Some(old) = state.shards.remove(&victim) {
            state.bytes -= old.bytes;
        }
    }
}

/// [`KvZones`] with a backend and the time of one request: the [`ZoneStore`] the responder uses.
pub struct KvZoneStore<'a, B> {
    zones: &'a KvZones,
    backend: &'a B,
    now_ms: u64,
}

impl<B: KvBackend> ZoneStore for KvZoneStore<'_, B> {
    async fn zone_for(&self, qname: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        self.zones
            .zone_for(self.backend, self.now_ms, qname, false)
            .await
    }

    async fn zone_above(&self, apex: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        if apex.is_root() {
            return Ok(None);
        }
        self.zones
            .zone_for(self.backend, self.now_ms, apex, true)
            .await
    }

    async fn aliases_of(&self, zone: &Zone) -> Result<Vec<(Name, Alias)>, StoreError> {
        Ok(super::index_aliases::index_aliases(self.zones, zone)
            .unwrap_or_else(|| zone.aliases().collect()))
    }
}
