//! Reading master files: directives, relative names, TTL defaults, types, RFC 3597, syntax
//! errors and how problems print.

use hickory_proto::rr::{RData, RecordType};

use super::super::*;
use super::{errors, load, name, warnings, zone};

#[test]
fn reads_directives_relative_names_and_multiline_soa() {
    let text = "$ORIGIN example.com.\n$TTL 1h\n@ IN SOA ns1.example.com. hostmaster (\n  2026112501 ; serial\n  7200 900 1209600 600 )\n\
        @ NS ns1\nns1 A 192.0.2.53\nwww 60 IN CNAME @\nshop IN 120 MX 10 mail\n\tTXT \"v=spf1 -all\"\nmail AAAA 2001:db8::25\n\
        $ORIGIN sub.example.com.\nhost A 192.0.2.9\n";
    let zone = load(text).unwrap().zone;
    assert_eq!(zone.apex(), &name("example.com."));
    assert_eq!(zone.serial(), 2026112501);
    assert_eq!(zone.negative_ttl(), 600);
    let www = zone.node(&name("www.example.com.")).unwrap();
    let cname = www.rrset(RecordType::CNAME).unwrap();
    assert_eq!(
        (cname.ttl, cname.values().next().unwrap().to_string()),
        (60, "example.com.".to_string())
    );
    let shop = zone.node(&name("shop.example.com.")).unwrap();
    let mx = shop.rrset(RecordType::MX).unwrap();
    assert_eq!(
        (mx.ttl, mx.values().next().unwrap().to_string()),
        (120, "10 mail.example.com.".to_string())
    );
    // With $TTL, a record without a TTL takes $TTL, not the last explicit TTL (RFC 2308 §4).
    assert_eq!(shop.rrset(RecordType::TXT).unwrap().ttl, 3600);
    assert!(zone.node(&name("host.sub.example.com.")).is_some());
    assert!(
        zone.node(&name("sub.example.com."))
            .unwrap()
            .is_empty_non_terminal()
    );
    assert_eq!(
        zone.node(&name("mail.example.com."))
            .unwrap()
            .rrsets()
            .next()
            .unwrap()
            .ttl,
        3600
    );
}

#[test]
fn continuation_lines_keep_the_owner_and_last_explicit_ttl_without_dollar_ttl() {
    let text = "@ 100 IN SOA ns1 h 1 2 3 4 5\n  NS ns1\nns1 A 192.0.2.1\n  AAAA ::1\n";
    let zone = load(text).unwrap().zone;
    let apex = zone.node(&name("example.com.")).unwrap();
    assert_eq!(apex.rrset(RecordType::NS).unwrap().ttl, 100);
    let ns1 = zone.node(&name("ns1.example.com.")).unwrap();
    assert!(ns1.rrset(RecordType::AAAA).is_some());
}

#[test]
fn reads_common_types_and_rfc3597() {
    let body = "@ MX 10 mail\n@ TXT ( \"v=DKIM1; k=rsa; \"\n  \"p=MIGf\" )\n@ CAA 0 issue \"letsencrypt.org\"\n\
        _sip._tcp SRV 10 60 5060 sip\nsip A 192.0.2.60\nmail A 192.0.2.25\nptr PTR host.example.net.\n\
        @ HTTPS 1 . alpn=h2,h3\nsvc SVCB 1 host.example.net. port=8443\npriv TYPE65280 \\# 2 abcd\n\
        gen A \\# 4 C0000201\nali.as ANAME target.example.net.\n";
    let zone = load(&zone(body)).unwrap().zone;
    let apex = zone.node(&name("example.com.")).unwrap();
    for t in [
        RecordType::MX,
        RecordType::TXT,
        RecordType::CAA,
        RecordType::HTTPS,
    ] {
        assert!(apex.rrset(t).is_some(), "{t} missing");
    }
    let txt_wire = apex
        .rrset(RecordType::TXT)
        .unwrap()
        .rdatas()
        .next()
        .unwrap();
    let RData::TXT(txt) = node::decode_rdata(RecordType::TXT, txt_wire).unwrap() else {
        panic!()
    };
    assert_eq!(txt.txt_data.len(), 2);
    assert!(
        zone.node(&name("_sip._tcp.example.com."))
            .unwrap()
            .rrset(RecordType::SRV)
            .is_some()
    );
    let private = zone.node(&name("priv.example.com.")).unwrap();
    assert_eq!(
        private.rrsets().next().unwrap().rtype,
        RecordType::Unknown(65280)
    );
    let generic = zone.node(&name("gen.example.com.")).unwrap();
    assert_eq!(
        generic
            .rrset(RecordType::A)
            .unwrap()
            .values()
            .next()
            .unwrap()
            .to_string(),
        "192.0.2.1"
    );
    let alias = zone
        .node(&name("ali.as.example.com."))
        .unwrap()
        .alias()
        .unwrap();
    assert_eq!(
        (alias.target, alias.ttl),
        (name("target.example.net."), 300)
    );
}

#[test]
fn alias_sits_at_the_apex_beside_soa_ns_mx() {
    let zone = load(&zone(
        "@ 60 IN ALIAS lb.example.net.\n@ MX 10 mail.example.net.\n",
    ))
    .unwrap()
    .zone;
    let apex = zone.node(&name("example.com.")).unwrap();
    assert_eq!(apex.alias().unwrap().target, name("lb.example.net."));
    assert_eq!(zone.aliases().count(), 1);
}

#[test]
fn syntax_errors_name_the_line_and_every_one_is_reported() {
    let errs = errors(&zone("a A 300.1.1.1\nb FOO bar\nc TXT ( \"x\"\n"));
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].starts_with("5: bad A RDATA"), "{errs:?}");
    assert_eq!(errs[1], "6: unknown record type FOO");
    assert_eq!(errs[2], "7: '(' is never closed");
    let errs = errors(&zone(
        "d CH A 1.2.3.4\ne 1 2 A 1.2.3.4\nf 99999999999 A 1.1.1.1\n$GENERATE 2-1 x A 1.1.1.1\n",
    ));
    assert!(errs[0].contains("class CH is not served"), "{errs:?}");
    assert!(errs[1].contains("second TTL"));
    assert!(errs[2].contains("bad TTL"));
    assert!(errs[3].contains("$GENERATE"));
    // No TTL anywhere: Knot's default of 3600, with a warning.
    let text = "@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n";
    let warns = warnings(text);
    assert_eq!(warns.len(), 1, "{warns:?}");
    assert!(warns[0].starts_with("1: no TTL and no $TTL"), "{warns:?}");
    assert_eq!(load(text).unwrap().zone.soa_record().ttl, 3600);
}

#[test]
fn include_is_refused_where_it_cannot_be_followed() {
    let errs = errors(&zone("$INCLUDE other.zone\n"));
    assert!(
        errs[0].starts_with("5: $INCLUDE other.zone cannot be followed"),
        "{errs:?}"
    );
}

#[test]
fn problems_print_like_named_checkzone() {
    let err = load(&zone("b FOO bar\n")).unwrap_err();
    assert_eq!(err.to_string(), "t.zone:5: unknown record type FOO");
}

#[test]
fn origin_from_file_names() {
    assert_eq!(
        origin_from_file_name("example.com.zone"),
        Some(name("example.com."))
    );
    assert_eq!(origin_from_file_name("sample.zone"), Some(name("sample.")));
    assert_eq!(origin_from_file_name(".zone"), None);
}
