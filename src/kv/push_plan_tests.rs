use std::str::FromStr;

use hickory_proto::rr::Name;

use super::*;
use crate::kv::{DEFAULT_SHARD_BYTES, parse_index, store_zone};
use crate::zone::{NoIncludes, load_zone};

const MINUTE_MS: u64 = 60_000;
const GRACE_MS: u64 = 10 * MINUTE_MS;

/// plan.test at `serial`, with `www` at `address`.
fn stored(serial: u32, address: &str) -> StoredZone {
    let text = format!(
        "$TTL 300\n@ SOA ns1 host {serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\nwww A {address}\n"
    );
    let origin = Name::from_str("plan.test.").unwrap();
    let zone = load_zone("plan.test.zone", &text, &origin, None, &NoIncludes)
        .unwrap()
        .zone;
    store_zone(&zone, DEFAULT_SHARD_BYTES).unwrap()
}

/// The index after pushing `zone` into an empty one.
fn pushed(zone: &StoredZone) -> Index {
    plan_push(&Index::new(), std::slice::from_ref(zone), 0, GRACE_MS)
        .index
        .unwrap()
}

#[test]
fn a_new_zone_is_written_and_an_unchanged_one_costs_nothing() {
    let v1 = stored(1, "192.0.2.10");
    let first = plan_push(&Index::new(), std::slice::from_ref(&v1), 0, GRACE_MS);
    assert_eq!(first.changes, vec![(v1.zone.clone(), ZoneChange::New)]);
    assert_eq!(first.written(), 1);
    let index = first.index.unwrap();
    assert_eq!(index.zones[&v1.zone].version, v1.entry.version);

    let again = plan_push(&index, std::slice::from_ref(&v1), MINUTE_MS, GRACE_MS);
    assert_eq!(
        again.changes,
        vec![(v1.zone.clone(), ZoneChange::Unchanged)]
    );
    assert_eq!(again.written(), 0);
    assert_eq!(again.index, None, "nothing changed, so no index write");
    assert!(again.delete.is_empty() && again.warnings.is_empty());
}

#[test]
fn a_replaced_version_is_kept_for_the_grace_period_then_deleted() {
    let (v1, v2) = (stored(1, "192.0.2.10"), stored(2, "192.0.2.20"));
    let at = 5 * MINUTE_MS;
    let plan = plan_push(&pushed(&v1), std::slice::from_ref(&v2), at, GRACE_MS);
    assert_eq!(
        plan.changes[0].1,
        ZoneChange::Replaces {
            previous: v1.entry.version.clone()
        }
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let index = plan.index.unwrap();
    assert_eq!(index.zones[&v2.zone].version, v2.entry.version);
    let old = Superseded {
        zone: v1.zone.clone(),
        version: v1.entry.version.clone(),
        shards: 1,
        since_ms: at,
    };
    assert_eq!(index.superseded, vec![old.clone()]);
    assert_eq!(plan.kept, vec![old.clone()]);
    assert!(plan.delete.is_empty());

    // An unchanged push within the grace period writes nothing and deletes nothing.
    let early = plan_push(&index, &[], at + GRACE_MS - 1, GRACE_MS);
    assert_eq!((early.index, early.delete.len()), (None, 0));
    // The first push after it deletes the old shards and drops them from the index.
    let late = plan_push(&index, std::slice::from_ref(&v2), at + GRACE_MS, GRACE_MS);
    assert_eq!(late.changes[0].1, ZoneChange::Unchanged);
    assert_eq!(late.delete, vec![old.clone()]);
    assert!(late.index.unwrap().superseded.is_empty());
    assert_eq!(
        old.keys().collect::<Vec<_>>(),
        vec![format!("flatapex/zone/plan.test./{}/0", v1.entry.version)]
    );
}

#[test]
fn a_version_served_again_is_no_longer_superseded() {
    let (v1, v2) = (stored(1, "192.0.2.10"), stored(2, "192.0.2.20"));
    let index = plan_push(&pushed(&v1), std::slice::from_ref(&v2), 0, GRACE_MS)
        .index
        .unwrap();
    // Rolled back to v1 long after: v1 must not be deleted, v2 becomes superseded.
    let back = plan_push(&index, std::slice::from_ref(&v1), 2 * GRACE_MS, GRACE_MS);
    assert!(back.delete.is_empty(), "{:?}", back.delete);
    let index = back.index.unwrap();
    assert_eq!(index.zones[&v1.zone].version, v1.entry.version);
    let superseded: Vec<&str> = index.superseded.iter().map(|s| &s.version[..]).collect();
    assert_eq!(superseded, vec![v2.entry.version.as_str()]);
}

#[test]
fn same_serial_new_content_and_a_lower_serial_are_warned_about() {
    let v1 = stored(7, "192.0.2.10");
    let same_serial = plan_push(
        &pushed(&v1),
        &[stored(7, "192.0.2.99")],
        MINUTE_MS,
        GRACE_MS,
    );
    assert_eq!(same_serial.written(), 1);
    assert_eq!(
        same_serial.warnings,
        vec![
            "plan.test.: the content changed but the SOA serial is still 7: secondaries and \
             caches that compare serials keep the old data; raise the serial"
                .to_string()
        ]
    );
    let lower = plan_push(&pushed(&v1), &[stored(6, "192.0.2.10")], 0, GRACE_MS);
    assert_eq!(lower.warnings.len(), 1);
    assert!(
        lower.warnings[0].contains("went down from 7 to 6"),
        "{:?}",
        lower.warnings
    );
}

#[test]
fn the_index_json_lists_superseded_versions_only_when_there_are_some() {
    let v1 = stored(1, "192.0.2.10");
    let fresh = pushed(&v1);
    let json = String::from_utf8(fresh.to_json()).unwrap();
    assert!(!json.contains("superseded"), "{json}");
    assert_eq!(parse_index(json.as_bytes()).unwrap(), fresh);
    let replaced = plan_push(&fresh, &[stored(2, "192.0.2.20")], 42, GRACE_MS)
        .index
        .unwrap();
    let json = replaced.to_json();
    let back = parse_index(&json).unwrap();
    assert_eq!(back.superseded[0].since_ms, 42);
    assert_eq!(back, replaced);
}
