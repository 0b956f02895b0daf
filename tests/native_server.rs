//! `flatapex serve` over real UDP and TCP sockets on 127.0.0.1.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;
mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Server, battery_dir, tcp, tcp_connect, tcp_read, tcp_send, udp, udp_silent};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

fn query(id: u16, name: &str, qtype: RecordType, payload: Option<u16>) -> Vec<u8> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    if let Some(payload) = payload {
        let mut edns = Edns::new();
        edns.set_max_payload(payload);
        msg.set_edns(edns);
    }
    msg.to_vec().unwrap()
}

fn read(bytes: &[u8]) -> Message {
    Message::from_vec(bytes).unwrap()
}

#[test]
fn battery_over_udp_and_tcp() {
    let dir = battery_dir(battery::ZONES);
    let server = Server::start(dir.path(), &[]);
    let addr = server.addr;
    futures::executor::block_on(battery::run(
        "native udp",
        battery::Via::Udp,
        |q| async move { udp(addr, &q) },
    ));
    futures::executor::block_on(battery::run(
        "native tcp",
        battery::Via::Stream,
        |q| async move { tcp(addr, &q) },
    ));
}

#[test]
fn large_answer_truncates_over_udp_and_is_whole_over_tcp() {
    let dir = battery_dir(battery::ZONES);
    let server = Server::start(dir.path(), &[]);
    let q = query(7, "big.battery.test.", RecordType::TXT, Some(512));
    let over_udp = udp(server.addr, &q);
    assert!(over_udp.len() <= 512);
    let m = read(&over_udp);
    assert!(m.metadata.truncation, "TC must be set");
    assert!(m.answers.is_empty() && m.edns.is_some());
    let m = read(&tcp(server.addr, &q));
    assert!(!m.metadata.truncation);
    assert_eq!(m.answers.len(), 8);
    // Without EDNS the UDP limit is 512 too.
    let m = read(&udp(
        server.addr,
        &query(8, "big.battery.test.", RecordType::TXT, None),
    ));
    assert!(m.metadata.truncation && m.edns.is_none());
}

#[test]
fn malformed_queries_get_formerr_and_fragments_get_silence() {
    let dir = battery_dir(battery::ZONES);
    let server = Server::start(dir.path(), &[]);
    let garbage = [
        0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0xff,
    ];
    for response in [udp(server.addr, &garbage), tcp(server.addr, &garbage)] {
        let m = read(&response);
        assert_eq!(
            (m.metadata.id, m.metadata.response_code),
            (0xabcd, ResponseCode::FormErr)
        );
        assert_eq!(m.metadata.message_type, MessageType::Response);
    }
    assert!(udp_silent(
        server.addr,
        &[1, 2, 3],
        Duration::from_millis(300)
    ));
    // The server is still up and answering.
    let m = read(&udp(
        server.addr,
        &query(9, "battery.test.", RecordType::SOA, None),
    ));
    assert_eq!(m.answers.len(), 1);
}

#[test]
fn edns_version_one_gets_badvers() {
    let dir = battery_dir(battery::ZONES);
    let server = Server::start(dir.path(), &[]);
    let mut msg = read(&query(10, "battery.test.", RecordType::A, Some(1232)));
    msg.edns.as_mut().unwrap().set_version(1);
    let m = read(&udp(server.addr, &msg.to_vec().unwrap()));
    assert_eq!(u16::from(m.metadata.response_code), 16, "BADVERS");
    assert_eq!(m.edns.unwrap().version(), 0);
}

#[test]
fn tcp_pipelines_many_queries_on_one_connection() {
    let dir = battery_dir(battery::ZONES);
    let server = Server::start(dir.path(), &[]);
    let mut stream = tcp_connect(server.addr);
    let mut all = Vec::new();
    for id in 0..50u16 {
        let q = query(id, "mail.battery.test.", RecordType::A, Some(1232));
        all.extend_from_slice(&(q.len() as u16).to_be_bytes());
        all.extend_from_slice(&q);
    }
    std::io::Write::write_all(&mut stream, &all).unwrap();
    let ids: HashSet<u16> = (0..50)
        .map(|_| read(&tcp_read(&mut stream)).metadata.id)
        .collect();
    assert_eq!(ids, (0..50).collect());
    // The connection stays open for more.
    tcp_send(
        &mut stream,
        &query(99, "battery.test.", RecordType::MX, None),
    );
    assert_eq!(read(&tcp_read(&mut stream)).metadata.id, 99);
}

const GOOD: &str =
    "$TTL 60\n@ SOA ns1 h 1 7200 900 1209600 60\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.10\n";

fn www(server: &Server) -> String {
    let m = read(&udp(
        server.addr,
        &query(1, "www.reload.test.", RecordType::A, None),
    ));
    m.answers
        .first()
        .map(|r| r.data.to_string())
        .unwrap_or_default()
}

#[test]
fn a_bad_zone_is_reported_and_the_others_still_load() {
    let dir = battery_dir(&[
        ("reload.test.zone", GOOD),
        (
            "broken.test.zone",
            "$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 1.2.3\n",
        ),
    ]);
    let server = Server::start(dir.path(), &[]);
    let log = server.log.join("\n");
    assert!(log.contains("broken.test.zone:4: bad A RDATA"), "{log}");
    assert!(
        log.contains("broken.test.zone: 1 error(s); not loaded"),
        "{log}"
    );
    assert!(log.contains("loaded zone reload.test. serial 1"), "{log}");
    assert_eq!(www(&server), "192.0.2.10");
    let m = read(&udp(
        server.addr,
        &query(2, "broken.test.", RecordType::SOA, None),
    ));
    assert_eq!(m.metadata.response_code, ResponseCode::Refused);
}

#[test]
fn sighup_reloads_and_a_failed_reload_keeps_the_previous_copy() {
    let dir = battery_dir(&[("reload.test.zone", GOOD)]);
    let path = dir.path().join("reload.test.zone");
    let mut server = Server::start(dir.path(), &[]);
    assert_eq!(www(&server), "192.0.2.10");

    std::fs::write(
        &path,
        GOOD.replace("1 7200", "2 7200")
            .replace("192.0.2.10", "192.0.2.20"),
    )
    .unwrap();
    server.hangup();
    server.wait_for("reloaded zone reload.test. serial 2");
    assert_eq!(www(&server), "192.0.2.20");

    std::fs::write(
        &path,
        GOOD.replace("www A 192.0.2.10", "www CNAME x\nwww A 192.0.2.30"),
    )
    .unwrap();
    server.hangup();
    let line = server.wait_for("kept the previous copy");
    assert!(line.contains("reload.test.zone: 1 error(s)"), "{line}");
    assert!(
        server
            .log
            .iter()
            .any(|l| l.contains("cannot also have A data")),
        "{:#?}",
        server.log
    );
    assert_eq!(www(&server), "192.0.2.20");
}

#[test]
fn watch_reloads_when_a_file_changes() {
    let dir = battery_dir(&[("reload.test.zone", GOOD)]);
    let mut server = Server::start(dir.path(), &["--watch"]);
    assert_eq!(www(&server), "192.0.2.10");
    // Let the modification time move past the first load's.
    std::thread::sleep(Duration::from_millis(50));
    std::fs::write(
        dir.path().join("reload.test.zone"),
        GOOD.replace("192.0.2.10", "192.0.2.40"),
    )
    .unwrap();
    server.wait_for("reloaded zone reload.test.");
    assert_eq!(www(&server), "192.0.2.40");
}
