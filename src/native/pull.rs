//! `flatapex serve --transfer-from URL`: pull a flattened zone from the worker's
//! `GET /zones/<zone>` (bearer token), check it like `flatapex check`, write it into the zone
//! directory when its serial changed, reload, and NOTIFY the secondaries. The native server
//! then serves it over UDP/TCP and AXFR/IXFR to secondaries that cannot speak to a Worker.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::rr::Name;

use super::file_store::FileStore;
use super::log;
use super::refresh::send_notify;
use crate::zone::{NoIncludes, load_zone};

/// What to pull, from where, how often.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Full URLs of `/zones/<zone>` on the worker.
    pub urls: Vec<String>,
    /// The bearer token (the worker's `FLATAPEX_TOKEN`).
    pub token: String,
    /// Seconds between pulls.
    pub interval: u64,
    /// Where zone files live.
    pub zones: PathBuf,
    /// Secondaries to NOTIFY when a pulled serial changes.
    pub notify: Vec<std::net::SocketAddr>,
}

/// The zone a `/zones/<zone>` URL is for.
fn zone_of(url: &str) -> Option<Name> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    let mut name = Name::from_ascii(last).ok()?;
    name.set_fqdn(true);
    Some(name)
}

/// Pulls every URL once; returns how many zones changed.
pub async fn pull_once(
    client: &reqwest::Client,
    options: &PullOptions,
    store: &FileStore,
) -> usize {
    let mut changed = 0;
    for url in &options.urls {
        let Some(apex) = zone_of(url) else {
            log(format!(
                "transfer-from {url}: the URL does not end in a zone name"
            ));
            continue;
        };
        let response = client.get(url).bearer_auth(&options.token).send().await;
        let text = match response {
            Ok(r) if r.status().is_success() => match r.text().await {
                Ok(text) => text,
                Err(e) => {
                    log(format!("transfer-from {url}: reading the body: {e}"));
                    continue;
                }
            },
            Ok(r) => {
                log(format!(
                    "transfer-from {url}: HTTP {}; keeping the zone as it is",
                    r.status()
                ));
                continue;
            }
            Err(e) => {
                log(format!(
                    "transfer-from {url}: {e}; keeping the zone as it is"
                ));
                continue;
            }
        };
        let file = format!("{}zone", apex.to_ascii());
        let loaded = match load_zone(&file, &text, &apex, Some(&apex), &NoIncludes) {
            Ok(loaded) => loaded,
            Err(errors) => {
                log(format!(
                    "transfer-from {url}: the zone does not check, keeping the old one: {errors}"
                ));
                continue;
            }
        };
        let serial = loaded.zone.serial();
        if store
            .snapshot()
            .get(&apex)
            .is_some_and(|z| z.serial() == serial)
        {
            continue;
        }
        let path = options.zones.join(&file);
        let temp = options.zones.join(format!(".{file}.pulling"));
        if let Err(e) = std::fs::write(&temp, &text).and_then(|_| std::fs::rename(&temp, &path)) {
            log(format!(
                "transfer-from {url}: writing {}: {e}",
                path.display()
            ));
            continue;
        }
        if let Err(e) = store.reload() {
            log(format!("transfer-from {url}: reloading: {e}"));
            continue;
        }
        log(format!(
            "transfer-from {url}: {apex} serial {serial} ({} records)",
            loaded.zone.record_count()
        ));
        for secondary in &options.notify {
            tokio::spawn(send_notify(apex.clone(), serial, *secondary));
        }
        changed += 1;
    }
    changed
}

/// Pulls forever, every `interval` seconds.
pub async fn run(options: PullOptions, store: Arc<FileStore>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            log(format!("transfer-from: cannot build an HTTP client: {e}"));
            return;
        }
    };
    loop {
        pull_once(&client, &options, &store).await;
        tokio::time::sleep(Duration::from_secs(options.interval.max(1))).await;
    }
}
