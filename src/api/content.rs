//! A zone as the APIs edit it: RRsets of presentation-form records, read from a [`Zone`] and
//! written back as master-file text, so that every change is checked by the same reader and
//! the same rules as `flatapex check` (docs/ARCHITECTURE.md, "The record API").

use std::collections::BTreeMap;
use std::fmt::Write;

use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData};

use crate::zone::names::print_name;
use crate::zone::node::ALIAS_CODE;
use crate::zone::parse::{parse_master_file, type_field, wire_name};
use crate::zone::rdata::print_rdata;
use crate::zone::text::{rdata_text, type_text};
use crate::zone::wire::name_wire;
use crate::zone::{NoIncludes, Zone};

/// The type code of the SOA.
pub const SOA_CODE: u16 = 6;

/// One RRset: an owner, a type, one TTL (RFC 2181 §5.2) and its records in presentation form
/// (the printer's canonical form, names absolute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrSet {
    /// The owner, as written (case kept).
    pub name: Name,
    /// The type code ([`ALIAS_CODE`] for an ALIAS).
    pub code: u16,
    /// The TTL of the set.
    pub ttl: u32,
    /// Each record's RDATA in presentation form, in order, without duplicates.
    pub contents: Vec<String>,
}

impl RrSet {
    /// The type as the APIs spell it: `A`, `ALIAS`, `TYPE65534`.
    pub fn type_name(&self) -> String {
        type_name(self.code)
    }

    /// The owner as absolute text.
    pub fn owner_text(&self) -> String {
        owner_text(&self.name)
    }
}

/// The key of an RRset: the owner lowercased, and the type.
pub type SetKey = (String, u16);

/// The key of the RRset at `name` of type `code`.
pub fn set_key(name: &Name, code: u16) -> SetKey {
    (owner_text(name).to_ascii_lowercase(), code)
}

/// A name as absolute presentation text.
pub fn owner_text(name: &Name) -> String {
    print_name(&name_wire(name))
}

/// A type code as the APIs spell it.
pub fn type_name(code: u16) -> String {
    type_text(code.into())
}

/// A type as a client writes it (`A`, `alias`, `TYPE99`), or why it is not one.
pub fn type_code(text: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(format!("{text:?} is not a record type"));
    }
    type_field(text).map_err(|e| format!("type {text:?}: {e}"))
}

/// The RRsets of one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneContent {
    /// The apex.
    pub apex: Name,
    sets: BTreeMap<SetKey, RrSet>,
}

impl ZoneContent {
    /// An empty zone at `apex` (no SOA yet).
    pub fn empty(apex: Name) -> Self {
        ZoneContent {
            apex,
            sets: BTreeMap::new(),
        }
    }

    /// The RRsets of `zone`, the SOA at the serial served.
    pub fn of_zone(zone: &Zone) -> Self {
        let mut content = ZoneContent::empty(zone.apex().clone());
        for node in zone.nodes() {
            let name = node.name();
            for set in node.all_sets() {
                let code = u16::from(set.rtype);
                let contents = if code == SOA_CODE {
                    vec![soa_text(zone.soa())]
                } else {
                    set.rdatas().map(|wire| content_text(code, wire)).collect()
                };
                content.sets.insert(
                    set_key(&name, code),
                    RrSet {
                        name: name.clone(),
                        code,
                        ttl: set.ttl,
                        contents,
                    },
                );
            }
        }
        content
    }

    /// Every RRset, the SOA first, then by owner and type.
    pub fn sets(&self) -> impl Iterator<Item = &RrSet> {
        let soa = self.sets.values().filter(|s| s.code == SOA_CODE);
        soa.chain(self.sets.values().filter(|s| s.code != SOA_CODE))
    }

    /// The RRset at `key`.
    pub fn get(&self, key: &SetKey) -> Option<&RrSet> {
        self.sets.get(key)
    }

    /// Puts `set` in place of any set with its owner and type; an empty set removes it.
    pub fn put(&mut self, set: RrSet) {
        let key = set_key(&set.name, set.code);
        if set.contents.is_empty() {
            self.sets.remove(&key);
        } else {
            self.sets.insert(key, set);
        }
    }

    /// Removes the RRset at `key`, returning it.
    pub fn remove(&mut self, key: &SetKey) -> Option<RrSet> {
        self.sets.remove(key)
    }

