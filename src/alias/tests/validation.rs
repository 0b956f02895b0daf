//! Validation of upstream answers (docs/ARCHITECTURE.md, "ALIAS"): the chain is followed by
//! owner names, only the addresses at its end count, and every bad answer is rejected.

use std::net::IpAddr;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{RData, Record, RecordType};

use super::{a, cname, name, response};
use crate::alias::exchange::{Rejected, upstream_query, validate};
use crate::alias::policy;

#[test]
fn the_query_has_id_zero_rd_and_edns() {
    let q = Message::from_vec(&upstream_query(&name("edge.cdn.test."), RecordType::AAAA)).unwrap();
    assert_eq!(q.metadata.id, 0);
    assert!(q.metadata.recursion_desired);
    assert_eq!(q.queries[0].query_type(), RecordType::AAAA);
    assert!(q.edns.is_some());
}

#[test]
fn follows_the_chain_and_takes_the_lowest_ttls() {
    let bytes = response(
        "edge.cdn.test.",
        vec![
            cname("edge.cdn.test.", 300, "lb.cdn.test."),
            cname("LB.cdn.test.", 60, "pool.cdn.test."),
            a("pool.cdn.test.", 120, "192.0.2.1"),
            a("pool.cdn.test.", 120, "192.0.2.2"),
        ],
        |_| {},
    );
    let r = validate(&bytes, &name("edge.cdn.test."), RecordType::A).unwrap();
    assert_eq!(r.addresses.len(), 2);
    assert_eq!(r.ttls, vec![300, 60, 120]);
    assert_eq!(r.chain.len(), 3);
    assert_eq!(policy::flattened_ttl(3600, r.ttls, 30), 60);
}

#[test]
fn poison_is_ignored() {
    // Addresses for names off the chain, in the answer or the additional section, are dropped.
    let bytes = response(
        "edge.cdn.test.",
        vec![
            a("edge.cdn.test.", 60, "192.0.2.1"),
            a("victim.example.com.", 86400, "203.0.113.66"),
            cname("other.test.", 60, "edge.cdn.test."),
        ],
        |m| {
            m.additionals
                .push(a("edge.cdn.test.", 86400, "203.0.113.99"))
        },
    );
    let r = validate(&bytes, &name("edge.cdn.test."), RecordType::A).unwrap();
    let ips: Vec<IpAddr> = r.addresses.clone();
    assert_eq!(ips, vec!["192.0.2.1".parse::<IpAddr>().unwrap()]);
}

#[test]
fn negative_answers_carry_the_negative_ttl() {
    let soa = Record::from_rdata(
        name("cdn.test."),
        900,
        RData::SOA(SOA::new(
            name("ns.cdn.test."),
            name("h.cdn.test."),
            1,
            1,
            1,
            1,
            120,
        )),
    );
    for rcode in [ResponseCode::NoError, ResponseCode::NXDomain] {
        let soa = soa.clone();
        let bytes = response("gone.cdn.test.", vec![], |m| {
            m.metadata.response_code = rcode;
            m.authorities.push(soa);
        });
        let r = validate(&bytes, &name("gone.cdn.test."), RecordType::A).unwrap();
        assert!(r.addresses.is_empty());
        assert_eq!(r.ttls, vec![120]);
    }
}

#[test]
fn every_bad_answer_is_rejected() {
    let target = name("edge.cdn.test.");
    let good = vec![a("edge.cdn.test.", 60, "192.0.2.1")];
    let cases: Vec<(&str, Vec<u8>)> =
        vec![
            ("garbage", b"\x00\x01garbage".to_vec()),
            (
                "wrong id",
                response("edge.cdn.test.", good.clone(), |m| m.metadata.id = 7),
            ),
            (
                "a query",
                response("edge.cdn.test.", good.clone(), |m| {
                    m.metadata.message_type = MessageType::Query
                }),
            ),
            (
                "wrong question",
                response("evil.test.", good.clone(), |_| {}),
            ),
            (
                "truncated",
                response("edge.cdn.test.", good.clone(), |m| {
                    m.metadata.truncation = true
                }),
            ),
            (
                "servfail",
                response("edge.cdn.test.", vec![], |m| {
                    m.metadata.response_code = ResponseCode::ServFail
                }),
            ),
            (
                "refused",
                response("edge.cdn.test.", vec![], |m| {
                    m.metadata.response_code = ResponseCode::Refused
                }),
            ),
            (
                "loop",
                response(
                    "edge.cdn.test.",
                    vec![
                        cname("edge.cdn.test.", 60, "b.test."),
                        cname("b.test.", 60, "edge.cdn.test."),
                    ],
                    |_| {},
                ),
            ),
            (
                "too deep",
                response(
                    "edge.cdn.test.",
                    std::iter::once(cname("edge.cdn.test.", 60, "c0.test."))
                        .chain((0..10).map(|i| {
                            cname(&format!("c{i}.test."), 60, &format!("c{}.test.", i + 1))
                        }))
                        .collect(),
                    |_| {},
                ),
            ),
        ];
    for (what, bytes) in cases {
        let err = validate(&bytes, &target, RecordType::A).unwrap_err();
        match (what, &err) {
            ("garbage", Rejected::Malformed(_))
            | ("wrong id" | "a query" | "wrong question", Rejected::Mismatch(_))
            | ("truncated", Rejected::Truncated)
            | ("servfail" | "refused", Rejected::Rcode(_))
            | ("loop" | "too deep", Rejected::Chain(_)) => {}
            _ => panic!("{what}: {err:?}"),
        }
    }
}
