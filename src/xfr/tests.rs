use hickory_proto::op::{Message, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, RecordType};

use super::*;
use crate::alias::{AddressType, FlatSet};
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

fn set(ips: &[&str], ttl: u32) -> FlatSet {
    FlatSet::new(
        ips.iter().map(|ip| ip.parse().unwrap()).collect(),
        ttl,
        0,
        None,
    )
}

#[test]
fn transfers_replace_alias_with_flattened_records_between_two_soas() {
    let origin = Name::from_ascii("x.test.").unwrap();
    let zone = load_zone("x.test.zone", ZONE, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    let mut state = ZoneState::new(7);
    state.record(
        "x.test.",
        AddressType::A,
        set(&["198.51.100.2", "198.51.100.1"], 30),
        0,
    );
    state.record(
        "both.x.test.",
        AddressType::A,
        set(&["198.51.100.3"], 60),
        0,
    );
    let records: Vec<_> = zone_records(&zone, &state, 9).collect();
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
    let state = ZoneState::new(7);
    let total = zone_records(&zone, &state, 7).count();
    let question = Query::query(origin, RecordType::AXFR);
    let messages: Vec<_> =
        transfer_messages(42, question, zone_records(&zone, &state, 7)).collect();
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
    let mut state = ZoneState::new(7);
    state.record("x.test.", AddressType::A, set(&["198.51.100.1"], 60), 0);
    let out = zone_text(&zone, &state, 12);
    let back = load_zone("x.test.zone", &out, &origin, None, &NoIncludes)
        .unwrap_or_else(|e| panic!("{e:?}\n{out}"))
        .zone;
    assert_eq!(back.serial(), 12);
    assert_eq!(back.aliases().count(), 0, "no ALIAS in transfer text");
    let apex = back.node(&Name::from_ascii("x.test.").unwrap()).unwrap();
    assert_eq!(
        apex.rrset(RecordType::A)
            .unwrap()
            .values()
            .collect::<Vec<_>>(),
        vec![a("198.51.100.1")]
    );
    for name in ["txt.x.test.", "raw.x.test.", "ns1.x.test."] {
        let n = Name::from_ascii(name).unwrap();
        assert_eq!(
            back.node(&n).unwrap().rrsets().collect::<Vec<_>>(),
            zone.node(&n).unwrap().rrsets().collect::<Vec<_>>(),
            "{name}\n{out}"
        );
    }
}

#[test]
fn a_steady_set_is_recorded_again_only_when_due_for_confirmation() {
    let mut state = ZoneState::new(1);
    let mut record = |ips: &[&str], ttl, at| {
        let addresses = ips.iter().map(|ip| ip.parse().unwrap()).collect();
        let set = FlatSet::new(addresses, ttl, at, None);
        state.record("x.test.", AddressType::A, set, 1_000)
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
        state.set("x.test.", AddressType::A).map(|s| s.fetched_ms),
        Some(1_700)
    );
}
