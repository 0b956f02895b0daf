//! Unit tests of the response cache: its key, its bound in bytes, and how long each kind of
//! answer is kept.

use super::*;
use crate::message::Framed;
use crate::respond::{AliasProvenance, ResponseInfo};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::{Name, RecordType};

fn query(id: u16, name: &str, padding: Option<usize>) -> Vec<u8> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
    let mut edns = Edns::new();
    if let Some(len) = padding {
        let option = EdnsOption::Unknown(u16::from(EdnsCode::Padding), vec![0; len]);
        edns.options_mut().insert(option);
    }
    msg.set_edns(edns);
    msg.to_vec().unwrap()
}

fn response(bytes: &[u8], source: Option<Source>) -> Response {
    let alias = source.map(|source| AliasProvenance {
        owner: Name::root(),
        target: Name::root(),
        source,
        upstream: None,
        rtype: RecordType::A,
        refresh: false,
        failed: false,
    });
    Response {
        framed: Framed {
            bytes: bytes.to_vec(),
            rcode: ResponseCode::NoError,
            truncated: false,
        },
        info: ResponseInfo {
            alias: alias.into_iter().collect(),
            ..ResponseInfo::default()
        },
    }
}

fn zone_answer(len: usize) -> Response {
    let mut bytes = vec![0xaa, 0xbb, 0x84];
    bytes.resize(len, 9);
    response(&bytes, None)
}

#[test]
fn serves_with_the_new_id_and_forgets_on_a_new_generation() {
    let cache = ResponseCache::new(1 << 20);
    let q = query(0xaabb, "a.test.", None);
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    cache.keep(Transport::Udp, &q, 1, 0, &zone_answer(40));
    let again = query(0x1234, "a.test.", None);
    assert!(cache.answer(Transport::Udp, &again, 1, || 5, &mut scratch, &mut out));
    assert_eq!(&out[..3], &[0x12, 0x34, 0x84]);
    let tcp = cache.answer(Transport::Tcp, &again, 1, || 5, &mut scratch, &mut out);
    assert!(!tcp, "keyed by transport");
    let other = query(0x1234, "A.test.", None);
    let other = cache.answer(Transport::Udp, &other, 1, || 5, &mut scratch, &mut out);
    assert!(!other, "keyed by the question as sent");
    let reloaded = cache.answer(Transport::Udp, &q, 2, || 5, &mut scratch, &mut out);
    assert!(!reloaded, "a reload empties it");
}

#[test]
fn padding_makes_no_new_entry_and_trailing_bytes_none() {
    let cache = ResponseCache::new(1 << 20);
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    cache.keep(
        Transport::Tcp,
        &query(1, "a.test.", Some(8)),
        0,
        0,
        &zone_answer(40),
    );
    for len in [0, 100, 63_000] {
        let padded = query(2, "a.test.", Some(len));
        assert!(cache.answer(Transport::Tcp, &padded, 0, || 0, &mut scratch, &mut out));
        cache.keep(Transport::Tcp, &padded, 0, 0, &zone_answer(40));
    }
    assert_eq!(cache.len(), 1);
    let mut trailing = query(3, "b.test.", None);
    trailing.push(0);
    cache.keep(Transport::Tcp, &trailing, 0, 0, &zone_answer(40));
    assert_eq!(cache.len(), 1, "a query with bytes after it has no key");
}

#[test]
fn a_response_kept_again_replaces_the_old_one_in_the_count() {
    let cache = ResponseCache::new(1 << 20);
    let q = query(0, "a.test.", None);
    cache.keep(Transport::Udp, &q, 0, 0, &zone_answer(40));
    let with_40 = cache.bytes();
    cache.keep(Transport::Udp, &q, 0, 0, &zone_answer(100));
    assert_eq!(
        (cache.len(), cache.bytes()),
        (1, with_40 + 60),
        "one entry, counted with its new response"
    );
    cache.keep(Transport::Udp, &q, 0, 0, &zone_answer(40));
    assert_eq!((cache.len(), cache.bytes()), (1, with_40));
}

