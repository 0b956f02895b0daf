//! The herd-proof ALIAS resolver through the native server, over real UDP and DoH, against the
//! fake upstream: single flight, the RFC 8767 failure recheck and upstream health, with the
//! figures the issue sets as targets (printed for the README). Latency bounds allow for
//! scheduler noise.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod alias_server;
mod common;
mod fake_upstream;

use std::time::{Duration, Instant};

use alias_server::{ask, query, start};
use common::{Server, battery_dir, udp};
use fake_upstream::{FakeUpstream, Flat};
use hickory_proto::op::Message;
use hickory_proto::rr::RecordType;

/// Percentiles of `times` (sorted here): p50 and p99, as bench/alias.sh computes them.
fn percentiles(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    let p = |q: f64| times[((q * times.len() as f64) as usize).min(times.len() - 1)];
    (p(0.50), p(0.99))
}

#[test]
fn fifty_concurrent_queries_for_one_uncached_alias_share_one_fetch() {
    let fake = FakeUpstream::start();
    let (server, _dir) = start(&[fake.url()], &[]);
    // The target answers after 60 ms, so all fifty arrive while the first resolution runs.
    let barrier = std::sync::Barrier::new(50);
    let addr = server.addr;
    let answers: Vec<Flat> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let started = Instant::now();
                    let bytes = udp(addr, &query("herd.alias.test.", RecordType::A));
                    Flat {
                        message: Message::from_vec(&bytes).unwrap(),
                        took: started.elapsed(),
                        alias: String::new(),
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(
        answers
            .iter()
            .all(|a| a.addresses() == ["192.0.2.10"] && a.took < Duration::from_millis(1000))
    );
    let fetches = fake.hits_for("slow60.herd");
    eprintln!("50 concurrent queries for one uncached ALIAS: {fetches} fetch(es)");
    // One resolution is one fetch, or two if it is hedged (a machine too loaded to answer
    // within 100 ms): the target is at most 2 (it was 11 before single flight).
    assert!((1..=2).contains(&fetches), "{fetches} fetches");
}

#[test]
fn under_a_black_holed_upstream_only_the_first_stale_answer_waits() {
    let fake = FakeUpstream::start();
    fake.set_addresses(&["192.0.2.20"], &[], 1);
    let (server, _dir) = start(
        &[fake.url()],
        &["--alias-ttl-floor", "1", "--stale-recheck-seconds", "2"],
    );
    let good = ask(&server, "dying.alias.test.", RecordType::A);
    assert_eq!(good.addresses(), ["192.0.2.20"]);
    fake.set_black_hole(true);
    std::thread::sleep(Duration::from_millis(1100));
    // The first stale answer waits for both attempts to run into their deadline.
    let first = ask(&server, "dying.alias.test.", RecordType::A);
    assert_eq!(
        (first.addresses(), first.ede().unwrap().0),
        (vec!["192.0.2.20".into()], 3)
    );
    assert!(
        first.took >= Duration::from_millis(550) && first.took < Duration::from_millis(1000),
        "{:?}",
        first.took
    );
    assert_eq!(fake.hits_for("dying"), 3);
    // Every later one comes at once (target: within 10 ms), with no fetch, for the recheck
    // interval (2 s here).
    let mut times = Vec::new();
    for _ in 0..15 {
        let stale = ask(&server, "dying.alias.test.", RecordType::A);
        assert_eq!(stale.addresses(), ["192.0.2.20"]);
        let (code, text) = stale.ede().unwrap();
        assert!(
            code == 3 && text.contains("no answer within 500 ms"),
            "{text}"
        );
        times.push(stale.took);
        std::thread::sleep(Duration::from_millis(100));
    }
    let (p50, _) = percentiles(&mut times);
    let max = times[times.len() - 1];
    eprintln!("stale answers after the first: p50 {p50:?}, max {max:?}");
    assert!(
        p50 <= Duration::from_millis(10) && max < Duration::from_millis(50),
        "{times:?}"
    );
    assert_eq!(
        fake.hits_for("dying"),
        3,
        "no fetch within the recheck interval"
    );
    // Past it, an answer is still stale at once and starts one background retry (two attempts).
    std::thread::sleep(Duration::from_millis(600));
    let retry = ask(&server, "dying.alias.test.", RecordType::A);
    assert!(
        retry.ede().is_some() && retry.took < Duration::from_millis(50),
        "{:?}",
        retry.took
    );
    std::thread::sleep(Duration::from_millis(800));
    for _ in 0..5 {
        let stale = ask(&server, "dying.alias.test.", RecordType::A);
        assert!(stale.ede().is_some() && stale.took < Duration::from_millis(50));
    }
    assert_eq!(fake.hits_for("dying"), 5, "one retry: {:?}", fake.hits());
}

#[test]
fn a_black_holed_first_upstream_costs_one_hedge_not_one_per_query() {
    // 100 ALIAS owners, each with its own target, so every query is uncached.
    let mut zone = String::from(
        "$ORIGIN herd.test.\n@ 3600 SOA ns1 hostmaster 1 3600 600 86400 60\n@ 3600 NS ns1\nns1 3600 A 192.0.2.53\n",
    );
    for i in 0..100 {
        zone.push_str(&format!("c{i} 300 ALIAS t{i}.herd.cdn.fake.\n"));
    }
    let dir = battery_dir(&[("herd.test.zone", &zone)]);
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_url = format!("http://{}/dns-query", hole.local_addr().unwrap());
    let fake = FakeUpstream::start();
    let mut server = Server::start(
        dir.path(),
        &[
            "--upstream",
            &hole_url,
            "--upstream",
            &fake.url(),
            "--doh",
            "127.0.0.1:0",
        ],
    );
    let doh = server.wait_for("DoH on");
    let doh = doh
        .split("DoH on ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let mut times = Vec::new();
    for i in 0..100 {
        let a = ask(&server, &format!("c{i}.herd.test."), RecordType::A);
        assert_eq!(a.addresses(), ["192.0.2.10"], "c{i}");
        times.push(a.took);
    }
    // The first waits for the hedge; the hole is then tried last, so no other query waits.
    assert!(times[0] >= Duration::from_millis(95), "{:?}", times[0]);
    let hedged = times
        .iter()
        .filter(|t| **t >= Duration::from_millis(95))
        .count();
    assert_eq!(hedged, 1, "{times:?}");
    let (p50, p99) = percentiles(&mut times);
    eprintln!("uncached, first upstream black-holed: p50 {p50:?}, p99 {p99:?}");
    assert!(
        p50 <= Duration::from_millis(10) && p99 <= Duration::from_millis(150),
        "p50 {p50:?}, p99 {p99:?}"
    );
    assert_eq!(fake.hits_for("t"), 100);

    // /health counts it: one attempt, overtaken, unhealthy; the other answered all 100.
    let health: serde_json::Value = reqwest::blocking::get(doh.replace("/dns-query", "/health"))
        .unwrap()
        .json()
        .unwrap();
    let up = &health["upstreams"];
    assert_eq!(up[0]["url"], hole_url.as_str(), "{health}");
    assert_eq!(
        (&up[0]["healthy"], &up[0]["attempts"], &up[0]["overtaken"]),
        (&false.into(), &1.into(), &1.into()),
        "{health}"
    );
    assert_eq!(
        (&up[1]["healthy"], &up[1]["attempts"], &up[1]["answers"]),
        (&true.into(), &100.into(), &100.into()),
        "{health}"
    );
    assert!(up[1]["srtt_ms"].as_u64().unwrap() < 50, "{health}");
}
