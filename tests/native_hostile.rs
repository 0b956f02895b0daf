//! `flatapex serve` under hostile clients, on loopback: thousands of idle connections, running
//! out of file descriptors, idle and slow connections, and a response-cache flood. Each test
//! prints its figures (`cargo test --test native_hostile -- --nocapture`); README.md quotes them.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;
mod hostile;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

use common::{Server, battery_dir, tcp, udp};
use hostile::*;

#[test]
fn five_thousand_idle_connections_per_port_leave_every_query_answered() {
    let _alone = alone();
    raise_fd_limit(2 * IDLE as u64 + 1_000);
    let dir = battery_dir(battery_zones());
    // An idle timeout longer than the test: only the connection limits protect the server.
    let mut server = Server::start(
        dir.path(),
        &["--doh", "127.0.0.1:0", "--idle-timeout-seconds", "600"],
    );
    let doh = doh_url(&mut server);
    let doh_addr: SocketAddr = doh[7..].split('/').next().unwrap().parse().unwrap();
    let dns = server.addr;

    // The flood, with the legitimate client asking all along.
    let stop = Arc::new(AtomicBool::new(false));
    let during = legitimate_client(dns, doh.clone(), stop.clone());
    let began = Instant::now();
    let to_tcp = std::thread::spawn(move || flood(dns));
    let to_doh = std::thread::spawn(move || flood(doh_addr));
    let (tcp_streams, tcp_failed) = to_tcp.join().unwrap();
    let (doh_streams, doh_failed) = to_doh.join().unwrap();
    let flooded_in = began.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    let during = during.join().unwrap();
    let (tcp_held, tcp_most) = held(&tcp_streams);
    let (doh_held, doh_most) = held(&doh_streams);

    // Then 200 idle connections per port from the legitimate client's own /24 (127.0.0.2 to
    // 127.0.0.5): the network keeps its newest 64, and the client still gets in.
    let neighbours = |to: SocketAddr| -> Vec<TcpStream> {
        (0..200)
            .map(|i| connect_from(Ipv4Addr::new(127, 0, 0, 2 + (i % 4) as u8), to).unwrap())
            .collect()
    };
    let (tcp_neighbours, doh_neighbours) = (neighbours(dns), neighbours(doh_addr));
    std::thread::sleep(Duration::from_millis(300));
    let newest_kept = |streams: &[TcpStream]| -> (usize, bool) {
        let open: Vec<bool> = streams.iter().map(still_open).collect();
        let kept = open.iter().filter(|o| **o).count();
        (kept, open[streams.len() - kept..].iter().all(|o| *o))
    };
    let (tcp_kept, tcp_newest) = newest_kept(&tcp_neighbours);
    let (doh_kept, doh_newest) = newest_kept(&doh_neighbours);
    let stop = Arc::new(AtomicBool::new(false));
    let after = legitimate_client(dns, doh.clone(), stop.clone());
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let after = after.join().unwrap();

    let health = health(&doh);
    let fds = open_fds(server.pid());
    eprintln!(
        "{IDLE} idle connections to each port from {NETWORKS} /24s in {flooded_in:.1?} ({tcp_failed} and {doh_failed} failed to connect); \
         held by the server: tcp {tcp_held} (at most {tcp_most} per /24), doh {doh_held} (at most {doh_most}); \
         of 200 more from 127.0.0.2-5, kept tcp {tcp_kept}, doh {doh_kept}; /health connections {}; server fds {fds}; \
         legitimate queries answered udp/tcp/doh {:?} during the flood and {:?} after, failed {}",
        health["connections"],
        during.answered,
        after.answered,
        during.failed.len() + after.failed.len()
    );
    for tally in [&during, &after] {
        assert!(tally.failed.is_empty(), "failed: {:?}", tally.failed);
        assert!(
            tally.answered.iter().all(|n| *n >= 10),
            "{:?}",
            tally.answered
        );
    }
    for (name, held, most) in [("tcp", tcp_held, tcp_most), ("doh", doh_held, doh_most)] {
        assert!(
            (1000..=1024).contains(&held) && most <= 64,
            "{name}: {held} held, {most} per /24: the total limit holds them"
        );
        let counted = health["connections"][name].as_u64().unwrap();
        assert!(counted <= 1024, "{name}: {counted} connections open");
    }
    assert_eq!((tcp_kept, doh_kept), (64, 64), "one /24 keeps 64");
    assert!(tcp_newest && doh_newest, "the newest are kept");
    assert!(
        fds < 2 * 1024 + 100,
        "the server has {fds} descriptors open"
    );
}

