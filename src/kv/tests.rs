use std::cell::Cell;
use std::str::FromStr;
use std::sync::Arc;

use futures::executor::block_on;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RecordType};

use super::codec::decode_zone;
use super::*;
use crate::store::ZoneStore;
use crate::zone::{NoIncludes, Zone, load_zone};

const ZONE: &str = "\
$ORIGIN kv.test.
$TTL 300
@ SOA ns1 host 1 3600 600 86400 60
@ NS ns1
@ MX 10 mail
@ ALIAS edge.cdn.test.
ns1 A 192.0.2.1
mail A 192.0.2.2
www CNAME web.deep
web.deep A 192.0.2.3
* TXT \"wild\"
";

fn zone(text: &str) -> Zone {
    let origin = Name::from_str("kv.test.").unwrap();
    load_zone("kv.test.zone", text, &origin, None, &NoIncludes)
        .unwrap()
        .zone
}

fn name(s: &str) -> Name {
    Name::from_str(s).unwrap()
}

/// Counts reads, so tests can tell when the store went to KV.
#[derive(Default)]
struct Counting {
    kv: MemoryKv,
    reads: Cell<usize>,
    fail: Cell<bool>,
}

impl KvBackend for Counting {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.reads.set(self.reads.get() + 1);
        if self.fail.get() {
            return Err(KvError("KV is unreachable".into()));
        }
        self.kv.get(key).await
    }
}

fn lookup(
    zones: &KvZones,
    kv: &Counting,
    now: u64,
    qname: &str,
) -> Result<Option<Arc<Zone>>, String> {
    block_on(zones.with(kv, now).zone_for(&name(qname))).map_err(|e| e.to_string())
}

#[test]
fn a_stored_zone_decodes_to_the_same_nodes() {
    let original = zone(ZONE);
    let stored = store_zone(&original, DEFAULT_SHARD_BYTES).unwrap();
    assert_eq!(stored.entry.shards, 1);
    assert_eq!(stored.entry.records, original.record_count() as u64);
    let decoded = decode_zone(&stored.values[0].1).unwrap();
    assert_eq!(decoded.record_count(), original.record_count());
    for node in original.nodes() {
        assert_eq!(decoded.node(&node.name()), Some(node), "{}", node.name());
    }
    // Equal zones get equal versions; a changed zone a new one.
    assert_eq!(
        store_zone(&zone(ZONE), DEFAULT_SHARD_BYTES).unwrap().entry,
        stored.entry
    );
    let changed = store_zone(&zone(&ZONE.replace("192.0.2.3", "192.0.2.4")), 1 << 20).unwrap();
    assert_ne!(changed.entry.version, stored.entry.version);
}

/// A value as versions before the packed zone model wrote it (format 1): each node encoded
/// with hickory-proto, names compressed within the node.
fn format_1_value(zone: &Zone) -> Vec<u8> {
    use hickory_proto::serialize::binary::{BinEncodable, BinEncoder};
    let apex_key = zone.apex_key().to_vec();
    let mut nodes: Vec<_> = zone
        .nodes()
        .filter(|n| !n.is_empty_non_terminal())
        .collect();
    nodes.sort_by_key(|n| (n.key() != apex_key, n.key()));
    let mut out = b"FAXZ\x01".to_vec();
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&(nodes.len() as u32).to_be_bytes());
    for node in nodes {
        let mut block = Vec::new();
        let mut enc = BinEncoder::new(&mut block);
        node.name().emit(&mut enc).unwrap();
        match node.alias() {
            Some(alias) => {
                enc.emit_u8(1).unwrap();
                enc.emit_u32(alias.ttl).unwrap();
                alias.target.emit(&mut enc).unwrap();
            }
            None => enc.emit_u8(0).unwrap(),
        }
        let sets: Vec<_> = node.rrsets().collect();
        enc.emit_u16(sets.len() as u16).unwrap();
        for set in sets {
            enc.emit_u16(u16::from(set.rtype)).unwrap();
            enc.emit_u32(set.ttl).unwrap();
            enc.emit_u16(set.len() as u16).unwrap();
            for wire in set.rdatas() {
                let rdata = crate::zone::node::decode_rdata(set.rtype, wire).unwrap();
                let place = enc.place::<u16>().unwrap();
                rdata.emit(&mut enc).unwrap();
                let len = enc.len_since_place(&place) as u16;
                enc.emit_at(place, len).unwrap();
            }
        }
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        out.extend_from_slice(&block);
    }
    out
}

#[test]
fn values_pushed_by_earlier_versions_still_load() {
    let original = zone(ZONE);
    let old = format_1_value(&original);
    assert_eq!(old[4], 1);
    let decoded = decode_zone(&old).unwrap();
    assert_eq!(decoded.record_count(), original.record_count());
    for node in original.nodes() {
        assert_eq!(decoded.node(&node.name()), Some(node), "{}", node.name());
    }
}

