//! The herd-proof resolver on virtual time: single flight, the RFC 8767 failure recheck and
//! upstream health, each with the counts and delays the issue sets as targets.

use std::cell::Cell;

use futures::future::{Either, join, join_all, select};

use super::*;

const T0: u64 = 1_000_000_000;

/// How many calls went to `url`.
fn calls_to(up: &Scripted, url: &str) -> usize {
    up.calls
        .lock()
        .unwrap()
        .iter()
        .filter(|u| *u == url)
        .count()
}

/// Virtual milliseconds `future` took.
fn timed<F: std::future::Future>(clock: &VirtualClock, future: F) -> (F::Output, u64) {
    let before = clock.now_ms();
    let out = clock.run(future);
    (out, clock.now_ms() - before)
}

#[test]
fn fifty_concurrent_resolutions_share_one_exchange() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((20, answer("192.0.2.1", 300))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let all = clock.run(join_all(
        (0..50).map(|_| r.flatten(&target, RecordType::A, 300, T0)),
    ));
    assert_eq!(up.calls(), 1, "one exchange for all fifty");
    assert!(
        all.iter()
            .all(|f| ips(f) == ["192.0.2.1"] && f.source == Source::Upstream && f.fetched_ms == T0)
    );
    assert_eq!(
        clock.now_ms(),
        20,
        "nobody waited longer than the one exchange"
    );
    assert_eq!(r.state.flights.running(), 0);

    // Queries that arrive while the flight runs join it, and so does the shell's background
    // work; later ones find the cache (and the background work finds nothing to do).
    let other = name("other.cdn.test.");
    let staggered = clock.run(join_all((0..50u32).map(|i| {
        let (r, clock, other) = (&r, &clock, &other);
        async move {
            clock.sleep(i * 2).await;
            if i % 10 == 9 {
                let work = r.background(other, RecordType::A, T0).await;
                work.refresh
                    .map(|done| done.map(|_| Source::Upstream).unwrap())
            } else {
                Some(r.flatten(other, RecordType::A, 300, T0).await.source)
            }
        }
    })));
    assert_eq!(up.calls(), 2, "one more exchange, for the other target");
    assert_eq!(
        staggered[..10],
        [Some(Source::Upstream); 10],
        "joined within 20 ms"
    );
    assert!(
        staggered[11..]
            .iter()
            .all(|s| *s == Some(Source::Memory) || s.is_none()),
        "{staggered:?}"
    );
}

#[test]
fn a_hedged_flight_costs_at_most_two_exchanges() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://slow", Ok((150, answer("192.0.2.1", 300))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let all = clock.run(join_all(
        (0..50).map(|_| r.flatten(&target, RecordType::A, 300, T0)),
    ));
    assert!(all.iter().all(|f| ips(f) == ["192.0.2.1"]));
    assert_eq!(up.calls(), 2, "the first attempt and its hedge");
    assert_eq!(clock.now_ms(), 150);
}

#[test]
fn a_waiter_whose_leader_is_dropped_leads_in_its_place() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((20, answer("192.0.2.1", 300))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let leader = async {
        // The leader's request goes away after 10 ms (a client that hung up).
        let flatten = Box::pin(r.flatten(&target, RecordType::A, 300, T0));
        match select(flatten, Box::pin(clock.sleep(10))).await {
            Either::Left(_) => panic!("the leader should have been dropped"),
            Either::Right(_) => clock.now_ms(),
        }
    };
    let waiter = async {
        clock.sleep(5).await;
        let f = r.flatten(&target, RecordType::A, 300, T0).await;
        (f, clock.now_ms())
    };
    let (dropped_at, (f, answered_at)) = clock.run(join(leader, waiter));
    assert_eq!(dropped_at, 10);
    assert_eq!(
        (ips(&f), f.source),
        (vec!["192.0.2.1".into()], Source::Upstream)
    );
    assert_eq!(
        answered_at, 30,
        "it led a new flight at 10 ms, answered 20 ms later"
    );
    assert_eq!(up.calls(), 2);
    assert_eq!(r.state.flights.running(), 0);
}

/// A cache whose lookups past memory take `delay_ms` (the edge's Cache API and KV): a query
/// that looks while a flight ends must not start another one.
struct SlowLayers<'a> {
    memory: &'a MemoryAliasCache,
    clock: VirtualClock,
    delay_ms: u32,
    lookups: Cell<usize>,
}

