//! The edge shell: a Cloudflare Worker (workers-rs) that answers DNS over HTTPS from zones in
//! Workers KV. Everything it decides comes from the core; this file only moves bytes between
//! the Workers runtime and [`serve_doh`], and keeps the per-isolate state.
//!
//! Per isolate it keeps the settings (read once from the `FLATAPEX` var) and the [`KvZones`]
//! cache, so a warm query costs no KV read at all.

mod alias;
mod kv_backend;
mod secondary;

use std::sync::OnceLock;

use serde::Serialize;
use worker::{
    Context, Date, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, console_error,
    console_log, event,
};

use crate::alias::{MemoryAliasCache, Resolver};
use crate::doh::{HttpRequest, HttpResponse, Limits, serve_doh};
use crate::kv::{KvZones, ZoneStatus};
use crate::respond::{Responder, ResponderConfig};
use crate::settings::Settings;

use alias::{EdgeAliasCache, FetchUpstream, WorkerTimer};
use kv_backend::WorkersKv;
use worker::kv::KvStore;

/// The KV namespace binding that holds the zones (`[[kv_namespaces]]` in `wrangler.toml`).
pub const ZONES_BINDING: &str = "ZONES";

struct Isolate {
    settings: Settings,
    /// Derived from `settings` once, not per request.
    limits: Limits,
    responder: ResponderConfig,
    zones: KvZones,
    aliases: MemoryAliasCache,
}

/// Flattened RRsets kept in isolate memory.
const ALIAS_MEMORY_ENTRIES: usize = 10_000;

static ISOLATE: OnceLock<std::result::Result<Isolate, String>> = OnceLock::new();

fn isolate(env: &Env) -> &'static std::result::Result<Isolate, String> {
    ISOLATE.get_or_init(|| {
        let settings = match env.object_var::<serde_json::Value>("FLATAPEX") {
            Ok(value) => Settings::from_json(&value.to_string())?,
            Err(_) => Settings::default(),
        };
        Ok(Isolate {
            zones: KvZones::new(settings.kv()),
            aliases: MemoryAliasCache::new(ALIAS_MEMORY_ENTRIES),
            limits: settings.limits(),
            responder: settings.responder(),
            settings,
        })
    })
}

#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    problem: Option<String>,
    zones: &'a [ZoneStatus],
}

/// Writes the zone store's load and failure events as log lines.
fn log_events(isolate: &Isolate, more: Vec<String>) {
    for event in more.into_iter().chain(isolate.zones.take_events()) {
        console_log!("{}", serde_json::json!({ "event": event }));
    }
}

/// The ALIAS resolver for one request (or one background refresh), over the zones namespace
/// `kv` for last-good copies.
fn resolver(
    isolate: &'static Isolate,
    kv: Option<KvStore>,
    base_url: String,
) -> Resolver<FetchUpstream, EdgeAliasCache, WorkerTimer> {
    let settings = &isolate.settings;
    Resolver::new(
        FetchUpstream::new(settings.max_upstream_fetches),
        EdgeAliasCache {
            memory: &isolate.aliases,
            base_url,
            kv,
            keep_seconds: settings.stale_window_seconds,
        },
        WorkerTimer,
        settings.upstream_policy(),
    )
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let isolate = match isolate(&env) {
        Ok(isolate) => isolate,
        Err(e) => {
            console_error!("{e}");
            return Response::error(format!("configuration error: {e}\n"), 503);
        }
    };
    let kv = match env.kv(ZONES_BINDING) {
        Ok(kv) => WorkersKv(kv),
        Err(e) => {
            let reason = format!("the {ZONES_BINDING} KV binding is missing: {e}");
            console_error!("{reason}");
            return Response::error(format!("configuration error: {reason}\n"), 503);
        }
    };
    let url = req.url()?;
    let method = req.method().to_string();
    if let Some(zone) = url.path().strip_prefix("/zones/") {
        let authorization = req.headers().get("authorization").ok().flatten();
        let response = if method == "GET" {
            secondary::zone_endpoint(
                isolate,
                &env,
                authorization.as_deref(),
                zone,
                Date::now().as_millis(),
            )
            .await
        } else {
            Response::error("use GET for /zones/<zone>\n", 405)
        };
        log_events(isolate, Vec::new());
        let status = response.as_ref().map(|r| r.status_code()).unwrap_or(500);
        console_log!(
            "{}",
            serde_json::json!({ "method": method, "path": url.path(), "status": status })
        );
        return response;
    }
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (content_type, accept) = (header("content-type"), header("accept"));
    let body = if method == "POST" {
        req.bytes().await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let http = HttpRequest {
        method: &method,
        path: url.path(),
        query: url.query(),
        content_type: content_type.as_deref(),
        accept: accept.as_deref(),
        body: &body,
    };
    let now_ms = Date::now().as_millis();
    let store = isolate.zones.with(&kv, now_ms);
    let alias_base = format!(
        "{}://{}/__flatapex/alias/",
        url.scheme(),
        url.host_str().unwrap_or("flatapex.invalid")
    );
    let responder = Responder::new(
        store,
        resolver(isolate, Some(kv.0.clone()), alias_base.clone()),
        isolate.responder.clone(),
    );
    let health = || {
        let zones = isolate.zones.status();
        serde_json::to_vec_pretty(&Health {
            status: "ok",
            problem: isolate.zones.problem(),
            zones: &zones,
        })
        .unwrap_or_default()
    };
    let clock = || js_sys::Date::now();
    let mut served = serve_doh(&responder, &http, &isolate.limits, now_ms, &clock, &health).await;
    // Refresh ahead (DESIGN §3): answered from cache already; re-resolve after the response.
    if !served.refresh.is_empty() {
        let targets = std::mem::take(&mut served.refresh);
        let kv = kv.0.clone();
        ctx.wait_until(async move {
            let resolver = resolver(isolate, Some(kv), alias_base);
            for (target, rtype) in targets {
                let result = resolver.refresh(&target, rtype, Date::now().as_millis()).await;
                console_log!(
                    "{}",
                    serde_json::json!({ "event": format!("refresh ahead of {target} {rtype}: {}", match result { Ok(_) => "ok".to_string(), Err(e) => e }) })
                );
            }
        });
    }
    log_events(isolate, Vec::new());
    console_log!("{}", served.log.to_json());
    to_worker(served.response)
}

fn to_worker(response: HttpResponse) -> Result<Response> {
    let mut out = if response.body.is_empty() {
        Response::empty()?
    } else {
        Response::from_bytes(response.body)?
    }
    .with_status(response.status);
    for (name, value) in &response.headers {
        out.headers_mut().set(name, value)?;
    }
    Ok(out)
}

/// The cron trigger (`[triggers] crons` in wrangler.toml): re-resolve every ALIAS, keep the
/// last good sets in KV and bump the served serial when they change.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let isolate = match isolate(&env) {
        Ok(isolate) => isolate,
        Err(e) => {
            console_error!("{e}");
            return;
        }
    };
    // No request, so no host of our own: the Cache API layer gets a fixed synthetic base.
    let flattener = resolver(
        isolate,
        env.kv(ZONES_BINDING).ok(),
        "https://flatapex.invalid/__flatapex/alias/".into(),
    );
    let remaining = flattener.upstream.remaining();
    let lines =
        secondary::refresh_all(isolate, &env, flattener, remaining, Date::now().as_millis()).await;
    log_events(isolate, lines);
}
