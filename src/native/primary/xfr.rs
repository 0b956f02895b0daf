//! Zone transfers out over TCP (RFC 5936 AXFR; RFC 1995 IXFR answered with the whole zone, or
//! with the SOA alone when the client is current), each ALIAS replaced by its flattened records,
//! allowed only to configured client addresses or to requests signed with a configured TSIG key
//! (RFC 8945; the response is signed with the same key). Everyone else gets REFUSED.
//!
//! The messages are built on tokio's blocking pool and handed to the connection's writer one at
//! a time, so a transfer of a large zone neither stalls the queries of other clients nor holds
//! the zone in memory twice.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType, TSigner};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use tokio::sync::mpsc;

use super::Primary;
use super::tsig::{ResponseSigner, Verdict, verify};
use crate::native::{log, now_ms};
use crate::xfr::{ZoneState, serial_gt, transfer_messages, zone_records};
use crate::zone::ZoneId;

/// Who may transfer.
#[derive(Clone, Default)]
pub struct Transfers {
    /// Client addresses allowed to transfer.
    pub allow: Vec<IpAddr>,
    /// TSIG keys whose valid signature allows a transfer from anywhere (RFC 8945).
    pub keys: Vec<TSigner>,
}

impl Transfers {
    /// Whether anyone at all may transfer.
    pub fn any(&self) -> bool {
        !self.allow.is_empty() || !self.keys.is_empty()
    }
}

/// The query type of a DNS message, read with hickory's decoder without decoding the rest.
pub fn query_type(query: &[u8]) -> Option<RecordType> {
    let mut decoder = BinDecoder::new(query.get(12..)?);
    Name::read(&mut decoder).ok()?;
    let code = decoder.read_u16().ok()?.unverified();
    Some(RecordType::from(code))
}

/// A response with `rcode` and the question only.
fn refusal(request: &Message, rcode: ResponseCode) -> Vec<u8> {
    let mut m = Message::response(request.metadata.id, OpCode::Query);
    m.metadata.response_code = rcode;
    m.queries = request.queries.clone();
    m.to_vec().unwrap_or_default()
}

impl Primary {
    /// If `query` asks for a zone transfer, sends the response messages to `out` and returns
    /// true; otherwise returns false and sends nothing.
    pub async fn transfer(&self, peer: IpAddr, query: &[u8], out: &mpsc::Sender<Vec<u8>>) -> bool {
        let Some(rtype @ (RecordType::AXFR | RecordType::IXFR)) = query_type(query) else {
            return false;
        };
        let Ok(request) = Message::from_vec(query) else {
            return false;
        };
        let Some(question) = request.queries.first().cloned() else {
            return false;
        };
        let now = now_ms() / 1000;
        let signer = match verify(&request, query, &self.transfers.keys, now) {
            Verdict::Valid(key, mac) => Some(ResponseSigner::new(key, mac, now)),
            Verdict::Invalid(why) => {
                log(format!(
                    "refused {rtype} of {} to {peer}: {why}",
                    question.name()
                ));
                let _ = out.send(refusal(&request, ResponseCode::NotAuth)).await;
                return true;
            }
            Verdict::Unsigned if self.transfers.allow.contains(&peer) => None,
            Verdict::Unsigned => {
                log(format!(
                    "refused {rtype} of {} to {peer}: not an allowed transfer client and no TSIG",
                    question.name()
                ));
                let _ = out.send(refusal(&request, ResponseCode::Refused)).await;
                return true;
            }
        };
        let Some(zone) = self.store.snapshot().get(question.name()).cloned() else {
            let _ = out.send(refusal(&request, ResponseCode::NotAuth)).await;
            return true;
        };
        let id = ZoneId::of(zone.apex());
        let state = self
            .store
            .states()
            .get(&id)
            .cloned()
            .unwrap_or_else(|| ZoneState::new(zone.file_serial()));
        let serial = zone.serial();
        // IXFR (RFC 1995 §2): a client already at our serial gets our SOA alone.
        let theirs = request.authorities.iter().find_map(|r| match &r.data {
            RData::SOA(soa) => Some(soa.serial),
            _ => None,
        });
        let current = rtype == RecordType::IXFR && theirs.is_some_and(|s| !serial_gt(serial, s));
        let tsig = signer
            .as_ref()
            .map(|s| format!(" (TSIG {})", s.key_name()))
            .unwrap_or_default();
        let out = out.clone();
        let message_id = request.metadata.id;
        let counted = Arc::new(AtomicUsize::new(0));
        let count = counted.clone();
        let sent = tokio::task::spawn_blocking(move || {
            let records: Box<dyn Iterator<Item = _>> = if current {
                Box::new(std::iter::once(zone.soa_record()))
            } else {
                Box::new(zone_records(&zone, &state, serial))
            };
            let records = records.inspect(|_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
            let mut signer = signer;
            for message in transfer_messages(message_id, question, records) {
                let message = match &mut signer {
                    Some(signer) => match signer.sign(&message) {
                        Some(signed) => signed,
                        None => return false,
                    },
                    None => message,
                };
                if out.blocking_send(message).is_err() {
                    return false;
                }
            }
            true
        })
        .await
        .unwrap_or(false);
        log(format!(
            "{rtype} of {id} serial {serial} to {peer}{tsig}: {} records{}",
            counted.load(Ordering::Relaxed),
            if sent {
                ""
            } else {
                ", cut short (the client went away)"
            }
        ));
        true
    }
}
