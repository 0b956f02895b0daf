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
//! Records are grouped by owner through a sorted list of indices, so a large zone is checked
//! and built without a second copy of its records.

use std::cmp::Ordering;
use std::collections::HashSet;

use hickory_proto::rr::{Name, RecordType};

use super::model::{Zone, label_starts};
use super::node::{ALIAS_CODE, Added, Node, NodeBuilder, target_name};
use super::parse::{SourceRecord, SourceRecords, wire_name};
use super::problem::Problem;
use super::rdata::canonical_rdata;
use super::targets::{ZoneNames, check_targets};

/// The lowercased labels of a wire name without the root label (see
/// [`super::model::name_key`]).
/// The records of one type at an owner with duplicates (compared as RFC 4034 §6.2 says) left
/// out.
fn distinct<'a>(records: impl Iterator<Item = SourceRecord<'a>>) -> Vec<SourceRecord<'a>> {
    let mut out: Vec<SourceRecord<'a>> = Vec::new();
    for r in records {
        let code = u16::from(r.rtype);
        let canonical = canonical_rdata(code, r.rdata);
        if !out
            .iter()
            .any(|o| canonical_rdata(code, o.rdata) == canonical)
        {
            out.push(r);
        }
    }
    out
}

fn key_of(wire: &[u8]) -> Vec<u8> {
    wire[..wire.len().saturating_sub(1)].to_ascii_lowercase()
}

/// Compares two wire owners as their keys would compare.
fn cmp_owner(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (
        &a[..a.len().saturating_sub(1)],
        &b[..b.len().saturating_sub(1)],
    );
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

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
    let mut order: Vec<u32> = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if r.rtype == RecordType::SOA && Some(i) != first_soa {
            continue;
        }
        if at_or_below(&key_of(r.owner), &apex_key) {
            order.push(i as u32);
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
    let owner = |i: u32| records.get(i as usize).owner;
    order.sort_by(|&a, &b| cmp_owner(owner(a), owner(b)));
    let groups: Vec<&[u32]> = order
        .chunk_by(|&a, &b| cmp_owner(owner(a), owner(b)) == Ordering::Equal)
        .collect();
    let group_of = |key: &[u8]| -> Option<&[u32]> {
        let at = groups
            .binary_search_by(|g| key_of(owner(g[0])).as_slice().cmp(key))
            .ok()?;
        Some(groups[at])
    };
    let has =
        |group: &[u32], t: RecordType| group.iter().any(|&i| records.get(i as usize).rtype == t);
    if !group_of(&apex_key).is_some_and(|g| has(g, RecordType::NS)) {
        problems.push(err(None, format!("no NS records at the apex {apex}")));
    }

    // Zone cuts: every NS below the apex. Names an NS points at may hold glue.
    let cuts: HashSet<Vec<u8>> = groups
        .iter()
        .map(|g| key_of(owner(g[0])))
        .filter(|k| k.len() > apex_key.len())
        .filter(|k| group_of(k).is_some_and(|g| has(g, RecordType::NS)))
        .collect();
    // DNAME owners occlude every name below them (RFC 6672 §2.4).
    let dnames: HashSet<Vec<u8>> = groups
        .iter()
        .filter(|g| has(g, RecordType::DNAME))
        .map(|g| key_of(owner(g[0])))
        .collect();
    let ns_targets: HashSet<Vec<u8>> = records
        .iter()
        .filter(|r| r.rtype == RecordType::NS)
        .filter_map(|r| target_name(RecordType::NS, r.rdata))
        .map(|n| super::model::name_key(&n))
        .collect();

    let context = Context {
        records: &records,
        cuts: &cuts,
        dnames: &dnames,
        ns_targets: &ns_targets,
        apex_key: &apex_key,
    };
    let mut nodes = Vec::with_capacity(groups.len());
    for group in &groups {
        context.check_owner(group, &mut problems);
        nodes.extend(context.build_node(group, &mut problems));
    }
    let types_at = |key: &[u8]| {
        group_of(key).map(|g| {
            g.iter()
                .map(|&i| records.get(i as usize).rtype)
                .collect::<Vec<_>>()
        })
    };
    let all_keys = || groups.iter().map(|g| key_of(owner(g[0]))).collect();
    let names = ZoneNames {
        apex: &apex,
        apex_key: &apex_key,
        owners: &types_at,
        all_keys: &all_keys,
        cuts: &cuts,
        dnames: &dnames,
    };
    check_targets(&names, &records, &mut problems);
    drop(records);

    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    match Zone::from_nodes(apex, nodes) {
        Ok(zone) => Ok((zone, problems)),
        Err(e) => Err(vec![err(None, e)]),
    }
}

/// What the per-owner checks need to know about the whole zone.
struct Context<'a> {
    records: &'a SourceRecords,
    cuts: &'a HashSet<Vec<u8>>,
    dnames: &'a HashSet<Vec<u8>>,
    ns_targets: &'a HashSet<Vec<u8>>,
    apex_key: &'a [u8],
}

