//! End to end through real workerd: `scripts/e2e-edge` builds the worker, pushes tests/zones to
//! a fresh local KV, starts `wrangler dev`, and runs these with FLATAPEX_EDGE_URL set. They are
//! `#[ignore]`d in a plain `cargo test`, which has no worker to talk to.
#![cfg(not(target_arch = "wasm32"))]

mod battery;

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use reqwest::blocking::{Client, Response};

const NEEDS: &str = "needs wrangler dev: run scripts/e2e-edge";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/e2e-edge"))
}

fn url(path: &str) -> String {
    format!("{}{path}", env("FLATAPEX_EDGE_URL"))
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    m.to_vec().unwrap()
}

fn post(wire: Vec<u8>) -> Response {
    client()
        .post(url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(wire)
        .send()
        .unwrap()
}

fn get_wire(wire: &[u8]) -> Response {
    client()
        .get(url(&format!(
            "/dns-query?dns={}",
            URL_SAFE_NO_PAD.encode(wire)
        )))
        .send()
        .unwrap()
}

fn message(response: Response) -> Message {
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/dns-message"
    );
    Message::from_vec(&response.bytes().unwrap()).unwrap()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn serial(zone: &str) -> u32 {
    let m = message(post(query(zone, RecordType::SOA)));
    match m.answers.first().map(|r| &r.data) {
        Some(RData::SOA(soa)) => soa.serial,
        other => panic!(
            "no SOA for {zone}: {other:?} ({:?})",
            m.metadata.response_code
        ),
    }
}

/// Runs wrangler against the suite's local KV.
fn wrangler(args: &[&str]) -> String {
    let out = Command::new("node_modules/.bin/wrangler")
        .args(args)
        .args(["--binding", "ZONES", "--local"])
        .args(["--persist-to", &env("FLATAPEX_EDGE_STATE")])
        .args(["--config", &env("FLATAPEX_EDGE_CONFIG")])
        .env("WRANGLER_SEND_METRICS", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wrangler {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn push(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args([
            "push",
            "--local",
            "--persist-to",
            &env("FLATAPEX_EDGE_STATE"),
        ])
        .args(["--config", &env("FLATAPEX_EDGE_CONFIG")])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "push failed: {stdout}");
    stdout
}

/// Waits up to `limit` for `check`, returning how long it took.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

#[test]
#[ignore = "needs wrangler dev: run scripts/e2e-edge"]
fn battery_over_doh_post_and_get() {
    let _ = NEEDS;
    let mut flip = false;
    futures::executor::block_on(battery::run(
        "wrangler dev DoH",
        battery::Via::Stream,
        |wire| {
            flip = !flip;
            let response = if flip { post(wire) } else { get_wire(&wire) };
            async move {
                assert_eq!(response.status(), 200);
                response.bytes().unwrap().to_vec()
            }
        },
    ));
}

#[test]
#[ignore = "needs wrangler dev: run scripts/e2e-edge"]
fn every_http_error_has_its_status_and_reason() {
    let c = client();
    let cases: Vec<(u16, Response)> = vec![
        (400, c.get(url("/dns-query?dns=%%%")).send().unwrap()),
        (400, c.get(url("/dns-query")).send().unwrap()),
        (400, post(vec![0; 5])),
        (404, c.get(url("/elsewhere")).send().unwrap()),
        (405, c.put(url("/dns-query")).body("x").send().unwrap()),
        (413, {
            c.post(url("/dns-query"))
                .header("content-type", "application/dns-message")
                .body(vec![0u8; 70_000])
                .send()
                .unwrap()
        }),
        (
            414,
            c.get(url(&format!("/dns-query?dns={}", "A".repeat(5000))))
                .send()
                .unwrap(),
        ),
        (415, {
            c.post(url("/dns-query"))
                .header("content-type", "text/plain")
                .body(query("battery.test.", RecordType::A))
                .send()
                .unwrap()
        }),
    ];
    for (want, response) in cases {
        assert_eq!(response.status().as_u16(), want);
        assert_eq!(header(&response, "cache-control"), "no-store");
        let reason = response.text().unwrap();
        assert!(
            reason.len() > 5 && !reason.contains('<'),
            "{want}: {reason:?}"
        );
    }
}

#[test]
#[ignore = "needs wrangler dev: run scripts/e2e-edge"]
fn caching_headers_cors_json_and_health() {
    let positive = post(query("www.battery.test.", RecordType::A));
    assert_eq!(header(&positive, "access-control-allow-origin"), "*");
    assert!(header(&positive, "server-timing").starts_with("dns;dur="));
    let ttl = message(post(query("www.battery.test.", RecordType::A)))
        .answers
        .iter()
        .map(|r| r.ttl)
        .min()
        .unwrap();
    assert_eq!(header(&positive, "cache-control"), format!("max-age={ttl}"));
    // NXDOMAIN: the SOA's min(TTL, MINIMUM).
    let negative = post(query("nope.battery.test.", RecordType::A));
    let cc = header(&negative, "cache-control");
    let m = message(negative);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(cc, format!("max-age={}", m.authorities[0].ttl));
    let refused = post(query("example.org.", RecordType::A));
    assert_eq!(header(&refused, "cache-control"), "no-store");
    assert_eq!(
        message(refused).metadata.response_code,
        ResponseCode::Refused
    );

    let preflight = client()
        .request(reqwest::Method::OPTIONS, url("/dns-query"))
        .header("origin", "https://example.net")
        .header("access-control-request-method", "POST")
        .send()
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(header(&preflight, "access-control-allow-origin"), "*");
    assert!(header(&preflight, "access-control-allow-methods").contains("POST"));

    let json = client()
        .get(url("/dns-query?name=battery.test&type=MX"))
        .header("accept", "application/dns-json")
        .send()
        .unwrap();
    assert_eq!(header(&json, "content-type"), "application/dns-json");
    let body: serde_json::Value = json.json().unwrap();
    assert_eq!(body["Status"], 0);
    assert_eq!(body["Answer"][0]["type"], 15);

    let health: serde_json::Value = client().get(url("/health")).send().unwrap().json().unwrap();
    let zones = health["zones"].as_array().unwrap();
    assert!(
        zones.iter().any(|z| z["zone"] == "battery.test."),
        "{health}"
    );
}

#[test]
#[ignore = "needs wrangler dev: run scripts/e2e-edge"]
fn a_pushed_update_is_served_without_a_restart() {
    let before = serial("other.test.");
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("zones/other.test.zone")
        .replace(" 7 7200 ", &format!(" {} 7200 ", before + 1));
    std::fs::write(dir.path().join("other.test.zone"), text).unwrap();
    push(dir.path());
    // The worker re-reads the index every 2 s in this suite's settings.
    let took = within(Duration::from_secs(15), || {
        serial("other.test.") == before + 1
    })
    .expect("the new serial was not served within 15 s");
    println!("update served {took:?} after the push finished");
}

#[test]
#[ignore = "needs wrangler dev: run scripts/e2e-edge"]
fn corrupt_zone_values_keep_the_last_good_copy_and_never_500() {
    let good = serial("battery.test.");
    // Point the index at a new version of battery.test whose value is garbage, and at a
    // zone that has no good copy at all.
    let index = wrangler(&["kv", "key", "get", "flatapex/index", "--text"]);
    let mut index: serde_json::Value = serde_json::from_str(&index).unwrap();
    let entry = index["zones"]["battery.test."].clone();
    let mut bad = entry.clone();
    bad["version"] = "999-corrupt".into();
    bad["shards"] = 1.into();
    index["zones"]["battery.test."] = bad.clone();
    index["zones"]["broken.test."] = bad;
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, b"this is not a zone").unwrap();
    for zone in ["battery.test.", "broken.test."] {
        let key = format!("flatapex/zone/{zone}/999-corrupt/0");
        wrangler(&[
            "kv",
            "key",
            "put",
            &key,
            "--path",
            garbage.to_str().unwrap(),
        ]);
    }
    let index_file = dir.path().join("index.json");
    std::fs::write(&index_file, index.to_string()).unwrap();
    wrangler(&[
        "kv",
        "key",
        "put",
        "flatapex/index",
        "--path",
        index_file.to_str().unwrap(),
    ]);

    // Once the worker has seen the new index, broken.test fails with SERVFAIL + EDE (HTTP 200)...
    within(Duration::from_secs(15), || {
        message(post(query("broken.test.", RecordType::SOA)))
            .metadata
            .response_code
            == ResponseCode::ServFail
    })
    .expect("the new index was not read within 15 s");
    let json: serde_json::Value = client()
        .get(url(
            "/dns-query?name=broken.test&type=SOA&ct=application/dns-json",
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        json["Comment"].as_str().unwrap().contains("corrupt"),
        "{json}"
    );
    // ... while battery.test keeps answering from the last good copy, query after query.
    for _ in 0..5 {
        assert_eq!(serial("battery.test."), good);
        std::thread::sleep(Duration::from_millis(500));
    }
    // Restore the good index for the other tests.
    index["zones"]["battery.test."] = entry;
    index["zones"]
        .as_object_mut()
        .unwrap()
        .remove("broken.test.");
    std::fs::write(&index_file, index.to_string()).unwrap();
    wrangler(&[
        "kv",
        "key",
        "put",
        "flatapex/index",
        "--path",
        index_file.to_str().unwrap(),
    ]);
}
