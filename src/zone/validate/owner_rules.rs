//! The rules checked at each owner name (docs/ARCHITECTURE.md, "Zone model"): CNAME and DNAME
//! exclusivity, the ALIAS rules, and what may sit at or below a delegation or a DNAME.

use std::collections::HashSet;

use hickory_proto::rr::RecordType;

use super::owners::Group;
use crate::zone::model::label_starts;
use crate::zone::parse::{SourceRecord, wire_name};
use crate::zone::problem::Problem;
use crate::zone::rdata::canonical_rdata;

/// What the per-owner checks need to know about the whole zone.
pub(super) struct Context<'a> {
    pub cuts: &'a HashSet<Vec<u8>>,
    pub dnames: &'a HashSet<Vec<u8>>,
    pub ns_targets: &'a HashSet<Vec<u8>>,
    pub apex_key: &'a [u8],
}

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

impl Context<'_> {
    /// The per-owner rules: CNAME and DNAME exclusivity, ALIAS rules, delegation and glue
    /// rules.
    pub(super) fn check_owner(&self, group: Group<'_>, problems: &mut Vec<Problem>) {
        let records: Vec<SourceRecord<'_>> = group.records().collect();
        let err =
            |r: &SourceRecord<'_>, message: String| Problem::error(r.file, Some(r.line), message);
        let warn =
            |r: &SourceRecord<'_>, message: String| Problem::warning(r.file, Some(r.line), message);
        let of_type = |t: RecordType| records.iter().copied().filter(move |r| r.rtype == t);
        let owner = records[0].owner_name();
        let key = group.key();

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
}
