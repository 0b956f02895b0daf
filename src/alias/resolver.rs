//! The ALIAS resolver (docs/ARCHITECTURE.md, "ALIAS"): cache first, then upstream DoH with a
//! per-attempt deadline, retries on other upstreams and a hedge, then stale data, then failure.
//! It is generic over three small ports, so the edge (fetch + AbortController, Cache API,
//! `Delay`) and the native shell (reqwest, memory, tokio) run exactly this code. It reads no
//! clock: `now_ms` comes in.

use std::sync::Arc;

use futures::future::{Either, select};
use futures::stream::{FuturesUnordered, StreamExt};
use hickory_proto::rr::{Name, RecordType};

use super::cache::{AliasCache, AliasKey};
use super::exchange::{Resolved, upstream_query, validate};
use super::flat_set::FlatSet;
use super::policy::{REFRESH_PERCENT, STALE_TTL, flattened_ttl};
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
    /// Settings: the upstreams, deadlines, hedge, stale window and TTL floor.
    pub settings: Arc<Settings>,
}

impl<U: Upstream, C: AliasCache, T: Timer> Resolver<U, C, T> {
    /// A resolver over the three ports.
    pub fn new(upstream: U, cache: C, timer: T, settings: Arc<Settings>) -> Self {
        Resolver {
            upstream,
            cache,
            timer,
            settings,
        }
    }

    /// Resolves `target`'s `rtype` upstream (ignoring the cache) and caches the result: what a
    /// refresh ahead, and the scheduled refresher, call.
    pub async fn refresh(
        &self,
        target: &Name,
        rtype: RecordType,
        now_ms: u64,
    ) -> Result<FlatSet, String> {
        let (resolved, url) = self.race(target, rtype).await?;
        let ttl = flattened_ttl(
            u32::MAX,
            resolved.ttls.iter().copied(),
            self.settings.alias_ttl_floor,
        );
        let entry = FlatSet::new(resolved.addresses, ttl, now_ms, Some(url));
        self.cache.put(&AliasKey::new(target, rtype), &entry).await;
        Ok(entry)
    }

    /// Runs the attempts: the first valid answer wins; a failed attempt starts the next one at
    /// once, and no answer within `hedge_after_ms` starts it too.
    async fn race(&self, target: &Name, rtype: RecordType) -> Result<(Resolved, String), String> {
        let settings = &self.settings;
        if settings.upstreams.is_empty() {
            return Err(format!("no upstream is configured to resolve {target}"));
        }
        let query = upstream_query(target, rtype);
        let total = settings.attempts.max(1) as usize;
        let mut running = FuturesUnordered::new();
        running.push(self.attempt(0, &query, target, rtype));
        let mut started = 1;
        let mut errors = Vec::new();
        loop {
            let next = if started < total {
                let hedge = self.timer.sleep(settings.hedge_after_ms);
                futures::pin_mut!(hedge);
                match select(running.next(), hedge).await {
                    Either::Left((next, _)) => next,
                    Either::Right(((), _)) => {
                        running.push(self.attempt(started, &query, target, rtype));
                        started += 1;
                        continue;
                    }
                }
            } else {
                running.next().await
            };
            match next {
                Some(Ok(found)) => return Ok(found),
                Some(Err(e)) => errors.push(e),
                None => {}
            }
            if started < total {
                running.push(self.attempt(started, &query, target, rtype));
                started += 1;
            } else if running.is_empty() {
                return Err(errors.join("; "));
            }
        }
    }

    /// One attempt on upstream `n` mod count, with its deadline enforced here too.
    async fn attempt(
        &self,
        n: usize,
        query: &[u8],
        target: &Name,
        rtype: RecordType,
    ) -> Result<(Resolved, String), String> {
        let url = &self.settings.upstreams[n % self.settings.upstreams.len()];
        let deadline = self.settings.attempt_timeout_ms;
        let exchange = self.upstream.exchange(url, query, deadline);
        let timeout = self.timer.sleep(deadline);
        futures::pin_mut!(exchange, timeout);
        let bytes = match select(exchange, timeout).await {
            Either::Left((Ok(bytes), _)) => bytes,
            Either::Left((Err(e), _)) => return Err(format!("{url}: {e}")),
            Either::Right(_) => return Err(format!("{url}: no answer within {deadline} ms")),
        };
        validate(&bytes, target, rtype)
            .map(|resolved| (resolved, url.clone()))
            .map_err(|e| format!("{url}: {e}"))
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
        let mut cached = self.cache.get(&key).await;
        if let Some((entry, _)) = &mut cached
            && entry.fetched_ms > now_ms
        {
            // A time from a clock that ran ahead must not pin the entry as fresh: it counts
            // from now, and is stored so.
            *entry = entry.clone().clamped(now_ms);
            self.cache.put(&key, entry).await;
        }
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
                refresh: entry.wants_refresh(now_ms, REFRESH_PERCENT),
            };
        }
        match self.refresh(target, rtype, now_ms).await {
            Ok(entry) => Flattened {
                outcome: Outcome::Records {
                    ttl: flattened_ttl(alias_ttl, [entry.ttl], floor),
                    addresses: entry.addresses,
                },
                source: Source::Upstream,
                upstream: entry.upstream,
                fetched_ms: entry.fetched_ms,
                ede: None,
                refresh: false,
            },
            Err(reason) => match cached {
                Some((entry, _))
                    if entry.within_stale_window(now_ms, settings.stale_window_seconds) =>
                {
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
                        refresh: false,
                    }
                }
                _ => Flattened::failed(Source::Upstream, reason),
            },
        }
    }
}
