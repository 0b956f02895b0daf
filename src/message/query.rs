//! Reading a query off the wire, and deciding early when it cannot be answered normally:
//! FORMERR (RFC 1035 §4.1.1; also for bytes after the last counted record), NOTIMP, BADVERS (RFC 6891 §6.1.3), or silence.

use hickory_proto::op::{Header, Message, MessageType, OpCode, Query as Question, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_proto::rr::{DNSClass, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

/// The EDNS(0) parts of a query that shape the response (RFC 6891 §6.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdnsInfo {
    /// The EDNS version the client used.
    pub version: u8,
    /// The client's UDP payload size.
    pub payload: u16,
    /// The DO bit (RFC 3225), echoed in the response.
    pub dnssec_ok: bool,
    /// The Compact Answers OK flag (RFC 9824 §3): a signed NXDOMAIN may keep its RCODE.
    pub compact_ok: bool,
    /// The client sent a Padding option (RFC 7830), so the response is padded (RFC 8467).
    pub padding: bool,
    /// The client subnet (RFC 7871), echoed with scope 0.
    pub subnet: Option<ClientSubnet>,
}

/// The Compact Answers OK bit among the EDNS flags after DO (RFC 9824 §3: 0x4000).
pub const COMPACT_OK: u16 = 0x4000;

/// A query that can be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The message ID, echoed.
    pub id: u16,
    /// RD, echoed (RFC 1035 §4.1.1).
    pub recursion_desired: bool,
    /// CD, echoed (RFC 6840 §5.9).
    pub checking_disabled: bool,
    /// The question with the case the client used (RFC 4343 §4.1).
    pub question: Question,
    /// The EDNS parts, if the query had an OPT record.
    pub edns: Option<EdnsInfo>,
}

impl Query {
    /// The query type.
    pub fn qtype(&self) -> RecordType {
        self.question.query_type()
    }
}

/// Why a query is not answered with data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Shorter than a header, or a response: say nothing (answering responses risks loops).
    Ignore,
    /// Answer with this code and, if it could be read, the question.
    Error {
        /// The header of the query.
        id: u16,
        /// The opcode, echoed.
        op_code: OpCode,
        /// RD, echoed.
        recursion_desired: bool,
        /// FORMERR, NOTIMP, REFUSED or BADVERS.
        rcode: ResponseCode,
        /// The question, when it could be read.
        question: Option<Question>,
        /// Whether the response carries an OPT record (it must for BADVERS).
        edns: bool,
        /// Why, for the EDE text and logs.
        reason: &'static str,
    },
}

/// Reads `bytes` as a standard query.
pub fn parse_query(bytes: &[u8]) -> Result<Query, Rejection> {
    let mut decoder = BinDecoder::new(bytes);
    let Ok(header) = Header::read(&mut decoder) else {
        return Err(Rejection::Ignore);
    };
    let meta = header.metadata;
    if meta.message_type == MessageType::Response {
        return Err(Rejection::Ignore);
    }
    let first_question = if header.counts.queries >= 1 {
        Question::read(&mut decoder).ok()
    } else {
        None
    };
    let error_edns = |rcode, question: Option<Question>, edns: bool, reason| Rejection::Error {
        id: meta.id,
        op_code: meta.op_code,
        recursion_desired: meta.recursion_desired,
        rcode,
        question,
        edns,
        reason,
    };
    let error = |rcode, question, reason| error_edns(rcode, question, false, reason);
    if meta.op_code != OpCode::Query {
        return Err(error(
            ResponseCode::NotImp,
            first_question,
            "only standard queries are served",
        ));
    }
    let mut whole = BinDecoder::new(bytes);
    let message = match Message::read(&mut whole) {
        Ok(message) => message,
        Err(_) => {
            return Err(error(
                ResponseCode::FormErr,
                first_question,
                "malformed message",
            ));
        }
    };
    // RFC 1035 §4.1: a message is its header and the sections it counts. Bytes after them are
    // not part of any query; answering would let one question come in countless spellings.
    if !whole.is_empty() {
        return Err(error(
            ResponseCode::FormErr,
            first_question,
            "bytes after the end of the message",
        ));
    }
    if message.queries.len() != 1 {
        return Err(error(
            ResponseCode::FormErr,
            None,
            "a query must have exactly one question",
        ));
    }
    let question = message.queries[0].clone();
    let edns = message.edns.as_ref().map(|edns| EdnsInfo {
        version: edns.version(),
        payload: edns.max_payload(),
        dnssec_ok: edns.flags().dnssec_ok,
        compact_ok: edns.flags().z & COMPACT_OK != 0,
        padding: edns.option(EdnsCode::Padding).is_some(),
        subnet: match edns.option(EdnsCode::Subnet) {
            Some(EdnsOption::Subnet(subnet)) => Some(*subnet),
            _ => None,
        },
    });
    if let Some(info) = &edns
        && info.version > 0
    {
        return Err(error_edns(
            ResponseCode::BADVERS,
            Some(question),
            true,
            "only EDNS version 0 is supported",
        ));
    }
    let reject = |rcode, reason| {
        Err(error_edns(
            rcode,
            Some(question.clone()),
            edns.is_some(),
            reason,
        ))
    };
    match question.query_class() {
        DNSClass::IN | DNSClass::ANY => {}
        _ => return reject(ResponseCode::Refused, "only class IN is served"),
    }
    match question.query_type() {
        RecordType::OPT | RecordType::TSIG | RecordType::SIG => {
            return reject(ResponseCode::FormErr, "a meta type cannot be queried");
        }
        _ => {}
    }
    Ok(Query {
        id: meta.id,
        recursion_desired: meta.recursion_desired,
        checking_disabled: meta.checking_disabled,
        question,
        edns,
    })
}
