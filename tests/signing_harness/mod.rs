//! The in-process harness of the DNSSEC signing tests (docs/ARCHITECTURE.md, "DNSSEC"): a
//! responder over one test zone signing with keys made by `flatapex dnssec keygen`'s code, a
//! signer that counts its signatures, queries, and hickory-proto's own verifier (ring) to check
//! every RRSIG of a response.
#![allow(dead_code)]

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::executor::block_on;
use hickory_proto::dnssec::Verifier;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, RRSIG};
use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use flatapex::alias::NoUpstreams;
use flatapex::dnssec::{Algorithm, KeySecret, SignError, SignatureCache, Signer};
use flatapex::message::Transport;
use flatapex::native::dnssec::RingSigner;
use flatapex::native::dnssec::key_files::generate;
use flatapex::respond::Responder;
use flatapex::store::{MemoryStore, ZoneSet};
use flatapex::zone::{NoIncludes, load_zone};

pub const NOW_MS: u64 = 1_790_000_000_000;

/// A signer that counts its signatures.
pub struct Counting {
    /// The real signer.
    pub inner: RingSigner,
    /// Signatures made so far.
    pub calls: Arc<AtomicUsize>,
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

pub fn zone_text(dnskey: &str, extra: &str) -> String {
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

pub fn signing_responder(
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

pub fn ask_with(
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

pub fn ask(
    responder: &Responder<MemoryStore, NoUpstreams, Counting>,
    name: &str,
    qtype: RecordType,
) -> Message {
    ask_with(responder, name, qtype, true, false, Transport::Tcp, 1232)
}

/// The DNSKEYs in `message`'s answer section.
pub fn dnskeys_of(message: &Message) -> Vec<DNSKEY> {
    message
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(key)) => Some(key.clone()),
            _ => None,
        })
        .collect()
}

/// The zone's first DNSKEY, as the responder answers it.
pub fn dnskey_of(responder: &Responder<MemoryStore, NoUpstreams, Counting>) -> DNSKEY {
    let message = ask(responder, "sig.test.", RecordType::DNSKEY);
    dnskeys_of(&message)
        .into_iter()
        .next()
        .expect("a DNSKEY answer")
}

pub fn rrsig(record: &Record) -> Option<&RRSIG> {
    match &record.data {
        RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(sig),
        _ => None,
    }
}

/// Verifies every RRSIG of `records` with `key`; every other RRset must have one, except the NS
/// of a referral. Returns how many RRSIGs were verified.
pub fn verify_section(records: &[Record], key: &DNSKEY, referral: bool) -> usize {
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
                records.iter().any(|r| r.name == record.name
                    && rrsig(r)
                        .is_some_and(|sig| sig.input().type_covered == record.record_type())),
                "{record} is not signed"
            );
        }
    }
    verified
}

pub fn verify(message: &Message, key: &DNSKEY) -> usize {
    let referral = !message.metadata.authoritative;
    verify_section(&message.answers, key, false)
        + verify_section(&message.authorities, key, referral)
}

pub fn nsec_types(message: &Message) -> Vec<RecordType> {
    message
        .authorities
        .iter()
        .find_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::NSEC(nsec)) => Some(nsec.type_bit_maps().collect()),
            _ => None,
        })
        .expect("an NSEC in the authority section")
}

pub fn nodata_types(message: &Message) -> Vec<RecordType> {
    assert_eq!(message.metadata.response_code, ResponseCode::NoError);
    assert!(message.answers.is_empty());
    nsec_types(message)
}

/// A new P-256 key for `sig.test.`, as `flatapex dnssec keygen` makes it.
pub fn p256_key() -> KeySecret {
    generate(
        &Name::from_str("sig.test.").unwrap(),
        Algorithm::EcdsaP256Sha256,
    )
    .unwrap()
}
