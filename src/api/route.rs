//! Which endpoint a request is for: the PowerDNS Authoritative API v1 under `/api` and the
//! records API under `/v1/zones` (docs/ARCHITECTURE.md, "The record API").

use super::error::ApiError;

/// The one server a PowerDNS client can name.
pub const SERVER_ID: &str = "localhost";

/// An endpoint, with the ids in its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `GET /api`: the API versions.
    Versions,
    /// `GET /api/v1/servers`.
    Servers,
    /// `GET /api/v1/servers/localhost`.
    Server,
    /// `GET|POST /api/v1/servers/localhost/zones`.
    Zones,
    /// `GET|PATCH|PUT|DELETE …/zones/{id}`.
    Zone(String),
    /// `PUT …/zones/{id}/notify`.
    Notify(String),
    /// `GET …/zones/{id}/export`.
    Export(String),
    /// `PUT …/zones/{id}/import`: replace the zone's records with a zone file's.
    Import(String),
    /// `GET …/zones/{id}/alias-status`: what each ALIAS flattens to now. Answered by the
    /// shells over the query path ([`crate::api::alias_status`]), not by [`crate::api::Api`].
    AliasStatus(String),
    /// `GET|POST /v1/zones/{zone}/records`.
    Records(String),
    /// `GET|PUT|PATCH|DELETE /v1/zones/{zone}/records/{id}`.
    Record(String, String),
}

impl Route {
    /// The methods the endpoint answers.
    pub fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::Versions
            | Route::Servers
            | Route::Server
            | Route::Export(_)
            | Route::AliasStatus(_) => &["GET"],
            Route::Zones | Route::Records(_) => &["GET", "POST"],
            Route::Zone(_) => &["GET", "PATCH", "PUT", "DELETE"],
            Route::Notify(_) | Route::Import(_) => &["PUT"],
            Route::Record(..) => &["GET", "PUT", "PATCH", "DELETE"],
        }
    }

    /// Whether this is a records-API endpoint (its errors have that API's shape).
    pub fn is_records_api(&self) -> bool {
        matches!(self, Route::Records(_) | Route::Record(..))
    }
}

/// Whether `path` belongs to the APIs at all (the rest is DoH's).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path.starts_with("/v1/")
}

/// The endpoint for `path`, or 404 naming it.
pub fn route(path: &str) -> Result<Route, ApiError> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let unknown = || ApiError::not_found(format!("no endpoint {path}"));
    Ok(match parts.as_slice() {
        ["api"] => Route::Versions,
        ["api", "v1", "servers"] => Route::Servers,
        ["api", "v1", "servers", server, rest @ ..] if *server != SERVER_ID => {
            let _ = rest;
            return Err(ApiError::not_found(format!(
                "no server {server:?}: this server is \"{SERVER_ID}\""
            )));
        }
        ["api", "v1", "servers", _] => Route::Server,
        ["api", "v1", "servers", _, "zones"] => Route::Zones,
        ["api", "v1", "servers", _, "zones", id] => Route::Zone(zone_id(id)),
        ["api", "v1", "servers", _, "zones", id, "notify"] => Route::Notify(zone_id(id)),
        ["api", "v1", "servers", _, "zones", id, "export"] => Route::Export(zone_id(id)),
        ["api", "v1", "servers", _, "zones", id, "import"] => Route::Import(zone_id(id)),
        ["api", "v1", "servers", _, "zones", id, "alias-status"] => Route::AliasStatus(zone_id(id)),
        ["v1", "zones", zone, "records"] => Route::Records(zone_id(zone)),
        ["v1", "zones", zone, "records", id] => Route::Record(zone_id(zone), (*id).to_string()),
        _ => return Err(unknown()),
    })
}

/// A zone id from a path: PowerDNS escapes `/` in ids as `=2F`.
fn zone_id(segment: &str) -> String {
    segment.replace("=2F", "/")
}

/// 405 for `method` at `route`.
pub fn method_not_allowed(method: &str, route: &Route) -> ApiError {
    ApiError::new(
        405,
        format!(
            "{method} is not allowed here; use {}",
            route.methods().join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_endpoints() {
        assert_eq!(route("/api").unwrap(), Route::Versions);
        assert_eq!(route("/api/v1/servers/").unwrap(), Route::Servers);
        assert_eq!(route("/api/v1/servers/localhost").unwrap(), Route::Server);
        assert_eq!(
            route("/api/v1/servers/localhost/zones/example.com.").unwrap(),
            Route::Zone("example.com.".into())
        );
        assert_eq!(
            route("/api/v1/servers/localhost/zones/example.com/notify").unwrap(),
            Route::Notify("example.com".into())
        );
        assert_eq!(
            route("/v1/zones/example.com/records/abc").unwrap(),
            Route::Record("example.com".into(), "abc".into())
        );
        assert_eq!(
            route("/api/v1/servers/localhost/zones/example.com./import").unwrap(),
            Route::Import("example.com.".into())
        );
        assert_eq!(
            route("/api/v1/servers/localhost/zones/example.com./alias-status").unwrap(),
            Route::AliasStatus("example.com.".into())
        );
        let other = route("/api/v1/servers/pdns1/zones").unwrap_err();
        assert_eq!(other.status, 404);
        assert!(other.message.contains("pdns1"), "{other:?}");
        assert_eq!(route("/api/v2").unwrap_err().status, 404);
        assert!(is_api_path("/v1/zones/x/records") && !is_api_path("/dns-query"));
        assert_eq!(
            method_not_allowed("POST", &Route::Server).message,
            "POST is not allowed here; use GET"
        );
    }
}
