//! The ports the ALIAS resolver runs over (an upstream DoH exchange and a timer), their error
//! type, and the checks every shell makes on an upstream's HTTP response (RFC 8484 §4.2).

use futures::channel::oneshot::Canceled;

use super::flight::{Resolution, Waiting};
use crate::doh::{DNS_MESSAGE, MAX_BODY};

/// Why one upstream exchange gave no DNS message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The request could not be made or completed (connection, TLS, aborted).
    #[error("HTTP request failed: {0}")]
    Request(String),
    /// The upstream answered with a status other than 200.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body is not `application/dns-message`.
    #[error("content type {0:?}, not {DNS_MESSAGE}")]
    ContentType(String),
    /// The body is larger than any DNS message.
    #[error("reading the body: {0} bytes is over {MAX_BODY}")]
    TooLarge(u64),
    /// Reading the body failed part way.
    #[error("reading the body: {0}")]
    Body(String),
    /// No answer before the attempt's deadline.
    #[error("no answer within {0} ms")]
    Timeout(u32),
    /// The shell may make no more fetches for this request (the Workers subrequest limit).
    #[error("subrequest budget of {0} used up")]
    Budget(u32),
    /// The URL cannot be fetched.
    #[error("bad upstream URL: {0}")]
    Url(String),
}

/// The upstream port: one DoH exchange (POST `application/dns-message`) with `url`. The
/// implementation must give up by `deadline_ms` and abort the request when the future is
/// dropped (a hedge loser, or a late attempt).
#[allow(async_fn_in_trait)]
pub trait Upstream {
    /// Sends `query` to `url`; the answer body, or why not.
    async fn exchange(
        &self,
        url: &str,
        query: &[u8],
        deadline_ms: u32,
    ) -> Result<Vec<u8>, UpstreamError>;
}

/// The timer port: `Delay` at the edge, `tokio::time::sleep` natively, virtual time in tests.
#[allow(async_fn_in_trait)]
pub trait Timer {
    /// Completes after `ms` milliseconds.
    async fn sleep(&self, ms: u32);

    /// A clock reading in milliseconds, for measuring how long something took (the epoch of
    /// the reading is the shell's: only differences count).
    fn elapsed_ms(&self) -> u64;

    /// Waits for the flight another request leads: its resolution, or `Canceled` if its leader
    /// went away. By default (natively) the leader's result wakes the waiter. At the edge it
    /// must not: workerd would run the waiter in the leader's request context, and it cancels a
    /// request that has nothing of its own pending as hung; so the edge polls on its own timer.
    async fn wait(&self, waiting: Waiting) -> Result<Resolution, Canceled> {
        waiting.await
    }
}

/// Checks the head of an upstream's HTTP response before its body is read: status 200, type
/// `application/dns-message` (RFC 8484 §4.2.1), and a declared length no larger than a DNS
/// message can be.
pub fn check_head(
    status: u16,
    content_type: Option<&str>,
    content_length: Option<u64>,
) -> Result<(), UpstreamError> {
    if status != 200 {
        return Err(UpstreamError::Status(status));
    }
    let content_type = content_type.unwrap_or("");
    if !content_type.starts_with(DNS_MESSAGE) {
        return Err(UpstreamError::ContentType(content_type.to_string()));
    }
    match content_length {
        Some(length) if length > MAX_BODY as u64 => Err(UpstreamError::TooLarge(length)),
        _ => Ok(()),
    }
}

/// Checks a body as it grows: `read` bytes so far must fit in a DNS message.
pub fn check_body_len(read: usize) -> Result<(), UpstreamError> {
    if read > MAX_BODY {
        return Err(UpstreamError::TooLarge(read as u64));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_must_be_a_200_dns_message_of_possible_size() {
        assert!(check_head(200, Some("application/dns-message"), Some(100)).is_ok());
        assert!(check_head(200, Some("application/dns-message; charset=x"), None).is_ok());
        assert_eq!(
            check_head(503, Some("application/dns-message"), None)
                .unwrap_err()
                .to_string(),
            "HTTP status 503"
        );
        assert_eq!(
            check_head(200, Some("text/html"), None)
                .unwrap_err()
                .to_string(),
            "content type \"text/html\", not application/dns-message"
        );
        assert!(matches!(
            check_head(200, None, None),
            Err(UpstreamError::ContentType(_))
        ));
        assert_eq!(
            check_head(200, Some("application/dns-message"), Some(70_000)),
            Err(UpstreamError::TooLarge(70_000))
        );
        assert!(check_body_len(65_535).is_ok() && check_body_len(65_536).is_err());
    }
}
