//! The battery against each zone store, through the responder (no sockets).
#![cfg(not(target_arch = "wasm32"))]

mod battery;

use std::str::FromStr;
use std::sync::Arc;

use flatapex::alias::NoUpstreams;
use flatapex::message::Transport;
use flatapex::native::FileStore;
use flatapex::respond::{Responder, ResponderConfig};
use flatapex::store::{MemoryStore, ZoneSet, ZoneStore};
use flatapex::zone::{NoIncludes, load_zone, origin_from_file_name};
use hickory_proto::rr::Name;

fn memory_zones() -> ZoneSet {
    battery::ZONES
        .iter()
        .map(|(file, text)| {
            let origin = origin_from_file_name(file).unwrap_or_else(Name::root);
            load_zone(file, text, &origin, None, &NoIncludes)
                .unwrap()
                .zone
        })
        .collect()
}

fn run<S: ZoneStore>(label: &str, store: S) {
    let responder = Responder::new(store, NoUpstreams, ResponderConfig::default());
    for (via, transport) in [
        (battery::Via::Udp, Transport::Udp),
        (battery::Via::Stream, Transport::Tcp),
        (battery::Via::Stream, Transport::Https),
    ] {
        futures::executor::block_on(battery::run(
            &format!("{label} {transport:?}"),
            via,
            |query| {
                let responder = &responder;
                async move {
                    responder
                        .respond(&query, transport, 0)
                        .await
                        .expect("a query gets a response")
                        .framed
                        .bytes
                }
            },
        ));
    }
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
