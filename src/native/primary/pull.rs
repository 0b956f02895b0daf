//! `flatapex serve --transfer-from URL`: pulls a flattened zone from the worker's
//! `GET /zones/<zone>` (bearer token), checks it like `flatapex check`, writes it into the zone
//! directory when its serial changed, and reloads through the same path as SIGHUP (which saves
//! the states and NOTIFYs the secondaries at the serial served). The native server then serves
//! it over UDP/TCP and AXFR/IXFR to secondaries that cannot speak to a Worker.

use std::path::PathBuf;
use std::time::Duration;

use crate::native::atomic_file::write_atomically;
use crate::native::log;
use crate::native::zones::Reloads;
use crate::zone::{NoIncludes, ZoneId, load_zone};

/// What to pull, from where, how often.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Full URLs of `/zones/<zone>` on the worker.
    pub urls: Vec<String>,
    /// The bearer token (the worker's `FLATAPEX_TOKEN`).
    pub token: String,
    /// Seconds between pulls.
    pub interval: u64,
}

/// The zone a `/zones/<zone>` URL is for.
fn zone_of(url: &str) -> Option<ZoneId> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    ZoneId::parse(last).ok()
}

/// Fetches one URL's text, or says why not.
async fn fetch(client: &reqwest::Client, url: &str, token: &str) -> Result<String, String> {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("{e}; keeping the zone as it is"))?;
    if !response.status().is_success() {
        return Err(format!(
            "HTTP {}; keeping the zone as it is",
            response.status()
        ));
    }
    response
        .text()
        .await
        .map_err(|e| format!("reading the body: {e}"))
}

/// Pulls every URL once and writes the zones whose serial changed; returns how many.
pub async fn pull_once(
    client: &reqwest::Client,
    options: &PullOptions,
    reloads: &Reloads,
) -> usize {
    let mut written = Vec::new();
    for url in &options.urls {
        let Some(id) = zone_of(url) else {
            log(format!(
                "transfer-from {url}: the URL does not end in a zone name"
            ));
            continue;
        };
        let text = match fetch(client, url, &options.token).await {
            Ok(text) => text,
            Err(e) => {
                log(format!("transfer-from {url}: {e}"));
                continue;
            }
        };
        let apex = id.name();
        let file = format!("{id}zone");
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
        let current = reloads.store.snapshot().get(&apex).map(|z| z.file_serial());
        if current == Some(serial) {
            continue;
        }
        let path: PathBuf = reloads.store.dir().join(&file);
        let write = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || write_atomically(&path, text.as_bytes()))
        };
        match write.await.map_err(std::io::Error::other).and_then(|r| r) {
            Ok(()) => written.push(format!(
                "transfer-from {url}: {apex} serial {serial} ({} records) written to {} and served",
                loaded.zone.record_count(),
                path.display()
            )),
            Err(e) => log(format!(
                "transfer-from {url}: writing {}: {e}",
                path.display()
            )),
        }
    }
    if !written.is_empty() {
        reloads.reload("transfer-from").await;
        for line in &written {
            log(line);
        }
    }
    written.len()
}

/// Pulls forever, every `interval` seconds.
pub async fn run(options: PullOptions, reloads: Reloads) {
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
        pull_once(&client, &options, &reloads).await;
        tokio::time::sleep(Duration::from_secs(options.interval.max(1))).await;
    }
}
