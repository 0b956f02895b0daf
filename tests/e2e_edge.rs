//! End to end through real workerd: the DoH endpoint of `wrangler dev` (tests/edge/mod.rs starts
//! it with tests/zones in a fresh local KV). `#[ignore]`d in a plain `cargo test`, which has no
//! worker built; `scripts/e2e-edge` builds it and runs these.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;
mod common;
mod edge;
mod fake_upstream;

use edge::*;

use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use reqwest::blocking::Response;

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
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
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
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
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn caching_headers_cors_json_and_health() {
    let positive = post(query("www.battery.test.", RecordType::A));
    assert_eq!(header(&positive, "access-control-allow-origin"), "*");
    assert!(header(&positive, "server-timing").starts_with("dns;dur="));
    assert_eq!(
        header(&positive, "access-control-expose-headers"),
        "flatapex-alias, server-timing",
        "browser pages may read the provenance and timing headers"
    );
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
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
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

/// push.test at `serial` with `host` at `address`, in its own directory.
fn push_test_zone(serial: u32, address: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "$ORIGIN push.test.\n$TTL 300\n@ SOA ns1 hostmaster {serial} 7200 900 1209600 600\n\
         @ NS ns1\nns1 A 192.0.2.1\nhost A {address}\n"
    );
    std::fs::write(dir.path().join("push.test.zone"), text).unwrap();
    dir
}

/// The versions of push.test whose shards are in the local KV.
fn stored_versions() -> Vec<String> {
    let list = wrangler(&["kv", "key", "list", "--prefix", "flatapex/zone/push.test./"]);
    let keys: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let mut versions: Vec<String> = keys
        .iter()
        .map(|k| {
            k["name"]
                .as_str()
                .unwrap()
                .split('/')
                .nth(3)
                .unwrap()
                .to_string()
        })
        .collect();
    versions.dedup();
    versions
}

fn host_address() -> String {
    let m = message(post(query("host.push.test.", RecordType::A)));
    m.answers
        .first()
        .map(|r| r.data.to_string())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_push_writes_only_what_changed_and_removes_superseded_versions() {
    let first = push(push_test_zone(1, "192.0.2.31").path());
    assert!(first.contains("push.test.: new"), "{first}");
    assert!(
        first.contains(": 2 KV write(s) (1 value(s)"),
        "one shard and the index: {first}"
    );
    let v1 = stored_versions();
    assert_eq!(v1.len(), 1, "{v1:?}");

    // The same zone again: nothing is written, not even the index.
    let again = push(push_test_zone(1, "192.0.2.31").path());
    assert!(again.contains("push.test.: unchanged"), "{again}");
    assert_eq!(again.matches("  writing").count(), 0, "{again}");
    assert!(again.contains(": 0 KV write(s)"), "{again}");

    // New content under the same serial: written, with a warning; the old version stays.
    let edited = push(push_test_zone(1, "192.0.2.32").path());
    assert!(
        edited.contains("warning: push.test.: the content changed but the SOA serial is still 1"),
        "{edited}"
    );
    assert!(
        edited.contains(&format!("push.test.: replaces version {}", v1[0])),
        "{edited}"
    );
    let index: serde_json::Value =
        serde_json::from_str(&wrangler(&["kv", "key", "get", "flatapex/index", "--text"])).unwrap();
    assert_eq!(index["superseded"][0]["version"], v1[0].as_str(), "{index}");
    assert_eq!(stored_versions().len(), 2, "kept for the grace period");
    within(Duration::from_secs(15), || host_address() == "192.0.2.32")
        .expect("the edit was not served within 15 s");

    // Past the grace period (0 s here), the next push deletes the old shards.
    let cleaned = push_with(
        push_test_zone(1, "192.0.2.32").path(),
        &["--grace-seconds", "0"],
    );
    assert!(
        cleaned.contains(&format!(
            "deleting 1 superseded version(s), 1 key(s): push.test.@{}",
            v1[0]
        )),
        "{cleaned}"
    );
    assert!(
        cleaned.contains(": 1 KV write(s)") && cleaned.contains(", 1 deletion(s)"),
        "{cleaned}"
    );
    let left = stored_versions();
    assert!(left.len() == 1 && left[0] != v1[0], "{left:?}");
    assert_eq!(host_address(), "192.0.2.32");
}

/// Writes `index` as the zone index in the suite's local KV, through `file`.
fn put_index(file: &std::path::Path, index: &serde_json::Value) {
    std::fs::write(file, index.to_string()).unwrap();
    wrangler(&[
        "kv",
        "key",
        "put",
        "flatapex/index",
        "--path",
        file.to_str().unwrap(),
    ]);
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
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
    put_index(&index_file, &index);

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
    put_index(&index_file, &index);
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn real_clients_dnspython_and_curl() {
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/clients.py"))
        .arg(&edge().base)
        .output()
        .expect("python3 with dnspython (Debian's python3-dnspython)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn every_request_is_logged_as_one_json_line() {
    for _ in 0..3 {
        assert_eq!(post(query("battery.test.", RecordType::SOA)).status(), 200);
    }
    let _ = client().get(url("/elsewhere")).send().unwrap();
    let lines: Vec<serde_json::Value> = edge()
        .log()
        .lines()
        .filter(|l| l.starts_with("{\"method\":"))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 4, "{} request lines", lines.len());
    assert!(
        lines
            .iter()
            .any(|l| l["status"] == 404 && l["path"] == "/elsewhere" && l["error"].is_string()),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l["qname"] == "battery.test."
            && l["rcode"] == "No Error"
            && l["ms"].is_number()),
        "{lines:#?}"
    );
}
