//! ALIAS flattening (docs/ARCHITECTURE.md, "ALIAS"): the port the responder calls for targets
//! outside our zones, and the pure policy that every shell shares.

pub mod attempts;
pub mod background;
pub mod cache;
pub mod exchange;
pub mod flat_set;
pub mod flight;
pub mod health;
pub mod policy;
pub mod recheck;
pub mod resolver;
pub mod state;
pub mod upstream;

pub use background::Background;
pub use cache::{AliasCache, AliasKey, MemoryAliasCache};
pub use flat_set::{AddressType, FlatSet};
pub use health::UpstreamReport;
pub use resolver::Resolver;
pub use state::ResolverState;
pub use upstream::{Timer, Upstream, UpstreamError};

use std::net::IpAddr;

use hickory_proto::rr::{Name, RecordType};

use crate::answer::Ede;

/// Where a flattened answer came from: the `source=` of the `flatapex-alias` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The target is in a hosted zone and was resolved without a fetch.
    Local,
    /// The isolate's (or process's) memory cache.
    Memory,
    /// The edge Cache API.
    Cache,
    /// A fresh upstream resolution.
    Upstream,
    /// Last-good data past its TTL, served because upstreams failed (RFC 8767).
    Stale,
}

impl Source {
    /// The header token.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Local => "local",
            Source::Memory => "memory",
            Source::Cache => "cache",
            Source::Upstream => "upstream",
            Source::Stale => "stale",
        }
    }
}

/// The result of flattening one (target, type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The target's addresses of the type (empty: the target has none, RFC 2308 NODATA or
    /// NXDOMAIN) and the TTL to serve them with.
    Records {
        /// The addresses of the type asked for.
        addresses: Vec<IpAddr>,
        /// The TTL per the ALIAS TTL rules.
        ttl: u32,
    },
    /// Nothing usable: no answer and no stale copy. The failure policy decides.
    Failed {
        /// Why, for EDE text and logs.
        reason: String,
    },
}

/// A flattened answer with its provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flattened {
    /// Records or failure.
    pub outcome: Outcome,
    /// Where it came from.
    pub source: Source,
    /// The upstream that answered, if one did.
    pub upstream: Option<String>,
    /// When the addresses were resolved (milliseconds since the Unix epoch): the time of the
    /// query for a local target or a fresh resolution, the cached entry's time otherwise.
    pub fetched_ms: u64,
    /// An EDE to attach (3 Stale Answer on stale data).
    pub ede: Option<Ede>,
    /// Background work is due: a refresh ahead (served from cache with little TTL left), the
    /// failure recheck's retry, or a probe of an unhealthy upstream. The shell runs
    /// [`Resolver::background`] for this (target, type) after the response.
    pub refresh: bool,
}

impl Flattened {
    /// Nothing usable from `source`, for `reason`: the failure policy decides.
    pub fn failed(source: Source, reason: String) -> Flattened {
        Flattened {
            outcome: Outcome::Failed { reason },
            source,
            upstream: None,
            fetched_ms: 0,
            ede: None,
            refresh: false,
        }
    }

    /// The result as a set with the TTL it is served with, if it is fresh (not stale, not
    /// failed): what a transfer carries in place of the ALIAS.
    pub fn fresh_set(&self) -> Option<FlatSet> {
        match &self.outcome {
            Outcome::Records { addresses, ttl } if self.source != Source::Stale => {
                Some(FlatSet::new(
                    addresses.clone(),
                    *ttl,
                    self.fetched_ms,
                    self.upstream.clone(),
                ))
            }
            _ => None,
        }
    }
}

/// The port that flattens targets outside our zones. The edge and native shells provide it
/// over their own fetch, caches and timers; targets in hosted zones never reach it.
#[allow(async_fn_in_trait)]
pub trait Flattener {
    /// Resolves `rtype` (A or AAAA) of `target`; `alias_ttl` caps the TTL; `now_ms` is the
    /// caller's clock (milliseconds since the Unix epoch).
    async fn flatten(
        &self,
        target: &Name,
        rtype: RecordType,
        alias_ttl: u32,
        now_ms: u64,
    ) -> Flattened;
}

/// A flattener with no upstreams configured: every external target fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoUpstreams;

impl Flattener for NoUpstreams {
    async fn flatten(&self, target: &Name, _: RecordType, _: u32, _: u64) -> Flattened {
        Flattened::failed(
            Source::Upstream,
            format!("no upstream is configured to resolve {target}"),
        )
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
