//! The cache key against the parsed query: every key read off the wire is the one the parsed
//! query gives, and queries with one key get one response.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query as Question, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder};

use super::*;
use crate::answer::Answer;

const TRANSPORTS: [Transport; 3] = [Transport::Udp, Transport::Tcp, Transport::Https];

/// The key built from the parsed query with hickory's encoder: the reference the wire reader
/// must agree with.
fn key_of(query: &Query, transport: Transport) -> Vec<u8> {
    let mut flags = 0u8;
    if query.recursion_desired {
        flags |= 1;
    }
    if query.checking_disabled {
        flags |= 2;
    }
    if let Some(edns) = &query.edns {
        flags |= 4;
        if edns.dnssec_ok {
            flags |= 8;
        }
        if edns.compact_ok {
            flags |= 32;
        }
        if edns.padding && transport == Transport::Https {
            flags |= 16;
        }
    }
    let limit = transport.limit(query.edns.as_ref()).min(65_535) as u16;
    let mut key = vec![transport as u8, flags];
    key.extend_from_slice(&limit.to_be_bytes());
    let mut question = Vec::new();
    query
        .question
        .emit(&mut BinEncoder::new(&mut question))
        .unwrap();
    key.extend_from_slice(&question);
    if let Some(subnet) = query.edns.as_ref().and_then(|e| e.subnet) {
        let echoed = ClientSubnet::new(subnet.addr(), subnet.source_prefix(), 0);
        key.extend(Vec::<u8>::try_from(&echoed).unwrap());
    }
    key
}

/// A small deterministic generator (xorshift).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }
}

fn subnet(rng: &mut Rng) -> ClientSubnet {
    let v4 = IpAddr::V4(Ipv4Addr::new(
        198,
        51,
        rng.pick(&[100, 101]),
        rng.pick(&[0, 7]),
    ));
    let v6 = IpAddr::V6(Ipv6Addr::new(
        0x2001,
        0xdb8,
        rng.pick(&[1, 2]),
        0,
        0,
        0,
        0,
        1,
    ));
    match rng.next() % 4 {
        0 => ClientSubnet::new(v4, rng.pick(&[0, 24, 25, 32]), 0),
        1 => ClientSubnet::new(v6, rng.pick(&[48, 56, 128]), 0),
        // A scope in a query is not echoed.
        2 => ClientSubnet::new(v4, 24, 16),
        _ => ClientSubnet::new(v4, 24, 0),
    }
}

/// Queries of every shape the key covers, and their spellings that must share a key.
fn well_formed(rng: &mut Rng) -> Vec<u8> {
    let long = format!("{}.{}.test.", "a".repeat(63), "B".repeat(63));
    let names = [
        "www.example.com.",
        "WWW.Example.COM.",
        "a.test.",
        ".",
        &long,
    ];
    let mut msg = Message::new(rng.next() as u16, MessageType::Query, OpCode::Query);
    let mut question = Question::query(
        Name::from_ascii(rng.pick(&names)).unwrap(),
        rng.pick(&[
            RecordType::A,
            RecordType::AAAA,
            RecordType::ANY,
            RecordType::TXT,
        ]),
    );
    question.set_query_class(rng.pick(&[DNSClass::IN, DNSClass::IN, DNSClass::ANY]));
    msg.add_query(question);
    msg.metadata.recursion_desired = rng.next().is_multiple_of(2);
    msg.metadata.checking_disabled = rng.next().is_multiple_of(4);
    msg.metadata.authentic_data = rng.next().is_multiple_of(4);
    if !rng.next().is_multiple_of(5) {
        let mut edns = Edns::new();
        edns.set_max_payload(rng.pick(&[0, 512, 1232, 1400, 4096, 65_535]));
        edns.set_dnssec_ok(rng.next().is_multiple_of(2));
        // Compact Answers OK (RFC 9824 §3), beside DO.
        edns.flags_mut().z = rng.pick(&[0, 0, 0x4000]);
        edns.set_rcode_high(rng.pick(&[0, 0, 1]));
        let options = edns.options_mut();
        if rng.next().is_multiple_of(3) {
            let len = rng.pick(&[0, 7, 400, 40_000]);
            options.insert(EdnsOption::Unknown(
                u16::from(EdnsCode::Padding),
                vec![0; len],
            ));
        }
        if rng.next().is_multiple_of(3) {
            let cookie = (0..rng.pick(&[8, 24])).map(|_| rng.next() as u8).collect();
            options.insert(EdnsOption::Unknown(u16::from(EdnsCode::Cookie), cookie));
        }
        if rng.next().is_multiple_of(3) {
            options.insert(EdnsOption::Subnet(subnet(rng)));
        }
        if rng.next().is_multiple_of(5) {
            options.insert(EdnsOption::Unknown(rng.pick(&[3, 65_001]), vec![]));
        }
        msg.set_edns(edns);
    }
    msg.to_vec().unwrap()
}

