//! PowerDNS request bodies (RRsets with `changetype`, zones to create), read into checked
//! [`SetChange`]s: unknown keys are ignored, as PowerDNS ignores them; `changetype` is read in
//! any letter case.

use hickory_proto::rr::Name;
use serde::Deserialize;
use serde_json::Value;

use super::content::{owner_text, type_name};
use super::edit::{self, SetChange, SetOp};
use super::error::ApiError;

/// An RRset in a request.
#[derive(Deserialize)]
pub struct RrSetIn {
    /// The owner (RRset) or zone name.
    pub name: String,
    #[serde(rename = "type")]
    /// The type.
    pub rtype: String,
    #[serde(default)]
    /// REPLACE, DELETE, EXTEND or PRUNE (any case); absent when creating a zone.
    pub changetype: Option<String>,
    #[serde(default)]
    /// The TTL.
    pub ttl: Option<i64>,
    #[serde(default)]
    /// The records.
    pub records: Option<Vec<RecordIn>>,
    #[serde(default)]
    /// Comments (flatapex keeps none).
    pub comments: Option<Vec<Value>>,
}

/// A record in a request.
#[derive(Deserialize)]
pub struct RecordIn {
    /// RDATA in presentation form.
    pub content: String,
    #[serde(default)]
    /// Whether the record is disabled (flatapex refuses it).
    pub disabled: bool,
}

/// A PATCH body.
#[derive(Deserialize)]
pub struct PatchIn {
    /// The RRsets.
    pub rrsets: Vec<RrSetIn>,
}

/// A zone to create (POST).
#[derive(Deserialize)]
pub struct ZoneIn {
    /// The owner (RRset) or zone name.
    pub name: String,
    #[serde(default)]
    /// Native or Master.
    pub kind: Option<String>,
    #[serde(default)]
    /// The apex NS, if no NS RRset is given.
    pub nameservers: Vec<String>,
    #[serde(default)]
    /// The RRsets.
    pub rrsets: Vec<RrSetIn>,
    #[serde(default)]
    /// The zone as a zone file (PowerDNS's import on create), instead of `rrsets`.
    pub zone: Option<String>,
}

/// The zone kinds flatapex can be: the primary (PowerDNS's Native and Master).
const KINDS: &[&str] = &["native", "master", "primary"];

/// 422 unless `kind` (any case) is one flatapex can be: the primary.
pub fn check_kind(kind: Option<&str>) -> Result<(), ApiError> {
    match kind {
        Some(k) if !KINDS.contains(&k.to_ascii_lowercase().as_str()) => Err(ApiError::invalid(
            format!("kind {k:?}: flatapex is the primary of the zones it edits (Native or Master)"),
        )),
        _ => Ok(()),
    }
}

impl RrSetIn {
    /// The change this RRset asks for; `changetype` is required in a PATCH, absent in a POST.
    pub fn change(&self, apex: &Name, in_patch: bool) -> Result<SetChange, ApiError> {
        let name = edit::owner_in_zone(apex, &self.name)?;
        let code = edit::code(&self.rtype)?;
        let what = format!("RRset {} {}", owner_text(&name), type_name(code));
        if self.comments.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(ApiError::invalid(format!(
                "{what}: comments are not kept by flatapex; send \"comments\": []"
            )));
        }
        let records = self.records.as_deref().unwrap_or_default();
        if let Some(r) = records.iter().find(|r| r.disabled) {
            return Err(ApiError::invalid(format!(
                "{what}: record {:?} is disabled; flatapex serves every record it keeps, so delete it instead",
                r.content
            )));
        }
        let given: Vec<String> = records.iter().map(|r| r.content.clone()).collect();
        let contents = || edit::contents(&name, code, &given);
        let ttl = || match self.ttl {
            Some(t) => edit::ttl(t),
            None => Err(ApiError::invalid(format!("{what}: no \"ttl\""))),
        };
        let changetype = match (&self.changetype, in_patch) {
            (Some(c), _) => c.to_ascii_uppercase(),
            (None, false) => "REPLACE".into(),
            (None, true) => return Err(ApiError::invalid(format!("{what}: no \"changetype\""))),
        };
        let op = match changetype.as_str() {
            "REPLACE" if self.records.is_none() => {
                return Err(ApiError::invalid(format!(
                    "{what}: REPLACE without \"records\""
                )));
            }
            "REPLACE" => SetOp::Replace {
                ttl: ttl()?,
                contents: contents()?,
            },
            "DELETE" => SetOp::Delete,
            "EXTEND" => SetOp::Extend {
                ttl: self.ttl.map(edit::ttl).transpose()?,
                contents: contents()?,
            },
            "PRUNE" => SetOp::Prune {
                contents: contents()?,
            },
            other => {
                return Err(ApiError::invalid(format!(
                    "{what}: changetype {other:?} is not REPLACE, DELETE, EXTEND or PRUNE"
                )));
            }
        };
        Ok(SetChange { name, code, op })
    }
}
