//! The records API beside PowerDNS's, in the shape managed ALIAS providers document:
//! `/v1/zones/{zone}/records[/{id}]` with `Authorization: Bearer KEY`, one record at a time,
//! answers wrapped as `{"status":"success","data":{…}}`.
//!
//! A record's id is its owner, type and content, base64url-encoded: it needs no storage, is
//! the same on every server, and changes when the record's content does (an update answers
//! with the new id). A TTL belongs to the whole RRset (RFC 2181 §5.2), so a record written
//! with a TTL sets its RRset's.

use hickory_proto::rr::Name;
use serde::Deserialize;
use serde_json::{Value, json};

use super::commit::{Committed, commit};
use super::content::{RrSet, ZoneContent, owner_text, set_key, type_name};
use super::edit::{self, SetChange, SetOp, apply};
use super::error::ApiError;
use super::handler::{ApiRequest, Reply};
use super::keys::ApiKey;
use super::pdns::{audit, zone_name};
use super::repo::{Change, ZoneRepo};
use crate::zone::names::text_to_name;

/// The default TTL of a record written without one.
pub const DEFAULT_TTL: u32 = 3600;
/// The most records one page lists.
pub const MAX_PER_PAGE: usize = 1000;

/// One record: where it is and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RecordRef {
    name: Name,
    code: u16,
    content: String,
}

impl RecordRef {
    fn id(&self) -> String {
        let raw = format!(
            "{}\t{}\t{}",
            owner_text(&self.name).to_ascii_lowercase(),
            self.code,
            self.content
        );
        data_encoding::BASE64URL_NOPAD.encode(raw.as_bytes())
    }

    fn from_id(apex: &Name, id: &str) -> Result<RecordRef, ApiError> {
        let missing = || ApiError::not_found(format!("no record {id:?} in zone {apex}"));
        let raw = data_encoding::BASE64URL_NOPAD
            .decode(id.as_bytes())
            .map_err(|_| missing())?;
        let raw = String::from_utf8(raw).map_err(|_| missing())?;
        let mut parts = raw.splitn(3, '\t');
        let (Some(name), Some(code), Some(content)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(missing());
        };
        Ok(RecordRef {
            name: text_to_name(name).map_err(|_| missing())?,
            code: code.parse().map_err(|_| missing())?,
            content: content.to_string(),
        })
    }

    fn json(&self, ttl: u32) -> Value {
        json!({
            "id": self.id(),
            "name": owner_text(&self.name).to_ascii_lowercase(),
            "type": type_name(self.code),
            "content": self.content,
            "ttl": ttl,
            "disabled": false,
        })
    }
}

/// A record in a request; on update every field is optional.
#[derive(Deserialize)]
struct RecordIn {
    name: Option<String>,
    #[serde(rename = "type")]
    rtype: Option<String>,
    content: Option<String>,
    ttl: Option<i64>,
    #[serde(default)]
    disabled: bool,
}

/// An owner as the records API writes it: `@`, a name relative to the zone, or absolute.
fn owner(apex: &Name, text: &str) -> Result<Name, ApiError> {
    let lower = text.to_ascii_lowercase();
    let apex_text = apex.to_string().to_ascii_lowercase();
    let apex_bare = apex_text.trim_end_matches('.');
    let absolute = if text == "@" || text.is_empty() {
        apex_text.clone()
    } else if text.ends_with('.') || lower == apex_bare || lower.ends_with(&format!(".{apex_bare}"))
    {
        text.to_string()
    } else {
        format!("{text}.{apex_text}")
    };
    edit::owner_in_zone(apex, &absolute)
}

fn success(data: Value) -> Value {
    json!({"status": "success", "data": data})
}

/// The records endpoints for one key.
pub struct Records<'a, R> {
    /// The key the request presented.
    pub key: &'a ApiKey,
    /// The zones.
    pub repo: &'a R,
}

