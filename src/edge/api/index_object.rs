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
use super::{VERSION, keys, respond};
use crate::api::handler::outcome;
use crate::api::repo::ZoneSummary;
use crate::api::{Api, ApiError, ApiRequest, Change, ZoneRepo};
use crate::edge::ZONES_BINDING;
use crate::edge::kv_backend::WorkersKv;
use crate::kv::layout::{INDEX_FORMAT, INDEX_KEY, Index, IndexEntry};
use crate::kv::publish::{base_index, index_hash, publish_zone, remove_zone};
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
    written: RefCell<Vec<u64>>,
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
        let url = req.url()?;
        if url.path() == "/__flatapex/index" {
            let update: Update = match req.json().await {
                Ok(update) => update,
                Err(e) => return Response::error(format!("bad index update: {e}"), 400),
            };
            return match self.apply(update).await {
                Ok(()) => Response::empty().map(|r| r.with_status(204)),
                Err(e) => Response::error(e.message, 503),
            };
        }
        let method = req.method().to_string();
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let (api_key, authorization, accept) = (
            header("x-api-key"),
            header("authorization"),
            header("accept"),
        );
        let request = ApiRequest {
            method: &method,
            path: url.path(),
            query: url.query(),
            api_key: api_key.as_deref(),
            authorization: authorization.as_deref(),
            accept: accept.as_deref(),
            body: &[],
        };
        let keys = match keys(&self.env) {
            Ok(keys) => keys,
            Err(e) => {
                let error = ApiError::store(e.clone());
                return respond(outcome(url.path().starts_with("/v1/"), Err(error), false));
            }
        };
        let api = Api {
            keys,
            repo: self,
            version: VERSION,
        };
        respond(api.handle(&request).await)
    }
}

fn store_error(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::store(format!("{what}: {e}"))
}

impl IndexObject {
    fn kv(&self) -> std::result::Result<WorkersKv, ApiError> {
        self.env
            .kv(ZONES_BINDING)
            .map(WorkersKv)
            .map_err(|e| store_error("the ZONES binding", e))
    }

    /// The index to change: KV's, or this object's own last write when KV still shows one of
    /// its earlier writes.
    async fn base(&self) -> std::result::Result<Index, ApiError> {
        let sql = ObjectSql::open(&self.state).map_err(|e| store_error("storage", e))?;
        if self.written.borrow().is_empty()
            && let Some(text) = sql.get(WRITTEN).map_err(|e| store_error("storage", e))?
        {
            *self.written.borrow_mut() = text.lines().filter_map(|l| l.parse().ok()).collect();
        }
        let kv_read = match self.kv()?.get(INDEX_KEY).await {
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
        Ok(base_index(kv_read, own, &self.written.borrow()))
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
        let kv = self.kv()?;
        kv.0.put(INDEX_KEY, json.clone())
            .map_err(|e| store_error("writing the KV index", e))?
            .execute()
            .await
            .map_err(|e| store_error("writing the KV index", e))?;
        let sql = ObjectSql::open(&self.state).map_err(|e| store_error("storage", e))?;
        sql.put(OWN, &json).map_err(|e| store_error("storage", e))?;
        let lines = {
            let mut written = self.written.borrow_mut();
            written.push(index_hash(&index));
            let keep = written.len().saturating_sub(100);
            written.drain(..keep);
            written.iter().map(u64::to_string).collect::<Vec<_>>()
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
