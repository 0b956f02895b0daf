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

/// An upper bound of a record's size in a message (names uncompressed), without encoding it.
fn wire_len(record: &Record) -> usize {
    let name = |n: &hickory_proto::rr::Name| n.len() + 2;
    let rdata = match &record.data {
        RData::A(_) => 4,
        RData::AAAA(_) => 16,
        RData::NS(n) => name(&n.0),
        RData::CNAME(n) => name(&n.0),
        RData::PTR(n) => name(&n.0),
        RData::MX(mx) => 2 + name(&mx.exchange),
        RData::SOA(soa) => name(&soa.mname) + name(&soa.rname) + 20,
        RData::Unknown { rdata, .. } => rdata.anything.len(),
        other => other.to_bytes().map_or(512, |b| b.len()),
    };
    name(&record.name) + 10 + rdata
}

/// The largest message a transfer sends, before any TSIG.
const MESSAGE_BUDGET: usize = 8 * 1024;

/// Packs the records of a transfer into response messages (ID echoed, the question, AA set),
/// each closed once the next record would take it over [`MESSAGE_BUDGET`].
pub struct TransferFramer {
    id: u16,
    question: Query,
    message: Message,
    size: usize,
}

impl TransferFramer {
    /// A framer for the response to `question` with ID `id`.
    pub fn new(id: u16, question: Query) -> Self {
        let message = TransferFramer::empty(id, &question);
        TransferFramer {
            id,
            question,
            message,
            size: 0,
        }
    }

    fn empty(id: u16, question: &Query) -> Message {
        let mut message = Message::response(id, OpCode::Query);
        message.metadata.authoritative = true;
        message.add_query(question.clone());
        message
    }

    /// Adds `record`; returns the message it closed, if it did not fit in the current one.
    pub fn push(&mut self, record: Record) -> Option<Vec<u8>> {
        let len = wire_len(&record);
        let closed = if self.size + len > MESSAGE_BUDGET && !self.message.answers.is_empty() {
            let full = std::mem::replace(
                &mut self.message,
                TransferFramer::empty(self.id, &self.question),
            );
            self.size = 0;
            Some(full.to_vec().unwrap_or_default())
        } else {
            None
        };
        self.size += len;
        self.message.answers.push(record);
        closed
    }

    /// The last message.
    pub fn finish(self) -> Vec<u8> {
        self.message.to_vec().unwrap_or_default()
    }
}

/// The response messages of a transfer answering `question` with ID `id`, built one at a time
/// as the iterator is read.
pub fn transfer_messages(
    id: u16,
    question: Query,
    records: impl Iterator<Item = Record>,
) -> impl Iterator<Item = Vec<u8>> {
    let mut framer = Some(TransferFramer::new(id, question));
    let mut records = records.fuse();
    std::iter::from_fn(move || {
        let current = framer.as_mut()?;
        for record in records.by_ref() {
            if let Some(message) = current.push(record) {
                return Some(message);
            }
        }
        framer.take().map(TransferFramer::finish)
    })
}
