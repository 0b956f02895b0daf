//! Writing DoH responses: RFC 8484 §4.2 (`application/dns-message`), §5.1 (HTTP caching from
//! the DNS TTLs), CORS for browser pages, and the observability headers.

use crate::respond::{Response, ResponseInfo};

use super::DNS_MESSAGE;
use super::request::HttpError;

/// A response ready for any HTTP stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

const CORS: (&str, &str) = ("access-control-allow-origin", "*");

/// The response headers a page on another origin may read besides the CORS-safelisted ones
/// (Fetch standard, "CORS protocol"): without this, `fetch()` in a browser hides them. Sent
/// with DNS responses only: a preflight's own headers are not exposed to anyone.
pub const EXPOSE_HEADERS: (&str, &str) = (
    "access-control-expose-headers",
    "flatapex-alias, server-timing",
);

/// `Cache-Control` for a DNS answer (RFC 8484 §5.1): the smallest TTL, or the negative TTL for
/// negative answers (RFC 2308 §5); nothing cacheable for SERVFAIL and other failures.
pub fn cache_control(info: &ResponseInfo) -> String {
    match info.cache_ttl {
        Some(ttl) => format!("max-age={ttl}"),
        None => "no-store".into(),
    }
}

/// The `flatapex-alias` header (docs/ARCHITECTURE.md, "ALIAS"): `<name> -> <target>; type=A; source=<memory|cache|
/// upstream|stale|local>[; upstream=<url>][; failed]`, one entry per flattened type,
/// comma-separated. `failed` marks a type where `source` gave nothing usable and the failure
/// policy answered.
pub fn alias_header(info: &ResponseInfo) -> Option<String> {
    if info.alias.is_empty() {
        return None;
    }
    Some(
        info.alias
            .iter()
            .map(|a| {
                let mut entry = format!(
                    "{} -> {}; type={}; source={}",
                    a.owner,
                    a.target,
                    a.rtype,
                    a.source.as_str()
                );
                if let Some(url) = &a.upstream {
                    entry.push_str("; upstream=");
                    entry.push_str(url);
                }
                if a.failed {
                    entry.push_str("; failed");
                }
                entry
            })
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// `Server-Timing` (W3C Server Timing): the time spent answering, in milliseconds.
pub fn server_timing(elapsed_ms: f64) -> String {
    format!("dns;dur={elapsed_ms:.3}")
}

/// The HTTP response carrying a DNS response. `body` is the wire message, or the JSON rendering
/// of it for the JSON API (`json = true`).
pub fn dns_response(
    response: &Response,
    body: Vec<u8>,
    json: bool,
    elapsed_ms: f64,
) -> HttpResponse {
    let mut headers = vec![
        (
            "content-type",
            if json {
                "application/dns-json".to_string()
            } else {
                DNS_MESSAGE.to_string()
            },
        ),
        ("cache-control", cache_control(&response.info)),
        (CORS.0, CORS.1.into()),
        (EXPOSE_HEADERS.0, EXPOSE_HEADERS.1.into()),
        ("server-timing", server_timing(elapsed_ms)),
    ];
    if json {
        headers.push(("vary", "Accept".into()));
    }
    if let Some(alias) = alias_header(&response.info) {
        headers.push(("flatapex-alias", alias));
    }
    HttpResponse {
        status: 200,
        headers,
        body,
    }
}

/// An HTTP error with its reason as plain text.
pub fn error_response(error: &HttpError) -> HttpResponse {
    let mut headers = vec![
        ("content-type", "text/plain; charset=utf-8".to_string()),
        ("cache-control", "no-store".into()),
        (CORS.0, CORS.1.into()),
    ];
    if error.status == 405 {
        headers.push(("allow", "GET, POST, OPTIONS".into()));
    }
    HttpResponse {
        status: error.status,
        headers,
        body: format!("{}\n", error.reason).into_bytes(),
    }
}

/// The answer to a CORS preflight: any origin may GET or POST DNS messages.
pub fn preflight_response() -> HttpResponse {
    HttpResponse {
        status: 204,
        headers: vec![
            (CORS.0, CORS.1.into()),
            ("access-control-allow-methods", "GET, POST, OPTIONS".into()),
            (
                "access-control-allow-headers",
                "content-type, accept".into(),
            ),
            ("access-control-max-age", "86400".into()),
        ],
        body: Vec::new(),
    }
}

/// `GET /health`: 200 with a JSON body the shell builds (the zones and versions it serves).
pub fn health_response(body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![
            ("content-type", "application/json".into()),
            ("cache-control", "no-store".into()),
        ],
        body,
    }
}
