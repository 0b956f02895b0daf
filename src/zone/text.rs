//! Records in presentation format (RFC 1035 §5.1): the one printer behind zone text
//! (`/zones/<zone>`, exports), the JSON API and the debug TXT.
//!
//! hickory-proto prints most types. Two cases are done here: TXT, whose strings are printed
//! byte for byte with RFC 1035 escapes (hickory drops non-UTF-8 bytes), and types hickory does
//! not decode, printed in the RFC 3597 §5 generic form `\# <length> <hex>`. RDATA kept in wire
//! form (see [`crate::zone::node::answer_rdata`]) is decoded first when hickory knows its type.

use std::fmt::Write;

use hickory_proto::rr::{RData, Record, RecordType};

use super::node::decode_rdata;

/// The type as a master file writes it: its mnemonic, or `TYPEnnn` (RFC 3597 §5).
pub fn type_text(rtype: RecordType) -> String {
    match rtype {
        RecordType::Unknown(code) => format!("TYPE{code}"),
        known => known.to_string(),
    }
}

/// A character-string in quotes, with `"` and `\` escaped and bytes outside printable ASCII as
/// `\DDD` (RFC 1035 §5.1).
pub fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// RDATA in presentation form.
pub fn rdata_text(rdata: &RData) -> String {
    match rdata {
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        RData::Unknown { code, rdata } => {
            let bytes = &rdata.anything;
            // DNSSEC types decode only where hickory has its crypto features (natively, not in
            // wasm), so they are printed generically everywhere, the same in both shells.
            if !matches!(code, RecordType::Unknown(_))
                && !code.is_dnssec()
                && let Ok(decoded) = decode_rdata(*code, bytes)
                && !matches!(decoded, RData::Unknown { .. })
            {
                return rdata_text(&decoded);
            }
            let mut out = format!("\\# {}", bytes.len());
            if !bytes.is_empty() {
                out.push(' ');
                out.push_str(&hex::encode(bytes));
            }
            out
        }
        other => other.to_string(),
    }
}

/// One record as a master-file line: `owner TTL IN TYPE RDATA`.
pub fn record_line(record: &Record) -> String {
    format!(
        "{} {} IN {} {}",
        record.name,
        record.ttl,
        type_text(record.record_type()),
        rdata_text(&record.data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Name;
    use hickory_proto::rr::rdata::{NULL, TXT};

    #[test]
    fn txt_is_escaped_byte_for_byte() {
        let txt = RData::TXT(TXT::from_bytes(vec![b"a \"q\" \\", b"\x00\xff"]));
        assert_eq!(rdata_text(&txt), r#""a \"q\" \\" "\000\255""#);
    }

    #[test]
    fn wire_rdata_of_known_types_prints_decoded_and_unknown_types_generically() {
        let stored_txt = RData::Unknown {
            code: RecordType::TXT,
            rdata: NULL::with(b"\x02hi".to_vec()),
        };
        assert_eq!(rdata_text(&stored_txt), "\"hi\"");
        let private = Record::from_rdata(
            Name::from_ascii("x.test.").unwrap(),
            60,
            RData::Unknown {
                code: RecordType::Unknown(65280),
                rdata: NULL::with(vec![0xab, 0xcd]),
            },
        );
        assert_eq!(record_line(&private), "x.test. 60 IN TYPE65280 \\# 2 abcd");
        let empty = crate::zone::node::raw_rdata(RecordType::Unknown(65281), &[]);
        assert_eq!(rdata_text(&empty), "\\# 0");
    }
}
