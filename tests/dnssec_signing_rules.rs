//! The rules around DNSSEC signing in process (docs/ARCHITECTURE.md, "DNSSEC"): warm answers
//! reuse cached signatures; a DNSKEY without its private key is SERVFAIL to validators only; a
//! zone without DNSKEY is unsigned; signed answers over the UDP limit truncate; a hosted unsigned
//! child is proven insecure; a zone publishing two keys (a rollover) signs with the loaded one.
#![cfg(not(target_arch = "wasm32"))]

mod signing_harness;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hickory_proto::dnssec::{PublicKey, Verifier};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{DNSClass, Name, RecordType};

use flatapex::alias::NoUpstreams;
use flatapex::answer::Ede;
use flatapex::message::Transport;
use flatapex::native::dnssec::RingSigner;
use flatapex::native::dnssec::key_files::dnskey_line;
use flatapex::respond::Responder;
use flatapex::store::{MemoryStore, ZoneSet};
use flatapex::zone::{NoIncludes, load_zone};
use signing_harness::{
    Counting, NOW_MS, ask, ask_with, dnskey_of, dnskeys_of, nodata_types, p256_key, rrsig,
    signing_responder, verify, zone_text,
};

#[test]
fn a_warm_answer_costs_no_signature() {
    let key = p256_key();
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
    // The MX set, and its exchange's address in the additional section.
    ask(&responder, "sig.test.", RecordType::MX);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    ask(&responder, "sig.test.", RecordType::MX);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "both reused");
}

