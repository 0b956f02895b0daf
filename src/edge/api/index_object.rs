//! The one index Durable Object: the only writer of the KV index (`flatapex/index`) besides
//! `flatapex push`, so concurrent zone writes never lose each other's entries. Zone objects
//! post `{"zone", "entry"}` (publish) or `{"zone", "entry": null}` (remove); it also answers
//! the API's listings and server discovery. Which copy of the index is current when a KV read
//! lags is the core's rule (`kv::publish::base_index`).

use std::cell::RefCell;
use std::sync::Arc;

use hickory_proto::rr::Name;
use serde::Deserialize;
use worker::{DurableObject, Env, Request, Response, Result, State, console_log, durable_object};

use super::object_sql::ObjectSql;
use super::{serve_in_object, store_error, zones_kv};
use crate::api::repo::ZoneSummary;
use crate::api::{ApiError, Change, ZoneRepo};
use crate::kv::layout::{INDEX_FORMAT, INDEX_KEY, Index, IndexEntry};
use crate::kv::publish::{base_index, index_hash, keep_recent, publish_zone, remove_zone};
use crate::kv::{DEFAULT_GRACE_SECONDS, KvBackend, parse_index};
use crate::zone::{Zone, ZoneId};

const OWN: &str = "index";
const WRITTEN: &str = "written";

/// What a zone object posts.
#[derive(Deserialize)]
struct Update {
    zone: ZoneId,
    entry: Option<IndexEntry>,
}

/// The index's Durable Object.
#[durable_object(fetch)]
pub struct IndexObject {
    state: State,
    env: Env,
    writer: futures::lock::Mutex<()>,
    /// The hashes of the indexes it wrote, with when.
    written: RefCell<Vec<(u64, u64)>>,
}

impl DurableObject for IndexObject {
    fn new(state: State, env: Env) -> Self {
        IndexObject {
            state,
            env,
            writer: futures::lock::Mutex::new(()),
            written: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.url()?.path() == "/__flatapex/index" {
            let update: Update = match req.json().await {
                Ok(update) => update,
                Err(e) => return Response::error(format!("bad index update: {e}"), 400),
            };
            return match self.apply(update).await {
                Ok(()) => Response::empty().map(|r| r.with_status(204)),
                Err(e) => Response::error(e.message, 503),
            };
        }
        serve_in_object(req, &self.env, self).await
    }
}

impl IndexObject {
    fn sql(&self) -> std::result::Result<ObjectSql, ApiError> {
        ObjectSql::open(&self.state).map_err(|e| store_error("the index's storage", e))
    }

    /// The index to change: KV's, or this object's own last write when KV still shows one of
    /// its earlier writes.
    async fn base(&self) -> std::result::Result<Index, ApiError> {
        let sql = self.sql()?;
        if self.written.borrow().is_empty()
            && let Some(text) = sql.get(WRITTEN).map_err(|e| store_error("storage", e))?
        {
            *self.written.borrow_mut() = text
                .lines()
                .filter_map(|line| {
                    let (hash, at) = line.split_once(' ')?;
                    Some((hash.parse().ok()?, at.parse().ok()?))
                })
                .collect();
        }
        let kv_read = match zones_kv(&self.env)?.get(INDEX_KEY).await {
            Ok(Some(bytes)) => parse_index(&bytes).map_err(|e| store_error("the KV index", e))?,
            Ok(None) => Index {
                format: INDEX_FORMAT,
                ..Index::default()
            },
            Err(e) => return Err(store_error("reading the KV index", e)),
        };
        let own = sql
            .get(OWN)
            .map_err(|e| store_error("storage", e))?
            .and_then(|text| parse_index(text.as_bytes()).ok());
        let written: Vec<u64> = self.written.borrow().iter().map(|(h, _)| *h).collect();
        Ok(base_index(kv_read, own, &written))
    }

    /// Publishes or removes one zone: the new index to KV, then the superseded versions due.
    async fn apply(&self, update: Update) -> std::result::Result<(), ApiError> {
        // Requests interleave at every await (a KV read is not storage, so no input gate
        // holds them back): one update at a time, or two could start from the same index.
        let _one_writer = self.writer.lock().await;
        let base = self.base().await?;
        let now = worker::Date::now().as_millis();
        let grace = DEFAULT_GRACE_SECONDS * 1000;
        let (index, delete) = match update.entry {
            Some(entry) => {
                let plan = publish_zone(&base, update.zone.clone(), entry, now, grace);
                (plan.index.unwrap_or(base), plan.delete)
            }
            None => (remove_zone(&base, &update.zone, now), Vec::new()),
        };
        let json = serde_json::to_string(&index).map_err(|e| store_error("the index", e))?;
        let kv = zones_kv(&self.env)?;
        kv.0.put(INDEX_KEY, json.clone())
            .map_err(|e| store_error("writing the KV index", e))?
            .execute()
            .await
            .map_err(|e| store_error("writing the KV index", e))?;
        let sql = self.sql()?;
        sql.put(OWN, &json).map_err(|e| store_error("storage", e))?;
        let lines = {
            let mut written = self.written.borrow_mut();
            written.push((index_hash(&index), now));
            *written = keep_recent(std::mem::take(&mut *written), now, 100);
            written
                .iter()
                .map(|(hash, at)| format!("{hash} {at}"))
                .collect::<Vec<_>>()
        };
        sql.put(WRITTEN, &lines.join("\n"))
            .map_err(|e| store_error("storage", e))?;
        for old in delete {
            for key in old.keys() {
                if let Err(e) = kv.0.delete(&key).await {
                    console_log!("deleting superseded {key}: {e}");
                }
            }
        }
        Ok(())
    }
}

impl ZoneRepo for IndexObject {
    async fn zones(&self) -> std::result::Result<Vec<ZoneSummary>, ApiError> {
        let index = self.base().await?;
        Ok(index
            .zones
            .iter()
            .filter_map(|(id, entry)| {
                Some(ZoneSummary {
                    apex: Name::from_ascii(id.as_str()).ok()?,
                    serial: entry.serial,
                    records: entry.records,
                    aliases: entry.aliases.len() as u64,
                })
            })
            .collect())
    }

    async fn zone(&self, _apex: &Name) -> std::result::Result<Option<Arc<Zone>>, ApiError> {
        Err(ApiError::store("zones are read through their own object"))
    }

    async fn update<F>(&self, _apex: &Name, _edit: F) -> std::result::Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> std::result::Result<Change, ApiError>,
    {
        Err(ApiError::store(
            "zones are written through their own object",
        ))
    }

    async fn notify(&self, _apex: &Name) -> std::result::Result<bool, ApiError> {
        Ok(false)
    }
}
