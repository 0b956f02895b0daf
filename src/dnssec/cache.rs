//! The signature cache: one per process or isolate, so a warm answer costs no signing
//! (docs/ARCHITECTURE.md, "DNSSEC"). A signature is keyed by the SHA-256 of everything it
//! covers: the signing input (owner, type, original TTL, the RDATA, the validity window of its
//! bucket, key tag, algorithm and signer, RFC 4034 §3.1.8.1) and the public key itself. Two
//! queries in one validity bucket share a key, and any change to the data or the key misses.

use std::hash::BuildHasherDefault;
use std::sync::Mutex;

use lru::LruCache;
use sha2::{Digest, Sha256};

type Lru = LruCache<[u8; 32], Vec<u8>, BuildHasherDefault<rustc_hash::FxHasher>>;

/// Signatures kept by default: 64 bytes each plus the key, about 10 MB at most.
pub const DEFAULT_SIGNATURES: usize = 100_000;

/// A bounded, least-recently-used map from what was signed to its signature.
pub struct SignatureCache {
    entries: Mutex<Lru>,
    capacity: usize,
}

impl Default for SignatureCache {
    fn default() -> Self {
        SignatureCache::new(DEFAULT_SIGNATURES)
    }
}

impl std::fmt::Debug for SignatureCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureCache")
            .field("len", &self.len())
            .finish()
    }
}

impl SignatureCache {
    /// A cache of at most `capacity` signatures (at least one). Nothing is allocated up front:
    /// a responder made per request (the edge) pays nothing for an empty cache.
    pub fn new(capacity: usize) -> Self {
        SignatureCache {
            entries: Mutex::new(LruCache::unbounded_with_hasher(
                BuildHasherDefault::default(),
            )),
            capacity: capacity.max(1),
        }
    }

    /// The key of a signature over `input` by `public_key`.
    pub fn key(public_key: &[u8], input: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update((public_key.len() as u32).to_be_bytes());
        hasher.update(public_key);
        hasher.update(input);
        hasher.finalize().into()
    }

    /// The signature kept under `key`, if any.
    pub fn get(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        self.lock().get(key).cloned()
    }

    /// Keeps `signature` under `key`, evicting the least recently used one when full.
    pub fn put(&self, key: [u8; 32], signature: Vec<u8>) {
        let mut entries = self.lock();
        entries.put(key, signature);
        while entries.len() > self.capacity {
            entries.pop_lru();
        }
    }

    /// How many signatures are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no signature is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // A panic while holding the lock leaves a cache that is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_keyed_by_key_and_input() {
        let cache = SignatureCache::new(2);
        let a = SignatureCache::key(b"k1", b"input");
        let b = SignatureCache::key(b"k2", b"input");
        let c = SignatureCache::key(b"k1", b"other");
        assert_ne!(a, b);
        assert_ne!(a, c);
        cache.put(a, vec![1]);
        cache.put(b, vec![2]);
        assert_eq!(cache.get(&a), Some(vec![1]));
        cache.put(c, vec![3]);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&b), None, "the least recently used one went");
        assert_eq!(cache.get(&c), Some(vec![3]));
    }
}
