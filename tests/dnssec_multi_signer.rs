//! Signed zones on secondaries, the multi-signer way (RFC 8901 §2.1.2, model 2; README
//! "DNSSEC", docs/ARCHITECTURE.md "DNSSEC"): flatapex signs its own answers online with its own
//! key, and Knot, a secondary that transfers the flattened zone from `flatapex serve`, signs its
//! copy with its own key (`dnssec-signing` with `dnskey-management: incremental`, so it keeps
//! flatapex's DNSKEY). Each publishes both DNSKEYs; the parent holds both DS. Validators must
//! then accept either server's answers, alone or mixed, flattened ALIAS included, and Knot must
//! follow a flattened ALIAS change through NOTIFY and sign it.
//!
//! Needs knotd, keymgr, unbound and delv (`scripts/test-dnssec` installs them), so it is ignored
//! by default.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod fake_upstream;
mod knot;
mod validators;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, free_port};
use fake_upstream::FakeUpstream;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use knot::Knot;
use validators::{
    Unbound, delv, delv_anchors, ds, keygen, resolve, signing_tags, tag_of_ds, try_resolve,
};

const ZONE: &str = "$ORIGIN multi.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
@         ALIAS edge.cdn.fake.
@         MX    10 mail
mail      A     192.0.2.25
www       CNAME @
*.wild    A     192.0.2.7
";

/// The shapes both providers must serve validly: flattened apex, MX, CNAME → ALIAS, wildcard,
/// NXDOMAIN, NODATA, the DNSKEY set.
const SHAPES: &[(&str, RecordType, bool)] = &[
    ("multi.test.", RecordType::A, true),
    ("multi.test.", RecordType::MX, true),
    ("www.multi.test.", RecordType::A, true),
    ("x.wild.multi.test.", RecordType::A, true),
    ("nope.multi.test.", RecordType::A, false),
    ("mail.multi.test.", RecordType::TXT, false),
    ("multi.test.", RecordType::DNSKEY, true),
];

/// Knot's configuration: a secondary of `primary` that signs with its own CSK (RFC 8901 §7),
/// keeps the DNSKEYs it did not make, and denies with NSEC, as flatapex's compact denial does
/// (one denial mechanism for all providers, RFC 8901 §5).
fn knot_sections(dir: &std::path::Path, primary: SocketAddr) -> String {
    format!(
        r#"remote:
  - id: primary
    address: {ip}@{port}
acl:
  - id: from_primary
    address: 127.0.0.1
    action: notify
policy:
  - id: second_signer
    algorithm: ecdsap256sha256
    single-type-signing: on
    dnskey-management: incremental
    delete-delay: 1d
    manual: on
{template}zone:
  - domain: multi.test
    master: primary
    acl: from_primary
    dnssec-signing: on
    dnssec-policy: second_signer
"#,
        template = knot::secondary_template(dir),
        ip = primary.ip(),
        port = primary.port(),
    )
}

/// Runs keymgr for `multi.test.` with `args`; its output lines.
fn keymgr(conf: &std::path::Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("keymgr")
        .arg("-c")
        .arg(conf)
        .arg("multi.test.")
        .args(args)
        .output()
        .expect("keymgr (Debian's knot) must be installed");
    assert!(out.status.success(), "keymgr {args:?}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The A addresses in `m`'s answer section, as text.
fn addresses(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.to_string()),
            _ => None,
        })
        .collect()
}

