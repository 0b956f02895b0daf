//! Printing RDATA from wire form in presentation form, field by field ([`Field`]), so that it
//! reads in again as the same bytes; RFC 3597 generic form for types without a layout, and for
//! RDATA that does not fit its type's layout.

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::CERT_TYPES;
use super::{Field, loc, others, svcb};
use crate::zone::names::{print_name, push_escaped};
use crate::zone::rrtype::{TypeInfo, by_code, type_text};

/// Reads wire RDATA front to back.
pub struct Reader<'w> {
    bytes: &'w [u8],
    at: usize,
}

impl<'w> Reader<'w> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'w [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    /// The next `n` octets.
    pub fn take(&mut self, n: usize) -> Result<&'w [u8], String> {
        let out = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or_else(|| format!("RDATA ends {} octets early", self.at + n - self.bytes.len()))?;
        self.at += n;
        Ok(out)
    }

    /// The next octet.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    /// The next 16-bit number.
    pub fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The next 32-bit number.
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'w [u8] {
        let out = &self.bytes[self.at..];
        self.at = self.bytes.len();
        out
    }

    /// How many octets have been read.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Whether everything has been read.
    pub fn is_done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    /// The next uncompressed domain name in wire form.
    pub fn name(&mut self) -> Result<&'w [u8], String> {
        let start = self.at;
        loop {
            let len = usize::from(self.u8()?);
            if len == 0 {
                break;
            }
            if len > 63 {
                return Err("a compressed or invalid name".into());
            }
            self.take(len)?;
        }
        if self.at - start > 255 {
            return Err("a name over 255 octets".into());
        }
        Ok(&self.bytes[start..self.at])
    }

    /// The next character-string (a length octet and its octets).
    pub fn text(&mut self) -> Result<&'w [u8], String> {
        let len = usize::from(self.u8()?);
        self.take(len)
    }
}

/// A character-string in quotes, with `"` and `\` escaped and octets outside printable ASCII as
/// `\DDD` (RFC 1035 §5.1).
pub fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        if b == b' ' {
            out.push(' ');
        } else {
            push_escaped(&mut out, b, b"\"\\");
        }
    }
    out.push('"');
    out
}

/// RDATA of type `code` in presentation form.
pub fn print_rdata(code: u16, wire: &[u8]) -> String {
    match by_code(code) {
        Some(info) if !info.fields.is_empty() => {
            print_fields(info, wire).unwrap_or_else(|_| generic(wire))
        }
        _ => generic(wire),
    }
}

/// RFC 3597 §5 generic form.
pub fn generic(wire: &[u8]) -> String {
    if wire.is_empty() {
        "\\# 0".into()
    } else {
        format!("\\# {} {}", wire.len(), crate::encoding::hex_lower(wire))
    }
}

/// The fields of `info` from `wire`; an error if it does not fit the layout.
pub fn print_fields(info: &TypeInfo, wire: &[u8]) -> Result<String, String> {
    let mut r = Reader::new(wire);
    let mut parts = Vec::with_capacity(info.fields.len());
    for field in info.fields {
        parts.push(print_field(*field, &mut r)?);
    }
    if !r.is_done() {
        return Err("trailing octets".into());
    }
    parts.retain(|p| !p.is_empty());
    Ok(parts.join(" "))
}

