//! DoH over plain HTTP for the native server (`flatapex serve --doh ADDR`): HTTP/1.1 and h2c
//! (prior knowledge) with hyper, framed by the same core code as the Worker ([`serve_doh`]).
//!
//! Connections are admitted through the listener's connection table and held to the limits of
//! `serve::limits`: hyper's header-read timer cuts an HTTP/1.1 request head (and the wait for
//! the next request) at the header timeout, h2 keep-alive pings close a silent peer, and a
//! connection with no request under way for the idle timeout, or closed by the table to make
//! room, is shut down gracefully (GOAWAY in h2) and dropped if that takes longer than the
//! header timeout.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};

use super::accept::accept_connections;
use super::connections::{Connection, ConnectionTable};
use super::dashboard::{dashboard_response, is_dashboard_path};
use super::service::Service;
use crate::api::handler::outcome;
use crate::api::{ApiError, ApiRequest, MAX_API_BODY, is_api_path};
use crate::doh::{
    Health, HttpError, HttpRequest, HttpResponse, Limits, MAX_BODY, ZoneHealth, error_response,
    serve_doh,
};
use crate::native::api::ApiService;
use crate::native::{background_work, log, now_ms};
use crate::settings::ServerLimits;

/// The largest HTTP/1.1 request head (request line and headers) read: a GET carries a DNS
/// message of up to about 48 KiB in its URL.
const MAX_HEAD: usize = 64 * 1024;

/// What the DoH listener shares between connections.
pub struct DohState {
    /// Path and limits.
    pub limits: Limits,
    /// Log one JSON line per request.
    pub log_requests: bool,
    /// The service UDP and TCP use: its responder answers, its zones and response cache are
    /// in `/health`.
    pub service: Arc<Service>,
    /// The connection tables of the listeners, by name, for `/health`.
    pub connections: Vec<(&'static str, Arc<ConnectionTable>)>,
    /// The zone and record APIs, when `--api-keys` turned them on.
    pub api: Option<Arc<ApiService>>,
}

/// Accepts connections for ever.
pub async fn serve_http(
    listener: TcpListener,
    state: Arc<DohState>,
    limits: ServerLimits,
    table: Arc<ConnectionTable>,
) -> Infallible {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header())
        .max_buf_size(MAX_HEAD);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.idle())
        .keep_alive_timeout(limits.header());
    let builder = Arc::new(builder);
    accept_connections(listener, table, "DoH", |stream, peer, admitted| {
        tokio::spawn(serve_connection(
            stream,
            peer.ip(),
            state.clone(),
            builder.clone(),
            limits,
            admitted,
        ));
    })
    .await
}

/// Serves one connection until the client closes it, it idles out, or the table closes it.
async fn serve_connection(
    stream: TcpStream,
    peer: IpAddr,
    state: Arc<DohState>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    limits: ServerLimits,
    admitted: Connection,
) {
    let _ = stream.set_nodelay(true);
    let admitted = Arc::new(admitted);
    let tracked = admitted.clone();
    let service = service_fn(move |req| {
        let busy = tracked.busy();
        let state = state.clone();
        Box::pin(async move {
            let response = handle(state, peer, req).await;
            drop(busy);
            response
        })
    });
    let http = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(http);
    loop {
        let idle_left = match admitted.idle_for() {
            Some(idle) => limits.idle().saturating_sub(idle),
            None => limits.idle(),
        };
        tokio::select! {
            _ = http.as_mut() => return,
            () = admitted.closed() => break,
            () = tokio::time::sleep(idle_left) => {
                if admitted.idle_for().is_some_and(|idle| idle >= limits.idle()) {
                    break;
                }
            }
        }
    }
    http.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.header(), http).await;
}

