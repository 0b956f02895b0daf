//! Any bytes as the native server's state file (`--state`), through
//! `native::primary::state_file::parse` as `load` reads it, then into the ALIAS cache as a
//! restart seeds it. Whatever parses must save and parse back to the same state.
#![no_main]

#[path = "../common/battery.rs"]
mod battery;

use std::sync::OnceLock;

use flatapex::alias::MemoryAliasCache;
use flatapex::native::primary::state_file::{parse, seed_alias_cache};
use flatapex::store::ZoneSet;
use flatapex::xfr::{ZoneState, serial_gt};
use libfuzzer_sys::fuzz_target;

const NOW_MS: u64 = 1_764_000_000_000;

fn zones() -> &'static ZoneSet {
    static ZONES: OnceLock<ZoneSet> = OnceLock::new();
    ZONES.get_or_init(battery::zone_set)
}

fuzz_target!(|data: &[u8]| {
    let states = match parse(data, NOW_MS) {
        Ok(states) => states,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let saved = serde_json::to_vec_pretty(&states).expect("a state saves");
    assert_eq!(parse(&saved, NOW_MS).as_ref().ok(), Some(&states));
    let mut sets = 0;
    for state in states.zones.values() {
        // A restart with the same zone file never serves a lower serial (RFC 1982 §3.2).
        let serial = ZoneState::serial_for(Some(state), state.served.file);
        assert!(
            !serial_gt(state.serial(), serial),
            "{serial} after {:?}",
            state.served
        );
        for set in state.sets.values() {
            assert!(set.fetched_ms <= NOW_MS);
            sets += 1;
        }
    }
    let cache = MemoryAliasCache::new(1 << 20);
    assert!(seed_alias_cache(&cache, &states, zones()) <= sets);
});
