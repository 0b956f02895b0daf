//! A scriptable upstream DoH server on loopback, for fault injection (HTTP/1.1, hyper).
//!
//! It answers A/AAAA for any name. What it does is chosen by the first label of the question,
//! so every fault has its own target name and no test's cache can touch another's:
//!
//! | first label | behaviour |
//! |---|---|
//! | `slowNNN` | answers after NNN ms |
//! | `blackhole` | never answers (holds the request) |
//! | `servfail`, `nxdomain`, `nodata` | that DNS answer |
//! | `garbage` | a body that is not DNS |
//! | `wrongid`, `wrongq` | the answer to another query |
//! | `poison` | the answer plus addresses for other names, in answer and additional |
//! | `loop` | a CNAME loop |
//! | `chain` | a two-CNAME chain with TTLs 300 and 40 to the addresses |
//! | `http500`, `ctype`, `huge` | HTTP 500, `text/plain`, a 70,000-byte body |
//! | `flaky` | the answer while [`FakeUpstream::set_down`] is false, else HTTP 503 |
//! | `dying` | the answer until [`FakeUpstream::set_black_hole`], then never answers |
//! | any name under `example.net.` | SERVFAIL (the battery's external target fails either way) |
//! | `hedge…` (`hedge`, `hedge1`, …) | on the path `/hole/dns-query` never answers; elsewhere the answer |
//! | anything else | the answer: [`FakeUpstream::set_addresses`], TTL 300 by default |
//!
//! Tests control it in-process: [`FakeUpstream::set_addresses`], [`FakeUpstream::set_down`],
//! [`FakeUpstream::set_black_hole`], [`FakeUpstream::hits`]; a test in another process (the
//! browser suite) takes `flaky` names down and up with a POST to `/control/down` and `/control/up`.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

struct State {
    v4: Mutex<Vec<String>>,
    v6: Mutex<Vec<String>>,
    ttl: AtomicUsize,
    down: AtomicBool,
    black_hole: AtomicBool,
    hits: Mutex<Vec<String>>,
}

/// The faults that are rejected at once, each with text its EDE 22 must contain.
pub const REJECTED: &[(&str, &str)] = &[
    ("servfail", "upstream answered Server Failure"),
    ("garbage", "not a DNS message"),
    ("wrongid", "not the answer to our query"),
    ("wrongq", "not the answer to our query"),
    ("loop", "CNAME loop"),
    ("http500", "HTTP status 500"),
    ("ctype", "content type"),
    ("huge", "reading the body"),
];

/// A flattened answer as a client saw it: the message, how long it took, and the
/// `flatapex-alias` header when it came over DoH.
pub struct Flat {
    pub message: Message,
    pub took: Duration,
    pub alias: String,
}

impl Flat {
    /// The addresses in the answer, sorted.
    pub fn addresses(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .message
            .answers
            .iter()
            .filter_map(|r| r.data.ip_addr().map(|ip| ip.to_string()))
            .collect();
        v.sort();
        v
    }

    /// The lowest TTL of the addresses.
    pub fn ttl(&self) -> u32 {
        self.message
            .answers
            .iter()
            .filter(|r| r.data.ip_addr().is_some())
            .map(|r| r.ttl)
            .min()
            .unwrap_or(0)
    }

    /// The response code.
    pub fn rcode(&self) -> ResponseCode {
        self.message.metadata.response_code
    }

    /// The EDE (RFC 8914) INFO-CODE and text, if any.
    pub fn ede(&self) -> Option<(u16, String)> {
        flatapex::answer::Ede::of_message(&self.message).map(|e| (e.code, e.text))
    }
}

/// The running server; it stops when dropped (with its runtime thread).
pub struct FakeUpstream {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<State>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FakeUpstream {
    /// Starts on a free loopback port, answering 192.0.2.10 and 2001:db8::10 by default.
    pub fn start() -> FakeUpstream {
        FakeUpstream::start_on(0)
    }

    /// Starts on `port` of 127.0.0.1 (0: any free port).
    pub fn start_on(port: u16) -> FakeUpstream {
        let state = Arc::new(State {
            v4: Mutex::new(vec!["192.0.2.10".into()]),
            v6: Mutex::new(vec!["2001:db8::10".into()]),
            ttl: AtomicUsize::new(300),
            down: AtomicBool::new(false),
            black_hole: AtomicBool::new(false),
            hits: Mutex::new(Vec::new()),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stop => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let state = shared.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |req| handle(state.clone(), req));
                                let _ = auto::Builder::new(TokioExecutor::new())
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        FakeUpstream {
            addr: addr_rx.recv().unwrap(),
            state,
            _shutdown: shutdown,
        }
    }

    /// The DoH URL.
    pub fn url(&self) -> String {
        format!("http://{}/dns-query", self.addr)
    }

    /// What ordinary names resolve to from now on, and with which TTL.
    pub fn set_addresses(&self, v4: &[&str], v6: &[&str], ttl: u32) {
        *self.state.v4.lock().unwrap() = v4.iter().map(|s| s.to_string()).collect();
        *self.state.v6.lock().unwrap() = v6.iter().map(|s| s.to_string()).collect();
        self.state.ttl.store(ttl as usize, Ordering::Relaxed);
    }

    /// Makes `flaky` names fail with HTTP 503 (true) or answer (false).
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::Relaxed);
    }

    /// Makes `dying` names never answer (true) or answer (false).
    pub fn set_black_hole(&self, black_hole: bool) {
        self.state.black_hole.store(black_hole, Ordering::Relaxed);
    }

    /// The questions received, as `name type`, in order.
    pub fn hits(&self) -> Vec<String> {
        self.state.hits.lock().unwrap().clone()
    }

