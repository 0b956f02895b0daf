//! The RDATA layouts that are more than a list of simple fields: APL (RFC 3123), IPSECKEY
//! (RFC 4025), HIP (RFC 8005), AMTRELAY (RFC 8777), WKS (RFC 1035 §3.4.2) and NSAP (RFC 1706).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Cursor;
use super::fields::{base64_rest, hex_text, number};
use super::print::Reader;
use crate::zone::names::{parse_name, print_name};

/// APL items: `[!]afi:address/prefix`, `afi` 1 for IPv4 and 2 for IPv6 (RFC 3123 §5).
pub fn parse_apl(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    for token in c.rest() {
        let text = token.raw;
        let bad = || format!("APL item {text:?} is not [!]afi:address/prefix");
        let (negated, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (family, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (address, prefix) = rest.rsplit_once('/').ok_or_else(bad)?;
        let prefix: u8 = number(prefix, "a prefix length")?;
        let (family, mut bytes, max) = match family {
            "1" => {
                let ip: Ipv4Addr = address.parse().map_err(|_| bad())?;
                (1u16, ip.octets().to_vec(), 32)
            }
            "2" => {
                let ip: Ipv6Addr = address.parse().map_err(|_| bad())?;
                (2u16, ip.octets().to_vec(), 128)
            }
            _ => {
                return Err(format!(
                    "APL family {family:?} is neither 1 (IPv4) nor 2 (IPv6)"
                ));
            }
        };
        if prefix > max {
            return Err(format!("APL prefix /{prefix} is longer than the address"));
        }
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        wire.extend_from_slice(&family.to_be_bytes());
        wire.push(prefix);
        wire.push(u8::from(negated) << 7 | bytes.len() as u8);
        wire.extend(bytes);
    }
    Ok(())
}

/// Prints APL items.
pub fn print_apl(r: &mut Reader<'_>) -> Result<String, String> {
    let mut items = Vec::new();
    while !r.is_done() {
        let family = r.u16()?;
        let prefix = r.u8()?;
        let flags = r.u8()?;
        let part = r.take(usize::from(flags & 0x7f))?;
        let negated = if flags & 0x80 != 0 { "!" } else { "" };
        let address = match family {
            1 if part.len() <= 4 => {
                let mut octets = [0u8; 4];
                octets[..part.len()].copy_from_slice(part);
                Ipv4Addr::from(octets).to_string()
            }
            2 if part.len() <= 16 => {
                let mut octets = [0u8; 16];
                octets[..part.len()].copy_from_slice(part);
                Ipv6Addr::from(octets).to_string()
            }
            _ => return Err("an APL item of an unknown family".into()),
        };
        items.push(format!("{negated}{family}:{address}/{prefix}"));
    }
    Ok(items.join(" "))
}

/// A relay or gateway by type: 0 none (`.`), 1 IPv4, 2 IPv6, 3 a domain name.
fn gateway(kind: u8, text: &str, origin: &[u8], wire: &mut Vec<u8>) -> Result<(), String> {
    match kind {
        0 if text == "." => {}
        0 => return Err(format!("gateway type 0 needs \".\", not {text:?}")),
        1 => {
            let ip: Ipv4Addr = text.parse().map_err(|_| format!("{text:?} is not IPv4"))?;
            wire.extend_from_slice(&ip.octets());
        }
        2 => {
            let ip: Ipv6Addr = text.parse().map_err(|_| format!("{text:?} is not IPv6"))?;
            wire.extend_from_slice(&ip.octets());
        }
        3 => wire.extend(parse_name(text, origin)?),
        _ => return Err(format!("gateway type {kind} is not 0 to 3")),
    }
    Ok(())
}

fn gateway_text(kind: u8, r: &mut Reader<'_>) -> Result<String, String> {
    Ok(match kind {
        0 => ".".into(),
        1 => {
            let b = r.take(4)?;
            Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
        }
        2 => Ipv6Addr::from(<[u8; 16]>::try_from(r.take(16)?).map_err(|_| "short")?).to_string(),
        3 => print_name(r.name()?),
        _ => return Err("an unknown gateway type".into()),
    })
}

/// IPSECKEY: `precedence gateway-type algorithm gateway [public-key]` (RFC 4025 §3).
pub fn parse_ipseckey(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let precedence: u8 = number(c.word("a precedence")?, "a precedence up to 255")?;
    let kind: u8 = number(c.word("a gateway type")?, "a gateway type")?;
    let algorithm: u8 = number(c.word("an algorithm")?, "an algorithm up to 255")?;
    wire.extend_from_slice(&[precedence, kind, algorithm]);
    let origin = c.origin();
    gateway(kind, c.word("a gateway")?, origin, wire)?;
    wire.extend(base64_rest(c.rest())?);
    Ok(())
}

/// Prints IPSECKEY.
pub fn print_ipseckey(r: &mut Reader<'_>) -> Result<String, String> {
    let (precedence, kind, algorithm) = (r.u8()?, r.u8()?, r.u8()?);
    let gateway = gateway_text(kind, r)?;
    let key = crate::encoding::base64_encode(r.rest());
    Ok(format!("{precedence} {kind} {algorithm} {gateway} {key}")
        .trim_end()
        .to_string())
}

/// HIP: `pk-algorithm hit public-key [rendezvous-server...]` (RFC 8005 §5).
pub fn parse_hip(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let algorithm: u8 = number(c.word("an algorithm")?, "an algorithm up to 255")?;
    let hit = hex_text(c.word("a HIT")?)?;
    let key = crate::encoding::base64_decode(c.word("a public key")?.as_bytes())
        .map_err(|e| format!("the HIP public key is not base64: {e}"))?;
    let hit_len = u8::try_from(hit.len()).map_err(|_| "a HIT over 255 octets")?;
    let key_len = u16::try_from(key.len()).map_err(|_| "a public key over 65535 octets")?;
    wire.push(hit_len);
    wire.push(algorithm);
    wire.extend_from_slice(&key_len.to_be_bytes());
    wire.extend(hit);
    wire.extend(key);
    let origin = c.origin();
    for server in c.rest() {
        wire.extend(parse_name(server.raw, origin)?);
    }
    Ok(())
}

/// Prints HIP.
pub fn print_hip(r: &mut Reader<'_>) -> Result<String, String> {
    let hit_len = usize::from(r.u8()?);
    let algorithm = r.u8()?;
    let key_len = usize::from(r.u16()?);
    let hit = crate::encoding::hex_upper(r.take(hit_len)?);
    let key = crate::encoding::base64_encode(r.take(key_len)?);
    let mut out = format!("{algorithm} {hit} {key}");
    while !r.is_done() {
        out.push(' ');
        out.push_str(&print_name(r.name()?));
    }
    Ok(out)
}

/// AMTRELAY: `precedence discovery-optional type relay` (RFC 8777 §4.3).
pub fn parse_amtrelay(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let precedence: u8 = number(c.word("a precedence")?, "a precedence up to 255")?;
    let discovery: u8 = number(c.word("a discovery bit")?, "0 or 1")?;
    let kind: u8 = number(c.word("a relay type")?, "a relay type")?;
    if discovery > 1 || kind > 127 {
        return Err("the discovery bit is 0 or 1, the relay type below 128".into());
    }
    wire.extend_from_slice(&[precedence, discovery << 7 | kind]);
    let origin = c.origin();
    gateway(kind, c.word("a relay")?, origin, wire)
}

/// Prints AMTRELAY.
pub fn print_amtrelay(r: &mut Reader<'_>) -> Result<String, String> {
    let precedence = r.u8()?;
    let flags = r.u8()?;
    let (discovery, kind) = (flags >> 7, flags & 0x7f);
    Ok(format!(
        "{precedence} {discovery} {kind} {}",
        gateway_text(kind, r)?
    ))
}

/// WKS: `address protocol port...` (RFC 1035 §3.4.2); the protocol by number, `tcp` or `udp`,
/// ports by number.
pub fn parse_wks(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let address = c.word("an address")?;
    let ip: Ipv4Addr = address
        .parse()
        .map_err(|_| format!("{address:?} is not an IPv4 address"))?;
    let protocol = match c.word("a protocol")? {
        p if p.eq_ignore_ascii_case("tcp") => 6,
        p if p.eq_ignore_ascii_case("udp") => 17,
        p => number::<u8>(p, "a protocol number, tcp or udp")?,
    };
    let mut bitmap: Vec<u8> = Vec::new();
    for token in c.rest() {
        let port: u16 = number(token.raw, "a port number")?;
        let byte = usize::from(port / 8);
        if bitmap.len() <= byte {
            bitmap.resize(byte + 1, 0);
        }
        bitmap[byte] |= 0x80 >> (port % 8);
    }
    wire.extend_from_slice(&ip.octets());
    wire.push(protocol);
    wire.extend(bitmap);
    Ok(())
}

/// Prints WKS.
pub fn print_wks(r: &mut Reader<'_>) -> Result<String, String> {
    let b = r.take(4)?;
    let mut out = format!("{} {}", Ipv4Addr::new(b[0], b[1], b[2], b[3]), r.u8()?);
    for (i, &octet) in r.rest().iter().enumerate() {
        for bit in 0..8 {
            if octet & (0x80 >> bit) != 0 {
                out.push_str(&format!(" {}", i * 8 + bit));
            }
        }
    }
    Ok(out)
}

/// NSAP: `0x` and hex digits, with `.` allowed between them (RFC 1706 §5).
pub fn parse_nsap(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let text = c.word("an NSAP address")?;
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| format!("NSAP {text:?} does not start with 0x"))?;
    let bytes = hex_text(&digits.replace('.', ""))?;
    if bytes.is_empty() {
        return Err("an empty NSAP address".into());
    }
    wire.extend(bytes);
    Ok(())
}
