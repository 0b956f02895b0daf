//! Reloading the zone directory on SIGHUP, on change (`--watch`) and after a pull, off the
//! async threads. Every zone whose file changed is announced to the secondaries at the serial
//! now served (RFC 1996 §3.7: the primary tells them when a zone changes), after the states are
//! saved.

use std::sync::Arc;
use std::time::Duration;

use super::file_store::{FileStore, LoadReport};
use crate::native::log;
use crate::native::primary::Primary;
use crate::zone::ZoneId;

/// What a reload touches besides the zones.
#[derive(Clone)]
pub struct Reloads {
    /// The zones.
    pub store: Arc<FileStore>,
    /// The primary side, when the server has secondaries.
    pub primary: Option<Arc<Primary>>,
}

impl Reloads {
    /// Reloads, logs what changed, and announces every changed zone.
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
                self.after_load(&report).await;
            }
            Err(e) => log(format!(
                "reload ({why}) of {} failed: {e}; still serving the previous zones",
                self.store.dir().display()
            )),
        }
    }

    /// Logs a served serial above a file's, then saves the states and sends NOTIFY for every
    /// zone `report` loaded.
    pub async fn after_load(&self, report: &LoadReport) {
        let snapshot = self.store.snapshot();
        let mut loaded = Vec::new();
        for (_, zone) in &report.loaded {
            let Some(served) = snapshot.get(zone.apex()) else {
                continue;
            };
            if served.serial() != zone.file_serial() {
                log(format!(
                    "zone {}: serving serial {} (the file's {} is not above a serial already served)",
                    zone.apex(),
                    served.serial(),
                    zone.file_serial()
                ));
            }
            loaded.push(ZoneId::of(zone.apex()));
        }
        if let Some(primary) = &self.primary {
            primary.announce(loaded).await;
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

    /// Polls the zone files' modification times once a second (off the async threads).
    pub async fn on_change(self) {
        let fingerprint = |store: Arc<FileStore>| async move {
            tokio::task::spawn_blocking(move || store.fingerprint())
                .await
                .unwrap_or_default()
        };
        let mut seen = fingerprint(self.store.clone()).await;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = fingerprint(self.store.clone()).await;
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
            zone.alias_count(),
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