#[test]
fn a_dnskey_without_its_private_key_gives_servfail_to_validators_only() {
    let key = p256_key();
    let other = p256_key();
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
    let key = p256_key();
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
    let key = p256_key();
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
    let key = p256_key();
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

/// A rollover's middle steps (README, "Rolling the key"): with two DNSKEYs published, the zone
/// is signed by whichever key is loaded, every set verifies with it alone, and the CDS set
/// lists both keys for the parent (RFC 7344 §4).
#[test]
fn a_zone_publishing_two_keys_signs_with_the_loaded_one() {
    let (old, new) = (p256_key(), p256_key());
    let text = zone_text(&format!("{}\n{}", dnskey_line(&old), dnskey_line(&new)), "");
    for (loaded, other) in [(&old, &new), (&new, &old)] {
        let (responder, _) = signing_responder(&text, &[loaded]);
        let keys = ask(&responder, "sig.test.", RecordType::DNSKEY);
        let published = dnskeys_of(&keys);
        assert_eq!(published.len(), 2, "{keys}");
        let signing = published
            .iter()
            .find(|k| k.public_key().public_bytes() == loaded.public_key.as_slice())
            .expect("the loaded key is published");
        let idle = published
            .iter()
            .find(|k| k.public_key().public_bytes() == other.public_key.as_slice())
            .expect("the other key is published");
        let tag = signing.calculate_key_tag().unwrap();
        for (name, qtype) in [
            ("sig.test.", RecordType::DNSKEY),
            ("sig.test.", RecordType::A),
            ("nope.sig.test.", RecordType::A),
            ("x.wild.sig.test.", RecordType::TXT),
        ] {
            let message = ask(&responder, name, qtype);
            assert!(verify(&message, signing) >= 1, "{name} {qtype}: {message}");
            let sigs: Vec<_> = message
                .answers
                .iter()
                .chain(&message.authorities)
                .filter_map(rrsig)
                .collect();
            assert!(
                sigs.iter().all(|s| s.input().key_tag == tag),
                "{name} {qtype}: signed by the loaded key only: {message}"
            );
            let record = message
                .answers
                .iter()
                .chain(&message.authorities)
                .find(|r| rrsig(r).is_some())
                .unwrap();
            let covered: Vec<_> = message
                .answers
                .iter()
                .chain(&message.authorities)
                .filter(|r| {
                    r.name == record.name
                        && r.record_type() == rrsig(record).unwrap().input().type_covered
                })
                .collect();
            assert!(
                idle.verify_rrsig(
                    &record.name,
                    DNSClass::IN,
                    rrsig(record).unwrap(),
                    covered.into_iter()
                )
                .is_err(),
                "{name} {qtype}: the key not loaded does not verify it"
            );
        }
        let cds = ask(&responder, "sig.test.", RecordType::CDS);
        assert_eq!(
            cds.answers
                .iter()
                .filter(|r| r.record_type() == RecordType::CDS)
                .count(),
            2,
            "{cds}"
        );
    }
}

/// A signed response says when a kept copy must be rebuilt: when the first of its signatures'
/// validity buckets ends, within a day and never near the signatures' expiration; an unsigned
/// one sets no limit (the native response cache obeys it).
#[test]
fn a_signed_response_says_when_a_kept_copy_must_be_rebuilt() {
    let key = p256_key();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    let respond = |dnssec_ok: bool| {
        let mut query = hickory_proto::op::Message::query();
        query.add_query(hickory_proto::op::Query::query(
            Name::from_str("nope.sig.test.").unwrap(),
            RecordType::A,
        ));
        let mut edns = hickory_proto::op::Edns::new();
        edns.set_dnssec_ok(dnssec_ok);
        query.set_edns(edns);
        futures::executor::block_on(responder.respond(
            &query.to_vec().unwrap(),
            Transport::Udp,
            NOW_MS,
        ))
        .unwrap()
    };
    let signed = respond(true);
    let by = signed
        .info
        .rebuild_by_ms
        .expect("a signed answer has a limit");
    assert!(
        by > NOW_MS && by <= NOW_MS + 86_400_000,
        "{by} is within the day after {NOW_MS}"
    );
    let message = hickory_proto::op::Message::from_vec(&signed.framed.bytes).unwrap();
    for sig in message.authorities.iter().filter_map(rrsig) {
        let expires_ms = u64::from(sig.input().sig_expiration.get()) * 1000;
        assert!(
            expires_ms >= by + 7 * 86_400_000,
            "a week of validity is left when the copy is rebuilt"
        );
    }
    assert_eq!(respond(false).info.rebuild_by_ms, None);
}

/// An NSEC from the zone file is signed with its next name's case as written (RFC 6840 §5.1:
/// NSEC RDATA is not lowercased in the canonical form).
#[test]
fn an_nsec_from_the_zone_file_is_signed_with_its_case_kept() {
    let key = p256_key();
    let text = zone_text(
        &dnskey_line(&key),
        "upper NSEC Mixed.Sig.Test. A RRSIG NSEC\n",
    );
    let (responder, _) = signing_responder(&text, &[&key]);
    let message = ask(&responder, "upper.sig.test.", RecordType::NSEC);
    assert!(
        message
            .answers
            .iter()
            .any(|r| r.record_type() == RecordType::NSEC
                && r.data.to_string().contains("Mixed.Sig.Test.")),
        "{message}"
    );
    assert_eq!(verify(&message, &dnskey_of(&responder)), 1, "{message}");
}

/// Queries for the DNSSEC types themselves: NSEC is answered with the NSEC compact denial makes
/// at the name (RFC 9824 §3), whether the name exists or not; a query for RRSIG is denied by an
/// NSEC that does not list RRSIG (a bitmap with it would contradict the denial, RFC 4035 §5.4);
/// NXNAME is FORMERR with EDE 30 (RFC 9824 §3.5). Each verifies.
#[test]
fn queries_for_nsec_rrsig_and_nxname_get_consistent_answers() {
    let key = p256_key();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    let dnskey = dnskey_of(&responder);
    let nsec_types_of = |message: &hickory_proto::op::Message| -> Vec<RecordType> {
        message
            .answers
            .iter()
            .find_map(|r| match &r.data {
                hickory_proto::rr::RData::DNSSEC(
                    hickory_proto::dnssec::rdata::DNSSECRData::NSEC(nsec),
                ) => Some(nsec.type_bit_maps().collect()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("an NSEC answer: {message}"))
    };
    let mail = ask(&responder, "mail.sig.test.", RecordType::NSEC);
    assert_eq!(mail.metadata.response_code, ResponseCode::NoError, "{mail}");
    assert!(mail.authorities.is_empty(), "{mail}");
    assert_eq!(verify(&mail, &dnskey), 1, "{mail}");
    assert_eq!(
        nsec_types_of(&mail),
        [RecordType::A, RecordType::RRSIG, RecordType::NSEC]
    );
    let nope = ask(&responder, "nope.sig.test.", RecordType::NSEC);
    assert_eq!(nope.metadata.response_code, ResponseCode::NoError, "{nope}");
    assert_eq!(verify(&nope, &dnskey), 1, "{nope}");
    assert!(nsec_types_of(&nope).contains(&RecordType::Unknown(128)));

    for name in ["mail.sig.test.", "nope.sig.test."] {
        let rrsig_query = ask(&responder, name, RecordType::RRSIG);
        assert_eq!(rrsig_query.metadata.response_code, ResponseCode::NoError);
        assert_eq!(verify(&rrsig_query, &dnskey), 2, "{rrsig_query}");
        let types = nodata_types(&rrsig_query);
        assert!(!types.contains(&RecordType::RRSIG), "{name}: {types:?}");
        assert!(types.contains(&RecordType::NSEC), "{name}: {types:?}");
    }

    let nxname = ask(&responder, "mail.sig.test.", RecordType::Unknown(128));
    assert_eq!(nxname.metadata.response_code, ResponseCode::FormErr);
    assert_eq!(Ede::of_message(&nxname).map(|e| e.code), Some(30));
}

/// The Compact Answers OK flag is echoed beside DO (RFC 9824 §3), and only when asked for.
#[test]
fn compact_answers_ok_is_echoed_when_asked_for() {
    let key = p256_key();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    for compact_ok in [true, false] {
        let message = ask_with(
            &responder,
            "nope.sig.test.",
            RecordType::A,
            true,
            compact_ok,
            Transport::Udp,
            1232,
        );
        let echoed = message.edns.as_ref().unwrap().flags().z & 0x4000 != 0;
        assert_eq!(echoed, compact_ok, "{message}");
    }
}

/// A DNSKEY of a second algorithm beside the signing key's: every algorithm published must sign
/// (RFC 4035 §2.2), and one key signs here, so validators get SERVFAIL with the reason rather
/// than a downgrade that hardened validators refuse.
#[test]
fn a_dnskey_of_another_algorithm_is_servfail_with_the_reason() {
    let key = p256_key();
    let ed25519 = flatapex::native::dnssec::key_files::generate(
        &Name::from_str("sig.test.").unwrap(),
        flatapex::dnssec::Algorithm::Ed25519,
    )
    .unwrap();
    let text = zone_text(
        &format!("{}\n{}", dnskey_line(&key), dnskey_line(&ed25519)),
        "",
    );
    let (responder, calls) = signing_responder(&text, &[&key]);
    let message = ask(&responder, "sig.test.", RecordType::A);
    assert_eq!(message.metadata.response_code, ResponseCode::ServFail);
    let ede = Ede::of_message(&message).expect("an EDE says why");
    assert!(ede.text.contains("algorithm 15"), "{}", ede.text);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// DS asked at the apex of a zone whose parent is not hosted here: the zone denies it itself
/// with its apex NSEC, which lists no DS (RFC 4035 §3.1.4.1); an ALIAS owner's NODATA lists A
/// and AAAA but not the ALIAS's private type, which is never answered (RFC 4034 §4.1.2).
#[test]
fn denials_list_only_what_is_answered() {
    let key = p256_key();
    let (responder, _) = signing_responder(&zone_text(&dnskey_line(&key), ""), &[&key]);
    let dnskey = dnskey_of(&responder);
    let ds = ask(&responder, "sig.test.", RecordType::DS);
    assert_eq!(verify(&ds, &dnskey), 2, "{ds}");
    let types = nodata_types(&ds);
    assert!(
        types.contains(&RecordType::SOA) && !types.contains(&RecordType::DS),
        "{types:?}"
    );
    let private = ask(&responder, "flat.sig.test.", RecordType::Unknown(65305));
    assert_eq!(verify(&private, &dnskey), 2, "{private}");
    let types = nodata_types(&private);
    assert!(types.contains(&RecordType::A), "{types:?}");
    assert!(!types.contains(&RecordType::Unknown(65305)), "{types:?}");
}

/// In-zone addresses in the additional section are signed (RFC 4035 §3.1.1); glue below a cut
/// is the child's and stays unsigned (RFC 4035 §2.2).
#[test]
fn additional_addresses_are_signed_and_glue_is_not() {
    let key = p256_key();
    let text = zone_text(
        &dnskey_line(&key),
        "child NS ns1.child\nns1.child A 192.0.2.54\n",
    );
    let (responder, _) = signing_responder(&text, &[&key]);
    let dnskey = dnskey_of(&responder);
    let mx = ask(&responder, "sig.test.", RecordType::MX);
    assert!(
        mx.additionals
            .iter()
            .any(|r| r.record_type() == RecordType::A),
        "{mx}"
    );
    assert_eq!(
        signing_harness::verify_section(&mx.additionals, &dnskey, false),
        1,
        "{mx}"
    );
    let referral = ask(&responder, "host.child.sig.test.", RecordType::A);
    assert!(!referral.metadata.authoritative, "{referral}");
    let glue: Vec<_> = referral
        .additionals
        .iter()
        .filter(|r| r.name.to_ascii() == "ns1.child.sig.test.")
        .collect();
    assert_eq!(glue.len(), 1, "{referral}");
    assert!(
        referral.additionals.iter().all(|r| rrsig(r).is_none()),
        "glue is not signed: {referral}"
    );
}
