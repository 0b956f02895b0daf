//! The packed node: what goes in comes out, nothing else loads.

use super::*;
use hickory_proto::rr::rdata::{A, CNAME, MX, TXT};

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn wire(rdata: RData) -> Vec<u8> {
    encode_rdata(&rdata).unwrap()
}

#[test]
fn a_node_packs_sets_in_type_order_and_reads_them_back() {
    let mut b = NodeBuilder::new(&name("WWW.Example.com."));
    b.add(16, 300, wire(RData::TXT(TXT::new(vec!["hi".into()]))));
    assert_eq!(
        b.add(1, 60, wire(RData::A(A::new(192, 0, 2, 1)))),
        Added::New
    );
    assert_eq!(
        b.add(1, 30, wire(RData::A(A::new(192, 0, 2, 2)))),
        Added::TtlChanged { was: 60 }
    );
    assert_eq!(
        b.add(1, 90, wire(RData::A(A::new(192, 0, 2, 1)))),
        Added::Duplicate
    );
    b.alias(&Alias {
        target: name("edge.example.net."),
        ttl: 600,
    });
    let node = b.finish().unwrap();
    assert_eq!(node.name().to_string(), "WWW.Example.com.");
    assert!(node.has_key(&super::super::model::name_key(&name("www.example.COM."))));
    let types: Vec<_> = node.rrsets().map(|s| s.rtype).collect();
    assert_eq!(types, vec![RecordType::A, RecordType::TXT]);
    let a = node.rrset(RecordType::A).unwrap();
    assert_eq!((a.ttl, a.len()), (30, 2));
    let owner = name("www.example.com.");
    let records: Vec<String> = a.records(&owner).map(|r| r.to_string()).collect();
    assert_eq!(
        records,
        vec![
            "www.example.com. 30 IN A 192.0.2.1",
            "www.example.com. 30 IN A 192.0.2.2"
        ]
    );
    assert_eq!(node.alias().unwrap().target, name("edge.example.net."));
    assert!(
        node.rrset(RecordType::ANAME).is_none(),
        "the ALIAS is never an RRset"
    );
    assert_eq!(node.record_count(), 4);
    assert_eq!(Node::from_bytes(node.as_bytes()).unwrap(), node);
}

#[test]
fn names_in_rdata_keep_their_case_and_are_never_compressed() {
    let mut b = NodeBuilder::new(&name("example.com."));
    b.add(
        15,
        60,
        wire(RData::MX(MX::new(10, name("Mail.example.com.")))),
    );
    b.add(5, 60, wire(RData::CNAME(CNAME(name("example.com.")))));
    let node = b.finish().unwrap();
    let mx = node.rrset(RecordType::MX).unwrap();
    assert_eq!(
        mx.targets().next().unwrap().to_string(),
        "Mail.example.com."
    );
    assert_eq!(
        mx.rdatas().next().unwrap(),
        b"\x00\x0a\x04Mail\x07example\x03com\x00"
    );
}

#[test]
fn broken_packed_nodes_are_refused() {
    let mut b = NodeBuilder::new(&name("example.com."));
    b.add(1, 60, vec![192, 0, 2, 1]);
    let good = b.finish().unwrap().as_bytes().to_vec();
    let owner_end = 1 + usize::from(good[0]);
    for cut in 0..good.len() {
        // Cut right after the owner, it is a valid empty node.
        assert_eq!(
            Node::from_bytes(&good[..cut]).is_ok(),
            cut == owner_end,
            "cut at {cut}"
        );
    }
    let mut bad_a = good.clone();
    let last = bad_a.len() - 5;
    bad_a[last] = 0; // RDATA length 0x0004 -> 0x0000 leaves trailing bytes
    assert!(Node::from_bytes(&bad_a).is_err());
    let mut short_a = NodeBuilder::new(&name("example.com."));
    short_a.add(1, 60, vec![192, 0, 2]);
    let short = short_a.finish().unwrap();
    assert!(
        Node::from_bytes(short.as_bytes()).is_err(),
        "an A of 3 octets"
    );
}

#[test]
fn other_types_go_out_byte_for_byte() {
    let svcb = [0, 1, 0, 0, 1, 0, 3, 2, b'h', b'2'];
    match answer_rdata(RecordType::HTTPS, &svcb) {
        RData::Unknown { code, rdata } => {
            assert_eq!(
                (code, rdata.anything.as_slice()),
                (RecordType::HTTPS, &svcb[..])
            )
        }
        other => panic!("decoded: {other:?}"),
    }
}
