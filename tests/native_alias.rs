//! ALIAS flattening through the native server, driven over real UDP and TCP, against the fake
//! upstream DoH server: every fault's answer, rcode, EDE, TTL and latency, caching, refresh
//! ahead, stale answers and hedging. Latency bounds allow for scheduler noise.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod alias_server;
mod common;
mod fake_upstream;

use std::time::{Duration, Instant};

use alias_server::{ask, query, start};
use common::tcp;
use fake_upstream::{FakeUpstream, REJECTED};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;

#[test]
fn every_fault_gets_its_answer_rcode_ede_ttl_and_deadline() {
    let fake = FakeUpstream::start();
    let (server, _dir) = start(&[fake.url()], &[]);
    let ok = vec!["192.0.2.10".to_string()];

    // A good upstream: the addresses at the ALIAS name, TTL min(ALIAS 600, upstream 300).
    let plain = ask(&server, "Alias.Test.", RecordType::A);
    assert_eq!(
        (plain.rcode(), plain.addresses(), plain.ttl()),
        (ResponseCode::NoError, ok.clone(), 300)
    );
    assert_eq!(
        plain.message.answers[0].name.to_ascii(),
        "Alias.Test.",
        "owner is the ALIAS name as asked"
    );
    assert!(plain.message.metadata.authoritative);
    let aaaa = ask(&server, "alias.test.", RecordType::AAAA);
    assert_eq!(aaaa.addresses(), vec!["2001:db8::10".to_string()]);

    // The chain's lowest TTL wins (CNAME 300, CNAME 40, A 3600, ALIAS 3600).
    let chain = ask(&server, "chain.alias.test.", RecordType::A);
    assert_eq!((chain.addresses(), chain.ttl()), (ok.clone(), 40));

    // A slow upstream within the deadline is waited for.
    let slow = ask(&server, "slow200.alias.test.", RecordType::A);
    assert_eq!(slow.addresses(), ok);
    assert!(
        slow.took >= Duration::from_millis(190) && slow.took < Duration::from_millis(450),
        "{:?}",
        slow.took
    );

    // No answer at all: both attempts (the second hedged at 100 ms) hit the 500 ms deadline.
    for name in ["slow2000.alias.test.", "blackhole.alias.test."] {
        let a = ask(&server, name, RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::ServFail, "{name}");
        assert_eq!(a.ede().unwrap().0, 22, "{name}");
        assert!(
            a.took >= Duration::from_millis(550) && a.took < Duration::from_millis(1000),
            "{name}: {:?}",
            a.took
        );
    }

    // Bad answers fail fast: the second attempt starts as soon as the first is rejected.
    for &(name, why) in REJECTED {
        let a = ask(&server, &format!("{name}.alias.test."), RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::ServFail, "{name}");
        let (code, text) = a.ede().unwrap();
        assert_eq!(code, 22, "{name}");
        assert!(text.contains(why), "{name}: {text}");
        assert!(a.took < Duration::from_millis(300), "{name}: {:?}", a.took);
        assert!(a.message.answers.is_empty());
        assert_eq!(fake.hits_for(name), 2, "{name}: two attempts");
    }

    // NXDOMAIN and NODATA targets: NOERROR, no records, our SOA at the negative TTL.
    for name in ["nxdomain", "nodata"] {
        let a = ask(&server, &format!("{name}.alias.test."), RecordType::A);
        assert_eq!(a.rcode(), ResponseCode::NoError, "{name}");
        assert!(a.message.answers.is_empty(), "{name}");
        let soa = &a.message.authorities[0];
        assert_eq!(
            (soa.record_type(), soa.ttl),
            (RecordType::SOA, 60),
            "{name}"
        );
        // ... cached negatively: the second query makes no fetch.
        ask(&server, &format!("{name}.alias.test."), RecordType::A);
        assert_eq!(fake.hits_for(name), 1, "{name}");
    }

    // Poison: only the target's own address is used, and nothing else leaks or sticks.
    let poison = ask(&server, "poison.alias.test.", RecordType::A);
    assert_eq!(poison.addresses(), ok);
    assert!(
        !format!("{:?}", poison.message).contains("203.0.113"),
        "{}",
        format!("{:?}", poison.message)
    );
    let victim = ask(&server, "victim.alias.test.", RecordType::A);
    assert_eq!(victim.rcode(), ResponseCode::NXDomain);

    // Explicit A beats the ALIAS for A; AAAA is flattened.
    assert_eq!(
        ask(&server, "explicit.alias.test.", RecordType::A).addresses(),
        vec!["192.0.2.77".to_string()]
    );
    assert_eq!(
        ask(&server, "explicit.alias.test.", RecordType::AAAA).addresses(),
        vec!["2001:db8::10".to_string()]
    );
    assert_eq!(fake.hits_for("explicit"), 1, "only AAAA went upstream");

    // A CNAME to the ALIAS owner is followed and flattened; ANY over TCP gets A and AAAA.
    let www = ask(&server, "www.alias.test.", RecordType::A);
    assert_eq!(www.message.answers[0].record_type(), RecordType::CNAME);
    assert_eq!(www.addresses(), ok);
    let any = Message::from_vec(&tcp(server.addr, &query("alias.test.", RecordType::ANY))).unwrap();
    let types: Vec<RecordType> = any.answers.iter().map(|r| r.record_type()).collect();
    assert!(
        types.contains(&RecordType::A) && types.contains(&RecordType::AAAA),
        "{types:?}"
    );
    assert!(
        types.contains(&RecordType::SOA) && types.contains(&RecordType::NS),
        "{types:?}"
    );

    // The cache: the apex was asked for A several times, and fetched once per type.
    let hits = fake.hits();
    let count = |q: &str| hits.iter().filter(|h| *h == q).count();
    assert_eq!(count("plain.cdn.fake. A"), 1, "{hits:?}");
    assert_eq!(count("plain.cdn.fake. AAAA"), 1, "{hits:?}");
}

