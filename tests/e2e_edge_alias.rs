//! ALIAS flattening through real workerd (`wrangler dev`): real `fetch` to the fake upstream
//! (examples/fake_upstream.rs, started by scripts/e2e-edge), the Cache API, `wait_until`.
//! The worker's upstreams are `<fake>/hole/dns-query` then `<fake>/dns-query`; the first
//! black-holes only `hedge.cdn.fake`. Latency bounds allow for wrangler dev's own overhead.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use std::time::Duration;

use edge::*;
use fake_upstream::{Flat, REJECTED};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

fn hits(label: &str) -> usize {
    edge().fake.hits_for(label)
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn flattening_caching_and_the_fault_matrix_in_workerd() {
    let ok = vec!["192.0.2.10".to_string()];
    let plain = ask("alias.test.", RecordType::A);
    assert_eq!(
        (plain.rcode(), plain.addresses(), plain.ttl()),
        (ResponseCode::NoError, ok.clone(), 300)
    );
    assert!(
        plain
            .alias
            .contains("alias.test. -> plain.cdn.fake.; type=A; source=upstream"),
        "{}",
        plain.alias
    );
    // A cache hit makes no upstream fetch, counted at the fake upstream.
    let again = ask("www.alias.test.", RecordType::A);
    assert_eq!(again.addresses(), ok);
    assert!(again.alias.contains("source=memory"), "{}", again.alias);
    assert!(!again.alias.contains("failed"), "{}", again.alias);
    assert_eq!(hits("plain.cdn.fake. A"), 1);
    // The JSON API shows the flattened answer.
    let json: serde_json::Value = client()
        .get(url(
            "/dns-query?name=alias.test&type=A&ct=application/dns-json",
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(json["Answer"][0]["data"], "192.0.2.10", "{json}");

    let chain = ask("chain.alias.test.", RecordType::A);
    assert_eq!((chain.addresses(), chain.ttl()), (ok.clone(), 40));

    for name in ["slow2000", "blackhole"] {
        let a = ask(&format!("{name}.alias.test."), RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::ServFail, "{name}");
        assert_eq!(a.ede().unwrap().0, 22, "{name}");
        assert!(a.alias.ends_with("; failed"), "{name}: {}", a.alias);
        assert!(
            a.took >= Duration::from_millis(550) && a.took < Duration::from_millis(1300),
            "{name}: {:?}",
            a.took
        );
    }
    for &(name, why) in REJECTED {
        let a = ask(&format!("{name}.alias.test."), RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::ServFail, "{name}");
        let (code, text) = a.ede().unwrap();
        assert_eq!(code, 22, "{name}");
        assert!(text.contains(why), "{name}: {text}");
        assert!(a.took < Duration::from_millis(700), "{name}: {:?}", a.took);
        assert_eq!(hits(&format!("{name}.")), 2, "{name}: two attempts");
    }
    for name in ["nxdomain", "nodata"] {
        let a = ask(&format!("{name}.alias.test."), RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::NoError, "{name}");
        assert!(a.message.answers.is_empty(), "{name}");
        assert_eq!(a.message.authorities[0].ttl, 60, "{name}");
    }
    let poison = ask("poison.alias.test.", RecordType::A);
    assert_eq!(poison.addresses(), ok);
    assert!(!format!("{:?}", poison.message).contains("203.0.113"));
    assert_eq!(
        ask("victim.alias.test.", RecordType::A).rcode(),
        ResponseCode::NXDomain
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn hedging_in_workerd_answers_from_the_second_upstream() {
    let a = ask("hedge.alias.test.", RecordType::A);
    assert_eq!(a.addresses(), vec!["192.0.2.10".to_string()]);
    assert!(
        a.alias.contains("source=upstream; upstream=http://"),
        "{}",
        a.alias
    );
    assert!(
        !a.alias.contains("/hole/"),
        "the black hole lost: {}",
        a.alias
    );
    assert!(
        a.took >= Duration::from_millis(95) && a.took < Duration::from_millis(700),
        "{:?}",
        a.took
    );
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn refresh_ahead_then_stale_when_the_upstream_dies() {
    // The suite's settings have alias_ttl_floor = 1, so a 3 s upstream TTL is kept.
    edge()
        .fake
        .set_addresses(&["192.0.2.20"], &["2001:db8::20"], 3);
    let first = ask("refresh.alias.test.", RecordType::A);
    assert_eq!(
        (first.addresses(), first.ttl()),
        (vec!["192.0.2.20".to_string()], 3)
    );
    std::thread::sleep(Duration::from_millis(2750));
    let late = ask("refresh.alias.test.", RecordType::A);
    assert!(late.alias.contains("source=memory"), "{}", late.alias);
    let refreshed = within(Duration::from_secs(3), || hits("refresh.cdn.fake. A") == 2);
    assert!(refreshed.is_some(), "no refresh ahead through wait_until");

    let good = ask("flaky.alias.test.", RecordType::A);
    assert_eq!(good.addresses(), vec!["192.0.2.20".to_string()]);
    edge().fake.set_down(true);
    std::thread::sleep(Duration::from_millis(3100));
    let stale = ask("flaky.alias.test.", RecordType::A);
    edge().fake.set_down(false);
    edge()
        .fake
        .set_addresses(&["192.0.2.10"], &["2001:db8::10"], 300);
    assert_eq!(
        (stale.rcode(), stale.addresses(), stale.ttl()),
        (ResponseCode::NoError, vec!["192.0.2.20".to_string()], 30)
    );
    assert!(stale.alias.contains("source=stale"), "{}", stale.alias);
    let (code, text) = stale.ede().unwrap();
    assert_eq!(code, 3);
    assert!(text.contains("HTTP status 503"), "{text}");
}

/// An upstream that answers every connection with bytes that are not HTTP; its port.
fn not_http_upstream() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"this is not HTTP\r\n\r\n");
        }
    });
    port
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn failed_upstream_connections_are_named_in_the_ede_and_logged_once() {
    let refused = common::free_port();
    let not_http = not_http_upstream();
    let upstreams = format!(
        "upstreams = [\"http://127.0.0.1:{refused}/dns-query\", \"http://127.0.0.1:{not_http}/dns-query\"]"
    );
    let edge = Edge::start_with(|config| {
        config
            .lines()
            .map(|l| match l.starts_with("upstreams = [") {
                true => upstreams.as_str(),
                false => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let refused_text = format!(
        "http://127.0.0.1:{refused}/dns-query: HTTP request failed: connection to \
         127.0.0.1:{refused} refused or closed before a response (workerd: Network connection lost.)"
    );
    let not_http_text = format!(
        "http://127.0.0.1:{not_http}/dns-query: HTTP request failed: no HTTP response from \
         127.0.0.1:{not_http}: the DNS lookup, the connection, TLS or the reply failed, and \
         workerd logged which under reference "
    );
    for name in ["chain", "servfail", "garbage"] {
        let response = client()
            .post(format!("{}/dns-query", edge.base))
            .header("content-type", "application/dns-message")
            .body(query_edns(&format!("{name}.alias.test."), RecordType::A))
            .send()
            .unwrap();
        let flat = Flat {
            message: message(response),
            alias: String::new(),
            took: Duration::ZERO,
        };
        assert_eq!(flat.rcode(), ResponseCode::ServFail, "{name}");
        let (code, text) = flat.ede().unwrap();
        assert_eq!(code, 22, "{name}: {text}");
        assert!(text.contains(&refused_text), "{name}: {text}");
        assert!(text.contains(&not_http_text), "{name}: {text}");
    }
    // Three requests, each failing the same two ways: one log line for each way.
    let logged = |port: u16| {
        let line = format!(
            "{{\"event\":\"upstream http://127.0.0.1:{port}/dns-query: HTTP request failed: "
        );
        edge.log().matches(&line).count()
    };
    within(Duration::from_secs(5), || {
        logged(refused) > 0 && logged(not_http) > 0
    })
    .expect("the failures were not logged");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        (logged(refused), logged(not_http)),
        (1, 1),
        "{}",
        edge.log()
    );
    assert!(
        edge.log().contains("; logged once a minute per isolate"),
        "{}",
        edge.log()
    );
}
