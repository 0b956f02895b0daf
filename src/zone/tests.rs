//! Unit tests for reading and validating zone files: each rule, each error with its line.

use std::str::FromStr;

use hickory_proto::rr::{Name, RData, RecordType};

use super::*;

fn name(s: &str) -> Name {
    Name::from_str(s).unwrap()
}

fn load(text: &str) -> Result<Loaded, ZoneErrors> {
    load_zone("t.zone", text, &name("example.com."), None, &NoIncludes)
}

/// Loads text that must fail and returns "line: message" for each error.
fn errors(text: &str) -> Vec<String> {
    let err = load(text).expect_err("the zone should not load");
    err.0
        .iter()
        .filter(|p| p.is_error())
        .map(|p| {
            format!(
                "{}: {}",
                p.line.map_or("-".into(), |l| l.to_string()),
                p.message
            )
        })
        .collect()
}

/// Loads text that must load and returns "line: message" for each warning.
fn warnings(text: &str) -> Vec<String> {
    let loaded = load(text).expect("the zone should load");
    loaded
        .warnings
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.line.map_or("-".into(), |l| l.to_string()),
                p.message
            )
        })
        .collect()
}

const HEAD: &str =
    "$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 600\n@ NS ns1\nns1 A 192.0.2.53\n";

fn zone(body: &str) -> String {
    format!("{HEAD}{body}")
}

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
fn soa_rules() {
    let errs = errors("$TTL 60\n@ NS ns.example.net.\n");
    assert_eq!(
        errs,
        vec!["-: no SOA record: a zone needs exactly one, at its apex"]
    );
    // A saved AXFR repeats the SOA at its end; Knot serves the first of two SOAs.
    let text = zone("@ SOA ns2 h 2 1 1 1 1\n");
    assert_eq!(
        warnings(&text),
        vec!["5: a second SOA record is ignored; the first (line 2) is served"]
    );
    assert_eq!(load(&text).unwrap().zone.serial(), 1);
    let err = load_zone(
        "t.zone",
        &zone(""),
        &name("example.com."),
        Some(&name("example.org.")),
        &NoIncludes,
    )
    .unwrap_err();
    assert!(
        err.0[0]
            .message
            .contains("not at the zone apex example.org.")
    );
}

#[test]
fn ns_rules() {
    let errs = errors("$TTL 60\n@ SOA ns1.example.net. h 1 1 1 1 1\n");
    assert_eq!(errs, vec!["-: no NS records at the apex example.com."]);
    // Knot loads both; named-checkzone warns of the first.
    assert_eq!(
        warnings(&zone("@ NS ns2\n")),
        vec![
            "5: NS target ns2.example.com. does not exist in the zone; a name without a trailing dot is relative to the origin example.com. (RFC 1035 §5.1)"
        ]
    );
    let warns = warnings(&zone("@ NS ns3\nns3 CNAME ns1\n"));
    assert!(
        warns[0].starts_with("5: NS target ns3.example.com. is a CNAME or ALIAS"),
        "{warns:?}"
    );
}

#[test]
fn cname_coexists_with_nothing() {
    let errs = errors(&zone("www CNAME @\nwww A 192.0.2.1\nwww CNAME other\n"));
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0]
            .starts_with("6: www.example.com. has a CNAME (line 5), so it cannot also have A data")
    );
    assert_eq!(
        errs[1],
        "7: www.example.com. has more than one CNAME (RFC 2181 §10.1)"
    );
}

#[test]
fn alias_rules() {
    let errs = errors(&zone("@ ALIAS a.example.net.\n@ ALIAS b.example.net.\n"));
    assert_eq!(
        errs,
        vec!["6: example.com. has more than one ALIAS (the first is on line 5)"]
    );
    let errs = errors(&zone("x ALIAS a.example.net.\nx CNAME b.example.net.\n"));
    assert!(errs[0].contains("cannot also have an ALIAS"), "{errs:?}");
    let errs = errors(&zone("y ALIAS y\n"));
    assert_eq!(
        errs,
        vec!["5: the ALIAS at y.example.com. points at itself"]
    );
    let errs = errors(&zone("y ALIAS \"quoted\"\n"));
    assert!(errs[0].contains("exactly one target"));
}

#[test]
fn out_of_zone_data_is_dropped_with_a_warning() {
    let text = zone("www.example.org. A 192.0.2.1\n");
    assert_eq!(
        warnings(&text),
        vec!["5: www.example.org. is outside the zone example.com.; out-of-zone data is ignored"]
    );
    assert!(
        load(&text)
            .unwrap()
            .zone
            .node(&name("www.example.org."))
            .is_none()
    );
}

