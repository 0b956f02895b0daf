//! The ALIAS status over the query path: a scripted flattener stands in for the resolver, so
//! each status (ok, empty, stale, failed, local) and the background work are shown.

use std::collections::HashMap;
use std::sync::Arc;

use hickory_proto::rr::{Name, RecordType};
use serde_json::{Value, json};

use super::{ACME, ADMIN};
use crate::alias::{Flattened, Flattener, Outcome, Source};
use crate::answer::Ede;
use crate::api::alias_status::answer_alias_status;
use crate::api::handler::ApiRequest;
use crate::api::keys::KeyRing;
use crate::respond::Responder;
use crate::settings::Settings;
use crate::store::{MemoryStore, ZoneSet};
use crate::zone::names::text_to_name;
use crate::zone::{NoIncludes, load_zone};

const NOW: u64 = 1_764_190_000_000;

const ZONE: &str = "$ORIGIN Example.COM.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
@ 300 IN ALIAS LB.Provider.test.
www 120 IN ALIAS api
api 60 IN A 192.0.2.80
down 300 IN ALIAS down.provider.test.
old 300 IN ALIAS old.provider.test.
";

const OTHER: &str = "$ORIGIN other.test.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.54
";

const KEYS: &str = r#"{"name":"admin","key":"fapx_admin_0123456789"}
{"name":"acme","key":"fapx_acme_01234567890","zones":["example.com."],"names":["_acme-challenge.*"],"types":["TXT"]}"#;

/// Answers by (target, type) from a script; anything else fails.
struct Scripted(HashMap<(String, RecordType), Flattened>);

impl Flattener for Scripted {
    async fn flatten(&self, target: &Name, rtype: RecordType, _: u32, _: u64) -> Flattened {
        let key = (target.to_ascii().to_ascii_lowercase(), rtype);
        self.0
            .get(&key)
            .cloned()
            .unwrap_or_else(|| Flattened::failed(Source::Upstream, "unscripted".into()))
    }
}

fn records(addresses: &[&str], ttl: u32, source: Source, fetched_ms: u64) -> Flattened {
    Flattened {
        outcome: Outcome::Records {
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            ttl,
        },
        source,
        upstream: Some("http://127.0.0.1:8053/dns-query".into()),
        fetched_ms,
        ede: None,
        refresh: false,
    }
}

fn responder() -> Responder<MemoryStore, Scripted> {
    let zone = |text: &str, origin: &str| {
        load_zone("t", text, &text_to_name(origin).unwrap(), None, &NoIncludes)
            .unwrap()
            .zone
    };
    let store = MemoryStore::new(ZoneSet::from_iter([
        zone(ZONE, "example.com."),
        zone(OTHER, "other.test."),
    ]));
    let mut script = HashMap::new();
    let upstream = "http://127.0.0.1:8053/dns-query";
    script.insert(
        ("lb.provider.test.".to_string(), RecordType::A),
        records(&["192.0.2.10"], 300, Source::Upstream, NOW),
    );
    script.insert(
        ("lb.provider.test.".to_string(), RecordType::AAAA),
        records(&[], 300, Source::Memory, NOW - 42_500),
    );
    let mut down = Flattened::failed(Source::Upstream, "every upstream timed out".into());
    down.upstream = Some(upstream.into());
    script.insert(("down.provider.test.".to_string(), RecordType::A), down);
    let mut stale = records(&["192.0.2.99"], 30, Source::Stale, NOW - 900_000);
    stale.ede = Some(Ede::new(
        Ede::STALE_ANSWER,
        "served stale: upstreams failed",
    ));
    script.insert(("old.provider.test.".to_string(), RecordType::A), stale);
    let mut ahead = records(&["2001:db8::9"], 12, Source::Memory, NOW - 280_000);
    ahead.refresh = true;
    script.insert(("old.provider.test.".to_string(), RecordType::AAAA), ahead);
    Responder::new(store, Scripted(script), Arc::new(Settings::default()))
}