impl AliasCache for SlowLayers<'_> {
    async fn get(&self, key: &AliasKey) -> Option<(FlatSet, Source)> {
        self.lookups.set(self.lookups.get() + 1);
        if let Some(hit) = self.memory.peek(key) {
            return Some((hit, Source::Memory));
        }
        self.clock.sleep(self.delay_ms).await;
        None
    }

    async fn put(&self, key: &AliasKey, value: &FlatSet) {
        self.memory.insert(key, value);
    }
}

#[test]
fn a_query_that_looked_while_a_flight_ended_looks_again_instead_of_fetching() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((20, answer("192.0.2.1", 300))))],
    );
    let settings = policy(&up);
    let state = Arc::new(ResolverState::new(&settings));
    let memory = MemoryAliasCache::new(1 << 20);
    // One resolver per request, as at the edge, over the isolate's state and memory.
    let request = || {
        Resolver::new(
            &up,
            SlowLayers {
                memory: &memory,
                clock: clock.clone(),
                delay_ms: 10,
                lookups: Cell::new(0),
            },
            clock.clone(),
            state.clone(),
            settings.clone(),
        )
    };
    let (first, second) = (request(), request());
    let target = name("edge.cdn.test.");
    let (a, b) = clock.run(join(
        first.flatten(&target, RecordType::A, 300, T0),
        async {
            // Misses memory at 25 ms, looks in the slow layers until 35; the flight that began
            // at 10 ms ends at 30.
            clock.sleep(25).await;
            second.flatten(&target, RecordType::A, 300, T0).await
        },
    ));
    assert_eq!((a.source, b.source), (Source::Upstream, Source::Memory));
    assert_eq!(up.calls(), 1);
    assert_eq!(
        second.cache.lookups.get(),
        2,
        "it looked again, and found the set"
    );
}

#[test]
fn under_a_dead_upstream_only_the_first_stale_answer_waits() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![("http://one", Ok((0, answer("192.0.2.1", 60))))],
    );
    let r = resolver(&up);
    let target = name("edge.cdn.test.");
    let flatten = |now| timed(&clock, r.flatten(&target, RecordType::A, 300, now));
    flatten(T0);
    // Black-holed: no answer before any deadline.
    up.set("http://one", Ok((3_600_000, answer("192.0.2.1", 60))));
    let expired = T0 + 61_000;
    let (first, waited) = flatten(expired);
    assert_eq!(
        (first.source, waited),
        (Source::Stale, 600),
        "the full attempt cycle"
    );
    assert_eq!(up.calls(), 3);
    // For the recheck interval, stale at once, no attempt, no background retry.
    for s in [1, 10, 29] {
        let (stale, waited) = flatten(expired + s * 1000);
        assert_eq!(
            (stale.source, waited, stale.refresh),
            (Source::Stale, 0, false)
        );
        let ede = stale.ede.unwrap();
        assert!(ede.text.contains("no answer within 500 ms"), "{}", ede.text);
    }
    assert_eq!(up.calls(), 3);
    // Then one answer asks for the background retry (and is stale at once itself); the retry
    // fails, and the next interval starts.
    // (The upstream's health probe comes due at the same time: the background work runs both.)
    let due = expired + 600 + 30_000;
    let (asks, waited) = flatten(due);
    assert_eq!(
        (asks.source, waited, asks.refresh),
        (Source::Stale, 0, true)
    );
    let (work, took) = timed(&clock, r.background(&target, RecordType::A, due));
    assert!(work.refresh.unwrap().is_err() && work.probe.unwrap().1.is_err());
    assert_eq!(took, 600);
    assert_eq!(up.calls(), 6, "two attempts and a probe");
    let (again, _) = flatten(due + 1);
    assert!(!again.refresh, "one retry per interval");
    let (stale, waited) = flatten(due + 10_000);
    assert_eq!(
        (stale.source, waited, stale.refresh),
        (Source::Stale, 0, false)
    );
    // The upstream is back: the next retry succeeds, and answers are fresh again.
    up.set("http://one", Ok((5, answer("192.0.2.2", 60))));
    let next = due + 600 + 30_000;
    assert!(flatten(next).0.refresh);
    let (retry, _) = timed(&clock, r.background(&target, RecordType::A, next));
    assert!(retry.refresh.unwrap().is_ok());
    let (fresh, waited) = flatten(next + 100);
    assert_eq!(
        (fresh.source, ips(&fresh), waited, fresh.ede),
        (Source::Memory, vec!["192.0.2.2".to_string()], 0, None)
    );
    assert!(r.state.rechecks.is_empty());
}

