//! Canonical RDATA for comparison (RFC 4034 §6.2, RFC 4343 §2): in the types whose RDATA
//! holds domain names that compare without regard to case, those names are lowercased, so
//! that `MX 10 Mail.example.` and `MX 10 mail.example.` are one record, as Knot and BIND
//! treat them. Other types (SVCB's target, for one) compare byte for byte.

use std::borrow::Cow;

use super::Field;
use super::print::Reader;
use crate::zone::rrtype::by_code;

/// The types of RFC 4034 §6.2 (NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX, RP, AFSDB,
/// RT, SIG, PX, NXT, NAPTR, KX, SRV, DNAME, A6, RRSIG, NSEC).
const NAMES_FOLD: &[u16] = &[
    2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 24, 26, 30, 33, 35, 36, 38, 39, 46, 47,
];

/// `wire` with the domain names of its type lowercased; `wire` itself for other types, and for
/// RDATA that does not fit its type's layout.
pub fn canonical_rdata(code: u16, wire: &[u8]) -> Cow<'_, [u8]> {
    if !NAMES_FOLD.contains(&code) {
        return Cow::Borrowed(wire);
    }
    let Some(info) = by_code(code) else {
        return Cow::Borrowed(wire);
    };
    let mut ranges = Vec::with_capacity(2);
    let mut r = Reader::new(wire);
    for field in info.fields {
        let before = r.position();
        let step = match field {
            Field::U8 | Field::Algorithm => r.take(1).map(drop),
            Field::U16 | Field::TypeCode => r.take(2).map(drop),
            Field::U32 | Field::Ttl | Field::Time => r.take(4).map(drop),
            Field::Text => r.text().map(drop),
            Field::Name => r.name().map(|_| ranges.push(before..r.position())),
            // What is left holds no names (a key, a signature, a type bitmap).
            _ => {
                r.rest();
                Ok(())
            }
        };
        if step.is_err() {
            return Cow::Borrowed(wire);
        }
    }
    if ranges
        .iter()
        .all(|range| !wire[range.clone()].iter().any(u8::is_ascii_uppercase))
    {
        return Cow::Borrowed(wire);
    }
    let mut out = wire.to_vec();
    for range in ranges {
        out[range].make_ascii_lowercase();
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_in_rfc_4034_types_only() {
        let mx_upper = b"\x00\x0a\x04Mail\x07EXAMPLE\x00";
        let mx_lower = b"\x00\x0a\x04mail\x07example\x00";
        assert_eq!(canonical_rdata(15, mx_upper), &mx_lower[..]);
        assert!(matches!(canonical_rdata(15, mx_lower), Cow::Borrowed(_)));
        // SVCB (RFC 9460) is not in RFC 4034 §6.2: its target keeps its case.
        let svcb = b"\x00\x01\x01A\x00";
        assert_eq!(canonical_rdata(64, svcb), &svcb[..]);
        // The length octets of a label are not letters, even when they look like them.
        let ns = b"\x41AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x00";
        assert_eq!(
            canonical_rdata(2, ns),
            &ns[..],
            "an invalid name is left alone"
        );
    }
}
