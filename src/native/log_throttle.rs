//! Log lines that clients can cause (refused transfers, refused connections, failed accepts,
//! failed refreshes), at most [`BURST`] of a kind per [`WINDOW`]; the first line of a kind
//! after a window in which some were held back says how many. The rule is the core's
//! [`LogThrottle`]; this is the process's one throttle and its monotonic clock.

use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use super::{log, monotonic_ms};
use crate::log_throttle::LogThrottle;

/// Lines of one kind printed per window.
pub const BURST: u32 = 5;

/// The window.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Kinds remembered; the server has fewer.
const MAX_KINDS: usize = 64;

static THROTTLE: LazyLock<Mutex<LogThrottle>> = LazyLock::new(|| {
    Mutex::new(LogThrottle::new(
        WINDOW.as_millis() as u64,
        BURST,
        MAX_KINDS,
    ))
});

/// Logs `line` unless [`BURST`] lines of `kind` were logged in the last [`WINDOW`]; builds the
/// line only if it is logged.
pub fn log_throttled<D: std::fmt::Display>(kind: &'static str, line: impl FnOnce() -> D) {
    let admitted = THROTTLE
        .lock()
        .map(|mut t| t.admit(kind, monotonic_ms()))
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
