//! A DNS client for comparing two servers: queries over TCP, a tolerant reply parser, AXFR, and
//! the text of what must agree.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hickory_proto::op::{Header, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};

use crate::common::{tcp_connect, tcp_read, tcp_send};
use flatapex::zone::rdata::{canonical_rdata, print_rdata};

/// A query as a resolver without DNSSEC sends it: RD clear, EDNS without DO.
pub fn query_bytes(name: &Name, rtype: RecordType, id: u16) -> Vec<u8> {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(name.clone(), rtype));
    message.metadata.recursion_desired = false;
    let mut edns = hickory_proto::op::Edns::new();
    edns.set_max_payload(1232);
    message.set_edns(edns);
    message.to_vec().unwrap()
}

/// One record of a reply, RDATA uncompressed. Parsed here rather than by hickory-proto's
/// `Message`, which refuses some records Knot serves (an empty APL, a NULL with no data).
#[derive(Clone, Debug)]
pub struct Rr {
    pub owner: Name,
    pub ttl: u32,
    pub rtype: u16,
    pub wire: Vec<u8>,
}

/// A reply: its header and sections.
#[derive(Clone, Debug)]
pub struct Reply {
    pub rcode: ResponseCode,
    pub authoritative: bool,
    pub answers: Vec<Rr>,
    pub authorities: Vec<Rr>,
}

/// The name at the decoder, uncompressed, in wire form.
pub fn read_name(decoder: &mut BinDecoder<'_>) -> Result<Vec<u8>, String> {
    let name = Name::read(decoder).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut encoder = BinEncoder::new(&mut buf);
    encoder.set_name_encoding(hickory_proto::serialize::binary::NameEncoding::Uncompressed);
    name.emit(&mut encoder).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// RDATA with the names RFC 1035 lets a server compress (RFC 3597 §4) spelt out.
pub fn read_rdata(decoder: &mut BinDecoder<'_>, rtype: u16, len: usize) -> Result<Vec<u8>, String> {
    let end = decoder.index() + len;
    let mut wire = Vec::with_capacity(len);
    let names = match rtype {
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 => 1, // NS MD MF CNAME MB MG MR PTR
        14 | 6 => 2,                         // MINFO, SOA
        15 => {
            wire.extend_from_slice(
                decoder
                    .read_slice(2)
                    .map_err(|e| e.to_string())?
                    .unverified(),
            );
            1 // MX
        }
        _ => 0,
    };
    for _ in 0..names {
        wire.extend(read_name(decoder)?);
    }
    let rest = end
        .checked_sub(decoder.index())
        .ok_or("RDATA overruns its length")?;
    wire.extend_from_slice(
        decoder
            .read_slice(rest)
            .map_err(|e| e.to_string())?
            .unverified(),
    );
    Ok(wire)
}

pub fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    let mut decoder = BinDecoder::new(bytes);
    let header = Header::read(&mut decoder).map_err(|e| e.to_string())?;
    for _ in 0..header.counts.queries {
        Query::read(&mut decoder).map_err(|e| e.to_string())?;
    }
    let mut sections = [Vec::new(), Vec::new()];
    for (section, count) in [header.counts.answers, header.counts.authorities]
        .into_iter()
        .enumerate()
    {
        for _ in 0..count {
            let owner = Name::read(&mut decoder).map_err(|e| e.to_string())?;
            let fixed = decoder
                .read_slice(10)
                .map_err(|e| e.to_string())?
                .unverified();
            let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
            let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
            let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
            let wire = read_rdata(&mut decoder, rtype, len)?;
            sections[section].push(Rr {
                owner,
                ttl,
                rtype,
                wire,
            });
        }
    }
    let [answers, authorities] = sections;
    Ok(Reply {
        rcode: header.metadata.response_code,
        authoritative: header.metadata.authoritative,
        answers,
        authorities,
    })
}

/// A TCP connection that reconnects when the server closes it.
pub struct Client {
    pub addr: SocketAddr,
    pub stream: Option<TcpStream>,
    pub id: u16,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            stream: None,
            id: 0,
        }
    }

    pub fn ask(&mut self, name: &Name, rtype: RecordType) -> Result<Reply, String> {
        for _ in 0..2 {
            self.id = self.id.wrapping_add(1);
            let stream = self.stream.get_or_insert_with(|| tcp_connect(self.addr));
            tcp_send(stream, &query_bytes(name, rtype, self.id));
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tcp_read(stream)));
            match result {
                Ok(bytes) => {
                    return parse_reply(&bytes).map_err(|e| format!("undecodable: {e}"));
                }
                Err(_) => self.stream = None,
            }
        }
        Err("no answer".into())
    }
}

/// Waits until `addr` answers the SOA of `origin` (or `wait` passes).
pub fn answers_soa(addr: SocketAddr, origin: &Name, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if let Ok(stream) = TcpStream::connect(addr) {
            drop(stream);
            let mut client = Client::new(addr);
            if let Ok(m) = client.ask(origin, RecordType::SOA)
                && m.answers.iter().any(|r| r.rtype == 6)
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The records of a zone, by AXFR (RFC 5936) from `addr`.
pub fn axfr(addr: SocketAddr, origin: &Name) -> Vec<Rr> {
    let mut stream = tcp_connect(addr);
    let mut message = Message::new(7, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(origin.clone(), RecordType::AXFR));
    tcp_send(&mut stream, &message.to_vec().unwrap());
    let mut records = Vec::new();
    let mut soas = 0;
    while soas < 2 {
        let reply = parse_reply(&tcp_read(&mut stream)).expect("a decodable AXFR message");
        for record in reply.answers {
            soas += usize::from(record.rtype == 6);
            records.push(record);
        }
    }
    records.pop();
    records
}

/// A record as text for comparison: the owner as sent, RDATA in canonical form (RFC 4034 §6.2).
pub fn record_text(record: &Rr) -> String {
    let rdata = print_rdata(record.rtype, &canonical_rdata(record.rtype, &record.wire));
    format!(
        "{} {} {} {rdata}",
        record.owner,
        record.ttl,
        RecordType::from(record.rtype)
    )
}

/// What must agree between the two servers.
pub fn summary(reply: &Result<Reply, String>) -> String {
    let reply = match reply {
        Ok(reply) => reply,
        Err(e) => return format!("error: {e}"),
    };
    let section = |records: &[Rr]| {
        let mut lines: Vec<String> = records.iter().map(record_text).collect();
        lines.sort();
        lines.join("\n    ")
    };
    format!(
        "rcode {} aa {}\n  answer:\n    {}\n  authority:\n    {}",
        reply.rcode,
        reply.authoritative,
        section(&reply.answers),
        section(&reply.authorities)
    )
}
