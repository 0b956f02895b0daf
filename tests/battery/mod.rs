//! The one battery of lookup semantics, run against every zone store and every transport.
//!
//! Each harness supplies a function that sends query bytes and returns response bytes: the
//! responder over the memory, file and KV stores, the native server over UDP and TCP, and
//! `wrangler dev` over DoH. The cases and the checks are the same for all of them.

#![allow(dead_code)]

pub mod cases;

use std::future::Future;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The zones the battery runs against: (file name, text).
pub const ZONES: &[(&str, &str)] = &[
    (
        "battery.test.zone",
        include_str!("../zones/battery.test.zone"),
    ),
    ("other.test.zone", include_str!("../zones/other.test.zone")),
    (
        "child.battery.test.zone",
        include_str!("../zones/child.battery.test.zone"),
    ),
];

/// The battery's zones, loaded and validated.
pub fn zones() -> Vec<flatapex::zone::Zone> {
    ZONES
        .iter()
        .map(|(file, text)| {
            let origin = flatapex::zone::origin_from_file_name(file).unwrap_or_else(Name::root);
            flatapex::zone::load_zone(file, text, &origin, None, &flatapex::zone::NoIncludes)
                .unwrap()
                .zone
        })
        .collect()
}

/// The battery's zones written to a key-value store as `flatapex push` writes them, in shards
/// of about `shard_bytes`; also returns the most shards any zone got.
pub fn published_kv(shard_bytes: usize) -> (flatapex::kv::MemoryKv, u32) {
    let kv = flatapex::kv::MemoryKv::new();
    let stored: Vec<_> = zones()
        .iter()
        .map(|zone| flatapex::kv::store_zone(zone, shard_bytes).unwrap())
        .collect();
    let shards = stored.iter().map(|z| z.entry.shards).max().unwrap_or(0);
    kv.publish(&stored);
    (kv, shards)
}

/// Runs one case through the responder (no sockets) over `store`, over UDP, TCP and DoH where
/// the case applies; panics with every mismatch.
pub async fn run_case<S: flatapex::store::ZoneStore>(store: S, case: Case) {
    use flatapex::message::Transport;
    let responder = flatapex::respond::Responder::new(
        store,
        flatapex::alias::NoUpstreams,
        std::sync::Arc::default(),
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for (via, transport) in [
        (Via::Udp, Transport::Udp),
        (Via::Stream, Transport::Tcp),
        (Via::Stream, Transport::Https),
    ] {
        if case.only.is_some_and(|only| only != via) {
            continue;
        }
        let response = responder
            .respond(&query(&case, 0x1234), transport, 0)
            .await
            .expect("a query gets a response");
        ran += 1;
        if let Err(e) = check(&case, 0x1234, &response.framed.bytes) {
            failures.push(format!("over {transport:?}: {e}"));
        }
    }
    assert!(ran > 0, "the case ran over no transport");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// How the battery's queries travel; it decides which cases apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Datagrams with a 1232-octet EDNS buffer: ANY is minimal, large answers truncate.
    Udp,
    /// A stream (TCP or DoH): full ANY, no truncation.
    Stream,
}

/// One question and what the answer must be.
#[derive(Clone, Debug)]
pub struct Case {
    /// What the case shows.
    pub about: &'static str,
    /// The query name, with the case to send.
    pub qname: &'static str,
    /// The query type.
    pub qtype: RecordType,
    /// The expected response code.
    pub rcode: ResponseCode,
    /// The expected AA bit.
    pub aa: bool,
    /// The answer section, as hickory presentation lines, in any order.
    pub answer: &'static [&'static str],
    /// The authority section, in any order.
    pub authority: &'static [&'static str],
    /// The additional section (OPT excluded), in any order; `None` skips the check.
    pub additional: Option<&'static [&'static str]>,
    /// The EDE INFO-CODE expected, if any.
    pub ede: Option<u16>,
    /// Only for this transport, if set.
    pub only: Option<Via>,
}

