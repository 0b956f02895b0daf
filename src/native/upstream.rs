//! The native ALIAS ports: upstream DoH over hyper (plain `http://` URLs: a local dnsdist or
//! resolver, or the test suite's fake upstream), tokio's timer, and the refresh-ahead spawner.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::alias::{Timer, Upstream};
use crate::doh::{DNS_MESSAGE, MAX_BODY};

/// DoH upstreams over HTTP/1.1 with connection reuse.
#[derive(Clone)]
pub struct HttpUpstream {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HttpUpstream {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_millis(500)));
        HttpUpstream {
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
        }
    }
}

impl Upstream for HttpUpstream {
    /// RFC 8484 §4.1 POST. Anything but a 200 with `application/dns-message` and a body of at
    /// most 65,535 bytes is an error; dropping the future drops the request.
    async fn exchange(&self, url: &str, query: &[u8], deadline_ms: u32) -> Result<Vec<u8>, String> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(url)
            .header("content-type", DNS_MESSAGE)
            .header("accept", DNS_MESSAGE)
            .body(Full::new(Bytes::copy_from_slice(query)))
            .map_err(|e| format!("bad upstream URL: {e}"))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("HTTP request failed: {e}"))?;
            let status = response.status();
            if status != 200 {
                return Err(format!("HTTP status {status}"));
            }
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if !content_type.starts_with(DNS_MESSAGE) {
                return Err(format!("content type {content_type:?}, not {DNS_MESSAGE}"));
            }
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the body: {e}"))?;
            Ok(body.to_bytes().to_vec())
        };
        tokio::time::timeout(Duration::from_millis(u64::from(deadline_ms)), exchange)
            .await
            .map_err(|_| format!("no answer within {deadline_ms} ms"))?
    }
}

/// tokio's timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    async fn sleep(&self, ms: u32) {
        tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
    }
}
