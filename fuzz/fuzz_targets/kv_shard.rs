//! Any value read from the KV store: a zone shard through `kv::codec::decode_zone` (byte 0
//! even), or the zone index through `kv::parse_index` (byte 0 odd). A shard that decodes must
//! store again as it decoded (store → decode → store is stable) and answer lookups; an index
//! that parses must parse again from its own JSON.
#![no_main]

use flatapex::kv::codec::decode_zone;
use flatapex::kv::{parse_index, store_zone};
use hickory_proto::rr::RecordType;
use libfuzzer_sys::fuzz_target;

const TYPES: [RecordType; 6] = [
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::SOA,
    RecordType::MX,
    RecordType::ANY,
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, value)) = data.split_first() else {
        return;
    };
    if which & 1 == 1 {
        match parse_index(value) {
            Ok(index) => assert_eq!(parse_index(&index.to_json()).as_ref(), Ok(&index)),
            Err(e) => assert!(!e.is_empty()),
        }
        return;
    }
    let zone = match decode_zone(value) {
        Ok(zone) => zone,
        Err(e) => {
            assert!(!e.0.is_empty());
            return;
        }
    };
    // Every name the value holds answers without panicking.
    let names: Vec<_> = zone.nodes().take(32).map(|n| n.name()).collect();
    for name in names.iter().chain([zone.apex()]) {
        for rtype in TYPES {
            let _ = zone.lookup(name, rtype);
        }
    }
    let stored = store_zone(&zone, usize::MAX).expect("a decoded zone stores");
    let [(_, again)] = stored.values.as_slice() else {
        panic!("one value")
    };
    let back = decode_zone(again).expect("what we store decodes");
    assert_eq!(back.record_count(), zone.record_count());
    assert_eq!(back.serial(), zone.serial());
    let restored = store_zone(&back, usize::MAX).expect("a decoded zone stores");
    assert_eq!(restored.entry, stored.entry);
    assert_eq!(restored.values, stored.values);
});
