//! The key a response cache keeps a response under: the facts of a query that change the bytes
//! of its response, and nothing else (docs/ARCHITECTURE.md, "The native shell").
//!
//! [`build_response`](super::build_response) takes from the query its ID (a cache patches it),
//! RD and CD (RFC 1035 §4.1.1, RFC 6840 §5.9), the question as sent, whether the query had an
//! OPT record (RFC 6891 §7), its DO bit (RFC 3225) and Compact Answers OK bit (RFC 9824 §3), the size limit its UDP payload gives, a
//! Padding option (RFC 8467 §4.1, over DoH only) and the client subnet, which is echoed
//! (RFC 7871 §7.2.1). The key is the transport and those facts. What cannot change the
//! response is left out: cookies and other options, the bytes of the padding, the payload size
//! beyond the limit it gives, the extended RCODE bits and the header bits that are not echoed.
//!
//! The QNAME keeps the client's case: the response echoes it, and wildcard and ALIAS owners
//! take it (RFC 4343 §4.1), so `WWW.example.` and `www.example.` are two entries. Patching the
//! name into a cached response instead would have to find every place a name points to it.
//!
//! The key is read straight off the wire, without decoding the message, and only for the plain
//! shape of a query: one question of class IN or ANY that is no meta or transfer type, no
//! answer or authority records, at most one OPT record (version 0, options that fill it
//! exactly, at most one client subnet, which hickory must read) and nothing after it. Any other
//! query has no key and goes to the responder, which decides about it in full
//! ([`parse_query`](super::parse_query)). The tests check that every key read here is the one
//! the parsed query gives, and that queries with one key get the same response.

use hickory_proto::rr::rdata::opt::ClientSubnet;

use super::response::Transport;

/// RFC 6891 §6.1.1: the OPT record type.
const OPT: u16 = 41;
/// RFC 7871 §6: the client subnet option.
const CLIENT_SUBNET: u16 = 8;
/// RFC 7830: the padding option.
const PADDING: u16 = 12;

/// Key flags: one bit per echoed or response-shaping fact.
const RD: u8 = 1;
const CD: u8 = 2;
const EDNS: u8 = 4;
const DNSSEC_OK: u8 = 8;
const PADDED: u8 = 16;
const COMPACT_OK: u8 = 32;

/// Writes the cache key of `wire` over `transport` into `out`; false (and `out` empty) when the
/// query is not of the plain shape the key covers, and must go to the responder.
pub fn cache_key(wire: &[u8], transport: Transport, out: &mut Vec<u8>) -> bool {
    out.clear();
    let found = read_key(wire, transport, out).is_some();
    if !found {
        out.clear();
    }
    found
}

