//! The edge shell: a Cloudflare Worker (workers-rs) that answers DNS over HTTPS from zones in
//! Workers KV. Everything it decides comes from the core; this module only moves bytes between
//! the Workers runtime and the core, and keeps the per-isolate state (docs/ARCHITECTURE.md,
//! "The edge shell").
//!
//! Per isolate it keeps the settings (read once from the `FLATAPEX` var), the [`KvZones`] cache
//! and the ALIAS memory cache, so a warm query costs no KV read at all.

mod alias;
mod api;
pub mod dnssec;
mod fetch_error;
mod kv_backend;
mod refresh;
mod zones_endpoint;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use worker::{
    Context, Date, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, console_error,
    console_log, event,
};

use crate::alias::{MemoryAliasCache, Resolver, ResolverState};
use crate::dnssec::SignatureCache;
use crate::doh::{Health, HttpRequest, HttpResponse, Limits, Served, serve_doh};
use crate::kv::KvZones;
use crate::respond::Responder;
use crate::settings::Settings;

use alias::{EdgeAliasCache, FetchUpstream, WorkerTimer};
use dnssec::WebCryptoSigner;
use kv_backend::WorkersKv;
use worker::kv::KvStore;

/// The KV namespace binding that holds the zones (`[[kv_namespaces]]` in `wrangler.toml`).
pub const ZONES_BINDING: &str = "ZONES";

struct Isolate {
    settings: Arc<Settings>,
    /// Derived from `settings` once, not per request.
    limits: Limits,
    zones: KvZones,
    aliases: MemoryAliasCache,
    /// The ALIAS resolver's flights, failure rechecks and upstream health.
    alias_state: Arc<ResolverState>,
    /// DNSSEC signatures already made (docs/ARCHITECTURE.md, "DNSSEC").
    signatures: Arc<SignatureCache>,
}

thread_local! {
    /// The DNSSEC signer of this isolate: its WebCrypto keys are JavaScript objects, so it
    /// lives beside the isolate's thread, built on the first request that needs it.
    static SIGNER: RefCell<Option<Rc<std::result::Result<WebCryptoSigner, String>>>> =
        const { RefCell::new(None) };
}

/// The isolate's signer, built (keys imported once, each checked by a test signature) on first
/// use; a secret that does not parse is an error for every request, as bad settings are.
async fn signer(env: &Env) -> Rc<std::result::Result<WebCryptoSigner, String>> {
    if let Some(signer) = SIGNER.with(|slot| slot.borrow().clone()) {
        return signer;
    }
    let built = Rc::new(WebCryptoSigner::from_env(env).await);
    if let Ok(signer) = &*built {
        for (zone, why) in signer.broken_zones() {
            console_error!(
                "{}",
                serde_json::json!({"event": "dnssec_key_broken", "zone": zone.to_string(), "reason": why})
            );
        }
    }
    SIGNER.with(|slot| slot.borrow_mut().get_or_insert(built).clone())
}

static ISOLATE: OnceLock<std::result::Result<Isolate, String>> = OnceLock::new();

fn isolate(env: &Env) -> &'static std::result::Result<Isolate, String> {
    ISOLATE.get_or_init(|| {
        let settings = match env.object_var::<serde_json::Value>("FLATAPEX") {
            Ok(value) => Settings::from_json(&value.to_string()).map_err(|e| e.to_string())?,
            Err(_) => Settings::default(),
        };
        Ok(Isolate {
            zones: KvZones::new(settings.kv()),
            aliases: MemoryAliasCache::new(settings.alias_memory_bytes()),
            alias_state: Arc::new(ResolverState::new(&settings)),
            signatures: Arc::default(),
            limits: settings.limits(),
            settings: Arc::new(settings),
        })
    })
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
        isolate.alias_state.clone(),
        settings.clone(),
    )
}

/// A configuration problem as a 503 with the reason (logged too).
fn unavailable(reason: &str) -> Result<Response> {
    console_error!("{reason}");
    Response::error(format!("configuration error: {reason}\n"), 503)
}

