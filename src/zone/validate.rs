//! Zone validation: the checks named-checkzone makes, plus ALIAS rules, and the build of the
//! [`Zone`] from records that pass.
//!
//! - one SOA, at the apex; NS at the apex (RFC 1035 §5.2, RFC 1034 §4.2.1);
//! - CNAME with no other data, and only one (RFC 1034 §3.6.2, RFC 2181 §10.1);
//! - at most one ALIAS per name, never beside a CNAME, and never at a delegation;
//! - nothing outside the zone; nothing below a delegation but the glue an NS names
//!   (RFC 1034 §4.2.1); DS only at delegations (RFC 4035 §2.4);
//! - one TTL per RRset (RFC 2181 §5.2), duplicates dropped with a warning.

use std::collections::{BTreeMap, HashMap, HashSet};

use hickory_proto::rr::{Name, RData, RecordType};

use super::model::{Zone, label_starts, name_key};
use super::node::{Added, Alias, Node, NodeBuilder, encode_rdata};
use super::parse::{Data, SourceRecord};
use super::problem::Problem;

/// Checks `records` and builds the zone; on any error returns every problem found.
///
/// `expected_apex`, when given, is the zone the records must be for; otherwise the apex is the
/// owner of the SOA record.
pub fn build_zone(
    file: &str,
    records: Vec<SourceRecord>,
    expected_apex: Option<&Name>,
    mut problems: Vec<Problem>,
) -> Result<(Zone, Vec<Problem>), Vec<Problem>> {
    let err = |line: Option<usize>, message: String| Problem::error(file, line, message);
    let soas: Vec<&SourceRecord> = records
        .iter()
        .filter(|r| r.data.record_type() == RecordType::SOA)
        .collect();
    let apex = match (soas.first(), expected_apex) {
        (None, _) => {
            problems.push(err(
                None,
                "no SOA record: a zone needs exactly one, at its apex".into(),
            ));
            return Err(problems);
        }
        (Some(soa), Some(apex)) if !soa.owner.eq_ignore_root(apex) => {
            problems.push(err(
                Some(soa.line),
                format!("the SOA is at {}, not at the zone apex {apex}", soa.owner),
            ));
            return Err(problems);
        }
        (Some(soa), _) => soa.owner.clone(),
    };
    for extra in soas.iter().skip(1) {
        problems.push(err(
            Some(extra.line),
            format!(
                "a second SOA record (the first is on line {})",
                soas[0].line
            ),
        ));
    }
    let apex_key = name_key(&apex);

    // Group by owner, in file order, dropping what lies outside the zone.
    let mut owners: BTreeMap<Vec<u8>, Vec<&SourceRecord>> = BTreeMap::new();
    for r in &records {
        if !apex.zone_of(&r.owner) {
            problems.push(err(
                Some(r.line),
                format!("{} is outside the zone {apex} (out-of-zone data)", r.owner),
            ));
            continue;
        }
        owners.entry(name_key(&r.owner)).or_default().push(r);
    }
    let has =
        |group: &[&SourceRecord], t: RecordType| group.iter().any(|r| r.data.record_type() == t);
    let apex_group = owners.get(&apex_key).map(Vec::as_slice).unwrap_or_default();
    if !has(apex_group, RecordType::NS) {
        problems.push(err(None, format!("no NS records at the apex {apex}")));
    }

    // Zone cuts: every NS below the apex. Names an NS points at may hold glue.
    let cuts: HashMap<&[u8], &Name> = owners
        .iter()
        .filter(|(k, g)| k.len() > apex_key.len() && has(g, RecordType::NS))
        .map(|(k, g)| (k.as_slice(), &g[0].owner))
        .collect();
    let ns_targets: HashSet<Vec<u8>> = records
        .iter()
        .filter_map(|r| match &r.data {
            Data::Rr(RData::NS(ns)) => Some(name_key(&ns.0)),
            _ => None,
        })
        .collect();

    let mut nodes = Vec::with_capacity(owners.len());
    for (key, group) in &owners {
        let cut_above = label_starts(key)
            .into_iter()
            .skip(1)
            .map(|s| &key[s..])
            .take_while(|k| k.len() > apex_key.len())
            .find_map(|k| cuts.get(k).copied());
        check_owner(
            file,
            group,
            &cuts,
            cut_above,
            &ns_targets,
            key,
            &mut problems,
        );
        nodes.extend(build_node(file, group, &mut problems));
    }
    check_ns_targets(file, &apex, &records, &owners, &mut problems);

    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    match Zone::from_nodes(apex, nodes) {
        Some(zone) => Ok((zone, problems)),
        None => Err(vec![err(None, "the apex has no usable SOA record".into())]),
    }
}

