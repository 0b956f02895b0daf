//! The refresh and serial engine for secondaries, pure, and shared by both shells
//! (docs/ARCHITECTURE.md, "Refresh and serials"). A run goes over the ALIAS of every zone: it
//! decides which are due (natively, each at its flattened TTL; at the edge, every cron run),
//! starts where the last budget-bound run stopped, and stops before the next ALIAS could run out
//! of fetches. The shell flattens each ALIAS it is given (through the responder, so caches and
//! local targets work as for queries) and hands back the results; [`RefreshRun::finish`] records
//! them in the zones' [`ZoneState`]s and says which serials went up (NOTIFY them), which states
//! changed (store them), which last-good copies to write, and where the next run starts.

use std::collections::{BTreeMap, BTreeSet};

use hickory_proto::rr::{Name, RecordType};

use super::state::{Recorded, ZoneState, owner_key};
use crate::alias::{AddressType, AliasKey, FlatSet, Flattened, Outcome, Source};
use crate::settings::Settings;
use crate::zone::model::FastMap;
use crate::zone::{Zone, ZoneId};

/// How long a failed resolution waits before it is tried again.
pub const RETRY_FAILED_MS: u64 = 30_000;

/// One ALIAS a run may re-resolve: where it is and what it flattens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasJob {
    /// The zone.
    pub zone: ZoneId,
    /// The ALIAS owner.
    pub owner: Name,
    /// The target.
    pub target: Name,
    /// The ALIAS TTL, the ceiling of the flattened TTL.
    pub ttl: u32,
}

impl AliasJob {
    /// The key runs and schedules name this ALIAS by: `<zone> <owner>`, lowercase.
    pub fn key(&self) -> String {
        format!("{} {}", self.zone, owner_key(&self.owner))
    }

    /// Every ALIAS of `zone`, in owner order.
    pub fn of_zone(zone: &Zone) -> Vec<AliasJob> {
        let id = ZoneId::of(zone.apex());
        let mut jobs: Vec<AliasJob> = zone
            .aliases()
            .map(|(owner, alias)| AliasJob {
                zone: id.clone(),
                owner,
                target: alias.target,
                ttl: alias.ttl,
            })
            .collect();
        jobs.sort_by_key(AliasJob::key);
        jobs
    }
}

/// The engine's settings, derived from the operator's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshSettings {
    /// An unchanged set's stored fetch time is renewed this often: a quarter of the stale
    /// window, so a stored copy can still be served stale for most of the window.
    pub confirm_every_ms: u64,
    /// Upstream fetches one ALIAS may take: both types, every attempt.
    pub fetches_per_alias: u32,
}

impl RefreshSettings {
    /// The engine settings `settings` imply.
    pub fn from(settings: &Settings) -> RefreshSettings {
        RefreshSettings {
            confirm_every_ms: u64::from(settings.stale_window_seconds) * 1000 / 4,
            fetches_per_alias: 2 * settings.attempts.max(1),
        }
    }
}

/// When each ALIAS is next due. The native server keeps one across runs; the edge starts each
/// cron run with an empty one, so every ALIAS is due.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    due: FastMap<String, u64>,
}

impl Schedule {
    /// Whether `job` is due at `now_ms`.
    pub fn is_due(&self, job: &AliasJob, now_ms: u64) -> bool {
        self.due.get(&job.key()).is_none_or(|&at| at <= now_ms)
    }
}

/// One type of one ALIAS, as the shell resolved it.
struct Result1 {
    job: usize,
    rtype: AddressType,
    set: Option<FlatSet>,
    source: Source,
    reason: Option<String>,
}

/// One run.
pub struct RefreshRun {
    jobs: Vec<AliasJob>,
    order: Vec<usize>,
    next: usize,
    stopped: Option<usize>,
    ran: Vec<usize>,
    results: Vec<Result1>,
    now_ms: u64,
    settings: RefreshSettings,
}

/// What a run did to one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneReport {
    /// The zone.
    pub zone: ZoneId,
    /// ALIAS re-resolved, of how many.
    pub ran: usize,
    /// How many ALIAS the zone has.
    pub aliases: usize,
    /// Resolutions that failed (their last good sets stay).
    pub failed: usize,
    /// The serial served after the run.
    pub serial: u32,
    /// The flattened addresses changed, so the serial went up: NOTIFY the secondaries.
    pub changed: bool,
    /// The stored state changed: write it.
    pub stored: bool,
}