/// Waits up to `limit` for `done`, failing with `what`.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} (waited {limit:?})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "needs knotd, keymgr, unbound and delv: scripts/test-dnssec"]
fn flatapex_and_knot_sign_the_same_zone_each_with_its_own_key() {
    let fake = FakeUpstream::start();
    fake.set_addresses(&["192.0.2.10"], &["2001:db8::10"], 2);
    let work = tempfile::tempdir().unwrap();
    let (keys, knot_dir) = (work.path().join("keys"), work.path().join("knot"));
    std::fs::create_dir_all(&keys).unwrap();

    // Knot's key first, made with keymgr, so that flatapex's zone can publish it: each
    // provider's DNSKEY set holds the other's key (RFC 8901 §2.1.2).
    let knot_port = free_port();
    let primary: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let conf = Knot::configure(&knot_dir, knot_port, &knot_sections(&knot_dir, primary));
    keymgr(
        &conf,
        &[
            "generate",
            "algorithm=ecdsap256sha256",
            "ksk=yes",
            "zsk=yes",
        ],
    );
    let knot_dnskey = keymgr(&conf, &["dnskey"]).join("\n");
    assert!(knot_dnskey.contains("DNSKEY 257 3 13 "), "{knot_dnskey}");
    let knot_ds = keymgr(&conf, &["ds"])
        .into_iter()
        .find(|l| l.split_whitespace().nth(4) == Some("2"))
        .expect("keymgr ds prints a SHA-256 DS")
        .replacen(" DS ", " IN DS ", 1);
    let flatapex_dnskey = keygen("multi.test.", &keys);
    let flatapex_ds = ds("multi.test.", &keys);
    let (flatapex_tag, knot_tag) = (tag_of_ds(&flatapex_ds), tag_of_ds(&knot_ds));
    let both_ds = [flatapex_ds.clone(), knot_ds.clone()];

    let zones = tempfile::tempdir().unwrap();
    std::fs::write(
        zones.path().join("multi.test.zone"),
        format!("{ZONE}{flatapex_dnskey}\n{knot_dnskey}\n"),
    )
    .unwrap();
    let notify = format!("127.0.0.1:{knot_port}");
    let mut server = Server::start_at(
        zones.path(),
        &primary.to_string(),
        &[
            "--upstream",
            &fake.url(),
            "--dnssec-keys",
            keys.to_str().unwrap(),
            "--allow-transfer",
            "127.0.0.1",
            "--notify",
            &notify,
            "--alias-ttl-floor",
            "1",
        ],
    );
    let wait = Duration::from_millis(200);
    let knot = Knot::start(&knot_dir, knot_port, &knot_sections(&knot_dir, primary));
    wait_for(
        Duration::from_secs(20),
        "Knot transfers and signs the zone",
        || {
            try_resolve(knot.addr, "multi.test.", RecordType::DNSKEY, wait)
                .is_some_and(|m| m.answers.len() == 3 && signing_tags(&m) == vec![knot_tag])
        },
    );

    assert!(
        server.logged(
            "the zone publishes a DNSKEY, so the secondary must sign it with its own key",
            Duration::from_secs(5)
        ),
        "the transfer's log line says the secondary signs: {:?}",
        server.log
    );

    // Each provider publishes both DNSKEYs and signs everything with its own key alone.
    for (server, tag, who) in [
        (primary, flatapex_tag, "flatapex"),
        (knot.addr, knot_tag, "knot"),
    ] {
        let keys = resolve(server, "multi.test.", RecordType::DNSKEY);
        let published = keys
            .answers
            .iter()
            .filter(|r| r.record_type() == RecordType::DNSKEY)
            .count();
        assert_eq!(published, 2, "{who}: {keys}");
        for &(name, qtype, _) in SHAPES {
            let m = resolve(server, name, qtype);
            assert_eq!(signing_tags(&m), vec![tag], "{who}: {name} {qtype}: {m}");
        }
    }
    // Knot signs the flattened addresses it transferred.
    let apex = resolve(knot.addr, "multi.test.", RecordType::A);
    assert_eq!(addresses(&apex), vec!["192.0.2.10"], "{apex}");

    // Resolvers with the parent's two DS validate either provider, and both mixed.
    let alone = [
        ("flatapex-only", vec![primary]),
        ("knot-only", vec![knot.addr]),
        ("both", vec![primary, knot.addr]),
    ];
    for (label, servers) in &alone {
        let unbound = Unbound::start(work.path(), label, "multi.test.", &both_ds, servers);
        for &(name, qtype, answers) in SHAPES {
            let m = unbound.resolve(name, qtype);
            // A name that does not exist: NXDOMAIN from Knot's NSEC chain, NOERROR from
            // flatapex's compact denial to a resolver that does not know NXNAME (RFC 9824 §3).
            let rcodes: &[ResponseCode] = if name.starts_with("nope.") {
                &[ResponseCode::NoError, ResponseCode::NXDomain]
            } else {
                &[ResponseCode::NoError]
            };
            assert!(
                rcodes.contains(&m.metadata.response_code),
                "{label}: {name} {qtype}: {m}"
            );
            assert!(
                m.metadata.authentic_data,
                "{label}: {name} {qtype}: no AD: {m}"
            );
            assert_eq!(
                !m.answers.is_empty(),
                answers,
                "{label}: {name} {qtype}: {m}"
            );
        }
    }
    let anchors = delv_anchors(&work.path().join("both.delv"), &both_ds);
    for server in [primary, knot.addr] {
        for &(name, qtype, _) in SHAPES {
            let text = delv(server, &anchors, "multi.test.", name, qtype);
            assert!(
                text.contains("fully validated"),
                "delv @{server} {name} {qtype}:\n{text}"
            );
        }
    }
    // With flatapex's DS alone at the parent, Knot's answers are bogus: both DS are needed.
    let one_ds = Unbound::start(
        work.path(),
        "flatapex-ds-only",
        "multi.test.",
        std::slice::from_ref(&flatapex_ds),
        &[knot.addr],
    );
    let m = one_ds.resolve("multi.test.", RecordType::MX);
    assert_eq!(m.metadata.response_code, ResponseCode::ServFail, "{m}");

    // A flattened change: flatapex bumps the serial and NOTIFYs; Knot transfers and signs it.
    fake.set_addresses(&["192.0.2.11"], &["2001:db8::11"], 2);
    wait_for(
        Duration::from_secs(30),
        "Knot serves the new flattened address",
        || {
            try_resolve(knot.addr, "multi.test.", RecordType::A, wait)
                .is_some_and(|m| addresses(&m) == vec!["192.0.2.11"])
        },
    );
    let text = delv(
        knot.addr,
        &anchors,
        "multi.test.",
        "multi.test.",
        RecordType::A,
    );
    assert!(
        text.contains("fully validated") && text.contains("192.0.2.11"),
        "{text}"
    );
}
