//! flatapex: an authoritative DNS server for the edge.
//!
//! ```text
//!             ┌──────────── edge shell (wasm32, worker crate) ────────────┐
//!  DoH GET/POST│ fetch → doh framing → Responder → doh response             │
//!             │ ports: KV zone store, Cache API + isolate alias cache, fetch│
//!             └────────────────────────────────────────────────────────────┘
//!                                 │ same core
//!   ┌──────────────── core (pure: no I/O, no clock, no randomness) ─────────┐
//!   │ zone    master files (+ALIAS) → Zone, validated                        │
//!   │ lookup  Zone::lookup(qname, qtype) → Answer  (RFC 1034 §4.3.2)         │
//!   │ message query parsing and response building (EDNS, EDE, TC)           │
//!   │ respond async glue over the ports                                      │
//!   └────────────────────────────────────────────────────────────────────────┘
//!                                 │ same core
//!             ┌──────────── native shell (tokio) ─────────────────────────┐
//!             │ UDP + TCP (RFC 7766), file zone store, CLI                 │
//!             └────────────────────────────────────────────────────────────┘
//! ```
//!
//! Module map: [`zone`] (model, parsing, validation), [`lookup`], [`answer`], [`message`],
//! [`store`] (the zone-store port), [`respond`]; [`native`] and the edge shell implement ports.

pub mod alias;
pub mod answer;
pub mod doh;
pub mod kv;
pub mod lookup;
pub mod message;
pub mod respond;
pub mod settings;
pub mod store;
pub mod xfr;
pub mod zone;

// The shells do I/O and read clocks; the core must not (clippy.toml forbids it everywhere else).
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod native;

#[cfg(target_arch = "wasm32")]
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod edge;
