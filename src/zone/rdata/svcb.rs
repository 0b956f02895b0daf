//! SVCB and HTTPS parameters (RFC 9460 §2.1, §7, Appendix A): `key=value` in presentation form,
//! values quoted or not, with character-string escapes and, in lists, `\,` for a comma inside an
//! item; on the wire, sorted by key with no duplicates, and `mandatory` checked (§8).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Cursor;
use super::fields::number;
use super::print::{Reader, quoted};
use crate::zone::entries::unescape;

const KEYS: &[(u16, &str)] = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "ech"),
    (6, "ipv6hint"),
    (7, "dohpath"),
    (8, "ohttp"),
];

/// The code of key `name`: a registered name or `keyNNNNN` (§2.1).
fn key_code(name: &str) -> Result<u16, String> {
    if let Some((code, _)) = KEYS.iter().find(|(_, n)| *n == name) {
        return Ok(*code);
    }
    name.strip_prefix("key")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u16>().ok())
        .filter(|&code| code != 65535)
        .ok_or_else(|| format!("unknown SvcParamKey {name:?}"))
}

fn key_name(code: u16) -> String {
    KEYS.iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| format!("key{code}"), |(_, n)| (*n).to_string())
}

/// Splits a value-list (Appendix A.1) on commas that are not escaped; `\,` and `\\` stand for
/// a comma and a backslash inside an item.
fn value_list(value: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut items = vec![Vec::new()];
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\\' => {
                let next = *value.get(i + 1).ok_or("a value list ends in a backslash")?;
                if let Some(last) = items.last_mut() {
                    last.push(next);
                }
                i += 2;
            }
            b',' => {
                items.push(Vec::new());
                i += 1;
            }
            b => {
                if let Some(last) = items.last_mut() {
                    last.push(b);
                }
                i += 1;
            }
        }
    }
    if items.iter().any(Vec::is_empty) {
        return Err("an empty item in a value list".into());
    }
    Ok(items)
}

/// Reads every parameter left and appends them to `wire`, sorted by key.
pub fn parse(c: &mut Cursor<'_, '_>, wire: &mut Vec<u8>) -> Result<(), String> {
    let tokens = c.rest();
    let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        i += 1;
        if token.quoted {
            return Err(format!(
                "a quoted \"{}\" where a SvcParam key is expected",
                token.raw
            ));
        }
        let (name, raw_value) = match token.raw.split_once('=') {
            None => (token.raw, None),
            Some((name, "")) => match tokens.get(i) {
                Some(next) if next.quoted => {
                    i += 1;
                    (name, Some(next.raw))
                }
                _ => (name, Some("")),
            },
            Some((name, value)) => (name, Some(value)),
        };
        let code = key_code(name)?;
        let value = raw_value.map(unescape).transpose()?.map(|v| v.into_owned());
        let encoded = encode_value(code, name, value.as_deref())?;
        if params.iter().any(|(k, _)| *k == code) {
            return Err(format!("SvcParamKey {name} appears twice (RFC 9460 §2.2)"));
        }
        params.push((code, encoded));
    }
    params.sort_by_key(|(k, _)| *k);
    check_mandatory(&params)?;
    if params.iter().any(|(k, _)| *k == 2) && !params.iter().any(|(k, _)| *k == 1) {
        return Err("no-default-alpn needs alpn (RFC 9460 §7.1.1)".into());
    }
    for (key, value) in params {
        let len = u16::try_from(value.len()).map_err(|_| "a SvcParam value over 65535 octets")?;
        wire.extend_from_slice(&key.to_be_bytes());
        wire.extend_from_slice(&len.to_be_bytes());
        wire.extend(value);
    }
    Ok(())
}

