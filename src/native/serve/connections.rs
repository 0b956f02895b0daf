//! The connections of one TCP listener (DNS over TCP, or DoH) and who may open another: at most
//! `--max-connections` in all and `--max-connections-per-client` from one client network (an
//! IPv4 /24 or an IPv6 /56, so that one host's neighbours and one site's addresses count as one
//! client). A new connection over either limit takes the place of the connection in the same
//! scope that has been idle the longest, which is told to close (RFC 7766 §6.2.3: a server
//! under load may close idle connections); it is refused only when every connection in that
//! scope has a query or request under way. So idle connections, however many, never keep a new
//! client out, and one network can only ever close its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The client network a connection counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    /// An IPv4 /24 (IPv4-mapped IPv6 addresses included).
    V4([u8; 3]),
    /// An IPv6 /56.
    V6([u8; 7]),
}

impl Network {
    /// The network of `ip`.
    pub fn of(ip: IpAddr) -> Network {
        let v4 = |o: [u8; 4]| Network::V4([o[0], o[1], o[2]]);
        match ip {
            IpAddr::V4(ip) => v4(ip.octets()),
            IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
                Some(ip) => v4(ip.octets()),
                None => {
                    let o = ip.octets();
                    Network::V6([o[0], o[1], o[2], o[3], o[4], o[5], o[6]])
                }
            },
        }
    }
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its network has as many connections as it may, all busy.
    Network,
    /// The listener has as many connections as it may, all busy.
    Full,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Network => {
                "its network (/24 or /56) has --max-connections-per-client connections, all busy"
            }
            Refusal::Full => "the listener has --max-connections connections, all busy",
        })
    }
}

/// What the table and a connection share.
struct Slot {
    network: Network,
    /// Queries or requests under way.
    busy: AtomicU32,
    /// When the connection last had nothing under way, in ms since the table began.
    idle_since_ms: AtomicU64,
    /// Told when the table wants the connection closed.
    close: Notify,
    began: Instant,
}

impl Slot {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.began.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

#[derive(Default)]
struct Open {
    next_id: u64,
    slots: HashMap<u64, Arc<Slot>>,
    per_network: HashMap<Network, usize>,
}

impl Open {
    /// The connection idle the longest among those `in_scope`.
    fn longest_idle(&self, in_scope: impl Fn(&Slot) -> bool) -> Option<u64> {
        self.slots
            .iter()
            .filter(|(_, s)| in_scope(s) && s.busy.load(Ordering::Acquire) == 0)
            .min_by_key(|(id, s)| (s.idle_since_ms.load(Ordering::Acquire), **id))
            .map(|(id, _)| *id)
    }

    /// Forgets connection `id`; returns its slot if it was still counted.
    fn remove(&mut self, id: u64) -> Option<Arc<Slot>> {
        let slot = self.slots.remove(&id)?;
        if let Some(count) = self.per_network.get_mut(&slot.network) {
            *count -= 1;
            if *count == 0 {
                self.per_network.remove(&slot.network);
            }
        }
        Some(slot)
    }

    /// Makes room by closing connection `id`.
    fn close(&mut self, id: u64) {
        if let Some(slot) = self.remove(id) {
            slot.close.notify_one();
        }
    }
}

/// The connections of one listener.
pub struct ConnectionTable {
    max_connections: usize,
    max_per_network: usize,
    began: Instant,
    open: Mutex<Open>,
}

impl ConnectionTable {
    /// A table for a listener with these limits.
    pub fn new(max_connections: u64, max_per_network: u64) -> Arc<Self> {
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX).max(1);
        Arc::new(ConnectionTable {
            max_connections: to_usize(max_connections),
            max_per_network: to_usize(max_per_network),
            began: Instant::now(),
            open: Mutex::default(),
        })
    }

    /// Admits a connection from `ip`, closing the connection idle the longest in its network or
    /// on the listener if a limit is reached; the [`Connection`] gives its place back when
    /// dropped.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Connection, Refusal> {
        let network = Network::of(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.per_network.get(&network).copied().unwrap_or(0) >= self.max_per_network {
            let id = open
                .longest_idle(|s| s.network == network)
                .ok_or(Refusal::Network)?;
            open.close(id);
        }
        if open.slots.len() >= self.max_connections {
            let id = open.longest_idle(|_| true).ok_or(Refusal::Full)?;
            open.close(id);
        }
        let slot = Arc::new(Slot {
            network,
            busy: AtomicU32::new(0),
            idle_since_ms: AtomicU64::new(0),
            close: Notify::new(),
            began: self.began,
        });
        slot.idle_since_ms.store(slot.now_ms(), Ordering::Release);
        let id = open.next_id;
        open.next_id += 1;
        open.slots.insert(id, slot.clone());
        *open.per_network.entry(network).or_default() += 1;
        Ok(Connection {
            table: self.clone(),
            id,
            slot,
        })
    }

    /// Connections open.
    pub fn len(&self) -> usize {
        self.open.lock().map(|o| o.slots.len()).unwrap_or_default()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One admitted connection.
pub struct Connection {
    table: Arc<ConnectionTable>,
    id: u64,
    slot: Arc<Slot>,
}

impl Connection {
    /// Marks a query or request under way until the guard is dropped; a busy connection is
    /// never closed to make room.
    pub fn busy(&self) -> Busy {
        self.slot.busy.fetch_add(1, Ordering::AcqRel);
        Busy(self.slot.clone())
    }

    /// How long nothing has been under way; `None` while something is.
    pub fn idle_for(&self) -> Option<Duration> {
        if self.slot.busy.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = self.slot.idle_since_ms.load(Ordering::Acquire);
        Some(Duration::from_millis(
            self.slot.now_ms().saturating_sub(since),
        ))
    }

    /// Resolves when the table has closed this connection to make room for another.
    pub async fn closed(&self) {
        self.slot.close.notified().await;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Ok(mut open) = self.table.open.lock() {
            open.remove(self.id);
        }
    }
}

/// A query or request under way on a connection.
pub struct Busy(Arc<Slot>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0
                .idle_since_ms
                .store(self.0.now_ms(), Ordering::Release);
        }
    }
}

#[cfg(test)]
#[path = "connections_tests.rs"]
mod tests;
