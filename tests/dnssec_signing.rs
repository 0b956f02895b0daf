//! DNSSEC signing in process (docs/ARCHITECTURE.md, "DNSSEC"): the responder signs with keys
//! made by `flatapex dnssec keygen`'s code, and hickory-proto's own verifier (ring natively)
//! checks every RRSIG; tampered data must fail it.
#![cfg(not(target_arch = "wasm32"))]

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::executor::block_on;
use hickory_proto::dnssec::Verifier;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, RRSIG};
use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use flatapex::alias::NoUpstreams;
use flatapex::answer::Ede;
use flatapex::dnssec::{Algorithm, KeySecret, SignError, SignatureCache, Signer};
use flatapex::message::Transport;
use flatapex::native::dnssec::RingSigner;
use flatapex::native::dnssec::key_files::{dnskey_line, generate};
use flatapex::respond::Responder;
use flatapex::store::{MemoryStore, ZoneSet};
use flatapex::zone::{NoIncludes, load_zone};

const NOW_MS: u64 = 1_790_000_000_000;

/// A signer that counts its signatures.
struct Counting {
    inner: RingSigner,
    calls: Arc<AtomicUsize>,
}

impl Signer for Counting {
    fn key_of(&self, zone: &Name) -> Option<(Algorithm, Vec<u8>)> {
        self.inner.key_of(zone)
    }

    async fn sign(&self, zone: &Name, data: &[u8]) -> Result<Vec<u8>, SignError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(zone, data).await
    }
}

fn zone_text(dnskey: &str, extra: &str) -> String {
    format!(
        "$ORIGIN sig.test.\n$TTL 300\n\
         @ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\n\
         @ A 192.0.2.1\n@ MX 10 Mail.Sig.Test.\nmail A 192.0.2.25\n\
         flat ALIAS ns1\nchain CNAME flat\n*.wild TXT \"wild\"\n\
         insecure NS ns.elsewhere.example.\nsecure NS ns.elsewhere.example.\n\
         secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n\
         {dnskey}\n{extra}"
    )
}

fn signing_responder(
    text: &str,
    keys: &[&KeySecret],
) -> (
    Responder<MemoryStore, NoUpstreams, Counting>,
    Arc<AtomicUsize>,
) {
    let origin = Name::from_str("sig.test.").unwrap();
    let zone = load_zone("sig.test.zone", text, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let zones: ZoneSet = [zone].into_iter().collect();
    let mut inner = RingSigner::new();
    for key in keys {
        inner.add(key).unwrap();
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let signer = Counting {
        inner,
        calls: calls.clone(),
    };
    let responder = Responder::new(MemoryStore::new(zones), NoUpstreams, Arc::default())
        .with_signer(signer, Arc::new(SignatureCache::default()));
    (responder, calls)
}

fn ask_with(
    responder: &Responder<MemoryStore, NoUpstreams, Counting>,
    name: &str,
    qtype: RecordType,
    dnssec_ok: bool,
    compact_ok: bool,
    transport: Transport,
    payload: u16,
) -> Message {
    let mut query = Message::query();
    query.add_query(Query::query(Name::from_str(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_dnssec_ok(dnssec_ok);
    edns.set_max_payload(payload);
    if compact_ok {
        edns.flags_mut().z = 0x4000;
    }
    query.set_edns(edns);
    let wire = query.to_vec().unwrap();
    let response = block_on(responder.respond(&wire, transport, NOW_MS)).unwrap();
    Message::from_vec(&response.framed.bytes).unwrap()
}

fn ask(
    responder: &Responder<MemoryStore, NoUpstreams, Counting>,
    name: &str,
    qtype: RecordType,
) -> Message {
    ask_with(responder, name, qtype, true, false, Transport::Tcp, 1232)
}

fn dnskey_of(responder: &Responder<MemoryStore, NoUpstreams, Counting>) -> DNSKEY {
    let message = ask(responder, "sig.test.", RecordType::DNSKEY);
    message
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(key)) => Some(key.clone()),
            _ => None,
        })
        .expect("a DNSKEY answer")
}

fn rrsig(record: &Record) -> Option<&RRSIG> {
    match &record.data {
        RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(sig),
        _ => None,
    }
}

/// Verifies every RRSIG of `records` with `key`; every other RRset must have one, except the NS
/// of a referral. Returns how many RRSIGs were verified.
fn verify_section(records: &[Record], key: &DNSKEY, referral: bool) -> usize {
    let mut verified = 0;
    for record in records {
        if let Some(sig) = rrsig(record) {
            let covered: Vec<&Record> = records
                .iter()
                .filter(|r| r.name == record.name && r.record_type() == sig.input().type_covered)
                .collect();
            assert!(!covered.is_empty(), "an RRSIG without its set: {record}");
            key.verify_rrsig(&record.name, DNSClass::IN, sig, covered.into_iter())
                .unwrap_or_else(|e| panic!("{record} does not verify: {e}"));
            verified += 1;
        } else if !(referral && record.record_type() == RecordType::NS) {
            assert!(
                records
                    .iter()
                    .filter_map(rrsig)
                    .any(|sig| sig.input().type_covered == record.record_type()),
                "{record} is not signed"
            );
        }
    }
    verified
}

fn verify(message: &Message, key: &DNSKEY) -> usize {
    let referral = !message.metadata.authoritative;
    verify_section(&message.answers, key, false)
        + verify_section(&message.authorities, key, referral)
}

fn nsec_types(message: &Message) -> Vec<RecordType> {
    message
        .authorities
        .iter()
        .find_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::NSEC(nsec)) => Some(nsec.type_bit_maps().collect()),
            _ => None,
        })
        .expect("an NSEC in the authority section")
}

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

