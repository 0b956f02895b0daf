//! The battery zones every target that needs loaded zones answers from (included with
//! `#[path]`, so each target stays one file of the fuzz crate).

use flatapex::store::ZoneSet;
use flatapex::zone::{NoIncludes, load_zone, origin_from_file_name};

/// The zone files, by file name.
pub const ZONES: &[(&str, &str)] = &[
    (
        "battery.test.zone",
        include_str!("../../tests/zones/battery.test.zone"),
    ),
    (
        "other.test.zone",
        include_str!("../../tests/zones/other.test.zone"),
    ),
    (
        "child.battery.test.zone",
        include_str!("../../tests/zones/child.battery.test.zone"),
    ),
];

/// The zones, loaded as the servers load them (the xfr target writes the files instead).
#[allow(dead_code)]
pub fn zone_set() -> ZoneSet {
    ZONES
        .iter()
        .map(|(file, text)| {
            let origin = origin_from_file_name(file).unwrap();
            load_zone(file, text, &origin, None, &NoIncludes)
                .unwrap()
                .zone
        })
        .collect()
}