#[test]
fn corrupt_values_are_errors_never_panics() {
    let bytes = store_zone(&zone(ZONE), DEFAULT_SHARD_BYTES).unwrap().values[0]
        .1
        .clone();
    for len in 0..bytes.len() {
        assert!(
            decode_zone(&bytes[..len]).is_err(),
            "a {len}-byte prefix decoded"
        );
    }
    for at in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0xff;
        let _ = decode_zone(&flipped);
    }
    assert!(
        decode_zone(b"{\"format\":1}")
            .unwrap_err()
            .0
            .contains("magic")
    );
}

/// Found by the `kv_shard` fuzz target: a value holding one node twice decoded, counting the
/// second node's records but serving only the first's, so the zone was not what it claimed.
#[test]
fn a_value_that_holds_a_node_twice_is_corrupt() {
    let zone = zone(ZONE);
    let ns1 = zone.node(&name("ns1.kv.test.")).unwrap();
    let apex = zone.node(&name("kv.test.")).unwrap();
    let shard = crate::zone::Shard { index: 0, count: 1 };
    let twice = codec::encode_nodes([apex, ns1, ns1], shard);
    let error = decode_zone(&twice).unwrap_err().to_string();
    assert!(error.contains("node ns1.kv.test. comes twice"), "{error}");
    // The same name in another case is the same node (RFC 4343 §3).
    let mut upper = twice.clone();
    let at = upper.windows(4).rposition(|w| w == b"\x03ns1").unwrap();
    upper[at + 1..at + 4].copy_from_slice(b"NS1");
    assert!(decode_zone(&upper).is_err());
    assert!(decode_zone(&codec::encode_nodes([apex, ns1], shard)).is_ok());
}

#[test]
fn a_large_zone_is_sharded_and_every_shard_answers_like_the_whole() {
    let mut text = String::from(ZONE);
    for i in 0..5000 {
        text.push_str(&format!(
            "host{i} A 198.51.{}.{}\nsub{i}.x{} TXT \"t{i}\"\n",
            i / 250,
            i % 250,
            i % 40
        ));
    }
    let whole = zone(&text);
    let stored = store_zone(&whole, 16 * 1024).unwrap();
    assert!(stored.entry.shards > 8, "{} shards", stored.entry.shards);
    assert!(stored.values.iter().all(|(_, v)| v.len() < 64 * 1024));
    let kv = Counting::default();
    kv.kv.publish(std::slice::from_ref(&stored));
    let zones = KvZones::new(KvSettings::default());
    for (qname, qtype) in [
        ("kv.test.", RecordType::MX),
        ("kv.test.", RecordType::SOA),
        ("host17.kv.test.", RecordType::A),
        ("sub9.x9.kv.test.", RecordType::TXT),
        ("x9.kv.test.", RecordType::TXT),
        ("nope.x9.kv.test.", RecordType::TXT),
        ("missing.kv.test.", RecordType::TXT),
        ("www.kv.test.", RecordType::A),
    ] {
        let shard = lookup(&zones, &kv, 0, qname).unwrap().unwrap();
        assert!(shard.shard().is_some());
        let got = shard.lookup(&name(qname), qtype);
        let want = whole.lookup(&name(qname), qtype);
        assert_eq!(got.rcode, want.rcode, "{qname} {qtype}");
        // A CNAME into another subtree continues in the responder, through the store.
        if qname.starts_with("www") {
            assert!(got.answers.len() <= want.answers.len());
            continue;
        }
        assert_eq!(got.answers, want.answers, "{qname} {qtype}");
        assert_eq!(got.authorities, want.authorities, "{qname} {qtype}");
        assert_eq!(got.additionals, want.additionals, "{qname} {qtype}");
    }
    assert_eq!(zones.status()[0].shards, Some(stored.entry.shards));
}

#[test]
fn a_sharded_zone_lists_every_alias_from_the_index() {
    let mut text = String::from(ZONE);
    for i in 0..3000 {
        text.push_str(&format!("host{i} A 198.51.{}.{}\n", i / 250, i % 250));
        text.push_str(&format!("a{i} ALIAS t{i}.cdn.test.\n"));
    }
    let whole = zone(&text);
    let stored = store_zone(&whole, 16 * 1024).unwrap();
    assert!(stored.entry.shards > 2, "{} shards", stored.entry.shards);
    let kv = Counting::default();
    kv.kv.publish(std::slice::from_ref(&stored));
    let zones = KvZones::new(KvSettings::default());
    let apex = lookup(&zones, &kv, 0, "kv.test.").unwrap().unwrap();
    assert!(
        apex.alias_count() < whole.alias_count(),
        "a shard holds some"
    );
    let listed = block_on(zones.with(&kv, 0).aliases_of(&apex)).unwrap();
    let mut owners: Vec<String> = listed.iter().map(|(o, _)| o.to_string()).collect();
    let mut want: Vec<String> = whole.aliases().map(|(o, _)| o.to_string()).collect();
    owners.sort();
    want.sort();
    assert_eq!(owners, want);
}

