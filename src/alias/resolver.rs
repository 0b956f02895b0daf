//! The ALIAS resolver (DESIGN §3): cache first, then upstream DoH with a per-attempt deadline,
//! retries on other upstreams and a hedge, then stale data, then failure. It is generic over
//! three small ports, so the edge (fetch + AbortController, Cache API, `Delay`) and the native
//! shell (hyper, memory, tokio) run exactly this code. It reads no clock: `now_ms` comes in.

use futures::future::{Either, select};
use futures::stream::{FuturesUnordered, StreamExt};
use hickory_proto::rr::{Name, RecordType};
use serde::Deserialize;

use super::cache::{AliasCache, AliasKey, CachedRrset};
use super::exchange::{Resolved, upstream_query, validate};
use super::policy::flattened_ttl;
use super::{Flattened, Flattener, Outcome, Source};
use crate::answer::Ede;

/// The upstream port: one DoH exchange (POST `application/dns-message`) with `url`. The
/// implementation must give up by `deadline_ms` and abort the request when the future is
/// dropped (a hedge loser, or a late attempt).
#[allow(async_fn_in_trait)]
pub trait Upstream {
    /// Sends `query` to `url`; the answer body, or why not.
    async fn exchange(&self, url: &str, query: &[u8], deadline_ms: u32) -> Result<Vec<u8>, String>;
}

/// The timer port: `Delay` at the edge, `tokio::time::sleep` natively.
#[allow(async_fn_in_trait)]
pub trait Timer {
    /// Completes after `ms` milliseconds.
    async fn sleep(&self, ms: u32);
}

/// How ALIAS targets are resolved (`[vars.FLATAPEX]` at the edge, flags natively).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamPolicy {
    /// DoH URLs, tried in order (attempt *n* goes to upstream *n* mod their number).
    pub upstreams: Vec<String>,
    /// The deadline of one attempt, in milliseconds (default 500).
    pub attempt_timeout_ms: u32,
    /// Attempts per resolution, each on the next upstream (default 2).
    pub attempts: u32,
    /// Start the next attempt after this long without an answer (default 100 ms).
    pub hedge_after_ms: u32,
    /// How long after expiry cached data may still be served, in seconds (default 1 day).
    pub stale_window_seconds: u32,
    /// The TTL of stale answers (default 30 s, RFC 8767 §4).
    pub stale_ttl: u32,
    /// Refresh ahead when less than this percentage of the TTL is left (default 10).
    pub refresh_percent: u32,
    /// The lowest TTL of flattened records (default 30 s).
    pub ttl_floor: u32,
}

impl Default for UpstreamPolicy {
    fn default() -> Self {
        UpstreamPolicy {
            upstreams: Vec::new(),
            attempt_timeout_ms: 500,
            attempts: 2,
            hedge_after_ms: 100,
            stale_window_seconds: 86_400,
            stale_ttl: 30,
            refresh_percent: 10,
            ttl_floor: 30,
        }
    }
}

/// Resolves ALIAS targets through the ports. Implements [`Flattener`] for the responder.
pub struct Resolver<U, C, T> {
    /// The upstream port.
    pub upstream: U,
    /// The cache port.
    pub cache: C,
    /// The timer port.
    pub timer: T,
    /// Settings.
    pub policy: UpstreamPolicy,
}

impl<U: Upstream, C: AliasCache, T: Timer> Resolver<U, C, T> {
    /// A resolver over the three ports.
    pub fn new(upstream: U, cache: C, timer: T, policy: UpstreamPolicy) -> Self {
        Resolver {
            upstream,
            cache,
            timer,
            policy,
        }
    }

    /// Resolves `target`'s `rtype` upstream (ignoring the cache) and caches the result: what a
    /// refresh ahead, and the scheduled refresher, call.
    pub async fn refresh(
        &self,
        target: &Name,
        rtype: RecordType,
        now_ms: u64,
    ) -> Result<CachedRrset, String> {
        let (resolved, url) = self.race(target, rtype).await?;
        let ttl = flattened_ttl(
            u32::MAX,
            resolved.ttls.iter().copied(),
            self.policy.ttl_floor,
        );
        let entry = CachedRrset {
            addresses: CachedRrset::addresses_of(&resolved.rdatas),
            ttl,
            fetched_ms: now_ms,
            upstream: Some(url),
        };
        self.cache.put(&AliasKey::new(target, rtype), &entry).await;
        Ok(entry)
    }

    /// Runs the attempts: the first valid answer wins; a failed attempt starts the next one at
    /// once, and no answer within `hedge_after_ms` starts it too (DESIGN §3).
    async fn race(&self, target: &Name, rtype: RecordType) -> Result<(Resolved, String), String> {
        let policy = &self.policy;
        if policy.upstreams.is_empty() {
            return Err(format!("no upstream is configured to resolve {target}"));
        }
        let query = upstream_query(target, rtype);
        let total = policy.attempts.max(1) as usize;
        let mut running = FuturesUnordered::new();
        running.push(self.attempt(0, &query, target, rtype));
        let mut started = 1;
        let mut errors = Vec::new();
        loop {
            let next = if started < total {
                let hedge = self.timer.sleep(policy.hedge_after_ms);
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
        let url = &self.policy.upstreams[n % self.policy.upstreams.len()];
        let deadline = self.policy.attempt_timeout_ms;
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
        let policy = &self.policy;
        let key = AliasKey::new(target, rtype);
        let cached = self.cache.get(&key).await;
        if let Some((entry, layer)) = &cached
            && entry.is_fresh(now_ms)
        {
            let ttl = flattened_ttl(alias_ttl, [entry.remaining(now_ms)], policy.ttl_floor);
            return Flattened {
                outcome: Outcome::Records {
                    rdatas: entry.rdatas(rtype),
                    ttl,
                },
                source: *layer,
                upstream: entry.upstream.clone(),
                ede: None,
                refresh: entry.wants_refresh(now_ms, policy.refresh_percent),
            };
        }
        match self.refresh(target, rtype, now_ms).await {
            Ok(entry) => Flattened {
                outcome: Outcome::Records {
                    rdatas: entry.rdatas(rtype),
                    ttl: flattened_ttl(alias_ttl, [entry.ttl], policy.ttl_floor),
                },
                source: Source::Upstream,
                upstream: entry.upstream,
                ede: None,
                refresh: false,
            },
            Err(reason) => match cached {
                Some((entry, _))
                    if entry.within_stale_window(now_ms, policy.stale_window_seconds) =>
                {
                    Flattened {
                        outcome: Outcome::Records {
                            rdatas: entry.rdatas(rtype),
                            ttl: policy.stale_ttl.min(alias_ttl),
                        },
                        source: Source::Stale,
                        ede: Some(Ede::new(
                            Ede::STALE_ANSWER,
                            format!(
                                "{target} {rtype}: stale data from {}s ago, upstreams failed: {reason}",
                                now_ms.saturating_sub(entry.fetched_ms) / 1000
                            ),
                        )),
                        upstream: entry.upstream,
                        refresh: false,
                    }
                }
                _ => Flattened::failed(Source::Upstream, reason),
            },
        }
    }
}
