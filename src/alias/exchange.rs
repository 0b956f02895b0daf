//! One upstream exchange for an ALIAS target, pure: the query to send and the validation of
//! what comes back (docs/ARCHITECTURE.md, "ALIAS"). Nothing in an upstream answer is trusted beyond the A/AAAA
//! owned by the end of the CNAME chain that starts at the target.

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use std::net::IpAddr;

use hickory_proto::rr::{Name, RData, RecordType};

/// The longest CNAME chain followed in an upstream answer.
pub const MAX_UPSTREAM_CNAMES: usize = 8;

/// The upstream query: ID 0 (RFC 8484 §4.1, cache-friendly), RD=1, one question, EDNS(0).
pub fn upstream_query(target: &Name, rtype: RecordType) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = 0;
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(target.clone(), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    message.edns = Some(edns);
    message.to_vec().unwrap_or_default()
}

/// What a valid upstream answer says about the target: addresses (possibly none: NODATA or
/// NXDOMAIN, RFC 2308) with the TTLs that bound them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The A or AAAA addresses owned by the chain's last name, as the answer lists them
    /// (sorted and deduplicated when stored: [`crate::alias::FlatSet::new`]).
    pub addresses: Vec<IpAddr>,
    /// Every CNAME TTL in the chain and the address RRset's TTL; for a negative answer the
    /// negative TTL (min(SOA TTL, MINIMUM), RFC 2308 §5).
    pub ttls: Vec<u32>,
    /// The chain from the target to the name that owns the addresses.
    pub chain: Vec<Name>,
}

/// Why an upstream answer was not used. Every rejection moves on to the next attempt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Not a DNS message at all.
    #[error("not a DNS message: {0}")]
    Malformed(String),
    /// A message that is not the response to our query: wrong ID, QR, opcode or question.
    #[error("not the answer to our query: {0}")]
    Mismatch(String),
    /// TC set: the answer is incomplete.
    #[error("truncated answer")]
    Truncated,
    /// SERVFAIL, REFUSED or another failure rcode.
    #[error("upstream answered {0}")]
    Rcode(ResponseCode),
    /// The CNAME chain loops or is longer than [`MAX_UPSTREAM_CNAMES`].
    #[error("{0}")]
    Chain(String),
}

/// Validates `bytes` as the answer to [`upstream_query`]`(target, rtype)`.
pub fn validate(bytes: &[u8], target: &Name, rtype: RecordType) -> Result<Resolved, Rejected> {
    let message = Message::from_vec(bytes).map_err(|e| Rejected::Malformed(e.to_string()))?;
    let m = &message.metadata;
    if m.id != 0 || m.message_type != MessageType::Response || m.op_code != OpCode::Query {
        return Err(Rejected::Mismatch(format!(
            "ID {}, {:?}, {:?}",
            m.id, m.message_type, m.op_code
        )));
    }
    match message.queries.as_slice() {
        [q] if q.query_type() == rtype && q.name().eq_ignore_root(target) => {}
        other => {
            return Err(Rejected::Mismatch(format!(
                "question {}",
                other
                    .iter()
                    .map(|q| format!("{} {}", q.name(), q.query_type()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if m.truncation {
        return Err(Rejected::Truncated);
    }
    let negative = match m.response_code {
        ResponseCode::NoError => false,
        ResponseCode::NXDomain => true,
        other => return Err(Rejected::Rcode(other)),
    };
    // Follow the chain by owner names, using only answer-section records (RFC 1034 §4.3.2).
    let mut chain = vec![target.clone()];
    let mut ttls = Vec::new();
    loop {
        let name = chain.last().cloned().unwrap_or_else(Name::root);
        let cname = message
            .answers
            .iter()
            .find(|r| r.record_type() == RecordType::CNAME && r.name.eq_ignore_root(&name));
        let Some(cname) = cname else { break };
        let RData::CNAME(next) = &cname.data else {
            break;
        };
        if chain.iter().any(|seen| seen.eq_ignore_root(&next.0)) {
            return Err(Rejected::Chain(format!("CNAME loop at {}", next.0)));
        }
        if chain.len() > MAX_UPSTREAM_CNAMES {
            return Err(Rejected::Chain(format!(
                "CNAME chain from {target} is longer than {MAX_UPSTREAM_CNAMES}"
            )));
        }
        ttls.push(cname.ttl);
        chain.push(next.0.clone());
    }
    let last = chain.last().cloned().unwrap_or_else(Name::root);
    let addresses: Vec<_> = message
        .answers
        .iter()
        .filter(|r| r.record_type() == rtype && r.name.eq_ignore_root(&last))
        .collect();
    if negative && !addresses.is_empty() {
        return Err(Rejected::Mismatch("NXDOMAIN with addresses".into()));
    }
    if addresses.is_empty() {
        // NODATA or NXDOMAIN: cached for the negative TTL of the SOA that came with it.
        let negative_ttl = message
            .authorities
            .iter()
            .find_map(|r| match &r.data {
                RData::SOA(soa) => Some(r.ttl.min(soa.minimum)),
                _ => None,
            })
            .unwrap_or(0);
        ttls.push(negative_ttl);
        return Ok(Resolved {
            addresses: Vec::new(),
            ttls,
            chain,
        });
    }
    ttls.push(addresses.iter().map(|r| r.ttl).min().unwrap_or(0));
    Ok(Resolved {
        addresses: addresses.iter().filter_map(|r| r.data.ip_addr()).collect(),
        ttls,
        chain,
    })
}
