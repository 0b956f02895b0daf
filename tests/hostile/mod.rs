//! Tools for the hostile-client tests (tests/native_hostile.rs): connections from any loopback
//! address, the legitimate client's rounds, and what /proc says about the server.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::{Name, RecordType};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::socket::{AddressFamily, SockFlag, SockType, SockaddrIn, bind, connect, socket};

use crate::common::Server;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Held for the whole of a test, so that the tests run one after the other: each loads the
/// machine's cores on its own, and the legitimate client's 5 s deadlines and the CPU figure
/// must not depend on what another test does at the same time.
pub fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A query for `name`, with a Padding option of `padding` octets if asked.
pub fn query(id: u16, name: &str, qtype: RecordType, padding: Option<usize>) -> Vec<u8> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    if let Some(len) = padding {
        let option = EdnsOption::Unknown(u16::from(EdnsCode::Padding), vec![0; len]);
        edns.options_mut().insert(option);
    }
    msg.set_edns(edns);
    msg.to_vec().unwrap()
}

/// The response code of `bytes`, if it is a response to `id`.
pub fn rcode_of(bytes: &[u8], id: u16) -> Option<ResponseCode> {
    let m = Message::from_vec(bytes).ok()?;
    (m.metadata.id == id).then_some(m.metadata.response_code)
}

/// Raises this process's soft file-descriptor limit to its hard limit; panics if that is
/// below `needed`.
pub fn raise_fd_limit(needed: u64) {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(
        hard >= needed,
        "the test needs {needed} file descriptors and the hard limit is {hard} (ulimit -Hn)"
    );
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}

/// A TCP connection from `from` (any port) to `to`.
pub fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let SocketAddr::V4(to) = to else {
        panic!("IPv4 only: {to}");
    };
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    bind(
        fd.as_raw_fd(),
        &SockaddrIn::from(SocketAddrV4::new(from, 0)),
    )?;
    connect(fd.as_raw_fd(), &SockaddrIn::from(to))?;
    Ok(TcpStream::from(fd))
}

/// Whether the server still holds `stream` open (it has not closed or reset it).
pub fn still_open(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    matches!(stream.peek(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock)
}

/// Reads from `stream` (every `tick`, calling `feed` between reads) until the server closes
/// it; returns how long that took, or `None` if it stayed open past `give_up`.
pub fn time_to_close(
    stream: &mut TcpStream,
    tick: Duration,
    give_up: Duration,
    mut feed: impl FnMut(&mut TcpStream),
) -> Option<Duration> {
    let began = Instant::now();
    stream.set_read_timeout(Some(tick)).unwrap();
    let mut buf = [0u8; 4096];
    while began.elapsed() < give_up {
        match stream.read(&mut buf) {
            Ok(0) => return Some(began.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                feed(stream)
            }
            Err(_) => return Some(began.elapsed()),
        }
    }
    None
}

/// CPU time (user and system) the process has used, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, which is in parentheses: utime is the 14th field.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let per_second: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    ticks as f64 / per_second
}

/// The process's resident memory, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// File descriptors the process has open.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// The DoH URL the server logged.
pub fn doh_url(server: &mut Server) -> String {
    let line = server.wait_for("DoH on");
    let url = line.split("DoH on ").nth(1).unwrap();
    url.split(' ').next().unwrap().to_string()
}

/// The server's `/health`.
pub fn health(url: &str) -> serde_json::Value {
    reqwest::blocking::get(url.replace("/dns-query", "/health"))
        .unwrap()
        .json()
        .unwrap()
}

