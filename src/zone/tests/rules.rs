//! The validation rules: SOA, NS, CNAME, ALIAS, out-of-zone and occluded data, DNAME, and
//! the warnings that do not stop a zone.

use hickory_proto::rr::RecordType;

use super::super::*;
use super::{errors, load, name, warnings, zone};

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
