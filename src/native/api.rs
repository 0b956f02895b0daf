//! The zone and record APIs in the native server (`flatapex serve --doh ADDR --api-keys FILE`):
//! the core's [`Api`] over the zone directory. The zone file is the store: each write holds the
//! zone's one lock, computes the change from the zone served, writes the file atomically,
//! serves it at once, saves the state and sends NOTIFY (docs/ARCHITECTURE.md, "The record API").

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hickory_proto::rr::Name;

use super::primary::Primary;
use super::serve::connections::Network;
use super::zones::{FileStore, InstallError};
use super::{NativeResponder, background_work, monotonic_ms, now_ms};
use crate::api::alias_status::answer_alias_status;
use crate::api::bad_keys::BadKeys;
use crate::api::repo::ZoneSummary;
use crate::api::{Api, ApiError, ApiOutcome, ApiRequest, Change, KeyRing, ZoneRepo};
use crate::zone::model::name_key;
use crate::zone::{Zone, ZoneId};

/// Failed keys allowed per client address block within a minute before 429.
const BAD_KEYS_PER_MINUTE: u32 = 10;

/// The zone directory as the APIs' repository.
pub struct FileRepo {
    store: Arc<FileStore>,
    primary: Option<Arc<Primary>>,
    writers: Mutex<HashMap<Vec<u8>, Arc<tokio::sync::Mutex<()>>>>,
}

impl FileRepo {
    /// The repository over `store`, announcing changes through `primary`.
    pub fn new(store: Arc<FileStore>, primary: Option<Arc<Primary>>) -> Self {
        FileRepo {
            store,
            primary,
            writers: Mutex::default(),
        }
    }

    /// The one writer of zone `apex`.
    fn writer(&self, apex: &Name) -> Arc<tokio::sync::Mutex<()>> {
        let mut writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        writers.entry(name_key(apex)).or_default().clone()
    }

    /// Where a zone's file is, or will be: `<dir>/<zone>.zone`.
    fn path_for(&self, apex: &Name) -> PathBuf {
        self.store.path_of(apex).unwrap_or_else(|| {
            let stem = apex.to_string();
            let stem = stem.trim_end_matches('.');
            self.store.dir().join(format!("{stem}.zone"))
        })
    }
}

impl ZoneRepo for FileRepo {
    async fn zones(&self) -> Result<Vec<ZoneSummary>, ApiError> {
        Ok(self
            .store
            .snapshot()
            .iter()
            .map(|z| ZoneSummary::of(z))
            .collect())
    }

    async fn zone(&self, apex: &Name) -> Result<Option<Arc<Zone>>, ApiError> {
        Ok(self.store.snapshot().get(apex).cloned())
    }

    async fn update<F>(&self, apex: &Name, edit: F) -> Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> Result<Change, ApiError>,
    {
        let writer = self.writer(apex);
        let _one_writer = writer.lock().await;
        let current = self.store.snapshot().get(apex).cloned();
        let path = self.path_for(apex);
        let mut change = edit(current.clone())?;
        let store = self.store.clone();
        let (stored, apex_owned) = (change.clone(), apex.clone());
        let installed = tokio::task::spawn_blocking(move || match stored {
            Change::Put(committed) => store
                .install(&path, committed.zone, &committed.text, current.as_deref())
                .map(Some),
            Change::Delete => store
                .uninstall(&apex_owned)
                .map(|()| None)
                .map_err(InstallError::Io),
        })
        .await
        .map_err(|e| ApiError::store(format!("writing zone {apex}: {e}")))?
        .map_err(|e| match e {
            InstallError::Conflict(why) => ApiError::conflict(why),
            InstallError::Io(e) => {
                ApiError::store(format!("writing zone {apex}: {e}; nothing changed"))
            }
        })?;
        // A zone created again is served above the serial its state kept (RFC 1982): say so.
        if let (Change::Put(committed), Some(served)) = (&mut change, installed) {
            committed.new_serial = served.serial();
            committed.zone = (*served).clone();
        }
        if let Some(primary) = &self.primary {
            match &change {
                Change::Put(_) => primary.announce(vec![ZoneId::of(apex)]).await,
                Change::Delete => primary.persist().await,
            }
        }
        Ok(change)
    }

    async fn notify(&self, apex: &Name) -> Result<bool, ApiError> {
        match &self.primary {
            Some(primary) if !primary.notify.is_empty() => {
                primary.announce(vec![ZoneId::of(apex)]).await;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The APIs' state in the server: the keys, the repository, the responder (for the ALIAS
/// status, answered over the query path) and the bad-key counters.
pub struct ApiService {
    keys: KeyRing,
    repo: FileRepo,
    responder: Arc<NativeResponder>,
    bad_keys: Mutex<BadKeys>,
}

impl ApiService {
    /// The APIs with `keys` over `repo`; the ALIAS status flattens through `responder`.
    pub fn new(keys: KeyRing, repo: FileRepo, responder: Arc<NativeResponder>) -> Self {
        ApiService {
            keys,
            repo,
            responder,
            bad_keys: Mutex::new(BadKeys::new(BAD_KEYS_PER_MINUTE, 60_000, 4096)),
        }
    }

    /// Whether `request` presents a valid key, from its headers alone (before its body is
    /// read); a client network that sent too many bad keys within a minute gets 429 for bad
    /// ones (a valid key is never locked out by others' mistakes).
    pub fn admit(&self, peer: IpAddr, request: &ApiRequest<'_>) -> Result<(), ApiOutcome> {
        let presented = request.presented_key();
        if presented.and_then(|k| self.keys.authenticate(k)).is_some() {
            return Ok(());
        }
        let client = format!("{:?}", Network::of(peer));
        let now = monotonic_ms();
        let mut bad = self.bad_keys.lock().unwrap_or_else(|e| e.into_inner());
        let error = if bad.blocked(&client, now) {
            ApiError::new(
                429,
                "too many bad API keys from this address; wait a minute",
            )
        } else {
            bad.failed(&client, now);
            let why = match presented {
                None => "no API key: send X-API-Key or Authorization: Bearer",
                Some(_) => "the API key is not valid",
            };
            ApiError::new(401, why)
        };
        let records_api = request.path.starts_with("/v1/");
        Err(crate::api::handler::outcome(records_api, Err(error), true))
    }

    /// Answers one admitted request, writing each change as one JSON line on stderr. The
    /// ALIAS status runs the query path's flattening and then its background work.
    pub async fn handle(&self, request: &ApiRequest<'_>) -> ApiOutcome {
        let status = answer_alias_status(&self.keys, request, &self.responder, now_ms());
        if let Some((outcome, refresh)) = Box::pin(status).await {
            background_work(&self.responder, refresh);
            return outcome;
        }
        let api = Api {
            keys: &self.keys,
            repo: &self.repo,
            version: "4.9.0-flatapex",
        };
        let outcome = api.handle(request).await;
        if let Some(line) = &outcome.audit {
            eprintln!("{line}");
        }
        outcome
    }
}