/// A DoH client from 127.0.0.1 that opens a new connection for every request.
pub fn fresh_doh_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .local_address(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The legitimate client's tallies: answered and failed per transport, with the failures.
#[derive(Debug, Default)]
pub struct Tally {
    pub answered: [u32; 3],
    pub failed: Vec<String>,
}

/// One round of the legitimate client from 127.0.0.1: a UDP, a TCP (new connection) and a DoH
/// (new connection) query, each of which must get its NOERROR answer.
pub fn legitimate_round(
    dns: SocketAddr,
    doh: &str,
    client: &reqwest::blocking::Client,
    id: u16,
    tally: &mut Tally,
) {
    let q = query(id, "lb.battery.test.", RecordType::A, None);
    let udp = || -> Result<Vec<u8>, String> {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        socket.send_to(&q, dns).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 4096];
        let (n, _) = socket
            .recv_from(&mut buf)
            .map_err(|e| format!("udp: {e}"))?;
        Ok(buf[..n].to_vec())
    };
    let tcp = || -> Result<Vec<u8>, String> {
        let mut stream = TcpStream::connect_timeout(&dns, Duration::from_secs(5))
            .map_err(|e| format!("tcp connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut framed = (q.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&q);
        std::io::Write::write_all(&mut stream, &framed).map_err(|e| format!("tcp write: {e}"))?;
        let mut len = [0u8; 2];
        stream
            .read_exact(&mut len)
            .map_err(|e| format!("tcp read: {e}"))?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream
            .read_exact(&mut buf)
            .map_err(|e| format!("tcp read: {e}"))?;
        Ok(buf)
    };
    let https = || -> Result<Vec<u8>, String> {
        let response = client
            .post(doh)
            .header("content-type", "application/dns-message")
            .body(q.clone())
            .send()
            .map_err(|e| format!("doh: {e}"))?;
        Ok(response
            .bytes()
            .map_err(|e| format!("doh body: {e}"))?
            .to_vec())
    };
    let results: [Result<Vec<u8>, String>; 3] = [udp(), tcp(), https()];
    for (i, result) in results.into_iter().enumerate() {
        match result.map(|bytes| rcode_of(&bytes, id)) {
            Ok(Some(ResponseCode::NoError)) => tally.answered[i] += 1,
            Ok(other) => tally.failed.push(format!("transport {i}: {other:?}")),
            Err(e) => tally.failed.push(e),
        }
    }
}

/// Idle connections opened to each of the DNS-over-TCP and DoH ports.
pub const IDLE: usize = 5_000;
/// The /24 networks they come from (127.1.0.0/24 to 127.50.0.0/24), 100 from each.
pub const NETWORKS: usize = 50;

/// Opens `IDLE` connections to `to` from `NETWORKS` networks, from 10 threads (a connection
/// whose SYN finds the accept queue full waits a second for its retry, and the others go on);
/// returns them by network, and how many failed.
pub fn flood(to: SocketAddr) -> (Vec<(usize, TcpStream)>, usize) {
    let threads: Vec<_> = (0..10)
        .map(|t| {
            std::thread::spawn(move || {
                let (mut open, mut failed) = (Vec::new(), 0);
                for i in (t..IDLE).step_by(10) {
                    let network = 1 + i % NETWORKS;
                    let from = Ipv4Addr::new(127, network as u8, 0, 1 + (i / NETWORKS % 4) as u8);
                    match connect_from(from, to) {
                        Ok(stream) => open.push((network, stream)),
                        Err(_) => failed += 1,
                    }
                }
                (open, failed)
            })
        })
        .collect();
    let (mut open, mut failed) = (Vec::new(), 0);
    for thread in threads {
        let (some, more) = thread.join().unwrap();
        open.extend(some);
        failed += more;
    }
    (open, failed)
}

/// How many of `streams` the server still holds, in all and at most per network.
pub fn held(streams: &[(usize, TcpStream)]) -> (usize, usize) {
    let mut per_network: HashMap<usize, usize> = HashMap::new();
    for (network, stream) in streams {
        if still_open(stream) {
            *per_network.entry(*network).or_default() += 1;
        }
    }
    let most = per_network.values().copied().max().unwrap_or(0);
    (per_network.values().sum(), most)
}

/// Runs the legitimate client's rounds until `stop`.
pub fn legitimate_client(
    dns: SocketAddr,
    doh: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Tally> {
    std::thread::spawn(move || {
        let (client, mut tally, mut id) = (fresh_doh_client(), Tally::default(), 0u16);
        while !stop.load(Ordering::Relaxed) {
            id = id.wrapping_add(1);
            legitimate_round(dns, &doh, &client, id, &mut tally);
            std::thread::sleep(Duration::from_millis(20));
        }
        tally
    })
}

/// Sends `count` queries over one TCP connection while a second thread reads the answers;
/// returns how many were NOERROR.
pub fn pipeline(addr: SocketAddr, count: usize, make: impl Fn(usize) -> Vec<u8>) -> usize {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = stream.try_clone().unwrap();
    let answers = std::thread::spawn(move || {
        let mut ok = 0;
        for _ in 0..count {
            let mut len = [0u8; 2];
            if reader.read_exact(&mut len).is_err() {
                break;
            }
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
            reader.read_exact(&mut buf).unwrap();
            let m = hickory_proto::op::Message::from_vec(&buf).unwrap();
            ok += usize::from(m.metadata.response_code == ResponseCode::NoError);
        }
        ok
    });
    let mut writer = std::io::BufWriter::new(stream);
    for i in 0..count {
        let q = make(i);
        writer.write_all(&(q.len() as u16).to_be_bytes()).unwrap();
        writer.write_all(&q).unwrap();
    }
    writer.flush().unwrap();
    answers.join().unwrap()
}

pub fn battery_zones() -> &'static [(&'static str, &'static str)] {
    &[(
        "battery.test.zone",
        include_str!("../zones/battery.test.zone"),
    )]
}
