mod herd;
mod validation;
mod virtual_time;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::{A, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::*;
use crate::settings::Settings;
use virtual_time::VirtualClock;

pub(super) fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

pub(super) fn a(owner: &str, ttl: u32, ip: &str) -> Record {
    Record::from_rdata(name(owner), ttl, RData::A(A(ip.parse().unwrap())))
}

pub(super) fn cname(owner: &str, ttl: u32, target: &str) -> Record {
    Record::from_rdata(name(owner), ttl, RData::CNAME(CNAME(name(target))))
}

/// A response to `upstream_query(qname, A)` with `answers`, edited by `edit`.
pub(super) fn response(
    qname: &str,
    answers: Vec<Record>,
    edit: impl FnOnce(&mut Message),
) -> Vec<u8> {
    let mut m = Message::response(0, OpCode::Query);
    m.metadata.message_type = MessageType::Response;
    m.add_query(Query::query(name(qname), RecordType::A));
    m.answers = answers;
    edit(&mut m);
    m.to_vec().unwrap()
}

/// What a scripted upstream does: answer these bytes after this many ms, or fail.
type Behaviour = Result<(u64, Vec<u8>), String>;

/// Upstreams for resolver tests: each URL answers after a delay on the virtual clock, or fails,
/// and calls are counted.
struct Scripted {
    clock: VirtualClock,
    behaviour: Mutex<Vec<(String, Behaviour)>>,
    calls: Mutex<Vec<String>>,
}

impl Scripted {
    fn new(clock: &VirtualClock, behaviour: Vec<(&str, Behaviour)>) -> Self {
        Scripted {
            clock: clock.clone(),
            behaviour: Mutex::new(
                behaviour
                    .into_iter()
                    .map(|(u, b)| (u.to_string(), b))
                    .collect(),
            ),
            calls: Mutex::new(Vec::new()),
        }
    }
    fn set(&self, url: &str, b: Behaviour) {
        for entry in self.behaviour.lock().unwrap().iter_mut() {
            if entry.0 == url {
                entry.1 = b.clone();
            }
        }
    }
    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
}

impl Upstream for &Scripted {
    async fn exchange(&self, url: &str, query: &[u8], _: u32) -> Result<Vec<u8>, UpstreamError> {
        self.calls.lock().unwrap().push(url.to_string());
        let b = self
            .behaviour
            .lock()
            .unwrap()
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, b)| b.clone());
        match b.expect("a scripted url") {
            Ok((delay, bytes)) => {
                self.clock.sleep(delay as u32).await;
                Ok(asked(query, bytes))
            }
            Err(e) => Err(UpstreamError::Request(e)),
        }
    }
}

/// A scripted answer for `edge.cdn.test.` stands for any name: it is renamed to the question
/// asked. Any other answer is sent as scripted.
fn asked(query: &[u8], scripted: Vec<u8>) -> Vec<u8> {
    let template = name("edge.cdn.test.");
    let (Ok(query), Ok(mut m)) = (Message::from_vec(query), Message::from_vec(&scripted)) else {
        return scripted;
    };
    let asked = query.queries[0].name().clone();
    if m.queries.first().map(|q| q.name()) != Some(&template) || asked == template {
        return scripted;
    }
    m.queries[0].set_name(asked.clone());
    for record in &mut m.answers {
        if record.name == template {
            record.name = asked.clone();
        }
    }
    m.to_vec().unwrap()
}

fn answer(ip: &str, ttl: u32) -> Vec<u8> {
    response("edge.cdn.test.", vec![a("edge.cdn.test.", ttl, ip)], |_| {})
}

/// A resolver over `up`, on its clock, with the default settings and its URLs as upstreams.
fn resolver(up: &Scripted) -> Resolver<&Scripted, MemoryAliasCache, VirtualClock> {
    let settings = policy(up);
    Resolver::new(
        up,
        MemoryAliasCache::new(1 << 20),
        up.clock.clone(),
        Arc::new(ResolverState::new(&settings)),
        settings,
    )
}

/// The default settings, with `up`'s URLs as upstreams in the order scripted.
fn policy(up: &Scripted) -> Arc<Settings> {
    let upstreams = up
        .behaviour
        .lock()
        .unwrap()
        .iter()
        .map(|(u, _)| u.clone())
        .collect();
    Arc::new(Settings {
        upstreams,
        ..Settings::default()
    })
}

fn ips(f: &Flattened) -> Vec<String> {
    match &f.outcome {
        Outcome::Records { addresses, .. } => addresses.iter().map(|ip| ip.to_string()).collect(),
        Outcome::Failed { reason } => vec![format!("failed: {reason}")],
    }
}

fn ttl(f: &Flattened) -> u32 {
    match &f.outcome {
        Outcome::Records { ttl, .. } => *ttl,
        Outcome::Failed { .. } => 0,
    }
}