    /// How many questions for names starting with `label` were received.
    pub fn hits_for(&self, label: &str) -> usize {
        self.hits().iter().filter(|h| h.starts_with(label)).count()
    }
}

fn reply(status: u16, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", content_type.parse().unwrap());
    r
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if let Some(switch) = path.strip_prefix("/control/") {
        // For tests in other processes (the browser suite): take `flaky` names down or up.
        let down = match switch {
            "down" => true,
            "up" => false,
            _ => {
                return Ok(reply(
                    404,
                    "text/plain",
                    b"use /control/down or /control/up".to_vec(),
                ));
            }
        };
        state.down.store(down, Ordering::Relaxed);
        return Ok(reply(200, "text/plain", switch.as_bytes().to_vec()));
    }
    let hole = path.starts_with("/hole/");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Ok(query) = Message::from_vec(&body) else {
        return Ok(reply(400, "text/plain", b"not DNS".to_vec()));
    };
    let Some(question) = query.queries.first().cloned() else {
        return Ok(reply(400, "text/plain", b"no question".to_vec()));
    };
    let qname = question.name().clone();
    let rtype = question.query_type();
    state
        .hits
        .lock()
        .unwrap()
        .push(format!("{} {rtype}", qname.to_ascii().to_ascii_lowercase()));
    let label = qname
        .iter()
        .next()
        .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
        .unwrap_or_default();
    let dns = "application/dns-message";

    let mut m = Message::response(query.metadata.id, OpCode::Query);
    m.metadata.message_type = MessageType::Response;
    m.metadata.recursion_desired = true;
    m.metadata.recursion_available = true;
    m.add_query(question.clone());
    let ttl = state.ttl.load(Ordering::Relaxed) as u32;
    let addresses = |owner: &Name, ttl: u32| -> Vec<Record> {
        let list = if rtype == RecordType::A {
            state.v4.lock().unwrap().clone()
        } else {
            state.v6.lock().unwrap().clone()
        };
        list.iter()
            .map(|ip| {
                let data = match rtype {
                    RecordType::A => RData::A(A(ip.parse().unwrap())),
                    _ => RData::AAAA(AAAA(ip.parse().unwrap())),
                };
                Record::from_rdata(owner.clone(), ttl, data)
            })
            .collect()
    };
    let soa = Record::from_rdata(
        qname.base_name(),
        600,
        RData::SOA(SOA::new(
            Name::from_ascii("ns.fake.").unwrap(),
            Name::from_ascii("h.fake.").unwrap(),
            1,
            1,
            1,
            1,
            60,
        )),
    );
    let name = |s: &str| Name::from_ascii(s).unwrap();
    let unresolvable = qname
        .to_ascii()
        .to_ascii_lowercase()
        .ends_with(".example.net.");
    match label.as_str() {
        _ if unresolvable => m.metadata.response_code = ResponseCode::ServFail,
        l if l.starts_with("slow") => {
            let ms: u64 = l[4..].parse().unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            m.answers = addresses(&qname, ttl);
        }
        l if hole && l.starts_with("hedge") => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        "dying" if state.black_hole.load(Ordering::Relaxed) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        "blackhole" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        "servfail" => m.metadata.response_code = ResponseCode::ServFail,
        "nxdomain" => {
            m.metadata.response_code = ResponseCode::NXDomain;
            m.authorities.push(soa);
        }
        "nodata" => m.authorities.push(soa),
        "garbage" => {
            return Ok(reply(
                200,
                dns,
                b"\x12\x34 this is not a DNS message".to_vec(),
            ));
        }
        "wrongid" => {
            m.metadata.id = query.metadata.id.wrapping_add(1);
            m.answers = addresses(&qname, ttl);
        }
        "wrongq" => {
            let mut other = question.clone();
            other.set_name(name("elsewhere.test."));
            m.queries = vec![other];
            m.answers = addresses(&name("elsewhere.test."), ttl);
        }
        "poison" => {
            m.answers = addresses(&qname, ttl);
            m.answers.extend(
                addresses(&name("victim.alias.test."), 86_400)
                    .into_iter()
                    .map(|mut r| {
                        r.data = RData::A(A("203.0.113.66".parse().unwrap()));
                        r
                    }),
            );
            m.additionals.push(Record::from_rdata(
                qname.clone(),
                86_400,
                RData::A(A("203.0.113.99".parse().unwrap())),
            ));
        }
        "loop" => {
            let b = name(&format!("b.{}", qname.base_name().to_ascii()));
            m.answers.push(Record::from_rdata(
                qname.clone(),
                60,
                RData::CNAME(CNAME(b.clone())),
            ));
            m.answers.push(Record::from_rdata(
                b,
                60,
                RData::CNAME(CNAME(qname.clone())),
            ));
        }
        "chain" => {
            let mid = name("mid.chain.fake.");
            let end = name("end.chain.fake.");
            m.answers.push(Record::from_rdata(
                qname.clone(),
                300,
                RData::CNAME(CNAME(mid.clone())),
            ));
            m.answers.push(Record::from_rdata(
                mid,
                40,
                RData::CNAME(CNAME(end.clone())),
            ));
            m.answers.extend(addresses(&end, 3600));
        }
        "http500" => return Ok(reply(500, "text/plain", b"internal error".to_vec())),
        "ctype" => {
            m.answers = addresses(&qname, ttl);
            return Ok(reply(200, "text/plain", m.to_vec().unwrap()));
        }
        "huge" => return Ok(reply(200, dns, vec![0u8; 70_000])),
        "flaky" if state.down.load(Ordering::Relaxed) => {
            return Ok(reply(503, "text/plain", b"down".to_vec()));
        }
        _ => m.answers = addresses(&qname, ttl),
    }
    Ok(reply(200, dns, m.to_vec().unwrap()))
}
