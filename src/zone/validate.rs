//! Zone validation: the checks named-checkzone and Knot make, plus ALIAS rules, and the build
//! of the [`Zone`] from records that pass. What stops a zone from loading follows Knot's
//! mandatory checks; the semantic oddities Knot loads anyway are warnings, and the data stays
//! (occluded data is still transferred, and answered with the referral or DNAME above it).
//!
//! Errors:
//! - no SOA, or an SOA not at the expected apex; no NS at the apex (RFC 1035 §5.2);
//! - a CNAME beside other data but its DNSSEC records, or two CNAMEs (RFC 1034 §3.6.2,
//!   RFC 2181 §10.1, RFC 4035 §2.5), two DNAMEs at one name (RFC 6672 §2.4);
//! - two ALIAS at one name, an ALIAS beside a CNAME, at a delegation, or pointing at itself.
//!
//! Warnings:
//! - a second SOA (as in a saved AXFR): ignored, the first is served;
//! - records outside the zone: dropped (Knot's "out-of-zone data");
//! - data at or below a delegation but NS, DS, NSEC, RRSIG and the glue an NS names
//!   (RFC 1034 §4.2.1); data below a DNAME (RFC 6672 §2.4); DS not at a delegation
//!   (RFC 4035 §2.4); NS targets in the zone with no address, or that are aliases
//!   (RFC 2181 §10.3), and in-zone targets that do not exist (`super::targets`);
//! - TTLs that differ within an RRset (the last read is kept, as Knot keeps it; RFC 2181
//!   §5.2) and duplicate records, dropped.
//!
//! Records are grouped by owner through a sorted list of indices ([`owners`]), so a large zone
//! is checked and built without a second copy of its records; the rules at each owner are in
//! [`owner_rules`].

mod owner_rules;
mod owners;

use std::collections::HashSet;

use hickory_proto::rr::{Name, RecordType};

use super::model::{Zone, label_starts};
use super::node::{ALIAS_CODE, Added, Node, NodeBuilder, target_name};
use super::parse::{SourceRecord, SourceRecords};
use super::problem::Problem;
use super::targets::check_targets;
use owner_rules::Context;
use owners::key_of;
pub(crate) use owners::{Group, Owners};

/// Whether `key` is `apex_key` or below it (on a label boundary).
fn at_or_below(key: &[u8], apex_key: &[u8]) -> bool {
    apex_key.is_empty()
        || key.ends_with(apex_key)
            && (key.len() == apex_key.len()
                || label_starts(key).contains(&(key.len() - apex_key.len())))
}