fn print_field(field: Field, r: &mut Reader<'_>) -> Result<String, String> {
    Ok(match field {
        Field::U8 => r.u8()?.to_string(),
        Field::U16 => r.u16()?.to_string(),
        Field::U32 | Field::Ttl => r.u32()?.to_string(),
        Field::Name => print_name(r.name()?),
        Field::Ipv4 => {
            let b = r.take(4)?;
            Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
        }
        Field::Ipv6 => {
            let b: [u8; 16] = r.take(16)?.try_into().map_err(|_| "short IPv6 address")?;
            Ipv6Addr::from(b).to_string()
        }
        Field::Text => quoted(r.text()?),
        Field::OptionalText => {
            if r.is_done() {
                String::new()
            } else {
                quoted(r.text()?)
            }
        }
        Field::Texts => {
            let mut strings = Vec::new();
            while !r.is_done() {
                strings.push(quoted(r.text()?));
            }
            if strings.is_empty() {
                return Err("no character-string".into());
            }
            strings.join(" ")
        }
        Field::Hex => nonempty(crate::encoding::hex_upper(r.rest()))?,
        Field::Base64 => nonempty(crate::encoding::base64_encode(r.rest()))?,
        Field::TypeCode => type_text(r.u16()?),
        Field::Algorithm => r.u8()?.to_string(),
        Field::CertType => {
            let code = r.u16()?;
            CERT_TYPES
                .iter()
                .find(|(c, _)| *c == code)
                .map_or_else(|| code.to_string(), |(_, m)| (*m).to_string())
        }
        Field::Time => time_text(r.u32()?),
        Field::TypeBitmap => bitmap_types(r.rest())?
            .into_iter()
            .map(type_text)
            .collect::<Vec<_>>()
            .join(" "),
        Field::Salt => {
            let salt = r.text()?;
            if salt.is_empty() {
                "-".into()
            } else {
                crate::encoding::hex_upper(salt)
            }
        }
        Field::HashedOwner => crate::encoding::base32hex_encode(r.text()?),
        Field::Eui48 => eui_text(r.take(6)?),
        Field::Eui64 => eui_text(r.take(8)?),
        Field::Locator64 => {
            let b = r.take(8)?;
            b.chunks(2)
                .map(|p| format!("{:02x}{:02x}", p[0], p[1]))
                .collect::<Vec<_>>()
                .join(":")
        }
        Field::Uri => nonempty(quoted(r.rest()))?,
        Field::CaaTag => {
            let tag = r.text()?;
            if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return Err("a CAA tag that is not letters and digits".into());
            }
            String::from_utf8_lossy(tag).into_owned()
        }
        Field::CaaValue => quoted(r.rest()),
        Field::SvcParams => svcb::print(r)?,
        Field::Loc => loc::print(r)?,
        Field::Apl => others::print_apl(r)?,
        Field::IpsecKey => others::print_ipseckey(r)?,
        Field::Hip => others::print_hip(r)?,
        Field::AmtRelay => others::print_amtrelay(r)?,
        Field::Wks => others::print_wks(r)?,
        Field::Nsap => format!("0x{}", crate::encoding::hex_upper(r.rest())),
    })
}

fn nonempty(text: String) -> Result<String, String> {
    if text.is_empty() || text == "\"\"" {
        Err("an empty field".into())
    } else {
        Ok(text)
    }
}

/// The types in an NSEC type bitmap (RFC 4034 §4.1.2).
pub fn bitmap_types(bitmap: &[u8]) -> Result<Vec<u16>, String> {
    let mut r = Reader::new(bitmap);
    let mut types = Vec::new();
    let mut last_window = None;
    while !r.is_done() {
        let window = r.u8()?;
        let len = r.u8()?;
        if !(1..=32).contains(&len) || last_window.is_some_and(|w| w >= window) {
            return Err("a malformed type bitmap".into());
        }
        last_window = Some(window);
        for (i, &octet) in r.take(usize::from(len))?.iter().enumerate() {
            for bit in 0..8 {
                if octet & (0x80 >> bit) != 0 {
                    types.push(u16::from(window) << 8 | (i as u16 * 8 + bit));
                }
            }
        }
    }
    Ok(types)
}

/// An RRSIG time as `YYYYMMDDHHmmSS` (RFC 4034 §3.2).
fn time_text(seconds: u32) -> String {
    let (days, rest) = (i64::from(seconds) / 86_400, i64::from(seconds) % 86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(14);
    let _ = write!(
        out,
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    out
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn eui_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join("-")
}