impl ZoneReport {
    /// The run's log line for this zone.
    pub fn log_line(&self, writes: usize) -> String {
        format!(
            "scheduled refresh of {}: {} of {} ALIAS, {} failed resolution(s) kept their last good records, serial {}{}, {writes} write(s)",
            self.zone,
            self.ran,
            self.aliases,
            self.failed,
            self.serial,
            if self.changed { " (changed)" } else { "" }
        )
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Every zone the run touched.
    pub zones: Vec<ZoneReport>,
    /// Sets from upstreams (not local targets) that are new or due for re-confirmation: the
    /// edge writes them to KV as the ALIAS cache's last layer.
    pub last_good: Vec<(AliasKey, FlatSet)>,
    /// Each failed resolution, for the log.
    pub failures: Vec<String>,
    /// The first ALIAS the run did not reach for lack of budget: where the next run starts.
    pub cursor: Option<String>,
    /// ALIAS re-resolved, of how many in all.
    pub done: usize,
    /// How many ALIAS there are.
    pub total: usize,
}

impl RefreshRun {
    /// A run over `jobs` (every ALIAS of every zone) at `now_ms`, starting at the ALIAS `cursor`
    /// names (the first the last run did not reach), wrapping around; from the start when there
    /// is no cursor or the ALIAS it names is gone.
    pub fn start(
        jobs: Vec<AliasJob>,
        cursor: Option<&str>,
        now_ms: u64,
        settings: RefreshSettings,
    ) -> RefreshRun {
        let start = cursor
            .and_then(|c| jobs.iter().position(|j| j.key() == c))
            .unwrap_or(0);
        let len = jobs.len();
        RefreshRun {
            order: (0..len).map(|i| (start + i) % len).collect(),
            jobs,
            next: 0,
            stopped: None,
            ran: Vec::new(),
            results: Vec::new(),
            now_ms,
            settings,
        }
    }

    /// The next ALIAS to resolve, if one is due; `None` when the run is over. With
    /// `fetches_left` the run stops before an ALIAS could find the budget used up.
    pub fn next_job(&mut self, schedule: &Schedule, fetches_left: Option<u32>) -> Option<AliasJob> {
        while self.next < self.order.len() && self.stopped.is_none() {
            let position = self.order[self.next];
            if fetches_left.is_some_and(|left| left < self.settings.fetches_per_alias) {
                self.stopped = Some(position);
                return None;
            }
            self.next += 1;
            if schedule.is_due(&self.jobs[position], self.now_ms) {
                self.ran.push(position);
                return Some(self.jobs[position].clone());
            }
        }
        None
    }

    /// Records what flattening `job`'s `rtype` gave.
    pub fn record(&mut self, job: &AliasJob, rtype: RecordType, flat: &Flattened) {
        let Some(index) = self
            .ran
            .iter()
            .rev()
            .copied()
            .find(|&i| self.jobs[i] == *job)
        else {
            return;
        };
        let Some(rtype) = AddressType::of(rtype) else {
            return;
        };
        let reason = match &flat.outcome {
            Outcome::Failed { reason } => Some(reason.clone()),
            Outcome::Records { .. } if flat.source == Source::Stale => flat
                .ede
                .as_ref()
                .map(|e| e.text.clone())
                .or_else(|| Some("upstreams failed".into())),
            Outcome::Records { .. } => None,
        };
        self.results.push(Result1 {
            job: index,
            rtype,
            set: flat.fresh_set(),
            source: flat.source,
            reason,
        });
    }

    /// The zones whose state [`RefreshRun::finish`] will need.
    pub fn zones(&self) -> BTreeSet<ZoneId> {
        self.ran
            .iter()
            .map(|&i| self.jobs[i].zone.clone())
            .collect()
    }

    /// Records the results in `states` (a zone without one starts at its file's serial), where
    /// `file_serial` gives each zone's file serial (`None`: the zone is gone, skip it), and
    /// schedules each ALIAS again in `schedule`.
    pub fn finish(
        self,
        states: &mut BTreeMap<ZoneId, ZoneState>,
        file_serial: impl Fn(&ZoneId) -> Option<u32>,
        schedule: &mut Schedule,
    ) -> RefreshReport {
        let mut report = RefreshReport {
            total: self.jobs.len(),
            done: self.ran.len(),
            cursor: self.stopped.map(|p| self.jobs[p].key()),
            ..RefreshReport::default()
        };
        let mut zones = self.open_zones(states, &file_serial);
        let due = self.record_results(states, &mut zones, &mut report);
        for (i, due) in due {
            schedule.due.insert(self.jobs[i].key(), due);
        }
        self.close_zones(states, zones, &mut report);
        report
    }

