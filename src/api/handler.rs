//! One request through the APIs: the key, the endpoint, the handler, and the reply with the
//! change-log line the shell writes. Pure: the shells pass the request in and do the I/O
//! behind [`ZoneRepo`] (docs/ARCHITECTURE.md, "The record API").

use serde_json::Value;

use super::error::ApiError;
use super::keys::{ApiKey, KeyRing};
use super::repo::ZoneRepo;
use super::route::{Route, method_not_allowed, route};
use super::{pdns, records};
use crate::doh::HttpResponse;

/// The largest request body the APIs read (a zone created with its records).
pub const MAX_API_BODY: usize = 4 * 1024 * 1024;

/// A request to the APIs, as the shell read it.
#[derive(Clone, Debug)]
pub struct ApiRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// The path, without the query string.
    pub path: &'a str,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// `X-API-Key` (PowerDNS).
    pub api_key: Option<&'a str>,
    /// `Authorization` (the records API's `Bearer` key).
    pub authorization: Option<&'a str>,
    /// `Accept`.
    pub accept: Option<&'a str>,
    /// `Content-Type` (an import's body is zone text or JSON).
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl ApiRequest<'_> {
    /// The key presented, by either header (`X-API-Key`, or `Authorization: Bearer`).
    pub fn presented_key(&self) -> Option<&str> {
        self.api_key.or_else(|| {
            self.authorization.and_then(|a| {
                a.strip_prefix("Bearer ")
                    .or_else(|| a.strip_prefix("bearer "))
            })
        })
    }

    /// The value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body as JSON of type `T`, or 400 naming the problem.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(self.body)
            .map_err(|e| ApiError::malformed(format!("the body is not the JSON expected: {e}")))
    }
}

/// What a handler returns: a status and a JSON body (or none), and what changed.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// The body, if any.
    pub body: Option<Value>,
    /// Zone text instead of JSON (the export).
    pub text: Option<String>,
    /// The change-log line, for a write that changed a zone.
    pub audit: Option<Value>,
}

impl Reply {
    /// A JSON body with `status`.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            text: None,
            audit: None,
        }
    }

    /// No body (204).
    pub fn empty() -> Self {
        Reply {
            status: 204,
            body: None,
            text: None,
            audit: None,
        }
    }

    /// With the change-log line.
    pub fn logged(mut self, audit: Value) -> Self {
        self.audit = Some(audit);
        self
    }
}

/// A request's outcome for the shell.
#[derive(Debug)]
pub struct ApiOutcome {
    /// What to send.
    pub response: HttpResponse,
    /// A JSON line to log: one per change, naming the key, the zone, what changed and the
    /// serials.
    pub audit: Option<String>,
    /// Whether the request presented no valid key (the shell slows repeated ones down).
    pub bad_key: bool,
}

/// What the APIs need besides the request.
pub struct Api<'a, R> {
    /// The keys.
    pub keys: &'a KeyRing,
    /// The zones.
    pub repo: &'a R,
    /// The version `GET /api/v1/servers/localhost` reports.
    pub version: &'a str,
}

