//! Secondary DNS at the edge: the scheduled refresher (a cron trigger) re-resolves every ALIAS
//! listed in the zone index, writes last-good flattened sets to KV (the ALIAS cache's last
//! layer) and the zone's flattened state with its serial; `GET /zones/<zone>` returns the zone
//! as master-file text with ALIAS flattened, behind `Authorization: Bearer` (secret
//! `FLATAPEX_TOKEN`).

use std::collections::BTreeMap;

use hickory_proto::rr::{Name, RecordType};
use worker::{Env, Response, Result};

use super::alias::last_good_key;
use super::kv_backend::WorkersKv;
use super::{Isolate, ZONES_BINDING};
use crate::alias::{AliasKey, CachedRrset, Flattener, Outcome, Source};
use crate::doh::auth::bearer_ok;
use crate::kv::layout::IndexAlias;
use crate::respond::Responder;
use crate::xfr::rotation::{alias_key, run_order};
use crate::xfr::state::{StoredSet, ZoneState, state_key};
use crate::xfr::zone_text;

/// The Worker secret holding the token for `/zones/<zone>`.
pub const TOKEN_SECRET: &str = "FLATAPEX_TOKEN";

async fn read_state(kv: &WorkersKv, apex_id: &str) -> Option<ZoneState> {
    let bytes = kv.0.get(&state_key(apex_id)).bytes().await.ok().flatten()?;
    serde_json::from_slice(&bytes).ok()
}

/// One zone's share of a scheduled run.
#[derive(Default)]
struct ZoneRun {
    /// The sets resolved.
    sets: Vec<StoredSet>,
    /// Resolutions that failed (their last good records stay).
    failed: usize,
    /// ALIAS resolved.
    ran: usize,
    /// Last-good copies to write for targets outside our zones: (owner, type, key, value).
    last_good: Vec<(String, RecordType, AliasKey, CachedRrset)>,
}

/// The KV key of the scheduled refresher's cursor: the first ALIAS the last run did not reach.
pub const CURSOR_KEY: &str = "flatapex/refresh-cursor";

/// One scheduled run over every ALIAS of every zone, starting where the last run stopped, and
/// stopping before an ALIAS could find the subrequest budget used up: `remaining()` tells the
/// fetches left, and one ALIAS may take `per_alias` (both types, every attempt). Returns log
/// lines.
pub async fn refresh_all<F: Flattener>(
    isolate: &'static Isolate,
    env: &Env,
    flattener: F,
    remaining: impl Fn() -> u32,
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
    let per_alias = 2 * isolate.settings.attempts.max(1);
    let work: Vec<(&String, &IndexAlias)> = index
        .zones
        .iter()
        .flat_map(|(apex_id, entry)| entry.aliases.iter().map(move |alias| (apex_id, alias)))
        .collect();
    let keys: Vec<String> = work
        .iter()
        .map(|(apex_id, alias)| alias_key(apex_id, &alias.owner))
        .collect();
    let cursor = kv.0.get(CURSOR_KEY).text().await.ok().flatten();
    let store = isolate.zones.with(&kv, now_ms);
    let responder = Responder::new(store, flattener, isolate.responder.clone());
    let mut resolved: BTreeMap<&String, ZoneRun> = BTreeMap::new();
    let mut stopped_at = None;
    let mut done = 0;
    for position in run_order(&keys, cursor.as_deref()) {
        if remaining() < per_alias {
            stopped_at = Some(position);
            break;
        }
        let (apex_id, alias) = work[position];
        let run = resolved.entry(apex_id).or_default();
        done += 1;
        run.ran += 1;
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
                        run.last_good.push((
                            alias.owner.clone(),
                            rtype,
                            AliasKey::new(&target, rtype),
                            CachedRrset {
                                addresses: addresses.clone(),
                                ttl,
                                fetched_ms: now_ms,
                                upstream: flat.upstream.clone(),
                            },
                        ));
                    }
                    run.sets.push(StoredSet {
                        owner: alias.owner.clone(),
                        rtype: rtype.to_string(),
                        addresses,
                        ttl,
                        fetched_ms: now_ms,
                    });
                }
                _ => run.failed += 1,
            }
        }
    }
    // An unchanged set is written again only when its stored copy must be re-confirmed, so a
    // stale answer from it stays within the stale window; KV writes are few and limited.
    let confirm_every_ms = u64::from(isolate.settings.stale_window_seconds) * 1000 / 4;
    for (apex_id, run) in resolved {
        let Some(entry) = index.zones.get(apex_id) else {
            continue;
        };
        let previous = read_state(&kv, apex_id).await;
        let (state, changed) =
            ZoneState::refreshed(previous.as_ref(), entry.serial, run.sets, confirm_every_ms);
        let mut writes = 0;
        if previous.as_ref() != Some(&state)
            && let Ok(put) = kv.0.put(&state_key(apex_id), &state)
        {
            let _ = put.execute().await;
            writes += 1;
        }
        for (owner, rtype, key, last_good) in run.last_good {
            let written_now = state.sets.iter().any(|set| {
                set.owner.eq_ignore_ascii_case(&owner)
                    && set.record_type() == rtype
                    && set.fetched_ms == now_ms
            });
            if written_now && let Ok(put) = kv.0.put(&last_good_key(&key), &last_good) {
                let _ = put.execute().await;
                writes += 1;
            }
        }
        log.push(format!(
            "scheduled refresh of {apex_id}: {} of {} ALIAS, {} failed resolution(s) kept their last good records, serial {}{}, {writes} KV write(s)",
            run.ran,
            entry.aliases.len(),
            run.failed,
            state.serial,
            if changed { " (changed)" } else { "" }
        ));
    }
    // The next run starts at the first ALIAS this one did not reach (or at the start).
    let next = stopped_at.map(|p| keys[p].clone());
    if next != cursor {
        match &next {
            Some(key) => {
                if let Ok(put) = kv.0.put(CURSOR_KEY, key) {
                    let _ = put.execute().await;
                }
            }
            None => {
                let _ = kv.0.delete(CURSOR_KEY).await;
            }
        }
    }
    if let Some(key) = next {
        log.push(format!(
            "scheduled refresh: {done} of {} ALIAS this run within the subrequest budget; the next run starts at {key}",
            keys.len()
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
