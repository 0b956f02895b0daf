//! The [`KvBackend`] port over Workers KV.

use worker::kv::KvStore;

use crate::kv::{KvBackend, KvError};

/// Workers KV, as bound in `wrangler.toml`.
pub struct WorkersKv(pub KvStore);

/// Shard keys carry their version and never change, so the edge may cache them for long.
const IMMUTABLE_CACHE_TTL: u64 = 3600;

impl KvBackend for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let mut get = self.0.get(key);
        if key != crate::kv::INDEX_KEY {
            get = get.cache_ttl(IMMUTABLE_CACHE_TTL);
        }
        get.bytes().await.map_err(|e| KvError(e.to_string()))
    }
}
