//! Reading each [`Field`] from presentation tokens into wire form.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Cursor, Field, loc, others, svcb};
use crate::zone::entries::{Token, unescape};
use crate::zone::names::parse_name;
use crate::zone::rrtype::parse_type;

/// DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1, RFC 5155, RFC 5702, RFC 6605, RFC 8080).
pub const ALGORITHMS: &[(u8, &str)] = &[
    (1, "RSAMD5"),
    (2, "DH"),
    (3, "DSA"),
    (5, "RSASHA1"),
    (6, "DSA-NSEC3-SHA1"),
    (7, "RSASHA1-NSEC3-SHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECC-GOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (252, "INDIRECT"),
    (253, "PRIVATEDNS"),
    (254, "PRIVATEOID"),
];

/// CERT type mnemonics (RFC 4398 §2.1).
pub const CERT_TYPES: &[(u16, &str)] = &[
    (1, "PKIX"),
    (2, "SPKI"),
    (3, "PGP"),
    (4, "IPKIX"),
    (5, "ISPKI"),
    (6, "IPGP"),
    (7, "ACPKIX"),
    (8, "IACPKIX"),
    (253, "URI"),
    (254, "OID"),
];

/// Reads one field, appending its wire form to `wire`.
pub fn parse(field: Field, c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    match field {
        Field::U8 => wire.push(number(c.word("a number")?, "a number up to 255")?),
        Field::U16 => wire.extend_from_slice(
            &number::<u16>(c.word("a number")?, "a number up to 65535")?.to_be_bytes(),
        ),
        Field::U32 => wire.extend_from_slice(
            &number::<u32>(c.word("a number")?, "a number up to 4294967295")?.to_be_bytes(),
        ),
        Field::Ttl => wire.extend_from_slice(&parse_ttl(c.word("a time")?)?.to_be_bytes()),
        Field::Name => wire.extend(parse_name(c.word("a domain name")?, c.origin())?),
        Field::Ipv4 => {
            let text = c.word("an IPv4 address")?;
            let ip: Ipv4Addr = text
                .parse()
                .map_err(|_| format!("{text:?} is not an IPv4 address"))?;
            wire.extend_from_slice(&ip.octets());
        }
        Field::Ipv6 => {
            let text = c.word("an IPv6 address")?;
            let ip: Ipv6Addr = text
                .parse()
                .map_err(|_| format!("{text:?} is not an IPv6 address"))?;
            wire.extend_from_slice(&ip.octets());
        }
        Field::Text => text(c.next("a character-string")?, c, wire)?,
        Field::OptionalText => {
            if !c.is_done() {
                text(c.next("a character-string")?, c, wire)?;
            }
        }
        Field::Texts => {
            let rest = c.rest();
            if rest.is_empty() {
                return Err("missing a character-string".into());
            }
            for token in rest {
                text(*token, c, wire)?;
            }
        }
        Field::Hex => {
            let bytes = hex_rest(c.rest())?;
            if bytes.is_empty() {
                return Err("missing hex data".into());
            }
            wire.extend(bytes);
        }
        Field::Base64 => {
            let bytes = base64_rest(c.rest())?;
            if bytes.is_empty() {
                return Err("missing base64 data".into());
            }
            wire.extend(bytes);
        }
        Field::TypeCode => wire.extend_from_slice(&parse_type(c.word("a type")?)?.to_be_bytes()),
        Field::Algorithm => wire.push(mnemonic(
            c.word("an algorithm")?,
            ALGORITHMS,
            "a DNSSEC algorithm",
        )?),
        Field::CertType => wire.extend_from_slice(
            &mnemonic(c.word("a certificate type")?, CERT_TYPES, "a CERT type")?.to_be_bytes(),
        ),
        Field::Time => wire.extend_from_slice(&parse_time(c.word("a time")?)?.to_be_bytes()),
        Field::TypeBitmap => {
            let types = c
                .rest()
                .iter()
                .map(|t| parse_type(t.raw))
                .collect::<Result<Vec<u16>, _>>()?;
            wire.extend(type_bitmap(&types));
        }
        Field::Salt => {
            let text = c.word("a salt")?;
            let salt = if text == "-" {
                Vec::new()
            } else {
                hex_text(text)?
            };
            let len = u8::try_from(salt.len()).map_err(|_| "a salt over 255 octets")?;
            wire.push(len);
            wire.extend(salt);
        }
        Field::HashedOwner => {
            let text = c.word("a hashed owner name")?;
            let hash = crate::encoding::base32hex_decode(text.to_ascii_uppercase().as_bytes())
                .map_err(|e| format!("{text:?} is not base32hex: {e}"))?;
            let len = u8::try_from(hash.len()).map_err(|_| "a hash over 255 octets")?;
            wire.push(len);
            wire.extend(hash);
        }
        Field::Eui48 => wire.extend(eui(c.word("an EUI-48")?, 6)?),
        Field::Eui64 => wire.extend(eui(c.word("an EUI-64")?, 8)?),
        Field::Locator64 => wire.extend(locator64(c.word("a locator")?)?),
        Field::Uri => {
            let target = unescape(c.next("a URI")?.raw)?;
            if target.is_empty() {
                return Err("an empty URI".into());
            }
            wire.extend_from_slice(&target);
        }
        Field::CaaTag => {
            let tag = c.word("a CAA tag")?;
            if tag.is_empty() || tag.len() > 255 || !tag.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(format!(
                    "CAA tag {tag:?} must be 1 to 255 letters and digits"
                ));
            }
            wire.push(tag.len() as u8);
            wire.extend_from_slice(tag.as_bytes());
        }
        Field::CaaValue => wire.extend_from_slice(&unescape(c.next("a CAA value")?.raw)?),
        Field::SvcParams => svcb::parse(c, wire)?,
        Field::Loc => loc::parse(c, wire)?,
        Field::Apl => others::parse_apl(c, wire)?,
        Field::IpsecKey => others::parse_ipseckey(c, wire)?,
        Field::Hip => others::parse_hip(c, wire)?,
        Field::AmtRelay => others::parse_amtrelay(c, wire)?,
        Field::Wks => others::parse_wks(c, wire)?,
        Field::Nsap => others::parse_nsap(c, wire)?,
    }
    Ok(())
}

