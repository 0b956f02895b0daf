//! The store battery compiled to wasm32 and run under node by wasm-bindgen-test: the same core,
//! the same cases, over the memory store and the KV store (whole and sharded), one named test
//! per case and store.
#![cfg(target_arch = "wasm32")]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;

use flatapex::kv::{KvSettings, KvZones};
use flatapex::store::{MemoryStore, ZoneSet};
use wasm_bindgen_test::wasm_bindgen_test;

fn memory_store() -> MemoryStore {
    MemoryStore::new(battery::zones().into_iter().collect::<ZoneSet>())
}

mod memory {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[wasm_bindgen_test]
            async fn $name() {
                battery::run_case(memory_store(), battery::cases::$name()).await;
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod kv_whole {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[wasm_bindgen_test]
            async fn $name() {
                let (kv, _) = battery::published_kv(flatapex::kv::DEFAULT_SHARD_BYTES);
                let zones = KvZones::new(KvSettings::default());
                battery::run_case(zones.with(&kv, 0), battery::cases::$name()).await;
            }
        };
    }
    battery::cases::for_each_case!(case);
}

mod kv_sharded {
    use super::*;
    macro_rules! case {
        ($name:ident) => {
            #[wasm_bindgen_test]
            async fn $name() {
                let (kv, _) = battery::published_kv(100);
                let zones = KvZones::new(KvSettings::default());
                battery::run_case(zones.with(&kv, 0), battery::cases::$name()).await;
            }
        };
    }
    battery::cases::for_each_case!(case);
}
