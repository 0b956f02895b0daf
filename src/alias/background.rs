//! The background work an answer asks for (docs/ARCHITECTURE.md, "ALIAS"): refresh ahead,
//! the RFC 8767 failure recheck's retry, and the probe of an unhealthy upstream. The shells run
//! it after the response (a tokio task natively, `ctx.wait_until` at the edge).

use hickory_proto::rr::{Name, RecordType};

use super::attempts::Clock;
use super::cache::{AliasCache, AliasKey};
use super::exchange::upstream_query;
use super::flight::Resolution;
use super::policy::REFRESH_PERCENT;
use super::resolver::Resolver;
use super::upstream::{Timer, Upstream};

/// What [`Resolver::background`] did, for the shell's log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Background {
    /// The re-resolution, if the cached set wanted one.
    pub refresh: Option<Resolution>,
    /// The probe of an unhealthy upstream, if one was due: its URL, and whether it answered.
    pub probe: Option<(String, Result<(), String>)>,
}

impl Background {
    /// One line per thing done, each with whether it is routine (a refresh that worked) or
    /// news (a failure, a probe's result).
    pub fn events(&self, target: &Name, rtype: RecordType) -> Vec<(bool, String)> {
        let mut events = Vec::new();
        if let Some(refresh) = &self.refresh {
            events.push(match refresh {
                Ok(_) => (true, format!("refresh of {target} {rtype}: ok")),
                Err(e) => (false, format!("refresh of {target} {rtype} failed: {e}")),
            });
        }
        if let Some((url, probe)) = &self.probe {
            events.push(match probe {
                Ok(()) => (false, format!("probe of upstream {url}: it answers again")),
                Err(e) => (false, format!("probe of upstream {url} failed: {e}")),
            });
        }
        events
    }
}

impl<U: Upstream, C: AliasCache, T: Timer> Resolver<U, C, T> {
    /// The background work an answer asked for ([`Flattened::refresh`]): re-resolves the set
    /// if it is expired or near expiry (refresh ahead, or the failure recheck's retry), and
    /// probes an unhealthy upstream if a probe is due, with this question. The shells run it
    /// after the response (a tokio task natively, `ctx.wait_until` at the edge).
    pub async fn background(&self, target: &Name, rtype: RecordType, now_ms: u64) -> Background {
        let refresh = async {
            let wanted = match self.cache.get(&AliasKey::new(target, rtype)).await {
                Some((entry, _)) => {
                    !entry.is_fresh(now_ms) || entry.wants_refresh(now_ms, REFRESH_PERCENT)
                }
                None => true,
            };
            match wanted {
                true => Some(self.refresh(target, rtype, now_ms).await),
                false => None,
            }
        };
        let (refresh, probe) = futures::join!(refresh, self.probe(target, rtype, now_ms));
        Background { refresh, probe }
    }

    /// One attempt, alone and unhedged, on the unhealthy upstream whose probe is due.
    async fn probe(
        &self,
        target: &Name,
        rtype: RecordType,
        now_ms: u64,
    ) -> Option<(String, Result<(), String>)> {
        let index = self.state.health.claim_probe(now_ms)?;
        let url = self.settings.upstreams.get(index)?.clone();
        let clock = Clock::new(&self.timer, now_ms);
        let query = upstream_query(target, rtype);
        let result = self.attempt(index, &query, target, rtype, &clock).await;
        let answered = match (self.state.health.is_healthy(index), result) {
            (true, _) => Ok(()),
            (false, Err(e)) => Err(e),
            (false, Ok(_)) => Err("answered, but is still marked unhealthy".into()),
        };
        Some((url, answered))
    }
}
