//! The ALIAS resolver (docs/ARCHITECTURE.md, "ALIAS"): cache first, then upstream DoH with a
//! per-attempt deadline, retries on other upstreams and a hedge, then stale data, then failure.
//! Herd-proof: concurrent resolutions of one (target, type) share one flight; after a failure,
//! stale data is served at once until the recheck (RFC 8767); upstreams that failed are tried
//! last until a probe shows them working ([`ResolverState`]).
//!
//! It is generic over three small ports, so the edge (fetch + AbortController, Cache API,
//! `Delay`) and the native shell (reqwest, memory, tokio) run exactly this code. It reads no
//! clock: `now_ms` comes in, and durations come from the timer port. The attempts are in
//! `attempts.rs`, the background work in `background.rs`.

use std::sync::Arc;

use hickory_proto::rr::{Name, RecordType};

use super::attempts::Clock;
use super::cache::{AliasCache, AliasKey};
use super::flat_set::FlatSet;
use super::flight::{Flight, Leader, Resolution};
use super::policy::{REFRESH_PERCENT, STALE_TTL, flattened_ttl};
use super::state::ResolverState;
use super::upstream::{Timer, Upstream};
use super::{Flattened, Flattener, Outcome, Source};
use crate::answer::Ede;
use crate::settings::Settings;

/// Resolves ALIAS targets through the ports. Implements [`Flattener`] for the responder.
pub struct Resolver<U, C, T> {
    /// The upstream port.
    pub upstream: U,
    /// The cache port.
    pub cache: C,
    /// The timer port.
    pub timer: T,
    /// What outlives one resolution: flights, rechecks, upstream health. Shared by every
    /// resolver of the process (natively) or the isolate (at the edge).
    pub state: Arc<ResolverState>,
    /// Settings: the upstreams, deadlines, hedge, stale window and TTL floor.
    pub settings: Arc<Settings>,
}

impl<U: Upstream, C: AliasCache, T: Timer> Resolver<U, C, T> {
    /// A resolver over the three ports and `state` (made for the same `settings`).
    pub fn new(
        upstream: U,
        cache: C,
        timer: T,
        state: Arc<ResolverState>,
        settings: Arc<Settings>,
    ) -> Self {
        Resolver {
            upstream,
            cache,
            timer,
            state,
            settings,
        }
    }

    /// Resolves `target`'s `rtype` upstream (ignoring the cache, joining a flight in progress)
    /// and caches the result.
    pub async fn refresh(&self, target: &Name, rtype: RecordType, now_ms: u64) -> Resolution {
        let key = AliasKey::new(target, rtype);
        loop {
            match self.state.flights.join_or_lead(&key, None) {
                Flight::Lead(leader) => {
                    return self.lead(leader, &key, target, rtype, now_ms).await;
                }
                Flight::Join(waiting) => {
                    let result = self.timer.wait(waiting).await;
                    if let Ok(resolution) = result {
                        return resolution;
                    }
                }
                Flight::LookAgain => {}
            }
        }
    }

    /// Resolves for everyone waiting on `leader`'s flight, then records how it went.
    async fn lead(
        &self,
        leader: Leader<'_>,
        key: &AliasKey,
        target: &Name,
        rtype: RecordType,
        now_ms: u64,
    ) -> Resolution {
        let clock = Clock::new(&self.timer, now_ms);
        let resolution = match self.race(target, rtype, &clock).await {
            Ok((resolved, url)) => {
                let ttl = flattened_ttl(
                    u32::MAX,
                    resolved.ttls.iter().copied(),
                    self.settings.alias_ttl_floor,
                );
                let entry = FlatSet::new(resolved.addresses, ttl, now_ms, Some(url));
                self.cache.put(key, &entry).await;
                self.state.rechecks.succeeded(key);
                Ok(entry)
            }
            Err(reason) => {
                self.state.rechecks.failed(key, clock.now(), &reason);
                Err(reason)
            }
        };
        leader.finish(&resolution);
        resolution
    }

