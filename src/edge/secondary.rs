//! Secondary DNS at the edge: the scheduled refresher (a cron trigger) re-resolves every ALIAS
//! listed in the zone index, writes last-good flattened sets to KV (the ALIAS cache's last
//! layer) and the zone's flattened state with its serial; `GET /zones/<zone>` returns the zone
//! as master-file text with ALIAS flattened, behind `Authorization: Bearer` (secret
//! `FLATAPEX_TOKEN`).

use hickory_proto::rr::{Name, RecordType};
use worker::{Env, Response, Result};

use super::alias::last_good_key;
use super::kv_backend::WorkersKv;
use super::{Isolate, ZONES_BINDING};
use crate::alias::{AliasKey, CachedRrset, Flattener, Outcome, Source};
use crate::doh::auth::bearer_ok;
use crate::respond::Responder;
use crate::xfr::state::{StoredSet, ZoneState, state_key};
use crate::xfr::zone_text;

/// The Worker secret holding the token for `/zones/<zone>`.
pub const TOKEN_SECRET: &str = "FLATAPEX_TOKEN";

async fn read_state(kv: &WorkersKv, apex_id: &str) -> Option<ZoneState> {
    let bytes = kv.0.get(&state_key(apex_id)).bytes().await.ok().flatten()?;
    serde_json::from_slice(&bytes).ok()
}

/// One scheduled run: every ALIAS of every zone, returning log lines.
pub async fn refresh_all<F: Flattener>(
    isolate: &'static Isolate,
    env: &Env,
    flattener: F,
    now_ms: u64,
) -> Vec<String> {
    let mut log = Vec::new();
    let kv = match env.kv(ZONES_BINDING) {
        Ok(kv) => WorkersKv(kv),
        Err(e) => return vec![format!("the {ZONES_BINDING} KV binding is missing: {e}")],
    };
    let index = match isolate.zones.current_index(&kv, now_ms).await {
        Ok(index) => index,
        Err(e) => return vec![format!("scheduled refresh: {e}")],
    };
    let store = isolate.zones.with(&kv, now_ms);
    let responder = Responder::new(store, flattener, isolate.responder.clone());
    for (apex_id, entry) in &index.zones {
        let mut sets = Vec::new();
        let mut failed = 0;
        for alias in &entry.aliases {
            let Ok(target) = Name::from_ascii(&alias.target) else {
                continue;
            };
            for rtype in [RecordType::A, RecordType::AAAA] {
                let flat = responder
                    .flatten_target(&target, rtype, alias.ttl, now_ms)
                    .await;
                match flat.outcome {
                    Outcome::Records { rdatas, ttl } if flat.source != Source::Stale => {
                        let addresses = CachedRrset::addresses_of(&rdatas);
                        if flat.source != Source::Local {
                            let last_good = CachedRrset {
                                addresses: addresses.clone(),
                                ttl,
                                fetched_ms: now_ms,
                                upstream: flat.upstream.clone(),
                            };
                            let key = last_good_key(&AliasKey::new(&target, rtype));
                            if let Ok(put) = kv.0.put(&key, &last_good) {
                                let _ = put.execute().await;
                            }
                        }
                        sets.push(StoredSet {
                            owner: alias.owner.clone(),
                            rtype: rtype.to_string(),
                            addresses,
                            ttl,
                        });
                    }
                    _ => failed += 1,
                }
            }
        }
        let previous = read_state(&kv, apex_id).await;
        let (state, changed) = ZoneState::refreshed(previous.as_ref(), entry.serial, sets);
        if (changed || previous.as_ref() != Some(&state))
            && let Ok(put) = kv.0.put(&state_key(apex_id), &state)
        {
            let _ = put.execute().await;
        }
        log.push(format!(
            "scheduled refresh of {apex_id}: {} ALIAS, {failed} failed resolution(s) kept their last good records, serial {}{}",
            entry.aliases.len(),
            state.serial,
            if changed { " (changed)" } else { "" }
        ));
    }
    log
}

/// `GET /zones/<zone>`: 401 without the right bearer token, 404 for zones not served, else the
/// zone text with ALIAS flattened at the served serial.
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
    let Ok(mut apex) = Name::from_ascii(zone) else {
        return Response::error(format!("{zone:?} is not a zone name\n"), 400);
    };
    apex.set_fqdn(true);
    let kv = WorkersKv(env.kv(ZONES_BINDING)?);
    let (whole, entry) = match isolate.zones.whole_zone(&kv, now_ms, &apex).await {
        Ok(Some(found)) => found,
        Ok(None) => return Response::error(format!("{apex} is not served here\n"), 404),
        Err(e) => return Response::error(format!("{e}\n"), 503),
    };
    let mut id = apex.to_lowercase();
    id.set_fqdn(true);
    let state = read_state(&kv, &id.to_ascii()).await;
    let serial = ZoneState::serial_for(state.as_ref(), entry.serial);
    let flat = state.map(|s| s.flat()).unwrap_or_default();
    let mut response = Response::ok(zone_text(&whole, &flat, serial))?;
    response
        .headers_mut()
        .set("content-type", "text/dns; charset=utf-8")?;
    response.headers_mut().set("cache-control", "no-store")?;
    Ok(response)
}
