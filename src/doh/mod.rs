//! DNS over HTTPS framing (RFC 8484), pure: an HTTP request in, a DNS query or an HTTP error
//! out; a DNS response in, status, headers and body out. Both shells (the Worker and the native
//! hyper server) call these, so the HTTP behaviour is the same everywhere.

pub mod auth;
pub mod health;
pub mod json;
pub mod request;
pub mod response;
pub mod serve;

pub use health::{Health, ZoneHealth};
pub use json::{JsonQuery, json_body};
pub use request::{DohRequest, HttpError, HttpRequest, Limits, MAX_BODY, parse_request};
pub use response::{
    HttpResponse, dns_response, error_response, health_response, preflight_response,
};
pub use serve::{RequestLog, Served, serve_doh};

/// The media type of DNS messages over HTTP (RFC 8484 §6).
pub const DNS_MESSAGE: &str = "application/dns-message";

/// The media type of the JSON API shaped like Cloudflare's and Google's.
pub const DNS_JSON: &str = "application/dns-json";

#[cfg(test)]
mod tests;
