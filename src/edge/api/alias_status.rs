//! `GET …/zones/{id}/alias-status` at the edge (docs/ARCHITECTURE.md, "The record API"):
//! answered in the Worker, not by the zone's Durable Object, because the isolate's ALIAS
//! resolver and the Cache API are here. The zone is the one the query path serves from KV; the
//! report is the core's ([`answer_alias_status`]); the background work it asks for runs after
//! the response, as after a query.

use worker::{Context, Date, Request, Response, Result};

use super::{RequestParts, respond};
use crate::api::KeyRing;
use crate::api::alias_status::answer_alias_status;
use crate::edge::kv_backend::WorkersKv;
use crate::edge::{Isolate, alias_base, background_work, log_events, resolver};
use crate::respond::Responder;

/// The ALIAS status for `req`, whose key `keys` accepted.
pub async fn alias_status(
    isolate: &'static Isolate,
    kv: &WorkersKv,
    keys: &KeyRing,
    req: &Request,
    ctx: &Context,
) -> Result<Response> {
    let parts = RequestParts::read(req)?;
    let request = parts.request(&[]);
    let now_ms = Date::now().as_millis();
    let base = alias_base(parts.url());
    let responder = Responder::new(
        isolate.zones.with(kv, now_ms),
        resolver(isolate, Some(kv.0.clone()), base.clone()),
        isolate.settings.clone(),
    );
    let Some((outcome, refresh)) = answer_alias_status(keys, &request, &responder, now_ms).await
    else {
        return Response::error("not an ALIAS status request", 500);
    };
    if !refresh.is_empty() {
        ctx.wait_until(background_work(isolate, kv.0.clone(), base, refresh));
    }
    log_events(isolate, Vec::new());
    respond(outcome)
}