/// A query for `case` with ID `id`, RD clear and EDNS(0) with a 1232-octet buffer.
pub fn query(case: &Case, id: u16) -> Vec<u8> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    // from_ascii keeps the case the case asks for; from_str would lowercase it.
    msg.add_query(Query::query(
        Name::from_ascii(case.qname).unwrap(),
        case.qtype,
    ));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    msg.set_edns(edns);
    msg.to_vec().unwrap()
}

/// A record as text; types hickory reads generically are shown in RFC 3597 §5 form.
pub fn present(r: &Record) -> String {
    // DS is decoded where hickory's DNSSEC feature is on (native, for TSIG) and opaque where it
    // is off (wasm): both are shown in RFC 3597 form, so the cases hold everywhere.
    let opaque = matches!(r.data, RData::Unknown { .. }) || r.record_type() == RecordType::DS;
    if !opaque {
        return r.to_string();
    }
    let bytes = hickory_proto::serialize::binary::BinEncodable::to_bytes(&r.data).unwrap();
    format!(
        "{} {} {} {} \\# {} {}",
        r.name,
        r.ttl,
        r.dns_class,
        r.record_type(),
        bytes.len(),
        flatapex::encoding::hex_lower(&bytes)
    )
}

fn lines(records: &[Record]) -> Vec<String> {
    let mut lines: Vec<String> = records.iter().map(present).collect();
    lines.sort();
    lines
}

fn expected(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    lines.sort();
    lines
}

/// The EDE INFO-CODE in a response, if any.
pub fn ede_code(msg: &Message) -> Option<u16> {
    flatapex::answer::Ede::of_message(msg).map(|e| e.code)
}

/// Checks one response against its case; the error says every mismatch.
pub fn check(case: &Case, id: u16, response: &[u8]) -> Result<(), String> {
    let msg = Message::from_vec(response).map_err(|e| format!("unreadable response: {e}"))?;
    let mut wrong = Vec::new();
    let mut expect = |what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!("  {what}: got {got}, want {want}"));
        }
    };
    expect("id", msg.metadata.id.to_string(), id.to_string());
    expect(
        "rcode",
        format!("{:?}", msg.metadata.response_code),
        format!("{:?}", case.rcode),
    );
    expect(
        "aa",
        msg.metadata.authoritative.to_string(),
        case.aa.to_string(),
    );
    expect("tc", msg.metadata.truncation.to_string(), "false".into());
    expect(
        "question",
        msg.queries
            .first()
            .map(|q| q.name().to_string())
            .unwrap_or_default(),
        case.qname.into(),
    );
    expect(
        "answer",
        format!("{:?}", lines(&msg.answers)),
        format!("{:?}", expected(case.answer)),
    );
    expect(
        "authority",
        format!("{:?}", lines(&msg.authorities)),
        format!("{:?}", expected(case.authority)),
    );
    if let Some(additional) = case.additional {
        expect(
            "additional",
            format!("{:?}", lines(&msg.additionals)),
            format!("{:?}", expected(additional)),
        );
    }
    expect(
        "ede",
        format!("{:?}", ede_code(&msg)),
        format!("{:?}", case.ede),
    );
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({} {}):\n{}",
            case.about,
            case.qname,
            case.qtype,
            wrong.join("\n")
        ))
    }
}

/// Runs every case that applies to `via` through `exchange`, and panics listing every failure.
pub async fn run<F, Fut>(label: &str, via: Via, mut exchange: F)
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Vec<u8>>,
{
    let mut failures = Vec::new();
    let mut ran = 0;
    for (i, (_, case)) in cases::all().iter().enumerate() {
        if case.only.is_some_and(|only| only != via) {
            continue;
        }
        let id = 0x1000 + i as u16;
        let response = exchange(query(case, id)).await;
        ran += 1;
        if let Err(e) = check(case, id, &response) {
            failures.push(e);
        }
    }
    assert!(ran >= 35, "{label}: only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{label}: {} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