#[test]
fn occluded_data_loads_with_a_warning_and_answers_with_the_referral() {
    let ok = "lab NS ns.lab\nns.lab A 192.0.2.99\nlab DS 1 8 2 abcd\n";
    assert_eq!(warnings(&zone(ok)), Vec::<String>::new());
    let text = zone("lab NS ns.lab\nns.lab A 192.0.2.99\nstray.lab A 192.0.2.98\n");
    assert_eq!(
        warnings(&text),
        vec![
            "7: stray.lab.example.com. A is glue that no NS record names below the delegation at lab.example.com.; it is occluded: queries get the referral (RFC 1034 §4.2.1)"
        ]
    );
    let answer = load(&text)
        .unwrap()
        .zone
        .lookup(&name("stray.lab.example.com."), RecordType::A);
    assert!(
        answer.answers.is_empty() && !answer.authoritative,
        "{answer:?}"
    );
    assert_eq!(answer.authorities[0].record_type(), RecordType::NS);
    let warns = warnings(&zone("lab NS ns.example.net.\nwww.lab TXT \"x\"\n"));
    assert!(
        warns[0].starts_with("6: www.lab.example.com. TXT is data below the delegation"),
        "{warns:?}"
    );
    assert_eq!(
        warnings(&zone("lab NS ns.example.net.\nlab MX 10 ns1\n")),
        vec![
            "6: lab.example.com. is a delegation (it has NS), so its MX is occluded: queries get the referral (RFC 1034 §4.2.1)"
        ]
    );
    let warns = warnings(&zone("lab NS ns.lab\n"));
    assert!(
        warns[0].contains("NS target ns.lab.example.com. is in the zone but has no A"),
        "{warns:?}"
    );
    let warns = warnings(&zone("www DS 1 8 2 abcd\n"));
    assert!(
        warns[0].starts_with("5: DS at www.example.com., which is not a delegation"),
        "{warns:?}"
    );
    let errs = errors(&zone("lab NS ns.example.net.\nlab ALIAS lb.example.net.\n"));
    assert!(errs[0].contains("cannot have an ALIAS"), "{errs:?}");
}

#[test]
fn cname_may_sit_beside_its_dnssec_records_only() {
    let text = zone(
        "www CNAME @\nwww RRSIG CNAME 8 3 300 20300101000000 20200101000000 1 example.com. AAAA\nwww NSEC z A\n",
    );
    assert_eq!(warnings(&text), Vec::<String>::new());
    // Two CNAMEs equal but for case are one record (RFC 4034 §6.2), as Knot has them.
    assert_eq!(
        warnings(&zone(
            "w CNAME Target\nw CNAME tarGET\ntarget A 192.0.2.1\n"
        )),
        vec!["6: duplicate CNAME record at w.example.com. ignored"]
    );
}

#[test]
fn dname_redirects_the_names_below_it() {
    let text = zone("old DNAME new\nnew A 192.0.2.7\nx.new A 192.0.2.8\nocc.old TXT \"hidden\"\n");
    let warns = warnings(&text);
    assert!(
        warns[0].contains("below the DNAME at old.example.com."),
        "{warns:?}"
    );
    let redirecting = load(&text).unwrap().zone;
    let answer = redirecting.lookup(&name("x.OLD.example.com."), RecordType::A);
    let lines: Vec<String> = answer.answers.iter().map(text::record_line).collect();
    assert_eq!(
        lines,
        [
            "old.example.com. 300 IN DNAME new.example.com.",
            "x.old.example.com. 300 IN CNAME x.new.example.com.",
            "x.new.example.com. 300 IN A 192.0.2.8",
        ]
    );
    // The DNAME's own name is not redirected, and the occluded TXT is never answered.
    let own = redirecting.lookup(&name("old.example.com."), RecordType::DNAME);
    assert_eq!(own.answers.len(), 1);
    let occluded = redirecting.lookup(&name("occ.old.example.com."), RecordType::TXT);
    assert_eq!(occluded.answers[1].record_type(), RecordType::CNAME);
    // RFC 6672 §2.2: a synthesized name over 255 octets is YXDOMAIN.
    let long = format!(
        "{}.old.example.com.",
        ["a".repeat(63), "b".repeat(63), "c".repeat(63)].join(".")
    );
    let far = zone(&format!("old DNAME {}.example.com.\n", "d".repeat(60)));
    let answer = load(&far).unwrap().zone.lookup(&name(&long), RecordType::A);
    assert_eq!(answer.rcode, hickory_proto::op::ResponseCode::YXDomain);
    assert_eq!(answer.answers.len(), 1);
}

#[test]
fn warnings_do_not_stop_loading() {
    let loaded = load(&zone(
        "a 60 A 192.0.2.1\na 120 A 192.0.2.2\na A 192.0.2.1\n",
    ))
    .unwrap();
    let messages: Vec<_> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("t.zone:6: warning: TTL 120 differs"));
    assert!(messages[1].starts_with("t.zone:7: warning: duplicate A record"));
    let set = loaded
        .zone
        .node(&name("a.example.com."))
        .unwrap()
        .rrset(RecordType::A)
        .unwrap();
    // The last TTL read, as Knot keeps it.
    assert_eq!((set.ttl, set.len()), (120, 2));
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
