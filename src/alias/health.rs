//! Upstream health, as a resolver keeps SRTT for its servers (docs/ARCHITECTURE.md, "ALIAS"): an
//! upstream that failed, timed out or was overtaken by a hedge is tried after the healthy ones
//! until a background probe (or any later answer) shows it works again. A dead first upstream
//! so costs one hedge delay per health interval, not one per query. Every outcome is counted
//! for `/health`.
//!
//! Shared by every request of a process or isolate, behind a std `Mutex`; the time a probe is
//! next due is also kept in an atomic, so the check made on every answer takes no lock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// How one attempt on an upstream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A valid answer, after `ms`.
    Answered {
        /// The round trip.
        ms: u64,
    },
    /// An answer that cannot be used for this name (a failure rcode, a CNAME loop), after `ms`:
    /// the upstream works, the name does not.
    Unusable {
        /// The round trip.
        ms: u64,
        /// Why it cannot be used.
        error: String,
    },
    /// No DNS answer to our question: the request failed, an HTTP error, or a body that is
    /// not the answer.
    Failed {
        /// Why.
        error: String,
    },
    /// No answer within the attempt's deadline.
    TimedOut,
    /// Still silent after the hedge delay when another upstream's answer won; abandoned.
    Overtaken,
}

/// One upstream's counters and state, as `/health` shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpstreamReport {
    /// The DoH URL.
    pub url: String,
    /// False from a failure, timeout or lost hedge until an answer (a probe's, or any) comes.
    pub healthy: bool,
    /// Attempts made (including probes and the ones abandoned).
    pub attempts: u64,
    /// Answers that were DNS answers to our question (used or not).
    pub answers: u64,
    /// Attempts that gave nothing usable, timeouts and abandoned ones aside.
    pub failures: u64,
    /// Attempts that ran into their deadline.
    pub timeouts: u64,
    /// Attempts abandoned because another upstream answered first after the hedge delay.
    pub overtaken: u64,
    /// Probes sent while it was unhealthy.
    pub probes: u64,
    /// The smoothed round trip of its answers (7/8 old + 1/8 new, as RFC 6298 smooths RTT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srtt_ms: Option<u64>,
    /// The round trip of its last answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ms: Option<u64>,
    /// The slowest answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
    /// What went wrong last: a failure, a timeout, an abandonment or an unusable answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// While unhealthy: since when (milliseconds since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_since_ms: Option<u64>,
}

#[derive(Debug)]
struct Entry {
    report: UpstreamReport,
    /// While unhealthy: when a probe is next due.
    probe_at_ms: u64,
}

/// The health of the configured upstreams, by their index in the settings.
#[derive(Debug)]
pub struct UpstreamHealth {
    entries: Mutex<Vec<Entry>>,
    /// The earliest probe due, `u64::MAX` while every upstream is healthy.
    next_probe_ms: AtomicU64,
    interval_ms: u64,
}

