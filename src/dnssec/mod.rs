//! DNSSEC online signing (RFC 4033–4035; docs/ARCHITECTURE.md, "DNSSEC"): the pure rules, and
//! the [`Signer`] port each shell implements with its own crypto (ring natively, WebCrypto at
//! the edge).

pub mod cache;
pub mod denial;
pub mod keys;
pub mod records;
pub mod rrsig;
pub mod secret;
pub mod sign;
pub mod signer;

pub use cache::SignatureCache;
pub use keys::{ZoneKey, ZoneSigning};
pub use secret::parse_key_secrets;
pub use signer::{Algorithm, KeySecret, NoSigner, SignError, Signer};
