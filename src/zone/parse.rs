//! Master-file entries → records with their source lines (RFC 1035 §5, RFC 2308 §4 `$TTL`,
//! RFC 3597 `TYPEnnn`), plus flatapex's ALIAS extension (`name TTL IN ALIAS target.`, with
//! ANAME accepted as a synonym).
//!
//! Every entry that cannot be read becomes a [`Problem`] naming the file and line, and reading
//! goes on with the next entry, so one run reports every mistake, as named-checkzone does.

use std::str::FromStr;
use std::sync::Arc;

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::txt::parse_ttl;

use super::entries::{Entries, Entry, Token};
use super::node::{encode_rdata, name_wire};
use super::problem::Problem;
use super::rdata::parse_rdata;

/// `$INCLUDE` nesting deeper than this is refused (it is almost surely a loop).
const MAX_INCLUDE_DEPTH: usize = 8;

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
    fn with_capacity(records: usize, bytes: usize) -> Self {
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
    fn push(
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
        if self.is_alias() {
            "ALIAS".into()
        } else {
            self.rtype.to_string()
        }
    }
}

/// The name an uncompressed wire name spells (the root if it is not one).
pub fn wire_name(wire: &[u8]) -> Name {
    use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
    Name::read(&mut BinDecoder::new(wire)).unwrap_or_else(|_| Name::root())
}

/// Why an `$INCLUDE` could not be followed, in words for the problem line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IncludeError(pub String);

/// Resolves `$INCLUDE` paths (the port the zone reader reads included files through). The pure
/// core has none; the native shell reads files.
pub trait Includes {
    /// Returns the display name and text of `path`, included from `from`.
    fn include(&self, from: &str, path: &str) -> Result<(String, String), IncludeError>;
}

/// For sources where `$INCLUDE` cannot be followed (KV values, strings).
pub struct NoIncludes;

impl Includes for NoIncludes {
    fn include(&self, _: &str, path: &str) -> Result<(String, String), IncludeError> {
        Err(IncludeError(format!(
            "$INCLUDE {path} cannot be followed here; inline the file"
        )))
    }
}

/// Reads a master file. `origin` is the origin before any `$ORIGIN` (usually from the file name).
pub fn parse_master_file(
    file: &str,
    text: &str,
    origin: &Name,
    includes: &dyn Includes,
) -> (SourceRecords, Vec<Problem>) {
    let mut reader = Reader {
        includes,
        // About one record per line, and fewer bytes in wire form than in text: a large zone is
        // read without the buffers growing.
        records: SourceRecords::with_capacity(
            text.bytes().filter(|&b| b == b'\n').count(),
            text.len() / 2,
        ),
        problems: Vec::new(),
        state: State {
            origin: origin.clone(),
            owner: None,
            default_ttl: None,
            last_ttl: None,
            soa_minimum: None,
        },
    };
    reader.read(Arc::from(file), text, 0);
    (reader.records, reader.problems)
}

struct State {
    origin: Name,
    owner: Option<Vec<u8>>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    soa_minimum: Option<u32>,
}

struct Reader<'i> {
    includes: &'i dyn Includes,
    records: SourceRecords,
    problems: Vec<Problem>,
    state: State,
}