fn nodata_types(message: &Message) -> Vec<RecordType> {
    assert_eq!(message.metadata.response_code, ResponseCode::NoError);
    assert!(message.answers.is_empty());
    nsec_types(message)
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
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
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

#[test]
fn a_warm_answer_costs_no_signature() {
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    let (responder, calls) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    ask(&responder, "sig.test.", RecordType::A);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    ask(&responder, "SIG.test.", RecordType::A);
    ask(&responder, "sig.test.", RecordType::A);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the cached signature was reused"
    );
    ask(&responder, "sig.test.", RecordType::MX);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_dnskey_without_its_private_key_gives_servfail_to_validators_only() {
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    let other = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    for keys in [vec![], vec![&other]] {
        let (responder, calls) = signing_responder(&zone_text(&dnskey_line(&key), ""), &keys);
        let message = ask(&responder, "sig.test.", RecordType::A);
        assert_eq!(message.metadata.response_code, ResponseCode::ServFail);
        let ede = Ede::of_message(&message).expect("an EDE says why");
        assert!(ede.text.contains("sig.test."), "{}", ede.text);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        let plain = ask_with(
            &responder,
            "sig.test.",
            RecordType::A,
            false,
            false,
            Transport::Tcp,
            1232,
        );
        assert_eq!(plain.metadata.response_code, ResponseCode::NoError);
        assert_eq!(plain.answers.len(), 1);
    }
}

#[test]
fn a_zone_without_dnskey_answers_unsigned() {
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    let (responder, calls) = signing_responder(&zone_text("", ""), &[&key]);
    for (name, qtype) in [
        ("sig.test.", RecordType::A),
        ("nope.sig.test.", RecordType::A),
    ] {
        let message = ask(&responder, name, qtype);
        assert!(
            message
                .answers
                .iter()
                .chain(&message.authorities)
                .all(|r| rrsig(r).is_none())
        );
    }
    assert_eq!(
        ask(&responder, "nope.sig.test.", RecordType::A)
            .metadata
            .response_code,
        ResponseCode::NXDomain
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn signed_answers_over_the_udp_limit_are_truncated() {
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    let many: String = (0..30).map(|i| format!("big TXT \"{i:0>40}\"\n")).collect();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), &many), &[&key]);
    let udp = ask_with(
        &responder,
        "big.sig.test.",
        RecordType::TXT,
        true,
        false,
        Transport::Udp,
        1232,
    );
    assert!(udp.metadata.truncation);
    assert!(udp.answers.is_empty());
    let tcp = ask(&responder, "big.sig.test.", RecordType::TXT);
    assert!(!tcp.metadata.truncation);
    assert_eq!(verify(&tcp, &dnskey_of(&responder)), 1);
    // Somewhere the RRSIG tips a set over the limit: unsigned it fits, signed it is truncated.
    let tipping = (10..30).find(|n| {
        let records: String = (0..*n).map(|i| format!("mid TXT \"{i:0>40}\"\n")).collect();
        let (mid, _) = signing_responder(&zone_text(&dnskey_line(&key), &records), &[&key]);
        let signed = ask_with(
            &mid,
            "mid.sig.test.",
            RecordType::TXT,
            true,
            false,
            Transport::Udp,
            1232,
        );
        if !signed.metadata.truncation {
            return false;
        }
        assert!(signed.answers.is_empty());
        let unsigned = ask_with(
            &mid,
            "mid.sig.test.",
            RecordType::TXT,
            false,
            false,
            Transport::Udp,
            1232,
        );
        assert!(!unsigned.metadata.truncation, "{n} records fit unsigned");
        true
    });
    assert!(tipping.is_some());
}

#[test]
fn a_hosted_unsigned_child_is_proven_insecure_by_the_parent() {
    let key = generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap();
    let parent = zone_text(
        &dnskey_line(&key),
        "child NS ns1.child\nns1.child A 192.0.2.54\n",
    );
    let child = "$ORIGIN child.sig.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n\
                 @ NS ns1\nns1 A 192.0.2.54\nhost A 192.0.2.99\n";
    let load = |origin: &str, text: &str| {
        load_zone(
            "z.zone",
            text,
            &Name::from_str(origin).unwrap(),
            None,
            &NoIncludes,
        )
        .unwrap()
        .zone
    };
    let zones: ZoneSet = [load("sig.test.", &parent), load("child.sig.test.", child)]
        .into_iter()
        .collect();
    let mut inner = RingSigner::new();
    inner.add(&key).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let responder = Responder::new(MemoryStore::new(zones), NoUpstreams, Arc::default())
        .with_signer(Counting { inner, calls }, Arc::default());
    let dnskey = dnskey_of(&responder);
    // DS at the child's apex is the parent's: NODATA with an NSEC (NS, no DS) the parent signs.
    let ds = ask(&responder, "child.sig.test.", RecordType::DS);
    assert_eq!(
        nodata_types(&ds),
        [RecordType::NS, RecordType::RRSIG, RecordType::NSEC]
    );
    assert_eq!(verify(&ds, &dnskey), 2);
    // The child itself answers unsigned.
    let host = ask(&responder, "host.child.sig.test.", RecordType::A);
    assert_eq!(host.answers.len(), 1);
    assert!(host.answers.iter().all(|r| rrsig(r).is_none()));
}
