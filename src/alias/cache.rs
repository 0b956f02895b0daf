//! The ALIAS cache port and its in-memory layer, which both shells use: keyed by (target, type),
//! least recently used first out, bounded in bytes (docs/ARCHITECTURE.md, "ALIAS").

use std::hash::BuildHasherDefault;
use std::sync::Mutex;

use hickory_proto::rr::{Name, RecordType};
use lru::LruCache;

use super::Source;
use super::flat_set::FlatSet;

/// What is cached: one target's addresses of one type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AliasKey {
    /// The target, lowercased.
    pub target: Name,
    /// A or AAAA.
    pub rtype: RecordType,
}

impl AliasKey {
    /// The key for `target`'s `rtype`.
    pub fn new(target: &Name, rtype: RecordType) -> Self {
        let mut target = target.to_lowercase();
        target.set_fqdn(true);
        AliasKey { target, rtype }
    }

    /// A stable text form, for URLs and KV keys: `a/example.net.` or `aaaa/example.net.`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}",
            self.rtype.to_string().to_ascii_lowercase(),
            self.target.to_ascii()
        )
    }
}

/// The cache port: isolate memory + Cache API + KV at the edge, memory natively. `get` says
/// which layer answered.
#[allow(async_fn_in_trait)]
pub trait AliasCache {
    /// The entry for `key`, fresh or not, and the layer it came from.
    async fn get(&self, key: &AliasKey) -> Option<(FlatSet, Source)>;
    /// Stores `value` in every layer.
    async fn put(&self, key: &AliasKey, value: &FlatSet);
}

/// Bytes an entry is counted as: its target, its addresses, and the bookkeeping of the map and
/// the LRU list around them (measured with `size_of`, rounded up).
pub fn entry_bytes(key: &AliasKey, value: &FlatSet) -> usize {
    const FIXED: usize = 160;
    FIXED
        + key.target.len()
        + value.addresses.len() * std::mem::size_of::<std::net::IpAddr>()
        + value.upstream.as_ref().map_or(0, String::len)
}

struct Lru {
    entries: LruCache<AliasKey, FlatSet, BuildHasherDefault<rustc_hash::FxHasher>>,
    bytes: usize,
}

/// The in-memory layer: at most `budget` bytes (see [`entry_bytes`]); beyond that the least
/// recently used entries are dropped. Lookups and inserts cost O(1).
pub struct MemoryAliasCache {
    inner: Mutex<Lru>,
    budget: usize,
}

impl std::fmt::Debug for MemoryAliasCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("MemoryAliasCache")
            .field("entries", &inner.entries.len())
            .field("bytes", &inner.bytes)
            .field("budget", &self.budget)
            .finish()
    }
}

impl MemoryAliasCache {
    /// A cache holding at most `budget` bytes of entries.
    pub fn new(budget: usize) -> Self {
        MemoryAliasCache {
            inner: Mutex::new(Lru {
                entries: LruCache::unbounded_with_hasher(BuildHasherDefault::default()),
                bytes: 0,
            }),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry for `key`, if any (marking it recently used).
    pub fn peek(&self, key: &AliasKey) -> Option<FlatSet> {
        self.lock().entries.get(key).cloned()
    }

    /// Stores `value`, dropping least recently used entries to stay within the budget. An entry
    /// larger than the whole budget is not kept.
    pub fn insert(&self, key: &AliasKey, value: &FlatSet) {
        let size = entry_bytes(key, value);
        let mut inner = self.lock();
        if let Some(old) = inner.entries.pop(key) {
            inner.bytes -= entry_bytes(key, &old);
        }
        if size > self.budget {
            return;
        }
        while inner.bytes + size > self.budget {
            match inner.entries.pop_lru() {
                Some((k, v)) => inner.bytes -= entry_bytes(&k, &v),
                None => break,
            }
        }
        inner.bytes += size;
        inner.entries.put(key.clone(), value.clone());
    }

    /// The bytes counted for the entries now kept.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AliasCache for MemoryAliasCache {
    async fn get(&self, key: &AliasKey) -> Option<(FlatSet, Source)> {
        self.peek(key).map(|v| (v, Source::Memory))
    }

    async fn put(&self, key: &AliasKey, value: &FlatSet) {
        self.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> AliasKey {
        AliasKey::new(
            &Name::from_ascii(format!("t{i}.example.")).unwrap(),
            RecordType::A,
        )
    }

    fn set(n: usize) -> FlatSet {
        let ips = (0..n)
            .map(|i| std::net::IpAddr::from([10, 0, (i / 256) as u8, (i % 256) as u8]))
            .collect();
        FlatSet::new(ips, 60, 0, None)
    }

    #[test]
    fn stays_within_its_byte_budget_dropping_the_least_recently_used() {
        let one = entry_bytes(&key(0), &set(1));
        let cache = MemoryAliasCache::new(one * 10);
        for i in 0..10 {
            cache.insert(&key(i), &set(1));
        }
        assert_eq!(cache.len(), 10);
        assert!(
            cache.peek(&key(0)).is_some(),
            "touch 0: now the most recent"
        );
        cache.insert(&key(10), &set(1));
        assert!(
            cache.peek(&key(1)).is_none(),
            "1 was the least recently used"
        );
        assert!(cache.peek(&key(0)).is_some());
        assert!(cache.bytes() <= one * 10);
        // A big set pushes out as many small ones as it must; one over budget is not kept.
        cache.insert(&key(20), &set(100));
        assert!(cache.bytes() <= one * 10, "{}", cache.bytes());
        cache.insert(&key(21), &set(10_000));
        assert!(cache.peek(&key(21)).is_none());
        // Replacing an entry does not count it twice.
        let before = cache.bytes();
        cache.insert(&key(20), &set(100));
        assert_eq!(cache.bytes(), before);
    }
}
