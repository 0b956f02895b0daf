//! The failure recheck of RFC 8767 §4 ("failure recheck timer"): after a resolution of a
//! (target, type) failed, expired data is served stale at once, with no upstream attempt in
//! the query's path, and a background retry runs at most once per recheck interval. So under a
//! dead upstream only the first stale answer waits for the attempts.
//!
//! Shared by every request of a process or isolate, behind a std `Mutex`; bounded (when full,
//! the failures whose retry is due are forgotten, then all): a forgotten failure only costs one
//! more wait.

use std::sync::Mutex;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use super::cache::AliasKey;

/// Failing (target, type)s remembered at most.
const REMEMBERED: usize = 4096;

#[derive(Debug)]
struct Failure {
    /// When the next background retry may start.
    retry_at_ms: u64,
    /// Why the last resolution failed, for the stale answer's EDE text.
    reason: String,
}

/// What to do with a query for a (target, type) whose last resolution failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recheck {
    /// Start the background retry now (the answer asks the shell for background work).
    pub retry: bool,
    /// Why the last resolution failed.
    pub reason: String,
}

/// The (target, type)s whose last resolution failed.
pub struct Rechecks {
    failing: Mutex<HashMap<AliasKey, Failure, FxBuildHasher>>,
    interval_ms: u64,
}

impl std::fmt::Debug for Rechecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rechecks")
            .field("failing", &self.lock().len())
            .field("interval_ms", &self.interval_ms)
            .finish()
    }
}

impl Rechecks {
    /// Rechecks every `interval_ms`.
    pub fn new(interval_ms: u64) -> Self {
        Rechecks {
            failing: Mutex::default(),
            interval_ms,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AliasKey, Failure, FxBuildHasher>> {
        self.failing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A resolution of `key` failed at `at_ms`: no retry before one interval has passed.
    pub fn failed(&self, key: &AliasKey, at_ms: u64, reason: &str) {
        let mut failing = self.lock();
        if failing.len() >= REMEMBERED {
            failing.retain(|_, failure| failure.retry_at_ms > at_ms);
            if failing.len() >= REMEMBERED {
                failing.clear();
            }
        }
        failing.insert(
            key.clone(),
            Failure {
                retry_at_ms: at_ms + self.interval_ms,
                reason: reason.to_string(),
            },
        );
    }

    /// A resolution of `key` succeeded.
    pub fn succeeded(&self, key: &AliasKey) {
        self.lock().remove(key);
    }

    /// Whether `key` is failing at `now_ms`, and if so whether its retry is due now (then the
    /// next one is due an interval later: one caller starts it).
    pub fn check(&self, key: &AliasKey, now_ms: u64) -> Option<Recheck> {
        let mut failing = self.lock();
        let failure = failing.get_mut(key)?;
        let retry = now_ms >= failure.retry_at_ms;
        if retry {
            failure.retry_at_ms = now_ms + self.interval_ms;
        }
        Some(Recheck {
            retry,
            reason: failure.reason.clone(),
        })
    }

    /// How many (target, type)s are failing.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::{Name, RecordType};

    #[test]
    fn one_retry_per_interval_until_a_success() {
        let key = AliasKey::new(&Name::from_ascii("t.example.").unwrap(), RecordType::A);
        let rechecks = Rechecks::new(30_000);
        assert_eq!(rechecks.check(&key, 0), None);
        rechecks.failed(&key, 1_000, "HTTP status 503");
        let quiet = rechecks.check(&key, 30_999).unwrap();
        assert_eq!(
            (quiet.retry, quiet.reason.as_str()),
            (false, "HTTP status 503")
        );
        assert!(rechecks.check(&key, 31_000).unwrap().retry);
        assert!(
            !rechecks.check(&key, 31_001).unwrap().retry,
            "one caller starts it"
        );
        assert!(rechecks.check(&key, 61_000).unwrap().retry);
        rechecks.succeeded(&key);
        assert!(rechecks.is_empty());
    }
}
