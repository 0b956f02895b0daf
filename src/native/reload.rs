//! Reloading the zone directory on SIGHUP or on change (`--watch`), off the async threads. For
//! each zone whose file changed, the secondaries get NOTIFY (RFC 1996 §3.7: the primary tells
//! them when a zone changes) and the transfer state is saved.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::file_store::{FileStore, LoadReport};
use super::log;
use super::refresh::send_notify;
use super::state_file;
use super::xfr::Transfers;

/// What a reload touches besides the zones.
#[derive(Clone)]
pub struct Reloads {
    /// The zones.
    pub store: Arc<FileStore>,
    /// Transfer state to save, when the server has secondaries.
    pub transfers: Option<Arc<Transfers>>,
    /// Secondaries to NOTIFY of changed zones.
    pub notify: Vec<SocketAddr>,
}

impl Reloads {
    /// Reloads, logs what changed, notifies the secondaries of every changed zone and saves the
    /// transfer state.
    pub async fn reload(&self, why: &str) {
        let task = {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.reload())
        };
        match task.await.map_err(std::io::Error::other).and_then(|r| r) {
            Ok(report) => {
                log(format!(
                    "reload ({why}): {} changed, {} unchanged, {} failed",
                    report.loaded.len(),
                    report.unchanged,
                    report.failed.len()
                ));
                log_report(&report, "reloaded");
                self.after_load(&report);
            }
            Err(e) => log(format!(
                "reload ({why}) failed: {e}; still serving the previous zones"
            )),
        }
    }

    /// NOTIFY for every zone `report` loaded, at the serial now served, and the state saved.
    pub fn after_load(&self, report: &LoadReport) {
        if let Some(transfers) = &self.transfers {
            state_file::persist(transfers);
        }
        let snapshot = self.store.snapshot();
        for (_, zone) in &report.loaded {
            let Some(served) = snapshot.get(zone.apex()) else {
                continue;
            };
            if served.serial() != zone.serial() {
                log(format!(
                    "zone {}: serving serial {} (the file's {} is not above a serial already served)",
                    zone.apex(),
                    served.serial(),
                    zone.serial()
                ));
            }
            for secondary in &self.notify {
                tokio::spawn(send_notify(
                    served.apex().clone(),
                    served.serial(),
                    *secondary,
                ));
            }
        }
    }

    /// Reloads on every SIGHUP.
    #[cfg(unix)]
    pub async fn on_hangup(self) {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            log("cannot listen for SIGHUP; reload with --watch instead");
            return;
        };
        while hangups.recv().await.is_some() {
            self.reload("SIGHUP").await;
        }
    }

    /// Reloads on every SIGHUP (not on this platform).
    #[cfg(not(unix))]
    pub async fn on_hangup(self) {}

    /// Polls the zone files' modification times once a second.
    pub async fn on_change(self) {
        let mut seen = self.store.fingerprint();
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.store.fingerprint();
            if now != seen {
                seen = now;
                self.reload("file change").await;
            }
        }
    }
}

/// Logs what a load or reload did, zone by zone.
pub fn log_report(report: &LoadReport, verb: &str) {
    for (path, zone) in &report.loaded {
        log(format!(
            "{verb} zone {} serial {} ({} records, {} ALIAS) from {}",
            zone.apex(),
            zone.serial(),
            zone.record_count(),
            zone.aliases().count(),
            path.display()
        ));
    }
    for warning in &report.warnings {
        log(warning);
    }
    for (path, problems, kept) in &report.failed {
        for problem in problems {
            log(problem);
        }
        let what = if *kept {
            "kept the previous copy"
        } else {
            "not loaded"
        };
        log(format!(
            "{}: {} error(s); {what}",
            path.display(),
            problems.iter().filter(|p| p.is_error()).count()
        ));
    }
    for apex in &report.removed {
        log(format!("zone {apex} removed: its file is gone"));
    }
}