impl UpstreamHealth {
    /// Every one of `urls` healthy; an unhealthy one is probed every `interval_ms`.
    pub fn new(urls: &[String], interval_ms: u64) -> Self {
        UpstreamHealth {
            entries: Mutex::new(
                urls.iter()
                    .map(|url| Entry {
                        report: UpstreamReport {
                            url: url.clone(),
                            healthy: true,
                            ..UpstreamReport::default()
                        },
                        probe_at_ms: 0,
                    })
                    .collect(),
            ),
            next_probe_ms: AtomicU64::new(u64::MAX),
            interval_ms,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The order to try `count` upstreams in: the healthy ones as configured, then the others
    /// as configured. (Indexes this table does not know count as healthy.)
    pub fn order(&self, count: usize) -> Vec<usize> {
        let entries = self.lock();
        let healthy = |i: usize| entries.get(i).is_none_or(|e| e.report.healthy);
        let (mut first, last): (Vec<usize>, Vec<usize>) = (0..count).partition(|&i| healthy(i));
        first.extend(last);
        first
    }

    /// Records how an attempt on upstream `index` ended, at `at_ms`.
    pub fn record(&self, index: usize, outcome: AttemptOutcome, at_ms: u64) {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(index) else {
            return;
        };
        let r = &mut entry.report;
        r.attempts += 1;
        let error = match outcome {
            AttemptOutcome::Answered { ms } => {
                r.answers += 1;
                r.round_trip(ms);
                None
            }
            AttemptOutcome::Unusable { ms, error } => {
                r.answers += 1;
                r.failures += 1;
                r.round_trip(ms);
                r.last_error = Some(error);
                None
            }
            AttemptOutcome::Failed { error } => {
                r.failures += 1;
                Some(error)
            }
            AttemptOutcome::TimedOut => {
                r.timeouts += 1;
                Some("no answer within the attempt deadline".to_string())
            }
            AttemptOutcome::Overtaken => {
                r.overtaken += 1;
                Some("no answer within the hedge delay; another upstream answered first".into())
            }
        };
        match error {
            None => {
                r.healthy = true;
                r.down_since_ms = None;
            }
            Some(error) => {
                r.last_error = Some(error);
                if r.healthy {
                    r.healthy = false;
                    r.down_since_ms = Some(at_ms);
                    entry.probe_at_ms = at_ms + self.interval_ms;
                }
            }
        }
        self.update_next_probe(&entries);
    }

    fn update_next_probe(&self, entries: &[Entry]) {
        let next = entries
            .iter()
            .filter(|e| !e.report.healthy)
            .map(|e| e.probe_at_ms)
            .min()
            .unwrap_or(u64::MAX);
        self.next_probe_ms.store(next, Ordering::Release);
    }

    /// Whether a probe is due at `now_ms` (no lock taken): an answer served now should ask the
    /// shell for background work ([`crate::alias::Flattened::refresh`]).
    pub fn probe_due(&self, now_ms: u64) -> bool {
        now_ms >= self.next_probe_ms.load(Ordering::Acquire)
    }

    /// Claims the probe due at `now_ms`, if any: the index of the unhealthy upstream to probe.
    /// Its next probe is due one interval later, whatever this one finds.
    pub fn claim_probe(&self, now_ms: u64) -> Option<usize> {
        let mut entries = self.lock();
        let (index, entry) = entries
            .iter_mut()
            .enumerate()
            .find(|(_, e)| !e.report.healthy && e.probe_at_ms <= now_ms)?;
        entry.probe_at_ms = now_ms + self.interval_ms;
        entry.report.probes += 1;
        self.update_next_probe(&entries);
        Some(index)
    }

    /// Whether upstream `index` is healthy.
    pub fn is_healthy(&self, index: usize) -> bool {
        self.lock().get(index).is_none_or(|e| e.report.healthy)
    }

    /// Every upstream's counters and state, in configured order.
    pub fn reports(&self) -> Vec<UpstreamReport> {
        self.lock().iter().map(|e| e.report.clone()).collect()
    }
}

impl UpstreamReport {
    fn round_trip(&mut self, ms: u64) {
        self.srtt_ms = Some(self.srtt_ms.map_or(ms, |srtt| (srtt * 7 + ms) / 8));
        self.last_ms = Some(ms);
        self.max_ms = Some(self.max_ms.map_or(ms, |max| max.max(ms)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_upstream_goes_last_until_a_probe_or_an_answer() {
        let urls = vec!["http://one".to_string(), "http://two".to_string()];
        let health = UpstreamHealth::new(&urls, 30_000);
        assert_eq!(health.order(2), [0, 1]);
        assert!(!health.probe_due(u64::MAX - 1), "nothing to probe");
        health.record(0, AttemptOutcome::Overtaken, 1_000);
        assert_eq!(health.order(2), [1, 0]);
        assert_eq!(
            health.order(3),
            [1, 2, 0],
            "unknown indexes count as healthy"
        );
        assert!(!health.probe_due(30_999) && health.probe_due(31_000));
        assert_eq!(health.claim_probe(30_999), None);
        assert_eq!(health.claim_probe(31_000), Some(0));
        assert_eq!(health.claim_probe(31_000), None, "one probe per interval");
        assert!(health.probe_due(61_000));
        // A failed probe keeps it last; an answer (a probe's or any other) brings it back.
        health.record(0, AttemptOutcome::TimedOut, 31_500);
        assert_eq!(health.order(2), [1, 0]);
        health.record(0, AttemptOutcome::Answered { ms: 12 }, 61_050);
        assert_eq!(health.order(2), [0, 1]);
        assert!(!health.probe_due(u64::MAX - 1));
        // A name that fails upstream is not the upstream's fault.
        health.record(
            1,
            AttemptOutcome::Unusable {
                ms: 4,
                error: "upstream answered Server Failure".into(),
            },
            61_100,
        );
        assert!(health.is_healthy(1));
        let reports = health.reports();
        assert_eq!(
            (
                reports[0].attempts,
                reports[0].answers,
                reports[0].timeouts,
                reports[0].overtaken,
                reports[0].probes,
                reports[0].srtt_ms
            ),
            (3, 1, 1, 1, 1, Some(12))
        );
        assert_eq!((reports[1].answers, reports[1].failures), (1, 1));
        let json = serde_json::to_value(&reports[1]).unwrap();
        assert_eq!(json["url"], "http://two");
        assert_eq!(json["srtt_ms"], 4);
        assert!(json.get("down_since_ms").is_none(), "{json}");
    }

    #[test]
    fn round_trips_are_smoothed() {
        let mut r = UpstreamReport::default();
        r.round_trip(80);
        r.round_trip(0);
        assert_eq!(
            (r.srtt_ms, r.last_ms, r.max_ms),
            (Some(70), Some(0), Some(80))
        );
    }
}
