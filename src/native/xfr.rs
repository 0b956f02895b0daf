//! Zone transfers out over TCP (RFC 5936 AXFR; RFC 1995 IXFR answered with the whole zone, or
//! with the SOA alone when the client is current), each ALIAS replaced by its flattened records,
//! allowed only to configured client addresses or to requests signed with a configured TSIG key
//! (RFC 8945; the response is signed with the same key). Everyone else gets REFUSED.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

use super::file_store::FileStore;
use super::tsig::{Verdict, sign_all, verify};
use super::{log, now_ms};
use crate::xfr::{FlatRecords, serial_gt, transfer_messages, zone_records};
use hickory_proto::rr::TSigner;

/// Transfer state shared by the TCP listener and the refresh job.
pub struct Transfers {
    /// The zones.
    pub store: Arc<FileStore>,
    /// Client addresses allowed to transfer.
    pub allow: Vec<IpAddr>,
    /// TSIG keys whose valid signature allows a transfer from anywhere (RFC 8945).
    pub keys: Vec<TSigner>,
    /// The flattened ALIAS sets per zone (by apex key), as last resolved.
    pub flats: Mutex<HashMap<Vec<u8>, FlatRecords>>,
    /// Where the served serials and flattened sets are saved across restarts, if anywhere.
    pub state_path: Option<std::path::PathBuf>,
}

/// The query type of a DNS message, read with hickory's decoder without decoding the rest.
pub fn query_type(query: &[u8]) -> Option<RecordType> {
    let mut decoder = BinDecoder::new(query.get(12..)?);
    Name::read(&mut decoder).ok()?;
    let code = decoder.read_u16().ok()?.unverified();
    Some(RecordType::from(code))
}

impl Transfers {
    /// Transfer state for `store`, allowing the addresses `allow` and the TSIG `keys`.
    pub fn new(store: Arc<FileStore>, allow: Vec<IpAddr>, keys: Vec<TSigner>) -> Self {
        Transfers {
            store,
            allow,
            keys,
            flats: Mutex::new(HashMap::new()),
            state_path: None,
        }
    }

    /// The response messages for a transfer query from `peer`; `None` if `query` is not one.
    pub fn answer(&self, peer: IpAddr, query: &[u8]) -> Option<Vec<Vec<u8>>> {
        let rtype = query_type(query)?;
        if !matches!(rtype, RecordType::AXFR | RecordType::IXFR) {
            return None;
        }
        let request = Message::from_vec(query).ok()?;
        let question = request.queries.first()?.clone();
        let refuse = |rcode: ResponseCode| {
            let mut m = Message::response(request.metadata.id, OpCode::Query);
            m.metadata.response_code = rcode;
            m.add_query(question.clone());
            vec![m.to_vec().unwrap_or_default()]
        };
        let now = now_ms() / 1000;
        let signer = match verify(&request, query, &self.keys, now) {
            Verdict::Valid(key, mac) => Some((key, mac)),
            Verdict::Invalid(why) => {
                log(format!(
                    "refused {rtype} of {} to {peer}: {why}",
                    question.name()
                ));
                return Some(refuse(ResponseCode::NotAuth));
            }
            Verdict::Unsigned if self.allow.contains(&peer) => None,
            Verdict::Unsigned => {
                log(format!(
                    "refused {rtype} of {} to {peer}: not an allowed transfer client and no TSIG",
                    question.name()
                ));
                return Some(refuse(ResponseCode::Refused));
            }
        };
        let sign = |messages: Vec<Vec<u8>>| match &signer {
            Some((key, mac)) => sign_all(messages, key, mac.clone(), now),
            None => messages,
        };
        let snapshot = self.store.snapshot();
        let Some(zone) = snapshot.get(question.name()).cloned() else {
            return Some(refuse(ResponseCode::NotAuth));
        };
        // IXFR (RFC 1995 §2): a client already at our serial gets our SOA alone.
        if rtype == RecordType::IXFR {
            let theirs = request.authorities.iter().find_map(|r| match &r.data {
                RData::SOA(soa) => Some(soa.serial),
                _ => None,
            });
            if theirs.is_some_and(|s| !serial_gt(zone.serial(), s)) {
                let mut m = Message::response(request.metadata.id, OpCode::Query);
                m.metadata.authoritative = true;
                m.add_query(question.clone());
                m.answers.push(zone.soa_record());
                return Some(sign(vec![m.to_vec().unwrap_or_default()]));
            }
        }
        let flats = self.flats.lock().unwrap_or_else(|e| e.into_inner());
        let flat = flats.get(zone.apex_key()).cloned().unwrap_or_default();
        drop(flats);
        let records = zone_records(&zone, &flat, zone.serial());
        log(format!(
            "{rtype} of {} serial {} to {peer}{}: {} records",
            zone.apex(),
            zone.serial(),
            signer
                .as_ref()
                .map(|(k, _)| format!(" (TSIG {})", k.signer_name()))
                .unwrap_or_default(),
            records.len()
        ));
        Some(sign(transfer_messages(
            request.metadata.id,
            &question,
            records,
        )))
    }
}
