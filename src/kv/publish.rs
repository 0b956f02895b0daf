//! Publishing API writes to KV without losing an update (docs/ARCHITECTURE.md, "The record
//! API"). Workers KV has no compare-and-swap and reads may lag a write, so the Worker's two
//! kinds of Durable Object keep what they wrote and decide here which copy is current:
//!
//! - a zone's object keeps every version it published; a KV index naming a version it never
//!   published means `flatapex push` replaced the zone, which the object then imports (push is
//!   an import into the same store); a version it published before is only a stale read;
//! - the one index object keeps the last index it wrote and the hashes of all it wrote; a KV
//!   index it wrote before (a stale read, or the current one) gives way to its own copy, any
//!   other (a push) is taken as it is.

use super::layout::{FNV_START, Index, IndexEntry, StoredZone, fnv1a};
use super::push_plan::{PushPlan, Superseded, plan_push};
use crate::zone::ZoneId;

/// How long the objects remember what they wrote: well past how far a KV read may lag (about a
/// minute) and the grace period of superseded versions (10 minutes by default).
pub const REMEMBER_MS: u64 = 30 * 60 * 1000;

/// What an object keeps of its writes (each with when it was made): every write of the last
/// [`REMEMBER_MS`], so a lagging read is never taken for someone else's write however many
/// writes there were, and at least the last `min`.
pub fn keep_recent<T>(mut writes: Vec<(T, u64)>, now_ms: u64, min: usize) -> Vec<(T, u64)> {
    let old = writes.len().saturating_sub(min);
    let mut i = 0;
    writes.retain(|(_, at)| {
        i += 1;
        i > old || now_ms.saturating_sub(*at) < REMEMBER_MS
    });
    writes
}

/// A stable hash of an index's JSON (FNV-1a), to recognise indexes written before.
pub fn index_hash(index: &Index) -> u64 {
    fnv1a(FNV_START, &serde_json::to_vec(index).unwrap_or_default())
}

/// The index to change: `kv_read`, unless it is one the index object wrote (`written`), in
/// which case its own last write `own` is at least as new.
pub fn base_index(kv_read: Index, own: Option<Index>, written: &[u64]) -> Index {
    match own {
        Some(own) if written.contains(&index_hash(&kv_read)) => own,
        _ => kv_read,
    }
}

/// The plan for publishing one zone's new version `entry` over `base` at `now_ms`: the new
/// index and the superseded versions due for deletion.
pub fn publish_zone(
    base: &Index,
    zone: ZoneId,
    entry: IndexEntry,
    now_ms: u64,
    grace_ms: u64,
) -> PushPlan {
    let stored = StoredZone {
        zone,
        entry,
        values: Vec::new(),
    };
    plan_push(base, std::slice::from_ref(&stored), now_ms, grace_ms)
}

/// `base` without `zone`; its version becomes superseded (deleted after the grace period).
pub fn remove_zone(base: &Index, zone: &ZoneId, now_ms: u64) -> Index {
    let mut index = base.clone();
    if let Some(entry) = index.zones.remove(zone) {
        index.superseded.push(Superseded {
            zone: zone.clone(),
            version: entry.version,
            shards: entry.shards,
            since_ms: now_ms,
        });
    }
    index
}

/// Whether the version the KV index names for a zone was written by someone else (a push):
/// neither absent nor one the zone's object published.
pub fn pushed_since(kv_version: Option<&str>, published: &[String]) -> bool {
    kv_version.is_some_and(|v| !published.iter().any(|p| p == v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::layout::INDEX_FORMAT;

    fn entry(version: &str) -> IndexEntry {
        IndexEntry {
            version: version.into(),
            serial: version[..version.find('-').unwrap()].parse().unwrap(),
            shards: 1,
            records: 3,
            bytes: 100,
            aliases: Vec::new(),
        }
    }

    fn zone() -> ZoneId {
        ZoneId::of(&crate::zone::names::text_to_name("example.com.").unwrap())
    }

    #[test]
    fn a_stale_kv_read_gives_way_to_the_objects_own_write() {
        let empty = Index {
            format: INDEX_FORMAT,
            ..Index::default()
        };
        let first = publish_zone(&empty, zone(), entry("1-a"), 0, 600_000)
            .index
            .unwrap();
        let second = publish_zone(&first, zone(), entry("2-b"), 10, 600_000)
            .index
            .unwrap();
        let written = [index_hash(&first), index_hash(&second)];
        assert_eq!(
            base_index(first.clone(), Some(second.clone()), &written),
            second,
            "KV still shows the first write: the object's own copy wins"
        );
        let pushed = publish_zone(&second, zone(), entry("3-c"), 20, 600_000)
            .index
            .unwrap();
        assert_eq!(
            base_index(pushed.clone(), Some(second.clone()), &written),
            pushed,
            "an index the object never wrote (a push) is taken"
        );
        assert_eq!(second.superseded.len(), 1, "1-a waits for its grace period");
        let removed = remove_zone(&second, &zone(), 30);
        assert!(removed.zones.is_empty());
        assert_eq!(removed.superseded.len(), 2);
    }

    #[test]
    fn recent_writes_are_all_kept_however_many() {
        let writes: Vec<(u32, u64)> = (0..1000).map(|i| (i, 1_000_000 + u64::from(i))).collect();
        assert_eq!(
            keep_recent(writes.clone(), 1_001_000, 10).len(),
            1000,
            "all recent"
        );
        let later = 1_000_000 + REMEMBER_MS + 500;
        let kept = keep_recent(writes, later, 10);
        assert_eq!(kept.len(), 499, "writes 501..999 are still recent");
        let much_later = keep_recent(kept, later + REMEMBER_MS, 10);
        assert_eq!(
            much_later.iter().map(|w| w.0).collect::<Vec<_>>(),
            (990..1000).collect::<Vec<_>>()
        );
    }

    #[test]
    fn only_a_version_never_published_is_a_push() {
        let published = vec!["1-a".to_string(), "2-b".to_string()];
        assert!(!pushed_since(None, &published));
        assert!(!pushed_since(Some("1-a"), &published), "a stale read");
        assert!(!pushed_since(Some("2-b"), &published));
        assert!(pushed_since(Some("2-c"), &published));
    }
}
