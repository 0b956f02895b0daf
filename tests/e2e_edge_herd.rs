//! The herd-proof ALIAS resolver through real workerd (`wrangler dev`, one isolate): single
//! flight, the RFC 8767 failure recheck and upstream health, against the fake upstream. The
//! worker's upstreams are `<fake>/hole/dns-query` (which never answers the `hedge…` names) then
//! `<fake>/dns-query`. A suite of its own, so that the upstreams' health starts clean; its tests
//! run in name order (`--test-threads 1`) and each uses its own names. Latency bounds allow for
//! wrangler dev's own overhead; the figures are printed for the README.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use std::time::Duration;

use edge::*;
use fake_upstream::Flat;
use hickory_proto::rr::RecordType;

/// p50 and the largest of `times`.
fn p50_max(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_black_holed_first_upstream_costs_one_hedge_not_one_per_query() {
    // Warm the isolate (the first request compiles and loads the zones).
    ask("alias.test.", RecordType::A);
    let mut times = Vec::new();
    for i in 1..=20 {
        let a = ask(&format!("hedge{i}.alias.test."), RecordType::A);
        assert_eq!(a.addresses(), ["192.0.2.10"], "hedge{i}: {}", a.alias);
        assert!(!a.alias.contains("/hole/"), "hedge{i}: {}", a.alias);
        times.push(a.took);
    }
    // The first waits for the hedge; the hole is then tried last, so no other query waits.
    assert!(times[0] >= Duration::from_millis(95), "{:?}", times[0]);
    let hedged = times[1..]
        .iter()
        .filter(|t| **t >= Duration::from_millis(95))
        .count();
    assert_eq!(hedged, 0, "{times:?}");
    let (p50, max) = p50_max(&mut times[1..]);
    eprintln!(
        "edge, uncached, first upstream black-holed: first {:?}, then p50 {p50:?}, max {max:?}",
        times[0]
    );
    assert_eq!(
        edge().fake.hits_for("hedge"),
        21,
        "one attempt on the hole, then one each: {:?}",
        edge().fake.hits()
    );

    // /health has the counters, in the core's shape.
    let health: serde_json::Value = client().get(url("/health")).send().unwrap().json().unwrap();
    let up = &health["upstreams"];
    assert!(
        up[0]["url"].as_str().unwrap().ends_with("/hole/dns-query"),
        "{health}"
    );
    assert_eq!(
        (&up[0]["healthy"], &up[0]["overtaken"]),
        (&false.into(), &1.into()),
        "{health}"
    );
    // Its other attempts (the warm-up's) were answered.
    assert_eq!(
        up[0]["attempts"].as_u64(),
        Some(up[0]["answers"].as_u64().unwrap() + 1),
        "{health}"
    );
    assert_eq!(up[1]["healthy"], true, "{health}");
    assert!(up[1]["answers"].as_u64().unwrap() >= 20, "{health}");
    assert!(up[1]["srtt_ms"].as_u64().is_some(), "{health}");
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn fifty_concurrent_queries_for_one_uncached_alias_share_one_fetch() {
    ask("alias.test.", RecordType::A);
    // The target answers after 60 ms, so all fifty arrive while the first resolution runs.
    let barrier = std::sync::Barrier::new(50);
    let answers: Vec<Flat> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    ask("herd.alias.test.", RecordType::A)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for a in &answers {
        assert_eq!(a.addresses(), ["192.0.2.10"], "{}", a.alias);
    }
    let fetches = edge().fake.hits_for("slow60.herd");
    let (p50, max) = p50_max(&mut answers.iter().map(|a| a.took).collect::<Vec<_>>());
    eprintln!(
        "edge, 50 concurrent queries for one uncached ALIAS: {fetches} fetch(es); p50 {p50:?}, max {max:?}"
    );
    // One resolution is one fetch, or two if it is hedged: the target is at most 2 (it was 9
    // before single flight).
    assert!((1..=2).contains(&fetches), "{fetches} fetches");
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn under_a_black_holed_upstream_only_the_first_stale_answer_waits() {
    let fake = &edge().fake;
    fake.set_addresses(&["192.0.2.20"], &[], 1);
    let good = ask("dying.alias.test.", RecordType::A);
    fake.set_addresses(&["192.0.2.10"], &["2001:db8::10"], 300);
    assert_eq!(good.addresses(), ["192.0.2.20"], "{}", good.alias);
    fake.set_black_hole(true);
    std::thread::sleep(Duration::from_millis(1100));
    // The first stale answer waits for both attempts to run into their deadline.
    let first = ask("dying.alias.test.", RecordType::A);
    assert_eq!(
        (first.addresses(), first.ede().unwrap().0),
        (vec!["192.0.2.20".to_string()], 3),
        "{}",
        first.alias
    );
    assert!(
        first.took >= Duration::from_millis(550) && first.took < Duration::from_millis(1300),
        "{:?}",
        first.took
    );
    assert_eq!(fake.hits_for("dying"), 3);
    // Every later one comes at once (target: within 50 ms in wrangler dev), with no fetch,
    // for the recheck interval (30 s by default).
    let mut times = Vec::new();
    for _ in 0..20 {
        let stale = ask("dying.alias.test.", RecordType::A);
        assert_eq!(stale.addresses(), ["192.0.2.20"]);
        assert!(stale.alias.contains("source=stale"), "{}", stale.alias);
        let (code, text) = stale.ede().unwrap();
        assert!(
            code == 3 && text.contains("no answer within 500 ms"),
            "{text}"
        );
        times.push(stale.took);
        std::thread::sleep(Duration::from_millis(100));
    }
    let (p50, max) = p50_max(&mut times);
    eprintln!(
        "edge, stale answers after the first: first {:?}, then p50 {p50:?}, max {max:?}",
        first.took
    );
    assert!(max < Duration::from_millis(50), "{times:?}");
    assert_eq!(
        fake.hits_for("dying"),
        3,
        "no fetch within the recheck interval"
    );
    fake.set_black_hole(false);
}
