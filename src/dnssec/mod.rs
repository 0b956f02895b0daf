//! DNSSEC online signing (RFC 4033–4035; docs/ARCHITECTURE.md, "DNSSEC"): the pure rules, and
//! the [`Signer`] port each shell implements with its own crypto (ring natively, WebCrypto at
//! the edge).

pub mod secret;
pub mod signer;

pub use secret::parse_key_secrets;
pub use signer::{Algorithm, KeySecret, SignError, Signer};
