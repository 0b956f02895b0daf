//! The ALIAS debug TXT (optional, per zone): with `_flatapex-debug TXT "alias"` at a zone's
//! apex, a TXT query for `_alias.<owner>` of any ALIAS owner in that zone answers how the ALIAS
//! is flattened right now, one string per type:
//!
//! ```text
//! _alias.example.com. 0 IN TXT "target=edge.example.net." "A: source=memory ttl=240 addresses=192.0.2.1" ...
//! ```
//!
//! It is off unless the zone asks for it, carries TTL 0, and reveals nothing a client could not
//! learn by asking for the A and AAAA records themselves.

use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::Responder;
use crate::alias::{Flattener, Outcome};
use crate::answer::Answer;
use crate::dnssec::Signer;
use crate::store::ZoneStore;
use crate::zone::Zone;

/// The label that asks for the debug TXT of the ALIAS at the rest of the name.
pub const DEBUG_LABEL: &[u8] = b"_alias";

/// The apex record that turns the debug TXT on.
pub const DEBUG_SWITCH: &str = "_flatapex-debug";

fn enabled(zone: &Zone) -> bool {
    let Ok(switch) = Name::from_ascii(DEBUG_SWITCH).and_then(|n| n.append_domain(zone.apex()))
    else {
        return false;
    };
    zone.node(&switch)
        .and_then(|n| n.rrset(RecordType::TXT))
        .is_some_and(|set| {
            // TXT RDATA is character-strings, each a length octet and its bytes (RFC 1035 §3.3.14).
            set.rdatas().any(|wire| {
                let mut rest = wire;
                while let Some((&len, tail)) = rest.split_first() {
                    let (string, next) = tail.split_at(usize::from(len).min(tail.len()));
                    if string == b"alias" {
                        return true;
                    }
                    rest = next;
                }
                false
            })
        })
}

impl<S: ZoneStore, F: Flattener, G: Signer> Responder<S, F, G> {
    /// The debug TXT answer for `qname` (`_alias.<owner>`), if the zone enables it and the
    /// owner has an ALIAS; `None` means answer normally.
    pub(super) async fn debug_txt(&self, zone: &Zone, qname: &Name, now_ms: u64) -> Option<Answer> {
        let first = qname.iter().next()?;
        if !first.eq_ignore_ascii_case(DEBUG_LABEL) || !enabled(zone) {
            return None;
        }
        let owner = qname.base_name();
        let alias = zone.node(&owner)?.alias()?;
        let mut strings = vec![format!("target={}", alias.target)];
        for rtype in [RecordType::A, RecordType::AAAA] {
            let flat = self
                .flatten_target(&alias.target, rtype, alias.ttl, now_ms)
                .await;
            let mut line = format!("{rtype}: source={}", flat.source.as_str());
            match flat.outcome {
                Outcome::Records { addresses, ttl } => {
                    let list: Vec<String> = addresses.iter().map(|ip| ip.to_string()).collect();
                    line.push_str(&format!(" ttl={ttl} addresses={}", list.join(",")));
                }
                Outcome::Failed { reason } => line.push_str(&format!(" failed: {reason}")),
            }
            if let Some(url) = flat.upstream {
                line.push_str(&format!(" upstream={url}"));
            }
            if let Some(ede) = flat.ede {
                line.push_str(&format!(" ede={}", ede.code));
            }
            strings.push(line.chars().take(255).collect());
        }
        let mut answer = Answer::new(hickory_proto::op::ResponseCode::NoError, true);
        answer.zone = Some(zone.apex().clone());
        answer.answers.push(Record::from_rdata(
            qname.clone(),
            0,
            RData::TXT(TXT::new(strings)),
        ));
        Some(answer)
    }
}
