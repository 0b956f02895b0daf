//! The primary side for secondaries, pure: zone transfers out (RFC 5936 AXFR; RFC 1995 IXFR
//! answered with a full transfer) with each ALIAS replaced by its flattened A/AAAA, the zone
//! text of `/zones/<zone>`, and the refresh and serial engine that keeps the flattened sets and
//! the served serial current (docs/ARCHITECTURE.md, "Refresh and serials"). Both shells run it.

pub mod refresh;
pub mod serial;
pub mod state;
pub mod text;
pub mod transfer;

pub use refresh::{AliasJob, RefreshReport, RefreshRun, RefreshSettings, Schedule, ZoneReport};
pub use serial::{Served, next_serial, serial_gt};
pub use state::{Recorded, ZoneState, ZoneStates};
pub use text::zone_text;
pub use transfer::{transfer_messages, zone_records};

#[cfg(test)]
mod tests;