impl Context<'_> {
    /// The per-owner rules: CNAME and DNAME exclusivity, ALIAS rules, delegation and glue
    /// rules.
    fn check_owner(&self, group: &[u32], problems: &mut Vec<Problem>) {
        let records: Vec<SourceRecord<'_>> = group
            .iter()
            .map(|&i| self.records.get(i as usize))
            .collect();
        let err =
            |r: &SourceRecord<'_>, message: String| Problem::error(r.file, Some(r.line), message);
        let warn =
            |r: &SourceRecord<'_>, message: String| Problem::warning(r.file, Some(r.line), message);
        let of_type = |t: RecordType| records.iter().copied().filter(move |r| r.rtype == t);
        let owner = records[0].owner_name();
        let key = key_of(records[0].owner);

        for (rtype, rfc) in [
            (RecordType::CNAME, "RFC 2181 §10.1"),
            (RecordType::DNAME, "RFC 6672 §2.4"),
        ] {
            let distinct = distinct(of_type(rtype));
            for extra in distinct.iter().skip(1) {
                problems.push(err(
                    extra,
                    format!("{owner} has more than one {} ({rfc})", extra.type_text()),
                ));
            }
        }
        if let Some(first) = of_type(RecordType::CNAME).next() {
            // RFC 4035 §2.5: a CNAME's own signature and NSEC may sit beside it.
            for other in records
                .iter()
                .filter(|r| !matches!(u16::from(r.rtype), 5 | 46 | 47))
            {
                let what = if other.is_alias() {
                    "an ALIAS".to_string()
                } else {
                    format!("{} data", other.type_text())
                };
                problems.push(err(
                    other,
                    format!(
                        "{owner} has a CNAME (line {}), so it cannot also have {what} (RFC 1034 §3.6.2)",
                        first.line
                    ),
                ));
            }
        }
        let aliases: Vec<_> = of_type(RecordType::ANAME).collect();
        for extra in aliases.iter().skip(1) {
            problems.push(err(
                extra,
                format!(
                    "{owner} has more than one ALIAS (the first is on line {})",
                    aliases[0].line
                ),
            ));
        }
        for alias in &aliases {
            if wire_name(alias.rdata).eq_ignore_root(&owner) {
                problems.push(err(alias, format!("the ALIAS at {owner} points at itself")));
            }
        }

        let above = |set: &HashSet<Vec<u8>>| {
            label_starts(&key)
                .into_iter()
                .skip(1)
                .map(|s| &key[s..])
                .take_while(|k| k.len() >= self.apex_key.len())
                .find(|k| set.contains(*k))
                .map(|k| wire_name(&records[0].owner[key.len() - k.len()..]))
        };
        let cut_above = above(self.cuts);
        let dname_above = above(self.dnames);
        let is_cut = self.cuts.contains(&key);
        let is_glue_name = self.ns_targets.contains(&key);
        for r in &records {
            let t = r.rtype;
            let address = matches!(t, RecordType::A | RecordType::AAAA);
            if let Some(dname) = &dname_above {
                problems.push(warn(
                    r,
                    format!(
                        "{owner} {} is below the DNAME at {dname}, which answers for every name under it (RFC 6672 §2.4)",
                        r.type_text()
                    ),
                ));
            } else if let Some(cut) = &cut_above {
                if !(address && is_glue_name) {
                    let what = if address {
                        "glue that no NS record names"
                    } else {
                        "data"
                    };
                    problems.push(warn(
                        r,
                        format!(
                            "{owner} {} is {what} below the delegation at {cut}; it is occluded: queries get the referral (RFC 1034 §4.2.1)",
                            r.type_text()
                        ),
                    ));
                }
            } else if is_cut && r.is_alias() {
                problems.push(err(
                    r,
                    format!("{owner} is a delegation (it has NS), so it cannot have an ALIAS"),
                ));
            } else if is_cut
                // RFC 4035 §2.4, §3.1.4.1: the parent side of a cut holds NS, DS, NSEC, RRSIG.
                && !matches!(u16::from(t), 2 | 43 | 46 | 47)
                && !(address && is_glue_name)
            {
                problems.push(warn(
                    r,
                    format!(
                        "{owner} is a delegation (it has NS), so its {} is occluded: queries get the referral (RFC 1034 §4.2.1)",
                        r.type_text()
                    ),
                ));
            }
            if t == RecordType::DS && !is_cut {
                problems.push(warn(
                    r,
                    format!("DS at {owner}, which is not a delegation; DS belongs at a zone cut (RFC 4035 §2.4)"),
                ));
            }
        }
    }

    /// Merges one owner's records into a packed node: RRsets with one TTL, duplicates dropped.
    fn build_node(&self, group: &[u32], problems: &mut Vec<Problem>) -> Option<Node> {
        let first = self.records.get(group[0] as usize);
        let mut node = NodeBuilder::from_owner_wire(first.owner);
        let mut has_alias = false;
        for &i in group {
            let r = self.records.get(i as usize);
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
}
