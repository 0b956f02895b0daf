//! The PowerDNS Authoritative HTTP API v1, the part octoDNS, lexicon, lego, certbot and
//! external-dns use (PowerDNS's docs/http-api): servers, zones, RRset PATCH, notify, export.
//! ALIAS is an ordinary RRset type. See docs/ARCHITECTURE.md, "The record API".

use hickory_proto::rr::Name;
use serde_json::{Value, json};

use super::commit::{Committed, commit, default_soa};
use super::content::{RrSet, ZoneContent, owner_text, set_key};
use super::edit::{SetChange, apply, check_changes};
use super::error::ApiError;
use super::handler::{ApiRequest, Reply};
use super::import;
use super::keys::ApiKey;
use super::pdns_body::{PatchIn, ZoneIn, check_kind};
use super::repo::{Change, ZoneRepo, ZoneSummary};
use super::route::SERVER_ID;
use crate::zone::Zone;
use crate::zone::names::text_to_name;

/// A zone id from a URL, with or without the trailing dot.
pub fn zone_name(id: &str) -> Result<Name, ApiError> {
    text_to_name(id).map_err(|e| ApiError::not_found(format!("no zone {id:?}: {e}")))
}

/// The name of a zone to create: host-name labels (letters, digits, `-`, `_`) only, so it is a
/// safe file name natively and an unambiguous id everywhere; never the root.
fn new_zone_name(text: &str) -> Result<Name, ApiError> {
    let name =
        text_to_name(text).map_err(|e| ApiError::invalid(format!("zone name {text:?}: {e}")))?;
    let plain = |label: &[u8]| {
        label
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    };
    if name.is_root() || !name.iter().all(plain) {
        return Err(ApiError::invalid(format!(
            "zone name {text:?}: a zone created through the API is named by letters, digits, '-' and '_' labels"
        )));
    }
    Ok(name)
}

fn not_found(apex: &Name) -> ApiError {
    ApiError::not_found(format!("Could not find domain '{apex}'"))
}

/// An RRset as PowerDNS shows it.
fn rrset_json(set: &RrSet) -> Value {
    let records: Vec<Value> = set
        .contents
        .iter()
        .map(|c| json!({"content": c, "disabled": false}))
        .collect();
    json!({
        "name": set.owner_text().to_ascii_lowercase(),
        "type": set.type_name(),
        "ttl": set.ttl,
        "records": records,
        "comments": [],
    })
}

/// A zone as PowerDNS shows it; `rrsets` is left out of listings.
pub fn zone_json(zone: &Zone, rrsets: Option<Vec<Value>>) -> Value {
    summary_json(&ZoneSummary::of(zone), rrsets)
}

/// A zone in a listing (or with `rrsets`) as PowerDNS shows it, with flatapex's
/// `record_count` and `alias_count` besides.
pub fn summary_json(zone: &ZoneSummary, rrsets: Option<Vec<Value>>) -> Value {
    let serial = zone.serial;
    let id = owner_text(&zone.apex).to_ascii_lowercase();
    let mut body = json!({
        "id": id,
        "name": id,
        "type": "Zone",
        "url": format!("/api/v1/servers/{SERVER_ID}/zones/{id}"),
        "kind": "Native",
        "serial": serial,
        "notified_serial": serial,
        "edited_serial": serial,
        "masters": [],
        "dnssec": false,
        "nsec3param": "",
        "nsec3narrow": false,
        "presigned": false,
        "soa_edit": "",
        "soa_edit_api": "DEFAULT",
        "api_rectify": false,
        "account": "",
        "catalog": "",
        "last_check": 0,
        "record_count": zone.records,
        "alias_count": zone.aliases,
    });
    if let (Some(rrsets), Value::Object(map)) = (rrsets, &mut body) {
        map.insert("rrsets".into(), Value::Array(rrsets));
    }
    body
}

/// The change-log line of a committed change.
pub fn audit(key: &ApiKey, apex: &Name, what: Value, committed: Option<&Committed>) -> Value {
    json!({
        "event": "api_change",
        "key": key.name,
        "zone": owner_text(apex),
        "changes": what,
        "old_serial": committed.and_then(|c| c.old_serial),
        "new_serial": committed.map(|c| c.new_serial),
    })
}

/// `GET /api`.
pub fn versions() -> Reply {
    Reply::json(200, json!([{"url": "/api/v1", "version": 1}]))
}

