//! Why an upstream `fetch` failed, in words a user can act on (docs/ARCHITECTURE.md, "The edge
//! shell"), and one log line per distinct failure per isolate per minute.
//!
//! workerd says little: a refused or reset connection is "Network connection lost.", and most
//! other failures (a DNS lookup, TLS, a reply that is not HTTP) are "internal error; reference =
//! <id>", the cause being only in workerd's own log under that id. So the text names the
//! upstream's host and port, says which of those it can be, and keeps workerd's words.

use std::cell::RefCell;

use worker::console_log;

use crate::alias::UpstreamError;
use crate::log_throttle::LogThrottle;

/// workerd's words for a connection refused or closed before a response.
const CONNECTION_LOST: &str = "Network connection lost";
/// workerd's words for a failure it explains only in its own log.
const INTERNAL_ERROR: &str = "internal error; reference = ";

/// How long a distinct upstream failure stays quiet in the log after it was logged.
const LOG_WINDOW_MS: u64 = 60_000;

thread_local! {
    static LOGGED: RefCell<LogThrottle> = RefCell::new(LogThrottle::new(LOG_WINDOW_MS, 1, 64));
}

/// The error of a `fetch` to `url` that threw `error`.
pub fn fetch_failed(url: &str, error: &worker::Error) -> UpstreamError {
    UpstreamError::Request(describe(url, &js_message(error)))
}

/// The message of a JavaScript error, without its name or stack.
pub fn js_message(error: &worker::Error) -> String {
    match error {
        worker::Error::UnknownJsError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The sentence for workerd's `message` about a fetch of `url`.
fn describe(url: &str, message: &str) -> String {
    let address = worker::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(format!("{host}:{}", u.port_or_known_default()?))
        })
        .unwrap_or_else(|| url.to_string());
    if message.starts_with(CONNECTION_LOST) {
        format!("connection to {address} refused or closed before a response (workerd: {message})")
    } else if let Some(reference) = message.strip_prefix(INTERNAL_ERROR) {
        format!(
            "no HTTP response from {address}: the DNS lookup, the connection, TLS or the reply \
             failed, and workerd logged which under reference {reference}"
        )
    } else {
        message.to_string()
    }
}

/// Logs `error` from `url` as one JSON event line, unless the same failure was logged in the
/// last minute; the line says how many were held back. workerd references differ on every
/// failure, so they are left out when telling failures apart.
pub fn log_failure(url: &str, error: &UpstreamError, now_ms: u64) {
    let text = format!("upstream {url}: {error}");
    let key = match text.find("under reference ") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    let Some(held_back) = LOGGED.with(|l| l.borrow_mut().admit(key, now_ms)) else {
        return;
    };
    let more = match held_back {
        0 => String::new(),
        n => format!(" ({n} more like it since it was last logged)"),
    };
    console_log!(
        "{}",
        serde_json::json!({ "event": format!("{text}{more}; logged once a minute per isolate") })
    );
}