#[test]
fn the_accept_loops_survive_running_out_of_file_descriptors_without_spinning() {
    let _alone = alone();
    let dir = battery_dir(battery_zones());
    let mut server = Server::start(dir.path(), &["--doh", "127.0.0.1:0"]);
    let doh = doh_url(&mut server);
    let doh_addr: SocketAddr = doh[7..].split('/').next().unwrap().parse().unwrap();
    let pid = server.pid().to_string();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let hard = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(4))
        .unwrap()
        .to_string();
    let prlimit = |soft: &str| {
        let status = Command::new("prlimit")
            .args(["--pid", &pid, &format!("--nofile={soft}:{hard}")])
            .status()
            .expect("prlimit (util-linux) runs");
        assert!(status.success(), "prlimit --nofile={soft}:{hard}");
    };
    // No descriptor left: every accept fails with EMFILE while connections wait in the queue.
    prlimit(&open_fds(server.pid()).to_string());
    let waiting: Vec<TcpStream> = (0..20)
        .flat_map(|_| {
            [
                TcpStream::connect(server.addr),
                TcpStream::connect(doh_addr),
            ]
        })
        .map(Result::unwrap)
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let cpu_before = cpu_seconds(server.pid());
    std::thread::sleep(Duration::from_secs(3));
    let busy = (cpu_seconds(server.pid()) - cpu_before) / 3.0;
    let q = query(7, "lb.battery.test.", RecordType::A, None);
    let over_udp = rcode_of(&udp(server.addr, &q), 7);
    prlimit(&hard);
    let over_tcp = rcode_of(&tcp(server.addr, &q), 7);
    let over_doh = fresh_doh_client()
        .post(&doh)
        .header("content-type", "application/dns-message")
        .body(q.clone())
        .send()
        .map(|r| rcode_of(&r.bytes().unwrap(), 7));
    let logged = server.logged("Too many open files", Duration::from_secs(1));
    let accept_lines = server
        .log
        .iter()
        .filter(|l| l.contains("cannot accept"))
        .count();
    eprintln!(
        "out of descriptors for 4 s with {} connections waiting: server CPU {:.1} %, {accept_lines} accept-error line(s) logged; then udp {over_udp:?}, tcp {over_tcp:?}, doh {over_doh:?}",
        waiting.len(),
        busy * 100.0
    );
    assert!(logged, "the accept error is logged: {:#?}", server.log);
    assert!(
        busy < 0.10,
        "the accept loops spin: {:.1} % CPU",
        busy * 100.0
    );
    assert!(
        accept_lines <= 12,
        "{accept_lines} accept-error lines: not throttled"
    );
    assert_eq!(
        over_udp,
        Some(ResponseCode::NoError),
        "UDP needs no descriptor"
    );
    assert_eq!(
        over_tcp,
        Some(ResponseCode::NoError),
        "TCP after descriptors came back"
    );
    assert_eq!(over_doh.unwrap(), Some(ResponseCode::NoError), "DoH too");
}