impl<R: ZoneRepo> Records<'_, R> {
    async fn content(&self, zone: &str) -> Result<(Name, ZoneContent), ApiError> {
        let apex = zone_name(zone)?;
        if !self.key.may_use_zone(&apex) {
            return Err(self.key.outside_zone(&apex));
        }
        match self.repo.zone(&apex).await? {
            Some(z) => Ok((apex, ZoneContent::of_zone(&z))),
            None => Err(ApiError::not_found(format!("no zone {apex}"))),
        }
    }

    /// `GET …/records?page=&per_page=&name=&type=`.
    pub async fn list(&self, zone: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let (apex, content) = self.content(zone).await?;
        let number =
            |name: &str, default: usize| match request.param(name) {
                None => Ok(default),
                Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::malformed(format!("{name}={v:?} is not a number from 1"))
                }),
            };
        let page = number("page", 1)?;
        let per_page = number("per_page", 100)?.min(MAX_PER_PAGE);
        let name = request
            .param("name")
            .map(|n| owner(&apex, &n))
            .transpose()?;
        let code = request.param("type").map(|t| edit::code(&t)).transpose()?;
        let all: Vec<Value> = content
            .sets()
            .filter(|s| {
                name.as_ref()
                    .is_none_or(|n| set_key(n, s.code) == set_key(&s.name, s.code))
            })
            .filter(|s| code.is_none_or(|c| c == s.code))
            .flat_map(|s| records_of(s).map(move |r| r.json(s.ttl)))
            .collect();
        let total = all.len();
        let records: Vec<Value> = all
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        Ok(Reply::json(
            200,
            success(json!({
                "records": records,
                "pagination": {
                    "page": page,
                    "per_page": per_page,
                    "total": total,
                    "total_pages": total.div_ceil(per_page),
                },
            })),
        ))
    }

    /// `GET …/records/{id}`.
    pub async fn get(&self, zone: &str, id: &str) -> Result<Reply, ApiError> {
        let (apex, content) = self.content(zone).await?;
        let wanted = RecordRef::from_id(&apex, id)?;
        let ttl = find(&content, &wanted).ok_or_else(|| gone(&apex, id))?;
        Ok(Reply::json(
            200,
            success(json!({"record": wanted.json(ttl)})),
        ))
    }

    /// `POST …/records`: 201, or 409 if the record exists.
    pub async fn create(&self, zone: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let apex = zone_name(zone)?;
        let body: RecordIn = request.json()?;
        let (Some(name), Some(rtype), Some(content)) = (&body.name, &body.rtype, &body.content)
        else {
            let first = match (&body.name, &body.rtype) {
                (None, _) => "name",
                (_, None) => "type",
                _ => "content",
            };
            return Err(
                ApiError::invalid("a record needs \"name\", \"type\" and \"content\"").about(first),
            );
        };
        let record = self.record(&apex, name, rtype, content, body.disabled)?;
        let ttl = ttl_of(body.ttl)?.unwrap_or(DEFAULT_TTL);
        let (_, committed) = self
            .write(&apex, |content| {
                if find(content, &record).is_some() {
                    return Err(ApiError::conflict(format!(
                        "the record {} {} {} exists",
                        owner_text(&record.name),
                        type_name(record.code),
                        record.content
                    )));
                }
                Ok(vec![extend(&record, Some(ttl))])
            })
            .await?;
        let data = json!({"message": "Record created successfully", "record": record.json(ttl)});
        Ok(self.reply(201, data, &apex, ("CREATE", &record), &committed))
    }

    /// `PUT|PATCH …/records/{id}`: the fields given replace the record's; the answer carries
    /// the record's new id.
    pub async fn update(
        &self,
        zone: &str,
        id: &str,
        request: &ApiRequest<'_>,
    ) -> Result<Reply, ApiError> {
        let apex = zone_name(zone)?;
        let old = RecordRef::from_id(&apex, id)?;
        self.key.check_write(&apex, &old.name, old.code)?;
        let body: RecordIn = request.json()?;
        let name = body.name.clone().unwrap_or_else(|| owner_text(&old.name));
        let rtype = body.rtype.clone().unwrap_or_else(|| type_name(old.code));
        let content = body.content.clone().unwrap_or_else(|| old.content.clone());
        let new = self.record(&apex, &name, &rtype, &content, body.disabled)?;
        let ttl = ttl_of(body.ttl)?;
        let (written, committed) = self
            .write(&apex, |content| {
                let old_ttl = find(content, &old).ok_or_else(|| gone(&apex, id))?;
                if new != old && find(content, &new).is_some() {
                    return Err(ApiError::conflict(format!(
                        "the record {} {} {} exists",
                        owner_text(&new.name),
                        type_name(new.code),
                        new.content
                    )));
                }
                let same_set = set_key(&old.name, old.code) == set_key(&new.name, new.code);
                Ok(vec![
                    prune(&old),
                    extend(&new, ttl.or(same_set.then_some(old_ttl))),
                ])
            })
            .await?;
        let ttl = find(&written, &new).unwrap_or(DEFAULT_TTL);
        let data = json!({"message": "Record updated successfully", "record": new.json(ttl)});
        Ok(self.reply(200, data, &apex, ("UPDATE", &new), &committed))
    }

    /// `DELETE …/records/{id}`.
    pub async fn delete(&self, zone: &str, id: &str) -> Result<Reply, ApiError> {
        let apex = zone_name(zone)?;
        let old = RecordRef::from_id(&apex, id)?;
        self.key.check_write(&apex, &old.name, old.code)?;
        let (_, committed) = self
            .write(&apex, |content| {
                find(content, &old).ok_or_else(|| gone(&apex, id))?;
                Ok(vec![prune(&old)])
            })
            .await?;
        let data = json!({"message": "Record deleted successfully"});
        Ok(self.reply(200, data, &apex, ("DELETE", &old), &committed))
    }

    /// Reads and checks one record a client wrote, and that the key may write it.
    fn record(
        &self,
        apex: &Name,
        name: &str,
        rtype: &str,
        content: &str,
        disabled: bool,
    ) -> Result<RecordRef, ApiError> {
        if disabled {
            return Err(ApiError::invalid(
                "disabled records are not kept by flatapex; delete the record instead",
            ));
        }
        let name = owner(apex, name).map_err(|e| e.about("name"))?;
        let code = edit::code(rtype).map_err(|e| e.about("type"))?;
        self.key.check_write(apex, &name, code)?;
        let content = edit::contents(&name, code, &[content.to_string()])
            .map_err(|e| e.about("content"))?
            .remove(0);
        Ok(RecordRef {
            name,
            code,
            content,
        })
    }

    /// Under the zone's writer: `changes` computes the changes from the current content (or
    /// refuses), and they are applied and committed. Returns the new content and the commit.
    async fn write(
        &self,
        apex: &Name,
        changes: impl FnOnce(&ZoneContent) -> Result<Vec<SetChange>, ApiError>,
    ) -> Result<(ZoneContent, Box<Committed>), ApiError> {
        if !self.key.may_use_zone(apex) {
            return Err(self.key.outside_zone(apex));
        }
        let mut written = None;
        let change = self
            .repo
            .update(apex, |current| {
                let current =
                    current.ok_or_else(|| ApiError::not_found(format!("no zone {apex}")))?;
                let mut content = ZoneContent::of_zone(&current);
                let changes = changes(&content)?;
                apply(&mut content, &changes);
                written = Some(content.clone());
                Ok(Change::Put(Box::new(commit(Some(&current), content)?)))
            })
            .await?;
        match (written, change) {
            (Some(content), Change::Put(committed)) => Ok((content, committed)),
            _ => Err(ApiError::store("the zone was not stored")),
        }
    }

    fn reply(
        &self,
        status: u16,
        data: Value,
        apex: &Name,
        (op, record): (&str, &RecordRef),
        committed: &Committed,
    ) -> Reply {
        let what = json!([{
            "op": op,
            "name": owner_text(&record.name),
            "type": type_name(record.code),
            "content": record.content,
        }]);
        Reply::json(status, success(data)).logged(audit(self.key, apex, what, Some(committed)))
    }
}

