//! Zone transfers out (RFC 5936 AXFR, RFC 1995 IXFR answered with a full transfer) with each
//! ALIAS replaced by its flattened A/AAAA, and the serial bookkeeping that goes with them. Pure:
//! the native shell runs the transfers, the refresh job and NOTIFY.

pub mod flat;
pub mod rotation;
pub mod serial;
pub mod state;
pub mod text;
pub mod transfer;

pub use flat::{FlatRecords, FlatSet, Recorded};
pub use serial::{Served, next_serial, serial_gt};
pub use text::zone_text;
pub use transfer::{transfer_messages, zone_records};

#[cfg(test)]
mod tests;
