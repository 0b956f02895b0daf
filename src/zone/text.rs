//! Records in presentation format (RFC 1035 §5.1): the one printer behind zone text
//! (`/zones/<zone>`, exports), the JSON API and the debug TXT.
//!
//! Every type prints from its wire form through [`print_rdata`], the inverse of the zone
//! reader: what is printed reads in again as the same bytes. RDATA hickory-proto decoded (the
//! answer types of [`crate::zone::wire::answer_rdata`], upstream addresses) is encoded first.

use hickory_proto::rr::{RData, Record, RecordType};

use super::names::print_name;
use super::node::ALIAS_CODE;
use super::rdata::print_rdata;
use super::wire::{encode_rdata, name_wire};

pub use super::rdata::quoted;

/// The type as a master file writes it: its mnemonic, `ALIAS`, or `TYPEnnn` (RFC 3597 §5).
pub fn type_text(rtype: RecordType) -> String {
    match u16::from(rtype) {
        ALIAS_CODE => "ALIAS".to_string(),
        code => super::rrtype::type_text(code),
    }
}

/// RDATA in presentation form.
pub fn rdata_text(rdata: &RData) -> String {
    let code = u16::from(rdata.record_type());
    match rdata {
        RData::Unknown { rdata, .. } => print_rdata(code, &rdata.anything),
        decoded => match encode_rdata(decoded) {
            Ok(wire) => print_rdata(code, &wire),
            Err(_) => decoded.to_string(),
        },
    }
}

/// One record as a master-file line: `owner TTL IN TYPE RDATA`.
pub fn record_line(record: &Record) -> String {
    format!(
        "{} {} IN {} {}",
        print_name(&name_wire(&record.name)),
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
