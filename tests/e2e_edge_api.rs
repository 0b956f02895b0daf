//! The zone and record APIs at the edge, in wrangler dev (real workerd, local KV, Durable
//! Objects with SQLite storage, the rate-limiting binding): a pushed zone is imported and
//! edited, the change is served over DoH with the ALIAS flattened through the upstream, 50
//! concurrent writers lose nothing, and bad input changes nothing.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use std::time::Duration;

use edge::{API_ACME, API_ADMIN, ask, client, edge, serial, url, within};
use hickory_proto::rr::RecordType;
use serde_json::{Value, json};

fn call(method: &str, path: &str, key: &str, body: Option<String>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client().request(method, url(path)).header("X-API-Key", key);
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{path}"
    );
    (status, response.json().unwrap_or(Value::Null))
}

fn rrset(name: &str, rtype: &str, ttl: u32, contents: &[&str]) -> Value {
    let records: Vec<Value> = contents
        .iter()
        .map(|c| json!({"content": c, "disabled": false}))
        .collect();
    json!({"name": name, "type": rtype, "changetype": "REPLACE", "ttl": ttl, "records": records})
}

fn patch(zone: &str, key: &str, rrsets: Value) -> (u16, Value) {
    let body = json!({ "rrsets": rrsets }).to_string();
    call(
        "PATCH",
        &format!("/api/v1/servers/localhost/zones/{zone}"),
        key,
        Some(body),
    )
}

/// The ids of the zones the API lists.
fn listed_zones() -> Vec<String> {
    let (_, zones) = call("GET", "/api/v1/servers/localhost/zones", API_ADMIN, None);
    zones
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|z| z["id"].as_str().map(str::to_string))
        .collect()
}

