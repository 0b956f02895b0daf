//! DoH over plain HTTP for the native server (`flatapex serve --doh ADDR`): HTTP/1.1 and h2c
//! (prior knowledge) with hyper, framed by the same core code as the Worker ([`serve_doh`]).

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::doh::{
    Health, HttpError, HttpRequest, HttpResponse, Limits, MAX_BODY, ZoneHealth, error_response,
    serve_doh,
};
use crate::native::zones::FileStore;
use crate::native::{NativeResponder, background_work, log, now_ms};

/// What the DoH listener shares between connections.
pub struct DohState {
    /// The responder (the same one UDP and TCP use).
    pub responder: Arc<NativeResponder>,
    /// The zones, for `/health`.
    pub store: Arc<FileStore>,
    /// Path and limits.
    pub limits: Limits,
    /// Log one JSON line per request.
    pub log_requests: bool,
}

/// Accepts connections until the listener fails.
pub async fn serve_http(listener: TcpListener, state: Arc<DohState>) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| Box::pin(handle(state.clone(), req)));
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    state: Arc<DohState>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let error = if e.is::<LengthLimitError>() {
                HttpError {
                    status: 413,
                    reason: format!("body over {MAX_BODY} bytes"),
                }
            } else {
                HttpError {
                    status: 400,
                    reason: format!("reading the body: {e}"),
                }
            };
            return Ok(to_hyper(error_response(&error)));
        }
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
    let health = || health_body(&state.store, &state.responder);
    // Boxed: the responder's future is large, and moving it through hyper's stream task would
    // copy it on every poll setup (memmove was the top symbol in the profile before).
    let served = Box::pin(serve_doh(
        &state.responder,
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
    background_work(&state.responder, served.refresh);
    Ok(to_hyper(served.response))
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

fn health_body(store: &FileStore, responder: &NativeResponder) -> Vec<u8> {
    let mut zones: Vec<ZoneHealth> = store
        .snapshot()
        .iter()
        .map(|z| ZoneHealth::of_zone(z))
        .collect();
    zones.sort_unstable_by(|a, b| a.zone.cmp(&b.zone));
    Health::new(zones, None)
        .with_upstreams(responder.flattener.state.upstreams())
        .to_json()
}
