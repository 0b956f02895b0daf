//! The store battery compiled to wasm32 and run under node by wasm-bindgen-test: the same core,
//! the same cases, over the memory store and the KV store (whole and sharded).
#![cfg(target_arch = "wasm32")]

mod battery;

use flatapex::kv::{KvSettings, KvZones};
use flatapex::store::{MemoryStore, ZoneSet};
use wasm_bindgen_test::wasm_bindgen_test;

fn zones() -> ZoneSet {
    battery::zones().into_iter().collect()
}

#[wasm_bindgen_test]
async fn memory_store_in_wasm() {
    battery::run_store("wasm memory", MemoryStore::new(zones())).await;
}

#[wasm_bindgen_test]
async fn kv_store_in_wasm() {
    for shard_bytes in [flatapex::kv::DEFAULT_SHARD_BYTES, 100] {
        let (kv, _) = battery::published_kv(shard_bytes);
        let cache = KvZones::new(KvSettings::default());
        battery::run_store(
            &format!("wasm kv shard_bytes={shard_bytes}"),
            cache.with(&kv, 0),
        )
        .await;
    }
}
