//! Zones: RFC 1035 master files (with ALIAS) read into wire form, validated, and held as a
//! [`Zone`] that [`Zone::lookup`](crate::zone::Zone::lookup) answers from.

pub mod entries;
pub mod generate;
pub mod id;
pub mod model;
pub mod names;
pub mod node;
pub mod parse;
pub mod problem;
pub mod rdata;
pub mod rrtype;
pub mod source;
mod targets;
pub mod text;
pub mod validate;
pub mod wire;

#[cfg(test)]
mod tests;

use hickory_proto::rr::Name;

pub use id::ZoneId;
pub use model::{Shard, Zone};
pub use node::{Alias, Node, NodeBuilder, RrSetRef};
pub use parse::{Includes, NoIncludes};
pub use problem::{Problem, Severity, ZoneErrors};

/// A zone that loaded, with the warnings found on the way.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The zone.
    pub zone: Zone,
    /// Warnings (nothing here stopped the zone from loading).
    pub warnings: Vec<Problem>,
}

/// Reads, validates and builds a zone from master-file text.
///
/// `file` names the source in problems. Relative names before any `$ORIGIN` are relative to
/// `origin`. The apex is the SOA owner; if `expected_apex` is given the SOA must be there.
pub fn load_zone(
    file: &str,
    text: &str,
    origin: &Name,
    expected_apex: Option<&Name>,
    includes: &dyn Includes,
) -> Result<Loaded, ZoneErrors> {
    let (records, problems) = parse::parse_master_file(file, text, origin, includes);
    // Report in file order, as named-checkzone does: the zone file first, then its includes.
    let in_order = |mut problems: Vec<Problem>| {
        problems.sort_by(|a, b| {
            (a.file != file, &a.file, a.line).cmp(&(b.file != file, &b.file, b.line))
        });
        problems
    };
    match validate::build_zone(file, records, expected_apex, problems) {
        Ok((zone, warnings)) => Ok(Loaded {
            zone,
            warnings: in_order(warnings),
        }),
        Err(problems) => Err(ZoneErrors(in_order(problems))),
    }
}

/// The origin a zone file's name suggests: `example.com.zone` → `example.com.`.
///
/// Returns `None` when the file name (without `.zone`) is not a domain name.
pub fn origin_from_file_name(file_name: &str) -> Option<Name> {
    let stem = file_name.strip_suffix(".zone").unwrap_or(file_name);
    let stem = stem.trim_end_matches('.');
    if stem.is_empty() {
        return None;
    }
    names::text_to_name(stem).ok()
}
