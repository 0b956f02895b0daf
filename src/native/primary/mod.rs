//! The native primary: what secondaries need from `flatapex serve`. Transfers out with TSIG
//! ([`zone_transfer`], [`tsig`]), NOTIFY ([`notify`]), the refresh timer around the core's engine
//! ([`refresh`]), the state file ([`state_file`]) and `--transfer-from` ([`pull`]). The rules
//! (serials, which sets changed, what is due) are the core's (`crate::xfr`); this room runs
//! timers and does I/O, off the threads that answer queries.

pub mod notify;
pub mod pull;
pub mod refresh;
pub mod state_file;
pub mod tsig;
pub mod zone_transfer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::log;
use super::zones::FileStore;
use crate::zone::ZoneId;
pub use zone_transfer::Transfers;

/// The primary side of one server.
pub struct Primary {
    /// The zones, with their states.
    pub store: Arc<FileStore>,
    /// Where the states are saved across restarts, if anywhere.
    pub state_path: Option<PathBuf>,
    /// Secondaries to NOTIFY when a zone's serial changes.
    pub notify: Vec<SocketAddr>,
    /// Who may transfer.
    pub transfers: Transfers,
    /// One save at a time, in order.
    saving: tokio::sync::Mutex<()>,
}

impl Primary {
    /// The primary side over `store`.
    pub fn new(
        store: Arc<FileStore>,
        state_path: Option<PathBuf>,
        notify: Vec<SocketAddr>,
        transfers: Transfers,
    ) -> Self {
        Primary {
            store,
            state_path,
            notify,
            transfers,
            saving: tokio::sync::Mutex::new(()),
        }
    }

    /// Saves the zone states to the state file, off the async threads. A failure is logged;
    /// the server goes on, and the next change tries again.
    pub async fn persist(&self) {
        let Some(path) = self.state_path.clone() else {
            return;
        };
        let _one_at_a_time = self.saving.lock().await;
        let states = self.store.states().clone();
        let saved = tokio::task::spawn_blocking(move || state_file::save(&path, &states)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log(e),
            Err(e) => log(format!("saving the state: {e}")),
        }
    }

    /// Saves the states, then sends NOTIFY for each of `zones` at the serial now served: never
    /// announce a serial that a restart could forget (RFC 1996 §3.7).
    pub async fn announce(&self, zones: Vec<ZoneId>) {
        self.persist().await;
        let snapshot = self.store.snapshot();
        for id in zones {
            let Some(zone) = snapshot.get(&id.name()) else {
                continue;
            };
            for secondary in &self.notify {
                tokio::spawn(notify::send_notify(
                    zone.apex().clone(),
                    zone.serial(),
                    *secondary,
                ));
            }
        }
    }
}
