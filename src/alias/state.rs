//! What the ALIAS resolver keeps beyond one resolution (docs/ARCHITECTURE.md, "ALIAS"): the
//! flights in progress, the failing (target, type)s awaiting their recheck, and the upstreams'
//! health. One per process natively, one per isolate at the edge (where a resolver is built per
//! request and borrows it). It does no I/O and reads no clock: times come in as `now_ms`.

use super::flight::Flights;
use super::health::{UpstreamHealth, UpstreamReport};
use super::recheck::Rechecks;
use crate::settings::Settings;

/// The resolver's shared state.
#[derive(Debug)]
pub struct ResolverState {
    /// Single flight.
    pub flights: Flights,
    /// The RFC 8767 failure recheck.
    pub rechecks: Rechecks,
    /// The upstreams' health and counters.
    pub health: UpstreamHealth,
}

impl ResolverState {
    /// Empty state for resolvers with `settings` (their upstreams and intervals).
    pub fn new(settings: &Settings) -> Self {
        ResolverState {
            flights: Flights::default(),
            rechecks: Rechecks::new(u64::from(settings.stale_recheck_seconds) * 1000),
            health: UpstreamHealth::new(
                &settings.upstreams,
                u64::from(settings.upstream_health_seconds) * 1000,
            ),
        }
    }

    /// The upstreams' counters, for `/health`.
    pub fn upstreams(&self) -> Vec<UpstreamReport> {
        self.health.reports()
    }
}
