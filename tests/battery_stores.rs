//! The battery against each zone store, through the responder (no sockets).
#![cfg(not(target_arch = "wasm32"))]

mod battery;

use std::str::FromStr;
use std::sync::Arc;

use flatapex::kv::{KvSettings, KvZones};
use flatapex::native::FileStore;
use flatapex::store::{MemoryStore, ZoneSet, ZoneStore};
use hickory_proto::rr::Name;

fn memory_zones() -> ZoneSet {
    battery::zones().into_iter().collect()
}

fn run<S: ZoneStore>(label: &str, store: S) {
    futures::executor::block_on(battery::run_store(label, store));
}

#[test]
fn memory_store() {
    run("memory", MemoryStore::new(memory_zones()));
}

#[test]
fn file_store() {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in battery::ZONES {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let store = Arc::new(FileStore::new(dir.path()));
    let report = store.reload().unwrap();
    assert_eq!(report.loaded.len(), battery::ZONES.len());
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let apex = Name::from_str("battery.test.").unwrap();
    assert!(store.snapshot().get(&apex).is_some());
    run("file", store);
}

#[test]
fn kv_store_whole_zones() {
    let (kv, shards) = battery::published_kv(flatapex::kv::DEFAULT_SHARD_BYTES);
    assert_eq!(shards, 1);
    let zones = KvZones::new(KvSettings::default());
    run("kv", zones.with(&kv, 0));
}

#[test]
fn kv_store_sharded_zones() {
    // Shards of ~100 bytes force every subtree of battery.test into its own value.
    let (kv, shards) = battery::published_kv(100);
    assert!(shards >= 8, "battery.test split into only {shards} shards");
    let zones = KvZones::new(KvSettings::default());
    run("kv sharded", zones.with(&kv, 0));
    // A memory budget of one shard still answers everything, reloading as it goes.
    let tight = KvZones::new(KvSettings {
        budget_bytes: 1,
        ..KvSettings::default()
    });
    run("kv sharded, evicting", tight.with(&kv, 0));
}
