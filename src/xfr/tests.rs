use hickory_proto::op::{Message, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, RecordType};

use super::*;
use crate::zone::{NoIncludes, load_zone};

const ZONE: &str = "\
$ORIGIN x.test.
$TTL 300
@ SOA ns1 host 7 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.1
@ ALIAS edge.cdn.test.
both A 192.0.2.9
both ALIAS other.cdn.test.
";

fn a(ip: &str) -> RData {
    RData::A(A(ip.parse().unwrap()))
}

#[test]
fn transfers_replace_alias_with_flattened_records_between_two_soas() {
    let origin = Name::from_ascii("x.test.").unwrap();
    let zone = load_zone("x.test.zone", ZONE, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let mut flat = FlatRecords::default();
    assert!(flat.update(
        "x.test.",
        RecordType::A,
        vec![a("198.51.100.2"), a("198.51.100.1")],
        60
    ));
    assert!(
        !flat.update(
            "X.test.",
            RecordType::A,
            vec![a("198.51.100.1"), a("198.51.100.2")],
            30
        ),
        "same set"
    );
    assert!(flat.update("both.x.test.", RecordType::A, vec![a("198.51.100.3")], 60));
    let records = zone_records(&zone, &flat, 9);
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        records.first().map(|r| r.record_type()),
        Some(RecordType::SOA)
    );
    assert_eq!(
        records.last().map(|r| r.record_type()),
        Some(RecordType::SOA)
    );
    assert!(
        lines[0].contains(" 9 3600 "),
        "the served serial: {}",
        lines[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("x.test. 30 IN A 198.51.100.1")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("192.0.2.9")),
        "explicit A wins"
    );
    assert!(
        !lines.iter().any(|l| l.contains("198.51.100.3")),
        "... over the flattened one"
    );
    assert_eq!(records.len(), 2 + 1 + 1 + 2 + 1, "{lines:#?}");
}

#[test]
fn large_transfers_are_split_into_messages_under_64k() {
    let mut text = String::from(ZONE);
    for i in 0..3000 {
        text.push_str(&format!("h{i} TXT \"{}\"\n", "x".repeat(100)));
    }
    let origin = Name::from_ascii("x.test.").unwrap();
    let zone = load_zone("x.test.zone", &text, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let records = zone_records(&zone, &FlatRecords::default(), 7);
    let total = records.len();
    let question = Query::query(origin, RecordType::AXFR);
    let messages = transfer_messages(42, &question, records);
    assert!(messages.len() > 10, "{} messages", messages.len());
    let mut seen = 0;
    for bytes in &messages {
        assert!(bytes.len() < 65_535);
        let m = Message::from_vec(bytes).unwrap();
        assert_eq!(m.metadata.id, 42);
        assert!(m.metadata.authoritative);
        seen += m.answers.len();
    }
    assert_eq!(seen, total);
}

#[test]
fn zone_text_reads_back_as_the_same_zone_with_alias_flattened() {
    let text = format!(
        "{ZONE}txt TXT \"a \\\"quoted\\\" \\\\ string\" \"two\"\nraw TYPE65280 \\# 3 010203\n"
    );
    let origin = Name::from_ascii("x.test.").unwrap();
    let zone = load_zone("x.test.zone", &text, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let mut flat = FlatRecords::default();
    flat.update("x.test.", RecordType::A, vec![a("198.51.100.1")], 60);
    let out = zone_text(&zone, &flat, 12);
    let back = load_zone("x.test.zone", &out, &origin, None, &NoIncludes)
        .unwrap_or_else(|e| panic!("{e:?}\n{out}"))
        .zone;
    assert_eq!(back.serial(), 12);
    assert_eq!(back.aliases().count(), 0, "no ALIAS in transfer text");
    let apex = back.node(&Name::from_ascii("x.test.").unwrap()).unwrap();
    assert_eq!(
        apex.rrset(RecordType::A).unwrap().rdatas,
        vec![a("198.51.100.1")]
    );
    for name in ["txt.x.test.", "raw.x.test.", "ns1.x.test."] {
        let n = Name::from_ascii(name).unwrap();
        assert_eq!(
            back.node(&n).unwrap().rrsets,
            zone.node(&n).unwrap().rrsets,
            "{name}\n{out}"
        );
    }
}

#[test]
fn a_steady_set_is_recorded_again_only_when_due_for_confirmation() {
    let mut flat = FlatRecords::default();
    let mut record = |ips: &[&str], ttl, at| {
        let rdatas = ips.iter().map(|ip| a(ip)).collect();
        flat.record("x.test.", RecordType::A, rdatas, ttl, at, 1_000)
    };
    assert_eq!(
        record(&["192.0.2.1", "192.0.2.2"], 60, 10),
        Recorded::Changed
    );
    assert_eq!(
        record(&["192.0.2.2", "192.0.2.1"], 60, 500),
        Recorded::Unchanged,
        "the same addresses in another order, soon after"
    );
    assert_eq!(
        record(&["192.0.2.1", "192.0.2.2"], 30, 600),
        Recorded::Confirmed,
        "a new TTL"
    );
    assert_eq!(
        record(&["192.0.2.1", "192.0.2.2"], 30, 1_600),
        Recorded::Confirmed,
        "due for confirmation"
    );
    assert_eq!(record(&["192.0.2.3"], 30, 1_700), Recorded::Changed);
    assert_eq!(
        flat.get("x.test.", RecordType::A).map(|s| s.fetched_ms),
        Some(1_700)
    );
}
