//! Rolling a zone's key, as README "DNSSEC" tells operators to (docs/ARCHITECTURE.md, "DNSSEC"):
//! pre-publish the new DNSKEY beside the old (and its DS at the parent: the CDS set lists both),
//! then sign with the new key, then retire the old DNSKEY and DS: a Double-DS roll of a
//! combined signing key (RFC 6781 §4.1.2; RFC 7344 §3 for the CDS). At each step unbound,
//! anchored as the parent's DS set would then be, sets AD on every answer shape, and delv
//! prints "fully validated"; the signatures carry the key the step signs with. Runs
//! `flatapex serve` on one address throughout, restarted with the next key as an operator
//! would. Needs `unbound` and `delv` (`scripts/test-dnssec`), so it is ignored by default.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod validators;

use std::path::Path;

use common::{Server, free_port};
use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use validators::{Unbound, delv, delv_anchors, ds, keygen, resolve, signing_tags, tag_of_ds};

const ZONE: &str = "$ORIGIN roll.test.
$TTL 300
@         SOA   ns1 hostmaster 1 3600 600 86400 60
@         NS    ns1
ns1       A     127.0.0.1
@         ALIAS www
www       A     192.0.2.80
@         MX    10 mail
mail      A     192.0.2.25
*.wild    A     192.0.2.7
";

/// The shapes each step must validate: positive, flattened, wildcard, NXDOMAIN, NODATA.
const SHAPES: &[(&str, RecordType)] = &[
    ("roll.test.", RecordType::A),
    ("roll.test.", RecordType::MX),
    ("x.wild.roll.test.", RecordType::A),
    ("nope.roll.test.", RecordType::A),
    ("mail.roll.test.", RecordType::TXT),
    ("roll.test.", RecordType::DNSKEY),
];

/// The key tags of the CDS records in `m`'s answer section, sorted.
fn cds_tags(m: &Message) -> Vec<u16> {
    let mut tags: Vec<u16> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::CDS(cds)) => Some(cds.key_tag()),
            _ => None,
        })
        .collect();
    tags.sort_unstable();
    tags
}

/// Asserts that a resolver anchored with `anchors` validates every shape served at `server`
/// (unbound sets AD, delv prints "fully validated"), under the name `label`.
fn validates(dir: &Path, label: &str, anchors: &[String], server: std::net::SocketAddr) {
    let unbound = Unbound::start(dir, label, "roll.test.", anchors, &[server]);
    for &(name, qtype) in SHAPES {
        let m = unbound.resolve(name, qtype);
        assert_eq!(
            m.metadata.response_code,
            ResponseCode::NoError,
            "{label}: {name} {qtype}: {m}"
        );
        assert!(
            m.metadata.authentic_data,
            "{label}: {name} {qtype}: no AD: {m}"
        );
    }
    let anchor_file = delv_anchors(&dir.join(format!("{label}.delv")), anchors);
    for &(name, qtype) in SHAPES {
        let text = delv(server, &anchor_file, "roll.test.", name, qtype);
        assert!(
            text.contains("fully validated"),
            "{label}: delv {name} {qtype}:\n{text}"
        );
    }
}

/// Asserts that a resolver anchored with `anchors` finds `server`'s answers bogus.
fn refuses(dir: &Path, label: &str, anchors: &[String], server: std::net::SocketAddr) {
    let unbound = Unbound::start(dir, label, "roll.test.", anchors, &[server]);
    let m = unbound.resolve("roll.test.", RecordType::MX);
    assert_eq!(
        m.metadata.response_code,
        ResponseCode::ServFail,
        "{label}: {m}"
    );
}

