//! The records of a transfer and their framing (RFC 5936 §2.2): the SOA first and last, every
//! RRset in between, ALIAS replaced by its flattened A/AAAA, split into messages that each stay
//! under 16 KiB.

use hickory_proto::op::{Message, OpCode, Query};
use hickory_proto::rr::{RData, Record, RecordType};

use super::flat::FlatRecords;
use crate::zone::Zone;

/// The zone's records for a transfer at `serial`: SOA, everything else (explicit A/AAAA at an
/// ALIAS owner win, as in queries), SOA again. An ALIAS never resolved yet contributes nothing.
pub fn zone_records(zone: &Zone, flat: &FlatRecords, serial: u32) -> Vec<Record> {
    let mut soa = zone.soa_record();
    if let RData::SOA(s) = &mut soa.data {
        s.serial = serial;
    }
    let mut out = vec![soa.clone()];
    let mut nodes: Vec<_> = zone.nodes().collect();
    nodes.sort_by_key(|n| n.name.to_lowercase());
    for node in nodes {
        for set in &node.rrsets {
            if set.rtype != RecordType::SOA {
                out.extend(set.records(&node.name));
            }
        }
        if node.alias.is_some() {
            let owner = node.name.to_ascii();
            for rtype in [RecordType::A, RecordType::AAAA] {
                if node.rrset(rtype).is_some() {
                    continue;
                }
                if let Some(set) = flat.get(&owner, rtype) {
                    out.extend(
                        set.rdatas
                            .iter()
                            .map(|r| Record::from_rdata(node.name.clone(), set.ttl, r.clone())),
                    );
                }
            }
        }
    }
    out.push(soa);
    out
}

/// The response messages of a transfer answering `query` (its ID and question echoed, AA set).
pub fn transfer_messages(id: u16, question: &Query, records: Vec<Record>) -> Vec<Vec<u8>> {
    const BUDGET: usize = 16 * 1024;
    let mut messages = Vec::new();
    let mut current = new_message(id, question);
    let mut size = 0;
    for record in records {
        let len = hickory_proto::serialize::binary::BinEncodable::to_bytes(&record)
            .map_or(512, |b| b.len());
        if size + len > BUDGET && !current.answers.is_empty() {
            messages.push(current.to_vec().unwrap_or_default());
            current = new_message(id, question);
            size = 0;
        }
        size += len;
        current.answers.push(record);
    }
    messages.push(current.to_vec().unwrap_or_default());
    messages
}

fn new_message(id: u16, question: &Query) -> Message {
    let mut m = Message::response(id, OpCode::Query);
    m.metadata.authoritative = true;
    m.add_query(question.clone());
    m
}
