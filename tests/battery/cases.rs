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

/// Defines each case as a function named after it, `all()` with every case, and
/// `for_each_case!(m)`, which calls `m!(name)` for every case: how the store suites make one
/// named test per case (the way hickory's `zone_handler_battery` does).
macro_rules! define_cases {
    ($d:tt $($name:ident: $case:expr;)*) => {
        $(
            #[allow(non_snake_case)]
            pub fn $name() -> Case {
                use RecordType::*;
                $case
            }
        )*

        /// Every case, with its name.
        pub fn all() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), $name())),*]
        }

        /// Calls `$m!(name)` for every case.
        #[allow(unused_macros)]
        macro_rules! for_each_case {
            ($d m:ident) => { $($d m!($name);)* };
        }
        #[allow(unused_imports)]
        pub(crate) use for_each_case;
    };
}

define_cases! { $
    apex_soa: Case {
            answer: &[APEX_SOA],
            ..case("apex SOA", "battery.test.", SOA)
        };
    apex_ns_with_in_zone_glue: Case {
            answer: &[NS1, NS2],
            additional: Some(&[NS1_A]),
            ..case("apex NS with in-zone glue", "battery.test.", NS)
        };
    apex_mx_with_its_address: Case {
            answer: &["battery.test. 3600 IN MX 10 mail.battery.test."],
            additional: Some(&["mail.battery.test. 3600 IN A 192.0.2.25"]),
            ..case("apex MX with its address", "battery.test.", MX)
        };
    apex_txt: Case {
            answer: &["battery.test. 3600 IN TXT v=spf1 mx -all"],
            ..case("apex TXT", "battery.test.", TXT)
        };
    apex_alias_flattened_from_a_local_target: Case {
            answer: &[APEX_A],
            ..case(
                "apex ALIAS flattened from a local target, TTL min(600, 120)",
                "battery.test.",
                A,
            )
        };
    apex_alias_aaaa: Case {
            answer: &[APEX_AAAA],
            ..case("apex ALIAS AAAA", "battery.test.", AAAA)
        };
    the_alias_type_itself_is_never_exposed: Case {
            authority: &[NEG],
            ..case(
                "the ALIAS type itself is never exposed",
                "battery.test.",
                ANAME,
            )
        };
    cname_to_an_alias_owner_is_followed_and_flattened: Case {
            answer: &["www.battery.test. 3600 IN CNAME battery.test.", APEX_A],
            ..case(
                "CNAME to an ALIAS owner is followed and flattened",
                "www.battery.test.",
                A,
            )
        };
    cname_chain_inside_the_zone: Case {
            answer: &[
                "blog.battery.test. 3600 IN CNAME www.battery.test.",
                "www.battery.test. 3600 IN CNAME battery.test.",
                APEX_A,
            ],
            ..case("CNAME chain inside the zone", "blog.battery.test.", A)
        };
    qname_case_is_preserved: Case {
            answer: &[
                "BLOG.Battery.TEST. 3600 IN CNAME www.battery.test.",
                "www.battery.test. 3600 IN CNAME battery.test.",
                APEX_A,
            ],
            ..case("QNAME case is preserved", "BLOG.Battery.TEST.", A)
        };
    cname_query_gets_the_cname: Case {
            answer: &["www.battery.test. 3600 IN CNAME battery.test."],
            ..case("CNAME query gets the CNAME", "www.battery.test.", CNAME)
        };
    alias_to_a_cname_to_an_address_ttl_is_the_chain_minimum: Case {
            answer: &["alias2.battery.test. 120 IN A 192.0.2.80"],
            ..case(
                "ALIAS to a CNAME to an address, TTL is the chain minimum",
                "alias2.battery.test.",
                A,
            )
        };
    explicit_a_beats_the_alias: Case {
            answer: &["both.battery.test. 3600 IN A 192.0.2.7"],
            ..case("explicit A beats the ALIAS", "both.battery.test.", A)
        };
    alias_fills_the_missing_aaaa: Case {
            answer: &["both.battery.test. 120 IN AAAA 2001:db8::80"],
            ..case("ALIAS fills the missing AAAA", "both.battery.test.", AAAA)
        };
    unresolvable_external_alias_target_servfail_ede_22: Case {
            rcode: ResponseCode::ServFail,
            aa: false,
            ede: Some(22),
            ..case(
                "external ALIAS target that cannot be resolved: SERVFAIL + EDE 22",
                "ext.battery.test.",
                A,
            )
        };
    alias_loop_fails: Case {
            rcode: ResponseCode::ServFail,
            aa: false,
            ede: Some(22),
            ..case("ALIAS loop fails", "loop1.battery.test.", A)
        };
    cname_chain_continues_in_another_hosted_zone: Case {
            answer: &[
                "cross.battery.test. 3600 IN CNAME host.other.test.",
                "host.other.test. 3600 IN A 192.0.2.200",
            ],
            ..case(
                "CNAME chain continues in another hosted zone",
                "cross.battery.test.",
                A,
            )
        };
    cname_leaving_our_zones_stops: Case {
            answer: &["out.battery.test. 3600 IN CNAME target.example.net."],
            ..case("CNAME leaving our zones stops", "out.battery.test.", A)
        };
    wildcard_match_owner_is_the_qname: Case {
            answer: &["x.apps.battery.test. 3600 IN A 192.0.2.81"],
            ..case(
                "wildcard match, owner is the QNAME",
                "x.apps.battery.test.",
                A,
            )
        };
    wildcard_matches_several_labels: Case {
            answer: &["y.z.apps.battery.test. 3600 IN TXT wild"],
            ..case(
                "wildcard matches several labels",
                "y.z.apps.battery.test.",
                TXT,
            )
        };
    wildcard_without_the_type_nodata: Case {
            authority: &[NEG],
            ..case(
                "wildcard without the type: NODATA",
                "x.apps.battery.test.",
                MX,
            )
        };
    the_wildcard_s_parent_is_an_empty_non_terminal_nodata: Case {
            authority: &[NEG],
            ..case(
                "the wildcard's parent is an empty non-terminal: NODATA",
                "apps.battery.test.",
                A,
            )
        };
    empty_non_terminal_nodata_not_nxdomain: Case {
            authority: &[NEG],
            ..case(
                "empty non-terminal: NODATA, not NXDOMAIN",
                "deep.battery.test.",
                TXT,
            )
        };
    deeper_empty_non_terminal: Case {
            authority: &[NEG],
            ..case("deeper empty non-terminal", "y.deep.battery.test.", TXT)
        };
    name_under_empty_non_terminals: Case {
            answer: &["x.y.deep.battery.test. 3600 IN TXT deep"],
            ..case(
                "name under empty non-terminals",
                "x.y.deep.battery.test.",
                TXT,
            )
        };
    nxdomain_with_the_soa_at_min_ttl_minimum: Case {
            rcode: ResponseCode::NXDomain,
            authority: &[NEG],
            ..case(
                "NXDOMAIN with the SOA at min(TTL, MINIMUM)",
                "nothere.battery.test.",
                A,
            )
        };
    no_wildcard_above_nxdomain: Case {
            rcode: ResponseCode::NXDomain,
            authority: &[NEG],
            ..case("no wildcard above: NXDOMAIN", "a.b.deep.battery.test.", A)
        };
    referral_with_glue_below_a_delegation: Case {
            aa: false,
            authority: &["sub.battery.test. 3600 IN NS ns.sub.battery.test."],
            additional: Some(&["ns.sub.battery.test. 3600 IN A 192.0.2.99"]),
            ..case(
                "referral with glue below a delegation",
                "host.sub.battery.test.",
                A,
            )
        };
    ns_at_the_cut_is_a_referral_too: Case {
            aa: false,
            authority: &["sub.battery.test. 3600 IN NS ns.sub.battery.test."],
            additional: Some(&["ns.sub.battery.test. 3600 IN A 192.0.2.99"]),
            ..case("NS at the cut is a referral too", "sub.battery.test.", NS)
        };
    ds_is_answered_from_the_parent_side: Case {
            answer: &[
                "sub.battery.test. 3600 IN DS \\# 24 ec4505012bb183af5f22588179a53b0a98631fad1a292118",
            ],
            ..case(
                "DS is answered from the parent side",
                "sub.battery.test.",
                DS,
            )
        };
    ds_of_a_hosted_child_comes_from_the_hosted_parent: Case {
            answer: &[
                "child.battery.test. 3600 IN DS \\# 36 30390d023490a6806d47f17a34c29e2ce80e8a999ffbe4bee9b8f4a3b0b6f9e1f1a2a3a4",
            ],
            ..case(
                "DS of a hosted child comes from the hosted parent",
                "child.battery.test.",
                DS,
            )
        };
    the_hosted_child_answers_for_itself: Case {
            answer: &["child.battery.test. 3600 IN NS ns.child.battery.test."],
            additional: Some(&["ns.child.battery.test. 3600 IN A 192.0.2.98"]),
            ..case(
                "the hosted child answers for itself",
                "child.battery.test.",
                NS,
            )
        };
    outside_our_zones_refused_ede_20: Case {
            rcode: ResponseCode::Refused,
            aa: false,
            ede: Some(20),
            ..case("outside our zones: REFUSED + EDE 20", "example.org.", A)
        };
    a_parent_of_our_zone_is_not_ours: Case {
            rcode: ResponseCode::Refused,
            aa: false,
            ede: Some(20),
            ..case("a parent of our zone is not ours", "test.", SOA)
        };
    srv_with_its_target_s_address: Case {
            answer: &["_sip._tcp.battery.test. 3600 IN SRV 10 60 5060 sip.battery.test."],
            additional: Some(&["sip.battery.test. 3600 IN A 192.0.2.60"]),
            ..case(
                "SRV with its target's address",
                "_sip._tcp.battery.test.",
                SRV,
            )
        };
    any_over_udp_at_an_alias_owner: Case {
            answer: &[APEX_A, APEX_AAAA],
            only: Some(Via::Udp),
            ..case(
                "ANY over UDP at an ALIAS owner: the flattened addresses only (RFC 8482)",
                "battery.test.",
                ANY,
            )
        };
    any_over_a_stream_every_rrset_alias_flattened: Case {
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
        };
    any_over_udp_one_rrset: Case {
            answer: &["mail.battery.test. 3600 IN A 192.0.2.25"],
            only: Some(Via::Udp),
            ..case("ANY over UDP: one RRset", "mail.battery.test.", ANY)
        };
}
