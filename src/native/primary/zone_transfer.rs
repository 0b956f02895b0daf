//! Zone transfers out over TCP (RFC 5936 AXFR; RFC 1995 IXFR answered with the whole zone, or
//! with the SOA alone when the client is current), each ALIAS replaced by its flattened records,
//! allowed only to configured client addresses or to requests signed with a configured TSIG key
//! (RFC 8945; the response is signed with the same key). A DNSSEC-signed zone goes out unsigned
//! with its DNSKEYs, for a secondary that signs its own copy (RFC 8901). Everyone else gets REFUSED, and the
//! log says so at most a few times every ten seconds (`native::log_throttle`).
//!
//! The messages are built one at a time and handed to the connection's writer, and the task
//! yields to the runtime after each, so a transfer of a large zone neither stalls the queries of
//! other clients (each waits at most for one message of about 16 KiB to be built) nor holds the
//! zone in memory twice.

use std::net::IpAddr;

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType, TSigner};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use tokio::sync::mpsc;

use super::Primary;
use super::tsig::{ResponseSigner, Verdict, verify};
use crate::dnssec::keys::apex_dnskeys;
use crate::native::{log, log_throttled, now_ms};
use crate::xfr::transfer::TransferFramer;
use crate::xfr::{ZoneState, serial_gt, zone_records};
use crate::zone::ZoneId;

/// Records packed between two yields to the runtime.
const YIELD_EVERY: usize = 64;

/// Signs (with TSIG) and sends the messages of one transfer; `sent` turns false for good once
/// one could not be signed or the client went away.
struct Sender<'a> {
    out: &'a mpsc::Sender<Vec<u8>>,
    signer: Option<ResponseSigner>,
    sent: bool,
}

impl Sender<'_> {
    async fn send(&mut self, message: Vec<u8>) -> bool {
        let message = match &mut self.signer {
            Some(signer) => signer.sign(&message),
            None => Some(message),
        };
        self.sent = match message {
            Some(message) => self.out.send(message).await.is_ok(),
            None => false,
        };
        self.sent
    }
}

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
        let signer = match self.authorize(peer, rtype, &request, query) {
            Ok(signer) => signer,
            Err(rcode) => {
                let _ = out.send(refusal(&request, rcode)).await;
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
        let records: Box<dyn Iterator<Item = _> + Send> = if current {
            Box::new(std::iter::once(zone.soa_record()))
        } else {
            Box::new(zone_records(&zone, &state, serial))
        };
        let mut sender = Sender {
            out,
            signer,
            sent: true,
        };
        let framer = TransferFramer::new(request.metadata.id, question);
        let count = stream(records, framer, &mut sender).await;
        let cut = if sender.sent {
            ""
        } else {
            ", cut short (the client went away)"
        };
        // A signed zone travels unsigned, DNSKEY included: the secondary signs its own copy
        // with its own key (RFC 8901 multi-signer; docs/ARCHITECTURE.md, "DNSSEC").
        let signed = if apex_dnskeys(&zone).is_empty() {
            ""
        } else {
            "; the zone publishes a DNSKEY, so the secondary must sign it with its own key (RFC 8901)"
        };
        log(format!(
            "{rtype} of {id} serial {serial} to {peer}{tsig}: {count} records{cut}{signed}"
        ));
        true
    }

    /// Who may have this transfer: an allowed address, or a valid TSIG (whose key then signs
    /// the response); otherwise the rcode to refuse with, logged.
    fn authorize(
        &self,
        peer: IpAddr,
        rtype: RecordType,
        request: &Message,
        query: &[u8],
    ) -> Result<Option<ResponseSigner>, ResponseCode> {
        let now = now_ms() / 1000;
        let zone = request
            .queries
            .first()
            .map(|q| q.name().to_string())
            .unwrap_or_default();
        match verify(request, query, &self.transfers.keys, now) {
            Verdict::Valid(key, mac) => Ok(Some(ResponseSigner::new(key, mac, now))),
            Verdict::Invalid(why) => {
                log_throttled("transfer refused", || {
                    format!("refused {rtype} of {zone} to {peer}: {why}")
                });
                Err(ResponseCode::NotAuth)
            }
            Verdict::Unsigned if self.transfers.allow.contains(&peer) => Ok(None),
            Verdict::Unsigned => {
                log_throttled("transfer refused", || {
                    format!(
                        "refused {rtype} of {zone} to {peer}: not an allowed transfer client and no TSIG"
                    )
                });
                Err(ResponseCode::Refused)
            }
        }
    }
}

/// Packs `records` into messages and sends them, yielding to the runtime every
/// [`YIELD_EVERY`] records, so that a query waits at most for a few dozen records to be
/// packed; returns how many records it packed.
async fn stream(
    records: impl Iterator<Item = hickory_proto::rr::Record>,
    mut framer: TransferFramer,
    sender: &mut Sender<'_>,
) -> usize {
    let mut count = 0usize;
    for record in records {
        count += 1;
        if let Some(message) = framer.push(record)
            && !sender.send(message).await
        {
            return count;
        }
        if count.is_multiple_of(YIELD_EVERY) {
            tokio::task::yield_now().await;
        }
    }
    sender.send(framer.finish()).await;
    count
}
