//! `GET /api/v1/servers/localhost/zones/{id}/alias-status`: what a query for each ALIAS of a
//! zone gets right now, per type (docs/ARCHITECTURE.md, "The record API" and "ALIAS"). Each
//! (owner, type) runs the query path's own [`Responder::flatten_target`] (local targets, the
//! caches, the upstreams, stale data per RFC 8767), so the report is what a client would get;
//! the shells answer it beside the query path (not through [`super::ZoneRepo`]) and run the
//! background work it asked for, as after a query.
//!
//! ```json
//! {"zone": "example.com.", "now_ms": 1764190000000,
//!  "aliases": [{"owner": "example.com.", "target": "lb.provider.test.", "ttl": 300,
//!    "types": [{"type": "A", "status": "ok", "addresses": ["192.0.2.10"],
//!               "source": "upstream", "ttl_left": 300, "age_s": 0,
//!               "upstream": "http://127.0.0.1:8053/dns-query", "error": null}, …]}]}
//! ```

use futures::StreamExt;
use hickory_proto::rr::{Name, RecordType};
use serde_json::{Value, json};

use super::content::owner_text;
use super::error::ApiError;
use super::handler::{ApiOutcome, ApiRequest, Reply, authenticate, outcome};
use super::keys::KeyRing;
use super::pdns::zone_name;
use super::route::{Route, method_not_allowed, route};
use crate::alias::{Flattened, Flattener, Outcome, Source};
use crate::dnssec::Signer;
use crate::respond::Responder;
use crate::store::ZoneStore;
use crate::zone::Alias;

/// ALIAS owners flattened at once (each owner's A and AAAA together).
const CONCURRENT_OWNERS: usize = 8;

/// The two types an ALIAS answers for.
const TYPES: [RecordType; 2] = [RecordType::A, RecordType::AAAA];

/// What a query for one type would get, as the report shows it. `status`: `ok` (fresh
/// addresses), `empty` (a fresh answer without addresses of the type), `stale` (served past its
/// TTL because the upstreams failed, RFC 8767) or `failed` (nothing usable). `ttl_left` is the
/// TTL the answer is served with; `age_s` how long ago the addresses were resolved; `error` the
/// failure, or the stale answer's EDE text (RFC 8914).
pub fn type_report(rtype: RecordType, flat: &Flattened, now_ms: u64) -> Value {
    let (status, addresses, ttl_left, error) = match &flat.outcome {
        Outcome::Records { addresses, ttl } => {
            let status = match (flat.source, addresses.is_empty()) {
                (Source::Stale, _) => "stale",
                (_, true) => "empty",
                (_, false) => "ok",
            };
            let stale_text = match flat.source {
                Source::Stale => flat.ede.as_ref().map(|e| e.text.clone()),
                _ => None,
            };
            let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            (status, list, Some(*ttl), stale_text)
        }
        Outcome::Failed { reason } => ("failed", Vec::new(), None, Some(reason.clone())),
    };
    let age_s = match (&flat.outcome, flat.fetched_ms) {
        (Outcome::Failed { .. }, _) | (_, 0) => None,
        (_, fetched) => Some(now_ms.saturating_sub(fetched) / 1000),
    };
    json!({
        "type": rtype.to_string(),
        "status": status,
        "addresses": addresses,
        "source": flat.source.as_str(),
        "ttl_left": ttl_left,
        "age_s": age_s,
        "upstream": flat.upstream,
        "error": error,
    })
}

/// The report of a zone, and the background work its flattening asked for.
#[derive(Clone, Debug)]
pub struct AliasStatus {
    /// The JSON body.
    pub body: Value,
    /// (target, type) to re-resolve in the background, as after a query
    /// ([`crate::alias::Flattened::refresh`]).
    pub refresh: Vec<(Name, RecordType)>,
}

