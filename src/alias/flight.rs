//! Single flight (docs/ARCHITECTURE.md, "ALIAS"): concurrent resolutions of one (target, type)
//! share one upstream exchange. The first caller leads; the others wait for its result. A
//! leader that is dropped before it finishes (its request went away) wakes its waiters with
//! nothing, and they look again: one of them leads next.
//!
//! The table is shared by every request of a process (natively) or an isolate (at the edge), so
//! it sits behind a std `Mutex` that is never held across an await. Each waiter waits on its
//! own `futures` oneshot, which works on any executor (tokio, or the Workers event loop in wasm).
//!
//! A caller that looked in a slow cache layer (the edge's Cache API and KV) may miss a flight
//! that started and finished while it looked. So each completed flight bumps an epoch; a caller
//! notes the epoch before its lookup, and if it moved on meanwhile the caller looks again before
//! leading a new flight. Epochs are kept in a small fixed array of buckets (a key's hash picks
//! its bucket), so the table does not grow with the keys ever seen; a collision only costs a
//! second lookup.

use std::hash::BuildHasher;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use futures::channel::oneshot;
use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use super::cache::AliasKey;
use super::flat_set::FlatSet;

/// What one resolution gives: the set resolved (already cached), or why every attempt failed.
pub type Resolution = Result<FlatSet, String>;

/// A waiter's end of a flight: the leader's resolution, or `Canceled` if the leader was dropped.
pub type Waiting = oneshot::Receiver<Resolution>;

/// Epoch buckets (see the module documentation).
const EPOCH_BUCKETS: usize = 256;

/// The flights in progress.
pub struct Flights {
    running: Mutex<Running>,
    epochs: [AtomicU32; EPOCH_BUCKETS],
}

/// Per (target, type) in flight, a sender for each waiter. A key's entry is its leader's: only
/// that leader removes it (when it finishes or is dropped), so no other flight of the key can
/// start before.
type Running = HashMap<AliasKey, Vec<oneshot::Sender<Resolution>>, FxBuildHasher>;

/// What a caller does about a (target, type) it must resolve.
pub enum Flight<'a> {
    /// Resolve it, then [`Leader::finish`].
    Lead(Leader<'a>),
    /// Wait for the flight in progress.
    Join(Waiting),
    /// A flight finished since the caller's lookup began: look in the cache again.
    LookAgain,
}

impl Default for Flights {
    fn default() -> Self {
        Flights {
            running: Mutex::default(),
            epochs: std::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

impl std::fmt::Debug for Flights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flights")
            .field("running", &self.running())
            .finish()
    }
}

impl Flights {
    fn lock(&self) -> std::sync::MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bucket(&self, key: &AliasKey) -> &AtomicU32 {
        &self.epochs[FxBuildHasher.hash_one(key) as usize % EPOCH_BUCKETS]
    }

    /// The epoch of `key`'s bucket: note it before looking in the cache.
    pub fn epoch(&self, key: &AliasKey) -> u32 {
        self.bucket(key).load(Ordering::Acquire)
    }

    /// Joins the flight for `key` if there is one; else, if `seen` (the epoch noted before the
    /// caller's lookup) is no longer current, asks the caller to look again; else makes the
    /// caller the leader.
    pub fn join_or_lead(&self, key: &AliasKey, seen: Option<u32>) -> Flight<'_> {
        let mut running = self.lock();
        if let Some(waiters) = running.get_mut(key) {
            let (sender, receiver) = oneshot::channel();
            waiters.push(sender);
            return Flight::Join(receiver);
        }
        if seen.is_some_and(|seen| seen != self.epoch(key)) {
            return Flight::LookAgain;
        }
        running.insert(key.clone(), Vec::new());
        Flight::Lead(Leader {
            flights: self,
            key: key.clone(),
            finished: false,
        })
    }

    /// How many flights are in progress.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    /// Removes the flight of `key`: its waiters' senders.
    fn remove(&self, key: &AliasKey) -> Vec<oneshot::Sender<Resolution>> {
        self.lock().remove(key).unwrap_or_default()
    }
}

/// The caller that resolves for everyone waiting. Dropping it unfinished wakes the waiters with
/// `Canceled`, so none of them hangs.
pub struct Leader<'a> {
    flights: &'a Flights,
    key: AliasKey,
    finished: bool,
}

impl Leader<'_> {
    /// Ends the flight with `resolution` (its set must be cached already, so that a caller who
    /// looks again finds it) and wakes the waiters.
    pub fn finish(mut self, resolution: &Resolution) {
        self.finished = true;
        let waiters = self.flights.remove(&self.key);
        self.flights
            .bucket(&self.key)
            .fetch_add(1, Ordering::AcqRel);
        for waiter in waiters {
            let _ = waiter.send(resolution.clone());
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // The waiters' senders go with the flight, so they wake with `Canceled`.
            drop(self.flights.remove(&self.key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::{Name, RecordType};

    fn key(s: &str) -> AliasKey {
        AliasKey::new(&Name::from_ascii(s).unwrap(), RecordType::A)
    }

    #[test]
    fn one_leads_the_others_join_and_a_dropped_leader_frees_them() {
        let flights = Flights::default();
        let k = key("t.example.");
        let Flight::Lead(leader) = flights.join_or_lead(&k, None) else {
            panic!("the first caller leads")
        };
        let Flight::Join(waiting) = flights.join_or_lead(&k, None) else {
            panic!("the second joins")
        };
        assert!(matches!(
            flights.join_or_lead(&key("other.example."), None),
            Flight::Lead(_)
        ));
        drop(leader);
        assert_eq!(futures::executor::block_on(waiting), Err(oneshot::Canceled));
        assert_eq!(
            flights.running(),
            0,
            "a dropped leader leaves no flight behind"
        );

        let seen = flights.epoch(&k);
        let Flight::Lead(leader) = flights.join_or_lead(&k, Some(seen)) else {
            panic!("nobody is in flight: lead")
        };
        let Flight::Join(waiting) = flights.join_or_lead(&k, Some(seen)) else {
            panic!("join")
        };
        let set = FlatSet::new(vec![], 60, 0, None);
        leader.finish(&Ok(set.clone()));
        assert_eq!(futures::executor::block_on(waiting), Ok(Ok(set)));
        assert!(
            matches!(flights.join_or_lead(&k, Some(seen)), Flight::LookAgain),
            "a flight finished since the epoch was noted: look again"
        );
        assert!(matches!(
            flights.join_or_lead(&k, Some(flights.epoch(&k))),
            Flight::Lead(_)
        ));
    }
}
