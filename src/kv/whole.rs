//! Whole zones out of the sharded layout: the shards merged back into one [`Zone`], for the
//! `/zones/<zone>` transfer text and the scheduled refresher.

use hickory_proto::rr::Name;

use super::layout::{Index, IndexEntry};
use super::store::{KvBackend, KvZones};
use crate::store::StoreError;
use crate::zone::Zone;
use crate::zone::model::{Shard, name_key};

impl KvZones {
    /// The zone at `apex` as one [`Zone`], its shards merged (each node from the shard that
    /// holds it, so copies are dropped): for `/zones/<zone>` and the scheduled refresher.
    pub async fn whole_zone<B: KvBackend>(
        &self,
        backend: &B,
        now_ms: u64,
        apex: &Name,
    ) -> Result<Option<(Zone, IndexEntry)>, StoreError> {
        let view = self.index(backend, now_ms).await?;
        let Some((id, entry)) = view.by_key.get(&name_key(apex)[..]).cloned() else {
            return Ok(None);
        };
        let apex_key = name_key(apex);
        let mut nodes = Vec::new();
        for i in 0..entry.shards {
            let shard = self.shard(backend, now_ms, &id, &entry, i).await?;
            nodes.extend(
                shard
                    .nodes()
                    .filter(|n| !n.is_empty_non_terminal())
                    .filter(|n| Shard::for_key(&n.key(), &apex_key, entry.shards) == i)
                    .cloned(),
            );
        }
        let apex_at = nodes.iter().position(|n| n.key() == apex_key);
        let Some(apex_at) = apex_at else {
            return Err(StoreError(format!("zone {id} has no apex node")));
        };
        let apex_name = nodes[apex_at].name();
        let zone = Zone::from_nodes(apex_name, nodes)
            .map_err(|e| StoreError(format!("zone {id}: {e}")))?;
        Ok(Some((zone, entry)))
    }

    /// The index in use at `now_ms` (read if due).
    pub async fn current_index<B: KvBackend>(
        &self,
        backend: &B,
        now_ms: u64,
    ) -> Result<Index, StoreError> {
        Ok(self.index(backend, now_ms).await?.index.clone())
    }
}