fn rrset_contents(zone: &str, name: &str, rtype: &str) -> Vec<String> {
    let (status, body) = call(
        "GET",
        &format!("/api/v1/servers/localhost/zones/{zone}"),
        API_ADMIN,
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["rrsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == name && s["type"] == rtype)
        .flat_map(|s| s["records"].as_array().unwrap().iter())
        .map(|r| r["content"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_pushed_zone_is_imported_edited_and_served_over_doh() {
    let before = serial("other.test.");
    let (status, body) = patch(
        "other.test.",
        API_ADMIN,
        json!([
            rrset("other.test.", "ALIAS", 300, &["plain.cdn.fake."]),
            rrset("other.test.", "MX", 3600, &["10 mail.other.test."]),
            rrset("other.test.", "TXT", 3600, &["\"v=spf1 -all\""]),
            rrset("docs.other.test.", "CNAME", 300, &["host.other.test."]),
        ]),
    );
    assert_eq!(status, 204, "{body}\n{}", edge().log());
    assert_eq!(
        rrset_contents("other.test.", "host.other.test.", "A"),
        ["192.0.2.200"],
        "the pushed records were imported"
    );
    let served = within(Duration::from_secs(15), || {
        serial("other.test.") == before + 1
    });
    assert!(
        served.is_some(),
        "the new serial is served within the recheck"
    );
    println!("API change served over DoH after {served:?}");
    assert_eq!(
        ask("other.test.", RecordType::A).addresses(),
        ["192.0.2.10"]
    );
    assert_eq!(ask("other.test.", RecordType::MX).message.answers.len(), 1);
    assert_eq!(
        ask("docs.other.test.", RecordType::A).addresses(),
        ["192.0.2.200"]
    );
    let transfer = client()
        .get(url("/zones/other.test."))
        .bearer_auth(&edge().token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        transfer.contains("mail.other.test."),
        "the transfer has the change:\n{transfer}"
    );
    assert!(
        !transfer.contains(" IN ALIAS "),
        "flattened for secondaries:\n{transfer}"
    );
    let listed = listed_zones();
    assert!(
        listed.iter().any(|z| z == "other.test.") && listed.iter().any(|z| z == "alias.test."),
        "{listed:?}"
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn fifty_concurrent_writers_through_the_edge_lose_nothing() {
    let zone = json!({"name": "herd.test.", "kind": "Native", "nameservers": ["ns1.herd.test."],
        "rrsets": [rrset("ns1.herd.test.", "A", 60, &["192.0.2.53"])]});
    let (status, body) = call(
        "POST",
        "/api/v1/servers/localhost/zones",
        API_ADMIN,
        Some(zone.to_string()),
    );
    assert_eq!(status, 201, "{body}");
    let created = body["serial"].as_u64().unwrap();
    let writers: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                let record = json!({"name": format!("w{i}"), "type": "A", "content": format!("192.0.2.{}", 100 + i), "ttl": 60});
                let response = client()
                    .post(url("/v1/zones/herd.test/records"))
                    .bearer_auth(API_ADMIN)
                    .body(record.to_string())
                    .send()
                    .unwrap();
                let status = response.status().as_u16();
                (status, response.text().unwrap())
            })
        })
        .collect();
    for writer in writers {
        let (status, body) = writer.join().unwrap();
        assert_eq!(status, 201, "{body}");
    }
    let (_, zone) = call(
        "GET",
        "/api/v1/servers/localhost/zones/herd.test.",
        API_ADMIN,
        None,
    );
    assert_eq!(
        zone["serial"].as_u64().unwrap(),
        created + 50,
        "one serial per write"
    );
    let names: Vec<String> = (0..50).map(|i| format!("w{i}.herd.test.")).collect();
    for name in &names {
        assert_eq!(
            rrset_contents("herd.test.", name, "A").len(),
            1,
            "{name} kept"
        );
    }
    let served = within(Duration::from_secs(15), || {
        serial("herd.test.") as u64 == created + 50
    });
    assert!(served.is_some(), "the last serial is served over DoH");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(
            ask(name, RecordType::A).addresses(),
            [format!("192.0.2.{}", 100 + i)]
        );
    }
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn bad_input_at_the_edge_gets_its_status_and_changes_nothing() {
    let zone = "/api/v1/servers/localhost/zones/alias.test.";
    let before = serial("alias.test.");
    let huge = format!("{{\"rrsets\":[],\"pad\":\"{}\"}}", "x".repeat(5 << 20));
    let cases: Vec<(&str, String, &str, u16)> = vec![
        ("malformed JSON", "{\"rrsets\": [".into(), API_ADMIN, 400),
        (
            "unknown type",
            json!({"rrsets": [rrset("x.alias.test.", "BOGUS", 60, &["x"])]}).to_string(),
            API_ADMIN,
            422,
        ),
        (
            "bad RDATA",
            json!({"rrsets": [rrset("x.alias.test.", "A", 60, &["192.0.2.256"])]}).to_string(),
            API_ADMIN,
            422,
        ),
        (
            "a second ALIAS",
            json!({"rrsets": [rrset("alias.test.", "ALIAS", 60, &["a.fake.", "b.fake."])]})
                .to_string(),
            API_ADMIN,
            422,
        ),
        (
            "outside the zone",
            json!({"rrsets": [rrset("x.other.test.", "A", 60, &["192.0.2.1"])]}).to_string(),
            API_ADMIN,
            422,
        ),
        ("oversized body", huge, API_ADMIN, 413),
        (
            "scoped key, A record",
            json!({"rrsets": [rrset("_acme-challenge.alias.test.", "A", 60, &["192.0.2.9"])]})
                .to_string(),
            API_ACME,
            403,
        ),
    ];
    for (what, body, key, status) in cases {
        let (got, error) = call("PATCH", zone, key, Some(body));
        assert_eq!(got, status, "{what}: {error}");
        assert!(
            error["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {error}"
        );
    }
    let (got, _) = patch(
        "alias.test.",
        API_ACME,
        json!([rrset("_acme-challenge.alias.test.", "TXT", 60, &["\"ok\""])]),
    );
    assert_eq!(got, 204, "the scoped key writes its TXT");
    let (_, body) = call("GET", &format!("{zone}?rrsets=false"), API_ADMIN, None);
    assert_eq!(
        body["serial"].as_u64().unwrap(),
        u64::from(before) + 1,
        "only the good change counted"
    );
    // The binding allows 10 a minute. Its windows may be fixed minutes, so 12 tries can
    // straddle a boundary and all pass; 25 cannot (one of at most two windows gets 13).
    let mut statuses: Vec<u16> = Vec::new();
    while statuses.len() < 25 && statuses.last() != Some(&429) {
        let (status, _) = call(
            "GET",
            "/api/v1/servers",
            "fapx_wrong_0123456789abcdef",
            None,
        );
        statuses.push(status);
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&429),
        "repeated bad keys are slowed down: {statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() >= 10,
        "ten bad keys a minute are answered 401 first: {statuses:?}"
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn zones_created_at_once_are_all_in_the_index() {
    let creators: Vec<_> = (0..10)
        .map(|i| {
            std::thread::spawn(move || {
                let zone = format!("z{i}.many.test.");
                let body = json!({"name": zone, "nameservers": [format!("ns1.{zone}")],
                    "rrsets": [rrset(&format!("ns1.{zone}"), "A", 60, &["192.0.2.53"])]});
                call(
                    "POST",
                    "/api/v1/servers/localhost/zones",
                    API_ADMIN,
                    Some(body.to_string()),
                )
            })
        })
        .collect();
    for creator in creators {
        let (status, body) = creator.join().unwrap();
        assert_eq!(status, 201, "{body}");
    }
    let listed = listed_zones();
    for i in 0..10 {
        let zone = format!("z{i}.many.test.");
        assert!(
            listed.contains(&zone),
            "{zone} lost from the index: {listed:?}"
        );
    }
    let all_served = within(Duration::from_secs(15), || {
        (0..10).all(|i| {
            ask(&format!("ns1.z{i}.many.test."), RecordType::A).addresses() == ["192.0.2.53"]
        })
    });
    assert!(all_served.is_some(), "every zone is served over DoH");
}