/// The per-owner rules: CNAME exclusivity, ALIAS rules, delegation and glue rules.
fn check_owner(
    file: &str,
    group: &[&SourceRecord],
    cuts: &HashMap<&[u8], &Name>,
    cut_above: Option<&Name>,
    ns_targets: &HashSet<Vec<u8>>,
    key: &[u8],
    problems: &mut Vec<Problem>,
) {
    let err = |r: &SourceRecord, message: String| Problem::error(file, Some(r.line), message);
    let of_type = |t: RecordType| group.iter().filter(move |r| r.data.record_type() == t);
    let owner = &group[0].owner;

    let cnames: Vec<_> = of_type(RecordType::CNAME).collect();
    if let Some(first) = cnames.first() {
        for extra in cnames.iter().skip(1) {
            problems.push(err(
                extra,
                format!("{owner} has more than one CNAME (RFC 2181 §10.1)"),
            ));
        }
        for other in group
            .iter()
            .filter(|r| r.data.record_type() != RecordType::CNAME)
        {
            let what = match other.data {
                Data::Alias(_) => "an ALIAS".to_string(),
                _ => format!("{} data", other.data.record_type()),
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
        if let Data::Alias(target) = &alias.data
            && target.eq_ignore_root(owner)
        {
            problems.push(err(alias, format!("the ALIAS at {owner} points at itself")));
        }
    }

    let is_cut = cuts.contains_key(key);
    let is_glue_name = ns_targets.contains(key);
    for r in group {
        let t = r.data.record_type();
        let address = matches!(t, RecordType::A | RecordType::AAAA);
        if let Some(cut) = cut_above {
            if !(address && is_glue_name) {
                let what = if address {
                    "glue that no NS record names"
                } else {
                    "data"
                };
                problems.push(err(
                    r,
                    format!(
                        "{owner} {t} is {what} below the delegation at {cut} (RFC 1034 §4.2.1)"
                    ),
                ));
            }
        } else if is_cut
            && !matches!(t, RecordType::NS | RecordType::DS)
            && !(address && is_glue_name)
        {
            let what = if t == RecordType::ANAME {
                "ALIAS".to_string()
            } else {
                t.to_string()
            };
            problems.push(err(
                r,
                format!("{owner} is a delegation (it has NS), so it cannot also have {what}"),
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

/// NS targets inside the zone must have addresses and must not be aliases (RFC 2181 §10.3).
fn check_ns_targets(
    file: &str,
    apex: &Name,
    records: &[SourceRecord],
    owners: &BTreeMap<Vec<u8>, Vec<&SourceRecord>>,
    problems: &mut Vec<Problem>,
) {
    for r in records {
        let Data::Rr(RData::NS(ns)) = &r.data else {
            continue;
        };
        if !apex.zone_of(&ns.0) {
            continue;
        }
        let types: Vec<RecordType> = owners
            .get(&name_key(&ns.0))
            .map(|g| g.iter().map(|t| t.data.record_type()).collect())
            .unwrap_or_default();
        if types.contains(&RecordType::CNAME) || types.contains(&RecordType::ANAME) {
            problems.push(Problem::error(
                file,
                Some(r.line),
                format!("NS target {} is a CNAME or ALIAS; it must have its own addresses (RFC 2181 §10.3)", ns.0),
            ));
        } else if !types.contains(&RecordType::A) && !types.contains(&RecordType::AAAA) {
            problems.push(Problem::error(
                file,
                Some(r.line),
                format!(
                    "NS target {} is in the zone but has no A or AAAA record",
                    ns.0
                ),
            ));
        }
    }
}

/// Merges one owner's records into a packed node: RRsets with one TTL, duplicates dropped.
fn build_node(file: &str, group: &[&SourceRecord], problems: &mut Vec<Problem>) -> Option<Node> {
    let owner = &group[0].owner;
    let mut node = NodeBuilder::new(owner);
    let mut has_alias = false;
    for r in group {
        let rdata = match &r.data {
            Data::Alias(target) => {
                if !has_alias {
                    has_alias = true;
                    node.alias(&Alias {
                        target: target.clone(),
                        ttl: r.ttl,
                    });
                }
                continue;
            }
            Data::Rr(rdata) => rdata,
        };
        let rtype = rdata.record_type();
        let wire = match encode_rdata(rdata) {
            Ok(wire) => wire,
            Err(e) => {
                problems.push(Problem::error(file, Some(r.line), e));
                continue;
            }
        };
        let warning = match node.add(u16::from(rtype), r.ttl, wire) {
            Added::New => continue,
            Added::Duplicate => format!("duplicate {rtype} record at {owner} ignored"),
            Added::TtlLowered { was: set } | Added::TtlIgnored { set } => format!(
                "TTL {} differs from the other {rtype} records at {owner} ({set}); the RRset uses the lowest (RFC 2181 §5.2)",
                r.ttl
            ),
        };
        problems.push(Problem::warning(file, Some(r.line), warning));
    }
    match node.finish() {
        Ok(node) => Some(node),
        Err(e) => {
            problems.push(Problem::error(
                file,
                Some(group[0].line),
                format!("{owner}: {e}"),
            ));
            None
        }
    }
}
