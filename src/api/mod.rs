//! The zone and record APIs: the PowerDNS Authoritative HTTP API v1 (the subset octoDNS,
//! lexicon, lego, certbot and external-dns use) and a records API in the shape managed ALIAS
//! providers document. Pure code behind the [`ZoneRepo`] port: each shell supplies the zones
//! and one writer per zone (docs/ARCHITECTURE.md, "The record API").
//!
//! Every write is read by the zone reader and checked by the rules of `flatapex check`
//! ([`commit`]), bumps the SOA serial (RFC 1982), and is logged as one JSON line naming the
//! key. Keys carry least privilege ([`keys`]).

pub mod alias_status;
pub mod bad_keys;
pub mod commit;
pub mod content;
pub mod edit;
pub mod error;
pub mod handler;
pub mod import;
pub mod keys;
pub mod pdns;
pub mod pdns_body;
pub mod records;
pub mod repo;
pub mod route;

#[cfg(test)]
mod tests;

pub use error::ApiError;
pub use handler::{Api, ApiOutcome, ApiRequest, MAX_API_BODY};
pub use keys::{ApiKey, KeyLine, KeyRing};
pub use repo::{Change, MemoryRepo, ZoneRepo};
pub use route::is_api_path;