impl Reader<'_> {
    fn read(&mut self, file: Arc<str>, text: &str, depth: usize) {
        for entry in Entries::new(text) {
            let result = match entry {
                Ok(entry) => self.entry(&file, &entry, depth),
                Err(e) => Err((e.line, e.message)),
            };
            if let Err((line, message)) = result {
                self.problems
                    .push(Problem::error(&file, Some(line), message));
            }
        }
    }

    fn entry(
        &mut self,
        file: &Arc<str>,
        entry: &Entry<'_>,
        depth: usize,
    ) -> Result<(), (usize, String)> {
        let line = entry.line;
        let fail = |message: String| (line, message);
        let first = entry.tokens[0];
        if !entry.leading_blank && !first.quoted && first.raw.starts_with('$') {
            return self.directive(file, entry, depth).map_err(fail);
        }
        let mut fields = entry.tokens.iter().copied();
        if !entry.leading_blank {
            let owner = match fields.next() {
                Some(token) => name_wire(&self.name(token).map_err(fail)?),
                None => return Err(fail("the first record has no owner name".into())),
            };
            self.state.owner = Some(owner);
        }
        if self.state.owner.is_none() {
            return Err(fail("the first record has no owner name".into()));
        }
        let rest: Vec<Token<'_>> = fields.collect();
        let (ttl, rtype, rdata) = self.ttl_class_type(&rest).map_err(fail)?;
        let (rtype, rdata) = match rtype {
            TypeField::Alias => (
                RecordType::ANAME,
                name_wire(&self.alias_target(rdata).map_err(fail)?),
            ),
            TypeField::Rr(rtype) => {
                let rdata = parse_rdata(rtype, rdata, &self.state.origin).map_err(fail)?;
                if let RData::SOA(soa) = &rdata {
                    self.state.soa_minimum = Some(soa.minimum);
                }
                (rtype, encode_rdata(&rdata).map_err(fail)?)
            }
        };
        let ttl = self.ttl(ttl, file, line).map_err(fail)?;
        let owner = self.state.owner.as_deref().unwrap_or(&[0]);
        self.records
            .push(file, line, owner, ttl, rtype, &rdata)
            .map_err(fail)
    }

    fn directive(
        &mut self,
        file: &Arc<str>,
        entry: &Entry<'_>,
        depth: usize,
    ) -> Result<(), String> {
        let args = &entry.tokens[1..];
        match entry.tokens[0].raw.to_ascii_uppercase().as_str() {
            "$ORIGIN" => {
                let [name] = args else {
                    return Err("$ORIGIN takes exactly one domain name".into());
                };
                self.state.origin = self.name(*name)?;
                Ok(())
            }
            "$TTL" => {
                let [ttl] = args else {
                    return Err("$TTL takes exactly one TTL".into());
                };
                self.state.default_ttl = Some(parse_ttl_field(ttl.raw)?);
                Ok(())
            }
            "$INCLUDE" => {
                let (path, origin) = match args {
                    [path] => (path.raw, None),
                    [path, origin] => (path.raw, Some(self.name(*origin)?)),
                    _ => return Err("$INCLUDE takes a file name and an optional origin".into()),
                };
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(format!(
                        "$INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep"
                    ));
                }
                let (name, text) = self
                    .includes
                    .include(file, path)
                    .map_err(|e| e.to_string())?;
                // RFC 1035 §5.1: an include never changes the origin of the including file.
                let saved = self.state.origin.clone();
                if let Some(origin) = origin {
                    self.state.origin = origin;
                }
                self.read(Arc::from(name), &text, depth + 1);
                self.state.origin = saved;
                Ok(())
            }
            "$GENERATE" => {
                Err("$GENERATE is a BIND extension that flatapex does not expand".into())
            }
            other => Err(format!("unknown directive {other}")),
        }
    }

    /// `[<TTL>] [<class>] <type>` in either order (RFC 1035 §5.1); returns the RDATA tokens.
    fn ttl_class_type<'t>(
        &self,
        fields: &'t [Token<'t>],
    ) -> Result<(Option<u32>, TypeField, &'t [Token<'t>]), String> {
        let mut ttl = None;
        let mut class_seen = false;
        for (i, token) in fields.iter().enumerate() {
            if token.quoted {
                return Err(format!(
                    "expected a TTL, class or type, found \"{}\"",
                    token.raw
                ));
            }
            let upper = token.raw.to_ascii_uppercase();
            if upper.starts_with(|c: char| c.is_ascii_digit()) {
                if ttl.is_some() {
                    return Err(format!("a second TTL {}", token.raw));
                }
                ttl = Some(parse_ttl_field(token.raw)?);
            } else if upper == "IN" || upper == "CLASS1" {
                if class_seen {
                    return Err("the class is given twice".into());
                }
                class_seen = true;
            } else if matches!(upper.as_str(), "CH" | "HS" | "CS" | "NONE" | "ANY")
                || upper.starts_with("CLASS")
            {
                return Err(format!(
                    "class {} is not served; flatapex serves IN only",
                    token.raw
                ));
            } else {
                return Ok((ttl, type_field(&upper)?, &fields[i + 1..]));
            }
        }
        Err("the record has no type".into())
    }

    fn ttl(&mut self, explicit: Option<u32>, file: &str, line: usize) -> Result<u32, String> {
        if let Some(ttl) = explicit {
            self.state.last_ttl = Some(ttl);
            return Ok(ttl);
        }
        if let Some(ttl) = self.state.default_ttl.or(self.state.last_ttl) {
            return Ok(ttl);
        }
        match self.state.soa_minimum {
            Some(minimum) => {
                self.problems.push(Problem::warning(
                    file,
                    Some(line),
                    format!("no TTL and no $TTL; using the SOA MINIMUM {minimum} (RFC 2308 §4)"),
                ));
                self.state.last_ttl = Some(minimum);
                Ok(minimum)
            }
            None => Err("no TTL: give one or put $TTL at the top of the file (RFC 2308 §4)".into()),
        }
    }

    fn alias_target(&self, rdata: &[Token<'_>]) -> Result<Name, String> {
        match rdata {
            [target] if !target.quoted => self.name(*target),
            _ => Err("ALIAS takes exactly one target name".into()),
        }
    }

    /// A domain name field: `@`, absolute, or relative to the current origin.
    fn name(&self, token: Token<'_>) -> Result<Name, String> {
        parse_name(token.raw, &self.state.origin)
    }
}

