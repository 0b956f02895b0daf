//! The native ALIAS ports: upstream DoH (RFC 8484) over reqwest, for `https://` resolvers
//! (HTTP/2 by ALPN, web PKI roots plus any `--upstream-ca`) and plain `http://` ones (a local
//! dnsdist, or the test suite's fake upstream); tokio's timer.

use std::time::Duration;

use crate::alias::upstream::{check_body_len, check_head};
use crate::alias::{Timer, Upstream, UpstreamError};
use crate::doh::DNS_MESSAGE;

/// DoH upstreams with connection reuse.
#[derive(Clone)]
pub struct DohUpstream {
    client: reqwest::Client,
}

impl DohUpstream {
    /// A client trusting the web PKI roots and, in addition, every certificate in the PEM
    /// bundles `extra_roots` (for a private resolver's own CA).
    pub fn new(extra_roots: &[reqwest::Certificate]) -> Result<DohUpstream, String> {
        let mut builder = reqwest::Client::builder()
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_millis(500))
            .pool_idle_timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none());
        for root in extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the upstream HTTP client: {e}"))?;
        Ok(DohUpstream { client })
    }
}

/// Checks an upstream DoH URL when the server starts, so a typo is reported at once and not as
/// a failure on every ALIAS query.
pub fn check_upstream_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("upstream {url:?}: {e}"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(()),
        "http" | "https" => Err(format!("upstream {url:?}: no host")),
        other => Err(format!(
            "upstream {url:?}: the scheme is {other:?}; DoH needs http:// or https://"
        )),
    }
}

/// Reads a PEM file of CA certificates for `--upstream-ca`.
pub fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("{}: not a PEM certificate bundle: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(certs)
}

impl Upstream for DohUpstream {
    /// RFC 8484 §4.1 POST, checked as every shell checks it ([`check_head`]); dropping the
    /// future drops the request.
    async fn exchange(
        &self,
        url: &str,
        query: &[u8],
        deadline_ms: u32,
    ) -> Result<Vec<u8>, UpstreamError> {
        let exchange = async {
            let mut response = self
                .client
                .post(url)
                .header("content-type", DNS_MESSAGE)
                .header("accept", DNS_MESSAGE)
                .body(query.to_vec())
                .send()
                .await
                .map_err(|e| UpstreamError::Request(error_chain(&e)))?;
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            check_head(
                response.status().as_u16(),
                content_type,
                response.content_length(),
            )?;
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| UpstreamError::Body(error_chain(&e)))?
            {
                check_body_len(body.len() + chunk.len())?;
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        tokio::time::timeout(Duration::from_millis(u64::from(deadline_ms)), exchange)
            .await
            .map_err(|_| UpstreamError::Timeout(deadline_ms))?
    }
}

/// An error with its causes ("error sending request: ... : invalid peer certificate ..."), since
/// reqwest's own message hides why a TLS connection failed.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// tokio's timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    async fn sleep(&self, ms: u32) {
        tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
    }

    /// Milliseconds on the monotonic clock since the process first asked.
    fn elapsed_ms(&self) -> u64 {
        super::monotonic_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_are_checked_at_start() {
        assert!(check_upstream_url("https://cloudflare-dns.com/dns-query").is_ok());
        assert!(check_upstream_url("http://127.0.0.1:8053/dns-query").is_ok());
        let scheme = check_upstream_url("udp://9.9.9.9").unwrap_err();
        assert!(scheme.contains("needs http:// or https://"), "{scheme}");
        assert!(check_upstream_url("cloudflare-dns.com/dns-query").is_err());
    }

    #[test]
    fn a_ca_bundle_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let err = read_ca_bundle(&empty).unwrap_err();
        assert!(err.contains("no certificate"), "{err}");
        let missing = read_ca_bundle(&dir.path().join("missing.pem")).unwrap_err();
        assert!(missing.contains("missing.pem"), "{missing}");
    }
}
