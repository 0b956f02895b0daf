//! Warnings about the names records point at inside their own zone (docs/ARCHITECTURE.md,
//! "Zone model"): an NS target needs its own addresses (RFC 2181 §10.3), and a CNAME, ALIAS,
//! MX, SRV or NS target that does not exist in the zone is almost always a name written without
//! its trailing dot, which RFC 1035 §5.1 makes relative to the origin. named-checkzone warns
//! about both; the zone still loads.

use std::collections::HashSet;

use hickory_proto::rr::{Name, RecordType};

use super::model::{label_starts, name_key};
use super::node::target_name;
use super::parse::SourceRecord;
use super::problem::Problem;
use super::validate::{Group, Owners};

/// The types whose in-zone targets must exist.
const POINTING: [RecordType; 5] = [
    RecordType::CNAME,
    RecordType::ANAME,
    RecordType::MX,
    RecordType::SRV,
    RecordType::NS,
];

/// Adds a warning for every in-zone target that does not exist, and for NS targets that
/// exist without addresses or are aliases. `cuts` and `dnames` are the keys (see [`name_key`])
/// of the zone cuts and DNAME owners, below which names live elsewhere.
pub(super) fn check_targets(
    apex: &Name,
    owners: &Owners<'_>,
    cuts: &HashSet<Vec<u8>>,
    dnames: &HashSet<Vec<u8>>,
    problems: &mut Vec<Problem>,
) {
    let zone = ZoneNames {
        apex_key: &name_key(apex),
        owners,
        cuts,
        dnames,
    };
    let mut missing: Vec<(SourceRecord<'_>, Name)> = Vec::new();
    for r in owners.groups().flat_map(Group::records) {
        if !POINTING.contains(&r.rtype) {
            continue;
        }
        let Some(target) = target_name(r.rtype, r.rdata) else {
            continue;
        };
        // "." in MX and SRV says "no service" (RFC 7505, RFC 2782).
        if target.is_root() || !apex.zone_of(&target) {
            continue;
        }
        let key = name_key(&target);
        match owners.group(&key) {
            Some(group) if r.rtype == RecordType::NS => {
                ns_target(&target, Some(group), r, problems)
            }
            Some(_) => {}
            // Glue an in-bailiwick NS needs below a cut (RFC 9471).
            None if r.rtype == RecordType::NS && zone.elsewhere(&key) => {
                ns_target(&target, None, r, problems)
            }
            None if zone.elsewhere(&key) => {}
            None => missing.push((r, target)),
        }
    }
    if missing.is_empty() {
        return;
    }
    // Names with only descendants (empty non-terminals) exist too (RFC 4592 §2.2.2).
    let wanted: HashSet<Vec<u8>> = missing.iter().map(|(_, t)| name_key(t)).collect();
    let mut found: HashSet<Vec<u8>> = HashSet::new();
    let mut key = Vec::with_capacity(255);
    for group in owners.groups() {
        group.key_into(&mut key);
        for start in label_starts(&key).into_iter().skip(1) {
            if wanted.contains(&key[start..]) {
                found.insert(key[start..].to_vec());
            }
        }
    }
    for (r, target) in missing {
        let key = name_key(&target);
        if found.contains(&key) || zone.covered_by_wildcard(&key) {
            continue;
        }
        problems.push(Problem::warning(
            r.file,
            Some(r.line),
            format!(
                "{} target {target} does not exist in the zone; a name without a trailing dot \
                 is relative to the origin {apex} (RFC 1035 §5.1)",
                r.type_text(),
            ),
        ));
    }
}

/// What the target checks know of the zone: its owners, and the zone cuts and DNAME owners.
struct ZoneNames<'a> {
    apex_key: &'a [u8],
    owners: &'a Owners<'a>,
    cuts: &'a HashSet<Vec<u8>>,
    dnames: &'a HashSet<Vec<u8>>,
}

impl ZoneNames<'_> {
    /// Whether `key` is at or below a zone cut or below a DNAME: its data lives elsewhere.
    fn elsewhere(&self, key: &[u8]) -> bool {
        label_starts(key).into_iter().any(|start| {
            let suffix = &key[start..];
            suffix.len() > self.apex_key.len()
                && (self.cuts.contains(suffix) || start > 0 && self.dnames.contains(suffix))
        })
    }

    /// Whether a wildcard at an ancestor of `key` (below or at the apex) answers for it.
    fn covered_by_wildcard(&self, key: &[u8]) -> bool {
        label_starts(key).into_iter().skip(1).any(|start| {
            let encloser = &key[start..];
            if encloser.len() < self.apex_key.len() {
                return false;
            }
            let mut wildcard = vec![1, b'*'];
            wildcard.extend_from_slice(encloser);
            self.owners.group(&wildcard).is_some()
        })
    }
}

/// An NS target in the zone must have its own addresses (RFC 2181 §10.3).
fn ns_target(
    target: &Name,
    group: Option<Group<'_>>,
    r: SourceRecord<'_>,
    problems: &mut Vec<Problem>,
) {
    let has = |rtype| group.is_some_and(|g| g.has(rtype));
    let message = if has(RecordType::CNAME) || has(RecordType::ANAME) {
        format!(
            "NS target {target} is a CNAME or ALIAS; it must have its own addresses (RFC 2181 §10.3)"
        )
    } else if !has(RecordType::A) && !has(RecordType::AAAA) {
        format!("NS target {target} is in the zone but has no A or AAAA record")
    } else {
        return;
    };
    problems.push(Problem::warning(r.file, Some(r.line), message));
}

#[cfg(test)]
mod tests;
