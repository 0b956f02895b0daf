//! The record types flatapex reads and prints by mnemonic (the IANA "Resource Record (RR) TYPEs"
//! registry), each with the layout of its RDATA in presentation and wire form. Types not listed
//! are read and printed in the RFC 3597 generic form (`TYPEnnn`, `\# length hex`).

use super::rdata::Field::{self, *};

/// One type: its code, mnemonic and RDATA layout.
#[derive(Clone, Copy, Debug)]
pub struct TypeInfo {
    /// The type code.
    pub code: u16,
    /// The mnemonic.
    pub name: &'static str,
    /// The RDATA fields in order (an empty layout: generic form only).
    pub fields: &'static [Field],
}

const fn t(code: u16, name: &'static str, fields: &'static [Field]) -> TypeInfo {
    TypeInfo { code, name, fields }
}

/// Every type known by mnemonic.
pub const TYPES: &[TypeInfo] = &[
    t(1, "A", &[Ipv4]),
    t(2, "NS", &[Name]),
    t(3, "MD", &[Name]),
    t(4, "MF", &[Name]),
    t(5, "CNAME", &[Name]),
    t(6, "SOA", &[Name, Name, U32, Ttl, Ttl, Ttl, Ttl]),
    t(7, "MB", &[Name]),
    t(8, "MG", &[Name]),
    t(9, "MR", &[Name]),
    t(10, "NULL", &[]),
    t(11, "WKS", &[Wks]),
    t(12, "PTR", &[Name]),
    t(13, "HINFO", &[Text, Text]),
    t(14, "MINFO", &[Name, Name]),
    t(15, "MX", &[U16, Name]),
    t(16, "TXT", &[Texts]),
    t(17, "RP", &[Name, Name]),
    t(18, "AFSDB", &[U16, Name]),
    t(19, "X25", &[Text]),
    t(20, "ISDN", &[Text, OptionalText]),
    t(21, "RT", &[U16, Name]),
    t(22, "NSAP", &[Nsap]),
    t(23, "NSAP-PTR", &[Name]),
    t(
        24,
        "SIG",
        &[TypeCode, Algorithm, U8, U32, Time, Time, U16, Name, Base64],
    ),
    t(25, "KEY", &[U16, U8, Algorithm, Base64]),
    t(26, "PX", &[U16, Name, Name]),
    t(27, "GPOS", &[Text, Text, Text]),
    t(28, "AAAA", &[Ipv6]),
    t(29, "LOC", &[Loc]),
    t(33, "SRV", &[U16, U16, U16, Name]),
    t(35, "NAPTR", &[U16, U16, Text, Text, Text, Name]),
    t(36, "KX", &[U16, Name]),
    t(37, "CERT", &[CertType, U16, Algorithm, Base64]),
    t(39, "DNAME", &[Name]),
    t(42, "APL", &[Apl]),
    t(43, "DS", &[U16, Algorithm, U8, Hex]),
    t(44, "SSHFP", &[U8, U8, Hex]),
    t(45, "IPSECKEY", &[IpsecKey]),
    t(
        46,
        "RRSIG",
        &[TypeCode, Algorithm, U8, U32, Time, Time, U16, Name, Base64],
    ),
    t(47, "NSEC", &[Name, TypeBitmap]),
    t(48, "DNSKEY", &[U16, U8, Algorithm, Base64]),
    t(49, "DHCID", &[Base64]),
    t(50, "NSEC3", &[U8, U8, U16, Salt, HashedOwner, TypeBitmap]),
    t(51, "NSEC3PARAM", &[U8, U8, U16, Salt]),
    t(52, "TLSA", &[U8, U8, U8, Hex]),
    t(53, "SMIMEA", &[U8, U8, U8, Hex]),
    t(55, "HIP", &[Hip]),
    t(56, "NINFO", &[Texts]),
    t(58, "TALINK", &[Name, Name]),
    t(59, "CDS", &[U16, Algorithm, U8, Hex]),
    t(60, "CDNSKEY", &[U16, U8, Algorithm, Base64]),
    t(61, "OPENPGPKEY", &[Base64]),
    t(62, "CSYNC", &[U32, U16, TypeBitmap]),
    t(63, "ZONEMD", &[U32, U8, U8, Hex]),
    t(64, "SVCB", &[U16, Name, SvcParams]),
    t(65, "HTTPS", &[U16, Name, SvcParams]),
    t(66, "DSYNC", &[TypeCode, U8, U16, Name]),
    t(99, "SPF", &[Texts]),
    t(104, "NID", &[U16, Locator64]),
    t(105, "L32", &[U16, Ipv4]),
    t(106, "L64", &[U16, Locator64]),
    t(107, "LP", &[U16, Name]),
    t(108, "EUI48", &[Eui48]),
    t(109, "EUI64", &[Eui64]),
    t(256, "URI", &[U16, U16, Uri]),
    t(257, "CAA", &[U8, CaaTag, CaaValue]),
    t(258, "AVC", &[Texts]),
    t(259, "DOA", &[U32, U32, U8, Text, Base64]),
    t(260, "AMTRELAY", &[AmtRelay]),
    t(261, "RESINFO", &[Texts]),
    t(262, "WALLET", &[Texts]),
    t(32768, "TA", &[U16, Algorithm, U8, Hex]),
    t(32769, "DLV", &[U16, Algorithm, U8, Hex]),
];

/// Types that are never data in a zone: they are queries (RFC 1035 §3.2.3), meta types or
/// messages' own records (RFC 6891, RFC 8945).
pub const NOT_DATA: &[(u16, &str)] = &[
    (41, "OPT"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (253, "MAILB"),
    (254, "MAILA"),
    (255, "ANY"),
];

/// The type with mnemonic `name` (any case).
pub fn by_name(name: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The type with code `code`, if it has a mnemonic here.
pub fn by_code(code: u16) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.code == code)
}

/// Reads a type as a zone file writes it: its mnemonic or `TYPEnnn` (RFC 3597 §5).
pub fn parse_type(text: &str) -> Result<u16, String> {
    if let Some(info) = by_name(text) {
        return Ok(info.code);
    }
    if let Some((code, name)) = NOT_DATA.iter().find(|(_, n)| n.eq_ignore_ascii_case(text)) {
        return Err(format!(
            "{name} (type {code}) is a query or meta type, not data"
        ));
    }
    let upper = text.to_ascii_uppercase();
    upper
        .strip_prefix("TYPE")
        .and_then(|n| n.parse::<u16>().ok())
        .ok_or_else(|| format!("unknown record type {text}"))
}

/// The type as text: its mnemonic, or `TYPEnnn`.
pub fn type_text(code: u16) -> String {
    match by_code(code) {
        Some(info) => info.name.to_string(),
        None => match NOT_DATA.iter().find(|(c, _)| *c == code) {
            Some((_, name)) => (*name).to_string(),
            None => format!("TYPE{code}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_names() {
        assert_eq!(parse_type("aaaa"), Ok(28));
        assert_eq!(parse_type("DNAME"), Ok(39));
        assert_eq!(parse_type("TYPE65280"), Ok(65280));
        assert_eq!(parse_type("type1"), Ok(1));
        assert!(parse_type("AXFR").unwrap_err().contains("not data"));
        assert!(
            parse_type("FOO")
                .unwrap_err()
                .contains("unknown record type FOO")
        );
        assert_eq!(type_text(65280), "TYPE65280");
        assert_eq!(type_text(257), "CAA");
        let mut codes: Vec<u16> = TYPES.iter().map(|t| t.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), TYPES.len(), "one entry per code");
    }
}
