//! RDATA in presentation form, both ways, for every type of [`super::rrtype::TYPES`]: read from
//! the tokens of a master-file entry into wire form (names uncompressed, case kept), and printed
//! from wire form back to text that reads in again as the same bytes. Each type is a list of
//! [`Field`]s, as RFC 1035 §3.3 and the RFC of each type lay them out; the RFC 3597 generic form
//! (`\# length hex`) is read for every type.
//!
//! flatapex does this itself: hickory-proto's text parser covers fewer types and loses escapes,
//! and NLnet Labs `domain`'s parser misses types and TTL units and would add about 97 KiB to the
//! worker's wasm (docs/ARCHITECTURE.md, "Zone model").

mod canonical;
mod fields;
mod loc;
mod others;
mod print;
mod svcb;

use super::entries::Token;
use super::rrtype::{TypeInfo, by_code, type_text};

pub use canonical::canonical_rdata;
pub use fields::{parse_ttl, type_bitmap};
pub use print::{print_rdata, quoted};

/// One field of RDATA, in presentation and wire form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// An unsigned 8-bit number.
    U8,
    /// An unsigned 16-bit number.
    U16,
    /// An unsigned 32-bit number.
    U32,
    /// A 32-bit time span with units (`1h30m`, RFC 2308 §4 style), as in SOA timers.
    Ttl,
    /// A domain name, relative names completed with the origin.
    Name,
    /// An IPv4 address (RFC 1035 §3.4.1).
    Ipv4,
    /// An IPv6 address (RFC 3596 §2.2).
    Ipv6,
    /// One character-string (RFC 1035 §3.3).
    Text,
    /// One character-string, or nothing (ISDN's subaddress).
    OptionalText,
    /// One or more character-strings, to the end.
    Texts,
    /// Hexadecimal octets to the end; blank space is allowed between digits.
    Hex,
    /// Base64 to the end; blank space is allowed.
    Base64,
    /// A type mnemonic as a 16-bit code (RRSIG's type covered).
    TypeCode,
    /// A DNSSEC algorithm, by number or mnemonic (RFC 4034 Appendix A.1).
    Algorithm,
    /// A CERT type, by number or mnemonic (RFC 4398 §2.1).
    CertType,
    /// A time as `YYYYMMDDHHmmSS` or seconds (RFC 4034 §3.2).
    Time,
    /// The type bitmap of NSEC, NSEC3 and CSYNC (RFC 4034 §4.1.2), to the end.
    TypeBitmap,
    /// An NSEC3 salt: hex with a length octet, `-` for none (RFC 5155 §3.3).
    Salt,
    /// An NSEC3 next hashed owner: base32hex with a length octet (RFC 5155 §3.3).
    HashedOwner,
    /// A 48-bit EUI: six hex pairs joined by `-` (RFC 7043 §3.2).
    Eui48,
    /// A 64-bit EUI: eight hex pairs joined by `-` (RFC 7043 §4.2).
    Eui64,
    /// An ILNP locator or node ID: four 16-bit hex groups joined by `:` (RFC 6742 §2.3).
    Locator64,
    /// URI's target: one string, the rest of the RDATA, no length octet (RFC 7553 §4.5).
    Uri,
    /// CAA's tag: letters and digits, with a length octet (RFC 8659 §4.1).
    CaaTag,
    /// CAA's value: one string, the rest of the RDATA, no length octet (RFC 8659 §4.1.1).
    CaaValue,
    /// SVCB and HTTPS parameters, sorted on the wire (RFC 9460 §2.2).
    SvcParams,
    /// LOC (RFC 1876 §3).
    Loc,
    /// APL items (RFC 3123 §5).
    Apl,
    /// IPSECKEY's gateway type, algorithm, gateway and key (RFC 4025 §3).
    IpsecKey,
    /// HIP's HIT, public key and rendezvous servers (RFC 8005 §5).
    Hip,
    /// AMTRELAY's precedence, discovery bit, type and relay (RFC 8777 §4.3).
    AmtRelay,
    /// WKS's address, protocol and services (RFC 1035 §3.4.2).
    Wks,
    /// NSAP's `0x` hex (RFC 1706 §5).
    Nsap,
}

/// The tokens of one RDATA as they are read, with the origin for relative names and the
/// warnings found on the way.
pub struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    at: usize,
    origin: &'t [u8],
    /// Oddities that do not stop the record (a TXT string over 255 octets, split).
    pub warnings: Vec<String>,
}