#[test]
fn caches_refreshes_ahead_serves_stale_and_fails_by_policy() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((0, answer("192.0.2.1", 300))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let t0 = 1_000_000_000;
    let flatten = |alias_ttl, now| clock.run(r.flatten(&target, RecordType::A, alias_ttl, now));

    let first = flatten(3600, t0);
    assert_eq!(
        (first.source, ips(&first), ttl(&first), first.fetched_ms),
        (Source::Upstream, vec!["192.0.2.1".into()], 300, t0)
    );
    // A cache hit makes no upstream call, and the TTL counts down, capped by the ALIAS TTL.
    let hit = flatten(120, t0 + 100_000);
    assert_eq!(
        (hit.source, ttl(&hit), hit.refresh, hit.fetched_ms),
        (Source::Memory, 120, false, t0)
    );
    assert_eq!(up.calls(), 1);
    // In the last 10 % of the TTL the answer still comes from cache, flagged for refresh.
    let late = flatten(3600, t0 + 275_000);
    assert_eq!((late.source, late.refresh), (Source::Memory, true));
    assert_eq!(ttl(&late), 30, "25 s left, raised to the 30 s floor");

    // Expired and the upstream is down: stale data, TTL 30, EDE 3.
    up.set("http://one", Err("connection refused".into()));
    let stale = flatten(3600, t0 + 400_000);
    assert_eq!(
        (stale.source, ips(&stale), ttl(&stale), stale.fetched_ms),
        (Source::Stale, vec!["192.0.2.1".into()], 30, t0)
    );
    let ede = stale.ede.unwrap();
    assert_eq!(ede.code, crate::answer::Ede::STALE_ANSWER);
    assert!(ede.text.contains("connection refused"), "{}", ede.text);
    // Past the stale window (1 day): failure, for the policy to decide.
    let gone = flatten(3600, t0 + 300_000 + 86_400_000);
    assert!(matches!(gone.outcome, Outcome::Failed { .. }));
    // The failed upstream did not poison the cache: the last good copy is still there.
    let kept = r
        .cache
        .peek(&AliasKey::new(&target, RecordType::A))
        .unwrap();
    assert_eq!(kept.addresses, vec!["192.0.2.1".parse::<IpAddr>().unwrap()]);
    assert_eq!(
        clock.now_ms(),
        0,
        "no answer waited: the upstream answered at once"
    );
}

#[test]
fn a_cached_set_from_the_future_is_not_trusted_as_fresh() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((0, answer("192.0.2.7", 300))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let key = AliasKey::new(&target, RecordType::A);
    let future = FlatSet::new(vec!["192.0.2.6".parse().unwrap()], 300, u64::MAX / 4, None);
    r.cache.insert(&key, &future);
    let t = clock.run(r.flatten(&target, RecordType::A, 300, 10_000_000));
    assert_eq!(
        (t.source, ips(&t)),
        (Source::Memory, vec!["192.0.2.6".to_string()]),
        "clamped to now, it is fresh for its TTL"
    );
    let later = clock.run(r.flatten(&target, RecordType::A, 300, 10_000_000 + 301_000));
    assert_eq!(
        (later.source, ips(&later)),
        (Source::Upstream, vec!["192.0.2.7".to_string()]),
        "and it expires: a time in the future does not pin it"
    );
}

#[test]
fn hedging_answers_from_the_second_upstream_when_the_first_is_black_holed() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![
            ("http://blackhole", Ok((10_000, answer("192.0.2.66", 60)))),
            ("http://good", Ok((5, answer("192.0.2.2", 60)))),
        ],
    );
    let r = resolver(&up);
    let f = clock.run(r.flatten(&name("edge.cdn.test."), RecordType::A, 300, 0));
    assert_eq!(ips(&f), vec!["192.0.2.2".to_string()]);
    assert_eq!(f.upstream.as_deref(), Some("http://good"));
    assert_eq!(
        clock.now_ms(),
        105,
        "the hedge starts at 100 ms and its upstream answers 5 ms later"
    );
}

#[test]
fn a_failed_attempt_moves_on_at_once_and_all_failures_are_reported() {
    let clock = VirtualClock::default();
    let garbage = response("evil.test.", vec![], |_| {});
    let up = Scripted::new(
        &clock,
        vec![
            ("http://bad", Ok((0, garbage))),
            ("http://slow", Ok((10_000, answer("192.0.2.3", 60)))),
        ],
    );
    let r = resolver(&up);
    let f = clock.run(r.flatten(&name("edge.cdn.test."), RecordType::A, 300, 0));
    let Outcome::Failed { reason } = f.outcome else {
        panic!("{f:?}")
    };
    assert!(
        reason.contains("http://bad: not the answer")
            && reason.contains("http://slow: no answer within 500 ms"),
        "{reason}"
    );
    assert_eq!(
        clock.now_ms(),
        500,
        "attempt 2 started right after attempt 1 failed, and ran into its 500 ms deadline"
    );
    assert_eq!(up.calls(), 2);
}
