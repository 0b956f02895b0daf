//! Compact denial of existence (RFC 9824): one NSEC at the query name, its next name the
//! immediate successor `\000.<qname>` (RFC 4034 §6.1), so it covers nothing but the name
//! itself. A name that does not exist gets the bitmap RRSIG NSEC NXNAME (RFC 9824 §3.1); a name
//! without the asked type gets the types it has, plus RRSIG and NSEC (RFC 9824 §3.2); an
//! insecure delegation gets its NS without DS (RFC 4035 §3.1.4.1).

use hickory_proto::rr::{Name, Record, RecordType};

use super::keys::synthesized_cds;
use super::records::{NXNAME, nsec_rdata};
use crate::zone::model::{Node, Zone};
use crate::zone::wire::raw_rdata;

/// The immediate successor of `name` in canonical order: `\000.<name>` (RFC 4034 §6.1), or
/// `name` itself when one more label would not fit.
pub fn successor(name: &Name) -> Name {
    Name::from_labels([&[0u8][..]])
        .and_then(|zero| zero.append_name(name))
        .unwrap_or_else(|_| name.clone())
}

/// The NSEC record at `owner` listing `types` (RRSIG and NSEC are added).
pub fn nsec(owner: &Name, ttl: u32, types: &[u16]) -> Record {
    denial(owner, ttl, types, None)
}

/// The NSEC at `owner` for a query of `qtype`: `types` with RRSIG and NSEC added, but not
/// RRSIG when RRSIG is asked for. A query for RRSIG would otherwise be denied by a bitmap that
/// lists RRSIG, a proof that contradicts itself and that validators reject (RFC 4035 §5.4); the
/// bit is the compact-denial signer's to set, as the whole NSEC is made for the response. (A
/// query for NSEC is answered with this NSEC, so NSEC stays.)
fn denial(owner: &Name, ttl: u32, types: &[u16], qtype: Option<RecordType>) -> Record {
    let mut all = types.to_vec();
    all.push(u16::from(RecordType::NSEC));
    if qtype != Some(RecordType::RRSIG) {
        all.push(u16::from(RecordType::RRSIG));
    }
    let rdata = nsec_rdata(&successor(owner), &all);
    Record::from_rdata(owner.clone(), ttl, raw_rdata(RecordType::NSEC, &rdata))
}

/// The NSEC that says `qname` does not exist, for a query of `qtype` (RFC 9824 §3.1: RRSIG
/// NSEC NXNAME, without RRSIG for a query for RRSIG).
pub fn no_such_name(qname: &Name, ttl: u32, qtype: RecordType) -> Record {
    denial(qname, ttl, &[NXNAME], Some(qtype))
}

/// The NSEC that says `name` has no `qtype` (RFC 9824 §3.2), `types` being those it has
/// ([`types_at`]).
pub fn no_such_type(name: &Name, ttl: u32, types: &[u16], qtype: RecordType) -> Record {
    denial(name, ttl, types, Some(qtype))
}

/// The types a NODATA NSEC lists for `name` in `zone` (RFC 9824 §3.2): those of its node (or of
/// the wildcard that covers it, RFC 4592 §3.3.1), A and AAAA where an ALIAS flattens, and the CDS
/// and CDNSKEY the apex synthesises; never `qtype`, which the answer says is absent.
pub fn types_at(zone: &Zone, name: &Name, qtype: RecordType, cds: bool) -> Vec<u16> {
    let mut types: Vec<u16> = match node_or_wildcard(zone, name) {
        Some(node) => {
            let mut types: Vec<u16> = node.rrsets().map(|set| u16::from(set.rtype)).collect();
            // An ALIAS is served as the A and AAAA it flattens to; its own private type is
            // never answered, so it is not listed (RFC 4034 §4.1.2).
            if node.alias().is_some() {
                types.extend([u16::from(RecordType::A), u16::from(RecordType::AAAA)]);
            }
            types
        }
        None => Vec::new(),
    };
    if cds && zone.apex().eq_ignore_root(name) {
        // Only what the apex would answer: CDS/CDNSKEY synthesised from a SEP key.
        for rtype in [RecordType::CDS, RecordType::CDNSKEY] {
            if synthesized_cds(zone, rtype, zone.apex()).is_some() {
                types.push(u16::from(rtype));
            }
        }
    }
    types.retain(|t| *t != u16::from(qtype));
    types.sort_unstable();
    types.dedup();
    types
}

/// The node of `name`, or else the wildcard at its closest encloser (RFC 4592 §3.3.1).
fn node_or_wildcard<'z>(zone: &'z Zone, name: &Name) -> Option<&'z Node> {
    if let Some(node) = zone.node(name) {
        return Some(node);
    }
    let mut encloser = name.base_name();
    while zone.apex().zone_of(&encloser) {
        if zone.node(&encloser).is_some() {
            let wildcard = Name::from_labels([&b"*"[..]])
                .and_then(|star| star.append_name(&encloser))
                .ok()?;
            return zone.node(&wildcard);
        }
        if encloser.is_root() {
            break;
        }
        encloser = encloser.base_name();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn successor_prepends_a_zero_label() {
        let name = Name::from_str("nope.example.").unwrap();
        let next = successor(&name);
        assert_eq!(next.num_labels(), 3);
        assert_eq!(next.iter().next(), Some(&[0u8][..]));
        assert!(name.zone_of(&next));
    }

    #[test]
    fn no_such_name_lists_rrsig_nsec_nxname() {
        let record = no_such_name(
            &Name::from_str("nope.example.").unwrap(),
            300,
            RecordType::A,
        );
        let wire = crate::zone::wire::encode_rdata(&record.data).unwrap();
        // \000.nope.example. then window 0: RRSIG (46) NSEC (47); NXNAME (128) in window 0 too.
        let name_len = 1 + 1 + 5 + 8 + 1;
        assert_eq!(&wire[name_len..name_len + 2], &[0, 17]);
        assert_eq!(wire[name_len + 2 + 5], 0x03, "RRSIG and NSEC");
        assert_eq!(wire[name_len + 2 + 16], 0x80, "NXNAME");
        let for_rrsig = no_such_name(
            &Name::from_str("nope.example.").unwrap(),
            300,
            RecordType::RRSIG,
        );
        let wire = crate::zone::wire::encode_rdata(&for_rrsig.data).unwrap();
        assert_eq!(wire[name_len + 2 + 5], 0x01, "NSEC without RRSIG");
    }
}
