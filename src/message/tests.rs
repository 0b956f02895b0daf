//! Unit tests for query parsing and response framing.

use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query as Question, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_proto::rr::rdata::{A, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::*;
use crate::answer::{Answer, Ede};

fn query_msg(name: &str, qtype: RecordType, edns: Option<Edns>) -> Message {
    let mut msg = Message::new(0xbeef, MessageType::Query, OpCode::Query);
    msg.add_query(Question::query(Name::from_ascii(name).unwrap(), qtype));
    if let Some(edns) = edns {
        msg.set_edns(edns);
    }
    msg
}

fn edns(payload: u16) -> Edns {
    let mut e = Edns::new();
    e.set_max_payload(payload);
    e
}

fn rejection(bytes: &[u8]) -> Message {
    let rejected = parse_query(bytes).unwrap_err();
    Message::from_vec(&build_rejection(&rejected).unwrap().bytes).unwrap()
}

fn ede(msg: &Message) -> Option<(u16, String)> {
    Ede::of_message(msg).map(|e| (e.code, e.text))
}

#[test]
fn reads_a_query_keeping_case_and_edns() {
    let mut e = edns(4096);
    e.set_dnssec_ok(true);
    let subnet = ClientSubnet::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)), 24, 0);
    e.options_mut().insert(EdnsOption::Subnet(subnet));
    let bytes = query_msg("WwW.Example.COM.", RecordType::AAAA, Some(e))
        .to_vec()
        .unwrap();
    let q = parse_query(&bytes).unwrap();
    assert_eq!(q.id, 0xbeef);
    assert_eq!(q.question.name().to_string(), "WwW.Example.COM.");
    let info = q.edns.unwrap();
    assert_eq!(
        (info.payload, info.dnssec_ok, info.subnet),
        (4096, true, Some(subnet))
    );
}

#[test]
fn ignores_short_messages_and_responses() {
    assert_eq!(parse_query(&[1, 2, 3]), Err(Rejection::Ignore));
    let mut msg = query_msg("a.test.", RecordType::A, None);
    msg.metadata.message_type = MessageType::Response;
    assert_eq!(parse_query(&msg.to_vec().unwrap()), Err(Rejection::Ignore));
}

#[test]
fn formerr_for_garbage_and_question_counts() {
    let mut garbage = vec![0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0];
    garbage.extend_from_slice(&[0xc0, 0xff, 0xff]);
    let r = rejection(&garbage);
    assert_eq!(
        (r.metadata.id, r.metadata.response_code),
        (0x1234, ResponseCode::FormErr)
    );
    let mut two = query_msg("a.test.", RecordType::A, None);
    two.add_query(Question::query(
        Name::from_ascii("b.test.").unwrap(),
        RecordType::A,
    ));
    let r = rejection(&two.to_vec().unwrap());
    assert_eq!(
        (r.metadata.response_code, r.queries.len()),
        (ResponseCode::FormErr, 0)
    );
    let mut none = query_msg("a.test.", RecordType::A, None);
    none.queries.clear();
    assert_eq!(
        rejection(&none.to_vec().unwrap()).metadata.response_code,
        ResponseCode::FormErr
    );
}

#[test]
fn formerr_for_bytes_after_the_message() {
    let bytes = query_msg("a.test.", RecordType::A, Some(edns(1232)))
        .to_vec()
        .unwrap();
    assert!(parse_query(&bytes).is_ok());
    for tail in [&[0u8][..], &[0xff; 3], &[0; 63 * 1024]] {
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(tail);
        let r = rejection(&trailing);
        assert_eq!(
            (r.metadata.id, r.metadata.response_code),
            (0xbeef, ResponseCode::FormErr),
            "{} trailing byte(s)",
            tail.len()
        );
        assert_eq!(r.queries[0].name().to_string(), "a.test.");
    }
}

#[test]
fn notimp_for_other_opcodes_and_refused_for_other_classes() {
    let mut update = query_msg("a.test.", RecordType::SOA, None);
    update.metadata.op_code = OpCode::Update;
    let r = rejection(&update.to_vec().unwrap());
    assert_eq!(
        (r.metadata.response_code, r.metadata.op_code),
        (ResponseCode::NotImp, OpCode::Update)
    );
    let mut chaos = query_msg("version.bind.", RecordType::TXT, Some(edns(1232)));
    chaos.queries[0].set_query_class(DNSClass::CH);
    let r = rejection(&chaos.to_vec().unwrap());
    assert_eq!(r.metadata.response_code, ResponseCode::Refused);
    assert_eq!(ede(&r).unwrap().0, Ede::OTHER);
}

#[test]
fn badvers_for_edns_versions_above_zero() {
    let mut e = edns(1232);
    e.set_version(1);
    let bytes = query_msg("a.test.", RecordType::A, Some(e))
        .to_vec()
        .unwrap();
    let r = rejection(&bytes);
    // 16 is both BADVERS and BADSIG; hickory reads it back as BADSIG.
    assert_eq!(u16::from(r.metadata.response_code), 16);
    assert_eq!(r.edns.as_ref().unwrap().version(), 0);
}

