//! The result of a lookup, kept apart from the wire format (as NLnet Labs `domain` keeps its
//! `Answer`): the response code, the three sections as records, and what is still to be done.

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::{Name, Record, RecordType};

/// An Extended DNS Error (RFC 8914 §4) to attach to a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ede {
    /// The INFO-CODE.
    pub code: u16,
    /// The EXTRA-TEXT, for humans.
    pub text: String,
}

impl Ede {
    /// RFC 8914 §5.2 INFO-CODE 0, Other Error.
    pub const OTHER: u16 = 0;
    /// RFC 8914 §5.2 INFO-CODE 3, Stale Answer.
    pub const STALE_ANSWER: u16 = 3;
    /// RFC 8914 §5.2 INFO-CODE 20, Not Authoritative.
    pub const NOT_AUTHORITATIVE: u16 = 20;
    /// RFC 8914 §5.2 INFO-CODE 21, Not Supported.
    pub const NOT_SUPPORTED: u16 = 21;
    /// RFC 8914 §5.2 INFO-CODE 22, No Reachable Authority.
    pub const NO_REACHABLE_AUTHORITY: u16 = 22;
    /// RFC 8914 §5.2 INFO-CODE 23, Network Error.
    pub const NETWORK_ERROR: u16 = 23;
    /// INFO-CODE 30, Invalid Query Type (RFC 9824 §3.5, §9).
    pub const INVALID_QUERY_TYPE: u16 = 30;

    /// An EDE with a code and text.
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Ede {
            code,
            text: text.into(),
        }
    }

    /// The EDNS option code of an EDE (RFC 8914 §2).
    pub const OPTION_CODE: u16 = 15;

    /// The EDNS option: INFO-CODE, then the UTF-8 EXTRA-TEXT (RFC 8914 §2).
    pub fn to_option(&self) -> EdnsOption {
        let mut data = self.code.to_be_bytes().to_vec();
        data.extend_from_slice(self.text.as_bytes());
        EdnsOption::Unknown(u16::from(EdnsCode::Unknown(Self::OPTION_CODE)), data)
    }

    /// The EDE an EDNS option carries, if it is one.
    pub fn from_option(option: &EdnsOption) -> Option<Ede> {
        match option {
            EdnsOption::Unknown(Self::OPTION_CODE, data) if data.len() >= 2 => Some(Ede {
                code: u16::from_be_bytes([data[0], data[1]]),
                text: String::from_utf8_lossy(&data[2..]).into_owned(),
            }),
            _ => None,
        }
    }

    /// The first EDE of a message, if any.
    pub fn of_message(message: &Message) -> Option<Ede> {
        message
            .edns
            .as_ref()?
            .options()
            .options
            .iter()
            .find_map(|(_, option)| Ede::from_option(option))
    }
}

/// An ALIAS that must be flattened to finish the answer (docs/ARCHITECTURE.md, "ALIAS").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasRequest {
    /// The owner the flattened records get: the query name (or chain name) as asked.
    pub owner: Name,
    /// The ALIAS target whose A/AAAA are wanted.
    pub target: Name,
    /// The ALIAS record's TTL, the ceiling of the flattened TTL.
    pub ttl: u32,
    /// A, AAAA, or both (for ANY).
    pub types: Vec<RecordType>,
    /// The zone's SOA for the authority section if the flattened set is empty (RFC 2308 §3).
    pub negative_soa: Record,
}

/// What remains after a lookup in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Nothing: the answer is complete.
    None,
    /// A CNAME chain leaves this zone at `target`; another hosted zone may continue it
    /// (RFC 1034 §4.3.2 step 3a restarts at step 1).
    Cname {
        /// Where the chain continues.
        target: Name,
        /// The type asked for.
        qtype: RecordType,
    },
    /// An ALIAS must be flattened.
    Alias(Box<AliasRequest>),
}

/// The outcome of answering one question, before it is framed as a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The response code (RFC 6604: for a chain, that of its last name).
    pub rcode: ResponseCode,
    /// Whether the AA bit is set (RFC 1035 §4.1.1): false for referrals and refusals.
    pub authoritative: bool,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authorities: Vec<Record>,
    /// The additional section (without OPT, which the message layer adds).
    pub additionals: Vec<Record>,
    /// An Extended DNS Error, if one applies.
    pub ede: Option<Ede>,
    /// Work still to do before the answer is complete.
    pub pending: Pending,
    /// The apex of the zone that answered, for logs and headers.
    pub zone: Option<Name>,
}

impl Answer {
    /// An empty answer with `rcode`.
    pub fn new(rcode: ResponseCode, authoritative: bool) -> Self {
        Answer {
            rcode,
            authoritative,
            answers: Vec::new(),
            authorities: Vec::new(),
            additionals: Vec::new(),
            ede: None,
            pending: Pending::None,
            zone: None,
        }
    }

    /// REFUSED with EDE 20: the name is in none of our zones (docs/ARCHITECTURE.md, "Lookup"; we are never a
    /// resolver).
    pub fn refused_not_authoritative(qname: &Name) -> Self {
        let mut answer = Answer::new(ResponseCode::Refused, false);
        answer.ede = Some(Ede::new(
            Ede::NOT_AUTHORITATIVE,
            format!("{qname} is not in a zone served here"),
        ));
        answer
    }

    /// SERVFAIL with an EDE explaining why.
    pub fn servfail(ede: Ede) -> Self {
        let mut answer = Answer::new(ResponseCode::ServFail, false);
        answer.ede = Some(ede);
        answer
    }

    /// Whether this is a negative answer (NXDOMAIN or NODATA, RFC 2308 §2).
    pub fn is_negative(&self) -> bool {
        self.rcode == ResponseCode::NXDomain
            || (self.rcode == ResponseCode::NoError
                && self.answers.is_empty()
                && self
                    .authorities
                    .iter()
                    .any(|r| r.record_type() == RecordType::SOA))
    }

    /// The TTL an HTTP cache may keep this answer: the lowest answer TTL, or the SOA TTL of a
    /// negative answer (RFC 8484 §5.1); `None` when it must not be cached.
    pub fn cache_ttl(&self) -> Option<u32> {
        match self.rcode {
            ResponseCode::NoError | ResponseCode::NXDomain => {}
            _ => return None,
        }
        if self.is_negative() {
            return self
                .authorities
                .iter()
                .find(|r| r.record_type() == RecordType::SOA)
                .map(|r| r.ttl);
        }
        let section = if self.answers.is_empty() {
            &self.authorities
        } else {
            &self.answers
        };
        section.iter().map(|r| r.ttl).min()
    }
}