/// The PowerDNS endpoints for one key.
pub struct Pdns<'a, R> {
    /// The key the request presented.
    pub key: &'a ApiKey,
    /// The zones.
    pub repo: &'a R,
    /// The version string reported.
    pub version: &'a str,
}

impl<R: ZoneRepo> Pdns<'_, R> {
    /// The one server.
    pub fn server(&self) -> Value {
        json!({
            "type": "Server",
            "id": SERVER_ID,
            "daemon_type": "authoritative",
            "version": self.version,
            "url": format!("/api/v1/servers/{SERVER_ID}"),
            "config_url": format!("/api/v1/servers/{SERVER_ID}/config{{/config_setting}}"),
            "zones_url": format!("/api/v1/servers/{SERVER_ID}/zones{{/zone}}"),
        })
    }

    async fn zone(&self, id: &str) -> Result<(Name, Zone), ApiError> {
        let apex = zone_name(id)?;
        if !self.key.may_use_zone(&apex) {
            return Err(self.key.outside_zone(&apex));
        }
        match self.repo.zone(&apex).await? {
            Some(zone) => Ok((apex, (*zone).clone())),
            None => Err(not_found(&apex)),
        }
    }

    /// `GET …/zones` (`?zone=` selects one).
    pub async fn list(&self, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let only = request.param("zone").map(|z| zone_name(&z)).transpose()?;
        let mut zones: Vec<Value> = Vec::new();
        for zone in self.repo.zones().await? {
            let wanted = only.as_ref().is_none_or(|o| o.eq_ignore_root(&zone.apex));
            if wanted && self.key.may_use_zone(&zone.apex) {
                zones.push(summary_json(&zone, None));
            }
        }
        zones.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        Ok(Reply::json(200, Value::Array(zones)))
    }

    /// `GET …/zones/{id}` (`?rrsets=false`, `?rrset_name=`, `?rrset_type=`).
    pub async fn get(&self, id: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let (_, zone) = self.zone(id).await?;
        if request.param("rrsets").as_deref() == Some("false") {
            return Ok(Reply::json(200, zone_json(&zone, None)));
        }
        let name = request.param("rrset_name").map(|n| n.to_ascii_lowercase());
        let name = name.map(|n| if n.ends_with('.') { n } else { n + "." });
        let rtype = request.param("rrset_type").map(|t| t.to_ascii_uppercase());
        let rrsets = ZoneContent::of_zone(&zone)
            .sets()
            .filter(|s| {
                name.as_ref()
                    .is_none_or(|n| *n == s.owner_text().to_ascii_lowercase())
            })
            .filter(|s| rtype.as_ref().is_none_or(|t| *t == s.type_name()))
            .map(rrset_json)
            .collect();
        Ok(Reply::json(200, zone_json(&zone, Some(rrsets))))
    }

    /// `POST …/zones`: 201 with the zone, 409 if it exists. The zone is given by `rrsets` and
    /// `nameservers`, or as a zone file in `zone` ([`super::import`]).
    pub async fn create(&self, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let body: ZoneIn = request.json()?;
        let apex = new_zone_name(&body.name)?;
        self.key.check_manage(&apex)?;
        check_kind(body.kind.as_deref())?;
        let (content, what) = match &body.zone {
            Some(text) => (
                import::create_content(&apex, text, body.rrsets.len(), body.nameservers.len())?,
                import::created_from_file(),
            ),
            None => (self.new_content(&apex, &body)?, json!([{"op": "CREATE"}])),
        };
        let change = self
            .repo
            .update(&apex, |current| match current {
                Some(_) => Err(ApiError::conflict(format!(
                    "Domain '{apex}' already exists"
                ))),
                None => Ok(Change::Put(Box::new(commit(None, content)?))),
            })
            .await?;
        let Change::Put(committed) = change else {
            return Err(ApiError::store("the zone was not stored"));
        };
        let rrsets = ZoneContent::of_zone(&committed.zone)
            .sets()
            .map(rrset_json)
            .collect();
        Ok(
            Reply::json(201, zone_json(&committed.zone, Some(rrsets))).logged(audit(
                self.key,
                &apex,
                what,
                Some(&committed),
            )),
        )
    }

    /// The records of a zone to create from `rrsets` and `nameservers`: an SOA and apex NS
    /// are made up when not given.
    fn new_content(&self, apex: &Name, body: &ZoneIn) -> Result<ZoneContent, ApiError> {
        let changes: Vec<SetChange> = body
            .rrsets
            .iter()
            .map(|r| r.change(apex, false))
            .collect::<Result<_, _>>()?;
        check_changes(self.key, apex, &changes)?;
        let nameservers: Vec<Name> = body
            .nameservers
            .iter()
            .map(|n| {
                text_to_name(n).map_err(|e| ApiError::invalid(format!("nameserver {n:?}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let mut content = ZoneContent::empty(apex.clone());
        if !changes.iter().any(|c| c.code == super::content::SOA_CODE) {
            content.put(RrSet {
                name: apex.clone(),
                code: super::content::SOA_CODE,
                ttl: 3600,
                contents: vec![default_soa(apex, &nameservers)],
            });
        }
        if !nameservers.is_empty() && content.get(&set_key(apex, 2)).is_none() {
            content.put(RrSet {
                name: apex.clone(),
                code: 2,
                ttl: 3600,
                contents: nameservers.iter().map(owner_text).collect(),
            });
        }
        apply(&mut content, &changes);
        Ok(content)
    }

    /// `PATCH …/zones/{id}`: every RRset change at once, or none; 204.
    pub async fn patch(&self, id: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let apex = zone_name(id)?;
        if !self.key.may_use_zone(&apex) {
            return Err(self.key.outside_zone(&apex));
        }
        let body: PatchIn = request.json()?;
        let changes: Vec<SetChange> = body
            .rrsets
            .iter()
            .map(|r| r.change(&apex, true))
            .collect::<Result<_, _>>()?;
        check_changes(self.key, &apex, &changes)?;
        let change = self
            .repo
            .update(&apex, |current| {
                let current = current.ok_or_else(|| not_found(&apex))?;
                let mut content = ZoneContent::of_zone(&current);
                apply(&mut content, &changes);
                Ok(Change::Put(Box::new(commit(Some(&current), content)?)))
            })
            .await?;
        let committed = match &change {
            Change::Put(c) => Some(&**c),
            Change::Delete => None,
        };
        let what = Value::Array(changes.iter().map(SetChange::summary).collect());
        Ok(Reply::empty().logged(audit(self.key, &apex, what, committed)))
    }

    /// `PUT …/zones/{id}`: zone metadata. flatapex keeps none, so it checks the kind and
    /// answers 204.
    pub async fn put(&self, id: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let (apex, _) = self.zone(id).await?;
        self.key.check_manage(&apex)?;
        let body: Value = request.json()?;
        check_kind(body.get("kind").and_then(Value::as_str))?;
        Ok(Reply::empty())
    }

    /// `DELETE …/zones/{id}`: 204.
    pub async fn delete(&self, id: &str) -> Result<Reply, ApiError> {
        let apex = zone_name(id)?;
        self.key.check_manage(&apex)?;
        let mut old_serial = None;
        self.repo
            .update(&apex, |current| match current {
                Some(zone) => {
                    old_serial = Some(zone.serial());
                    Ok(Change::Delete)
                }
                None => Err(not_found(&apex)),
            })
            .await?;
        let mut line = audit(self.key, &apex, json!([{"op": "DELETE ZONE"}]), None);
        line["old_serial"] = old_serial.into();
        Ok(Reply::empty().logged(line))
    }

    /// `PUT …/zones/{id}/notify`. Any key that may use the zone may ask for it: NOTIFY changes nothing, and lego and
    /// lexicon send it after each change with their record-scoped keys.
    pub async fn notify(&self, id: &str) -> Result<Reply, ApiError> {
        let (apex, _) = self.zone(id).await?;
        let result = if self.repo.notify(&apex).await? {
            "Notification queued"
        } else {
            "No secondaries to notify"
        };
        Ok(Reply::json(200, json!({"result": result})))
    }

    /// `GET …/zones/{id}/export`: the zone file as the API keeps it (ALIAS unflattened), as
    /// PowerDNS sends it: `{"zone": text}`, or the bare text when only `text/plain` is accepted.
    pub async fn export(&self, id: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let (_, zone) = self.zone(id).await?;
        let text = ZoneContent::of_zone(&zone).to_text().0;
        let accept = request.accept.unwrap_or("*/*");
        if accept.contains("*/*") || accept.contains("application/json") {
            return Ok(Reply::json(200, json!({"zone": text})));
        }
        let mut reply = Reply::empty();
        reply.status = 200;
        reply.text = Some(text);
        Ok(reply)
    }
}
