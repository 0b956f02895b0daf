//! One DoH exchange end to end, shared by both shells: HTTP request → [`parse_request`] →
//! [`Responder`] → HTTP response, plus the one structured log line per request.

use serde::Serialize;

use crate::alias::Flattener;
use crate::message::Transport;
use crate::respond::{Responder, Response};
use crate::store::ZoneStore;

use super::json::json_body;
use super::request::{DohRequest, HttpError, HttpRequest, Limits, parse_request};
use super::response::{
    HttpResponse, alias_header, dns_response, error_response, health_response, preflight_response,
};

/// One request's log line (serialised as a single JSON object by the shells).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RequestLog {
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The HTTP status sent.
    pub status: u16,
    /// The question name, when there was a DNS query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qname: Option<String>,
    /// The question type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qtype: Option<String>,
    /// The DNS response code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// The zone that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Where flattened ALIAS addresses came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The EDE sent, as `code: text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ede: Option<String>,
    /// Why the HTTP request was refused, for 4xx.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds spent, as measured by the shell's clock.
    pub ms: f64,
}

impl RequestLog {
    /// The line as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A finished exchange: what to send and what to log.
#[derive(Clone, Debug)]
pub struct Served {
    /// The HTTP response.
    pub response: HttpResponse,
    /// The log line.
    pub log: RequestLog,
    /// Flattened sets served from a cache entry near expiry: (target, type) to re-resolve in the
    /// background (refresh ahead).
    pub refresh: Vec<(hickory_proto::rr::Name, hickory_proto::rr::RecordType)>,
}

/// Answers one DoH request. `clock_ms` reads the shell's clock (for `Server-Timing` and the
/// log); `health` builds the `/health` body when asked.
pub async fn serve_doh<S, F, G, C, H>(
    responder: &Responder<S, F, G>,
    req: &HttpRequest<'_>,
    limits: &Limits,
    now_ms: u64,
    clock_ms: &C,
    health: &H,
) -> Served
where
    S: ZoneStore,
    F: Flattener,
    G: crate::dnssec::Signer,
    C: Fn() -> f64,
    H: Fn() -> Vec<u8>,
{
    let started = clock_ms();
    let mut log = RequestLog {
        method: req.method.to_string(),
        path: req.path.to_string(),
        ..RequestLog::default()
    };
    let mut refresh = Vec::new();
    // Either a finished HTTP answer, or a DNS query to answer (and whether as JSON).
    let exchange = match parse_request(req, limits) {
        Err(e) => Err((error_response(&e), Some(e))),
        Ok(DohRequest::Preflight) => Err((preflight_response(), None)),
        Ok(DohRequest::Health) => Err((health_response(health()), None)),
        Ok(DohRequest::Wire(query)) => Ok((query, false)),
        Ok(DohRequest::Json(query)) => Ok((query.to_wire(), true)),
    };
    let (mut response, failure) = match exchange {
        Err(done) => done,
        Ok((query, json)) => match responder.respond(&query, Transport::Https, now_ms).await {
            Some(mut answer) => {
                note(&mut log, &answer);
                refresh = answer.info.refresh_targets();
                let body = if json {
                    json_body(&answer.framed.bytes)
                } else {
                    std::mem::take(&mut answer.framed.bytes)
                };
                let elapsed = clock_ms() - started;
                (dns_response(&answer, body, json, elapsed), None)
            }
            None => {
                let e = HttpError {
                    status: 400,
                    reason: "not a DNS query (QR is set, or the header is short)".into(),
                };
                (error_response(&e), Some(e))
            }
        },
    };
    if req.method == "HEAD" {
        response.body.clear();
    }
    log.status = response.status;
    log.error = failure.map(|e| e.reason);
    log.ms = ((clock_ms() - started) * 1000.0).round() / 1000.0;
    Served {
        response,
        log,
        refresh,
    }
}

fn note(log: &mut RequestLog, answer: &Response) {
    let info = &answer.info;
    log.qname = info.qname.as_ref().map(|n| n.to_string());
    log.qtype = info.qtype.map(|t| t.to_string());
    log.rcode = Some(answer.framed.rcode.to_string());
    log.zone = info.zone.as_ref().map(|z| z.to_string());
    log.alias = alias_header(info);
    log.ede = info.ede.as_ref().map(|e| format!("{}: {}", e.code, e.text));
}
