//! What a push writes and deletes (docs/ARCHITECTURE.md, "Zones in KV"): a zone whose version is
//! already the one in the index is skipped; a replaced version is recorded in the index as
//! superseded and its shard keys are deleted by the first push after a grace period, because
//! isolates keep serving the index they read until their next check (`zone_recheck_seconds`).
//!
//! KV writes are limited (1,000 a day on the free plan), so a push of unchanged zones writes
//! nothing at all. The plan is pure: the shell (`flatapex push`) passes the index it read, the
//! zones it encoded and the time, then does the writes and deletes.

use serde::{Deserialize, Serialize};

use crate::xfr::serial::serial_gt;
use crate::zone::ZoneId;

use super::layout::{Index, StoredZone, shard_key};

/// Default time a superseded version stays in KV: well past the default index recheck (30 s),
/// so no isolate still reads it when it goes.
pub const DEFAULT_GRACE_SECONDS: u64 = 600;

/// A version of a zone that the index no longer serves, kept until its grace period is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Superseded {
    /// The zone.
    pub zone: ZoneId,
    /// The version that was replaced (`<serial>-<content hash>`).
    pub version: String,
    /// How many shard values it has.
    pub shards: u32,
    /// When the push that replaced it ran (milliseconds since the Unix epoch).
    pub since_ms: u64,
}

impl Superseded {
    /// Its shard keys, every one of which a deletion removes.
    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.shards).map(|n| shard_key(&self.zone, &self.version, n))
    }
}

/// What happens to one zone named in a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneChange {
    /// Not in the index yet.
    New,
    /// The same version is in the index already: nothing is written.
    Unchanged,
    /// A new version replaces `previous`, which becomes superseded.
    Replaces {
        /// The version the index served until now.
        previous: String,
    },
}

/// The outcome of [`plan_push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushPlan {
    /// Per zone given, in order: what happens to it.
    pub changes: Vec<(ZoneId, ZoneChange)>,
    /// The index to write, if anything changed (`None`: write nothing).
    pub index: Option<Index>,
    /// Superseded versions whose grace period is over: delete their keys after the index.
    pub delete: Vec<Superseded>,
    /// Superseded versions still within their grace period, left for a later push.
    pub kept: Vec<Superseded>,
    /// Problems worth a warning that do not stop the push, each naming the zone and values.
    pub warnings: Vec<String>,
}

impl PushPlan {
    /// How many of the zones given are written.
    pub fn written(&self) -> usize {
        self.changes
            .iter()
            .filter(|(_, c)| *c != ZoneChange::Unchanged)
            .count()
    }
}

/// Plans a push of `zones` over the index `current` at `now_ms`: which zones to write, the new
/// index, and which superseded versions are due for deletion (`grace_ms` after they were
/// replaced). A version pushed again while superseded is served again and no longer superseded.
pub fn plan_push(current: &Index, zones: &[StoredZone], now_ms: u64, grace_ms: u64) -> PushPlan {
    let mut index = current.clone();
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    for zone in zones {
        let change = match current.zones.get(&zone.zone) {
            None => ZoneChange::New,
            Some(old) if old.version == zone.entry.version => ZoneChange::Unchanged,
            Some(old) => {
                if old.serial == zone.entry.serial {
                    warnings.push(format!(
                        "{}: the content changed but the SOA serial is still {}: secondaries and \
                         caches that compare serials keep the old data; raise the serial",
                        zone.zone, old.serial
                    ));
                } else if serial_gt(old.serial, zone.entry.serial) {
                    warnings.push(format!(
                        "{}: the SOA serial went down from {} to {} (RFC 1982): secondaries \
                         keep the old data; raise the serial above {}",
                        zone.zone, old.serial, zone.entry.serial, old.serial
                    ));
                }
                index.superseded.push(Superseded {
                    zone: zone.zone.clone(),
                    version: old.version.clone(),
                    shards: old.shards,
                    since_ms: now_ms,
                });
                ZoneChange::Replaces {
                    previous: old.version.clone(),
                }
            }
        };
        if change != ZoneChange::Unchanged {
            index.insert(zone);
        }
        changes.push((zone.zone.clone(), change));
    }
    // A version served again (a roll back within the grace period) must not be deleted.
    let served = |s: &Superseded| {
        index
            .zones
            .get(&s.zone)
            .is_some_and(|e| e.version == s.version)
    };
    let (delete, kept): (Vec<Superseded>, Vec<Superseded>) = index
        .superseded
        .drain(..)
        .filter(|s| !served(s))
        .partition(|s| now_ms.saturating_sub(s.since_ms) >= grace_ms);
    index.superseded = kept.clone();
    let changed = index != *current;
    PushPlan {
        changes,
        index: changed.then_some(index),
        delete,
        kept,
        warnings,
    }
}

#[cfg(test)]
#[path = "push_plan_tests.rs"]
mod tests;