/// Flattens every ALIAS of zone `apex` (`aliases`, as [`crate::zone::Zone::aliases`] lists
/// them) for A and AAAA as a query would at `now_ms`, owners sorted.
pub async fn alias_status<S: ZoneStore, F: Flattener, G: Signer>(
    responder: &Responder<S, F, G>,
    apex: &Name,
    aliases: Vec<(Name, Alias)>,
    now_ms: u64,
) -> AliasStatus {
    let mut aliases: Vec<(String, Alias)> = aliases
        .into_iter()
        .map(|(owner, alias)| (owner_text(&owner).to_ascii_lowercase(), alias))
        .collect();
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    let jobs: Vec<_> = aliases
        .iter()
        .map(|(_, alias)| flatten_both(responder, alias, now_ms))
        .collect();
    let flattened: Vec<[Flattened; 2]> = futures::stream::iter(jobs)
        .buffered(CONCURRENT_OWNERS)
        .collect()
        .await;
    let mut refresh = Vec::new();
    let mut rows = Vec::new();
    for ((owner, alias), flats) in aliases.iter().zip(flattened) {
        let mut types = Vec::new();
        for (rtype, flat) in TYPES.into_iter().zip(&flats) {
            if flat.refresh {
                refresh.push((alias.target.clone(), rtype));
            }
            types.push(type_report(rtype, flat, now_ms));
        }
        rows.push(json!({
            "owner": owner,
            "target": owner_text(&alias.target).to_ascii_lowercase(),
            "ttl": alias.ttl,
            "types": types,
        }));
    }
    AliasStatus {
        body: json!({
            "zone": owner_text(apex).to_ascii_lowercase(),
            "now_ms": now_ms,
            "aliases": rows,
        }),
        refresh,
    }
}

/// A and AAAA of one ALIAS, at once.
async fn flatten_both<S: ZoneStore, F: Flattener, G: Signer>(
    responder: &Responder<S, F, G>,
    alias: &Alias,
    now_ms: u64,
) -> [Flattened; 2] {
    let [a, aaaa] = TYPES;
    let (a, aaaa) = futures::future::join(
        responder.flatten_target(&alias.target, a, alias.ttl, now_ms),
        responder.flatten_target(&alias.target, aaaa, alias.ttl, now_ms),
    )
    .await;
    [a, aaaa]
}

/// Answers `request` if it is for the ALIAS status (None: it is not, answer it as usual): the
/// key (any that may use the zone), the zone served by `responder`'s store at exactly that
/// apex (404 otherwise), and the report. The shell sends the outcome and runs the background
/// work listed beside it.
pub async fn answer_alias_status<S: ZoneStore, F: Flattener, G: Signer>(
    keys: &KeyRing,
    request: &ApiRequest<'_>,
    responder: &Responder<S, F, G>,
    now_ms: u64,
) -> Option<(ApiOutcome, Vec<(Name, RecordType)>)> {
    let Ok(Route::AliasStatus(id)) = route(request.path) else {
        return None;
    };
    let route = Route::AliasStatus(id.clone());
    let key = match authenticate(keys, request) {
        Ok(key) => key,
        Err(refused) => return Some((refused, Vec::new())),
    };
    let method = request.method.to_ascii_uppercase();
    if !route.methods().contains(&method.as_str()) {
        let refused = method_not_allowed(&method, &route);
        return Some((outcome(false, Err(refused), false), Vec::new()));
    }
    let result = async {
        let apex = zone_name(&id)?;
        if !key.may_use_zone(&apex) {
            return Err(key.outside_zone(&apex));
        }
        let zone = match responder.store.zone_for(&apex).await {
            Ok(Some(zone)) if *zone.apex() == apex => zone,
            Ok(_) => {
                return Err(ApiError::not_found(format!(
                    "Could not find domain '{apex}'"
                )));
            }
            Err(e) => return Err(ApiError::store(e.to_string())),
        };
        let aliases = (responder.store.aliases_of(&zone).await)
            .map_err(|e| ApiError::store(e.to_string()))?;
        Ok(alias_status(responder, &apex, aliases, now_ms).await)
    }
    .await;
    Some(match result {
        Ok(status) => (
            outcome(false, Ok(Reply::json(200, status.body)), false),
            status.refresh,
        ),
        Err(e) => (outcome(false, Err(e), false), Vec::new()),
    })
}
