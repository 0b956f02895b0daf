//! DNSSEC at the edge, in wrangler dev (real workerd, WebCrypto, local KV): a zone whose apex
//! holds the DNSKEY that `flatapex dnssec keygen` made, the private key in the
//! `FLATAPEX_DNSSEC_KEYS` secret, and every DoH answer with DO set validated by dnspython's
//! `dns.dnssec.validate` (tests/dnssec/validate_doh.py): static data, MX, a flattened ALIAS, a
//! CNAME → ALIAS chain, a wildcard, compact denial (NXDOMAIN, NODATA), an insecure delegation,
//! and a flattened answer served stale; and a zone in the middle of a key rollover, publishing
//! two DNSKEYs, signed by the one key the secret holds (README, "Rolling the key").
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod edge;
mod fake_upstream;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use edge::Edge;
use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RecordType};

const ZONE: &str = "signed.test.";

struct Signed {
    edge: Edge,
    dnskey: String,
    /// rolling.test.'s retiring key (published, not in the secret) and new key (in the secret).
    rolling_old: String,
    rolling_new: String,
    _dir: tempfile::TempDir,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `flatapex dnssec keygen` for `zone`: the DNSKEY RDATA and the secret's JSON line.
fn keygen(dir: &Path, zone: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flatapex"))
        .args(["dnssec", "keygen", zone, "--secret", "--dir"])
        .arg(dir)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "keygen: {printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dnskey = printed
        .lines()
        .find(|l| l.contains(" DNSKEY "))
        .unwrap_or_else(|| panic!("no DNSKEY line in {printed}"));
    let rdata = dnskey.split(" DNSKEY ").nth(1).unwrap().trim().to_string();
    let secret = printed
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no secret line in {printed}"))
        .to_string();
    (rdata, secret)
}

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (dnskey, secret) = keygen(dir.path(), ZONE);
        // A zone that publishes a DNSKEY whose private key the worker does not have.
        let (orphan, _) = keygen(dir.path(), "orphan.test.");
        // A zone mid-rollover: both keys published, the new one's private key in the secret.
        let (rolling_old, _) = keygen(dir.path(), "rolling.test.");
        let (rolling_new, rolling_secret) = keygen(dir.path(), "rolling.test.");
        let zones = dir.path().join("zones");
        std::fs::create_dir(&zones).unwrap();
        for entry in std::fs::read_dir(root().join("tests/zones")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, zones.join(path.file_name().unwrap())).unwrap();
        }
        std::fs::write(
            zones.join("signed.test.zone"),
            format!(
                "$ORIGIN {ZONE}\n$TTL 300\n\
                 @ SOA ns1 hostmaster 1 3600 600 86400 300\n\
                 @ NS ns1\n\
                 @ DNSKEY {dnskey}\n\
                 @ ALIAS flaky.signed-cdn.fake.\n\
                 @ MX 10 mail\n\
                 ns1 A 192.0.2.53\n\
                 mail A 192.0.2.25\n\
                 static A 192.0.2.7\n\
                 www CNAME {ZONE}\n\
                 *.wild A 192.0.2.99\n\
                 sub NS ns.elsewhere.example.\n"
            ),
        )
        .unwrap();
        std::fs::write(
            zones.join("orphan.test.zone"),
            format!(
                "$ORIGIN orphan.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n\
                 @ NS ns1\n@ DNSKEY {orphan}\nns1 A 192.0.2.53\n"
            ),
        )
        .unwrap();
        std::fs::write(
            zones.join("rolling.test.zone"),
            format!(
                "$ORIGIN rolling.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n\
                 @ NS ns1\n@ DNSKEY {rolling_old}\n@ DNSKEY {rolling_new}\nns1 A 192.0.2.53\n\
                 @ MX 10 ns1\n"
            ),
        )
        .unwrap();
        // The secret as one JSON array, one key per zone.
        let edge = Edge::start_with_secrets(
            &format!("FLATAPEX_DNSSEC_KEYS='[{secret},{rolling_secret}]'\n"),
            &zones,
        );
        // A 3 s TTL: the flattened set goes stale within the test once the upstream is down.
        edge.fake
            .set_addresses(&["192.0.2.44"], &["2001:db8::44"], 3);
        Signed {
            edge,
            dnskey,
            rolling_old,
            rolling_new,
            _dir: dir,
        }
    })
}

