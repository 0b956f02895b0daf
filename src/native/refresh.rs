//! The refresh job for secondaries: re-resolves every ALIAS when its flattened TTL runs out,
//! and when any flattened set changes, serves a higher SOA serial (RFC 1982) and sends NOTIFY
//! (RFC 1996) to the configured secondaries, retrying until each acknowledges, and saves the
//! state (see `state_file`). A failed resolution keeps the last good records and the serial.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;

use super::state_file;
use super::xfr::Transfers;
use super::{NativeResponder, log, now_ms};
use crate::alias::{AliasKey, Outcome, Source};
use crate::xfr::{Recorded, next_serial};

/// How long a failed resolution waits before it is tried again.
const RETRY_FAILED_MS: u64 = 30_000;

/// NOTIFY attempts per secondary, and the first wait for an answer (doubled each time).
const NOTIFY_ATTEMPTS: u32 = 6;
const NOTIFY_FIRST_WAIT_MS: u64 = 500;

/// (owner, target, ALIAS TTL) of every ALIAS, by zone apex key.
type AliasesByZone = HashMap<Vec<u8>, Vec<(Name, Name, u32)>>;

/// Runs the job forever: a pass every second over every ALIAS that is due.
pub async fn run(
    responder: Arc<NativeResponder>,
    transfers: Arc<Transfers>,
    notify: Vec<SocketAddr>,
) {
    let mut due: HashMap<(Vec<u8>, Name), u64> = HashMap::new();
    // An unchanged set's saved fetch time is renewed once a quarter of the stale window, so
    // a restart can still serve it stale for most of the window (as the edge does).
    let confirm_every_ms = u64::from(responder.flattener.policy.stale_window_seconds) * 1000 / 4;
    // Every ALIAS per zone, listed again only when the zones change, not on every pass (a
    // listing walks every node of the zone).
    let mut listed: Option<(u64, AliasesByZone)> = None;
    loop {
        let generation = transfers.store.generation();
        if listed.as_ref().is_none_or(|(g, _)| *g != generation) {
            let by_zone = transfers
                .store
                .snapshot()
                .iter()
                .map(|zone| {
                    let aliases = zone
                        .aliases()
                        .map(|(owner, alias)| (owner.clone(), alias.target.clone(), alias.ttl))
                        .collect();
                    (zone.apex_key().to_vec(), aliases)
                })
                .collect();
            listed = Some((generation, by_zone));
        }
        // Whether the state file must be written (a set changed or was re-confirmed), and the
        // NOTIFY to send once the new serials are saved: never announce a serial a restart
        // could forget.
        let mut dirty = false;
        let mut announce = Vec::new();
        for zone in transfers.store.snapshot().iter() {
            let now = now_ms();
            let mut changed = false;
            let aliases = listed
                .as_ref()
                .and_then(|(_, by_zone)| by_zone.get(zone.apex_key()))
                .cloned()
                .unwrap_or_default();
            for (owner, target, alias_ttl) in aliases {
                let slot = (zone.apex_key().to_vec(), owner.clone());
                if due.get(&slot).is_some_and(|&at| at > now) {
                    continue;
                }
                let mut next = now + RETRY_FAILED_MS;
                for rtype in [RecordType::A, RecordType::AAAA] {
                    let flat = responder
                        .flatten_target(&target, rtype, alias_ttl, now)
                        .await;
                    match flat.outcome {
                        Outcome::Records { rdatas, ttl } if flat.source != Source::Stale => {
                            let fetched_ms = responder
                                .flattener
                                .cache
                                .peek(&AliasKey::new(&target, rtype))
                                .map_or(now, |entry| entry.fetched_ms);
                            let mut flats =
                                transfers.flats.lock().unwrap_or_else(|e| e.into_inner());
                            let set = flats.entry(zone.apex_key().to_vec()).or_default();
                            match set.record(
                                &owner.to_ascii(),
                                rtype,
                                rdatas,
                                ttl,
                                fetched_ms,
                                confirm_every_ms,
                            ) {
                                Recorded::Changed => (changed, dirty) = (true, true),
                                Recorded::Confirmed => dirty = true,
                                Recorded::Unchanged => {}
                            }
                            next = next.min(now + u64::from(ttl.max(1)) * 1000);
                        }
                        Outcome::Records { .. } | Outcome::Failed { .. } => {
                            log(format!(
                                "refresh of ALIAS {owner} -> {target} {rtype} failed; keeping the last good records"
                            ));
                        }
                    }
                }
                due.insert(slot, next);
            }
            // A change from what transfers carried, including the first addresses ever found
            // for an ALIAS: a secondary that transferred before them must hear of them.
            if changed {
                let serial = next_serial(zone.serial(), zone.serial());
                transfers.store.set_served_serial(zone.apex(), serial);
                log(format!(
                    "flattened ALIAS data of {} changed: serial {serial}",
                    zone.apex()
                ));
                announce.push((zone.apex().clone(), serial));
            }
        }
        if dirty {
            state_file::persist(&transfers);
        }
        for (apex, serial) in announce {
            for secondary in &notify {
                tokio::spawn(send_notify(apex.clone(), serial, *secondary));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Sends NOTIFY for `apex` to `secondary` until it answers (RFC 1996 §3.6: retry with backoff).
pub(super) async fn send_notify(apex: Name, serial: u32, secondary: SocketAddr) {
    let bind = if secondary.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let Ok(socket) = UdpSocket::bind(bind).await else {
        log(format!(
            "NOTIFY of {apex} to {secondary}: cannot open a socket"
        ));
        return;
    };
    let id = (serial as u16) ^ 0x5a5a;
    let mut message = Message::query();
    message.metadata.id = id;
    message.metadata.op_code = OpCode::Notify;
    message.metadata.authoritative = true;
    message.add_query(Query::query(apex.clone(), RecordType::SOA));
    let Ok(bytes) = message.to_vec() else { return };
    let mut wait = NOTIFY_FIRST_WAIT_MS;
    let mut buf = vec![0u8; 1232];
    for attempt in 1..=NOTIFY_ATTEMPTS {
        if socket.send_to(&bytes, secondary).await.is_err() {
            break;
        }
        let reply =
            tokio::time::timeout(Duration::from_millis(wait), socket.recv_from(&mut buf)).await;
        if let Ok(Ok((len, from))) = reply
            && from == secondary
            && let Ok(answer) = Message::from_vec(&buf[..len])
            && answer.metadata.id == id
            && answer.metadata.message_type == MessageType::Response
            && answer.metadata.op_code == OpCode::Notify
        {
            log(format!(
                "NOTIFY of {apex} serial {serial} acknowledged by {secondary} (attempt {attempt})"
            ));
            return;
        }
        wait *= 2;
    }
    log(format!(
        "NOTIFY of {apex} serial {serial} to {secondary}: no acknowledgement after {NOTIFY_ATTEMPTS} attempts"
    ));
}
