//! The zone and record APIs at the edge (docs/ARCHITECTURE.md, "The record API"): the Worker
//! checks the key, slows repeated bad keys down with the rate-limiting binding, and hands each
//! request to the Durable Object that owns it. A zone's requests go to that zone's object
//! ([`zone_object::ZoneObject`], one writer per zone, the zone's records in its SQLite storage,
//! published to KV for the read path); listings and server discovery go to the one
//! [`index_object::IndexObject`], which also writes the KV index, one update at a time.

mod alias_status;
mod index_object;
mod object_sql;
mod zone_object;

use std::sync::OnceLock;

use worker::{Context, Env, Headers, Method, Request, RequestInit, Response, Result};

use crate::api::handler::{ApiOutcome, outcome};
use crate::api::pdns::zone_name;
use crate::api::route::{Route, route};
use crate::api::{Api, ApiError, ApiRequest, KeyRing, MAX_API_BODY, ZoneRepo};
use crate::edge::kv_backend::WorkersKv;
use crate::edge::{Isolate, ZONES_BINDING};
use crate::zone::ZoneId;

/// The Worker secret holding the API keys (JSON lines, as `flatapex api-key create` prints).
pub const KEYS_SECRET: &str = "FLATAPEX_API_KEYS";
/// The Durable Object namespace of the zones.
pub const ZONE_OBJECTS: &str = "ZONE_OBJECTS";
/// The Durable Object namespace of the index (one object, named [`INDEX_NAME`]).
pub const INDEX_OBJECTS: &str = "INDEX_OBJECTS";
/// The name of the one index object.
pub const INDEX_NAME: &str = "index";
/// The rate-limiting binding that slows down repeated bad keys (optional).
pub const BAD_KEYS_LIMITER: &str = "API_BAD_KEYS";
/// What `GET /api/v1/servers/localhost` reports.
pub const VERSION: &str = "4.9.0-flatapex";

static KEYS: OnceLock<std::result::Result<KeyRing, String>> = OnceLock::new();

/// The keys, read once per isolate from the secret; an empty ring (the API closed) if unset.
pub fn keys(env: &Env) -> &'static std::result::Result<KeyRing, String> {
    KEYS.get_or_init(|| match env.secret(KEYS_SECRET) {
        Ok(secret) => KeyRing::parse(KEYS_SECRET, &secret.to_string()),
        Err(_) => Ok(KeyRing::default()),
    })
}

/// An outcome as a Worker response.
pub fn respond(outcome: ApiOutcome) -> Result<Response> {
    if let Some(line) = &outcome.audit {
        worker::console_log!("{line}");
    }
    super::to_worker(outcome.response)
}

/// A storage failure as the APIs report it.
pub fn store_error(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::store(format!("{what}: {e}; nothing changed"))
}

/// The ZONES namespace.
pub fn zones_kv(env: &Env) -> std::result::Result<WorkersKv, ApiError> {
    env.kv(ZONES_BINDING)
        .map(WorkersKv)
        .map_err(|e| store_error("the ZONES binding", e))
}

/// What the APIs read of a Worker request besides its body.
pub struct RequestParts {
    method: String,
    url: worker::Url,
    api_key: Option<String>,
    authorization: Option<String>,
    accept: Option<String>,
    content_type: Option<String>,
}

impl RequestParts {
    /// The method, URL and the headers the APIs use.
    pub fn read(req: &Request) -> Result<RequestParts> {
        let header = |name: &str| req.headers().get(name).ok().flatten();
        Ok(RequestParts {
            method: req.method().to_string(),
            url: req.url()?,
            api_key: header("x-api-key"),
            authorization: header("authorization"),
            accept: header("accept"),
            content_type: header("content-type"),
        })
    }

    /// The URL.
    pub fn url(&self) -> &worker::Url {
        &self.url
    }

    /// The core's view of the request, with `body`.
    pub fn request<'a>(&'a self, body: &'a [u8]) -> ApiRequest<'a> {
        ApiRequest {
            method: &self.method,
            path: self.url.path(),
            query: self.url.query(),
            api_key: self.api_key.as_deref(),
            authorization: self.authorization.as_deref(),
            accept: self.accept.as_deref(),
            content_type: self.content_type.as_deref(),
            body,
        }
    }
}

/// Answers an API request inside an object, over its repository.
pub async fn serve_in_object<R: ZoneRepo>(
    mut req: Request,
    env: &Env,
    repo: &R,
) -> Result<Response> {
    let parts = RequestParts::read(&req)?;
    let url = &parts.url;
    let body = req.bytes().await.unwrap_or_default();
    let request = parts.request(&body);
    let keys = match keys(env) {
        Ok(keys) => keys,
        Err(e) => return refuse(url.path(), ApiError::store(e.clone()), false),
    };
    let api = Api {
        keys,
        repo,
        version: VERSION,
    };
    respond(api.handle(&request).await)
}

