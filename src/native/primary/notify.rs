//! NOTIFY (RFC 1996): tells a secondary that a zone's serial changed, retrying with backoff
//! until it answers (§3.6). Message IDs are random, so an off-path attacker cannot forge the
//! acknowledgement.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;

use crate::native::log;

/// Attempts per secondary, and the first wait for an answer (doubled each time).
const NOTIFY_ATTEMPTS: u32 = 6;
const NOTIFY_FIRST_WAIT_MS: u64 = 500;

/// A random 16-bit message ID from the OS generator. There is no predictable fallback: without
/// randomness, no NOTIFY is sent (the secondaries still refresh on their SOA timers).
fn random_id() -> Result<u16, getrandom::Error> {
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes)?;
    Ok(u16::from_be_bytes(bytes))
}

/// The NOTIFY message for `apex` with ID `id` (RFC 1996 §3.1: opcode NOTIFY, AA, the SOA).
pub fn notify_message(apex: &Name, id: u16) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = id;
    message.metadata.op_code = OpCode::Notify;
    message.metadata.authoritative = true;
    message.add_query(Query::query(apex.clone(), RecordType::SOA));
    message.to_vec().unwrap_or_default()
}

/// Whether `reply` (any bytes from the secondary's address) acknowledges our NOTIFY with ID `id`
/// (RFC 1996 §4: a response with opcode NOTIFY and the same ID).
pub fn is_acknowledgement(reply: &[u8], id: u16) -> bool {
    Message::from_vec(reply).is_ok_and(|answer| {
        answer.metadata.id == id
            && answer.metadata.message_type == MessageType::Response
            && answer.metadata.op_code == OpCode::Notify
    })
}

/// Sends NOTIFY for `apex` at `serial` to `secondary` until it answers.
pub async fn send_notify(apex: Name, serial: u32, secondary: SocketAddr) {
    let bind = if secondary.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = match UdpSocket::bind(bind).await {
        Ok(socket) => socket,
        Err(e) => {
            log(format!(
                "NOTIFY of {apex} to {secondary}: cannot open a socket on {bind}: {e}"
            ));
            return;
        }
    };
    let id = match random_id() {
        Ok(id) => id,
        Err(e) => {
            log(format!(
                "NOTIFY of {apex} to {secondary} not sent: the OS random generator failed: {e}"
            ));
            return;
        }
    };
    let bytes = notify_message(&apex, id);
    let mut wait = NOTIFY_FIRST_WAIT_MS;
    let mut buf = vec![0u8; 1232];
    for attempt in 1..=NOTIFY_ATTEMPTS {
        if let Err(e) = socket.send_to(&bytes, secondary).await {
            log(format!("NOTIFY of {apex} to {secondary}: {e}"));
            break;
        }
        let reply =
            tokio::time::timeout(Duration::from_millis(wait), socket.recv_from(&mut buf)).await;
        if let Ok(Ok((len, from))) = reply
            && from == secondary
            && is_acknowledgement(&buf[..len], id)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_the_message_is_a_notify_for_the_soa() {
        let ids: std::collections::HashSet<u16> = (0..64).map(|_| random_id().unwrap()).collect();
        assert!(ids.len() > 50, "{} distinct of 64", ids.len());
        let apex = Name::from_ascii("sec.test.").unwrap();
        let m = Message::from_vec(&notify_message(&apex, 7)).unwrap();
        assert_eq!(
            (m.metadata.id, m.metadata.op_code, m.metadata.authoritative),
            (7, OpCode::Notify, true)
        );
        assert_eq!(m.queries[0].query_type(), RecordType::SOA);
        assert!(
            !is_acknowledgement(&notify_message(&apex, 7), 7),
            "a query is no answer"
        );
        let mut ack = m.clone();
        ack.metadata.message_type = MessageType::Response;
        let ack = ack.to_vec().unwrap();
        assert!(is_acknowledgement(&ack, 7));
        assert!(!is_acknowledgement(&ack, 8), "another ID");
        assert!(!is_acknowledgement(&ack[..11], 7), "a short header");
    }
}