async fn handle(
    state: Arc<DohState>,
    peer: IpAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    if is_api_path(parts.uri.path()) {
        return Ok(to_hyper(api_request(&state, peer, &parts, body).await));
    }
    if is_dashboard_path(parts.uri.path()) {
        let etag = parts
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok());
        let page = dashboard_response(parts.method.as_str(), parts.uri.path(), etag);
        return Ok(to_hyper(page));
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Ok(to_hyper(error_response(&body_error(e.as_ref(), MAX_BODY)))),
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let http = HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        content_type: header("content-type"),
        accept: header("accept"),
        body: &body,
    };
    let clock = || started.elapsed().as_secs_f64() * 1000.0;
    let health = || health_body(&state);
    // Boxed: the responder's future is large, and moving it through hyper's stream task would
    // copy it on every poll setup (memmove was the top symbol in the profile before).
    let served = Box::pin(serve_doh(
        &state.service.responder,
        &http,
        &state.limits,
        now_ms(),
        &clock,
        &health,
    ))
    .await;
    if state.log_requests {
        log(served.log.to_json());
    }
    background_work(&state.service.responder, served.refresh);
    Ok(to_hyper(served.response))
}

/// Why a body could not be read: over `max` bytes (413), or the connection failed (400).
fn body_error(e: &(dyn std::error::Error + Send + Sync + 'static), max: usize) -> HttpError {
    if e.is::<LengthLimitError>() {
        HttpError {
            status: 413,
            reason: format!("body over {max} bytes"),
        }
    } else {
        HttpError {
            status: 400,
            reason: format!("reading the body: {e}"),
        }
    }
}

/// The zone and record APIs: the key is checked from the headers before the body is read.
async fn api_request(
    state: &DohState,
    peer: IpAddr,
    parts: &hyper::http::request::Parts,
    body: Incoming,
) -> HttpResponse {
    let path = parts.uri.path();
    let records_api = path.starts_with("/v1/");
    let Some(api) = &state.api else {
        let off = ApiError::not_found(
            "the zone and record APIs are off: start flatapex serve with --api-keys FILE",
        );
        return outcome(records_api, Err(off), false).response;
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let mut request = ApiRequest {
        method: parts.method.as_str(),
        path,
        query: parts.uri.query(),
        api_key: header("x-api-key"),
        authorization: header("authorization"),
        accept: header("accept"),
        content_type: header("content-type"),
        body: &[],
    };
    if let Err(refused) = api.admit(peer, &request) {
        return refused.response;
    }
    let bytes = match Limited::new(body, MAX_API_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let error = body_error(e.as_ref(), MAX_API_BODY);
            let error = ApiError::new(error.status, error.reason);
            return outcome(records_api, Err(error), false).response;
        }
    };
    request.body = &bytes;
    let response = api.handle(&request).await.response;
    if state.log_requests {
        log(
            serde_json::json!({"api": format!("{} {path}", parts.method), "status": response.status}),
        );
    }
    response
}

fn to_hyper(http: HttpResponse) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(http.body)));
    *response.status_mut() =
        StatusCode::from_u16(http.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in http.headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The same `/health` as the Worker's, plus what only this server has: the response cache's
/// size and bound, and the connections open on each listener.
fn health_body(state: &DohState) -> Vec<u8> {
    let service = &state.service;
    let mut zones: Vec<ZoneHealth> = service
        .store
        .snapshot()
        .iter()
        .map(|z| ZoneHealth::of_zone(z))
        .collect();
    zones.sort_unstable_by(|a, b| a.zone.cmp(&b.zone));
    let health =
        Health::new(zones, None).with_upstreams(service.responder.flattener.state.upstreams());
    let Ok(serde_json::Value::Object(mut body)) = serde_json::to_value(&health) else {
        return health.to_json();
    };
    let cache = &service.cache;
    body.insert(
        "response_cache".into(),
        serde_json::json!({
            "entries": cache.len(),
            "bytes": cache.bytes(),
            "limit_bytes": cache.limit_bytes(),
        }),
    );
    let connections: serde_json::Map<String, serde_json::Value> = state
        .connections
        .iter()
        .map(|(name, table)| ((*name).to_string(), table.len().into()))
        .collect();
    body.insert("connections".into(), connections.into());
    serde_json::to_vec(&body).unwrap_or_else(|_| health.to_json())
}
