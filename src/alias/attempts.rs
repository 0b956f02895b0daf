//! The attempts of one resolution (docs/ARCHITECTURE.md, "ALIAS"): healthy upstreams first,
//! a per-attempt deadline, the next attempt at once on failure and after `hedge_after_ms`
//! without an answer; every outcome goes to the upstream's health ([`super::health`]).

use futures::future::{Either, select};
use futures::stream::{FuturesUnordered, StreamExt};
use hickory_proto::rr::{Name, RecordType};

use super::cache::AliasCache;
use super::exchange::{Rejected, Resolved, upstream_query, validate};
use super::health::AttemptOutcome;
use super::resolver::Resolver;
use super::upstream::{Timer, Upstream, UpstreamError};

/// Times within one resolution: the caller's `now_ms`, moved on by what the timer measured.
pub(super) struct Clock<'t, T> {
    timer: &'t T,
    now_ms: u64,
    start: u64,
}

impl<'t, T: Timer> Clock<'t, T> {
    pub(super) fn new(timer: &'t T, now_ms: u64) -> Self {
        Clock {
            timer,
            now_ms,
            start: timer.elapsed_ms(),
        }
    }

    pub(super) fn now(&self) -> u64 {
        self.now_ms + self.timer.elapsed_ms().saturating_sub(self.start)
    }
}

impl<U: Upstream, C: AliasCache, T: Timer> Resolver<U, C, T> {
    /// Runs the attempts, healthy upstreams first: the first valid answer wins; a failed
    /// attempt starts the next one at once, and no answer within `hedge_after_ms` starts it too.
    /// Attempts still silent after the hedge delay when another upstream wins were overtaken.
    pub(super) async fn race(
        &self,
        target: &Name,
        rtype: RecordType,
        clock: &Clock<'_, T>,
    ) -> Result<(Resolved, String), String> {
        let settings = &self.settings;
        if settings.upstreams.is_empty() {
            return Err(format!("no upstream is configured to resolve {target}"));
        }
        let order = &self.state.health.order(settings.upstreams.len());
        let query = &upstream_query(target, rtype);
        let upstream_of = |n: usize| order[n % order.len()];
        let launch = |n: usize| async move {
            let result = self
                .attempt(upstream_of(n), query, target, rtype, clock)
                .await;
            (n, result)
        };
        let total = settings.attempts.max(1) as usize;
        // When each attempt started, while it runs.
        let mut started = vec![None; total];
        let mut running = FuturesUnordered::new();
        started[0] = Some(clock.now());
        running.push(launch(0));
        let mut next = 1;
        let mut errors = Vec::new();
        loop {
            let finished = if next < total {
                let hedge = self.timer.sleep(settings.hedge_after_ms);
                futures::pin_mut!(hedge);
                match select(running.next(), hedge).await {
                    Either::Left((finished, _)) => finished,
                    Either::Right(((), _)) => {
                        started[next] = Some(clock.now());
                        running.push(launch(next));
                        next += 1;
                        continue;
                    }
                }
            } else {
                running.next().await
            };
            match finished {
                Some((n, Ok(found))) => {
                    started[n] = None;
                    let now = clock.now();
                    for (m, at) in started.iter().enumerate() {
                        let overtaken = at.is_some_and(|at| {
                            now.saturating_sub(at) >= u64::from(settings.hedge_after_ms)
                        });
                        if overtaken && upstream_of(m) != upstream_of(n) {
                            self.state.health.record(
                                upstream_of(m),
                                AttemptOutcome::Overtaken,
                                now,
                            );
                        }
                    }
                    return Ok(found);
                }
                Some((n, Err(e))) => {
                    started[n] = None;
                    errors.push(e);
                }
                None => {}
            }
            if next < total {
                started[next] = Some(clock.now());
                running.push(launch(next));
                next += 1;
            } else if running.is_empty() {
                return Err(errors.join("; "));
            }
        }
    }

    /// One attempt on upstream `index`, with its deadline enforced here too; its outcome goes
    /// to the upstream's health.
    pub(super) async fn attempt(
        &self,
        index: usize,
        query: &[u8],
        target: &Name,
        rtype: RecordType,
        clock: &Clock<'_, T>,
    ) -> Result<(Resolved, String), String> {
        let url = &self.settings.upstreams[index];
        let deadline = self.settings.attempt_timeout_ms;
        let began = self.timer.elapsed_ms();
        let exchange = self.upstream.exchange(url, query, deadline);
        let timeout = self.timer.sleep(deadline);
        futures::pin_mut!(exchange, timeout);
        let ended = select(exchange, timeout).await;
        let ms = self.timer.elapsed_ms().saturating_sub(began);
        let (outcome, result) = match ended {
            Either::Left((Ok(bytes), _)) => match validate(&bytes, target, rtype) {
                Ok(resolved) => (
                    Some(AttemptOutcome::Answered { ms }),
                    Ok((resolved, url.clone())),
                ),
                Err(e) => {
                    let error = e.to_string();
                    let outcome = match e {
                        // The upstream answered; the name is what fails.
                        Rejected::Rcode(_) | Rejected::Chain(_) | Rejected::Truncated => {
                            AttemptOutcome::Unusable { ms, error }
                        }
                        Rejected::Malformed(_) | Rejected::Mismatch(_) => {
                            AttemptOutcome::Failed { error }
                        }
                    };
                    (Some(outcome), Err(format!("{url}: {e}")))
                }
            },
            // Not the upstream's doing: the shell made no request.
            Either::Left((Err(e @ UpstreamError::Budget(_)), _)) => {
                (None, Err(format!("{url}: {e}")))
            }
            Either::Left((Err(e @ UpstreamError::Timeout(_)), _)) => {
                (Some(AttemptOutcome::TimedOut), Err(format!("{url}: {e}")))
            }
            Either::Left((Err(e), _)) => (
                Some(AttemptOutcome::Failed {
                    error: e.to_string(),
                }),
                Err(format!("{url}: {e}")),
            ),
            Either::Right(_) => (
                Some(AttemptOutcome::TimedOut),
                Err(format!("{url}: no answer within {deadline} ms")),
            ),
        };
        if let Some(outcome) = outcome {
            self.state.health.record(index, outcome, clock.now());
        }
        result
    }
}