/// Once per isolate: a panic is logged with its message and Rust source location. The worker
/// ships without the wasm name section (scripts/build-worker strips it to stay small), so
/// this line is what names the failing code.
#[event(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| console_error!("flatapex panicked: {info}")));
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let isolate = match isolate(&env) {
        Ok(isolate) => isolate,
        Err(e) => return unavailable(e),
    };
    let kv = match env.kv(ZONES_BINDING) {
        Ok(kv) => WorkersKv(kv),
        Err(e) => {
            return unavailable(&format!("the {ZONES_BINDING} KV binding is missing: {e}"));
        }
    };
    let url = req.url()?;
    if crate::api::is_api_path(url.path()) {
        return api::api_request(req, &env, isolate, &kv, &ctx).await;
    }
    if let Some(zone) = url.path().strip_prefix("/zones/") {
        return zones(isolate, &env, &req, zone).await;
    }
    let signer = signer(&env).await;
    let signer = match &*signer {
        Ok(signer) => signer,
        Err(e) => return unavailable(e),
    };
    let served = doh(isolate, &kv, req, &url, signer).await?;
    let refresh = served.refresh;
    if !refresh.is_empty() {
        let kv = kv.0.clone();
        let base = alias_base(&url);
        ctx.wait_until(background_work(isolate, kv, base, refresh));
    }
    log_events(isolate, Vec::new());
    console_log!("{}", served.log.to_json());
    to_worker(served.response)
}

/// `GET /zones/<zone>` (see [`zones_endpoint`]), logged.
async fn zones(
    isolate: &'static Isolate,
    env: &Env,
    req: &Request,
    zone: &str,
) -> Result<Response> {
    let method = req.method().to_string();
    let response = if method == "GET" {
        let authorization = req.headers().get("authorization").ok().flatten();
        zones_endpoint::zone_endpoint(
            isolate,
            env,
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
        serde_json::json!({ "method": method, "path": format!("/zones/{zone}"), "status": status })
    );
    response
}

/// Where Cache API entries of flattened sets live: a path under the worker's own host.
fn alias_base(url: &worker::Url) -> String {
    format!(
        "{}://{}/__flatapex/alias/",
        url.scheme(),
        url.host_str().unwrap_or("flatapex.invalid")
    )
}

/// One DoH exchange through the core's [`serve_doh`].
async fn doh(
    isolate: &'static Isolate,
    kv: &WorkersKv,
    mut req: Request,
    url: &worker::Url,
    signer: &WebCryptoSigner,
) -> Result<Served> {
    let method = req.method().to_string();
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
    let responder = Responder::new(
        isolate.zones.with(kv, now_ms),
        resolver(isolate, Some(kv.0.clone()), alias_base(url)),
        isolate.settings.clone(),
    )
    .with_signer(signer, isolate.signatures.clone());
    let health = || {
        Health::new(isolate.zones.status(), isolate.zones.problem())
            .with_upstreams(isolate.alias_state.upstreams())
            .to_json()
    };
    let clock = || js_sys::Date::now();
    Ok(serve_doh(&responder, &http, &isolate.limits, now_ms, &clock, &health).await)
}

/// The background work the answer asked for (docs/ARCHITECTURE.md, "ALIAS"): refresh ahead,
/// the failure recheck's retry, an upstream probe; after the response.
async fn background_work(
    isolate: &'static Isolate,
    kv: KvStore,
    base: String,
    targets: Vec<(hickory_proto::rr::Name, hickory_proto::rr::RecordType)>,
) {
    let resolver = resolver(isolate, Some(kv), base);
    for (target, rtype) in targets {
        let done = resolver
            .background(&target, rtype, Date::now().as_millis())
            .await;
        for (_, event) in done.events(&target, rtype) {
            console_log!("{}", serde_json::json!({ "event": event }));
        }
    }
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
    let lines = refresh::run(isolate, &env, flattener, remaining, Date::now().as_millis()).await;
    log_events(isolate, lines);
}
