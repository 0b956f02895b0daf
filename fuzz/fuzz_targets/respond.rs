//! Any bytes, as a query over any transport, to the responder over the battery zones:
//! it must never panic, and whatever it sends must be a DNS message echoing the ID.
#![no_main]

use std::sync::OnceLock;

use flatapex::alias::NoUpstreams;
use flatapex::message::Transport;
use flatapex::respond::Responder;
use flatapex::store::{MemoryStore, ZoneSet};
use flatapex::zone::{NoIncludes, load_zone, origin_from_file_name};
use hickory_proto::op::Message;
use libfuzzer_sys::fuzz_target;

const ZONES: &[(&str, &str)] = &[
    ("battery.test.zone", include_str!("../../tests/zones/battery.test.zone")),
    ("other.test.zone", include_str!("../../tests/zones/other.test.zone")),
    ("child.battery.test.zone", include_str!("../../tests/zones/child.battery.test.zone")),
];

fn responder() -> &'static Responder<MemoryStore, NoUpstreams> {
    static RESPONDER: OnceLock<Responder<MemoryStore, NoUpstreams>> = OnceLock::new();
    RESPONDER.get_or_init(|| {
        let zones: ZoneSet = ZONES
            .iter()
            .map(|(file, text)| {
                let origin = origin_from_file_name(file).unwrap();
                load_zone(file, text, &origin, None, &NoIncludes).unwrap().zone
            })
            .collect();
        Responder::new(MemoryStore::new(zones), NoUpstreams, Default::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, query)) = data.split_first() else { return };
    let transport = match which % 3 {
        0 => Transport::Udp,
        1 => Transport::Tcp,
        _ => Transport::Https,
    };
    if let Some(response) = futures::executor::block_on(responder().respond(query, transport, 0)) {
        let message = Message::from_vec(&response.framed.bytes).expect("we send only valid messages");
        assert_eq!(message.metadata.id.to_be_bytes(), query[..2]);
        if transport == Transport::Udp {
            assert!(response.framed.bytes.len() <= 1232);
        }
    }
});