#[test]
fn idle_and_slow_connections_are_cut_at_their_timeouts() {
    let _alone = alone();
    let dir = battery_dir(battery_zones());
    let mut server = Server::start(
        dir.path(),
        &[
            "--doh",
            "127.0.0.1:0",
            "--idle-timeout-seconds",
            "3",
            "--header-timeout-seconds",
            "1",
        ],
    );
    let doh = doh_url(&mut server);
    let doh_addr: SocketAddr = doh[7..].split('/').next().unwrap().parse().unwrap();
    let dns = server.addr;
    let tick = Duration::from_millis(200);
    let give_up = Duration::from_secs(10);
    let nothing = |_: &mut TcpStream| {};
    let slow = |bytes: &'static [u8]| {
        move |s: &mut TcpStream| {
            let _ = s.write_all(bytes);
        }
    };
    let q = query(9, "lb.battery.test.", RecordType::A, None);

    let cases: Vec<(&str, std::thread::JoinHandle<Option<Duration>>)> = vec![
        ("DNS over TCP, idle from the start", {
            std::thread::spawn(move || {
                time_to_close(
                    &mut TcpStream::connect(dns).unwrap(),
                    tick,
                    give_up,
                    nothing,
                )
            })
        }),
        ("DNS over TCP, idle after an answer", {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(dns).unwrap();
                let mut framed = (q.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&q);
                s.write_all(&framed).unwrap();
                let mut answer = [0u8; 2];
                s.read_exact(&mut answer).unwrap();
                time_to_close(&mut s, tick, give_up, nothing)
            })
        }),
        ("DNS over TCP, a query one octet at a time", {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(dns).unwrap();
                s.write_all(&[0, 40]).unwrap();
                time_to_close(&mut s, tick, give_up, slow(&[0]))
            })
        }),
        ("DoH HTTP/1.1, a request head one header at a time", {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(doh_addr).unwrap();
                s.write_all(
                    b"GET /dns-query?dns=AAABAAABAAAAAAAAAWEEdGVzdAAAAQAB HTTP/1.1\r\nHost: a\r\n",
                )
                .unwrap();
                time_to_close(&mut s, tick, give_up, slow(b"X-Slow: 1\r\n"))
            })
        }),
        ("DoH HTTP/1.1, kept alive after a request", {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(doh_addr).unwrap();
                s.write_all(b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n")
                    .unwrap();
                let mut head = [0u8; 12];
                s.read_exact(&mut head).unwrap();
                assert_eq!(&head, b"HTTP/1.1 200");
                time_to_close(&mut s, tick, give_up, nothing)
            })
        }),
        ("DoH h2c, idle after the preface", {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(doh_addr).unwrap();
                s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
                    .unwrap();
                time_to_close(&mut s, tick, give_up, nothing)
            })
        }),
    ];
    let mut report = Vec::new();
    for (name, case) in cases {
        let closed = case.join().unwrap();
        report.push(format!("{name}: {closed:.1?}"));
        let Some(closed) = closed else {
            panic!("{name}: still open after {give_up:?}");
        };
        let (low, high) = if name.contains("idle") {
            (2.5, 5.0) // the idle timeout, 3 s
        } else {
            (0.8, 2.5) // the header timeout, 1 s
        };
        let seconds = closed.as_secs_f64();
        assert!(
            (low..high).contains(&seconds),
            "{name}: closed after {seconds:.2} s, not within [{low}, {high})"
        );
    }
    eprintln!("closed after: {}", report.join("; "));
}

#[test]
fn a_cache_flood_stays_within_its_bytes() {
    let _alone = alone();
    let dir = battery_dir(battery_zones());
    let mut server = Server::start(
        dir.path(),
        &["--doh", "127.0.0.1:0", "--response-cache-mib", "4"],
    );
    let doh = doh_url(&mut server);
    let limit = 4 << 20;
    let q = query(1, "lb.battery.test.", RecordType::A, None);
    assert_eq!(
        rcode_of(&tcp(server.addr, &q), 1),
        Some(ResponseCode::NoError)
    );
    let rss_before = rss_kib(server.pid());

    // The probe that took the old cache to 3 GB: distinct names, 63 KB of padding each.
    let padded = pipeline(server.addr, 2_000, |i| {
        query(
            i as u16,
            &format!("p{i}.apps.battery.test."),
            RecordType::A,
            Some(63_000),
        )
    });
    let after_padded = health(&doh)["response_cache"].clone();
    let rss_padded = rss_kib(server.pid());
    // Then more distinct small questions than the bound holds, in two spellings of case.
    let small = pipeline(server.addr, 60_000, |i| {
        let name = format!("n{i}.apps.battery.test.");
        let name = if i % 2 == 0 {
            name
        } else {
            name.to_uppercase()
        };
        query(i as u16, &name, RecordType::A, None)
    });
    let cache = health(&doh)["response_cache"].clone();
    let rss_after = rss_kib(server.pid());
    let mut trailing = q.clone();
    trailing.extend_from_slice(&[0; 100]);
    let trailing_udp = rcode_of(&udp(server.addr, &trailing), 1);
    let trailing_tcp = rcode_of(&tcp(server.addr, &trailing), 1);
    eprintln!(
        "RSS {rss_before} KiB before; {rss_padded} KiB after 2,000 queries with 63 KB padding (cache {after_padded}); \
         {rss_after} KiB after 60,000 more distinct names (cache {cache}); answered {padded} and {small}; \
         trailing bytes: udp {trailing_udp:?}, tcp {trailing_tcp:?}"
    );
    assert_eq!((padded, small), (2_000, 60_000), "every query is answered");
    let bytes = cache["bytes"].as_u64().unwrap();
    assert!(
        bytes <= limit,
        "the cache holds {bytes} bytes, over {limit}"
    );
    assert!(
        after_padded["bytes"].as_u64().unwrap() < 2_000 * 1_000,
        "padding is not kept"
    );
    assert!(
        cache["entries"].as_u64().unwrap() > 10_000,
        "the cache is in use: {cache}"
    );
    assert!(
        rss_after < rss_before + 64 * 1024,
        "RSS grew from {rss_before} KiB to {rss_after} KiB"
    );
    assert_eq!(trailing_udp, Some(ResponseCode::FormErr));
    assert_eq!(trailing_tcp, Some(ResponseCode::FormErr));
}
