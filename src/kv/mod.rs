//! Zones in a key-value store (Workers KV): the stored layout, its codec, and the store that
//! serves from it (docs/ARCHITECTURE.md, "Zones in KV"). All of it is pure; the edge shell supplies the [`KvBackend`] over Workers KV,
//! and `flatapex push` writes what [`store_zone`] produces.

pub mod codec;
mod index_aliases;
pub mod layout;
pub mod publish;
pub mod push_plan;
pub mod store;
pub mod whole;

use std::collections::BTreeMap;
use std::sync::Mutex;

pub use layout::{
    DEFAULT_SHARD_BYTES, INDEX_FORMAT, INDEX_KEY, Index, IndexAlias, IndexEntry, StoredZone,
    parse_index, store_zone,
};
pub use push_plan::{DEFAULT_GRACE_SECONDS, PushPlan, Superseded, ZoneChange, plan_push};
pub use store::{
    DECODED_BYTES_PER_STORED_BYTE, KvBackend, KvError, KvSettings, KvZoneStore, KvZones,
};

impl Index {
    /// An empty index of the current format.
    pub fn new() -> Self {
        Index {
            format: INDEX_FORMAT,
            zones: BTreeMap::new(),
            superseded: Vec::new(),
        }
    }

    /// Points the index at `stored`'s version, replacing any earlier version of that zone.
    pub fn insert(&mut self, stored: &StoredZone) -> Option<IndexEntry> {
        self.zones.insert(stored.zone.clone(), stored.entry.clone())
    }

    /// The index as the JSON value stored at [`INDEX_KEY`].
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// A key-value store in memory: the [`KvBackend`] of tests and of the benchmarks.
#[derive(Debug, Default)]
pub struct MemoryKv {
    values: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKv::default()
    }

    /// Writes `value` at `key`.
    pub fn put(&self, key: &str, value: Vec<u8>) {
        self.lock().insert(key.to_string(), value);
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Writes every shard of `zones`, then an index naming them, as `flatapex push` does.
    pub fn publish(&self, zones: &[StoredZone]) {
        let mut index = match self.lock().get(INDEX_KEY) {
            Some(bytes) => parse_index(bytes).unwrap_or_else(|_| Index::new()),
            None => Index::new(),
        };
        for zone in zones {
            for (key, value) in &zone.values {
                self.put(key, value.clone());
            }
            index.insert(zone);
        }
        self.put(INDEX_KEY, index.to_json());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.values.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl KvBackend for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.lock().get(key).cloned())
    }
}

impl<T: KvBackend> KvBackend for &T {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        T::get(self, key).await
    }
}

#[cfg(test)]
mod tests;