/// dnspython's verdict on the answers to `queries` ([name, type]) in `zone`, with `dnskey` as
/// its trust anchor: whether all validated, and its report.
fn dnspython(zone: &str, dnskey: &str, queries: &[(&str, &str)]) -> (bool, String) {
    let s = signed();
    let list = serde_json::to_string(queries).unwrap();
    let out = Command::new("/usr/bin/python3")
        .arg(root().join("tests/dnssec/validate_doh.py"))
        .args([&s.edge.base, zone, dnskey, &list])
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

/// dnspython validates the answers to `queries` ([name, type]) in signed.test.; its report.
fn validate(queries: &[(&str, &str)]) -> String {
    let (validated, report) = dnspython(ZONE, &signed().dnskey, queries);
    assert!(
        validated,
        "dnspython did not validate:\n{report}\nworker:\n{}",
        signed().edge.log()
    );
    report
}

/// A DO query over DoH, as hickory reads the answer.
fn ask(name: &str, qtype: RecordType) -> Message {
    let mut m = Message::query();
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(true);
    m.edns = Some(edns);
    let response = edge::client()
        .post(format!("{}/dns-query", signed().edge.base))
        .header("content-type", "application/dns-message")
        .body(m.to_vec().unwrap())
        .send()
        .unwrap();
    Message::from_vec(&response.bytes().unwrap()).unwrap()
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn every_kind_of_answer_validates_in_dnspython() {
    let report = validate(&[
        ("static.signed.test.", "A"),
        ("signed.test.", "MX"),
        ("signed.test.", "A"),
        ("signed.test.", "AAAA"),
        ("www.signed.test.", "A"),
        ("anything.wild.signed.test.", "A"),
        ("nope.signed.test.", "A"),
        ("static.signed.test.", "TXT"),
        ("host.sub.signed.test.", "A"),
    ]);
    for needle in [
        "\"static.signed.test. A\"",
        "\"signed.test. MX\"",
        "\"signed.test. AAAA\"",
        "\"www.signed.test. CNAME\"",
        "\"anything.wild.signed.test. A\"",
        "\"nope.signed.test. NSEC\"",
        "\"static.signed.test. NSEC\"",
        "\"sub.signed.test. NSEC\"",
        "\"refused\": true",
    ] {
        assert!(report.contains(needle), "{needle} not validated:\n{report}");
    }
    // The flattened apex set is signed as the apex's own A, the fake upstream's address.
    let apex = ask(ZONE, RecordType::A);
    let addresses: Vec<String> = apex
        .answers
        .iter()
        .filter_map(|r| r.data.ip_addr())
        .map(|ip| ip.to_string())
        .collect();
    assert_eq!(addresses, ["192.0.2.44"]);
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_flattened_answer_served_stale_is_still_validly_signed() {
    let s = signed();
    validate(&[("signed.test.", "A")]);
    s.edge.fake.set_down(true);
    std::thread::sleep(Duration::from_millis(3500));
    let stale = ask(ZONE, RecordType::A);
    let report = validate(&[("signed.test.", "A")]);
    s.edge.fake.set_down(false);
    let ede = flatapex::answer::Ede::of_message(&stale).map(|e| e.code);
    assert_eq!(ede, Some(3), "not served stale: {stale:?}");
    assert!(report.contains("\"signed.test. A\""), "{report}");
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_zone_whose_key_the_worker_lacks_is_servfail_with_a_reason_never_unsigned() {
    let answer = ask("ns1.orphan.test.", RecordType::A);
    assert_eq!(
        answer.metadata.response_code,
        hickory_proto::op::ResponseCode::ServFail,
        "{answer:?}"
    );
    let ede = flatapex::answer::Ede::of_message(&answer).expect("an EDE saying why");
    assert!(ede.text.contains("orphan.test"), "{ede:?}");
    // Without DO the zone still answers, unsigned, as any resolver that does not validate expects.
    let mut m = Message::query();
    m.add_query(Query::query(
        Name::from_ascii("ns1.orphan.test.").unwrap(),
        RecordType::A,
    ));
    let plain = edge::client()
        .post(format!("{}/dns-query", signed().edge.base))
        .header("content-type", "application/dns-message")
        .body(m.to_vec().unwrap())
        .send()
        .unwrap();
    let plain = Message::from_vec(&plain.bytes().unwrap()).unwrap();
    assert_eq!(plain.answers.len(), 1, "{plain:?}");
}

#[test]
#[ignore = "needs the worker built and wrangler: run scripts/e2e-edge"]
fn a_zone_mid_rollover_is_signed_by_the_key_in_the_secret() {
    let s = signed();
    let queries = [
        ("ns1.rolling.test.", "A"),
        ("rolling.test.", "MX"),
        ("nope.rolling.test.", "A"),
        ("rolling.test.", "TXT"),
    ];
    let (validated, report) = dnspython("rolling.test.", &s.rolling_new, &queries);
    assert!(
        validated,
        "not validated with the new key:\n{report}\nworker:\n{}",
        s.edge.log()
    );
    for needle in [
        "\"ns1.rolling.test. A\"",
        "\"rolling.test. MX\"",
        "\"nope.rolling.test. NSEC\"",
        "\"rolling.test. NSEC\"",
    ] {
        assert!(report.contains(needle), "{needle} not validated:\n{report}");
    }
    // The retiring key is published but signs nothing: anchored on it alone, nothing validates.
    let (validated, report) = dnspython("rolling.test.", &s.rolling_old, &queries);
    assert!(!validated, "validated with the retiring key:\n{report}");
}
