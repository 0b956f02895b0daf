//! The records of a transfer and their framing (RFC 5936 §2.2): the SOA first and last, every
//! RRset in between, each ALIAS replaced by its flattened A/AAAA, split into messages that each
//! stay under 16 KiB. Both are lazy iterators, so a transfer of a large zone holds one message
//! at a time, never the whole zone twice.

use hickory_proto::op::{Message, OpCode, Query};
use hickory_proto::rr::{RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;

use super::state::{ZoneState, owner_key};
use crate::alias::AddressType;
use crate::zone::{Node, Zone};

/// The records at one node: its RRsets (not the SOA), and for an ALIAS the flattened sets of
/// the types it has no explicit records of (explicit A/AAAA win, as in queries). An ALIAS never
/// resolved yet contributes nothing.
fn node_records(node: &Node, state: &ZoneState) -> Vec<Record> {
    let name = node.name();
    let mut out = Vec::new();
    for set in node.rrsets() {
        if set.rtype != RecordType::SOA {
            out.extend(set.records(&name));
        }
    }
    if node.alias().is_some() {
        let owner = owner_key(&name);
        for rtype in AddressType::BOTH {
            if node.has(rtype.record_type()) {
                continue;
            }
            if let Some(set) = state.set(&owner, rtype) {
                out.extend(
                    set.rdatas(rtype)
                        .into_iter()
                        .map(|r| Record::from_rdata(name.clone(), set.ttl, r)),
                );
            }
        }
    }
    out
}

/// The zone's records for a transfer at `serial`: SOA, everything else in the order the zone
/// holds it (RFC 5936 §2.2 asks for no order), SOA again.
pub fn zone_records<'a>(
    zone: &'a Zone,
    state: &'a ZoneState,
    serial: u32,
) -> impl Iterator<Item = Record> + 'a {
    let mut soa = zone.soa_record();
    if let RData::SOA(s) = &mut soa.data {
        s.serial = serial;
    }
    std::iter::once(soa.clone())
        .chain(zone.nodes().flat_map(move |node| node_records(node, state)))
        .chain(std::iter::once(soa))
}

/// The largest message a transfer sends, before any TSIG.
const MESSAGE_BUDGET: usize = 16 * 1024;

/// The response messages of a transfer answering `question` with ID `id` (echoed, AA set),
/// built one at a time as the iterator is read.
pub fn transfer_messages(
    id: u16,
    question: Query,
    records: impl Iterator<Item = Record>,
) -> impl Iterator<Item = Vec<u8>> {
    let mut records = records.peekable();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut message = Message::response(id, OpCode::Query);
        message.metadata.authoritative = true;
        message.add_query(question.clone());
        let mut size = 0;
        while let Some(record) = records.peek() {
            let len = record.to_bytes().map_or(512, |b| b.len());
            if size + len > MESSAGE_BUDGET && !message.answers.is_empty() {
                break;
            }
            size += len;
            message.answers.extend(records.next());
        }
        done = records.peek().is_none();
        Some(message.to_vec().unwrap_or_default())
    })
}
