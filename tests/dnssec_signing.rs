//! DNSSEC signing in process (docs/ARCHITECTURE.md, "DNSSEC"): every answer shape the
//! responder signs (positive, CNAME → ALIAS, wildcard, CDS, DS, compact NXDOMAIN and NODATA,
//! delegations) verifies with hickory-proto's own verifier for both algorithms, and tampered
//! data fails it. The rules around signing are in `dnssec_signing_rules.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod signing_harness;

use std::str::FromStr;

use hickory_proto::dnssec::Verifier;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};

use flatapex::dnssec::Algorithm;
use flatapex::message::Transport;
use flatapex::native::dnssec::key_files::{dnskey_line, generate};
use signing_harness::{
    ask, ask_with, dnskey_of, nodata_types, nsec_types, p256_key, rrsig, signing_responder, verify,
    zone_text,
};

fn signed_zone(algorithm: Algorithm) {
    let key = generate(&Name::from_str("sig.test.").unwrap(), algorithm).unwrap();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    let dnskey = dnskey_of(&responder);
    assert_eq!(
        verify(&ask(&responder, "sig.test.", RecordType::DNSKEY), &dnskey),
        1
    );
    for (name, qtype, sets) in [
        ("sig.test.", RecordType::A, 1),
        ("Sig.Test.", RecordType::MX, 1),
        ("flat.sig.test.", RecordType::A, 1),
        ("chain.sig.test.", RecordType::A, 2),
        ("x.wild.sig.test.", RecordType::TXT, 1),
        ("sig.test.", RecordType::CDS, 1),
        ("sig.test.", RecordType::CDNSKEY, 1),
        ("secure.sig.test.", RecordType::DS, 1),
    ] {
        let message = ask(&responder, name, qtype);
        assert_eq!(
            message.metadata.response_code,
            ResponseCode::NoError,
            "{name} {qtype}"
        );
        assert_eq!(verify(&message, &dnskey), sets, "{name} {qtype}: {message}");
    }
    // A wildcard answer is signed as an exact match: Labels counts the query name's labels.
    let wild = ask(&responder, "x.wild.sig.test.", RecordType::TXT);
    let labels = wild
        .answers
        .iter()
        .find_map(rrsig)
        .unwrap()
        .input()
        .num_labels;
    assert_eq!(labels, 4);

    // NXDOMAIN: NOERROR with NSEC RRSIG NSEC NXNAME and the signed SOA (RFC 9824 §3.1) …
    let nx = ask(&responder, "nope.sig.test.", RecordType::A);
    assert_eq!(nx.metadata.response_code, ResponseCode::NoError);
    assert_eq!(verify(&nx, &dnskey), 2);
    assert_eq!(
        nsec_types(&nx),
        [
            RecordType::RRSIG,
            RecordType::NSEC,
            RecordType::Unknown(128)
        ]
    );
    // … NXDOMAIN again with Compact Answers OK (RFC 9824 §3) …
    let co = ask_with(
        &responder,
        "nope.sig.test.",
        RecordType::A,
        true,
        true,
        Transport::Tcp,
        1232,
    );
    assert_eq!(co.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(verify(&co, &dnskey), 2);
    // … and plain NXDOMAIN without DO.
    let plain = ask_with(
        &responder,
        "nope.sig.test.",
        RecordType::A,
        false,
        false,
        Transport::Tcp,
        1232,
    );
    assert_eq!(plain.metadata.response_code, ResponseCode::NXDomain);
    assert!(plain.authorities.iter().all(|r| rrsig(r).is_none()));

    // NODATA: the types that exist, never the one asked for (RFC 9824 §3.2).
    let nodata = ask(&responder, "sig.test.", RecordType::TXT);
    assert_eq!(verify(&nodata, &dnskey), 2);
    let types = nodata_types(&nodata);
    for t in [
        RecordType::SOA,
        RecordType::NS,
        RecordType::A,
        RecordType::MX,
        RecordType::DNSKEY,
        RecordType::CDS,
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    assert!(!types.contains(&RecordType::TXT));
    let alias_nodata = ask(&responder, "flat.sig.test.", RecordType::TXT);
    let types = nodata_types(&alias_nodata);
    assert!(types.contains(&RecordType::A) && types.contains(&RecordType::AAAA));

    // Delegations: an insecure one carries a signed NSEC with NS and without DS, a secure one
    // its signed DS (RFC 4035 §3.1.4).
    let insecure = ask(&responder, "a.insecure.sig.test.", RecordType::A);
    assert!(!insecure.metadata.authoritative);
    assert_eq!(verify(&insecure, &dnskey), 1);
    assert_eq!(
        nsec_types(&insecure),
        [RecordType::NS, RecordType::RRSIG, RecordType::NSEC]
    );
    let secure = ask(&responder, "a.secure.sig.test.", RecordType::A);
    assert_eq!(verify(&secure, &dnskey), 1);
    assert!(
        secure
            .authorities
            .iter()
            .any(|r| r.record_type() == RecordType::DS)
    );
}

#[test]
fn every_answer_shape_verifies_with_algorithm_13() {
    signed_zone(Algorithm::EcdsaP256Sha256);
}

#[test]
fn every_answer_shape_verifies_with_algorithm_15() {
    signed_zone(Algorithm::Ed25519);
}

#[test]
fn tampered_data_fails_verification() {
    let key = p256_key();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    let dnskey = dnskey_of(&responder);
    let mut message = ask(&responder, "sig.test.", RecordType::A);
    let sig = message.answers.iter().find_map(rrsig).unwrap().clone();
    let a = message
        .answers
        .iter_mut()
        .find(|r| r.record_type() == RecordType::A)
        .unwrap();
    a.data = RData::A(A::new(192, 0, 2, 99));
    let tampered = [a.clone()];
    assert!(
        dnskey
            .verify_rrsig(&tampered[0].name, DNSClass::IN, &sig, tampered.iter())
            .is_err()
    );
}
