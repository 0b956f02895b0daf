//! Framing an [`Answer`] as a response message: EDNS(0) (RFC 6891), Extended DNS Errors
//! (RFC 8914), client-subnet echo (RFC 7871 §7.2.1), padding (RFC 8467 §4.1) and truncation at
//! RRset boundaries (RFC 2181 §9, RFC 9471).

use hickory_proto::op::{Edns, Message, OpCode, ResponseCode};
use hickory_proto::rr::RecordType;
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};

use super::query::{COMPACT_OK, EdnsInfo, Query, Rejection};
use crate::answer::{Answer, Ede};

/// The largest UDP response we send, whatever the client offers (DNS Flag Day 2020).
pub const MAX_UDP_PAYLOAD: u16 = 1232;

/// RFC 8467 §4.1: responses are padded to a multiple of this many octets.
pub const PADDING_BLOCK: usize = 468;

/// How the response travels; it decides the size limit and the ANY policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Datagrams: limited to the EDNS payload size, truncated with TC.
    Udp,
    /// RFC 7766 TCP: up to 65,535 octets.
    Tcp,
    /// RFC 8484 DoH: up to 65,535 octets, padded on request.
    Https,
}

impl Transport {
    /// The largest response this transport may carry for a query with `edns`.
    pub fn limit(self, edns: Option<&EdnsInfo>) -> usize {
        self.limit_for_payload(edns.map(|e| e.payload))
    }

    /// The largest response for a query that offered `payload` in its OPT record, if it had one.
    pub fn limit_for_payload(self, payload: Option<u16>) -> usize {
        match self {
            Transport::Udp => usize::from(payload.map_or(512, |p| p.clamp(512, MAX_UDP_PAYLOAD))),
            Transport::Tcp | Transport::Https => usize::from(u16::MAX),
        }
    }
}

/// A response on the wire, with what the shells log and put in headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Framed {
    /// The message bytes.
    pub bytes: Vec<u8>,
    /// The response code sent.
    pub rcode: ResponseCode,
    /// Whether TC was set.
    pub truncated: bool,
}

/// Frames `answer` to `query` for `transport`.
pub fn build_response(query: &Query, answer: Answer, transport: Transport) -> Framed {
    let mut msg = Message::response(query.id, OpCode::Query);
    msg.metadata.authoritative = answer.authoritative;
    msg.metadata.recursion_desired = query.recursion_desired;
    msg.metadata.checking_disabled = query.checking_disabled;
    msg.metadata.response_code = answer.rcode;
    msg.add_query(query.question.clone());
    if let Some(info) = &query.edns {
        msg.set_edns(response_edns(Some(info), answer.ede.as_ref()));
    }
    let referral_glue = !answer.authoritative
        && answer
            .authorities
            .iter()
            .any(|r| r.record_type() == RecordType::NS)
        && !answer.additionals.is_empty();
    msg.answers = answer.answers;
    msg.authorities = answer.authorities;
    msg.additionals = answer.additionals;

    let limit = transport.limit(query.edns.as_ref());
    let mut bytes = encode(&msg);
    if bytes.len() > limit {
        // Additional data is optional (RFC 2181 §9), except glue a referral needs (RFC 9471).
        msg.additionals.clear();
        msg.metadata.truncation = referral_glue;
        bytes = encode(&msg);
    }
    if bytes.len() > limit {
        msg.answers.clear();
        msg.authorities.clear();
        msg.metadata.truncation = true;
        bytes = encode(&msg);
    }
    if transport == Transport::Https && query.edns.as_ref().is_some_and(|e| e.padding) {
        bytes = pad(msg, bytes.len());
    }
    Framed {
        rcode: answer.rcode,
        truncated: bytes.get(2).is_some_and(|flags| flags & 0x02 != 0),
        bytes,
    }
}

/// Frames a rejected query (FORMERR, NOTIMP, REFUSED, BADVERS); `None` means stay silent.
pub fn build_rejection(rejection: &Rejection) -> Option<Framed> {
    let Rejection::Error {
        id,
        op_code,
        recursion_desired,
        rcode,
        question,
        edns,
        reason,
    } = rejection
    else {
        return None;
    };
    let mut msg = Message::response(*id, *op_code);
    msg.metadata.recursion_desired = *recursion_desired;
    msg.metadata.response_code = *rcode;
    if let Some(q) = question {
        msg.add_query(q.clone());
    }
    if *edns {
        let code = match rcode {
            ResponseCode::NotImp => Ede::NOT_SUPPORTED,
            _ => Ede::OTHER,
        };
        msg.set_edns(response_edns(None, Some(&Ede::new(code, *reason))));
    }
    Some(Framed {
        bytes: encode(&msg),
        rcode: *rcode,
        truncated: false,
    })
}

/// The response OPT record: version 0, our payload size, DO echoed (and Compact Answers OK
/// with it, RFC 9824 §3), EDE and ECS options.
fn response_edns(info: Option<&EdnsInfo>, ede: Option<&Ede>) -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(MAX_UDP_PAYLOAD);
    edns.set_version(0);
    if let Some(info) = info {
        edns.set_dnssec_ok(info.dnssec_ok);
        if info.dnssec_ok && info.compact_ok {
            edns.flags_mut().z |= COMPACT_OK;
        }
        if let Some(subnet) = info.subnet {
            // We do not tailor answers, so the scope is 0 (RFC 7871 §7.2.1).
            let echoed = ClientSubnet::new(subnet.addr(), subnet.source_prefix(), 0);
            edns.options_mut().insert(EdnsOption::Subnet(echoed));
        }
    }
    if let Some(ede) = ede {
        edns.options_mut().insert(ede.to_option());
    }
    edns
}

/// Adds a Padding option (RFC 7830) so the message length is a multiple of 468 (RFC 8467).
fn pad(mut msg: Message, unpadded: usize) -> Vec<u8> {
    let Some(edns) = msg.edns.as_mut() else {
        return encode(&msg);
    };
    // The option costs 4 octets of header before its data.
    let padded = (unpadded + 4).div_ceil(PADDING_BLOCK) * PADDING_BLOCK;
    let len = padded - unpadded - 4;
    edns.options_mut().insert(EdnsOption::Unknown(
        u16::from(EdnsCode::Padding),
        vec![0; len],
    ));
    encode(&msg)
}

/// Encodes a message; a message hickory cannot encode becomes a bare SERVFAIL.
fn encode(msg: &Message) -> Vec<u8> {
    msg.to_vec().unwrap_or_else(|_| {
        let mut fail = Message::response(msg.metadata.id, msg.metadata.op_code);
        fail.metadata.response_code = ResponseCode::ServFail;
        fail.queries = msg.queries.clone();
        fail.to_vec().unwrap_or_default()
    })
}
