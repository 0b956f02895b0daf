//! The battery's cases: each question and what the answer must be.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

use super::{Case, Via};

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
                "external ALIAS target that cannot be resolved: SERVFAIL + EDE 22",
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