/// Checks `records` and builds the zone; on any error returns every problem found.
///
/// `expected_apex`, when given, is the zone the records must be for; otherwise the apex is the
/// owner of the SOA record.
pub fn build_zone(
    file: &str,
    records: SourceRecords,
    expected_apex: Option<&Name>,
    mut problems: Vec<Problem>,
) -> Result<(Zone, Vec<Problem>), Vec<Problem>> {
    let err = |line: Option<usize>, message: String| Problem::error(file, line, message);
    let soas: Vec<SourceRecord<'_>> = records
        .iter()
        .filter(|r| r.rtype == RecordType::SOA)
        .collect();
    let apex = match (soas.first(), expected_apex) {
        (None, _) => {
            problems.push(err(
                None,
                "no SOA record: a zone needs exactly one, at its apex".into(),
            ));
            return Err(problems);
        }
        (Some(soa), Some(apex)) if !soa.owner_name().eq_ignore_root(apex) => {
            problems.push(err(
                Some(soa.line),
                format!(
                    "the SOA is at {}, not at the zone apex {apex}",
                    soa.owner_name()
                ),
            ));
            return Err(problems);
        }
        (Some(soa), _) => soa.owner_name(),
    };
    for extra in soas.iter().skip(1) {
        problems.push(Problem::warning(
            extra.file,
            Some(extra.line),
            format!(
                "a second SOA record is ignored; the first (line {}) is served",
                soas[0].line
            ),
        ));
    }
    let first_soa = records.iter().position(|r| r.rtype == RecordType::SOA);
    let apex_key = super::model::name_key(&apex);

    // Every record inside the zone, by owner (file order within an owner).
    let mut inside: Vec<u32> = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if r.rtype == RecordType::SOA && Some(i) != first_soa {
            continue;
        }
        if at_or_below(&key_of(r.owner), &apex_key) {
            inside.push(i as u32);
        } else {
            problems.push(Problem::warning(
                r.file,
                Some(r.line),
                format!(
                    "{} is outside the zone {apex}; out-of-zone data is ignored",
                    r.owner_name()
                ),
            ));
        }
    }
    let owners = Owners::new(&records, inside);
    if !owners
        .group(&apex_key)
        .is_some_and(|g| g.has(RecordType::NS))
    {
        problems.push(err(None, format!("no NS records at the apex {apex}")));
    }

    // Zone cuts: every NS below the apex. Names an NS points at may hold glue.
    let cuts: HashSet<Vec<u8>> = owners
        .groups()
        .filter(|g| g.has(RecordType::NS))
        .map(Group::key)
        .filter(|k| k.len() > apex_key.len())
        .collect();
    // DNAME owners occlude every name below them (RFC 6672 §2.4).
    let dnames: HashSet<Vec<u8>> = owners
        .groups()
        .filter(|g| g.has(RecordType::DNAME))
        .map(Group::key)
        .collect();
    let ns_targets: HashSet<Vec<u8>> = records
        .iter()
        .filter(|r| r.rtype == RecordType::NS)
        .filter_map(|r| target_name(RecordType::NS, r.rdata))
        .map(|n| super::model::name_key(&n))
        .collect();

    let context = Context {
        cuts: &cuts,
        dnames: &dnames,
        ns_targets: &ns_targets,
        apex_key: &apex_key,
    };
    let mut nodes = Vec::with_capacity(owners.len());
    for group in owners.groups() {
        context.check_owner(group, &mut problems);
        nodes.extend(build_node(group, &mut problems));
    }
    check_targets(&apex, &owners, &cuts, &dnames, &mut problems);
    drop(owners);
    drop(records);

    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    match Zone::from_nodes(apex, nodes) {
        Ok(zone) => Ok((zone, problems)),
        Err(e) => Err(vec![err(None, e)]),
    }
}

/// Merges one owner's records into a packed node: RRsets with one TTL, duplicates dropped.
fn build_node(group: Group<'_>, problems: &mut Vec<Problem>) -> Option<Node> {
    let first = group.first();
    let mut node = NodeBuilder::from_owner_wire(first.owner);
    let mut has_alias = false;
    for r in group.records() {
        if r.is_alias() {
            if !has_alias {
                has_alias = true;
                node.add(ALIAS_CODE, r.ttl, r.rdata.to_vec());
            }
            continue;
        }
        let warning = match node.add(u16::from(r.rtype), r.ttl, r.rdata.to_vec()) {
            Added::New => continue,
            Added::Duplicate => {
                format!(
                    "duplicate {} record at {} ignored",
                    r.type_text(),
                    r.owner_name()
                )
            }
            Added::TtlChanged { was } => format!(
                "TTL {} differs from the other {} records at {} ({was}); the RRset takes the last, {}, as Knot does (RFC 2181 §5.2)",
                r.ttl,
                r.type_text(),
                r.owner_name(),
                r.ttl
            ),
        };
        problems.push(Problem::warning(r.file, Some(r.line), warning));
    }
    match node.finish() {
        Ok(node) => Some(node),
        Err(e) => {
            problems.push(Problem::error(
                first.file,
                Some(first.line),
                format!("{}: {e}", first.owner_name()),
            ));
            None
        }
    }
}
