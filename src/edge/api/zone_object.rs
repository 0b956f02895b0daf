//! One zone's Durable Object: the zone's one writer. Its SQLite storage holds the zone as
//! master-file text (the source of truth) and every version it published; each change is
//! checked by the core ([`crate::api`]), stored, published to KV as the read path reads it
//! (shards first, then the index through the index object), and only then acknowledged.
//!
//! A zone the object has not seen yet, or one that `flatapex push` replaced since (the KV
//! index names a version the object never published), is imported from KV first: push is an
//! import into the same store (`kv::publish::pushed_since`).

use std::cell::RefCell;
use std::sync::Arc;

use futures::lock::Mutex;
use hickory_proto::rr::Name;
use worker::{
    DurableObject, Env, Request, RequestInit, Response, Result, State, console_error,
    durable_object,
};

use super::object_sql::ObjectSql;
use super::{INDEX_NAME, INDEX_OBJECTS, VERSION, keys, respond};
use crate::api::handler::outcome;
use crate::api::repo::ZoneSummary;
use crate::api::{Api, ApiError, ApiRequest, Change, ZoneRepo};
use crate::edge::ZONES_BINDING;
use crate::edge::kv_backend::WorkersKv;
use crate::kv::layout::{DEFAULT_SHARD_BYTES, IndexEntry, store_zone};
use crate::kv::publish::pushed_since;
use crate::kv::{KvSettings, KvZones};
use crate::zone::{NoIncludes, Zone, ZoneId, load_zone};

const TEXT: &str = "zone";
const PUBLISHED: &str = "published";

/// The Durable Object of one zone.
#[durable_object(fetch)]
pub struct ZoneObject {
    state: State,
    env: Env,
    writer: Mutex<()>,
    zone: RefCell<Option<Arc<Zone>>>,
}

