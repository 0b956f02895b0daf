//! Any text as a zone file: reading and validating it must never panic.
#![no_main]

use flatapex::zone::{NoIncludes, load_zone};
use hickory_proto::rr::Name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let origin = Name::from_ascii("fuzz.test.").unwrap();
    if let Ok(loaded) = load_zone("fuzz.zone", text, &origin, None, &NoIncludes) {
        // A zone that loads answers every name under it without panicking.
        for name in ["fuzz.test.", "www.fuzz.test.", "a.b.c.fuzz.test."] {
            let name = Name::from_ascii(name).unwrap();
            for t in [1u16, 2, 5, 6, 15, 16, 28, 43, 255] {
                let _ = loaded.zone.lookup(&name, t.into());
            }
        }
    }
});
