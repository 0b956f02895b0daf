//! Domain names in presentation form (RFC 1035 §5.1, RFC 4343 §2.1): `@`, absolute and relative
//! names, and the escapes `\X` and `\DDD`, read into wire form (labels with the root, case
//! kept, RFC 1035 §3.1) and printed back so that they read in again as the same name.

use hickory_proto::rr::Name;

use super::wire::{name_wire, read_name};

/// The longest name in wire form (RFC 1035 §2.3.4).
pub const MAX_NAME: usize = 255;

/// The longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL: usize = 63;

/// Reads `text` as a domain name in wire form. A name not ending in an unescaped `.` is
/// relative to `origin` (itself in wire form); `@` is the origin.
pub fn parse_name(text: &str, origin: &[u8]) -> Result<Vec<u8>, String> {
    if text == "@" {
        return Ok(origin.to_vec());
    }
    if text.is_empty() {
        return Err("an empty domain name".into());
    }
    if text == "." {
        return Ok(vec![0]);
    }
    let bad = |why: &str| format!("bad domain name {text:?}: {why}");
    let bytes = text.as_bytes();
    let mut wire = Vec::with_capacity(text.len() + 2);
    let mut label: Vec<u8> = Vec::with_capacity(MAX_LABEL);
    let mut absolute = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                if label.is_empty() {
                    return Err(bad("an empty label"));
                }
                push_label(&mut wire, &label).map_err(|e| bad(&e))?;
                label.clear();
                i += 1;
                if i == bytes.len() {
                    absolute = true;
                }
            }
            b'\\' => {
                let (byte, used) = escape(&bytes[i + 1..]).map_err(|e| bad(&e))?;
                label.push(byte);
                i += 1 + used;
            }
            byte => {
                label.push(byte);
                i += 1;
            }
        }
    }
    if !label.is_empty() {
        push_label(&mut wire, &label).map_err(|e| bad(&e))?;
    }
    if absolute {
        wire.push(0);
    } else {
        wire.extend_from_slice(origin);
    }
    if wire.len() > MAX_NAME {
        return Err(bad(&format!("{} octets, over {MAX_NAME}", wire.len())));
    }
    Ok(wire)
}

/// Reads a domain name as users write it (in a URL, a flag, a file name): absolute whether or
/// not it ends in `.`, with the escapes of [`parse_name`].
pub fn text_to_name(text: &str) -> Result<Name, String> {
    let text = text
        .strip_suffix('.')
        .filter(|t| !t.is_empty() && !t.ends_with('\\'))
        .unwrap_or(text);
    let wire = if text == "." {
        vec![0]
    } else {
        parse_name(text, &[0])?
    };
    read_name(&wire).ok_or_else(|| format!("bad domain name {text:?}"))
}

/// A name as text, absolute, escaped as [`print_name`] does.
pub fn name_text(name: &Name) -> String {
    print_name(&name_wire(name))
}

/// Reads the escape after a backslash: `\DDD` (a decimal octet) or `\X` (X itself); returns the
/// octet and how many bytes of `after` it used.
pub fn escape(after: &[u8]) -> Result<(u8, usize), String> {
    match after {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            let value = u32::from(a - b'0') * 100 + u32::from(b - b'0') * 10 + u32::from(c - b'0');
            u8::try_from(value)
                .map(|v| (v, 3))
                .map_err(|_| format!("escape \\{value} is above \\255"))
        }
        [d, ..] if d.is_ascii_digit() => Err("a \\DDD escape needs exactly three digits".into()),
        [x, ..] => Ok((*x, 1)),
        [] => Err("a backslash ends the text".into()),
    }
}

fn push_label(wire: &mut Vec<u8>, label: &[u8]) -> Result<(), String> {
    if label.len() > MAX_LABEL {
        return Err(format!(
            "a label of {} octets, over {MAX_LABEL}",
            label.len()
        ));
    }
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    Ok(())
}

/// The name in wire form as text: absolute, with `.`, `\`, `"`, `;`, `(`, `)`, `@`, `$`, blank
/// space and bytes outside printable ASCII escaped, so that [`parse_name`] reads it back.
pub fn print_name(wire: &[u8]) -> String {
    let mut out = String::with_capacity(wire.len() + 1);
    let mut at = 0;
    while let Some(&len) = wire.get(at) {
        if len == 0 {
            break;
        }
        let label = wire
            .get(at + 1..at + 1 + usize::from(len))
            .unwrap_or_default();
        for &b in label {
            push_escaped(&mut out, b, b".\\\"();@$ \t");
        }
        out.push('.');
        at += 1 + usize::from(len);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Appends `b`, escaped when it is one of `special` or outside printable ASCII.
pub fn push_escaped(out: &mut String, b: u8, special: &[u8]) {
    if special.contains(&b) {
        out.push('\\');
        out.push(char::from(b));
    } else if (0x21..=0x7e).contains(&b) {
        out.push(char::from(b));
    } else {
        out.push_str(&format!("\\{b:03}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &[u8] = b"\x07example\x03com\x00";

    fn wire(text: &str) -> Vec<u8> {
        parse_name(text, ORIGIN).unwrap()
    }

    #[test]
    fn relative_absolute_and_the_origin() {
        assert_eq!(wire("@"), ORIGIN);
        assert_eq!(wire("www"), b"\x03www\x07example\x03com\x00");
        assert_eq!(wire("www.example.net."), b"\x03www\x07example\x03net\x00");
        assert_eq!(wire("."), b"\x00");
        assert_eq!(
            wire("WwW"),
            b"\x03WwW\x07example\x03com\x00",
            "case is kept"
        );
    }

    #[test]
    fn escapes_are_octets_and_print_back() {
        assert_eq!(wire("\\065\\066c."), b"\x03ABc\x00");
        assert_eq!(
            wire("a\\.b."),
            b"\x03a.b\x00",
            "an escaped dot is in the label"
        );
        assert_eq!(wire("a\\032b."), b"\x03a b\x00");
        assert_eq!(wire("128/26.2.0.192.in-addr.arpa.")[..7], *b"\x06128/26");
        for text in [
            "a\\.b.",
            "a\\032b.",
            "\\000\\255.",
            "x\\\\y.",
            "\\@.",
            "128/26.x.",
        ] {
            let once = wire(text);
            assert_eq!(
                wire(&print_name(&once)),
                once,
                "{text} -> {}",
                print_name(&once)
            );
        }
        assert_eq!(print_name(b"\x03a.b\x00"), "a\\.b.");
        assert_eq!(print_name(b"\x00"), ".");
    }

    #[test]
    fn bad_names_say_why() {
        for (text, why) in [
            ("a..b.", "empty label"),
            ("\\256.", "above \\255"),
            ("\\12.", "three digits"),
            ("x\\", "backslash ends"),
        ] {
            let e = parse_name(text, ORIGIN).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
        let long = format!("{}.", "a".repeat(64));
        assert!(parse_name(&long, ORIGIN).unwrap_err().contains("over 63"));
        let huge = format!("{}.", vec!["a".repeat(60); 5].join("."));
        assert!(parse_name(&huge, ORIGIN).unwrap_err().contains("over 255"));
    }
}
