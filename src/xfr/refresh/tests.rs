//! The engine's rules, one by one, on plain values.

use std::net::IpAddr;

use super::*;
use crate::answer::Ede;

const HOUR: u64 = 3_600_000;

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn job(zone: &str, owner: &str) -> AliasJob {
    AliasJob {
        zone: ZoneId::parse(zone).unwrap(),
        owner: name(owner),
        target: name(&format!("t.{owner}")),
        ttl: 300,
    }
}

fn records(ips: &[&str], ttl: u32, source: Source, at: u64) -> Flattened {
    Flattened {
        outcome: Outcome::Records {
            addresses: ips.iter().map(|ip| ip.parse::<IpAddr>().unwrap()).collect(),
            ttl,
        },
        source,
        upstream: None,
        fetched_ms: at,
        ede: (source == Source::Stale).then(|| Ede::new(Ede::STALE_ANSWER, "upstream down")),
        refresh: false,
    }
}

fn settings() -> RefreshSettings {
    RefreshSettings {
        confirm_every_ms: HOUR,
        fetches_per_alias: 4,
    }
}

/// Runs every due job of `jobs` at `now`, answering A with `answer(job)` and AAAA with nothing.
fn run(
    jobs: &[AliasJob],
    states: &mut BTreeMap<ZoneId, ZoneState>,
    schedule: &mut Schedule,
    now: u64,
    answer: impl Fn(&AliasJob) -> Flattened,
) -> RefreshReport {
    let mut run = RefreshRun::start(jobs.to_vec(), None, now, settings());
    while let Some(job) = run.next_job(schedule, None) {
        run.record(&job, RecordType::A, &answer(&job));
        run.record(
            &job,
            RecordType::AAAA,
            &records(&[], 300, Source::Upstream, now),
        );
    }
    run.finish(states, |_| Some(7), schedule)
}

#[test]
fn the_first_addresses_bump_the_serial_and_an_unchanged_run_changes_nothing() {
    let jobs = vec![job("z.test.", "z.test.")];
    let (mut states, mut schedule) = (BTreeMap::new(), Schedule::default());
    let at = 1_000;
    let first = run(&jobs, &mut states, &mut schedule, at, |_| {
        records(&["192.0.2.1"], 60, Source::Upstream, at)
    });
    let zone = &first.zones[0];
    assert_eq!(
        (
            zone.serial,
            zone.changed,
            zone.stored,
            zone.ran,
            zone.aliases
        ),
        (8, true, true, 1, 1),
        "a secondary that transferred at 7 must hear of the first addresses"
    );
    assert_eq!(first.last_good.len(), 2, "A and the empty AAAA");
    assert_eq!(first.done, 1);
    // Not due again before its TTL: a run a second later resolves nothing.
    let early = run(
        &jobs,
        &mut states,
        &mut schedule,
        at + 1_000,
        |_| unreachable!(),
    );
    assert_eq!((early.done, early.zones.len()), (0, 0));
    // At its TTL it runs; same addresses: nothing changes, nothing to store.
    let later = at + 60_000;
    let same = run(&jobs, &mut states, &mut schedule, later, |_| {
        records(&["192.0.2.1"], 60, Source::Upstream, later)
    });
    let zone = &same.zones[0];
    assert_eq!((zone.serial, zone.changed, zone.stored), (8, false, false));
    assert!(same.last_good.is_empty());
    // New addresses: the serial goes up.
    let moved_at = later + 60_000;
    let moved = run(&jobs, &mut states, &mut schedule, moved_at, |_| {
        records(&["192.0.2.2"], 60, Source::Upstream, moved_at)
    });
    assert_eq!((moved.zones[0].serial, moved.zones[0].changed), (9, true));
}

#[test]
fn a_cached_set_keeps_the_time_it_was_fetched() {
    let jobs = vec![job("z.test.", "a.z.test.")];
    let (mut states, mut schedule) = (BTreeMap::new(), Schedule::default());
    run(&jobs, &mut states, &mut schedule, 50_000, |_| {
        records(&["192.0.2.1"], 60, Source::Memory, 20_000)
    });
    let zone = ZoneId::parse("z.test.").unwrap();
    let set = states[&zone].set("a.z.test.", AddressType::A).unwrap();
    assert_eq!(
        set.fetched_ms, 20_000,
        "served from the cache: as old as the cache entry, not stamped now"
    );
}

