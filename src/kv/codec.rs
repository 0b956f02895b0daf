//! The compact stored form of a zone (or one shard of it): the nodes in DNS wire format.
//!
//! Names and RDATA are written with hickory-proto's encoder, exactly as they go on the wire
//! (RFC 1035 §3.3, §4.1.4), so loading is a straight decode with no text parsing. The layout:
//!
//! ```text
//! "FAXZ" u8 format=1 | u32 shard index | u32 shard count | u32 node count | node blocks
//! node block  = u32 length | owner name | u8 flags (bit 0: ALIAS) | [u32 ALIAS TTL, target]
//!               | u16 RRset count | per RRset: u16 type, u32 TTL, u16 count, per RDATA: u16 length, RDATA
//! ```
//!
//! Each node block is encoded on its own, so name compression pointers stay inside the block and
//! no block is limited by the 16 KiB reach of a pointer. The first node is the apex.

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};

use crate::zone::model::{Alias, Node, RrSet, Shard, Zone};

const MAGIC: &[u8; 4] = b"FAXZ";
const FORMAT: u8 = 1;

/// Why a stored zone could not be read back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stored zone is corrupt: {0}")]
pub struct DecodeError(pub String);

/// Encodes `nodes` (the apex first) as one stored value for shard `shard`.
///
/// Fails only when one owner's data exceeds 64 KiB of wire format, which no DNS response could
/// carry either.
pub fn encode_nodes<'a>(
    nodes: impl IntoIterator<Item = &'a Node>,
    shard: Shard,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.extend_from_slice(&shard.index.to_be_bytes());
    out.extend_from_slice(&shard.count.to_be_bytes());
    let count_at = out.len();
    out.extend_from_slice(&0u32.to_be_bytes());
    let mut count = 0u32;
    let mut block = Vec::with_capacity(512);
    for node in nodes {
        if node.is_empty_non_terminal() {
            continue; // rebuilt on load
        }
        block.clear();
        encode_node(node, &mut block)
            .map_err(|e| format!("the data at {} cannot be stored: {e}", node.name))?;
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        out.extend_from_slice(&block);
        count += 1;
    }
    out[count_at..count_at + 4].copy_from_slice(&count.to_be_bytes());
    Ok(out)
}

fn encode_node(node: &Node, buf: &mut Vec<u8>) -> Result<(), hickory_proto::ProtoError> {
    let mut enc = BinEncoder::new(buf);
    node.name.emit(&mut enc)?;
    match &node.alias {
        Some(alias) => {
            enc.emit_u8(1)?;
            enc.emit_u32(alias.ttl)?;
            alias.target.emit(&mut enc)?;
        }
        None => enc.emit_u8(0)?,
    }
    enc.emit_u16(node.rrsets.len() as u16)?;
    for set in &node.rrsets {
        enc.emit_u16(u16::from(set.rtype))?;
        enc.emit_u32(set.ttl)?;
        enc.emit_u16(set.rdatas.len() as u16)?;
        for rdata in &set.rdatas {
            let place = enc.place::<u16>()?;
            rdata.emit(&mut enc)?;
            let len = enc.len_since_place(&place) as u16;
            enc.emit_at(place, len)?;
        }
    }
    Ok(())
}

/// Decodes a stored value back into a zone (a shard when the value says so).
pub fn decode_zone(bytes: &[u8]) -> Result<Zone, DecodeError> {
    let bad = |what: &str| DecodeError(what.to_string());
    if bytes.len() < 17 || &bytes[..4] != MAGIC {
        return Err(bad("not a flatapex zone value (wrong magic)"));
    }
    if bytes[4] != FORMAT {
        return Err(DecodeError(format!(
            "format {} is not supported (expected {FORMAT})",
            bytes[4]
        )));
    }
    let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
    let shard = Shard {
        index: u32_at(5),
        count: u32_at(9),
    };
    if shard.count == 0 || shard.index >= shard.count {
        return Err(bad("shard index out of range"));
    }
    let count = u32_at(13) as usize;
    let mut nodes = Vec::with_capacity(count.min(bytes.len() / 8));
    let mut at = 17;
    for i in 0..count {
        if at + 4 > bytes.len() {
            return Err(DecodeError(format!("truncated before node {i}")));
        }
        let len = u32_at(at) as usize;
        at += 4;
        let block = bytes
            .get(at..at + len)
            .ok_or_else(|| DecodeError(format!("node {i} runs past the end")))?;
        nodes.push(decode_node(block).map_err(|e| DecodeError(format!("node {i}: {e}")))?);
        at += len;
    }
    if at != bytes.len() {
        return Err(bad("trailing bytes after the last node"));
    }
    let apex = nodes
        .first()
        .map(|n| n.name.clone())
        .ok_or_else(|| bad("no nodes"))?;
    let zone = Zone::from_nodes(apex, nodes).ok_or_else(|| bad("the first node has no SOA"))?;
    Ok(if shard.count > 1 {
        zone.with_shard(shard)
    } else {
        zone
    })
}

fn decode_node(block: &[u8]) -> Result<Node, String> {
    let mut dec = BinDecoder::new(block);
    let name = Name::read(&mut dec).map_err(|e| e.to_string())?;
    let mut node = Node::new(name);
    let u16_of = |d: &mut BinDecoder<'_>| {
        d.read_u16()
            .map(|v| v.unverified())
            .map_err(|e| e.to_string())
    };
    let u32_of = |d: &mut BinDecoder<'_>| {
        d.read_u32()
            .map(|v| v.unverified())
            .map_err(|e| e.to_string())
    };
    let flags = dec
        .read_u8()
        .map(|v| v.unverified())
        .map_err(|e| e.to_string())?;
    if flags & 1 == 1 {
        let ttl = u32_of(&mut dec)?;
        let target = Name::read(&mut dec).map_err(|e| e.to_string())?;
        node.alias = Some(Alias { target, ttl });
    }
    let sets = u16_of(&mut dec)?;
    for _ in 0..sets {
        let rtype = RecordType::from(u16_of(&mut dec)?);
        let ttl = u32_of(&mut dec)?;
        let n = u16_of(&mut dec)?;
        let mut rdatas = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let len = dec.read_u16().map_err(|e| e.to_string())?;
            let rdata = RData::read(&mut dec, rtype, len).map_err(|e| format!("{rtype}: {e}"))?;
            rdatas.push(rdata);
        }
        node.rrsets.push(RrSet { rtype, ttl, rdatas });
    }
    if !dec.is_empty() {
        return Err("trailing bytes in the node".into());
    }
    Ok(node)
}
