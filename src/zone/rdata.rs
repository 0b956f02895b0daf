//! RDATA text → hickory-proto `RData`, for one record of a master file.
//!
//! hickory-proto's parser does the work for every type it knows (A, AAAA, CNAME, MX, NS, SOA,
//! SRV, CAA, PTR, HTTPS, SVCB, …): each record is handed to it as one normalised line, with
//! the zone origin for relative names. Three cases are handled here because hickory-proto's
//! text parser does not cover them:
//! - RFC 3597 §5 generic RDATA (`\# <length> <hex>`), decoded with hickory's wire decoder;
//! - TXT, whose character-strings are built from bytes so that `\DDD` escapes are exact;
//! - DS (RFC 4034 §5.3), which hickory parses only with its DNSSEC crypto features.

use hickory_proto::rr::rdata::{NULL, TXT};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecoder, Restrict};
use hickory_proto::serialize::txt::Parser;

use super::entries::{Token, unescape};

/// Parses the RDATA tokens of a record of type `rtype`; relative names are under `origin`.
pub fn parse_rdata(
    rtype: RecordType,
    tokens: &[Token<'_>],
    origin: &Name,
) -> Result<RData, String> {
    if let Some(first) = tokens.first()
        && !first.quoted
        && first.raw == "\\#"
    {
        return generic(rtype, &tokens[1..]);
    }
    match rtype {
        RecordType::TXT => txt(tokens),
        RecordType::DS => ds(tokens),
        RecordType::DNSKEY
        | RecordType::RRSIG
        | RecordType::NSEC
        | RecordType::NSEC3
        | RecordType::NSEC3PARAM
        | RecordType::CDS
        | RecordType::CDNSKEY => Err(format!(
            "{rtype} records are not served: flatapex serves unsigned zones"
        )),
        RecordType::Unknown(code) => Err(format!(
            "type TYPE{code} needs RFC 3597 generic RDATA: \\# <length> <hex>"
        )),
        _ => with_hickory(rtype, tokens, origin),
    }
}

/// Hands one record to hickory-proto's zone parser as a single normalised line.
fn with_hickory(rtype: RecordType, tokens: &[Token<'_>], origin: &Name) -> Result<RData, String> {
    if tokens.is_empty() {
        return Err(format!("{rtype} record has no RDATA"));
    }
    let mut line = format!("@ 0 IN {rtype}");
    for token in tokens {
        line.push(' ');
        if token.quoted {
            let bytes = unescape(token.raw)?;
            line.push('"');
            for &b in bytes.iter() {
                match b {
                    b'"' | b'\\' => {
                        line.push('\\');
                        line.push(char::from(b));
                    }
                    0x20..=0x7e => line.push(char::from(b)),
                    _ => {
                        return Err(format!(
                            "byte \\{b:03} in a quoted {rtype} field is not supported; \
                             write the record as RFC 3597 \\# data"
                        ));
                    }
                }
            }
            line.push('"');
        } else if token.raw == "@" {
            // hickory's lexer has no `@` inside RDATA; spell the origin out.
            line.push_str(&origin.to_string());
        } else {
            // An escaped blank would split the token when hickory lexes it again.
            line.push_str(&token.raw.replace("\\ ", "\\032").replace("\\\t", "\\009"));
        }
    }
    line.push('\n');
    let (_, mut sets) = Parser::new(line, None, Some(origin.clone()))
        .parse()
        .map_err(|e| format!("bad {rtype} RDATA: {e}"))?;
    let set = sets
        .pop_first()
        .map(|(_, set)| set)
        .ok_or_else(|| format!("bad {rtype} RDATA"))?;
    let record = set
        .records_without_rrsigs()
        .next()
        .ok_or_else(|| format!("bad {rtype} RDATA"))?;
    Ok(record.data.clone())
}

/// RFC 3597 §5: `\# <length> <hex words>`; known types are decoded as their wire format.
fn generic(rtype: RecordType, tokens: &[Token<'_>]) -> Result<RData, String> {
    let (len, hex) = tokens
        .split_first()
        .ok_or("\\# needs a length and hex data (RFC 3597 §5)")?;
    let len: u16 = len
        .raw
        .parse()
        .map_err(|_| format!("RFC 3597 length {:?} is not a number up to 65535", len.raw))?;
    let text: String = hex.iter().map(|t| t.raw).collect();
    let bytes = ::hex::decode(&text).map_err(|e| format!("RFC 3597 data is not hex: {e}"))?;
    if bytes.len() != usize::from(len) {
        return Err(format!(
            "RFC 3597 length says {len} octets but the data has {}",
            bytes.len()
        ));
    }
    let mut decoder = BinDecoder::new(&bytes);
    let rdata = match RData::read(&mut decoder, rtype, Restrict::new(len)) {
        Ok(rdata) if decoder.is_empty() => rdata,
        Ok(_) => return Err(format!("RFC 3597 data is longer than a {rtype} record")),
        Err(e) => return Err(format!("RFC 3597 data is not a valid {rtype} record: {e}")),
    };
    if matches!(rtype, RecordType::OPT | RecordType::TSIG | RecordType::SIG) {
        return Err(format!("{rtype} is a meta type and cannot be in a zone"));
    }
    Ok(rdata)
}

/// RFC 1035 §3.3.14: one or more character-strings of at most 255 octets each.
fn txt(tokens: &[Token<'_>]) -> Result<RData, String> {
    if tokens.is_empty() {
        return Err("TXT record has no character-strings".into());
    }
    let strings = tokens
        .iter()
        .map(|t| unescape(t.raw))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(long) = strings.iter().find(|s| s.len() > 255) {
        return Err(format!(
            "TXT character-string of {} octets is over 255; split it into several strings",
            long.len()
        ));
    }
    Ok(RData::TXT(TXT::from_bytes(
        strings.iter().map(|s| &s[..]).collect(),
    )))
}

/// RFC 4034 §5.3: `key-tag algorithm digest-type digest-hex…`, stored as its wire form.
fn ds(tokens: &[Token<'_>]) -> Result<RData, String> {
    let [tag, alg, digest_type, digest @ ..] = tokens else {
        return Err("DS needs a key tag, an algorithm, a digest type and a digest".into());
    };
    let tag: u16 = tag
        .raw
        .parse()
        .map_err(|_| "DS key tag is not a number up to 65535")?;
    let alg: u8 = alg
        .raw
        .parse()
        .map_err(|_| "DS algorithm is not a number up to 255")?;
    let digest_type: u8 = digest_type
        .raw
        .parse()
        .map_err(|_| "DS digest type is not a number up to 255")?;
    let hex: String = digest.iter().map(|t| t.raw).collect();
    let digest = ::hex::decode(&hex).map_err(|e| format!("DS digest is not hex: {e}"))?;
    if digest.is_empty() {
        return Err("DS digest is empty".into());
    }
    let mut wire = Vec::with_capacity(4 + digest.len());
    wire.extend_from_slice(&tag.to_be_bytes());
    wire.extend_from_slice(&[alg, digest_type]);
    wire.extend_from_slice(&digest);
    Ok(RData::Unknown {
        code: RecordType::DS,
        rdata: NULL::with(wire),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::entries::Entries;
    use std::str::FromStr;

    fn parse(rtype: RecordType, text: &str) -> Result<RData, String> {
        let entry = Entries::new(text).next().unwrap().unwrap();
        let origin = Name::from_str("example.com.").unwrap();
        parse_rdata(rtype, &entry.tokens, &origin)
    }

    #[test]
    fn hickory_parses_common_types_with_relative_names() {
        assert_eq!(
            parse(RecordType::MX, "10 mx1").unwrap().to_string(),
            "10 mx1.example.com."
        );
        assert_eq!(
            parse(RecordType::CNAME, "@").unwrap().to_string(),
            "example.com."
        );
        let soa = parse(
            RecordType::SOA,
            "ns1 hostmaster ( 1 7200 900\n 1209600 600 )",
        )
        .unwrap();
        assert_eq!(
            soa.to_string(),
            "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 600"
        );
        let caa = parse(RecordType::CAA, "0 issue \"letsencrypt.org\"").unwrap();
        assert_eq!(caa.to_string(), "0 issue \"letsencrypt.org\"");
        assert!(parse(RecordType::HTTPS, "1 . alpn=h2,h3").is_ok());
        assert!(
            parse(RecordType::A, "300.1.1.1")
                .unwrap_err()
                .starts_with("bad A RDATA")
        );
    }

    #[test]
    fn txt_keeps_exact_bytes_and_rejects_long_strings() {
        let RData::TXT(txt) =
            parse(RecordType::TXT, "( \"v=DKIM1; k=rsa; \"\n \"\\065\\255\" )").unwrap()
        else {
            panic!("not TXT")
        };
        let parts: Vec<&[u8]> = txt.txt_data.iter().map(|s| &s[..]).collect();
        assert_eq!(parts, vec![&b"v=DKIM1; k=rsa; "[..], &b"A\xff"[..]]);
        let long = format!("\"{}\"", "x".repeat(256));
        assert!(
            parse(RecordType::TXT, &long)
                .unwrap_err()
                .contains("over 255")
        );
    }

    #[test]
    fn rfc3597_generic_rdata() {
        let a = parse(RecordType::A, "\\# 4 C0000201").unwrap();
        assert_eq!(a.to_string(), "192.0.2.1");
        let private = parse(RecordType::Unknown(65280), "\\# 3 ab cd ef").unwrap();
        assert_eq!(private.record_type(), RecordType::Unknown(65280));
        assert!(
            parse(RecordType::A, "\\# 5 C0000201")
                .unwrap_err()
                .contains("length says 5")
        );
        assert!(
            parse(RecordType::Unknown(65280), "ab")
                .unwrap_err()
                .contains("RFC 3597")
        );
        assert!(
            parse(RecordType::A, "\\# 2 zz11")
                .unwrap_err()
                .contains("not hex")
        );
    }

    #[test]
    fn ds_is_stored_in_wire_form() {
        let ds = parse(
            RecordType::DS,
            "60485 5 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )",
        )
        .unwrap();
        let RData::Unknown { code, rdata } = ds else {
            panic!("not stored generically")
        };
        assert_eq!(code, RecordType::DS);
        assert_eq!(&rdata.anything[..4], &[0xec, 0x45, 5, 1]);
        assert_eq!(rdata.anything.len(), 24);
        assert!(parse(RecordType::DS, "1 2").is_err());
        assert!(
            parse(RecordType::DNSKEY, "256 3 8 AwEAAa")
                .unwrap_err()
                .contains("unsigned")
        );
    }
}
