//! The zone-store port and the pure zone set every store shares.
//!
//! A store answers one question: which hosted zone is the longest suffix of a name (RFC 1034
//! §4.3.2 step 2). The memory store holds a [`ZoneSet`]; the native file store swaps one in on
//! reload; the edge KV store loads zones (or shards of them) on demand.

use std::sync::Arc;

use hickory_proto::rr::Name;

use crate::zone::model::{FastMap, label_starts, name_key};
use crate::zone::{Alias, Zone};

/// A store could not produce a zone (KV unreachable, a value corrupt with no good copy).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("zone store: {0}")]
pub struct StoreError(pub String);

/// Where zones come from. Implemented by each shell; `async` so the edge can read KV.
#[allow(async_fn_in_trait)]
pub trait ZoneStore {
    /// The zone whose apex is the longest suffix of `qname`, if any is hosted.
    async fn zone_for(&self, qname: &Name) -> Result<Option<Arc<Zone>>, StoreError>;

    /// The zone strictly above `apex` that holds its delegation (and so its DS, RFC 4035
    /// §3.1.4.1). A sharded store picks the parent's shard for `apex`, not for the parent.
    async fn zone_above(&self, apex: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        if apex.is_root() {
            return Ok(None);
        }
        self.zone_for(&apex.base_name()).await
    }

    /// Every ALIAS of the zone `zone` belongs to (one this store returned), as (owner, alias).
    /// A store that serves a zone in shards lists them from its index; by default the zone
    /// lists its own.
    async fn aliases_of(&self, zone: &Zone) -> Result<Vec<(Name, Alias)>, StoreError> {
        Ok(zone.aliases().collect())
    }
}

impl<T: ZoneStore> ZoneStore for Arc<T> {
    async fn zone_for(&self, qname: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        T::zone_for(self, qname).await
    }

    async fn zone_above(&self, apex: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        T::zone_above(self, apex).await
    }

    async fn aliases_of(&self, zone: &Zone) -> Result<Vec<(Name, Alias)>, StoreError> {
        T::aliases_of(self, zone).await
    }
}

/// A set of zones with longest-suffix selection.
#[derive(Clone, Debug, Default)]
pub struct ZoneSet {
    zones: FastMap<Box<[u8]>, Arc<Zone>>,
}

impl ZoneSet {
    /// An empty set.
    pub fn new() -> Self {
        ZoneSet::default()
    }

    /// Adds or replaces the zone at its apex.
    pub fn insert(&mut self, zone: Arc<Zone>) -> Option<Arc<Zone>> {
        self.zones.insert(zone.apex_key().into(), zone)
    }

    /// Removes the zone at `apex`.
    pub fn remove(&mut self, apex: &Name) -> Option<Arc<Zone>> {
        self.zones.remove(&name_key(apex)[..])
    }

    /// The zone at exactly `apex`.
    pub fn get(&self, apex: &Name) -> Option<&Arc<Zone>> {
        self.zones.get(&name_key(apex)[..])
    }

    /// The zone whose apex is the longest suffix of `qname`.
    pub fn find(&self, qname: &Name) -> Option<&Arc<Zone>> {
        let key = name_key(qname);
        label_starts(&key)
            .into_iter()
            .chain(std::iter::once(key.len()))
            .find_map(|start| self.zones.get(&key[start..]))
    }

    /// Every zone, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Zone>> {
        self.zones.values()
    }

    /// The number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether there are no zones.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }
}

impl FromIterator<Zone> for ZoneSet {
    fn from_iter<I: IntoIterator<Item = Zone>>(iter: I) -> Self {
        let mut set = ZoneSet::new();
        for zone in iter {
            set.insert(Arc::new(zone));
        }
        set
    }
}

/// The simplest store: zones held in memory, fixed at construction.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    zones: ZoneSet,
}

impl MemoryStore {
    /// A store serving `zones`.
    pub fn new(zones: ZoneSet) -> Self {
        MemoryStore { zones }
    }
}

impl ZoneStore for MemoryStore {
    async fn zone_for(&self, qname: &Name) -> Result<Option<Arc<Zone>>, StoreError> {
        Ok(self.zones.find(qname).cloned())
    }
}
