//! Logging a recurring problem once per window for each distinct message, so an upstream that
//! fails on every request cannot flood the log (docs/ARCHITECTURE.md, "The edge shell"). The
//! time comes in as `now_ms`; the shell keeps one throttle per isolate or process.

use std::collections::HashMap;

/// When each distinct message was last logged, and how often it was held back since.
#[derive(Debug)]
pub struct LogThrottle {
    window_ms: u64,
    max_messages: usize,
    seen: HashMap<String, Seen>,
}

#[derive(Debug)]
struct Seen {
    logged_ms: u64,
    held_back: u32,
}

impl LogThrottle {
    /// A throttle that lets each distinct message through once per `window_ms`, remembering
    /// at most `max_messages` of them (the oldest is forgotten first).
    pub fn new(window_ms: u64, max_messages: usize) -> Self {
        LogThrottle {
            window_ms,
            max_messages: max_messages.max(1),
            seen: HashMap::new(),
        }
    }

    /// Whether to log `message` at `now_ms`: `Some(n)` to log it, `n` being how many times it
    /// was held back since it was last logged; `None` to hold it back.
    pub fn admit(&mut self, message: &str, now_ms: u64) -> Option<u32> {
        if let Some(seen) = self.seen.get_mut(message) {
            if now_ms.saturating_sub(seen.logged_ms) < self.window_ms {
                seen.held_back = seen.held_back.saturating_add(1);
                return None;
            }
            let held_back = seen.held_back;
            *seen = Seen {
                logged_ms: now_ms,
                held_back: 0,
            };
            return Some(held_back);
        }
        if self.seen.len() >= self.max_messages {
            let oldest = self
                .seen
                .iter()
                .min_by_key(|(_, s)| s.logged_ms)
                .map(|(m, _)| m.clone());
            if let Some(oldest) = oldest {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(
            message.to_string(),
            Seen {
                logged_ms: now_ms,
                held_back: 0,
            },
        );
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_message_is_let_through_once_per_window() {
        let mut throttle = LogThrottle::new(60_000, 8);
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
    fn it_remembers_a_bounded_number_of_messages() {
        let mut throttle = LogThrottle::new(60_000, 2);
        assert_eq!(throttle.admit("a", 1), Some(0));
        assert_eq!(throttle.admit("b", 2), Some(0));
        assert_eq!(throttle.admit("c", 3), Some(0), "forgets a, the oldest");
        assert_eq!(throttle.seen.len(), 2);
        assert_eq!(throttle.admit("b", 4), None);
        assert_eq!(throttle.admit("a", 5), Some(0), "a was forgotten");
    }
}
