//! Slowing down repeated bad keys: after `limit` failed keys from one client within a window,
//! that client gets 429 until the window ends. The native server keeps this per address (per
//! /24 or /56 prefix); the Worker uses the rate-limiting binding instead. Time is a value.

use std::num::NonZeroUsize;

use lru::LruCache;

/// Failed keys per client within a window, for at most `clients` clients (least recent
/// forgotten first).
pub struct BadKeys {
    limit: u32,
    window_ms: u64,
    failures: LruCache<String, (u64, u32)>,
}

impl BadKeys {
    /// At most `limit` failures per `window_ms`, remembered for up to `clients` clients.
    pub fn new(limit: u32, window_ms: u64, clients: usize) -> Self {
        BadKeys {
            limit,
            window_ms,
            failures: LruCache::new(NonZeroUsize::new(clients.max(1)).unwrap_or(NonZeroUsize::MIN)),
        }
    }

    /// Whether `client` is slowed down at `now_ms`.
    pub fn blocked(&mut self, client: &str, now_ms: u64) -> bool {
        match self.failures.get(client) {
            Some(&(start, count)) => {
                now_ms.saturating_sub(start) < self.window_ms && count >= self.limit
            }
            None => false,
        }
    }

    /// Records a failed key from `client` at `now_ms`.
    pub fn failed(&mut self, client: &str, now_ms: u64) {
        let window = self.window_ms;
        match self.failures.get_mut(client) {
            Some((start, count)) if now_ms.saturating_sub(*start) < window => {
                *count = count.saturating_add(1);
            }
            _ => {
                self.failures.put(client.to_string(), (now_ms, 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_slowed_after_the_limit_until_the_window_ends() {
        let mut bad = BadKeys::new(3, 60_000, 2);
        for t in 0..3 {
            assert!(!bad.blocked("192.0.2.0/24", t));
            bad.failed("192.0.2.0/24", t);
        }
        assert!(bad.blocked("192.0.2.0/24", 10));
        assert!(!bad.blocked("198.51.100.0/24", 10), "others are not");
        assert!(!bad.blocked("192.0.2.0/24", 60_001), "the window ended");
        bad.failed("192.0.2.0/24", 60_001);
        assert!(
            !bad.blocked("192.0.2.0/24", 60_002),
            "a new window starts at one"
        );
    }
}