    /// How many records.
    pub fn record_count(&self) -> usize {
        self.sets.values().map(|s| s.contents.len()).sum()
    }

    /// The SOA RRset.
    pub fn soa(&self) -> Option<&RrSet> {
        self.sets.values().find(|s| s.code == SOA_CODE)
    }

    /// The zone as master-file text, one record per line, with what each line holds (for
    /// naming the record at fault in a problem). Owners are absolute and every record is in
    /// the printer's form, which the reader reads back as the same bytes.
    pub fn to_text(&self) -> (String, Vec<(String, String)>) {
        let mut text = format!("; {} edited through the flatapex API\n", self.apex);
        let mut lines = vec![(String::new(), String::new()); 1];
        for set in self.sets() {
            let (owner, rtype) = (set.owner_text(), set.type_name());
            for content in &set.contents {
                let _ = writeln!(text, "{owner} {} IN {rtype} {content}", set.ttl);
                lines.push((owner.clone(), rtype.clone()));
            }
        }
        (text, lines)
    }
}

/// RDATA in wire form as a record's content: the printer's form, and an ALIAS's target name.
fn content_text(code: u16, wire: &[u8]) -> String {
    if code == ALIAS_CODE {
        owner_text(&wire_name(wire))
    } else {
        print_rdata(code, wire)
    }
}

/// An SOA's RDATA in presentation form.
pub fn soa_text(soa: SOA) -> String {
    rdata_text(&RData::SOA(soa))
}

/// Reads one record's content as the zone reader reads it in a file: `content` is RDATA in
/// presentation form, names relative to the root (so `target.example.` and `target.example`
/// are the same name). Returns the content in canonical form, or why it cannot be read.
///
/// Line breaks and other control characters are refused, so a content can never add a
/// second record or a directive.
pub fn read_content(name: &Name, code: u16, content: &str) -> Result<String, String> {
    if let Some(c) = content.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(format!(
            "content {content:?} holds the control character {c:?}"
        ));
    }
    if content.trim().is_empty() {
        return Err("an empty content".into());
    }
    let line = format!("{} 0 IN {} {content}\n", owner_text(name), type_name(code));
    let (records, problems) = parse_master_file("content", &line, &Name::root(), &NoIncludes);
    if let Some(problem) = problems.first() {
        return Err(format!("{content:?}: {}", problem.message));
    }
    match (records.len(), records.iter().next()) {
        (1, Some(record)) if u16::from(record.rtype) == code => {
            Ok(content_text(code, record.rdata))
        }
        _ => Err(format!("{content:?} is not one {} record", type_name(code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        crate::zone::names::text_to_name(text).unwrap()
    }

    #[test]
    fn contents_read_as_in_a_file_and_print_canonically() {
        let www = name("www.example.com.");
        assert_eq!(
            read_content(&www, 15, "10   mail.example.com").unwrap(),
            "10 mail.example.com."
        );
        assert_eq!(
            read_content(&www, ALIAS_CODE, "app.cloud.example").unwrap(),
            "app.cloud.example."
        );
        assert_eq!(
            read_content(&www, 16, r#""v=spf1 -all" ; a comment"#).unwrap(),
            r#""v=spf1 -all""#
        );
        assert_eq!(
            read_content(&www, 28, "2001:DB8:0::1").unwrap(),
            "2001:db8::1"
        );
    }

    #[test]
    fn contents_cannot_smuggle_records_or_be_wrong() {
        let www = name("www.example.com.");
        let smuggled = read_content(&www, 1, "192.0.2.1\nevil 60 IN A 192.0.2.2").unwrap_err();
        assert!(smuggled.contains("control character"), "{smuggled}");
        let open = read_content(&www, 16, "( \"x\"").unwrap_err();
        assert!(
            open.contains("\"( \\\"x\\\"\""),
            "names the content: {open}"
        );
        let bad = read_content(&www, 1, "192.0.2.300").unwrap_err();
        assert!(bad.contains("192.0.2.300"), "{bad}");
        assert!(read_content(&www, 1, "  ").is_err());
        assert!(type_code("A\nB").is_err());
        assert_eq!(type_code("alias"), Ok(ALIAS_CODE));
        assert_eq!(type_code("TYPE99"), Ok(99));
        assert!(type_code("NOPE").unwrap_err().contains("NOPE"));
    }
}