#[test]
fn stays_within_its_bytes_forgetting_the_least_recently_used() {
    let limit = 64 * 1024;
    let cache = ResponseCache::new(limit);
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    let name = |i: usize| format!("name-{i}.flood.test.");
    cache.keep(
        Transport::Udp,
        &query(0, &name(0), None),
        0,
        0,
        &zone_answer(300),
    );
    for i in 1..2_000 {
        cache.keep(
            Transport::Udp,
            &query(0, &name(i), None),
            0,
            0,
            &zone_answer(300),
        );
        // The first entry is read all along, so it stays.
        assert!(cache.answer(
            Transport::Udp,
            &query(0, &name(0), None),
            0,
            || 0,
            &mut scratch,
            &mut out
        ));
        assert!(
            cache.bytes() <= limit,
            "{} bytes after {i} entries",
            cache.bytes()
        );
    }
    let each = cache.bytes() / cache.len();
    assert!(
        cache.len() > 100 && each > 300,
        "{} entries of {each} bytes",
        cache.len()
    );
    assert!(!cache.answer(
        Transport::Udp,
        &query(0, &name(1), None),
        0,
        || 0,
        &mut scratch,
        &mut out
    ));
    assert!(cache.answer(
        Transport::Udp,
        &query(0, &name(1_999), None),
        0,
        || 0,
        &mut scratch,
        &mut out
    ));
    cache.keep(
        Transport::Udp,
        &query(0, "huge.test.", None),
        0,
        0,
        &zone_answer(limit),
    );
    assert!(
        cache.bytes() <= limit,
        "a response over the bound is not kept"
    );
}

#[test]
fn zone_answers_stay_fresh_alias_answers_for_a_second_and_stale_ones_never() {
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    let q = query(0, "a.test.", None);
    let hit = |cache: &ResponseCache, now, scratch: &mut Vec<u8>, out: &mut Vec<u8>| {
        cache.answer(Transport::Udp, &q, 0, || now, scratch, out)
    };
    let cache = ResponseCache::new(1 << 20);
    cache.keep(
        Transport::Udp,
        &q,
        0,
        0,
        &response(&[0; 12], Some(Source::Stale)),
    );
    assert!(cache.is_empty(), "stale answers are not kept");
    let mut failed = response(&[0; 12], Some(Source::Upstream));
    failed.info.ede = Some(crate::answer::Ede::new(22, "down"));
    cache.keep(Transport::Udp, &q, 0, 0, &failed);
    assert!(
        cache.is_empty(),
        "answers with an EDE from flattening are not kept"
    );
    let mut due = response(&[0; 12], Some(Source::Memory));
    due.info.alias[0].refresh = true;
    cache.keep(Transport::Udp, &q, 0, 0, &due);
    assert!(
        cache.is_empty(),
        "an answer due a refresh goes back to the responder"
    );

    let cache = ResponseCache::new(1 << 20);
    cache.keep(
        Transport::Udp,
        &q,
        0,
        1_000,
        &response(&[0; 12], Some(Source::Upstream)),
    );
    assert!(hit(&cache, 1_999, &mut scratch, &mut out));
    assert!(
        !hit(&cache, 2_000, &mut scratch, &mut out),
        "kept for one second"
    );
    assert_eq!(
        (cache.len(), cache.bytes()),
        (0, 0),
        "an expired entry is dropped"
    );

    let cache = ResponseCache::new(1 << 20);
    cache.keep(
        Transport::Udp,
        &q,
        0,
        0,
        &response(&[0; 12], Some(Source::Local)),
    );
    assert!(
        hit(&cache, u64::MAX - 1, &mut scratch, &mut out),
        "until the zones change"
    );
}

#[test]
fn a_signed_answer_is_kept_until_its_first_signature_bucket_ends() {
    let cache = ResponseCache::new(1 << 20);
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    let q = query(7, "signed.test.", None);
    let mut signed = zone_answer(120);
    signed.info.rebuild_by_ms = Some(86_400_000);
    cache.keep(Transport::Udp, &q, 0, 1_000, &signed);
    let ask = |now: u64, scratch: &mut Vec<u8>, out: &mut Vec<u8>| {
        cache.answer(Transport::Udp, &q, 0, || now, scratch, out)
    };
    assert!(
        ask(86_399_999, &mut scratch, &mut out),
        "kept within the bucket"
    );
    assert!(
        !ask(86_400_000, &mut scratch, &mut out),
        "rebuilt, with new signatures, once the bucket ends"
    );
}