/// The wire form of the value of key `code` (RFC 9460 §7).
fn encode_value(code: u16, name: &str, value: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let needs = |what: &str| format!("SvcParam {name} needs {what}");
    let text = |v: &[u8]| String::from_utf8(v.to_vec()).map_err(|_| needs("ASCII text"));
    match code {
        0 => {
            let mut keys = Vec::new();
            for item in value_list(value.ok_or_else(|| needs("a list of keys"))?)? {
                let key = key_code(&text(&item)?)?;
                if key == 0 {
                    return Err("mandatory cannot list itself (RFC 9460 §8)".into());
                }
                if keys.contains(&key) {
                    return Err(format!("mandatory lists {} twice", key_name(key)));
                }
                keys.push(key);
            }
            keys.sort_unstable();
            Ok(keys.iter().flat_map(|k| k.to_be_bytes()).collect())
        }
        1 => {
            let mut out = Vec::new();
            for id in value_list(value.ok_or_else(|| needs("a list of protocol ids"))?)? {
                let len = u8::try_from(id.len()).map_err(|_| needs("ids of at most 255 octets"))?;
                out.push(len);
                out.extend(id);
            }
            Ok(out)
        }
        2 | 8 => match value {
            None | Some([]) => Ok(Vec::new()),
            Some(_) => Err(format!("SvcParam {name} takes no value")),
        },
        3 => {
            let port: u16 = number(&text(value.ok_or_else(|| needs("a port"))?)?, "a port")?;
            Ok(port.to_be_bytes().to_vec())
        }
        4 | 6 => {
            let mut out = Vec::new();
            for item in value_list(value.ok_or_else(|| needs("addresses"))?)? {
                let item = text(&item)?;
                if code == 4 {
                    let ip: Ipv4Addr = item.parse().map_err(|_| needs("IPv4 addresses"))?;
                    out.extend_from_slice(&ip.octets());
                } else {
                    let ip: Ipv6Addr = item.parse().map_err(|_| needs("IPv6 addresses"))?;
                    out.extend_from_slice(&ip.octets());
                }
            }
            Ok(out)
        }
        5 => crate::encoding::base64_decode(value.ok_or_else(|| needs("base64"))?)
            .map_err(|e| format!("SvcParam ech is not base64: {e}")),
        7 => {
            let path = value.ok_or_else(|| needs("a URI template"))?;
            std::str::from_utf8(path).map_err(|_| needs("UTF-8"))?;
            Ok(path.to_vec())
        }
        _ => Ok(value.unwrap_or_default().to_vec()),
    }
}

/// Every key `mandatory` lists must be present (RFC 9460 §8).
fn check_mandatory(params: &[(u16, Vec<u8>)]) -> Result<(), String> {
    let Some((_, list)) = params.iter().find(|(k, _)| *k == 0) else {
        return Ok(());
    };
    for key in list.chunks(2).map(|k| u16::from_be_bytes([k[0], k[1]])) {
        if !params.iter().any(|(k, _)| *k == key) {
            return Err(format!(
                "mandatory lists {}, which is not given (RFC 9460 §8)",
                key_name(key)
            ));
        }
    }
    Ok(())
}

/// An item of a value list, with commas and backslashes escaped for the list (Appendix A.1).
fn list_item(item: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(item.len());
    for &b in item {
        if b == b',' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// Every parameter left, in presentation form.
pub fn print(r: &mut Reader<'_>) -> Result<String, String> {
    let mut parts = Vec::new();
    let mut last = None;
    while !r.is_done() {
        let key = r.u16()?;
        if last.is_some_and(|l| l >= key) {
            return Err("SvcParams out of order or repeated".into());
        }
        last = Some(key);
        let len = usize::from(r.u16()?);
        let value = r.take(len)?;
        let name = key_name(key);
        let mut v = Reader::new(value);
        let printed = match key {
            0 => {
                if len == 0 || len % 2 != 0 {
                    return Err("a mandatory list of odd or no length".into());
                }
                let keys: Vec<String> = value
                    .chunks(2)
                    .map(|k| key_name(u16::from_be_bytes([k[0], k[1]])))
                    .collect();
                format!("{name}={}", keys.join(","))
            }
            1 => {
                let mut items = Vec::new();
                while !v.is_done() {
                    items.push(list_item(v.text()?));
                }
                format!("{name}={}", quoted(&items.join(&b","[..])))
            }
            2 | 8 if len == 0 => name,
            3 if len == 2 => format!("{name}={}", v.u16()?),
            4 if len % 4 == 0 && len > 0 => {
                let ips: Vec<String> = value
                    .chunks(4)
                    .map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string())
                    .collect();
                format!("{name}={}", ips.join(","))
            }
            6 if len % 16 == 0 && len > 0 => {
                let ips: Vec<String> = value
                    .chunks(16)
                    .map(|b| Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or([0; 16])).to_string())
                    .collect();
                format!("{name}={}", ips.join(","))
            }
            5 => format!("{name}={}", crate::encoding::base64_encode(value)),
            0..=8 if key != 7 => return Err(format!("a malformed {name} value")),
            _ => format!("{name}={}", quoted(value)),
        };
        parts.push(printed);
    }
    Ok(parts.join(" "))
}