impl DurableObject for ZoneObject {
    fn new(state: State, env: Env) -> Self {
        ZoneObject {
            state,
            env,
            writer: Mutex::new(()),
            zone: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        let method = req.method().to_string();
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let (api_key, authorization, accept) = (
            header("x-api-key"),
            header("authorization"),
            header("accept"),
        );
        let body = req.bytes().await.unwrap_or_default();
        let request = ApiRequest {
            method: &method,
            path: url.path(),
            query: url.query(),
            api_key: api_key.as_deref(),
            authorization: authorization.as_deref(),
            accept: accept.as_deref(),
            body: &body,
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
    ApiError::store(format!("{what}: {e}; nothing changed"))
}

impl ZoneObject {
    fn sql(&self) -> std::result::Result<ObjectSql, ApiError> {
        ObjectSql::open(&self.state).map_err(|e| store_error("the zone's storage", e))
    }

    fn kv(&self) -> std::result::Result<WorkersKv, ApiError> {
        self.env
            .kv(ZONES_BINDING)
            .map(WorkersKv)
            .map_err(|e| store_error("the ZONES binding", e))
    }

    fn published(&self) -> std::result::Result<Vec<String>, ApiError> {
        let text = self
            .sql()?
            .get(PUBLISHED)
            .map_err(|e| store_error("storage", e))?;
        Ok(text
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default())
    }

    /// The zone as stored here, or imported from KV if KV holds a version this object never
    /// published (a push, or a zone the API has not touched yet).
    async fn current(&self, apex: &Name) -> std::result::Result<Option<Arc<Zone>>, ApiError> {
        let kv = self.kv()?;
        let fresh = KvZones::new(KvSettings {
            recheck_ms: 0,
            ..KvSettings::default()
        });
        let now = worker::Date::now().as_millis();
        let index = fresh
            .current_index(&kv, now)
            .await
            .map_err(|e| store_error("reading the KV index", e))?;
        let id = ZoneId::of(apex);
        let kv_version = index.zones.get(&id).map(|e| e.version.clone());
        if pushed_since(kv_version.as_deref(), &self.published()?) {
            let Some((zone, entry)) = fresh
                .whole_zone(&kv, now, apex)
                .await
                .map_err(|e| store_error("importing the zone from KV", e))?
            else {
                return Ok(None);
            };
            let text = crate::api::content::ZoneContent::of_zone(&zone).to_text().0;
            let sql = self.sql()?;
            sql.put(TEXT, &text)
                .map_err(|e| store_error("storage", e))?;
            self.remember(&entry)?;
            let zone = Arc::new(zone);
            *self.zone.borrow_mut() = Some(zone.clone());
            return Ok(Some(zone));
        }
        if let Some(zone) = self.zone.borrow().clone() {
            return Ok(Some(zone));
        }
        let Some(text) = self
            .sql()?
            .get(TEXT)
            .map_err(|e| store_error("storage", e))?
        else {
            return Ok(None);
        };
        let loaded = load_zone("stored", &text, &Name::root(), Some(apex), &NoIncludes)
            .map_err(|e| store_error("the stored zone does not load", e))?;
        let zone = Arc::new(loaded.zone);
        *self.zone.borrow_mut() = Some(zone.clone());
        Ok(Some(zone))
    }

    /// Records that `entry`'s version is ours (kept: the last 100).
    fn remember(&self, entry: &IndexEntry) -> std::result::Result<(), ApiError> {
        let mut published = self.published()?;
        published.push(entry.version.clone());
        let keep = published.len().saturating_sub(100);
        let text = published[keep..].join("\n");
        self.sql()?
            .put(PUBLISHED, &text)
            .map_err(|e| store_error("storage", e))
    }

    /// Tells the index object about this zone: `Some(entry)` to publish, `None` to remove.
    async fn index(
        &self,
        id: &ZoneId,
        entry: Option<&IndexEntry>,
    ) -> std::result::Result<(), ApiError> {
        let stub = super::stub(&self.env, INDEX_OBJECTS, INDEX_NAME)
            .map_err(|e| store_error("the index object", e))?;
        let body = serde_json::json!({ "zone": id, "entry": entry }).to_string();
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_body(Some(body.into()));
        let request = Request::new_with_init("https://flatapex.internal/__flatapex/index", &init)
            .map_err(|e| store_error("the index object", e))?;
        let mut response = stub
            .fetch_with_request(request)
            .await
            .map_err(|e| store_error("the index object", e))?;
        if response.status_code() != 204 {
            let text = response.text().await.unwrap_or_default();
            return Err(store_error("the index object", text));
        }
        Ok(())
    }

    /// Writes the shards of `zone` to KV, then its index entry.
    async fn publish(&self, zone: &Zone) -> std::result::Result<IndexEntry, ApiError> {
        let stored = store_zone(zone, DEFAULT_SHARD_BYTES).map_err(ApiError::invalid)?;
        let kv = self.kv()?;
        for (key, value) in &stored.values {
            kv.0.put_bytes(key, value)
                .map_err(|e| store_error("writing KV", e))?
                .execute()
                .await
                .map_err(|e| store_error("writing KV", e))?;
        }
        self.index(&stored.zone, Some(&stored.entry)).await?;
        Ok(stored.entry)
    }
}

impl ZoneRepo for ZoneObject {
    async fn zones(&self) -> std::result::Result<Vec<ZoneSummary>, ApiError> {
        let zone = self.zone.borrow().clone();
        Ok(zone.iter().map(|z| ZoneSummary::of(z)).collect())
    }

    async fn zone(&self, apex: &Name) -> std::result::Result<Option<Arc<Zone>>, ApiError> {
        self.current(apex).await
    }

    async fn update<F>(&self, apex: &Name, edit: F) -> std::result::Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> std::result::Result<Change, ApiError>,
    {
        let _one_writer = self.writer.lock().await;
        let current = self.current(apex).await?;
        let change = edit(current)?;
        match &change {
            Change::Put(committed) => {
                let entry = self.publish(&committed.zone).await?;
                self.sql()?
                    .put(TEXT, &committed.text)
                    .map_err(|e| store_error("storage", e))?;
                self.remember(&entry)?;
                *self.zone.borrow_mut() = Some(Arc::new(committed.zone.clone()));
            }
            Change::Delete => {
                self.index(&ZoneId::of(apex), None).await?;
                // The versions published stay known, so a lagging KV read of the deleted zone
                // is not taken for a push.
                if let Err(e) = self.sql()?.delete(TEXT) {
                    console_error!("deleting zone {apex}: {e}");
                }
                *self.zone.borrow_mut() = None;
            }
        }
        Ok(change)
    }

    async fn notify(&self, _apex: &Name) -> std::result::Result<bool, ApiError> {
        // Secondaries of the edge pull /zones/<zone>; there is no one to send NOTIFY to.
        Ok(false)
    }
}
