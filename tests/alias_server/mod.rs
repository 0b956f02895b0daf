//! The native server with tests/zones/alias.test.zone and the given upstreams, and a query
//! helper that times the answer: shared by the native ALIAS suites.
#![allow(dead_code)]

use std::time::Instant;

use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RecordType};

use super::common::{Server, battery_dir, udp};
use super::fake_upstream::Flat;

const ZONE: &str = include_str!("../zones/alias.test.zone");

pub fn query(name: &str, qtype: RecordType) -> Vec<u8> {
    let mut m = Message::query();
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    m.edns = Some(edns);
    m.to_vec().unwrap()
}

pub fn ask(server: &Server, name: &str, qtype: RecordType) -> Flat {
    let started = Instant::now();
    let bytes = udp(server.addr, &query(name, qtype));
    Flat {
        message: Message::from_vec(&bytes).unwrap(),
        took: started.elapsed(),
        alias: String::new(),
    }
}

pub fn start(upstreams: &[String], extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = battery_dir(&[("alias.test.zone", ZONE)]);
    let mut args: Vec<&str> = Vec::new();
    for u in upstreams {
        args.extend(["--upstream", u.as_str()]);
    }
    args.extend(extra);
    (Server::start(dir.path(), &args), dir)
}