#[test]
fn one_read_per_cold_shard_and_none_while_warm() {
    let kv = Counting::default();
    kv.kv
        .publish(&[store_zone(&zone(ZONE), DEFAULT_SHARD_BYTES).unwrap()]);
    let zones = KvZones::new(KvSettings::default());
    assert!(lookup(&zones, &kv, 0, "www.kv.test.").unwrap().is_some());
    assert_eq!(kv.reads.get(), 2, "index + the one shard");
    assert!(
        lookup(&zones, &kv, 29_999, "mail.kv.test.")
            .unwrap()
            .is_some()
    );
    assert_eq!(kv.reads.get(), 2, "warm: no reads");
    assert!(lookup(&zones, &kv, 30_000, "kv.test.").unwrap().is_some());
    assert_eq!(
        kv.reads.get(),
        3,
        "the index is re-read after 30 s; the shard is unchanged"
    );
    assert!(
        lookup(&zones, &kv, 30_000, "example.org.")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_new_version_is_served_after_the_recheck_interval() {
    let kv = Counting::default();
    kv.kv
        .publish(&[store_zone(&zone(ZONE), DEFAULT_SHARD_BYTES).unwrap()]);
    let zones = KvZones::new(KvSettings::default());
    let serial = |now| {
        lookup(&zones, &kv, now, "kv.test.")
            .unwrap()
            .unwrap()
            .serial()
    };
    assert_eq!(serial(0), 1);
    kv.kv.publish(&[store_zone(
        &zone(&ZONE.replace("host 1 ", "host 2 ")),
        DEFAULT_SHARD_BYTES,
    )
    .unwrap()]);
    assert_eq!(serial(10_000), 1, "still within the recheck interval");
    assert_eq!(serial(30_000), 2);
    assert!(
        zones
            .take_events()
            .iter()
            .any(|e| e.contains("kv.test.@2-"))
    );
}

#[test]
fn corruption_keeps_the_last_good_copy() {
    let kv = Counting::default();
    kv.kv
        .publish(&[store_zone(&zone(ZONE), DEFAULT_SHARD_BYTES).unwrap()]);
    let zones = KvZones::new(KvSettings::default());
    assert_eq!(
        lookup(&zones, &kv, 0, "kv.test.")
            .unwrap()
            .unwrap()
            .serial(),
        1
    );

    // A new version whose value is garbage: the old copy stays in service.
    let next = store_zone(
        &zone(&ZONE.replace("host 1 ", "host 2 ")),
        DEFAULT_SHARD_BYTES,
    )
    .unwrap();
    kv.kv.publish(std::slice::from_ref(&next));
    kv.kv.put(&next.values[0].0, b"garbage".to_vec());
    assert_eq!(
        lookup(&zones, &kv, 30_000, "kv.test.")
            .unwrap()
            .unwrap()
            .serial(),
        1
    );
    let events = zones.take_events().join("\n");
    assert!(
        events.contains("corrupt") && events.contains("last good"),
        "{events}"
    );
    // ... and the bad value is not re-read on every query.
    let reads = kv.reads.get();
    assert_eq!(
        lookup(&zones, &kv, 31_000, "kv.test.")
            .unwrap()
            .unwrap()
            .serial(),
        1
    );
    assert_eq!(kv.reads.get(), reads);

    // A corrupt index, or KV failing, keeps the last good index.
    kv.kv.put(INDEX_KEY, b"{not json".to_vec());
    assert!(lookup(&zones, &kv, 60_000, "kv.test.").unwrap().is_some());
    assert!(zones.problem().unwrap().contains("not valid JSON"));
    kv.fail.set(true);
    assert!(lookup(&zones, &kv, 90_000, "kv.test.").unwrap().is_some());

    // With no good copy at all, the store fails (SERVFAIL upstream of here), naming the cause.
    let fresh = KvZones::new(KvSettings::default());
    kv.fail.set(false);
    kv.kv.publish(std::slice::from_ref(&next));
    kv.kv.put(&next.values[0].0, b"garbage".to_vec());
    let err = lookup(&fresh, &kv, 0, "kv.test.").unwrap_err();
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn a_responder_over_kv_answers_servfail_with_ede_when_nothing_is_readable() {
    use crate::alias::NoUpstreams;
    use crate::respond::Responder;
    let kv = Counting::default();
    kv.fail.set(true);
    let zones = KvZones::new(KvSettings::default());
    let responder = Responder::new(zones.with(&kv, 0), NoUpstreams, std::sync::Arc::default());
    let mut message = hickory_proto::op::Message::query();
    message.add_query(hickory_proto::op::Query::query(
        name("kv.test."),
        RecordType::A,
    ));
    let query = message.to_vec().unwrap();
    let response =
        block_on(responder.respond(&query, crate::message::Transport::Https, 0)).unwrap();
    let message = hickory_proto::op::Message::from_vec(&response.framed.bytes).unwrap();
    assert_eq!(message.metadata.response_code, ResponseCode::ServFail);
    assert!(response.info.ede.unwrap().text.contains("unreachable"));
}
