//! Log lines that clients can cause (refused transfers, refused connections, failed accepts,
//! failed refreshes), at most [`BURST`] of a kind per [`WINDOW`]; the first line of a kind
//! after a window in which some were held back says how many.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use super::log;

/// Lines of one kind printed per window.
pub const BURST: u32 = 5;

/// The window.
pub const WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Window {
    started: Instant,
    printed: u32,
    held_back: u64,
}

/// Counts the lines of each kind in the current window.
#[derive(Debug, Default)]
pub struct Throttle {
    kinds: HashMap<&'static str, Window>,
}

impl Throttle {
    /// Whether a line of `kind` may be printed at `now`: `Some(n)` with the number of lines of
    /// that kind held back in the windows since the last one printed, `None` to hold it back.
    pub fn admit(&mut self, kind: &'static str, now: Instant) -> Option<u64> {
        let window = self.kinds.entry(kind).or_insert(Window {
            started: now,
            printed: 0,
            held_back: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            window.started = now;
            window.printed = 0;
        }
        if window.printed >= BURST {
            window.held_back += 1;
            return None;
        }
        window.printed += 1;
        Some(std::mem::take(&mut window.held_back))
    }
}

static THROTTLE: LazyLock<Mutex<Throttle>> = LazyLock::new(Mutex::default);

/// Logs `line` unless [`BURST`] lines of `kind` were logged in the last [`WINDOW`]; builds the
/// line only if it is logged.
pub fn log_throttled<D: std::fmt::Display>(kind: &'static str, line: impl FnOnce() -> D) {
    let admitted = THROTTLE
        .lock()
        .map(|mut t| t.admit(kind, Instant::now()))
        .unwrap_or(Some(0));
    match admitted {
        None => {}
        Some(0) => log(line()),
        Some(held_back) => {
            log(format!(
                "{held_back} more line(s) of the kind \"{kind}\" were not logged (at most {BURST} every {} s)",
                WINDOW.as_secs()
            ));
            log(line());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_window_then_the_count_held_back() {
        let mut throttle = Throttle::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        for i in 0..BURST {
            assert_eq!(throttle.admit("refused", at(u64::from(i))), Some(0));
        }
        assert_eq!(throttle.admit("refused", at(100)), None);
        assert_eq!(throttle.admit("refused", at(9_999)), None);
        assert_eq!(throttle.admit("accept", at(9_999)), Some(0), "kinds apart");
        assert_eq!(throttle.admit("refused", at(10_000)), Some(2));
        assert_eq!(throttle.admit("refused", at(10_001)), Some(0));
    }
}
