//! Importing a BIND zone file through the PowerDNS API (docs/ARCHITECTURE.md, "The record
//! API"): `PUT …/zones/{id}/import` replaces a zone's records with a file's, and `POST …/zones`
//! with PowerDNS's `"zone"` field creates a zone from one. The file is checked exactly as
//! `flatapex check` checks it ([`load_zone`] with no `$INCLUDE`, the origin and the SOA owner
//! both the zone), and every error is reported with its line of the client's text.

use hickory_proto::rr::Name;
use serde_json::{Value, json};

use super::commit::commit;
use super::content::ZoneContent;
use super::error::{ApiError, LineError};
use super::handler::{ApiRequest, Reply};
use super::pdns::{Pdns, audit, zone_name};
use super::repo::{Change, ZoneRepo};
use crate::zone::{NoIncludes, Problem, load_zone};

/// The name problems of an imported file are reported under.
const FILE: &str = "import";

/// The zone text of an import body: the body itself (`text/plain`), or `{"zone": text}` when
/// the body is JSON (`application/json`, or no content type and a body starting with `{`).
pub fn import_text(request: &ApiRequest<'_>) -> Result<String, ApiError> {
    let text = std::str::from_utf8(request.body)
        .map_err(|e| ApiError::malformed(format!("the zone file is not UTF-8: {e}")))?;
    let json = match request.content_type {
        Some(kind) => kind.to_ascii_lowercase().contains("json"),
        None => text.trim_start().starts_with('{'),
    };
    if !json {
        return Ok(text.to_string());
    }
    #[derive(serde::Deserialize)]
    struct Body {
        zone: String,
    }
    request.json::<Body>().map(|b| b.zone)
}

/// A problem of the client's file, as the API reports it.
fn line_error(problem: &Problem) -> LineError {
    LineError {
        line: problem.line,
        message: problem.message.clone(),
    }
}

/// Reads `text` as zone `apex` with the reader and rules of `flatapex check`: the records, and
/// the warnings as `line N: …`; or 422 listing every error with its line.
pub fn read_zone_file(apex: &Name, text: &str) -> Result<(ZoneContent, Vec<String>), ApiError> {
    match load_zone(FILE, text, apex, Some(apex), &NoIncludes) {
        Ok(loaded) => Ok((
            ZoneContent::of_zone(&loaded.zone),
            loaded
                .warnings
                .iter()
                .map(|p| line_error(p).describe())
                .collect(),
        )),
        Err(problems) => Err(ApiError::zone_file(
            problems
                .0
                .iter()
                .filter(|p| p.is_error())
                .map(line_error)
                .collect(),
        )),
    }
}

impl<R: ZoneRepo> Pdns<'_, R> {
    /// `PUT …/zones/{id}/import`: the zone's records become the file's; the serial is the
    /// file's if it is above the one served, else one above (`commit`). 200 with
    /// `{"serial", "record_count", "alias_count", "warnings"}`.
    pub async fn import(&self, id: &str, request: &ApiRequest<'_>) -> Result<Reply, ApiError> {
        let apex = zone_name(id)?;
        self.key.check_manage(&apex)?;
        let (content, warnings) = read_zone_file(&apex, &import_text(request)?)?;
        let change = self
            .repo
            .update(&apex, |current| {
                let current = current.ok_or_else(|| {
                    ApiError::not_found(format!("Could not find domain '{apex}'"))
                })?;
                Ok(Change::Put(Box::new(commit(Some(&current), content)?)))
            })
            .await?;
        let Change::Put(committed) = change else {
            return Err(ApiError::store("the zone was not stored"));
        };
        let zone = &committed.zone;
        let body = json!({
            "serial": committed.new_serial,
            "record_count": zone.record_count(),
            "alias_count": zone.alias_count(),
            "warnings": warnings,
        });
        let what = json!([{"op": "IMPORT", "records": zone.record_count()}]);
        Ok(Reply::json(200, body).logged(audit(self.key, &apex, what, Some(&committed))))
    }
}

/// The records of a zone to create from PowerDNS's `"zone"` field, checked as an import is;
/// `rrsets` and `nameservers` may not come with it (the file says everything).
pub fn create_content(
    apex: &Name,
    text: &str,
    rrsets: usize,
    nameservers: usize,
) -> Result<ZoneContent, ApiError> {
    if rrsets > 0 || nameservers > 0 {
        return Err(ApiError::invalid(
            "give the zone either as a zone file (\"zone\") or as \"rrsets\" and \"nameservers\", not both",
        ));
    }
    read_zone_file(apex, text).map(|(content, _)| content)
}

/// The change-log entry of a zone created from a file.
pub fn created_from_file() -> Value {
    json!([{"op": "CREATE", "from": "zone file"}])
}
