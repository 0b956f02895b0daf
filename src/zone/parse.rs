//! Master-file entries → records with their source lines (RFC 1035 §5, RFC 2308 §4 `$TTL`,
//! RFC 3597 `TYPEnnn`, BIND's `$GENERATE`), plus flatapex's ALIAS extension
//! (`name TTL IN ALIAS target.`, with ANAME accepted as a synonym).
//!
//! Every entry that cannot be read becomes a [`Problem`] naming the file and line, and reading
//! goes on with the next entry, so one run reports every mistake, as named-checkzone does.
//! Names are read by [`super::names`], types by [`super::rrtype`] and RDATA by
//! [`super::rdata`], all straight into wire form (docs/ARCHITECTURE.md, "Zone model").

use std::sync::Arc;

use hickory_proto::rr::{Name, RecordType};

use super::entries::{Entries, Entry, Token};
use super::generate::expand_generate;
use super::names::parse_name;
use super::node::{ALIAS_CODE, name_wire};
use super::problem::Problem;
use super::rdata::{parse_rdata, parse_ttl};
use super::rrtype::parse_type;
pub use super::source::{SourceRecord, SourceRecords, wire_name};

/// The TTL of a record that has none, with no `$TTL` and no earlier TTL: Knot's `default-ttl`.
pub const DEFAULT_TTL: u32 = 3600;

/// `$INCLUDE` nesting deeper than this is refused (it is almost surely a loop).
const MAX_INCLUDE_DEPTH: usize = 8;

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
            origin: name_wire(origin),
            owner: None,
            default_ttl: None,
            last_ttl: None,
        },
    };
    reader.read(Arc::from(file), text, 0);
    (reader.records, reader.problems)
}

struct State {
    /// The current origin, in wire form.
    origin: Vec<u8>,
    owner: Option<Vec<u8>>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
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
                Some(token) => self.name(token).map_err(fail)?,
                None => return Err(fail("the first record has no owner name".into())),
            };
            self.state.owner = Some(owner);
        }
        if self.state.owner.is_none() {
            return Err(fail("the first record has no owner name".into()));
        }
        let rest: Vec<Token<'_>> = fields.collect();
        self.record(file, line, &rest).map_err(fail)
    }

    /// One line a `$GENERATE` made: `owner [<TTL>] [<class>] <type> <RDATA>`.
    fn generated(&mut self, file: &Arc<str>, line: usize, text: &str) -> Result<(), String> {
        let entry = match Entries::new(text).next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) => return Err(e.message),
            None => return Err("an empty record".into()),
        };
        let (owner, rest) = entry.tokens.split_first().ok_or("an empty record")?;
        self.state.owner = Some(self.name(*owner)?);
        self.record(file, line, rest)
    }

    /// `[<TTL>] [<class>] <type> <RDATA>` at the current owner.
    fn record(&mut self, file: &Arc<str>, line: usize, fields: &[Token<'_>]) -> Result<(), String> {
        let (ttl, code, rdata) = self.ttl_class_type(fields)?;
        if code == ALIAS_CODE && !is_alias_word(fields) {
            // A real TYPE65305 record (private use, RFC 6895 §3.1) cannot be kept: flatapex
            // stores ALIAS under that code. Knot would serve it; it is dropped, not the zone.
            self.problems.push(Problem::warning(
                file,
                Some(line),
                format!(
                    "TYPE{ALIAS_CODE} records are not served: flatapex keeps ALIAS under that code; record ignored"
                ),
            ));
            return Ok(());
        }
        let rdata = if code == ALIAS_CODE {
            self.alias_target(rdata)?
        } else {
            let parsed = parse_rdata(code, rdata, &self.state.origin)?;
            for warning in parsed.warnings {
                self.problems
                    .push(Problem::warning(file, Some(line), warning));
            }
            parsed.wire
        };
        let ttl = self.ttl(ttl, file, line)?;
        let owner = self.state.owner.as_deref().unwrap_or(&[0]);
        self.records
            .push(file, line, owner, ttl, RecordType::from(code), &rdata)
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
                let previous_owner = self.state.owner.clone();
                for line in expand_generate(args)? {
                    self.generated(file, entry.line, &line)
                        .map_err(|e| format!("$GENERATE line {line:?}: {e}"))?;
                }
                // As in BIND, the generated owners do not become the owner of what follows.
                self.state.owner = previous_owner;
                Ok(())
            }
            other => Err(format!("unknown directive {other}")),
        }
    }

    /// `[<TTL>] [<class>] <type>` in either order (RFC 1035 §5.1); returns the RDATA tokens.
    fn ttl_class_type<'t>(
        &self,
        fields: &'t [Token<'t>],
    ) -> Result<(Option<u32>, u16, &'t [Token<'t>]), String> {
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
                return Ok((ttl, type_field(token.raw)?, &fields[i + 1..]));
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
        self.problems.push(Problem::warning(
            file,
            Some(line),
            format!(
                "no TTL and no $TTL before this record; using {DEFAULT_TTL}, as Knot does \
                 (put $TTL at the top of the file, RFC 2308 §4)"
            ),
        ));
        self.state.last_ttl = Some(DEFAULT_TTL);
        Ok(DEFAULT_TTL)
    }

    fn alias_target(&self, rdata: &[Token<'_>]) -> Result<Vec<u8>, String> {
        match rdata {
            [target] if !target.quoted => self.name(*target),
            _ => Err("ALIAS takes exactly one target name".into()),
        }
    }

    /// A domain name field in wire form: `@`, absolute, or relative to the current origin.
    fn name(&self, token: Token<'_>) -> Result<Vec<u8>, String> {
        if token.quoted {
            return Err(format!(
                "a domain name cannot be quoted (\"{}\")",
                token.raw
            ));
        }
        parse_name(token.raw, &self.state.origin)
    }
}

/// Whether the type field among `fields` is spelt ALIAS or ANAME (not `TYPE65305`).
fn is_alias_word(fields: &[Token<'_>]) -> bool {
    fields
        .iter()
        .any(|t| t.raw.eq_ignore_ascii_case("ALIAS") || t.raw.eq_ignore_ascii_case("ANAME"))
}

/// A type mnemonic, `TYPEnnn` (RFC 3597 §5), or ALIAS/ANAME (as [`ALIAS_CODE`]).
pub fn type_field(text: &str) -> Result<u16, String> {
    if text.eq_ignore_ascii_case("ALIAS") || text.eq_ignore_ascii_case("ANAME") {
        return Ok(ALIAS_CODE);
    }
    parse_type(text)
}

fn parse_ttl_field(text: &str) -> Result<u32, String> {
    let ttl = parse_ttl(text).map_err(|_| format!("bad TTL {text:?}"))?;
    // RFC 2181 §8: a TTL is an unsigned value in 0..2^31-1.
    if ttl > i32::MAX as u32 {
        return Err(format!("TTL {ttl} is above 2147483647 (RFC 2181 §8)"));
    }
    Ok(ttl)
}
