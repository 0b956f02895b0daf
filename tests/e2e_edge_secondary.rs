//! Secondary DNS at the edge through `wrangler dev`: the scheduled handler (triggered through
//! wrangler dev's `/__scheduled` test route) writes last-good flattened sets and the zone's
//! state to local KV, and `GET /zones/<zone>` serves the flattened zone text behind the bearer
//! token (the FLATAPEX_TOKEN secret the harness writes to .dev.vars); `flatapex serve
//! --transfer-from` pulls it and serves it over DNS.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use std::time::Duration;

use hickory_proto::rr::RecordType;

use edge::*;

fn trigger() {
    edge().trigger();
}

fn addresses(v4: &str, v6: &str, ttl: u32) {
    edge().fake.set_addresses(&[v4], &[v6], ttl);
}

fn zone_text(token: Option<&str>) -> (u16, String) {
    let mut request = client().get(url("/zones/alias.test"));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

/// The stored fetch time of sched.alias.test.'s A set in the zone's state in KV.
fn sched_fetched_ms() -> u64 {
    let state = wrangler(&["kv", "key", "get", "flatapex/flat/alias.test.", "--text"]);
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    state["sets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|set| set["owner"] == "sched.alias.test." && set["rtype"] == "A")
        .and_then(|set| set["fetched_ms"].as_u64())
        .unwrap_or_else(|| panic!("no sched A set in {state}"))
}

fn serial_of(text: &str) -> u32 {
    let soa = text
        .lines()
        .find(|l| l.contains(" IN SOA "))
        .expect("an SOA line");
    soa.split_whitespace().nth(6).unwrap().parse().unwrap()
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn the_zone_endpoint_needs_the_token() {
    let token = edge().token.clone();
    assert_eq!(zone_text(None).0, 401);
    assert_eq!(zone_text(Some("wrong")).0, 401);
    assert_eq!(zone_text(Some(&format!("{token}x"))).0, 401);
    let (status, text) = zone_text(Some(&token));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("$ORIGIN alias.test."), "{text}");
    assert!(!text.contains(" IN ALIAS "), "no ALIAS in transfer text");
    let missing = client()
        .get(url("/zones/nothere.test"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn the_scheduled_refresh_writes_last_good_data_and_bumps_the_serial() {
    let token = edge().token.clone();
    addresses("192.0.2.30", "2001:db8::30", 1);
    trigger();
    let (_, first) = zone_text(Some(&token));
    assert!(
        first.contains("sched.alias.test. 1 IN A 192.0.2.30"),
        "{first}"
    );
    let before = serial_of(&first);
    // The file's serial is 1; the first addresses found are a change (a puller may have
    // fetched the zone without them at serial 1), so the state serves above it.
    assert!(
        before > 1,
        "serial {before} after the first addresses: {first}"
    );
    // The last-good copy in KV, the ALIAS cache's last layer.
    let last_good = wrangler(&[
        "kv",
        "key",
        "get",
        "flatapex/alias/a/sched.cdn.fake.",
        "--text",
    ]);
    assert!(last_good.contains("192.0.2.30"), "{last_good}");

    // The target moves: the next run bumps the serial and serves the new address.
    addresses("192.0.2.31", "2001:db8::31", 1);
    std::thread::sleep(Duration::from_millis(1100));
    trigger();
    let (_, second) = zone_text(Some(&token));
    // Unchanged addresses a run later: the stored set keeps its fetch time, so neither the
    // state nor the last-good copy needs a KV write (they are limited: 1,000 a day on free).
    let confirmed = sched_fetched_ms();
    std::thread::sleep(Duration::from_millis(1100));
    trigger();
    assert_eq!(
        sched_fetched_ms(),
        confirmed,
        "an unchanged set was rewritten"
    );
    addresses("192.0.2.10", "2001:db8::10", 300);
    assert!(
        second.contains("sched.alias.test. 1 IN A 192.0.2.31"),
        "{second}"
    );
    assert_eq!(serial_of(&second), before + 1, "{second}");
    let state = wrangler(&["kv", "key", "get", "flatapex/flat/alias.test.", "--text"]);
    assert!(
        state.contains(&format!("\"serial\":{}", before + 1)),
        "{state}"
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_native_server_pulls_the_flattened_zone_and_serves_it() {
    let token = edge().token.clone();
    addresses("192.0.2.32", "2001:db8::32", 1);
    trigger();
    addresses("192.0.2.10", "2001:db8::10", 300);
    let (status, text) = zone_text(Some(&token));
    assert_eq!(status, 200, "{text}");
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::Server::start(
        dir.path(),
        &[
            "--transfer-interval",
            "1",
            "--transfer-from",
            &url("/zones/alias.test"),
            "--transfer-token",
            &token,
        ],
    );
    server.wait_for("alias.test. serial");
    let ask = |name: &str, qtype: RecordType| {
        let response = common::udp(server.addr, &query(name, qtype));
        hickory_proto::op::Message::from_vec(&response).unwrap()
    };
    let soa = ask("alias.test.", RecordType::SOA);
    let served = match soa.answers.first().map(|r| &r.data) {
        Some(hickory_proto::rr::RData::SOA(soa)) => soa.serial,
        other => panic!("no SOA: {other:?}"),
    };
    assert_eq!(
        served,
        serial_of(&text),
        "the serial of the text the worker serves"
    );
    let sched = ask("sched.alias.test.", RecordType::A);
    let got: Vec<String> = sched.answers.iter().map(|r| r.data.to_string()).collect();
    assert_eq!(got, ["192.0.2.32"], "the flattened address, pulled: {text}");
    // A wrong token is refused, and the pulled zone stays.
    let mut refused = common::Server::start(
        dir.path(),
        &[
            "--transfer-interval",
            "1",
            "--transfer-from",
            &url("/zones/alias.test"),
            "--transfer-token",
            "wrong",
        ],
    );
    refused.wait_for("HTTP 401");
}
