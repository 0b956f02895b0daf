//! The store battery compiled to wasm32 and run under node by wasm-bindgen-test: the same core,
//! the same cases, over the memory store and the KV store (whole and sharded).
#![cfg(target_arch = "wasm32")]

mod battery;

use flatapex::alias::NoUpstreams;
use flatapex::kv::{KvSettings, KvZones, MemoryKv, store_zone};
use flatapex::message::Transport;
use flatapex::respond::{Responder, ResponderConfig};
use flatapex::store::{MemoryStore, ZoneSet, ZoneStore};
use wasm_bindgen_test::wasm_bindgen_test;

fn zones() -> ZoneSet {
    battery::zones().into_iter().collect()
}

async fn run<S: ZoneStore>(label: &str, store: S) {
    let responder = Responder::new(store, NoUpstreams, ResponderConfig::default());
    for (via, transport) in [
        (battery::Via::Udp, Transport::Udp),
        (battery::Via::Stream, Transport::Https),
    ] {
        battery::run(&format!("{label} {transport:?}"), via, |query| {
            let responder = &responder;
            async move {
                responder
                    .respond(&query, transport, 0)
                    .await
                    .expect("a query gets a response")
                    .framed
                    .bytes
            }
        })
        .await;
    }
}

#[wasm_bindgen_test]
async fn memory_store_in_wasm() {
    run("wasm memory", MemoryStore::new(zones())).await;
}

#[wasm_bindgen_test]
async fn kv_store_in_wasm() {
    for shard_bytes in [flatapex::kv::DEFAULT_SHARD_BYTES, 100] {
        let kv = MemoryKv::new();
        let stored: Vec<_> = zones()
            .iter()
            .map(|z| store_zone(z, shard_bytes).unwrap())
            .collect();
        kv.publish(&stored);
        let cache = KvZones::new(KvSettings::default());
        run(
            &format!("wasm kv shard_bytes={shard_bytes}"),
            cache.with(&kv, 0),
        )
        .await;
    }
}
