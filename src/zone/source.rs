//! The records of a zone file as read, before they are checked and built into a zone: compact,
//! so that reading a large zone costs a few dozen bytes per record.

use std::sync::Arc;

use hickory_proto::rr::{Name, RecordType};

/// The records of a master file, read into the compact form the zone model is built from:
/// owners and RDATA in wire form in one shared buffer, and a small fixed-size entry per record,
/// so reading a large zone holds a few dozen bytes per record and no allocation of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceRecords {
    bytes: Vec<u8>,
    entries: Vec<Packed>,
    files: Vec<Arc<str>>,
}

/// One record's fixed-size part: where its bytes are in the shared buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed {
    line: u32,
    ttl: u32,
    rtype: RecordType,
    file: u16,
    owner_len: u8,
    owner: u32,
    rdata: u32,
    rdata_len: u16,
}

/// One record as read from a file, with where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRecord<'a> {
    /// The file it was read from.
    pub file: &'a str,
    /// The 1-based line its entry starts on.
    pub line: usize,
    /// The owner name in wire form (uncompressed, with the root label), case kept.
    pub owner: &'a [u8],
    /// The TTL after `$TTL` and RFC 1035 defaulting.
    pub ttl: u32,
    /// The record type; an ALIAS is [`RecordType::ANAME`], which is never served.
    pub rtype: RecordType,
    /// The RDATA in wire form (names uncompressed, case kept); for an ALIAS, the target name.
    pub rdata: &'a [u8],
}

impl SourceRecords {
    /// Room for about `records` records of `bytes` bytes of names and RDATA.
    pub(super) fn with_capacity(records: usize, bytes: usize) -> Self {
        SourceRecords {
            bytes: Vec::with_capacity(bytes),
            entries: Vec::with_capacity(records),
            files: Vec::new(),
        }
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Record `i`.
    pub fn get(&self, i: usize) -> SourceRecord<'_> {
        let e = &self.entries[i];
        let at = |start: u32, len: usize| &self.bytes[start as usize..start as usize + len];
        SourceRecord {
            file: &self.files[usize::from(e.file)],
            line: e.line as usize,
            owner: at(e.owner, usize::from(e.owner_len)),
            ttl: e.ttl,
            rtype: e.rtype,
            rdata: at(e.rdata, usize::from(e.rdata_len)),
        }
    }

    /// Every record, in file order.
    pub fn iter(&self) -> impl Iterator<Item = SourceRecord<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The index of `file` in the file table, added if new.
    fn file_index(&mut self, file: &Arc<str>) -> Result<u16, String> {
        if let Some(i) = self.files.iter().position(|f| Arc::ptr_eq(f, file)) {
            return Ok(i as u16);
        }
        let i = u16::try_from(self.files.len()).map_err(|_| "more than 65535 included files")?;
        self.files.push(file.clone());
        Ok(i)
    }

    /// Appends a record. Records of one owner written one after another share its bytes.
    pub(super) fn push(
        &mut self,
        file: &Arc<str>,
        line: usize,
        owner: &[u8],
        ttl: u32,
        rtype: RecordType,
        rdata: &[u8],
    ) -> Result<(), String> {
        let file = self.file_index(file)?;
        let owner_len = u8::try_from(owner.len()).map_err(|_| "an owner over 255 octets")?;
        let rdata_len =
            u16::try_from(rdata.len()).map_err(|_| "RDATA over 65535 octets".to_string())?;
        let owner_at = match self.entries.last() {
            Some(last) if self.get(self.len() - 1).owner == owner => last.owner,
            _ => {
                let at = self.bytes.len();
                self.bytes.extend_from_slice(owner);
                at as u32
            }
        };
        let rdata_at = self.bytes.len() as u32;
        self.bytes.extend_from_slice(rdata);
        u32::try_from(self.bytes.len()).map_err(|_| "a zone over 4 GiB")?;
        self.entries.push(Packed {
            line: line as u32,
            ttl,
            rtype,
            file,
            owner_len,
            owner: owner_at,
            rdata: rdata_at,
            rdata_len,
        });
        Ok(())
    }
}

impl SourceRecord<'_> {
    /// Whether this is an ALIAS (or ANAME) record.
    pub fn is_alias(&self) -> bool {
        self.rtype == RecordType::ANAME
    }

    /// The owner as a name.
    pub fn owner_name(&self) -> Name {
        wire_name(self.owner)
    }

    /// The type as written in problems: ALIAS, or the record type.
    pub fn type_text(&self) -> String {
        super::text::type_text(self.rtype)
    }
}

/// The name an uncompressed wire name spells (the root if it is not one).
pub fn wire_name(wire: &[u8]) -> Name {
    use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
    Name::read(&mut BinDecoder::new(wire)).unwrap_or_else(|_| Name::root())
}