#[test]
#[ignore = "needs unbound and delv: scripts/test-dnssec"]
fn a_key_rolls_over_by_pre_publish_sign_retire_without_a_bogus_answer() {
    let work = tempfile::tempdir().unwrap();
    let (old_keys, new_keys) = (work.path().join("old"), work.path().join("new"));
    std::fs::create_dir_all(&old_keys).unwrap();
    std::fs::create_dir_all(&new_keys).unwrap();
    let old_dnskey = keygen("roll.test.", &old_keys);
    let new_dnskey = keygen("roll.test.", &new_keys);
    let (old_ds, new_ds) = (ds("roll.test.", &old_keys), ds("roll.test.", &new_keys));
    let (old_tag, new_tag) = (tag_of_ds(&old_ds), tag_of_ds(&new_ds));
    let both_ds = [old_ds.clone(), new_ds.clone()];
    let zones = tempfile::tempdir().unwrap();
    let zone_file = zones.path().join("roll.test.zone");
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = |keys: &Path, dnskeys: &[&str]| {
        std::fs::write(&zone_file, format!("{ZONE}{}\n", dnskeys.join("\n"))).unwrap();
        Server::start_at(
            zones.path(),
            &listen,
            &["--dnssec-keys", keys.to_str().unwrap()],
        )
    };

    // Before: the old key alone, its DS at the parent.
    let server = serve(&old_keys, &[&old_dnskey]);
    validates(
        work.path(),
        "before",
        std::slice::from_ref(&old_ds),
        server.addr,
    );
    let apex = resolve(server.addr, "roll.test.", RecordType::CDS);
    assert_eq!(cds_tags(&apex), vec![old_tag], "{apex}");
    drop(server);

    // 1. Pre-publish: both DNSKEYs, still signed by the old key. The CDS set asks the parent
    //    for both DS; resolvers holding only the old DS still validate.
    let server = serve(&old_keys, &[&old_dnskey, &new_dnskey]);
    let apex = resolve(server.addr, "roll.test.", RecordType::CDS);
    let mut expected = vec![old_tag, new_tag];
    expected.sort_unstable();
    assert_eq!(cds_tags(&apex), expected, "both keys' CDS: {apex}");
    let keys = resolve(server.addr, "roll.test.", RecordType::DNSKEY);
    assert_eq!(signing_tags(&keys), vec![old_tag], "{keys}");
    validates(
        work.path(),
        "prepublish-old-ds",
        std::slice::from_ref(&old_ds),
        server.addr,
    );
    validates(work.path(), "prepublish-both-ds", &both_ds, server.addr);
    drop(server);

    // 2. Sign with the new key, both DNSKEYs still published: the parent's DS set (both)
    //    validates, as does the new DS alone; the old DS alone no longer does, which is why
    //    step 1 waits for the new DS to reach the parent and resolvers' caches.
    let server = serve(&new_keys, &[&old_dnskey, &new_dnskey]);
    for &(name, qtype) in SHAPES {
        let m = resolve(server.addr, name, qtype);
        assert_eq!(signing_tags(&m), vec![new_tag], "{name} {qtype}: {m}");
    }
    validates(work.path(), "sign-both-ds", &both_ds, server.addr);
    validates(
        work.path(),
        "sign-new-ds",
        std::slice::from_ref(&new_ds),
        server.addr,
    );
    refuses(
        work.path(),
        "sign-old-ds-only",
        std::slice::from_ref(&old_ds),
        server.addr,
    );
    drop(server);

    // 3. Retire: the new DNSKEY alone; the CDS set now asks the parent to drop the old DS.
    let server = serve(&new_keys, &[&new_dnskey]);
    let apex = resolve(server.addr, "roll.test.", RecordType::CDS);
    assert_eq!(cds_tags(&apex), vec![new_tag], "{apex}");
    validates(
        work.path(),
        "retired",
        std::slice::from_ref(&new_ds),
        server.addr,
    );
    validates(work.path(), "retired-both-ds", &both_ds, server.addr);
    refuses(
        work.path(),
        "retired-old-ds-only",
        std::slice::from_ref(&old_ds),
        server.addr,
    );
}