impl<'t, 'a> Cursor<'t, 'a> {
    /// A cursor over `tokens`.
    pub fn new(tokens: &'t [Token<'a>], origin: &'t [u8]) -> Self {
        Cursor {
            tokens,
            at: 0,
            origin,
            warnings: Vec::new(),
        }
    }

    /// The next token; an error naming `what` if there is none.
    pub fn next(&mut self, what: &str) -> Result<Token<'a>, String> {
        let token = self
            .tokens
            .get(self.at)
            .copied()
            .ok_or_else(|| format!("missing {what}"))?;
        self.at += 1;
        Ok(token)
    }

    /// The next token's text, which must not be quoted.
    pub fn word(&mut self, what: &str) -> Result<&'a str, String> {
        let token = self.next(what)?;
        if token.quoted {
            return Err(format!(
                "{what} cannot be a quoted string (\"{}\")",
                token.raw
            ));
        }
        Ok(token.raw)
    }

    /// Every token left.
    pub fn rest(&mut self) -> &'t [Token<'a>] {
        let rest = &self.tokens[self.at..];
        self.at = self.tokens.len();
        rest
    }

    /// Whether every token has been read.
    pub fn is_done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    /// The origin, for relative names.
    pub fn origin(&self) -> &'t [u8] {
        self.origin
    }
}

/// What reading RDATA gives: the wire form, and warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The RDATA in wire form.
    pub wire: Vec<u8>,
    /// Oddities that do not stop the record.
    pub warnings: Vec<String>,
}

/// Reads the RDATA tokens of a record of type `code`; relative names are under `origin` (wire
/// form).
pub fn parse_rdata(code: u16, tokens: &[Token<'_>], origin: &[u8]) -> Result<Parsed, String> {
    let name = type_text(code);
    if let Some(first) = tokens.first()
        && !first.quoted
        && first.raw == "\\#"
    {
        let wire = generic(&tokens[1..])?;
        check_wire(code, &wire).map_err(|e| format!("RFC 3597 data is not a valid {name}: {e}"))?;
        return Ok(Parsed {
            wire,
            warnings: Vec::new(),
        });
    }
    let info: &TypeInfo = match by_code(code) {
        Some(info) if !info.fields.is_empty() => info,
        _ => {
            return Err(format!(
                "{name} has no presentation form here: write it as RFC 3597 \\# <length> <hex>"
            ));
        }
    };
    // APL alone may be empty (RFC 3123 §4: zero or more items).
    if tokens.is_empty() && info.fields != [Field::Apl] {
        return Err(format!("{name} record has no RDATA"));
    }
    let mut cursor = Cursor::new(tokens, origin);
    let mut wire = Vec::with_capacity(32);
    for field in info.fields {
        fields::parse(*field, &mut cursor, &mut wire)
            .map_err(|e| format!("bad {name} RDATA: {e}"))?;
    }
    if !cursor.is_done() {
        let extra: Vec<&str> = cursor.rest().iter().map(|t| t.raw).collect();
        return Err(format!(
            "bad {name} RDATA: unexpected {:?} after the last field",
            extra.join(" ")
        ));
    }
    Ok(Parsed {
        wire,
        warnings: cursor.warnings,
    })
}

/// RFC 3597 §5: `\# <length> <hex words>`.
fn generic(tokens: &[Token<'_>]) -> Result<Vec<u8>, String> {
    let (len, hex) = tokens
        .split_first()
        .ok_or("\\# needs a length and hex data (RFC 3597 §5)")?;
    let len: u16 = len
        .raw
        .parse()
        .map_err(|_| format!("RFC 3597 length {:?} is not a number up to 65535", len.raw))?;
    let text: String = hex.iter().map(|t| t.raw).collect();
    let bytes = crate::encoding::hex_decode(text.as_bytes())
        .map_err(|e| format!("RFC 3597 data is not hex: {e}"))?;
    if bytes.len() != usize::from(len) {
        return Err(format!(
            "RFC 3597 length says {len} octets but the data has {}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Checks that `wire` is valid RDATA of `code` (for the types with a layout here): it prints.
pub fn check_wire(code: u16, wire: &[u8]) -> Result<(), String> {
    match by_code(code) {
        Some(info) if !info.fields.is_empty() => print::print_fields(info, wire).map(|_| ()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
