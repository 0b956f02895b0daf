//! Logging a recurring problem at most a burst of times per window for each key, so an upstream
//! that fails on every request, or a client that is refused again and again, cannot flood the
//! log (docs/ARCHITECTURE.md, "The edge shell" and "The native shell"). The edge keys by the
//! distinct message and lets one through a minute; the native server keys by the kind of line
//! and lets a few through every ten seconds. The time comes in as `now_ms`; each shell keeps
//! one throttle per isolate or process.

use std::collections::HashMap;

/// The window of each key: when it began, the lines let through in it, and those held back
/// since a line of the key was last let through.
#[derive(Debug)]
pub struct LogThrottle {
    window_ms: u64,
    burst: u32,
    max_keys: usize,
    windows: HashMap<String, Window>,
}

#[derive(Debug)]
struct Window {
    started_ms: u64,
    admitted: u32,
    held_back: u32,
}

impl LogThrottle {
    /// A throttle that lets `burst` lines of each key through per `window_ms` (a window begins
    /// with the first line let through after the last one ended), remembering at most
    /// `max_keys` keys (the one whose window began first is forgotten first).
    pub fn new(window_ms: u64, burst: u32, max_keys: usize) -> Self {
        LogThrottle {
            window_ms,
            burst: burst.max(1),
            max_keys: max_keys.max(1),
            windows: HashMap::new(),
        }
    }

    /// Whether to log a line of `key` at `now_ms`: `Some(n)` to log it, `n` being how many
    /// lines of the key were held back since one was last logged; `None` to hold it back.
    pub fn admit(&mut self, key: &str, now_ms: u64) -> Option<u32> {
        let fresh = Window {
            started_ms: now_ms,
            admitted: 1,
            held_back: 0,
        };
        let Some(window) = self.windows.get_mut(key) else {
            self.forget_oldest_if_full();
            self.windows.insert(key.to_string(), fresh);
            return Some(0);
        };
        if now_ms.saturating_sub(window.started_ms) >= self.window_ms {
            let held_back = window.held_back;
            *window = fresh;
            return Some(held_back);
        }
        if window.admitted >= self.burst {
            window.held_back = window.held_back.saturating_add(1);
            return None;
        }
        window.admitted += 1;
        Some(std::mem::take(&mut window.held_back))
    }

    fn forget_oldest_if_full(&mut self) {
        if self.windows.len() < self.max_keys {
            return;
        }
        let oldest = self
            .windows
            .iter()
            .min_by_key(|(_, w)| w.started_ms)
            .map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            self.windows.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_message_is_let_through_once_per_window() {
        let mut throttle = LogThrottle::new(60_000, 1, 8);
        assert_eq!(throttle.admit("refused", 1_000), Some(0));
        assert_eq!(throttle.admit("refused", 2_000), None);
        assert_eq!(throttle.admit("refused", 60_999), None);
        assert_eq!(throttle.admit("garbage", 3_000), Some(0), "another message");
        assert_eq!(
            throttle.admit("refused", 61_000),
            Some(2),
            "a window later, with the count held back"
        );
        assert_eq!(throttle.admit("refused", 61_001), None);
    }

    #[test]
    fn a_burst_per_window_then_the_count_held_back() {
        let mut throttle = LogThrottle::new(10_000, 5, 8);
        for ms in 0..5 {
            assert_eq!(throttle.admit("refused", ms), Some(0));
        }
        assert_eq!(throttle.admit("refused", 100), None);
        assert_eq!(throttle.admit("refused", 9_999), None);
        assert_eq!(throttle.admit("accept", 9_999), Some(0), "keys apart");
        assert_eq!(throttle.admit("refused", 10_000), Some(2));
        assert_eq!(throttle.admit("refused", 10_001), Some(0));
    }

    #[test]
    fn it_remembers_a_bounded_number_of_keys() {
        let mut throttle = LogThrottle::new(60_000, 1, 2);
        assert_eq!(throttle.admit("a", 1), Some(0));
        assert_eq!(throttle.admit("b", 2), Some(0));
        assert_eq!(throttle.admit("c", 3), Some(0), "forgets a, the oldest");
        assert_eq!(throttle.windows.len(), 2);
        assert_eq!(throttle.admit("b", 4), None);
        assert_eq!(throttle.admit("a", 5), Some(0), "a was forgotten");
    }
}
