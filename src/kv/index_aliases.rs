//! The ALIAS of a sharded zone, as its index entry lists them: a shard holds only the ALIAS
//! below its own labels (docs/ARCHITECTURE.md, "Zones in KV"), while the index lists every
//! ALIAS of the zone, so the scheduled refresher and the API's ALIAS status need only it.

use hickory_proto::rr::Name;

use super::store::KvZones;
use crate::zone::names::text_to_name;
use crate::zone::{Alias, Zone};

/// The ALIAS of `zone`'s zone from the index in use, if `zone` is one shard of several and
/// the index lists the zone (None: the zone lists its own).
pub fn index_aliases(zones: &KvZones, zone: &Zone) -> Option<Vec<(Name, Alias)>> {
    if zone.shard().is_none_or(|s| s.count <= 1) {
        return None;
    }
    let state = zones.state();
    let (_, entry) = state.index.as_ref()?.by_key.get(zone.apex_key())?;
    entry
        .aliases
        .iter()
        .map(|a| {
            let owner = text_to_name(&a.owner).ok()?;
            let target = text_to_name(&a.target).ok()?;
            Some((owner, Alias { target, ttl: a.ttl }))
        })
        .collect()
}
