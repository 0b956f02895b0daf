//! The compact stored form of a zone (or one shard of it): its packed nodes, as the zone model
//! holds them in memory ([`Node::as_bytes`]), so loading is a check of lengths and a copy, with no
//! text parsing and no per-record allocation. The layout:
//!
//! ```text
//! "FAXZ" u8 format=2 | u32 shard index | u32 shard count | u32 node count | node blocks
//! node block = u32 length | packed node (see crate::zone::node)
//! ```
//!
//! The first node is the apex. Values written by earlier versions (format 1: each node encoded
//! with hickory-proto, RDATA in its own decoder's wire form) are still read, so a deployment keeps
//! answering from what it pushed before an upgrade.

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

use crate::zone::model::{Shard, Zone};
use crate::zone::node::{Alias, Node, NodeBuilder, encode_rdata};

const MAGIC: &[u8; 4] = b"FAXZ";
const FORMAT: u8 = 2;
const FORMAT_1: u8 = 1;

/// Why a stored zone could not be read back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stored zone is corrupt: {0}")]
pub struct DecodeError(pub String);

/// Encodes `nodes` (the apex first) as one stored value for shard `shard`.
pub fn encode_nodes<'a>(nodes: impl IntoIterator<Item = &'a Node>, shard: Shard) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.extend_from_slice(&shard.index.to_be_bytes());
    out.extend_from_slice(&shard.count.to_be_bytes());
    let count_at = out.len();
    out.extend_from_slice(&0u32.to_be_bytes());
    let mut count = 0u32;
    for node in nodes {
        if node.is_empty_non_terminal() {
            continue; // rebuilt on load
        }
        let bytes = node.as_bytes();
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
        count += 1;
    }
    out[count_at..count_at + 4].copy_from_slice(&count.to_be_bytes());
    out
}

/// Decodes a stored value back into a zone (a shard when the value says so).
pub fn decode_zone(bytes: &[u8]) -> Result<Zone, DecodeError> {
    let bad = |what: &str| DecodeError(what.to_string());
    if bytes.len() < 17 || &bytes[..4] != MAGIC {
        return Err(bad("not a flatapex zone value (wrong magic)"));
    }
    let read_node: fn(&[u8]) -> Result<Node, String> = match bytes[4] {
        FORMAT => Node::from_bytes,
        FORMAT_1 => decode_format_1_node,
        other => {
            return Err(DecodeError(format!(
                "format {other} is not supported (expected {FORMAT})"
            )));
        }
    };
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
        nodes.push(read_node(block).map_err(|e| DecodeError(format!("node {i}: {e}")))?);
        at += len;
    }
    if at != bytes.len() {
        return Err(bad("trailing bytes after the last node"));
    }
    let apex = nodes
        .first()
        .map(Node::name)
        .ok_or_else(|| bad("no nodes"))?;
    Zone::shard_from_nodes(apex, nodes, shard).map_err(DecodeError)
}

/// A node block of format 1: `owner name | u8 flags (bit 0: ALIAS) | [u32 ALIAS TTL, target]
/// | u16 RRset count | per RRset: u16 type, u32 TTL, u16 count, per RDATA: u16 length, RDATA`,
/// names possibly compressed within the block.
fn decode_format_1_node(block: &[u8]) -> Result<Node, String> {
    let mut dec = BinDecoder::new(block);
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let name = Name::read(&mut dec).map_err(|e| text(&e))?;
    let mut node = NodeBuilder::new(&name);
    let u16_of =
        |d: &mut BinDecoder<'_>| d.read_u16().map(|v| v.unverified()).map_err(|e| text(&e));
    let u32_of =
        |d: &mut BinDecoder<'_>| d.read_u32().map(|v| v.unverified()).map_err(|e| text(&e));
    let flags = dec
        .read_u8()
        .map(|v| v.unverified())
        .map_err(|e| text(&e))?;
    if flags & 1 == 1 {
        let ttl = u32_of(&mut dec)?;
        let target = Name::read(&mut dec).map_err(|e| text(&e))?;
        node.alias(&Alias { target, ttl });
    }
    for _ in 0..u16_of(&mut dec)? {
        let rtype = RecordType::from(u16_of(&mut dec)?);
        let ttl = u32_of(&mut dec)?;
        for _ in 0..u16_of(&mut dec)? {
            let len = dec.read_u16().map_err(|e| text(&e))?;
            let rdata = RData::read(&mut dec, rtype, len).map_err(|e| format!("{rtype}: {e}"))?;
            node.add(u16::from(rtype), ttl, encode_rdata(&rdata)?);
        }
    }
    if !dec.is_empty() {
        return Err("trailing bytes in the node".into());
    }
    node.finish()
}