/// Shapes the key does not cover, and broken queries.
fn odd(rng: &mut Rng) -> Vec<u8> {
    let mut wire = well_formed(rng);
    match rng.next() % 8 {
        0 => wire.push(0),
        1 => wire[2] |= 0x80,
        2 => wire[2] |= 0x20,
        3 => wire[6..8].copy_from_slice(&[0, 1]),
        // A compression pointer for the QNAME.
        4 => {
            wire.truncate(12);
            wire[11] = 0;
            wire.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        }
        // A v4 subnet longer than 32 bits, or two subnets.
        5 => {
            let mut msg = Message::from_vec(&wire).unwrap();
            let mut edns = Edns::new();
            let bad = rng.next().is_multiple_of(2);
            let data = if bad {
                vec![0, 1, 33, 0, 1, 2, 3, 4, 5]
            } else {
                vec![0, 1, 8, 0, 10]
            };
            edns.options_mut().insert(EdnsOption::Unknown(8, data));
            if !bad {
                let other = vec![0, 1, 8, 0, 11];
                edns.options_mut().insert(EdnsOption::Unknown(8, other));
            }
            msg.set_edns(edns);
            wire = msg.to_vec().unwrap();
        }
        6 => {
            let mut msg = Message::from_vec(&wire).unwrap();
            let mut edns = Edns::new();
            edns.set_version(1);
            msg.set_edns(edns);
            wire = msg.to_vec().unwrap();
        }
        _ => {
            let i = rng.next() as usize % wire.len();
            wire[i] = rng.next() as u8;
        }
    }
    wire
}

fn answer_for(query: &Query) -> Answer {
    let mut answer = Answer::new(ResponseCode::NoError, true);
    let owner = query.question.name().clone();
    answer.answers.push(Record::from_rdata(
        owner,
        60,
        RData::A(A::new(192, 0, 2, 1)),
    ));
    answer
}

#[test]
fn the_wire_key_is_the_parsed_querys_key_and_one_key_means_one_response() {
    let mut rng = Rng(0x9e37_79b9);
    let mut responses: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let (mut keyed, mut shared, mut key) = (0, 0, Vec::new());
    for i in 0..6_000 {
        let (wire, plain) = if i % 3 == 2 {
            (odd(&mut rng), false)
        } else {
            (well_formed(&mut rng), true)
        };
        for transport in TRANSPORTS {
            if !cache_key(&wire, transport, &mut key) {
                assert!(!plain, "a plain query has a key: {wire:02x?}");
                assert!(key.is_empty());
                continue;
            }
            keyed += 1;
            let query = parse_query(&wire).expect("a query with a key parses");
            assert_eq!(key, key_of(&query, transport), "{wire:02x?}");
            let mut bytes = build_response(&query, answer_for(&query), transport).bytes;
            bytes[..2].copy_from_slice(&[0, 0]);
            match responses.get(&key) {
                Some(first) => {
                    shared += 1;
                    assert_eq!(first, &bytes, "one key, two responses: {wire:02x?}");
                }
                None => {
                    responses.insert(key.clone(), bytes);
                }
            }
        }
    }
    assert!(
        keyed > 10_000 && shared > 5_000,
        "{keyed} keyed, {shared} shared"
    );
}

#[test]
fn padding_cookies_and_payload_above_the_limit_share_a_key() {
    let query = |payload: u16, options: Vec<EdnsOption>| {
        let mut msg = Message::new(1, MessageType::Query, OpCode::Query);
        msg.add_query(Question::query(
            Name::from_ascii("Www.Test.").unwrap(),
            RecordType::A,
        ));
        let mut edns = Edns::new();
        edns.set_max_payload(payload);
        for option in options {
            edns.options_mut().insert(option);
        }
        msg.set_edns(edns);
        msg.to_vec().unwrap()
    };
    let padding = |n| EdnsOption::Unknown(u16::from(EdnsCode::Padding), vec![0; n]);
    let cookie = |b| EdnsOption::Unknown(u16::from(EdnsCode::Cookie), vec![b; 8]);
    let key = |wire: &[u8], transport| {
        let mut out = Vec::new();
        assert!(cache_key(wire, transport, &mut out));
        out
    };
    let plain = key(&query(1232, vec![]), Transport::Udp);
    assert_eq!(plain, key(&query(4096, vec![]), Transport::Udp));
    assert_eq!(
        plain,
        key(
            &query(1232, vec![padding(63_000), cookie(1)]),
            Transport::Udp
        )
    );
    assert_ne!(plain, key(&query(1231, vec![]), Transport::Udp));
    assert_eq!(
        key(&query(512, vec![]), Transport::Tcp),
        key(&query(4096, vec![cookie(2)]), Transport::Tcp)
    );
    assert_ne!(
        key(&query(1232, vec![padding(1)]), Transport::Https),
        key(&query(1232, vec![]), Transport::Https),
        "padding changes a DoH response"
    );
    let lower = query(1232, vec![]).to_ascii_lowercase();
    assert_ne!(
        plain,
        key(&lower, Transport::Udp),
        "the QNAME keeps its case"
    );
}