fn refuse(path: &str, error: ApiError, bad_key: bool) -> Result<Response> {
    respond(outcome(path.starts_with("/v1/"), Err(error), bad_key))
}

/// Answers one API request in the Worker: the key, then the object that owns the request;
/// the ALIAS status is answered here, over the isolate's query path.
pub async fn api_request(
    mut req: Request,
    env: &Env,
    isolate: &'static Isolate,
    kv: &WorkersKv,
    ctx: &Context,
) -> Result<Response> {
    let url = req.url()?;
    let path = url.path().to_string();
    let keys = match keys(env) {
        Ok(keys) => keys,
        Err(e) => {
            return refuse(
                &path,
                ApiError::store(format!("the {KEYS_SECRET} secret: {e}")),
                false,
            );
        }
    };
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (api_key, authorization) = (header("x-api-key"), header("authorization"));
    let presented = ApiRequest {
        method: "",
        path: &path,
        query: None,
        api_key: api_key.as_deref(),
        authorization: authorization.as_deref(),
        accept: None,
        content_type: None,
        body: &[],
    }
    .presented_key()
    .map(str::to_string);
    if presented
        .as_deref()
        .and_then(|k| keys.authenticate(k))
        .is_none()
    {
        let client = header("cf-connecting-ip").unwrap_or_else(|| "unknown".into());
        if let Ok(limiter) = env.rate_limiter(BAD_KEYS_LIMITER)
            && let Ok(verdict) = limiter.limit(client).await
            && !verdict.success
        {
            let slow = ApiError::new(
                429,
                "too many bad API keys from this address; wait a minute",
            );
            return refuse(&path, slow, true);
        }
        let why = match (&presented, keys.is_empty()) {
            (_, true) => format!("the API is closed: set the {KEYS_SECRET} secret"),
            (None, false) => "no API key: send X-API-Key or Authorization: Bearer".into(),
            (Some(_), false) => "the API key is not valid".into(),
        };
        return refuse(&path, ApiError::new(401, why), true);
    }
    if let Ok(Route::AliasStatus(_)) = route(&path) {
        return alias_status::alias_status(isolate, kv, keys, &req, ctx).await;
    }
    let body = req.bytes().await.unwrap_or_default();
    if body.len() > MAX_API_BODY {
        let big = ApiError::new(413, format!("body over {MAX_API_BODY} bytes"));
        return refuse(&path, big, false);
    }
    let object = match owner(&path, req.method(), &body) {
        Ok(object) => object,
        Err(e) => return refuse(&path, e, false),
    };
    let stub = match object {
        Owner::Index => stub(env, INDEX_OBJECTS, INDEX_NAME)?,
        Owner::Zone(id) => stub(env, ZONE_OBJECTS, id.as_str())?,
    };
    let mut init = RequestInit::new();
    init.with_method(req.method())
        .with_headers(forwarded(req.headers())?);
    // A GET may come with a body (lexicon sends `{}`); a Request cannot carry one.
    if !body.is_empty() && !matches!(req.method(), Method::Get | Method::Head) {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    stub.fetch_with_request(Request::new_with_init(url.as_str(), &init)?)
        .await
}

/// The stub of the object `name` in namespace `binding`.
pub fn stub(env: &Env, binding: &str, name: &str) -> Result<worker::Stub> {
    let namespace = env.durable_object(binding)?;
    let id = namespace.id_from_name(name)?;
    id.get_stub()
}

fn forwarded(headers: &Headers) -> Result<Headers> {
    let out = Headers::new();
    for name in ["x-api-key", "authorization", "accept", "content-type"] {
        if let Some(value) = headers.get(name)? {
            out.set(name, &value)?;
        }
    }
    Ok(out)
}

/// Which object answers a request.
enum Owner {
    Index,
    Zone(ZoneId),
}

fn owner(path: &str, method: Method, body: &[u8]) -> std::result::Result<Owner, ApiError> {
    let zone = |id: &str| zone_name(id).map(|apex| Owner::Zone(ZoneId::of(&apex)));
    match route(path)? {
        Route::Zone(id) | Route::Notify(id) | Route::Export(id) | Route::Import(id) => zone(&id),
        Route::AliasStatus(id) => zone(&id),
        Route::Records(id) | Route::Record(id, _) => zone(&id),
        Route::Zones if method == Method::Post => {
            #[derive(serde::Deserialize)]
            struct Named {
                name: String,
            }
            let named: Named = serde_json::from_slice(body).map_err(|e| {
                ApiError::malformed(format!("the body is not the JSON expected: {e}"))
            })?;
            crate::zone::names::text_to_name(&named.name)
                .map(|apex| Owner::Zone(ZoneId::of(&apex)))
                .map_err(|e| ApiError::invalid(format!("zone name {:?}: {e}", named.name)))
        }
        Route::Versions | Route::Servers | Route::Server | Route::Zones => Ok(Owner::Index),
    }
}
