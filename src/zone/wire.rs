//! RDATA and names in wire form (RFC 1035 §3.3, §4.1.4): how the zone model stores them, how
//! answers carry them, and the host names inside them.

use hickory_proto::rr::rdata::NULL;
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder, NameEncoding, Restrict,
};

/// RDATA as answers carry it. Addresses and the types whose names may be compressed in a
/// message (NS, CNAME, SOA, PTR, MX: RFC 1035 §4.1.4, RFC 3597 §4) are decoded, so hickory-proto
/// compresses them; every other type goes out byte for byte as stored, so nothing is lost in a
/// decode and re-encode (SVCB parameters keep their order, DNSSEC types need no crypto feature).
pub fn answer_rdata(rtype: RecordType, wire: &[u8]) -> RData {
    if is_decoded(rtype)
        && let Ok(rdata) = decode_rdata(rtype, wire)
    {
        return rdata;
    }
    raw_rdata(rtype, wire)
}

/// RDATA of `rtype` sent byte for byte as `wire` (hickory-proto's generic RDATA).
pub fn raw_rdata(rtype: RecordType, wire: &[u8]) -> RData {
    RData::Unknown {
        code: rtype,
        rdata: if wire.is_empty() {
            NULL::new()
        } else {
            NULL::with(wire.to_vec())
        },
    }
}

/// Whether answers carry `rtype` decoded (see [`answer_rdata`]).
pub(super) fn is_decoded(rtype: RecordType) -> bool {
    matches!(
        rtype,
        RecordType::A
            | RecordType::AAAA
            | RecordType::NS
            | RecordType::CNAME
            | RecordType::SOA
            | RecordType::PTR
            | RecordType::MX
    )
}

/// Decodes RDATA of `rtype` with hickory-proto; the whole of `wire` must be used.
pub fn decode_rdata(rtype: RecordType, wire: &[u8]) -> Result<RData, String> {
    let len = u16::try_from(wire.len()).map_err(|_| "RDATA over 65535 octets".to_string())?;
    let mut decoder = BinDecoder::new(wire);
    let rdata = RData::read(&mut decoder, rtype, Restrict::new(len))
        .map_err(|e| format!("{rtype} RDATA: {e}"))?;
    if !decoder.is_empty() {
        return Err(format!("{rtype} RDATA has trailing octets"));
    }
    Ok(rdata)
}

/// Encodes RDATA for storage: wire form with names uncompressed and their case kept.
pub fn encode_rdata(rdata: &RData) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(32);
    let mut encoder = BinEncoder::new(&mut buf);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    rdata
        .emit(&mut encoder)
        .map_err(|e| format!("{} RDATA cannot be encoded: {e}", rdata.record_type()))?;
    Ok(buf)
}

/// A name in wire form (uncompressed, with the root label), case kept.
pub fn name_wire(name: &Name) -> Vec<u8> {
    let mut wire = Vec::with_capacity(name.len() + 2);
    for label in name.iter() {
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
    }
    wire.push(0);
    wire
}

/// Reads an uncompressed name at the start of `wire`.
pub fn read_name(wire: &[u8]) -> Option<Name> {
    Name::read(&mut BinDecoder::new(wire)).ok()
}

/// The host name RDATA of `rtype` points at: the whole RDATA of NS, CNAME, PTR, DNAME and
/// ALIAS; after the preference of MX, KX, AFSDB and RT (RFC 1035 §3.3.9, RFC 2230, RFC 1183);
/// after priority, weight and port of SRV (RFC 2782).
pub fn target_name(rtype: RecordType, wire: &[u8]) -> Option<Name> {
    let skip = match u16::from(rtype) {
        // NS, CNAME, PTR, DNAME (RFC 6672 §2.1), ALIAS.
        2 | 5 | 12 | 39 | super::node::ALIAS_CODE => 0,
        // MX, AFSDB, RT, KX (RFC 1035 §3.3.9, RFC 1183, RFC 2230).
        15 | 18 | 21 | 36 => 2,
        // SRV (RFC 2782).
        33 => 6,
        _ => return None,
    };
    read_name(wire.get(skip..)?)
}
