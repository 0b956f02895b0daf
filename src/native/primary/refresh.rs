//! The refresh timer: once a second, a run of the core's refresh engine
//! ([`crate::xfr::RefreshRun`]) over every ALIAS that is due. This task only lists the ALIAS,
//! flattens what the engine asks for, serves the new serials, saves the states and sends NOTIFY
//! (docs/ARCHITECTURE.md, "Refresh and serials").

use std::sync::Arc;
use std::time::Duration;

use hickory_proto::rr::RecordType;

use super::Primary;
use crate::native::{NativeResponder, log, now_ms};
use crate::xfr::{AliasJob, RefreshReport, RefreshRun, RefreshSettings, Schedule};
use crate::zone::ZoneId;

/// How often the timer looks for ALIAS that are due.
const TICK: Duration = Duration::from_secs(1);

/// Every ALIAS of the zones served now, listed again only when the zones change (a listing
/// walks every node of every zone).
struct Listing {
    generation: u64,
    jobs: Vec<AliasJob>,
}

impl Listing {
    fn current(listing: &mut Option<Listing>, primary: &Primary) -> Vec<AliasJob> {
        let generation = primary.store.generation();
        if let Some(listed) = listing.as_ref().filter(|l| l.generation == generation) {
            return listed.jobs.clone();
        }
        let jobs: Vec<AliasJob> = primary
            .store
            .snapshot()
            .iter()
            .flat_map(|zone| AliasJob::of_zone(zone))
            .collect();
        *listing = Some(Listing {
            generation,
            jobs: jobs.clone(),
        });
        jobs
    }
}

/// Runs forever.
pub async fn run(responder: Arc<NativeResponder>, primary: Arc<Primary>) {
    let settings = RefreshSettings::from(&responder.settings);
    let mut schedule = Schedule::default();
    let mut listing = None;
    loop {
        let jobs = Listing::current(&mut listing, &primary);
        if !jobs.is_empty() {
            let report = run_once(&responder, &primary, jobs, settings, &mut schedule).await;
            apply(&primary, report).await;
        }
        tokio::time::sleep(TICK).await;
    }
}

/// One run: flattens every due ALIAS and records the results in the zone states.
async fn run_once(
    responder: &NativeResponder,
    primary: &Primary,
    jobs: Vec<AliasJob>,
    settings: RefreshSettings,
    schedule: &mut Schedule,
) -> RefreshReport {
    let mut run = RefreshRun::start(jobs, None, now_ms(), settings);
    while let Some(job) = run.next_job(schedule, None) {
        for rtype in [RecordType::A, RecordType::AAAA] {
            let flat = responder
                .flatten_target(&job.target, rtype, job.ttl, now_ms())
                .await;
            run.record(&job, rtype, &flat);
        }
    }
    let snapshot = primary.store.snapshot();
    let file_serial = |id: &ZoneId| snapshot.get(&id.name()).map(|z| z.file_serial());
    let mut states = primary.store.states();
    run.finish(&mut states.zones, file_serial, schedule)
}

/// Serves the new serials, then saves the states and NOTIFYs the zones whose serial went up.
async fn apply(primary: &Primary, report: RefreshReport) {
    for failure in &report.failures {
        log(failure);
    }
    let mut changed = Vec::new();
    let mut stored = false;
    for zone in &report.zones {
        stored |= zone.stored;
        primary.store.set_serial(&zone.zone, zone.serial);
        if zone.changed {
            log(format!(
                "flattened ALIAS data of {} changed: serial {}",
                zone.zone, zone.serial
            ));
            changed.push(zone.zone.clone());
        }
    }
    if !changed.is_empty() {
        primary.announce(changed).await;
    } else if stored {
        primary.persist().await;
    }
}