/// A decimal number of type `T`.
pub fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    if !text.bytes().all(|b| b.is_ascii_digit()) || text.is_empty() {
        return Err(format!("{text:?} is not {what}"));
    }
    text.parse().map_err(|_| format!("{text:?} is not {what}"))
}

/// A number, or one of the mnemonics of `table`.
fn mnemonic<T: Copy + std::str::FromStr>(
    text: &str,
    table: &[(T, &str)],
    what: &str,
) -> Result<T, String> {
    if let Some((value, _)) = table.iter().find(|(_, m)| m.eq_ignore_ascii_case(text)) {
        return Ok(*value);
    }
    number(text, &format!("{what} (a number or a mnemonic)"))
}

/// One character-string: at most 255 octets (RFC 1035 §3.3). A longer one is split into
/// strings of 255 with a warning, as Knot does.
fn text(token: Token<'_>, c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let bytes = unescape(token.raw)?;
    if bytes.len() > 255 {
        c.warnings.push(format!(
            "a character-string of {} octets is over 255; it is split into strings of 255",
            bytes.len()
        ));
    }
    if bytes.is_empty() {
        wire.push(0);
    }
    for chunk in bytes.chunks(255) {
        wire.push(chunk.len() as u8);
        wire.extend_from_slice(chunk);
    }
    Ok(())
}

/// Hex from one token.
pub fn hex_text(text: &str) -> Result<Vec<u8>, String> {
    crate::encoding::hex_decode(text.as_bytes()).map_err(|e| format!("{text:?} is not hex: {e}"))
}

/// Hex from every token left, joined.
fn hex_rest(tokens: &[Token<'_>]) -> Result<Vec<u8>, String> {
    let text: String = tokens.iter().map(|t| t.raw).collect();
    hex_text(&text)
}

/// Base64 from every token left, joined (blank space inside is allowed).
pub fn base64_rest(tokens: &[Token<'_>]) -> Result<Vec<u8>, String> {
    let text: String = tokens.iter().map(|t| t.raw).collect();
    crate::encoding::base64_decode(text.as_bytes())
        .map_err(|e| format!("{text:?} is not base64: {e}"))
}

/// A time span in seconds: a number, or numbers with units `w`, `d`, `h`, `m`, `s` in any case
/// (`1h30m`), as BIND and Knot read TTLs and SOA timers.
pub fn parse_ttl(text: &str) -> Result<u32, String> {
    let bad = || format!("bad time {text:?}");
    if text.is_empty() {
        return Err(bad());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit: u64 = match ch.to_ascii_lowercase() {
            'w' => 604_800,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| format!("time {text:?} is over 4294967295 seconds"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    u32::try_from(total).map_err(|_| format!("time {text:?} is over 4294967295 seconds"))
}

/// An RRSIG time (RFC 4034 §3.2): `YYYYMMDDHHmmSS` in UTC, or a number of seconds.
pub fn parse_time(text: &str) -> Result<u32, String> {
    if text.len() != 14 {
        return number(text, "a time (YYYYMMDDHHmmSS or seconds)");
    }
    let part = |range: std::ops::Range<usize>| -> Result<i64, String> {
        number::<i64>(&text[range], "a time (YYYYMMDDHHmmSS)")
    };
    let (year, month, day) = (part(0..4)?, part(4..6)?, part(6..8)?);
    let (hour, minute, second) = (part(8..10)?, part(10..12)?, part(12..14)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(format!("{text:?} is not a valid time"));
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    // Serial number arithmetic (RFC 4034 §3.1.5): the value is the time modulo 2^32.
    Ok(seconds.rem_euclid(1 << 32) as u32)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The NSEC type bitmap of `types` (RFC 4034 §4.1.2): windows of 256 types, each a window
/// number, a length and a bitmap without trailing zero octets.
pub fn type_bitmap(types: &[u16]) -> Vec<u8> {
    let mut sorted = types.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let window = sorted[i] >> 8;
        let mut bits = [0u8; 32];
        while i < sorted.len() && sorted[i] >> 8 == window {
            let low = sorted[i] & 0xff;
            bits[usize::from(low / 8)] |= 0x80 >> (low % 8);
            i += 1;
        }
        let len = bits.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
        out.push(window as u8);
        out.push(len as u8);
        out.extend_from_slice(&bits[..len]);
    }
    out
}

/// An EUI of `octets` octets: hex pairs joined by `-`.
fn eui(text: &str, octets: usize) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() != octets || parts.iter().any(|p| p.len() != 2) {
        return Err(format!("{text:?} is not {octets} hex pairs joined by -"));
    }
    hex_text(&parts.concat())
}

/// Four groups of four hex digits joined by `:` (RFC 6742 §2.3).
fn locator64(text: &str) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.len() != 4) {
        return Err(format!(
            "{text:?} is not four groups of four hex digits joined by :"
        ));
    }
    hex_text(&parts.concat())
}
