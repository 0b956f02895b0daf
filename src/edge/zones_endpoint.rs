//! `GET /zones/<zone>`: the zone as master-file text with every ALIAS flattened, at the serial
//! served, for secondaries that pull (`flatapex serve --transfer-from`), behind
//! `Authorization: Bearer` (the Worker secret `FLATAPEX_TOKEN`).

use worker::{Env, Response, Result};

use super::kv_backend::WorkersKv;
use super::refresh::read_state;
use super::{Isolate, ZONES_BINDING};
use crate::doh::auth::bearer_ok;
use crate::xfr::{ZoneState, zone_text};
use crate::zone::ZoneId;

/// The Worker secret holding the token for `/zones/<zone>`.
pub const TOKEN_SECRET: &str = "FLATAPEX_TOKEN";

/// 401 without the right bearer token, 404 for zones not served, else the zone text.
pub async fn zone_endpoint(
    isolate: &'static Isolate,
    env: &Env,
    authorization: Option<&str>,
    zone: &str,
    now_ms: u64,
) -> Result<Response> {
    let token = env
        .secret(TOKEN_SECRET)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if token.is_empty() {
        return Response::error(
            format!("zone transfer is disabled: set the {TOKEN_SECRET} secret\n"),
            503,
        );
    }
    if !bearer_ok(authorization, &token) {
        let mut response =
            Response::error("a valid Authorization: Bearer token is required\n", 401)?;
        response.headers_mut().set("www-authenticate", "Bearer")?;
        return Ok(response);
    }
    let id = match ZoneId::parse(zone) {
        Ok(id) => id,
        Err(e) => return Response::error(format!("{e}\n"), 400),
    };
    let kv = WorkersKv(env.kv(ZONES_BINDING)?);
    let (whole, entry) = match isolate.zones.whole_zone(&kv, now_ms, &id.name()).await {
        Ok(Some(found)) => found,
        Ok(None) => return Response::error(format!("{id} is not served here\n"), 404),
        Err(e) => return Response::error(format!("{e}\n"), 503),
    };
    let state = read_state(&kv, &id).await;
    let serial = ZoneState::serial_for(state.as_ref(), entry.serial);
    let state = state.unwrap_or_else(|| ZoneState::new(entry.serial));
    let mut response = Response::ok(zone_text(&whole, &state, serial))?;
    response
        .headers_mut()
        .set("content-type", "text/dns; charset=utf-8")?;
    response.headers_mut().set("cache-control", "no-store")?;
    Ok(response)
}
