//! The scheduled refresh at the edge (a cron trigger): one run of the core's refresh engine
//! ([`crate::xfr::RefreshRun`]) over every ALIAS in the zone index, within the subrequest budget.
//! This file only reads and writes KV and flattens what the engine asks for: the zone states
//! (`flatapex/flat/<zone>`), the last-good sets (the ALIAS cache's last layer) and the cursor
//! where the next run starts (docs/ARCHITECTURE.md, "Refresh and serials").

use std::collections::BTreeMap;

use hickory_proto::rr::RecordType;
use worker::Env;

use super::alias::last_good_key;
use super::kv_backend::WorkersKv;
use super::{Isolate, ZONES_BINDING};
use crate::alias::Flattener;
use crate::kv::Index;
use crate::respond::Responder;
use crate::xfr::state::state_key;
use crate::xfr::{AliasJob, RefreshReport, RefreshRun, RefreshSettings, Schedule, ZoneState};
use crate::zone::ZoneId;
use crate::zone::names::text_to_name;

/// The KV key of the scheduled refresher's cursor: the first ALIAS the last run did not reach.
pub const CURSOR_KEY: &str = "flatapex/refresh-cursor";

/// Reads a zone's state from KV; `None` if there is none (or it cannot be read as one).
pub async fn read_state(kv: &WorkersKv, zone: &ZoneId) -> Option<ZoneState> {
    let bytes = kv.0.get(&state_key(zone)).bytes().await.ok().flatten()?;
    serde_json::from_slice(&bytes).ok()
}

/// Every ALIAS in the index.
fn jobs(index: &Index) -> Vec<AliasJob> {
    index
        .zones
        .iter()
        .flat_map(|(zone, entry)| {
            entry.aliases.iter().filter_map(move |alias| {
                Some(AliasJob {
                    zone: zone.clone(),
                    owner: text_to_name(&alias.owner).ok()?,
                    target: text_to_name(&alias.target).ok()?,
                    ttl: alias.ttl,
                })
            })
        })
        .collect()
}

/// One run, starting where the last one stopped and stopping before an ALIAS could find the
/// subrequest budget used up (`remaining()` tells the fetches left). Returns log lines.
pub async fn run<F: Flattener>(
    isolate: &'static Isolate,
    env: &Env,
    flattener: F,
    remaining: impl Fn() -> u32,
    now_ms: u64,
) -> Vec<String> {
    let kv = match env.kv(ZONES_BINDING) {
        Ok(kv) => WorkersKv(kv),
        Err(e) => return vec![format!("the {ZONES_BINDING} KV binding is missing: {e}")],
    };
    let index = match isolate.zones.current_index(&kv, now_ms).await {
        Ok(index) => index,
        Err(e) => return vec![format!("scheduled refresh: {e}")],
    };
    let cursor = kv.0.get(CURSOR_KEY).text().await.ok().flatten();
    let settings = RefreshSettings::from(&isolate.settings);
    let mut run = RefreshRun::start(jobs(&index), cursor.as_deref(), now_ms, settings);
    let store = isolate.zones.with(&kv, now_ms);
    let responder = Responder::new(store, flattener, isolate.settings.clone());
    let schedule = Schedule::default();
    while let Some(job) = run.next_job(&schedule, Some(remaining())) {
        for rtype in [RecordType::A, RecordType::AAAA] {
            let flat = responder
                .flatten_target(&job.target, rtype, job.ttl, now_ms)
                .await;
            run.record(&job, rtype, &flat);
        }
    }
    let mut states = BTreeMap::new();
    for zone in run.zones() {
        if let Some(state) = read_state(&kv, &zone).await {
            states.insert(zone, state);
        }
    }
    let file_serial = |zone: &ZoneId| index.zones.get(zone).map(|e| e.serial);
    let report = run.finish(&mut states, file_serial, &mut Schedule::default());
    write(&kv, &states, &report, cursor).await
}

/// Writes what the run changed: states, last-good sets, the cursor. Returns log lines.
async fn write(
    kv: &WorkersKv,
    states: &BTreeMap<ZoneId, ZoneState>,
    report: &RefreshReport,
    cursor: Option<String>,
) -> Vec<String> {
    let mut log = report.failures.clone();
    let mut last_good = 0;
    for (key, set) in &report.last_good {
        if put(kv, &last_good_key(key), set).await {
            last_good += 1;
        }
    }
    for zone in &report.zones {
        let stored = zone.stored
            && match states.get(&zone.zone) {
                Some(state) => put(kv, &state_key(&zone.zone), state).await,
                None => false,
            };
        log.push(zone.log_line(usize::from(stored)));
    }
    if last_good > 0 {
        log.push(format!(
            "scheduled refresh: {last_good} last-good ALIAS set(s) written"
        ));
    }
    if report.cursor != cursor {
        match &report.cursor {
            Some(key) => {
                if let Ok(put) = kv.0.put(CURSOR_KEY, key) {
                    let _ = put.execute().await;
                }
            }
            None => {
                let _ = kv.0.delete(CURSOR_KEY).await;
            }
        }
    }
    if let Some(key) = &report.cursor {
        log.push(format!(
            "scheduled refresh: {} of {} ALIAS this run within the subrequest budget; the next run starts at {key}",
            report.done, report.total
        ));
    }
    log
}

/// Writes `value` as JSON text at `key`; true if it was written. (Serialised here with
/// serde_json: handing a struct to the KV binding goes through serde-wasm-bindgen, which turns
/// flattened fields into a JavaScript `Map` that JSON.stringify writes as `{}`.)
async fn put<T: serde::Serialize>(kv: &WorkersKv, key: &str, value: &T) -> bool {
    let Ok(json) = serde_json::to_string(value) else {
        return false;
    };
    match kv.0.put(key, json) {
        Ok(put) => put.execute().await.is_ok(),
        Err(_) => false,
    }
}