fn get(zone: &str, key: &str, method: &str) -> (u16, Value, Vec<(Name, RecordType)>) {
    let keys = KeyRing::parse("keys", KEYS).unwrap();
    let path = format!("/api/v1/servers/localhost/zones/{zone}/alias-status");
    let request = ApiRequest {
        method,
        path: &path,
        query: None,
        api_key: Some(key),
        authorization: None,
        accept: None,
        content_type: None,
        body: b"",
    };
    let responder = responder();
    let answered = answer_alias_status(&keys, &request, &responder, NOW);
    let (outcome, refresh) = futures::executor::block_on(answered).expect("an alias-status path");
    let body = serde_json::from_slice(&outcome.response.body).unwrap();
    (outcome.response.status, body, refresh)
}

#[test]
fn every_alias_reports_what_a_query_gets_now() {
    let (status, body, refresh) = get("example.com", ACME, "GET");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["zone"], "example.com.");
    assert_eq!(body["now_ms"], NOW);
    let owners: Vec<&str> = body["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["owner"].as_str().unwrap())
        .collect();
    assert_eq!(
        owners,
        [
            "down.example.com.",
            "example.com.",
            "old.example.com.",
            "www.example.com."
        ]
    );
    let row = |owner: &str| {
        body["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["owner"] == owner)
            .unwrap()
            .clone()
    };
    let apex = row("example.com.");
    assert_eq!(apex["target"], "lb.provider.test.", "lower-cased");
    assert_eq!(apex["ttl"], 300);
    assert_eq!(
        apex["types"],
        json!([
            {"type": "A", "status": "ok", "addresses": ["192.0.2.10"], "source": "upstream",
             "ttl_left": 300, "age_s": 0, "upstream": "http://127.0.0.1:8053/dns-query",
             "error": null},
            {"type": "AAAA", "status": "empty", "addresses": [], "source": "memory",
             "ttl_left": 300, "age_s": 42, "upstream": "http://127.0.0.1:8053/dns-query",
             "error": null},
        ])
    );
    let down = row("down.example.com.");
    assert_eq!(down["types"][0]["status"], "failed");
    assert_eq!(down["types"][0]["error"], "every upstream timed out");
    assert_eq!(down["types"][0]["ttl_left"], Value::Null);
    assert_eq!(down["types"][0]["age_s"], Value::Null);
    assert_eq!(down["types"][1]["error"], "unscripted");
    let old = row("old.example.com.");
    assert_eq!(old["types"][0]["status"], "stale");
    assert_eq!(old["types"][0]["ttl_left"], 30);
    assert_eq!(old["types"][0]["age_s"], 900);
    assert_eq!(old["types"][0]["error"], "served stale: upstreams failed");
    assert_eq!(old["types"][1]["status"], "ok");
    let www = row("www.example.com.");
    assert_eq!(www["target"], "api.example.com.");
    assert_eq!(www["types"][0]["source"], "local");
    assert_eq!(www["types"][0]["addresses"], json!(["192.0.2.80"]));
    assert_eq!(www["types"][0]["ttl_left"], 60, "min(ALIAS, A) TTL");
    assert_eq!(www["types"][1]["status"], "empty");
    assert_eq!(
        refresh,
        [(
            text_to_name("old.provider.test.").unwrap(),
            RecordType::AAAA
        )],
        "the refresh ahead the AAAA asked for"
    );
}

#[test]
fn the_status_is_for_hosted_apexes_and_keys_of_the_zone() {
    let (status, body, _) = get("example.org.", ADMIN, "GET");
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "Could not find domain 'example.org.'"})
        )
    );
    let (status, body, _) = get("api.example.com.", ADMIN, "GET");
    assert_eq!(status, 404, "not an apex: {body}");
    let (status, _, _) = get("other.test.", ACME, "GET");
    assert_eq!(status, 403);
    let (status, _, _) = get("other.test.", ADMIN, "GET");
    assert_eq!(status, 200);
    let (status, _, _) = get("example.com.", "fapx_wrong_000000000", "GET");
    assert_eq!(status, 401);
    let (status, _, _) = get("example.com.", ADMIN, "POST");
    assert_eq!(status, 405);
}