/// Adds `record` to its set (with `ttl` as the set's, if given).
fn extend(record: &RecordRef, ttl: Option<u32>) -> SetChange {
    SetChange {
        name: record.name.clone(),
        code: record.code,
        op: SetOp::Extend {
            ttl,
            contents: vec![record.content.clone()],
        },
    }
}

/// Removes `record` from its set.
fn prune(record: &RecordRef) -> SetChange {
    SetChange {
        name: record.name.clone(),
        code: record.code,
        op: SetOp::Prune {
            contents: vec![record.content.clone()],
        },
    }
}

/// The records of a set.
fn records_of(set: &RrSet) -> impl Iterator<Item = RecordRef> + '_ {
    set.contents.iter().map(|c| RecordRef {
        name: set.name.clone(),
        code: set.code,
        content: c.clone(),
    })
}

/// The TTL of `record`'s set if the record is in `content`.
fn find(content: &ZoneContent, record: &RecordRef) -> Option<u32> {
    content
        .get(&set_key(&record.name, record.code))
        .filter(|s| s.contents.contains(&record.content))
        .map(|s| s.ttl)
}

/// The TTL a client gave, if any, checked; an error names the `ttl` field.
fn ttl_of(ttl: Option<i64>) -> Result<Option<u32>, ApiError> {
    ttl.map(edit::ttl).transpose().map_err(|e| e.about("ttl"))
}

fn gone(apex: &Name, id: &str) -> ApiError {
    ApiError::not_found(format!("no record {id:?} in zone {apex}"))
}