fn u16_at(wire: &[u8], at: usize) -> Option<u16> {
    let bytes = wire.get(at..at + 2)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// The transport's tag in the key.
fn transport_tag(transport: Transport) -> u8 {
    match transport {
        Transport::Udp => 0,
        Transport::Tcp => 1,
        Transport::Https => 2,
    }
}

/// The EDNS facts of the OPT record.
struct OptFacts {
    payload: u16,
    dnssec_ok: bool,
    compact_ok: bool,
    padded: bool,
    /// The subnet option's data as hickory reads it: family, source prefix, the address octets.
    subnet: Option<ClientSubnet>,
}

fn read_key(wire: &[u8], transport: Transport, out: &mut Vec<u8>) -> Option<()> {
    let header = wire.get(..12)?;
    // QR must be 0 and the opcode QUERY (RFC 1035 §4.1.1).
    if header[2] & 0xf8 != 0 {
        return None;
    }
    let counts = [4, 6, 8, 10].map(|at| u16_at(header, at));
    let with_opt = match counts {
        [Some(1), Some(0), Some(0), Some(0)] => false,
        [Some(1), Some(0), Some(0), Some(1)] => true,
        _ => return None,
    };
    let name_end = name_end(wire, 12)?;
    let qtype = u16_at(wire, name_end)?;
    let qclass = u16_at(wire, name_end + 2)?;
    // OPT, SIG and TSIG are FORMERR, AXFR and IXFR go to the transfer path.
    if matches!(qtype, OPT | 24 | 250 | 251 | 252) || !matches!(qclass, 1 | 255) {
        return None;
    }
    let question_end = name_end + 4;
    let (opt, end) = if with_opt {
        let (facts, end) = read_opt(wire, question_end)?;
        (Some(facts), end)
    } else {
        (None, question_end)
    };
    if end != wire.len() {
        return None;
    }

    let mut flags = 0;
    if header[2] & 0x01 != 0 {
        flags |= RD;
    }
    if header[3] & 0x10 != 0 {
        flags |= CD;
    }
    if let Some(opt) = &opt {
        flags |= EDNS;
        if opt.dnssec_ok {
            flags |= DNSSEC_OK;
        }
        if opt.compact_ok {
            flags |= COMPACT_OK;
        }
        if opt.padded && transport == Transport::Https {
            flags |= PADDED;
        }
    }
    let limit = transport.limit_for_payload(opt.as_ref().map(|o| o.payload));
    out.push(transport_tag(transport));
    out.push(flags);
    out.extend_from_slice(&u16::try_from(limit).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(&wire[12..question_end]);
    if let Some(subnet) = opt.and_then(|o| o.subnet) {
        push_subnet(&subnet, out);
    }
    Some(())
}

/// Where the uncompressed name at `start` ends; `None` for compression pointers, extended
/// label types and names over 255 octets (RFC 1035 §3.1, §4.1.4).
fn name_end(wire: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    loop {
        let len = usize::from(*wire.get(at)?);
        if len > 63 {
            return None;
        }
        at += 1 + len;
        if at - start > 255 {
            return None;
        }
        if len == 0 {
            return Some(at);
        }
    }
}

/// Reads the OPT record at `at` (RFC 6891 §6.1.2): its facts and where it ends.
fn read_opt(wire: &[u8], at: usize) -> Option<(OptFacts, usize)> {
    // The owner is the root; then TYPE, CLASS (the payload), TTL (extended RCODE, version,
    // flags), RDLENGTH.
    if *wire.get(at)? != 0 || u16_at(wire, at + 1)? != OPT {
        return None;
    }
    let payload = u16_at(wire, at + 3)?;
    let version = *wire.get(at + 6)?;
    let dnssec_ok = *wire.get(at + 7)? & 0x80 != 0;
    let compact_ok = *wire.get(at + 7)? & 0x40 != 0;
    if version != 0 {
        return None;
    }
    let rdlength = usize::from(u16_at(wire, at + 9)?);
    let start = at + 11;
    let rdata = wire.get(start..start + rdlength)?;
    let mut facts = OptFacts {
        payload,
        dnssec_ok,
        compact_ok,
        padded: false,
        subnet: None,
    };
    let mut rest = rdata;
    while !rest.is_empty() {
        let code = u16_at(rest, 0)?;
        let len = usize::from(u16_at(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        match code {
            // hickory reads the subnet option (and rejects a malformed one), so it must read it
            // here; it keeps every other option a query may carry as bytes, which cannot fail.
            CLIENT_SUBNET => {
                if facts.subnet.is_some() {
                    return None;
                }
                facts.subnet = Some(ClientSubnet::try_from(data).ok()?);
            }
            PADDING => facts.padded = true,
            _ => {}
        }
        rest = &rest[4 + len..];
    }
    Some((facts, start + rdlength))
}

/// The option data the response echoes for `subnet` (RFC 7871 §6): FAMILY, SOURCE
/// PREFIX-LENGTH, SCOPE PREFIX-LENGTH 0, then the address octets the source prefix covers.
fn push_subnet(subnet: &ClientSubnet, out: &mut Vec<u8>) {
    let prefix = subnet.source_prefix();
    let covered = usize::from(prefix).div_ceil(8);
    match subnet.addr() {
        std::net::IpAddr::V4(v4) => {
            out.extend_from_slice(&[0, 1, prefix, 0]);
            out.extend_from_slice(&v4.octets()[..covered.min(4)]);
        }
        std::net::IpAddr::V6(v6) => {
            out.extend_from_slice(&[0, 2, prefix, 0]);
            out.extend_from_slice(&v6.octets()[..covered.min(16)]);
        }
    }
}
