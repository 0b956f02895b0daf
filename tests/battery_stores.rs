//! The battery against each zone store, through the responder (no sockets): one named test per
//! case and store, so a failure names both (`memory::apex_soa`, `kv_sharded::wildcard_...`).
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;

use std::str::FromStr;
use std::sync::Arc;

use flatapex::kv::{KvSettings, KvZones, MemoryKv};
use flatapex::native::FileStore;
use flatapex::store::{MemoryStore, ZoneSet};
use hickory_proto::rr::Name;

fn run<S: flatapex::store::ZoneStore>(store: S, case: battery::Case) {
    futures::executor::block_on(battery::run_case(store, case));
}

fn memory_store() -> MemoryStore {
    MemoryStore::new(battery::zones().into_iter().collect::<ZoneSet>())
}

/// The battery's zones as files in a directory, loaded by the native file store.
fn file_store() -> (tempfile::TempDir, Arc<FileStore>) {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in battery::ZONES {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let store = Arc::new(FileStore::new(dir.path()));
    let report = store.reload().unwrap();
    assert_eq!(report.loaded.len(), battery::ZONES.len());
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    (dir, store)
}

/// The battery's zones pushed to KV in shards of about `shard_bytes`.
fn kv(shard_bytes: usize) -> MemoryKv {
    battery::published_kv(shard_bytes).0
}

mod memory {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[test]
            fn $name() {
                run(memory_store(), battery::cases::$name());
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod files {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[test]
            fn $name() {
                let (_dir, store) = file_store();
                run(store, battery::cases::$name());
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod kv_whole {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[test]
            fn $name() {
                let kv = kv(flatapex::kv::DEFAULT_SHARD_BYTES);
                let zones = KvZones::new(KvSettings::default());
                run(zones.with(&kv, 0), battery::cases::$name());
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod kv_sharded {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[test]
            fn $name() {
                // Shards of ~100 bytes put every subtree of battery.test in its own value.
                let kv = kv(100);
                let zones = KvZones::new(KvSettings::default());
                run(zones.with(&kv, 0), battery::cases::$name());
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod kv_sharded_evicting {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[test]
            fn $name() {
                // A memory budget of one byte: every shard is evicted as soon as another loads.
                let kv = kv(100);
                let zones = KvZones::new(KvSettings {
                    budget_bytes: 1,
                    ..KvSettings::default()
                });
                run(zones.with(&kv, 0), battery::cases::$name());
            }
        };
    }
    battery::cases::for_each_case!(case);
}

#[test]
fn the_stores_hold_what_the_suites_expect() {
    let (_dir, store) = file_store();
    let apex = Name::from_str("battery.test.").unwrap();
    assert!(store.snapshot().get(&apex).is_some());
    assert_eq!(
        battery::published_kv(flatapex::kv::DEFAULT_SHARD_BYTES).1,
        1
    );
    let (_, shards) = battery::published_kv(100);
    assert!(shards >= 8, "battery.test split into only {shards} shards");
    assert!(battery::cases::all().len() >= 35);
}
