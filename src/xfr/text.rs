//! A zone as RFC 1035 master-file text (§5.1), with each ALIAS replaced by its flattened
//! records and the served serial: what `GET /zones/<zone>` returns, and what any secondary
//! tooling (or `flatapex check`) can read back.

use std::fmt::Write;

use super::state::ZoneState;
use super::transfer::zone_records;
use crate::zone::Zone;
use crate::zone::text::record_line;

/// The zone as master-file text at `serial`.
pub fn zone_text(zone: &Zone, state: &ZoneState, serial: u32) -> String {
    let mut records: Vec<_> = zone_records(zone, state, serial).enumerate().collect();
    records.pop(); // the closing SOA of a transfer
    // The SOA first, then by owner (case aside) and type, for a text people can read and diff;
    // the index keeps each RRset's own order.
    records[1..]
        .sort_unstable_by_key(|(i, r)| (r.name.to_lowercase(), u16::from(r.record_type()), *i));
    let mut out = format!(
        "; {} serial {serial}, ALIAS flattened by flatapex\n$ORIGIN {}\n",
        zone.apex(),
        zone.apex()
    );
    for (_, record) in &records {
        let _ = writeln!(out, "{}", record_line(record));
    }
    out
}
