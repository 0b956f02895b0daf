//! The zone-repository port: where the APIs read zones and write changes. Each shell keeps one
//! writer per zone, so a change is computed from the copy it replaces and no update is lost:
//! natively a lock per zone around the zone file; at the edge the zone's Durable Object.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use hickory_proto::rr::Name;

use super::commit::Committed;
use super::error::ApiError;
use crate::zone::Zone;
use crate::zone::model::name_key;

/// A zone in a listing: its apex, the serial served and how many records and ALIAS it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneSummary {
    /// The apex.
    pub apex: Name,
    /// The SOA serial served.
    pub serial: u32,
    /// Records in the zone, ALIAS included.
    pub records: u64,
    /// ALIAS records in the zone.
    pub aliases: u64,
}

impl ZoneSummary {
    /// The summary of `zone`.
    pub fn of(zone: &Zone) -> Self {
        ZoneSummary {
            apex: zone.apex().clone(),
            serial: zone.serial(),
            records: zone.record_count() as u64,
            aliases: zone.alias_count() as u64,
        }
    }
}

/// What an edit decided for its zone.
#[derive(Clone, Debug)]
pub enum Change {
    /// Store and serve this zone.
    Put(Box<Committed>),
    /// Remove the zone.
    Delete,
}

/// Where zones are kept. `update` runs `edit` under the zone's one writer, on the copy it
/// replaces, and stores what it returns before the next writer runs.
#[allow(async_fn_in_trait)]
pub trait ZoneRepo {
    /// Every zone served.
    async fn zones(&self) -> Result<Vec<ZoneSummary>, ApiError>;

    /// The zone at exactly `apex`.
    async fn zone(&self, apex: &Name) -> Result<Option<Arc<Zone>>, ApiError>;

    /// Applies `edit` to the current copy of `apex` (None: no such zone) and stores the result.
    async fn update<F>(&self, apex: &Name, edit: F) -> Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> Result<Change, ApiError>;

    /// Tells the secondaries about `apex` now (PowerDNS's `PUT …/notify`); false if the
    /// server has none to tell.
    async fn notify(&self, apex: &Name) -> Result<bool, ApiError>;
}

/// Zones in memory, one lock for all: the repository of the core's tests.
#[derive(Debug, Default)]
pub struct MemoryRepo {
    zones: Mutex<BTreeMap<Vec<u8>, Arc<Zone>>>,
    /// The texts stored, by apex key, as a shell would write them.
    pub texts: Mutex<BTreeMap<Vec<u8>, String>>,
}

impl MemoryRepo {
    fn zones_map(&self) -> std::sync::MutexGuard<'_, BTreeMap<Vec<u8>, Arc<Zone>>> {
        self.zones.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ZoneRepo for MemoryRepo {
    async fn zones(&self) -> Result<Vec<ZoneSummary>, ApiError> {
        Ok(self
            .zones_map()
            .values()
            .map(|z| ZoneSummary::of(z))
            .collect())
    }

    async fn zone(&self, apex: &Name) -> Result<Option<Arc<Zone>>, ApiError> {
        Ok(self.zones_map().get(&name_key(apex)).cloned())
    }

    async fn update<F>(&self, apex: &Name, edit: F) -> Result<Change, ApiError>
    where
        F: FnOnce(Option<Arc<Zone>>) -> Result<Change, ApiError>,
    {
        let mut zones = self.zones_map();
        let key = name_key(apex);
        let change = edit(zones.get(&key).cloned())?;
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        match &change {
            Change::Put(committed) => {
                zones.insert(key.clone(), Arc::new(committed.zone.clone()));
                texts.insert(key, committed.text.clone());
            }
            Change::Delete => {
                zones.remove(&key);
                texts.remove(&key);
            }
        }
        Ok(change)
    }

    async fn notify(&self, _apex: &Name) -> Result<bool, ApiError> {
        Ok(false)
    }
}
