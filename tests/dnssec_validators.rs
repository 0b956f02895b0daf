//! Real validators against `flatapex serve --dnssec-keys` on loopback (docs/ARCHITECTURE.md,
//! "DNSSEC"): unbound as a validating resolver with the test zone's key as trust anchor must set
//! AD on every answer shape (static, MX, flattened ALIAS, CNAME → ALIAS, wildcard, NXDOMAIN,
//! NODATA, the DS denial of an insecure delegation, a stale flattened answer) and SERVFAIL with
//! a wrong anchor; delv must print "fully validated"; with a key of each algorithm (13 and 15).
//! Needs `unbound` and `delv`
//! (`scripts/test-dnssec` installs them), so it is ignored by default.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;
mod validators;

use std::time::Duration;

use common::Server;
use fake_upstream::FakeUpstream;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use validators::{Unbound, delv, delv_anchors, keygen_with, resolve};

const ZONE: &str = "$ORIGIN dnssec.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
@         ALIAS plain.cdn.fake.
@         MX    10 mail
mail      A     192.0.2.25
static    A     192.0.2.1
www       CNAME @
*.wild    A     192.0.2.7
flaky     ALIAS flaky.cdn.fake.
insecure  NS    ns1.insecure
ns1.insecure A  127.0.0.1
";

const CHILD: &str = "$ORIGIN insecure.dnssec.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
host      A     192.0.2.99
";

/// The shapes to validate: (name, type, rcode, answers expected).
const SHAPES: &[(&str, RecordType, ResponseCode, bool)] = &[
    (
        "static.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    ("dnssec.test.", RecordType::MX, ResponseCode::NoError, true),
    ("dnssec.test.", RecordType::A, ResponseCode::NoError, true),
    (
        "www.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    (
        "x.wild.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        true,
    ),
    // Compact denial: a validator that does not know NXNAME sees NODATA (RFC 9824 §3.1).
    (
        "nope.dnssec.test.",
        RecordType::A,
        ResponseCode::NoError,
        false,
    ),
    (
        "static.dnssec.test.",
        RecordType::TXT,
        ResponseCode::NoError,
        false,
    ),
    (
        "insecure.dnssec.test.",
        RecordType::DS,
        ResponseCode::NoError,
        false,
    ),
    ("dnssec.test.", RecordType::CDS, ResponseCode::NoError, true),
    // The DNSSEC types asked for: the NSEC compact denial makes, and no RRSIG set.
    (
        "static.dnssec.test.",
        RecordType::NSEC,
        ResponseCode::NoError,
        true,
    ),
    (
        "static.dnssec.test.",
        RecordType::RRSIG,
        ResponseCode::NoError,
        false,
    ),
];

#[test]
#[ignore = "needs unbound and delv: scripts/test-dnssec"]
fn unbound_and_delv_validate_every_answer_shape_with_algorithm_13() {
    every_answer_shape_validates(13);
}

#[test]
#[ignore = "needs unbound and delv: scripts/test-dnssec"]
fn unbound_and_delv_validate_every_answer_shape_with_algorithm_15() {
    every_answer_shape_validates(15);
}

/// Every shape of [`SHAPES`] validates with a key of `algorithm` (13, ECDSA P-256; 15,
/// Ed25519, RFC 8080), and fails with a wrong anchor.
fn every_answer_shape_validates(algorithm: u8) {
    let fake = FakeUpstream::start();
    fake.set_addresses(&["192.0.2.10"], &["2001:db8::10"], 2);
    let zones = common::battery_dir(&[
        ("dnssec.test.zone", ""),
        ("insecure.dnssec.test.zone", CHILD),
    ]);
    let keys = tempfile::tempdir().unwrap();
    let dnskey = keygen_with("dnssec.test.", keys.path(), algorithm);
    std::fs::write(
        zones.path().join("dnssec.test.zone"),
        format!("{ZONE}{dnskey}\n"),
    )
    .unwrap();
    let server = Server::start(
        zones.path(),
        &[
            "--upstream",
            &fake.url(),
            "--dnssec-keys",
            keys.path().to_str().unwrap(),
            "--alias-ttl-floor",
            "1",
            "--stale-recheck-seconds",
            "1",
        ],
    );

    let good = Unbound::start(
        keys.path(),
        "good",
        "dnssec.test.",
        std::slice::from_ref(&dnskey),
        &[server.addr],
    );
    for &(name, qtype, rcode, answers) in SHAPES {
        let m = good.resolve(name, qtype);
        assert_eq!(m.metadata.response_code, rcode, "{name} {qtype}: {m}");
        assert!(m.metadata.authentic_data, "{name} {qtype}: no AD: {m}");
        assert_eq!(!m.answers.is_empty(), answers, "{name} {qtype}: {m}");
    }
    // Below the insecure delegation: answered, not authenticated, not bogus.
    let below = good.resolve("host.insecure.dnssec.test.", RecordType::A);
    assert_eq!(
        below.metadata.response_code,
        ResponseCode::NoError,
        "{below}"
    );
    assert!(
        !below.metadata.authentic_data && !below.answers.is_empty(),
        "{below}"
    );

    // A flattened answer served stale (EDE 3, TTL 30) still validates.
    let first = resolve(server.addr, "flaky.dnssec.test.", RecordType::A);
    assert!(!first.answers.is_empty(), "{first}");
    fake.set_down(true);
    std::thread::sleep(Duration::from_millis(2100));
    let stale = resolve(server.addr, "flaky.dnssec.test.", RecordType::A);
    let ede = flatapex::answer::Ede::of_message(&stale).expect("EDE 3 on the stale answer");
    assert_eq!(ede.code, 3, "{stale}");
    let via_unbound = good.resolve("flaky.dnssec.test.", RecordType::A);
    assert!(via_unbound.metadata.authentic_data, "{via_unbound}");
    assert!(!via_unbound.answers.is_empty(), "{via_unbound}");
    fake.set_down(false);

    // delv with the same anchor.
    let anchor = delv_anchors(&keys.path().join("delv.anchor"), &[dnskey]);
    for &(name, qtype, _, _) in SHAPES {
        let text = delv(server.addr, &anchor, "dnssec.test.", name, qtype);
        assert!(
            text.contains("fully validated"),
            "delv {name} {qtype}:\n{text}"
        );
    }

    // A wrong anchor (another key): every shape is SERVFAIL, delv does not validate.
    let wrong_key = keygen_with(
        "dnssec.test.",
        tempfile::tempdir().unwrap().path(),
        algorithm,
    );
    let wrong = Unbound::start(
        keys.path(),
        "wrong",
        "dnssec.test.",
        std::slice::from_ref(&wrong_key),
        &[server.addr],
    );
    for &(name, qtype, _, _) in SHAPES {
        let m = wrong.resolve(name, qtype);
        assert_eq!(
            m.metadata.response_code,
            ResponseCode::ServFail,
            "{name} {qtype}: {m}"
        );
    }
    let wrong_anchor = delv_anchors(&keys.path().join("wrong.delv.anchor"), &[wrong_key]);
    let text = delv(
        server.addr,
        &wrong_anchor,
        "dnssec.test.",
        "static.dnssec.test.",
        RecordType::A,
    );
    assert!(!text.contains("fully validated"), "{text}");
}