#[test]
fn a_dead_first_upstream_costs_one_hedge_per_health_interval() {
    let clock = VirtualClock::default();
    let up = Scripted::new(
        &clock,
        vec![
            ("http://hole", Ok((3_600_000, answer("192.0.2.66", 300)))),
            ("http://good", Ok((5, answer("192.0.2.2", 300)))),
        ],
    );
    let r = resolver(&up);
    let target = |i: usize| name(&format!("t{i}.cdn.test."));
    let uncached =
        |i: usize, now: u64| timed(&clock, r.flatten(&target(i), RecordType::A, 300, now));
    let (first, took) = uncached(0, T0);
    assert_eq!((ips(&first), took), (vec!["192.0.2.2".to_string()], 105));
    // The hole was overtaken: from now on it is tried last, and nothing waits for it.
    for i in 1..20 {
        let (f, took) = uncached(i, T0 + i as u64 * 100);
        assert_eq!(
            (f.upstream.as_deref(), took, f.refresh),
            (Some("http://good"), 5, false)
        );
    }
    assert_eq!(
        (calls_to(&up, "http://hole"), calls_to(&up, "http://good")),
        (1, 20)
    );
    // A health interval later an answer asks for background work, which probes the hole alone.
    let later = T0 + 30_200;
    let (cached, took) = uncached(0, later);
    assert_eq!(
        (cached.source, took, cached.refresh),
        (Source::Memory, 0, true)
    );
    let (work, took) = timed(&clock, r.background(&target(0), RecordType::A, later));
    assert_eq!(
        took, 500,
        "the probe ran into its deadline, in the background"
    );
    let (url, probe) = work.probe.unwrap();
    assert!(url == "http://hole" && probe.is_err(), "{probe:?}");
    assert_eq!(work.refresh, None, "the cached set did not need refreshing");
    assert!(!uncached(1, later + 1).0.refresh, "one probe per interval");
    let (f, took) = uncached(20, later + 2);
    assert_eq!((f.upstream.as_deref(), took), (Some("http://good"), 5));
    // The hole comes back: the next probe finds it, and it is first again.
    up.set("http://hole", Ok((3, answer("192.0.2.66", 300))));
    let next = later + 30_000;
    assert!(uncached(0, next).0.refresh);
    let work = clock.run(r.background(&target(0), RecordType::A, next));
    assert_eq!(work.probe, Some(("http://hole".to_string(), Ok(()))));
    let (f, took) = uncached(21, next + 1);
    assert_eq!((f.upstream.as_deref(), took), (Some("http://hole"), 3));

    let reports = r.state.upstreams();
    let hole = &reports[0];
    assert_eq!(
        (
            hole.healthy,
            hole.attempts,
            hole.answers,
            hole.timeouts,
            hole.overtaken,
            hole.probes
        ),
        (true, 4, 2, 1, 1, 2)
    );
    assert_eq!((hole.srtt_ms, hole.last_ms), (Some(3), Some(3)));
    let good = &reports[1];
    assert_eq!(
        (good.attempts, good.answers, good.srtt_ms),
        (21, 21, Some(5))
    );
}

#[test]
fn a_name_that_fails_upstream_does_not_demote_the_upstream() {
    let clock = VirtualClock::default();
    let servfail = response("edge.cdn.test.", vec![], |m| {
        m.metadata.response_code = hickory_proto::op::ResponseCode::ServFail;
    });
    let up = Scripted::new(
        &clock,
        vec![
            ("http://one", Ok((1, servfail))),
            ("http://two", Ok((1, answer("192.0.2.2", 60)))),
        ],
    );
    let r = resolver(&up);
    let f = clock.run(r.flatten(&name("edge.cdn.test."), RecordType::A, 300, T0));
    assert_eq!(f.upstream.as_deref(), Some("http://two"));
    let reports = r.state.upstreams();
    assert!(
        reports[0].healthy && reports[0].failures == 1,
        "{reports:?}"
    );
    assert_eq!(r.state.health.order(2), [0, 1]);
}
