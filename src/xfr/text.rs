//! A zone as RFC 1035 master-file text (§5.1), with each ALIAS replaced by its flattened
//! records and the served serial: what `GET /zones/<zone>` returns, and what any secondary
//! tooling (or `flatapex check`) can read back.

use std::fmt::Write;

use hickory_proto::rr::{RData, Record};

use super::flat::FlatRecords;
use super::transfer::zone_records;
use crate::zone::Zone;

/// RDATA in presentation form: TXT as quoted strings (RFC 1035 §5.1 escapes), unknown types in
/// RFC 3597 `\# length hex` form, everything else as hickory-proto prints it.
pub fn presentation(record: &Record) -> (String, String) {
    match &record.data {
        RData::TXT(txt) => {
            let strings: Vec<String> = txt
                .txt_data
                .iter()
                .map(|s| {
                    let mut out = String::from("\"");
                    for &b in s.iter() {
                        match b {
                            b'"' | b'\\' => {
                                out.push('\\');
                                out.push(b as char);
                            }
                            0x20..=0x7e => out.push(b as char),
                            _ => {
                                let _ = write!(out, "\\{b:03}");
                            }
                        }
                    }
                    out.push('"');
                    out
                })
                .collect();
            ("TXT".into(), strings.join(" "))
        }
        RData::Unknown { code, rdata } => (
            format!("TYPE{}", u16::from(*code)),
            format!(
                "\\# {} {}",
                rdata.anything.len(),
                data_encoding::HEXLOWER.encode(&rdata.anything)
            ),
        ),
        other => (record.record_type().to_string(), other.to_string()),
    }
}

/// The zone as master-file text at `serial`.
pub fn zone_text(zone: &Zone, flat: &FlatRecords, serial: u32) -> String {
    let mut records = zone_records(zone, flat, serial);
    records.pop(); // the closing SOA of a transfer
    let mut out = format!(
        "; {} serial {serial}, ALIAS flattened by flatapex\n$ORIGIN {}\n",
        zone.apex(),
        zone.apex()
    );
    for record in &records {
        let (rtype, rdata) = presentation(record);
        let _ = writeln!(out, "{} {} IN {rtype} {rdata}", record.name, record.ttl);
    }
    out
}