impl<R: ZoneRepo> Api<'_, R> {
    /// Answers `request`.
    pub async fn handle(&self, request: &ApiRequest<'_>) -> ApiOutcome {
        let records_api = request.path.starts_with("/v1/");
        let key = match authenticate(self.keys, request) {
            Ok(key) => key,
            Err(refused) => return refused,
        };
        let result = match route(request.path) {
            Ok(route) => {
                let records_api = route.is_records_api();
                let result = self.dispatch(key, &route, request).await;
                return outcome(records_api, result, false);
            }
            Err(e) => Err(e),
        };
        outcome(records_api, result, false)
    }

    async fn dispatch(
        &self,
        key: &ApiKey,
        route: &Route,
        request: &ApiRequest<'_>,
    ) -> Result<Reply, ApiError> {
        let method = request.method.to_ascii_uppercase();
        if !route.methods().contains(&method.as_str()) {
            return Err(method_not_allowed(&method, route));
        }
        let pdns = pdns::Pdns {
            key,
            repo: self.repo,
            version: self.version,
        };
        let records = records::Records {
            key,
            repo: self.repo,
        };
        match (route, method.as_str()) {
            (Route::Versions, _) => Ok(pdns::versions()),
            (Route::Servers, _) => Ok(Reply::json(200, Value::Array(vec![pdns.server()]))),
            (Route::Server, _) => Ok(Reply::json(200, pdns.server())),
            (Route::Zones, "GET") => pdns.list(request).await,
            (Route::Zones, _) => pdns.create(request).await,
            (Route::Zone(id), "GET") => pdns.get(id, request).await,
            (Route::Zone(id), "PATCH") => pdns.patch(id, request).await,
            (Route::Zone(id), "PUT") => pdns.put(id, request).await,
            (Route::Zone(id), _) => pdns.delete(id).await,
            (Route::Notify(id), _) => pdns.notify(id).await,
            (Route::Export(id), _) => pdns.export(id, request).await,
            (Route::Import(id), _) => pdns.import(id, request).await,
            (Route::AliasStatus(_), _) => Err(ApiError::store(
                "the ALIAS status is answered by the server's query path, not by the zone store",
            )),
            (Route::Records(zone), "GET") => records.list(zone, request).await,
            (Route::Records(zone), _) => records.create(zone, request).await,
            (Route::Record(zone, id), "GET") => records.get(zone, id).await,
            (Route::Record(zone, id), "DELETE") => records.delete(zone, id).await,
            (Route::Record(zone, id), _) => records.update(zone, id, request).await,
        }
    }
}

/// The key `request` presents, or the 401 to send.
pub fn authenticate<'k>(
    keys: &'k KeyRing,
    request: &ApiRequest<'_>,
) -> Result<&'k ApiKey, ApiOutcome> {
    match request.presented_key().map(|k| keys.authenticate(k)) {
        Some(Some(key)) => Ok(key),
        presented => {
            let why = match presented {
                None if keys.is_empty() => "the API is closed: no API keys are configured",
                None => "no API key: send X-API-Key or Authorization: Bearer",
                _ => "the API key is not valid",
            };
            let records_api = request.path.starts_with("/v1/");
            Err(outcome(records_api, Err(ApiError::new(401, why)), true))
        }
    }
}

/// An error as the API it came from shapes it: PowerDNS's `{"error": …}`, or the records
/// API's `{"status": "error", "error": {"code", "message"}}`; with `errors` (the lines of a
/// zone file at fault) and `field` (the request field at fault) when the error has them.
pub fn error_body(records_api: bool, error: &ApiError) -> Value {
    let mut body = serde_json::json!({"error": error.message});
    let lines: Vec<Value> = error
        .lines
        .iter()
        .map(|l| serde_json::json!({"line": l.line, "message": l.message}))
        .collect();
    if records_api {
        body = serde_json::json!({"code": error.code(), "message": error.message});
    }
    if let Value::Object(map) = &mut body {
        if !lines.is_empty() {
            map.insert("errors".into(), Value::Array(lines));
        }
        if let Some(field) = error.field {
            map.insert("field".into(), field.into());
        }
    }
    if records_api {
        serde_json::json!({"status": "error", "error": body})
    } else {
        body
    }
}

/// The HTTP response for a result: JSON always (errors included), zone text for the export.
pub fn outcome(records_api: bool, result: Result<Reply, ApiError>, bad_key: bool) -> ApiOutcome {
    let reply = result.unwrap_or_else(|e| Reply::json(e.status, error_body(records_api, &e)));
    let mut headers = vec![("content-type", "application/json".to_string())];
    let body = match (&reply.text, &reply.body) {
        (Some(text), _) => {
            headers[0].1 = "text/plain; charset=utf-8".into();
            text.clone().into_bytes()
        }
        (None, Some(body)) => serde_json::to_vec(body).unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    if reply.status == 401 {
        headers.push(("www-authenticate", "Bearer".into()));
    }
    if reply.status == 429 {
        headers.push(("retry-after", "60".into()));
    }
    headers.push(("cache-control", "no-store".into()));
    ApiOutcome {
        response: HttpResponse {
            status: reply.status,
            headers,
            body,
        },
        audit: reply.audit.map(|a| a.to_string()),
        bad_key,
    }
}
