//! `GET /health`: one JSON schema for both shells, so monitoring reads the worker and the native
//! server alike.
//!
//! ```json
//! {"status": "ok", "zones": [{"zone": "example.com.", "serial": 2026112501, "records": 22,
//!   "aliases": 2, "version": "2026112501-053093eea26feeca", "shards": 1, "loaded": 1}]}
//! ```
//!
//! `version`, `shards` and `loaded` describe the KV layout and appear at the edge only;
//! `problem` appears when the zones served are not the latest (the edge kept its last good index).
//! With ALIAS upstreams configured, `upstreams` has each one's health and counters (per process
//! natively, per isolate at the edge; see [`UpstreamReport`]):
//!
//! ```json
//! "upstreams": [{"url": "https://cloudflare-dns.com/dns-query", "healthy": true, "attempts": 9,
//!   "answers": 9, "failures": 0, "timeouts": 0, "overtaken": 0, "probes": 0, "srtt_ms": 14,
//!   "last_ms": 12, "max_ms": 31}]
//! ```

use serde::Serialize;

use crate::alias::UpstreamReport;
use crate::zone::{Zone, ZoneId};

/// The body of `/health`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `ok`, or `degraded` with a `problem`.
    pub status: &'static str,
    /// Why the status is not `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Every zone served.
    pub zones: Vec<ZoneHealth>,
    /// The ALIAS upstreams, in configured order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstreams: Vec<UpstreamReport>,
}

/// One zone in `/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneHealth {
    /// The zone.
    pub zone: ZoneId,
    /// The SOA serial served.
    pub serial: u32,
    /// Records in the zone, ALIAS included.
    pub records: u64,
    /// ALIAS records in the zone.
    pub aliases: u64,
    /// The stored version (`<serial>-<content hash>`), at the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// How many shards the stored zone has, at the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<u32>,
    /// How many of them this isolate has in memory, at the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded: Option<u32>,
}

impl ZoneHealth {
    /// A zone held whole in memory (the native server).
    pub fn of_zone(zone: &Zone) -> ZoneHealth {
        ZoneHealth {
            zone: ZoneId::of(zone.apex()),
            serial: zone.serial(),
            records: zone.record_count() as u64,
            aliases: zone.alias_count() as u64,
            version: None,
            shards: None,
            loaded: None,
        }
    }
}

impl Health {
    /// The health of `zones` (in the order given), with the problem if there is one.
    pub fn new(zones: Vec<ZoneHealth>, problem: Option<String>) -> Health {
        Health {
            status: if problem.is_some() { "degraded" } else { "ok" },
            problem,
            zones,
            upstreams: Vec::new(),
        }
    }

    /// The same, with the ALIAS upstreams' health and counters.
    pub fn with_upstreams(mut self, upstreams: Vec<UpstreamReport>) -> Health {
        self.upstreams = upstreams;
        self
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}
