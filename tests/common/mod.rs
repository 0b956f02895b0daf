//! Helpers for tests that run the real `flatapex` binary and talk to it over sockets.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `flatapex serve`, killed when dropped. Its stderr lines are collected.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    pub log: Vec<String>,
}

impl Server {
    /// Starts `flatapex serve --zones DIR --listen 127.0.0.1:0 EXTRA...` and waits until it serves.
    pub fn start(zones: &Path, extra: &[&str]) -> Server {
        Server::start_at(zones, "127.0.0.1:0", extra)
    }

    /// Starts `flatapex serve --zones DIR --listen LISTEN EXTRA...` and waits until it serves.
    pub fn start_at(zones: &Path, listen: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flatapex"))
            .args(["serve", "--zones"])
            .arg(zones)
            .args(["--listen", listen])
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start flatapex");
        let stderr = child.stderr.take();
        let (tx, rx) = mpsc::channel();
        // From here on, Drop kills and reaps the child whatever happens.
        let mut server = Server {
            child,
            addr: ([0, 0, 0, 0], 0).into(),
            lines: rx,
            log: Vec::new(),
        };
        std::thread::spawn(move || {
            for line in BufReader::new(stderr.unwrap())
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = server.wait_for("serving");
        let rest = line.split(" on ").nth(1).expect("serving ... on ADDR");
        server.addr = rest.split_whitespace().next().unwrap().parse().unwrap();
        server
    }

    /// Waits for the line naming the zone and record APIs (`serve --api-keys`) and returns
    /// their base URL, `http://127.0.0.1:PORT`.
    pub fn api_base(&mut self) -> String {
        let line = self.wait_for("zone and record APIs on");
        let url = line.split("APIs on ").nth(1).expect("APIs on URL");
        url.split("/api").next().unwrap().to_string()
    }

    /// Waits for a log line containing `needle` and returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| {
                    panic!("no log line with {needle:?}; log so far: {:#?}", self.log)
                });
            self.log.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Whether a log line so far (or arriving within `wait`) contains `needle`.
    pub fn logged(&mut self, needle: &str, wait: Duration) -> bool {
        if self.log.iter().any(|l| l.contains(needle)) {
            return true;
        }
        let deadline = std::time::Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGHUP.
    pub fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port that is free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One UDP exchange.
pub fn udp(addr: SocketAddr, query: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket.send_to(query, addr).unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, _) = socket.recv_from(&mut buf).expect("a UDP response");
    buf.truncate(n);
    buf
}

/// Whether a UDP query gets any answer within `wait`.
pub fn udp_silent(addr: SocketAddr, query: &[u8], wait: Duration) -> bool {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(wait)).unwrap();
    socket.send_to(query, addr).unwrap();
    let mut buf = [0u8; 512];
    socket.recv_from(&mut buf).is_err()
}

/// Opens a TCP connection.
pub fn tcp_connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Writes one length-prefixed message.
pub fn tcp_send(stream: &mut TcpStream, message: &[u8]) {
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed).unwrap();
}

/// Reads one length-prefixed message.
pub fn tcp_read(stream: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).expect("a TCP response");
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut buf).unwrap();
    buf
}

/// One TCP exchange on a fresh connection.
pub fn tcp(addr: SocketAddr, query: &[u8]) -> Vec<u8> {
    let mut stream = tcp_connect(addr);
    tcp_send(&mut stream, query);
    tcp_read(&mut stream)
}

/// Writes the battery zones into a fresh directory.
pub fn battery_dir(zones: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in zones {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    dir
}

/// The API key that may do anything, in [`API_KEYS`].
pub const API_ADMIN: &str = "fapx_admin_0123456789abcdef";
/// The API key that may only write TXT at `_acme-challenge.*`, in [`API_KEYS`].
pub const API_ACME: &str = "fapx_acme_0123456789abcdef";
/// A key file for `serve --api-keys` (JSON lines) with [`API_ADMIN`] and [`API_ACME`].
pub const API_KEYS: &str = r#"{"name":"admin","key":"fapx_admin_0123456789abcdef"}
{"name":"acme","key":"fapx_acme_0123456789abcdef","names":["_acme-challenge.*"],"types":["TXT"]}
"#;
