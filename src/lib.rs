//! flatapex: an authoritative DNS server for the edge, with ALIAS flattening.
//!
//! One pure core and two shells (docs/ARCHITECTURE.md has the whole picture):
//!
//! ```text
//!          ┌──────────── edge shell (wasm32, workers-rs): src/edge ────────────────┐
//!  DoH     │ fetch ─► doh::serve_doh ─► Responder ─► HTTP    scheduled ─► RefreshRun │
//!          │ ports: KV zone store, memory→Cache API→KV ALIAS cache, fetch, Delay      │
//!          └────────────────────────────────────────────────────────────────────────┘
//!                                       │ the same core
//!   ┌───────────── core (pure: no I/O, no clock, no randomness; clippy.toml checks) ────┐
//!   │ zone      master files (+ALIAS) → validated Zone of packed nodes                  │
//!   │ lookup    Zone::lookup(qname, qtype) → Answer (RFC 1034 §4.3.2)                   │
//!   │ respond   the query path over the ports; message: parsing and framing           │
//!   │ alias     the flattened set, TTL and failure policy, the resolver over its ports  │
//!   │ xfr       serials, zone states, the refresh engine, transfers, zone text          │
//!   │ kv        the KV layout and store;  doh: RFC 8484 framing;  settings: one model   │
//!   └────────────────────────────────────────────────────────────────────────────────────┘
//!                                       │ the same core
//!          ┌──────────── native shell (tokio): src/native ─────────────────────────┐
//!          │ serve/ UDP, TCP, DoH, response cache   zones/ file store, reloads       │
//!          │ primary/ AXFR out, TSIG, NOTIFY, refresh timer, state file, pull       │
//!          │ cli/ serve, check, push                upstream.rs reqwest, tokio timer │
//!          └────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Module map: [`zone`] (reading, validation, the packed model), [`lookup`], [`answer`],
//! [`message`], [`store`] (the zone-store port), [`respond`], [`alias`], [`xfr`], [`kv`],
//! [`doh`], [`settings`], [`log_throttle`]; `native` and `edge` are the shells.

pub mod alias;
pub mod answer;
pub mod api;
pub mod dnssec;
pub mod doh;
pub mod encoding;
pub mod kv;
pub mod log_throttle;
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
