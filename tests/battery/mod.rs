//! The one battery of lookup semantics, run against every zone store and every transport.
//!
//! Each harness supplies a function that sends query bytes and returns response bytes: the
//! responder over the memory, file and KV stores, the native server over UDP and TCP, and
//! `wrangler dev` over DoH. The cases and the checks are the same for all of them.

#![allow(dead_code)]

use std::future::Future;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
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

/// Runs the battery through the responder (no sockets) over `store`, for UDP, TCP and DoH.
pub async fn run_store<S: flatapex::store::ZoneStore>(label: &str, store: S) {
    use flatapex::message::Transport;
    let responder = flatapex::respond::Responder::new(
        store,
        flatapex::alias::NoUpstreams,
        flatapex::respond::ResponderConfig::default(),
    );
    for (via, transport) in [
        (Via::Udp, Transport::Udp),
        (Via::Stream, Transport::Tcp),
        (Via::Stream, Transport::Https),
    ] {
        run(&format!("{label} {transport:?}"), via, |query| {
            let responder = &responder;
            async move {
                responder
                    .respond(&query, transport, 0)
                    .await
                    .expect("a query gets a response")
                    .framed
                    .bytes
            }
        })
        .await;
    }
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

const APEX_SOA: &str = "battery.test. 3600 IN SOA ns1.battery.test. hostmaster.battery.test. 2026112501 7200 900 1209600 300";
const NEG: &str = "battery.test. 300 IN SOA ns1.battery.test. hostmaster.battery.test. 2026112501 7200 900 1209600 300";
const NS1: &str = "battery.test. 3600 IN NS ns1.battery.test.";
const NS2: &str = "battery.test. 3600 IN NS ns2.example.net.";
const NS1_A: &str = "ns1.battery.test. 3600 IN A 192.0.2.53";
const APEX_A: &str = "battery.test. 120 IN A 192.0.2.80";
const APEX_AAAA: &str = "battery.test. 120 IN AAAA 2001:db8::80";

const fn case(about: &'static str, qname: &'static str, qtype: RecordType) -> Case {
    Case {
        about,
        qname,
        qtype,
        rcode: ResponseCode::NoError,
        aa: true,
        answer: &[],
        authority: &[],
        additional: None,
        ede: None,
        only: None,
    }
}

/// Every case of the battery.
pub fn cases() -> Vec<Case> {
    use RecordType::*;
    vec![
        Case {
            answer: &[APEX_SOA],
            ..case("apex SOA", "battery.test.", SOA)
        },
        Case {
            answer: &[NS1, NS2],
            additional: Some(&[NS1_A]),
            ..case("apex NS with in-zone glue", "battery.test.", NS)
        },
        Case {
            answer: &["battery.test. 3600 IN MX 10 mail.battery.test."],
            additional: Some(&["mail.battery.test. 3600 IN A 192.0.2.25"]),
            ..case("apex MX with its address", "battery.test.", MX)
        },
        Case {
            answer: &["battery.test. 3600 IN TXT v=spf1 mx -all"],
            ..case("apex TXT", "battery.test.", TXT)
        },
        Case {
            answer: &[APEX_A],
            ..case(
                "apex ALIAS flattened from a local target, TTL min(600, 120)",
                "battery.test.",
                A,
            )
        },
        Case {
            answer: &[APEX_AAAA],
            ..case("apex ALIAS AAAA", "battery.test.", AAAA)
        },
        Case {
            authority: &[NEG],
            ..case(
                "the ALIAS type itself is never exposed",
                "battery.test.",
                ANAME,
            )
        },
        Case {
            answer: &["www.battery.test. 3600 IN CNAME battery.test.", APEX_A],
            ..case(
                "CNAME to an ALIAS owner is followed and flattened",
                "www.battery.test.",
                A,
            )
        },
        Case {
            answer: &[
                "blog.battery.test. 3600 IN CNAME www.battery.test.",
                "www.battery.test. 3600 IN CNAME battery.test.",
                APEX_A,
            ],
            ..case("CNAME chain inside the zone", "blog.battery.test.", A)
        },
        Case {
            answer: &[
                "BLOG.Battery.TEST. 3600 IN CNAME www.battery.test.",
                "www.battery.test. 3600 IN CNAME battery.test.",
                APEX_A,
            ],
            ..case("QNAME case is preserved", "BLOG.Battery.TEST.", A)
        },
        Case {
            answer: &["www.battery.test. 3600 IN CNAME battery.test."],
            ..case("CNAME query gets the CNAME", "www.battery.test.", CNAME)
        },
        Case {
            answer: &["alias2.battery.test. 120 IN A 192.0.2.80"],
            ..case(
                "ALIAS to a CNAME to an address, TTL is the chain minimum",
                "alias2.battery.test.",
                A,
            )
        },
        Case {
            answer: &["both.battery.test. 3600 IN A 192.0.2.7"],
            ..case("explicit A beats the ALIAS", "both.battery.test.", A)
        },
        Case {
            answer: &["both.battery.test. 120 IN AAAA 2001:db8::80"],
            ..case("ALIAS fills the missing AAAA", "both.battery.test.", AAAA)
        },
        Case {
            rcode: ResponseCode::ServFail,
            aa: false,
            ede: Some(22),
            ..case(
                "external ALIAS target with no upstream: SERVFAIL + EDE 22",
                "ext.battery.test.",
                A,
            )
        },
        Case {
            rcode: ResponseCode::ServFail,
            aa: false,
            ede: Some(22),
            ..case("ALIAS loop fails", "loop1.battery.test.", A)
        },
        Case {
            answer: &[
                "cross.battery.test. 3600 IN CNAME host.other.test.",
                "host.other.test. 3600 IN A 192.0.2.200",
            ],
            ..case(
                "CNAME chain continues in another hosted zone",
                "cross.battery.test.",
                A,
            )
        },
        Case {
            answer: &["out.battery.test. 3600 IN CNAME target.example.net."],
            ..case("CNAME leaving our zones stops", "out.battery.test.", A)
        },
        Case {
            answer: &["x.apps.battery.test. 3600 IN A 192.0.2.81"],
            ..case(
                "wildcard match, owner is the QNAME",
                "x.apps.battery.test.",
                A,
            )
        },
        Case {
            answer: &["y.z.apps.battery.test. 3600 IN TXT wild"],
            ..case(
                "wildcard matches several labels",
                "y.z.apps.battery.test.",
                TXT,
            )
        },
        Case {
            authority: &[NEG],
            ..case(
                "wildcard without the type: NODATA",
                "x.apps.battery.test.",
                MX,
            )
        },
        Case {
            authority: &[NEG],
            ..case(
                "the wildcard's parent is an empty non-terminal: NODATA",
                "apps.battery.test.",
                A,
            )
        },
        Case {
            authority: &[NEG],
            ..case(
                "empty non-terminal: NODATA, not NXDOMAIN",
                "deep.battery.test.",
                TXT,
            )
        },
        Case {
            authority: &[NEG],
            ..case("deeper empty non-terminal", "y.deep.battery.test.", TXT)
        },
        Case {
            answer: &["x.y.deep.battery.test. 3600 IN TXT deep"],
            ..case(
                "name under empty non-terminals",
                "x.y.deep.battery.test.",
                TXT,
            )
        },
        Case {
            rcode: ResponseCode::NXDomain,
            authority: &[NEG],
            ..case(
                "NXDOMAIN with the SOA at min(TTL, MINIMUM)",
                "nothere.battery.test.",
                A,
            )
        },
        Case {
            rcode: ResponseCode::NXDomain,
            authority: &[NEG],
            ..case("no wildcard above: NXDOMAIN", "a.b.deep.battery.test.", A)
        },
        Case {
            aa: false,
            authority: &["sub.battery.test. 3600 IN NS ns.sub.battery.test."],
            additional: Some(&["ns.sub.battery.test. 3600 IN A 192.0.2.99"]),
            ..case(
                "referral with glue below a delegation",
                "host.sub.battery.test.",
                A,
            )
        },
        Case {
            aa: false,
            authority: &["sub.battery.test. 3600 IN NS ns.sub.battery.test."],
            additional: Some(&["ns.sub.battery.test. 3600 IN A 192.0.2.99"]),
            ..case("NS at the cut is a referral too", "sub.battery.test.", NS)
        },
        Case {
            answer: &[
                "sub.battery.test. 3600 IN DS \\# 24 ec4505012bb183af5f22588179a53b0a98631fad1a292118",
            ],
            ..case(
                "DS is answered from the parent side",
                "sub.battery.test.",
                DS,
            )
        },
        Case {
            answer: &[
                "child.battery.test. 3600 IN DS \\# 36 30390d023490a6806d47f17a34c29e2ce80e8a999ffbe4bee9b8f4a3b0b6f9e1f1a2a3a4",
            ],
            ..case(
                "DS of a hosted child comes from the hosted parent",
                "child.battery.test.",
                DS,
            )
        },
        Case {
            answer: &["child.battery.test. 3600 IN NS ns.child.battery.test."],
            additional: Some(&["ns.child.battery.test. 3600 IN A 192.0.2.98"]),
            ..case(
                "the hosted child answers for itself",
                "child.battery.test.",
                NS,
            )
        },
        Case {
            rcode: ResponseCode::Refused,
            aa: false,
            ede: Some(20),
            ..case("outside our zones: REFUSED + EDE 20", "example.org.", A)
        },
        Case {
            rcode: ResponseCode::Refused,
            aa: false,
            ede: Some(20),
            ..case("a parent of our zone is not ours", "test.", SOA)
        },
        Case {
            answer: &["_sip._tcp.battery.test. 3600 IN SRV 10 60 5060 sip.battery.test."],
            additional: Some(&["sip.battery.test. 3600 IN A 192.0.2.60"]),
            ..case(
                "SRV with its target's address",
                "_sip._tcp.battery.test.",
                SRV,
            )
        },
        Case {
            answer: &[APEX_A, APEX_AAAA],
            only: Some(Via::Udp),
            ..case(
                "ANY over UDP at an ALIAS owner: the flattened addresses only (RFC 8482)",
                "battery.test.",
                ANY,
            )
        },
        Case {
            answer: &[
                APEX_SOA,
                NS1,
                NS2,
                "battery.test. 3600 IN MX 10 mail.battery.test.",
                "battery.test. 3600 IN TXT v=spf1 mx -all",
                APEX_A,
                APEX_AAAA,
            ],
            only: Some(Via::Stream),
            ..case(
                "ANY over a stream: every RRset, ALIAS flattened",
                "battery.test.",
                ANY,
            )
        },
        Case {
            answer: &["mail.battery.test. 3600 IN A 192.0.2.25"],
            only: Some(Via::Udp),
            ..case("ANY over UDP: one RRset", "mail.battery.test.", ANY)
        },
    ]
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
        data_encoding::HEXLOWER.encode(&bytes)
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
    let edns = msg.edns.as_ref()?;
    edns.options()
        .options
        .iter()
        .find_map(|(_, option)| match option {
            EdnsOption::Unknown(15, data) if data.len() >= 2 => {
                Some(u16::from_be_bytes([data[0], data[1]]))
            }
            _ => None,
        })
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
    for (i, case) in cases().iter().enumerate() {
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
