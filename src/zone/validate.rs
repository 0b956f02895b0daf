//! Zone validation: the checks named-checkzone makes, plus ALIAS rules, and the build of the
//! [`Zone`] from records that pass.
//!
//! - one SOA, at the apex; NS at the apex (RFC 1035 §5.2, RFC 1034 §4.2.1);
//! - CNAME with no other data, and only one (RFC 1034 §3.6.2, RFC 2181 §10.1);
//! - at most one ALIAS per name, never beside a CNAME, and never at a delegation;
//! - nothing outside the zone; nothing below a delegation but the glue an NS names
//!   (RFC 1034 §4.2.1); DS only at delegations (RFC 4035 §2.4);
//! - one TTL per RRset (RFC 2181 §5.2), duplicates dropped with a warning.
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

/// The lowercased labels of a wire name without the root label (see
/// [`super::model::name_key`]).
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
    key.ends_with(apex_key)
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
        problems.push(Problem::error(
            extra.file,
            Some(extra.line),
            format!(
                "a second SOA record (the first is on line {})",
                soas[0].line
            ),
        ));
    }
    let apex_key = super::model::name_key(&apex);

    // Every record inside the zone, by owner (file order within an owner).
    let mut order: Vec<u32> = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if at_or_below(&key_of(r.owner), &apex_key) {
            order.push(i as u32);
        } else {
            problems.push(Problem::error(
                r.file,
                Some(r.line),
                format!(
                    "{} is outside the zone {apex} (out-of-zone data)",
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
    let ns_targets: HashSet<Vec<u8>> = records
        .iter()
        .filter(|r| r.rtype == RecordType::NS)
        .filter_map(|r| target_name(RecordType::NS, r.rdata))
        .map(|n| super::model::name_key(&n))
        .collect();

    let context = Context {
        records: &records,
        cuts: &cuts,
        ns_targets: &ns_targets,
        apex_key: &apex_key,
    };
    let mut nodes = Vec::with_capacity(groups.len());
    for group in &groups {
        context.check_owner(group, &mut problems);
        nodes.extend(context.build_node(group, &mut problems));
    }
    check_ns_targets(&apex, &records, &group_of, &mut problems);
    drop(records);

    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    match Zone::from_nodes(apex, nodes) {
        Some(zone) => Ok((zone, problems)),
        None => Err(vec![err(None, "the apex has no usable SOA record".into())]),
    }
}

/// What the per-owner checks need to know about the whole zone.
struct Context<'a> {
    records: &'a SourceRecords,
    cuts: &'a HashSet<Vec<u8>>,
    ns_targets: &'a HashSet<Vec<u8>>,
    apex_key: &'a [u8],
}

impl Context<'_> {
    /// The per-owner rules: CNAME exclusivity, ALIAS rules, delegation and glue rules.
    fn check_owner(&self, group: &[u32], problems: &mut Vec<Problem>) {
        let records: Vec<SourceRecord<'_>> = group
            .iter()
            .map(|&i| self.records.get(i as usize))
            .collect();
        let err =
            |r: &SourceRecord<'_>, message: String| Problem::error(r.file, Some(r.line), message);
        let of_type = |t: RecordType| records.iter().copied().filter(move |r| r.rtype == t);
        let owner = records[0].owner_name();
        let key = key_of(records[0].owner);

        let cnames: Vec<_> = of_type(RecordType::CNAME).collect();
        if let Some(first) = cnames.first() {
            for extra in cnames.iter().skip(1) {
                problems.push(err(
                    extra,
                    format!("{owner} has more than one CNAME (RFC 2181 §10.1)"),
                ));
            }
            for other in records.iter().filter(|r| r.rtype != RecordType::CNAME) {
                let what = if other.is_alias() {
                    "an ALIAS".to_string()
                } else {
                    format!("{} data", other.rtype)
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

        let cut_above = label_starts(&key)
            .into_iter()
            .skip(1)
            .map(|s| &key[s..])
            .take_while(|k| k.len() > self.apex_key.len())
            .find(|k| self.cuts.contains(*k))
            .map(|k| {
                let start = key.len() - k.len();
                wire_name(&records[0].owner[start..])
            });
        let is_cut = self.cuts.contains(&key);
        let is_glue_name = self.ns_targets.contains(&key);
        for r in &records {
            let t = r.rtype;
            let address = matches!(t, RecordType::A | RecordType::AAAA);
            if let Some(cut) = &cut_above {
                if !(address && is_glue_name) {
                    let what = if address {
                        "glue that no NS record names"
                    } else {
                        "data"
                    };
                    problems.push(err(
                        r,
                        format!(
                            "{owner} {} is {what} below the delegation at {cut} (RFC 1034 §4.2.1)",
                            r.type_text()
                        ),
                    ));
                }
            } else if is_cut
                && !matches!(t, RecordType::NS | RecordType::DS)
                && !(address && is_glue_name)
            {
                problems.push(err(
                    r,
                    format!(
                        "{owner} is a delegation (it has NS), so it cannot also have {}",
                        r.type_text()
                    ),
                ));
            }
            if t == RecordType::DS && !is_cut {
                problems.push(err(
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
                    format!("duplicate {} record at {} ignored", r.rtype, r.owner_name())
                }
                Added::TtlLowered { was: set } | Added::TtlIgnored { set } => format!(
                    "TTL {} differs from the other {} records at {} ({set}); the RRset uses the lowest (RFC 2181 §5.2)",
                    r.ttl,
                    r.rtype,
                    r.owner_name()
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

/// NS targets inside the zone must have addresses and must not be aliases (RFC 2181 §10.3).
fn check_ns_targets<'g>(
    apex: &Name,
    records: &SourceRecords,
    group_of: &dyn Fn(&[u8]) -> Option<&'g [u32]>,
    problems: &mut Vec<Problem>,
) {
    for r in records.iter().filter(|r| r.rtype == RecordType::NS) {
        let Some(target) = target_name(RecordType::NS, r.rdata) else {
            continue;
        };
        if !apex.zone_of(&target) {
            continue;
        }
        let types: Vec<RecordType> = group_of(&super::model::name_key(&target))
            .map(|g| g.iter().map(|&i| records.get(i as usize).rtype).collect())
            .unwrap_or_default();
        if types.contains(&RecordType::CNAME) || types.contains(&RecordType::ANAME) {
            problems.push(Problem::error(
                r.file,
                Some(r.line),
                format!("NS target {target} is a CNAME or ALIAS; it must have its own addresses (RFC 2181 §10.3)"),
            ));
        } else if !types.contains(&RecordType::A) && !types.contains(&RecordType::AAAA) {
            problems.push(Problem::error(
                r.file,
                Some(r.line),
                format!("NS target {target} is in the zone but has no A or AAAA record"),
            ));
        }
    }
}