    /// Each zone the run touched, moved to its file's serial, with its state before the run.
    fn open_zones(
        &self,
        states: &mut BTreeMap<ZoneId, ZoneState>,
        file_serial: &impl Fn(&ZoneId) -> Option<u32>,
    ) -> BTreeMap<ZoneId, (ZoneReport, Option<ZoneState>)> {
        let mut zones: BTreeMap<ZoneId, (ZoneReport, Option<ZoneState>)> = BTreeMap::new();
        for &i in &self.ran {
            let zone = &self.jobs[i].zone;
            let Some(file) = file_serial(zone) else {
                continue;
            };
            let entry = zones.entry(zone.clone()).or_insert_with(|| {
                let before = states.get(zone).cloned();
                let mut state = before.clone().unwrap_or_else(|| ZoneState::new(file));
                let serial = state.follow_file(file);
                states.insert(zone.clone(), state);
                let report = ZoneReport {
                    zone: zone.clone(),
                    ran: 0,
                    aliases: self.jobs.iter().filter(|j| &j.zone == zone).count(),
                    failed: 0,
                    serial,
                    changed: false,
                    stored: false,
                };
                (report, before)
            });
            entry.0.ran += 1;
        }
        zones
    }

    /// Records each result in its zone's state; returns when each ALIAS that ran is due next:
    /// at its flattened TTL, or after [`RETRY_FAILED_MS`] when a type failed.
    fn record_results(
        &self,
        states: &mut BTreeMap<ZoneId, ZoneState>,
        zones: &mut BTreeMap<ZoneId, (ZoneReport, Option<ZoneState>)>,
        report: &mut RefreshReport,
    ) -> FastMap<usize, u64> {
        let mut next_due: FastMap<usize, u64> = FastMap::default();
        for result in &self.results {
            let job = &self.jobs[result.job];
            let (Some((zone_report, _)), Some(state)) =
                (zones.get_mut(&job.zone), states.get_mut(&job.zone))
            else {
                continue;
            };
            let due = next_due
                .entry(result.job)
                .or_insert(self.now_ms + RETRY_FAILED_MS);
            let Some(set) = &result.set else {
                zone_report.failed += 1;
                report.failures.push(format!(
                    "refresh of ALIAS {} -> {} {} failed; keeping the last good records: {}",
                    job.owner,
                    job.target,
                    result.rtype,
                    result.reason.as_deref().unwrap_or_default()
                ));
                continue;
            };
            *due = (*due).min(self.now_ms + u64::from(set.ttl.max(1)) * 1000);
            let recorded = state.record(
                &owner_key(&job.owner),
                result.rtype,
                set.clone(),
                self.settings.confirm_every_ms,
            );
            zone_report.changed |= recorded == Recorded::Changed;
            if recorded != Recorded::Unchanged && result.source != Source::Local {
                let key = AliasKey::new(&job.target, result.rtype.record_type());
                report.last_good.push((key, set.clone()));
            }
        }
        next_due
    }

    /// Drops the sets of ALIAS that are gone, bumps the serial of changed zones, and reports
    /// each zone, with whether its state must be stored.
    fn close_zones(
        &self,
        states: &mut BTreeMap<ZoneId, ZoneState>,
        zones: BTreeMap<ZoneId, (ZoneReport, Option<ZoneState>)>,
        report: &mut RefreshReport,
    ) {
        for (zone, (mut zone_report, before)) in zones {
            let Some(state) = states.get_mut(&zone) else {
                continue;
            };
            let owners: Vec<String> = self
                .jobs
                .iter()
                .filter(|j| j.zone == zone)
                .map(|j| owner_key(&j.owner))
                .collect();
            state.retain_owners(|owner| owners.iter().any(|o| o == owner));
            if zone_report.changed {
                state.bump();
            }
            zone_report.serial = state.serial();
            zone_report.stored = before.as_ref() != Some(state);
            report.zones.push(zone_report);
        }
    }
}

#[cfg(test)]
mod tests;