#[test]
fn failures_and_stale_answers_keep_the_last_good_set_and_retry_soon() {
    let jobs = vec![job("z.test.", "z.test.")];
    let (mut states, mut schedule) = (BTreeMap::new(), Schedule::default());
    run(&jobs, &mut states, &mut schedule, 0, |_| {
        records(&["192.0.2.1"], 3600, Source::Upstream, 0)
    });
    let zone = ZoneId::parse("z.test.").unwrap();
    assert!(!schedule.is_due(&jobs[0], RETRY_FAILED_MS - 1));
    let stale = run(&jobs, &mut states, &mut schedule, RETRY_FAILED_MS, |_| {
        records(&["192.0.2.99"], 30, Source::Stale, 0)
    });
    assert_eq!(stale.zones[0].failed, 1);
    assert!(!stale.zones[0].changed);
    assert!(
        stale.failures[0].contains("upstream down"),
        "{:?}",
        stale.failures
    );
    assert_eq!(
        states[&zone]
            .set("z.test.", AddressType::A)
            .unwrap()
            .addresses,
        vec!["192.0.2.1".parse::<IpAddr>().unwrap()],
        "a stale answer is not a new set"
    );
    assert!(
        schedule.is_due(&jobs[0], 2 * RETRY_FAILED_MS),
        "a failed ALIAS is retried after {RETRY_FAILED_MS} ms"
    );
    let failed = run(
        &jobs,
        &mut states,
        &mut schedule,
        2 * RETRY_FAILED_MS,
        |_| Flattened::failed(Source::Upstream, "black hole".into()),
    );
    assert_eq!((failed.zones[0].failed, failed.zones[0].serial), (1, 8));
}

#[test]
fn local_targets_are_recorded_but_never_written_as_last_good_copies() {
    let jobs = vec![job("z.test.", "z.test.")];
    let (mut states, mut schedule) = (BTreeMap::new(), Schedule::default());
    let report = run(&jobs, &mut states, &mut schedule, 0, |_| {
        records(&["192.0.2.5"], 60, Source::Local, 0)
    });
    assert!(report.zones[0].changed);
    assert!(
        report
            .last_good
            .iter()
            .all(|(k, _)| k.rtype == RecordType::AAAA),
        "{:?}",
        report.last_good
    );
}

#[test]
fn a_budget_bound_run_stops_early_and_the_next_goes_on_from_there() {
    let jobs: Vec<AliasJob> = ["a", "b", "c"]
        .iter()
        .map(|o| job("z.test.", &format!("{o}.z.test.")))
        .collect();
    let schedule = Schedule::default();
    let mut run = RefreshRun::start(jobs.clone(), None, 0, settings());
    let mut left = 9u32;
    let mut done = Vec::new();
    while let Some(job) = run.next_job(&schedule, Some(left)) {
        left -= 4;
        done.push(job.owner.to_string());
    }
    assert_eq!(done, ["a.z.test.", "b.z.test."]);
    let report = run.finish(&mut BTreeMap::new(), |_| Some(1), &mut Schedule::default());
    assert_eq!(report.cursor.as_deref(), Some("z.test. c.z.test."));
    assert_eq!((report.done, report.total), (2, 3));
    let mut next = RefreshRun::start(jobs.clone(), report.cursor.as_deref(), 0, settings());
    let order: Vec<String> = std::iter::from_fn(|| next.next_job(&schedule, None))
        .map(|j| j.owner.to_string())
        .collect();
    assert_eq!(order, ["c.z.test.", "a.z.test.", "b.z.test."]);
    let mut gone = RefreshRun::start(jobs, Some("z.test. gone.z.test."), 0, settings());
    assert_eq!(
        gone.next_job(&schedule, None).unwrap().owner.to_string(),
        "a.z.test.",
        "an ALIAS removed since: from the start"
    );
}

#[test]
fn an_edited_file_and_a_removed_alias_are_followed() {
    let zone = ZoneId::parse("z.test.").unwrap();
    let jobs = vec![job("z.test.", "a.z.test."), job("z.test.", "b.z.test.")];
    let (mut states, mut schedule) = (BTreeMap::new(), Schedule::default());
    run(&jobs, &mut states, &mut schedule, 0, |_| {
        records(&["192.0.2.1"], 60, Source::Upstream, 0)
    });
    assert_eq!(states[&zone].serial(), 8);
    // b's ALIAS is gone and the file went to serial 8 (not above the 8 served): 9, and b's sets
    // are dropped.
    let mut run = RefreshRun::start(jobs[..1].to_vec(), None, HOUR, settings());
    let only = run.next_job(&Schedule::default(), None).unwrap();
    run.record(
        &only,
        RecordType::A,
        &records(&["192.0.2.1"], 60, Source::Upstream, HOUR - 1),
    );
    let report = run.finish(&mut states, |_| Some(8), &mut schedule);
    assert_eq!(
        (report.zones[0].serial, report.zones[0].changed),
        (9, false)
    );
    assert!(report.zones[0].stored);
    assert!(states[&zone].set("b.z.test.", AddressType::A).is_none());
    // A zone that is gone is skipped.
    let mut run = RefreshRun::start(jobs, None, 2 * HOUR, settings());
    while run.next_job(&Schedule::default(), None).is_some() {}
    assert!(
        run.finish(&mut states, |_| None, &mut schedule)
            .zones
            .is_empty()
    );
}
