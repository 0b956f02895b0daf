//! Reading a DoH request: RFC 8484 §4.1 GET (`?dns=` base64url) and POST
//! (`application/dns-message`), the JSON API's `?name=&type=`, CORS preflight and health.

use super::json::JsonQuery;
use super::{DNS_JSON, DNS_MESSAGE};

/// The parts of an HTTP request that DoH looks at, borrowed from whichever HTTP stack received it.
#[derive(Clone, Copy, Debug)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The path, without the query string.
    pub path: &'a str,
    /// The raw query string after `?`, if any.
    pub query: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
    /// The body (empty for GET).
    pub body: &'a [u8],
}

/// Size limits and the endpoint path.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The DoH path (RFC 8484 §3: any URI template; `/dns-query` by convention).
    pub path: String,
    /// The longest path plus query string accepted; longer gets 414.
    pub max_uri: usize,
}

/// The longest path plus query string accepted by default.
pub const MAX_URI: usize = 4096;

impl Limits {
    /// DoH at `path`, with the default limits.
    pub fn at(path: &str) -> Limits {
        Limits {
            path: path.into(),
            max_uri: MAX_URI,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::at(crate::settings::defaults::DOH_PATH)
    }
}

/// What the request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DohRequest {
    /// A DNS query in wire format (GET `?dns=` or POST).
    Wire(Vec<u8>),
    /// A JSON API query.
    Json(JsonQuery),
    /// A CORS preflight (`OPTIONS`).
    Preflight,
    /// `GET /health`.
    Health,
}

/// An HTTP error with a short plain-text reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {reason}")]
pub struct HttpError {
    /// The status code.
    pub status: u16,
    /// Why, for humans.
    pub reason: String,
}

fn error(status: u16, reason: impl Into<String>) -> HttpError {
    HttpError {
        status,
        reason: reason.into(),
    }
}

/// The largest DNS message (RFC 1035 §4.2.2: a 16-bit length) and so the largest body.
pub const MAX_MESSAGE: usize = 65_535;

/// The largest request body accepted (a DNS message); shells read at most one byte more.
pub const MAX_BODY: usize = MAX_MESSAGE;

/// Classifies and reads a request.
pub fn parse_request(req: &HttpRequest<'_>, limits: &Limits) -> Result<DohRequest, HttpError> {
    let uri_len = req.path.len() + req.query.map_or(0, |q| q.len() + 1);
    if uri_len > limits.max_uri {
        return Err(error(
            414,
            format!(
                "URI of {uri_len} bytes is over the limit of {}",
                limits.max_uri
            ),
        ));
    }
    if req.path == "/health" {
        return match req.method {
            "GET" | "HEAD" => Ok(DohRequest::Health),
            _ => Err(error(405, "use GET for /health")),
        };
    }
    if req.path != limits.path {
        return Err(error(404, format!("not found; DoH is at {}", limits.path)));
    }
    match req.method {
        "OPTIONS" => Ok(DohRequest::Preflight),
        "GET" | "HEAD" => parse_get(req),
        "POST" => parse_post(req),
        other => Err(error(
            405,
            format!("method {other} is not allowed; use GET or POST"),
        )),
    }
}

fn parse_get(req: &HttpRequest<'_>) -> Result<DohRequest, HttpError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(req.query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(dns) = param("dns") {
        // RFC 8484 §4.1 sends base64url without padding; padding is tolerated.
        let bytes = crate::encoding::base64url_decode(dns.as_bytes())
            .map_err(|e| error(400, format!("the dns parameter is not base64url: {e}")))?;
        return wire(bytes);
    }
    let wants_json = param("ct") == Some(DNS_JSON)
        || req.accept.is_some_and(|a| a.contains(DNS_JSON))
        || param("name").is_some();
    if wants_json {
        return JsonQuery::from_params(param("name"), param("type"), param("do"), param("cd"))
            .map(DohRequest::Json)
            .map_err(|reason| error(400, reason));
    }
    Err(error(
        400,
        "missing the dns parameter (RFC 8484 §4.1) or name= for the JSON API",
    ))
}

fn parse_post(req: &HttpRequest<'_>) -> Result<DohRequest, HttpError> {
    let media_type = req.content_type.map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if media_type.as_deref() != Some(DNS_MESSAGE) {
        return Err(error(
            415,
            format!(
                "Content-Type must be {DNS_MESSAGE}, not {}",
                req.content_type.unwrap_or("(none)")
            ),
        ));
    }
    if req.body.len() > MAX_MESSAGE {
        return Err(error(
            413,
            format!("body of {} bytes is over {MAX_MESSAGE}", req.body.len()),
        ));
    }
    wire(req.body.to_vec())
}

/// A DNS message needs at least its 12-byte header (RFC 1035 §4.1.1).
fn wire(bytes: Vec<u8>) -> Result<DohRequest, HttpError> {
    if bytes.len() < 12 {
        return Err(error(
            400,
            format!(
                "{} bytes is not a DNS message (the header alone is 12)",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > MAX_MESSAGE {
        return Err(error(
            413,
            format!("DNS message of {} bytes is over {MAX_MESSAGE}", bytes.len()),
        ));
    }
    Ok(DohRequest::Wire(bytes))
}