fn txt_answer(owner: &Name, strings: usize) -> Answer {
    let mut answer = Answer::new(ResponseCode::NoError, true);
    for i in 0..strings {
        let txt = TXT::new(vec![format!("{i:03}{}", "x".repeat(200))]);
        answer
            .answers
            .push(Record::from_rdata(owner.clone(), 60, RData::TXT(txt)));
    }
    answer
}

#[test]
fn truncates_whole_rrsets_with_tc_over_udp_only() {
    let msg = query_msg("big.test.", RecordType::TXT, Some(edns(512)));
    let q = parse_query(&msg.to_vec().unwrap()).unwrap();
    let owner = q.question.name().clone();
    let udp = build_response(&q, txt_answer(&owner, 5), Transport::Udp);
    assert!(udp.truncated && udp.bytes.len() <= 512);
    let m = Message::from_vec(&udp.bytes).unwrap();
    assert!(m.metadata.truncation && m.answers.is_empty() && m.edns.is_some());
    let tcp = build_response(&q, txt_answer(&owner, 5), Transport::Tcp);
    assert!(!tcp.truncated);
    assert_eq!(Message::from_vec(&tcp.bytes).unwrap().answers.len(), 5);
    // Without EDNS the limit is 512; with a large buffer the cap is 1232.
    assert_eq!(Transport::Udp.limit(None), 512);
    assert_eq!(
        Transport::Udp.limit(
            q.edns
                .as_ref()
                .map(|e| EdnsInfo {
                    payload: 65000,
                    ..e.clone()
                })
                .as_ref()
        ),
        1232
    );
}

#[test]
fn drops_optional_additionals_before_truncating() {
    let q = parse_query(&query_msg("a.test.", RecordType::A, None).to_vec().unwrap()).unwrap();
    let mut answer = Answer::new(ResponseCode::NoError, true);
    let owner = Name::from_str("a.test.").unwrap();
    answer.answers.push(Record::from_rdata(
        owner.clone(),
        60,
        RData::A(A::new(192, 0, 2, 1)),
    ));
    answer.additionals = txt_answer(&owner, 3).answers;
    let r = build_response(&q, answer, Transport::Udp);
    let m = Message::from_vec(&r.bytes).unwrap();
    assert!(!m.metadata.truncation);
    assert_eq!((m.answers.len(), m.additionals.len()), (1, 0));
}

#[test]
fn pads_doh_responses_to_468_when_asked() {
    let mut e = edns(1232);
    e.options_mut().insert(EdnsOption::Unknown(
        u16::from(EdnsCode::Padding),
        vec![0; 20],
    ));
    let q = parse_query(
        &query_msg("a.test.", RecordType::A, Some(e))
            .to_vec()
            .unwrap(),
    )
    .unwrap();
    let padded = build_response(
        &q,
        Answer::new(ResponseCode::NoError, true),
        Transport::Https,
    );
    assert_eq!(padded.bytes.len() % 468, 0);
    let plain = build_response(&q, Answer::new(ResponseCode::NoError, true), Transport::Udp);
    assert!(plain.bytes.len() < 100);
}

#[test]
fn echoes_id_flags_ecs_scope_zero_and_ede() {
    let mut e = edns(1232);
    e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 0)),
        24,
        0,
    )));
    let mut msg = query_msg("x.test.", RecordType::A, Some(e));
    msg.metadata.recursion_desired = true;
    msg.metadata.checking_disabled = true;
    let q = parse_query(&msg.to_vec().unwrap()).unwrap();
    let answer = Answer::refused_not_authoritative(q.question.name());
    let r = Message::from_vec(&build_response(&q, answer, Transport::Udp).bytes).unwrap();
    assert_eq!(r.metadata.id, 0xbeef);
    assert!(
        r.metadata.recursion_desired
            && r.metadata.checking_disabled
            && !r.metadata.recursion_available
    );
    assert_eq!(r.metadata.response_code, ResponseCode::Refused);
    assert_eq!(
        ede(&r).unwrap(),
        (
            Ede::NOT_AUTHORITATIVE,
            "x.test. is not in a zone served here".into()
        )
    );
    match r.edns.unwrap().option(EdnsCode::Subnet) {
        Some(EdnsOption::Subnet(s)) => assert_eq!((s.source_prefix(), s.scope_prefix()), (24, 0)),
        other => panic!("no ECS echo: {other:?}"),
    }
}

#[test]
fn never_panics_on_mutated_queries() {
    let base = query_msg("www.example.com.", RecordType::A, Some(edns(1232)))
        .to_vec()
        .unwrap();
    let mut state = 0x2545_f491_u32;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    for _ in 0..20_000 {
        let mut bytes = base.clone();
        for _ in 0..=(next() % 4) {
            let i = next() as usize % bytes.len();
            bytes[i] = next() as u8;
        }
        bytes.truncate(next() as usize % (bytes.len() + 1));
        if let Err(r) = parse_query(&bytes) {
            let _ = build_rejection(&r);
        }
    }
}