    /// The cache's entry for `key`; a fetch time from a clock that ran ahead counts from now,
    /// and is stored so, so that it cannot pin the entry as fresh.
    async fn lookup(&self, key: &AliasKey, now_ms: u64) -> Option<(FlatSet, Source)> {
        let mut cached = self.cache.get(key).await;
        if let Some((entry, _)) = &mut cached
            && entry.fetched_ms > now_ms
        {
            *entry = entry.clone().clamped(now_ms);
            self.cache.put(key, entry).await;
        }
        cached
    }

    /// Stale data (RFC 8767), with EDE 3 saying why.
    #[allow(clippy::too_many_arguments)]
    fn stale(
        &self,
        target: &Name,
        rtype: RecordType,
        entry: FlatSet,
        alias_ttl: u32,
        now_ms: u64,
        reason: &str,
        retry: bool,
    ) -> Flattened {
        Flattened {
            ede: Some(Ede::new(
                Ede::STALE_ANSWER,
                format!(
                    "{target} {rtype}: stale data from {}s ago, upstreams failed: {reason}",
                    now_ms.saturating_sub(entry.fetched_ms) / 1000
                ),
            )),
            outcome: Outcome::Records {
                addresses: entry.addresses,
                ttl: STALE_TTL.min(alias_ttl),
            },
            source: Source::Stale,
            upstream: entry.upstream,
            fetched_ms: entry.fetched_ms,
            refresh: retry || self.state.health.probe_due(now_ms),
        }
    }
}

impl<U: Upstream, C: AliasCache, T: Timer> Flattener for Resolver<U, C, T> {
    async fn flatten(
        &self,
        target: &Name,
        rtype: RecordType,
        alias_ttl: u32,
        now_ms: u64,
    ) -> Flattened {
        let settings = &self.settings;
        let floor = settings.alias_ttl_floor;
        let key = AliasKey::new(target, rtype);
        let mut seen = Some(self.state.flights.epoch(&key));
        loop {
            let cached = self.lookup(&key, now_ms).await;
            if let Some((entry, layer)) = &cached
                && entry.is_fresh(now_ms)
            {
                return Flattened {
                    outcome: Outcome::Records {
                        addresses: entry.addresses.clone(),
                        ttl: flattened_ttl(alias_ttl, [entry.remaining(now_ms)], floor),
                    },
                    source: *layer,
                    upstream: entry.upstream.clone(),
                    fetched_ms: entry.fetched_ms,
                    ede: None,
                    refresh: entry.wants_refresh(now_ms, REFRESH_PERCENT)
                        || self.state.health.probe_due(now_ms),
                };
            }
            let stale = cached
                .map(|(entry, _)| entry)
                .filter(|entry| entry.within_stale_window(now_ms, settings.stale_window_seconds));
            // The last resolution failed: stale data at once until the recheck.
            if let Some(entry) = &stale
                && let Some(recheck) = self.state.rechecks.check(&key, now_ms)
            {
                return self.stale(
                    target,
                    rtype,
                    entry.clone(),
                    alias_ttl,
                    now_ms,
                    &recheck.reason,
                    recheck.retry,
                );
            }
            let resolution = match self.state.flights.join_or_lead(&key, seen.take()) {
                Flight::Lead(leader) => self.lead(leader, &key, target, rtype, now_ms).await,
                Flight::Join(waiting) => {
                    let result = self.timer.wait(waiting).await;
                    match result {
                        Ok(resolution) => resolution,
                        // The leader went away: look again, and lead if nobody else does.
                        Err(_) => continue,
                    }
                }
                Flight::LookAgain => continue,
            };
            return match resolution {
                Ok(entry) => Flattened {
                    outcome: Outcome::Records {
                        ttl: flattened_ttl(alias_ttl, [entry.ttl], floor),
                        addresses: entry.addresses,
                    },
                    source: Source::Upstream,
                    upstream: entry.upstream,
                    fetched_ms: entry.fetched_ms,
                    ede: None,
                    refresh: self.state.health.probe_due(now_ms),
                },
                Err(reason) => match stale {
                    Some(entry) => {
                        self.stale(target, rtype, entry, alias_ttl, now_ms, &reason, false)
                    }
                    None => Flattened::failed(Source::Upstream, reason),
                },
            };
        }
    }
}