#[test]
fn hedging_answers_from_the_second_upstream_when_the_first_is_black_holed() {
    // A black hole: a listener whose connections are accepted by the kernel and never answered.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_url = format!("http://{}/dns-query", hole.local_addr().unwrap());
    let fake = FakeUpstream::start();
    let (server, _dir) = start(&[hole_url, fake.url()], &[]);
    let a = ask(&server, "alias.test.", RecordType::A);
    assert_eq!(a.addresses(), vec!["192.0.2.10".to_string()]);
    assert!(
        a.took >= Duration::from_millis(95) && a.took < Duration::from_millis(450),
        "{:?}",
        a.took
    );
}

#[test]
fn stale_answers_when_the_upstream_dies_and_refresh_ahead_before_expiry() {
    let fake = FakeUpstream::start();
    fake.set_addresses(&["192.0.2.20"], &["2001:db8::20"], 3);
    let (server, _dir) = start(
        &[fake.url()],
        &["--alias-ttl-floor", "1", "--stale-recheck-seconds", "1"],
    );

    // Refresh ahead: with a 3 s TTL, a query in the last 10 % (0.3 s) is answered from cache
    // and triggers a background fetch, so the entry never expires under steady traffic.
    let first = ask(&server, "refresh.alias.test.", RecordType::A);
    assert_eq!(first.ttl(), 3);
    std::thread::sleep(Duration::from_millis(2750));
    let late = ask(&server, "refresh.alias.test.", RecordType::A);
    assert_eq!(late.addresses(), vec!["192.0.2.20".to_string()]);
    assert!(
        late.took < Duration::from_millis(100),
        "served from cache: {:?}",
        late.took
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        fake.hits_for("refresh"),
        2,
        "the refresh ahead fetched again: {:?}",
        fake.hits()
    );
    std::thread::sleep(Duration::from_millis(500));
    let after = ask(&server, "refresh.alias.test.", RecordType::A);
    assert!(
        after.ttl() >= 2,
        "the refreshed entry is fresh: TTL {}",
        after.ttl()
    );
    assert_eq!(fake.hits_for("refresh"), 2);

    // Stale: a success, then the upstream dies; after expiry the last good addresses are
    // served with TTL 30 and EDE 3 Stale Answer (RFC 8767, RFC 8914).
    let good = ask(&server, "flaky.alias.test.", RecordType::A);
    assert_eq!(good.addresses(), vec!["192.0.2.20".to_string()]);
    fake.set_down(true);
    std::thread::sleep(Duration::from_millis(3100));
    let stale = ask(&server, "flaky.alias.test.", RecordType::A);
    assert_eq!(
        (stale.rcode(), stale.addresses(), stale.ttl()),
        (ResponseCode::NoError, vec!["192.0.2.20".to_string()], 30)
    );
    let (code, text) = stale.ede().unwrap();
    assert_eq!(code, 3);
    assert!(text.contains("HTTP status 503"), "{text}");
    // Back up: stale at once until the failure recheck (1 s here), whose background retry
    // brings fresh data again, with no EDE.
    fake.set_down(false);
    fake.set_addresses(&["192.0.2.21"], &[], 300);
    let started = Instant::now();
    let back = loop {
        let a = ask(&server, "flaky.alias.test.", RecordType::A);
        if a.ede().is_none() || started.elapsed() > Duration::from_secs(5) {
            break a;
        }
        assert!(
            a.took < Duration::from_millis(100),
            "stale at once: {:?}",
            a.took
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        (back.addresses(), back.ede()),
        (vec!["192.0.2.21".to_string()], None)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_empty_policy_answers_noerror_with_the_soa() {
    let fake = FakeUpstream::start();
    let (server, _dir) = start(&[fake.url()], &["--alias-failure", "empty"]);
    let a = ask(&server, "servfail.alias.test.", RecordType::A);
    assert_eq!(a.rcode(), ResponseCode::NoError);
    assert!(a.message.answers.is_empty());
    assert_eq!(a.message.authorities[0].record_type(), RecordType::SOA);
    assert_eq!(a.ede().unwrap().0, 22, "the EDE still says why");
}

#[test]
fn the_debug_txt_tells_how_an_alias_is_flattened() {
    let fake = FakeUpstream::start();
    let (server, _dir) = start(&[fake.url()], &[]);
    ask(&server, "alias.test.", RecordType::A);
    let a = ask(&server, "_alias.alias.test.", RecordType::TXT);
    assert_eq!(a.rcode(), ResponseCode::NoError);
    let txt = a.message.answers[0].data.to_string();
    assert!(txt.contains("target=plain.cdn.fake."), "{txt}");
    assert!(txt.contains("A: source=memory ttl="), "{txt}");
    assert!(
        txt.contains("addresses=192.0.2.10 upstream=http://"),
        "{txt}"
    );
    assert!(
        txt.contains("AAAA: source=upstream ttl=300 addresses=2001:db8::10"),
        "{txt}"
    );
    assert_eq!(a.message.answers[0].ttl, 0);
    // Only ALIAS owners have one; elsewhere the name is looked up as usual.
    let none = ask(&server, "_alias.www.alias.test.", RecordType::TXT);
    assert_eq!(none.rcode(), ResponseCode::NXDomain);
}
