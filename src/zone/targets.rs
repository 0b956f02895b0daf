//! Warnings about the names records point at inside their own zone (docs/ARCHITECTURE.md,
//! "Zone model"): an NS target needs its own addresses (RFC 2181 §10.3), and a CNAME, ALIAS,
//! MX, SRV or NS target that does not exist in the zone is almost always a name written without
//! its trailing dot, which RFC 1035 §5.1 makes relative to the origin. named-checkzone warns
//! about both; the zone still loads.

use std::collections::HashSet;

use hickory_proto::rr::{Name, RecordType};

use super::model::{label_starts, name_key};
use super::node::target_name;
use super::parse::SourceRecords;
use super::problem::Problem;

/// The types whose in-zone targets must exist.
const POINTING: [RecordType; 5] = [
    RecordType::CNAME,
    RecordType::ANAME,
    RecordType::MX,
    RecordType::SRV,
    RecordType::NS,
];

/// What the target checks know of the zone: its owners' keys (see [`name_key`]), the zone
/// cuts and DNAME owners (below which names live elsewhere).
pub(super) struct ZoneNames<'a> {
    pub apex: &'a Name,
    pub apex_key: &'a [u8],
    pub owners: &'a dyn Fn(&[u8]) -> Option<Vec<RecordType>>,
    pub all_keys: &'a dyn Fn() -> Vec<Vec<u8>>,
    pub cuts: &'a HashSet<Vec<u8>>,
    pub dnames: &'a HashSet<Vec<u8>>,
}

/// Adds a warning for every in-zone target that does not exist, and for NS targets that
/// exist without addresses or are aliases.
pub(super) fn check_targets(
    zone: &ZoneNames<'_>,
    records: &SourceRecords,
    problems: &mut Vec<Problem>,
) {
    let mut missing: Vec<(usize, Name)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if !POINTING.contains(&r.rtype) {
            continue;
        }
        let Some(target) = target_name(r.rtype, r.rdata) else {
            continue;
        };
        // "." in MX and SRV says "no service" (RFC 7505, RFC 2782).
        if target.is_root() || !zone.apex.zone_of(&target) {
            continue;
        }
        let key = name_key(&target);
        match (zone.owners)(&key) {
            Some(types) if r.rtype == RecordType::NS => ns_target(&target, &types, r, problems),
            Some(_) => {}
            // Glue an in-bailiwick NS needs below a cut (RFC 9471).
            None if r.rtype == RecordType::NS && elsewhere(zone, &key) => {
                ns_target(&target, &[], r, problems)
            }
            None if elsewhere(zone, &key) => {}
            None => missing.push((i, target)),
        }
    }
    if missing.is_empty() {
        return;
    }
    // Names with only descendants (empty non-terminals) exist too (RFC 4592 §2.2.2).
    let wanted: HashSet<Vec<u8>> = missing.iter().map(|(_, t)| name_key(t)).collect();
    let mut found: HashSet<Vec<u8>> = HashSet::new();
    for key in (zone.all_keys)() {
        for start in label_starts(&key).into_iter().skip(1) {
            if wanted.contains(&key[start..]) {
                found.insert(key[start..].to_vec());
            }
        }
    }
    for (i, target) in missing {
        let key = name_key(&target);
        if found.contains(&key) || covered_by_wildcard(zone, &key) {
            continue;
        }
        let r = records.get(i);
        problems.push(Problem::warning(
            r.file,
            Some(r.line),
            format!(
                "{} target {target} does not exist in the zone; a name without a trailing dot \
                 is relative to the origin {} (RFC 1035 §5.1)",
                type_name(r.rtype),
                zone.apex
            ),
        ));
    }
}

fn type_name(rtype: RecordType) -> String {
    match rtype {
        RecordType::ANAME => "ALIAS".into(),
        other => other.to_string(),
    }
}

/// Whether `key` is at or below a zone cut or below a DNAME: its data lives elsewhere.
fn elsewhere(zone: &ZoneNames<'_>, key: &[u8]) -> bool {
    label_starts(key).into_iter().any(|start| {
        let suffix = &key[start..];
        suffix.len() > zone.apex_key.len()
            && (zone.cuts.contains(suffix) || start > 0 && zone.dnames.contains(suffix))
    })
}

/// Whether a wildcard at an ancestor of `key` (below or at the apex) answers for it.
fn covered_by_wildcard(zone: &ZoneNames<'_>, key: &[u8]) -> bool {
    label_starts(key).into_iter().skip(1).any(|start| {
        let encloser = &key[start..];
        if encloser.len() < zone.apex_key.len() {
            return false;
        }
        let mut wildcard = vec![1, b'*'];
        wildcard.extend_from_slice(encloser);
        (zone.owners)(&wildcard).is_some()
    })
}

/// An NS target in the zone must have its own addresses (RFC 2181 §10.3).
fn ns_target(
    target: &Name,
    types: &[RecordType],
    r: super::parse::SourceRecord<'_>,
    problems: &mut Vec<Problem>,
) {
    let message = if types.contains(&RecordType::CNAME) || types.contains(&RecordType::ANAME) {
        format!(
            "NS target {target} is a CNAME or ALIAS; it must have its own addresses (RFC 2181 §10.3)"
        )
    } else if !types.contains(&RecordType::A) && !types.contains(&RecordType::AAAA) {
        format!("NS target {target} is in the zone but has no A or AAAA record")
    } else {
        return;
    };
    problems.push(Problem::warning(r.file, Some(r.line), message));
}

#[cfg(test)]
mod tests;
