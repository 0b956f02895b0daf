//! The connection table: limits per listener and per network, and who is closed to make room.

use futures::FutureExt;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn was_closed(connection: &Connection) -> bool {
    connection.closed().now_or_never().is_some()
}

#[test]
fn networks_are_v4_slash_24_and_v6_slash_56() {
    assert_eq!(Network::of(ip("192.0.2.1")), Network::of(ip("192.0.2.254")));
    assert_ne!(Network::of(ip("192.0.2.1")), Network::of(ip("192.0.3.1")));
    assert_eq!(
        Network::of(ip("::ffff:192.0.2.9")),
        Network::of(ip("192.0.2.1"))
    );
    assert_eq!(
        Network::of(ip("2001:db8:0:1::1")),
        Network::of(ip("2001:db8:0:ff::2"))
    );
    assert_ne!(
        Network::of(ip("2001:db8:0:100::1")),
        Network::of(ip("2001:db8:0:200::1"))
    );
}

#[test]
fn a_full_network_closes_its_own_longest_idle_connection() {
    let table = ConnectionTable::new(100, 2);
    let first = table.admit(ip("192.0.2.1")).unwrap();
    let second = table.admit(ip("192.0.2.2")).unwrap();
    let elsewhere = table.admit(ip("198.51.100.1")).unwrap();
    let _working = first.busy();
    let third = table.admit(ip("192.0.2.3")).unwrap();
    assert!(was_closed(&second), "the idle one made room");
    assert!(!was_closed(&first) && !was_closed(&elsewhere));
    assert_eq!(table.len(), 3);
    let _also_working = third.busy();
    assert_eq!(
        table.admit(ip("192.0.2.4")).err(),
        Some(Refusal::Network),
        "every connection of the network is busy"
    );
    assert!(table.admit(ip("192.0.3.1")).is_ok(), "another /24 is not");
}

#[test]
fn a_full_listener_closes_the_longest_idle_connection_anywhere() {
    let table = ConnectionTable::new(2, 10);
    let a = table.admit(ip("192.0.2.1")).unwrap();
    let b = table.admit(ip("198.51.100.1")).unwrap();
    // `a` worked last, so `b` has been idle longer.
    std::thread::sleep(Duration::from_millis(5));
    drop(a.busy());
    let c = table.admit(ip("203.0.113.1")).unwrap();
    assert!(was_closed(&b) && !was_closed(&a));
    let (_a_busy, _c_busy) = (a.busy(), c.busy());
    assert_eq!(table.admit(ip("203.0.113.2")).err(), Some(Refusal::Full));
    drop(b);
    assert_eq!(table.len(), 2, "a closed connection is counted once");
    drop(c);
    assert_eq!(table.len(), 1);
    assert!(table.admit(ip("203.0.113.2")).is_ok());
}

#[test]
fn idle_time_counts_from_the_last_thing_under_way() {
    let table = ConnectionTable::new(10, 10);
    let c = table.admit(ip("192.0.2.1")).unwrap();
    let busy = c.busy();
    let also = c.busy();
    assert_eq!(c.idle_for(), None);
    drop(busy);
    assert_eq!(c.idle_for(), None, "one still under way");
    drop(also);
    assert!(c.idle_for().unwrap() < Duration::from_millis(50));
}
