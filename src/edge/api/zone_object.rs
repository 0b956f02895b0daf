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
use super::{INDEX_NAME, INDEX_OBJECTS, serve_in_object, store_error, zones_kv};
use crate::api::content::ZoneContent;
use crate::api::repo::ZoneSummary;
use crate::api::{ApiError, Change, ZoneRepo};
use crate::kv::layout::{DEFAULT_SHARD_BYTES, IndexEntry, store_zone};
use crate::kv::publish::{keep_recent, pushed_since};
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

    async fn fetch(&self, req: Request) -> Result<Response> {
        serve_in_object(req, &self.env, self).await
    }
}

impl ZoneObject {
    fn sql(&self) -> std::result::Result<ObjectSql, ApiError> {
        ObjectSql::open(&self.state).map_err(|e| store_error("the zone's storage", e))
    }

    /// The versions this object published, with when (milliseconds since the epoch).
    fn published(&self) -> std::result::Result<Vec<(String, u64)>, ApiError> {
        let text = self
            .sql()?
            .get(PUBLISHED)
            .map_err(|e| store_error("storage", e))?;
        Ok(text
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let (version, at) = line.split_once(' ')?;
                Some((version.to_string(), at.parse().ok()?))
            })
            .collect())
    }

    /// The zone as stored here, or imported from KV if KV holds a version this object never
    /// published (a push, or a zone the API has not touched yet). Only the writer (`store`)
    /// keeps an import: a read that stored one could put an older copy back over a write made
    /// while it waited for KV.
    async fn current(
        &self,
        apex: &Name,
        store: bool,
    ) -> std::result::Result<Option<Arc<Zone>>, ApiError> {
        let kv = zones_kv(&self.env)?;
        let fresh = KvZones::new(KvSettings {
            recheck_ms: 0,
            ..KvSettings::default()
        });
        let now = worker::Date::now().as_millis();
        let index = fresh
            .current_index(&kv, now)
            .await
            .map_err(|e| store_error("reading the KV index", e))?;
        let kv_version = index
            .zones
            .get(&ZoneId::of(apex))
            .map(|e| e.version.clone());
        let published: Vec<String> = self.published()?.into_iter().map(|(v, _)| v).collect();
        if pushed_since(kv_version.as_deref(), &published) {
            let Some((zone, entry)) = fresh
                .whole_zone(&kv, now, apex)
                .await
                .map_err(|e| store_error("importing the zone from KV", e))?
            else {
                return Ok(None);
            };
            let zone = Arc::new(zone);
            if store {
                let text = ZoneContent::of_zone(&zone).to_text().0;
                self.sql()?
                    .put(TEXT, &text)
                    .map_err(|e| store_error("storage", e))?;
                self.remember(&entry)?;
                *self.zone.borrow_mut() = Some(zone.clone());
            }
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

    /// Records that `entry`'s version is ours, remembered as long as `kv::publish::keep_recent`
    /// says, so a lagging KV read is never taken for a push.
    fn remember(&self, entry: &IndexEntry) -> std::result::Result<(), ApiError> {
        let now = worker::Date::now().as_millis();
        let mut published = self.published()?;
        published.push((entry.version.clone(), now));
        let lines: Vec<String> = keep_recent(published, now, 100)
            .into_iter()
            .map(|(version, at)| format!("{version} {at}"))
            .collect();
        self.sql()?
            .put(PUBLISHED, &lines.join("\n"))
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
        let kv = zones_kv(&self.env)?;
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
        self.current(apex, false).await
    }

    async fn update<F>(&self, apex: &Name, edit: F) -> std::result::Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> std::result::Result<Change, ApiError>,
    {
        let _one_writer = self.writer.lock().await;
        let current = self.current(apex, true).await?;
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