/// Parses a domain name as written in a zone file, keeping its case.
pub fn parse_name(text: &str, origin: &Name) -> Result<Name, String> {
    if text == "@" {
        return Ok(origin.clone());
    }
    let name = Name::from_ascii(text).map_err(|e| format!("bad domain name {text:?}: {e}"))?;
    if name.is_fqdn() {
        return Ok(name);
    }
    name.append_domain(origin)
        .map_err(|e| format!("bad domain name {text:?}: {e}"))
}

enum TypeField {
    Rr(RecordType),
    Alias,
}

/// A type mnemonic, `TYPEnnn` (RFC 3597 §5), or ALIAS/ANAME.
fn type_field(upper: &str) -> Result<TypeField, String> {
    if upper == "ALIAS" || upper == "ANAME" {
        return Ok(TypeField::Alias);
    }
    if let Some(code) = upper.strip_prefix("TYPE")
        && let Ok(code) = code.parse::<u16>()
    {
        if RecordType::from(code) == RecordType::ANAME {
            return Err(format!(
                "TYPE{code} is how flatapex keeps ALIAS; write ALIAS"
            ));
        }
        return Ok(TypeField::Rr(RecordType::from(code)));
    }
    match RecordType::from_str(upper) {
        Ok(RecordType::ANY | RecordType::AXFR | RecordType::IXFR | RecordType::OPT) => Err(
            format!("{upper} is a query or meta type, not a record type"),
        ),
        Ok(rtype) => Ok(TypeField::Rr(rtype)),
        Err(_) => Err(format!("unknown record type {upper}")),
    }
}

fn parse_ttl_field(text: &str) -> Result<u32, String> {
    let ttl = parse_ttl(text).map_err(|_| format!("bad TTL {text:?}"))?;
    // RFC 2181 §8: a TTL is an unsigned value in 0..2^31-1.
    if ttl > i32::MAX as u32 {
        return Err(format!("TTL {ttl} is above 2147483647 (RFC 2181 §8)"));
    }
    Ok(ttl)
}
