//! Changes to RRsets, as both APIs ask for them, checked before the zone's writer runs: owner
//! names inside the zone, types, contents read as the zone reader reads them, and the key's
//! scope. Applying them to the current [`ZoneContent`] cannot fail.

use hickory_proto::rr::Name;

use super::content::{RrSet, SetKey, ZoneContent, read_content, set_key, type_code, type_name};
use super::error::ApiError;
use super::keys::ApiKey;
use crate::zone::names::text_to_name;

/// The largest TTL (RFC 2181 §8).
pub const MAX_TTL: u32 = i32::MAX as u32;

/// What to do to one RRset (PowerDNS's `changetype`, RFC-style names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// Replace the RRset with these records (none: delete it).
    Replace {
        /// The set's TTL.
        ttl: u32,
        /// The records, canonical.
        contents: Vec<String>,
    },
    /// Delete the RRset.
    Delete,
    /// Add these records (creating the RRset with `ttl` if needed; `ttl` also becomes the set's).
    Extend {
        /// The set's TTL, if given.
        ttl: Option<u32>,
        /// The records to add, canonical.
        contents: Vec<String>,
    },
    /// Remove these records.
    Prune {
        /// The records to remove, canonical.
        contents: Vec<String>,
    },
}

/// One checked change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetChange {
    /// The owner, as the client wrote it.
    pub name: Name,
    /// The type code.
    pub code: u16,
    /// What to do.
    pub op: SetOp,
}

impl SetChange {
    /// The RRset it touches.
    pub fn key(&self) -> SetKey {
        set_key(&self.name, self.code)
    }

    /// One line for the change log.
    pub fn summary(&self) -> serde_json::Value {
        let (op, ttl, contents) = match &self.op {
            SetOp::Replace { ttl, contents } => ("REPLACE", Some(*ttl), contents.clone()),
            SetOp::Delete => ("DELETE", None, Vec::new()),
            SetOp::Extend { ttl, contents } => ("EXTEND", *ttl, contents.clone()),
            SetOp::Prune { contents } => ("PRUNE", None, contents.clone()),
        };
        serde_json::json!({
            "name": super::content::owner_text(&self.name),
            "type": type_name(self.code),
            "op": op,
            "ttl": ttl,
            "records": contents,
        })
    }
}

/// An owner name in zone `apex`: absolute (the trailing dot optional), or 422.
pub fn owner_in_zone(apex: &Name, text: &str) -> Result<Name, ApiError> {
    let name = text_to_name(text).map_err(|e| ApiError::invalid(format!("name {text:?}: {e}")))?;
    if !apex.zone_of(&name) {
        return Err(ApiError::invalid(format!(
            "{name} is outside zone {apex}: out-of-zone data"
        )));
    }
    Ok(name)
}

/// A TTL a client sent, or 422.
pub fn ttl(value: i64) -> Result<u32, ApiError> {
    u32::try_from(value)
        .ok()
        .filter(|t| *t <= MAX_TTL)
        .ok_or_else(|| {
            ApiError::invalid(format!("TTL {value} is not in 0..{MAX_TTL} (RFC 2181 §8)"))
        })
}

/// A type a client sent, or 422.
pub fn code(text: &str) -> Result<u16, ApiError> {
    type_code(text).map_err(ApiError::invalid)
}

/// Each content read and put in canonical form, duplicates dropped, or 422 naming the one at
/// fault.
pub fn contents(name: &Name, code: u16, given: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for content in given {
        let canonical = read_content(name, code, content)
            .map_err(|e| ApiError::invalid(format!("{name} {}: {e}", type_name(code))))?;
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    Ok(out)
}

/// 403 unless `key` may make every change; 422 if two changes touch one RRset.
pub fn check_changes(key: &ApiKey, apex: &Name, changes: &[SetChange]) -> Result<(), ApiError> {
    for (i, change) in changes.iter().enumerate() {
        key.check_write(apex, &change.name, change.code)?;
        if changes[..i].iter().any(|c| c.key() == change.key()) {
            return Err(ApiError::invalid(format!(
                "RRset {} {} is changed twice in one request",
                change.name,
                type_name(change.code)
            )));
        }
    }
    Ok(())
}

/// Applies `changes` to `content`.
pub fn apply(content: &mut ZoneContent, changes: &[SetChange]) {
    for change in changes {
        let key = change.key();
        let current = content.get(&key).cloned();
        let set = |ttl: u32, contents: Vec<String>| RrSet {
            name: current
                .as_ref()
                .map_or_else(|| change.name.clone(), |s| s.name.clone()),
            code: change.code,
            ttl,
            contents,
        };
        match &change.op {
            SetOp::Replace { ttl, contents } => {
                content.remove(&key);
                content.put(RrSet {
                    name: change.name.clone(),
                    ..set(*ttl, contents.clone())
                });
            }
            SetOp::Delete => {
                content.remove(&key);
            }
            SetOp::Extend { ttl, contents } => {
                let mut all = current
                    .as_ref()
                    .map(|s| s.contents.clone())
                    .unwrap_or_default();
                for c in contents {
                    if !all.contains(c) {
                        all.push(c.clone());
                    }
                }
                let ttl = ttl.or(current.as_ref().map(|s| s.ttl)).unwrap_or(3600);
                content.put(set(ttl, all));
            }
            SetOp::Prune { contents } => {
                if let Some(current) = &current {
                    let kept = current
                        .contents
                        .iter()
                        .filter(|c| !contents.contains(c))
                        .cloned()
                        .collect();
                    content.put(set(current.ttl, kept));
                }
            }
        }
    }
}
