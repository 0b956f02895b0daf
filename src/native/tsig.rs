//! TSIG (RFC 8945) for zone transfers, over hickory-proto's HMAC: keys from the command line,
//! request verification, and response signing with each message's MAC chained to the last.

use hickory_proto::op::Message;
use hickory_proto::rr::Name;
use hickory_proto::rr::rdata::tsig::{TSIG, TsigAlgorithm, make_tsig_record};
use hickory_proto::rr::{TSigResponseContext, TSigner};

use base64::Engine;

/// The allowed clock difference between client and server, in seconds (RFC 8945 §10).
const FUDGE: u16 = 300;

/// Parses `NAME:ALGORITHM:BASE64-SECRET` (e.g. `xfr-key:hmac-sha256:c2VjcmV0...`).
pub fn parse_key(spec: &str) -> Result<TSigner, String> {
    let mut parts = spec.splitn(3, ':');
    let (Some(name), Some(algorithm), Some(secret)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "TSIG key {spec:?} is not NAME:ALGORITHM:BASE64-SECRET"
        ));
    };
    let name = Name::from_ascii(name).map_err(|e| format!("TSIG key name {name:?}: {e}"))?;
    let algorithm = TsigAlgorithm::from_name(
        Name::from_ascii(algorithm).map_err(|e| format!("TSIG algorithm {algorithm:?}: {e}"))?,
    );
    if !algorithm.supported() {
        return Err(format!(
            "TSIG algorithm {algorithm:?} is not supported (use hmac-sha256, hmac-sha384 or hmac-sha512)"
        ));
    }
    let secret = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .map_err(|e| format!("TSIG secret of {name} is not base64: {e}"))?;
    TSigner::new(secret, algorithm, name, FUDGE).map_err(|e| e.to_string())
}

/// What the TSIG on a request says.
pub enum Verdict {
    /// No TSIG.
    Unsigned,
    /// A valid TSIG by this key, with the request MAC to chain the response to.
    Valid(TSigner, Vec<u8>),
    /// A TSIG that does not verify (unknown key, bad MAC or time): refuse.
    Invalid(String),
}

/// Verifies the TSIG of `request` (its wire bytes `bytes`) against `keys` at `now` (seconds).
pub fn verify(request: &Message, bytes: &[u8], keys: &[TSigner], now: u64) -> Verdict {
    let Some(tsig) = &request.signature else {
        return Verdict::Unsigned;
    };
    let Some(key) = keys.iter().find(|k| k.signer_name() == &tsig.name) else {
        return Verdict::Invalid(format!("unknown TSIG key {}", tsig.name));
    };
    match key.verify_message_byte(bytes, None, true) {
        Ok((mac, _, window)) if window.contains(&now) => Verdict::Valid(key.clone(), mac),
        Ok(_) => Verdict::Invalid("TSIG time is outside the allowed window".into()),
        Err(e) => Verdict::Invalid(format!("TSIG does not verify: {e}")),
    }
}

/// Signs each response message in turn (RFC 8945 §5.3.1): the first over the request MAC and
/// the full TSIG variables (hickory-proto's response signer); each later one over the MAC
/// before it, the message, and the TSIG timers only, which is what the RFC asks of every
/// message after the first.
pub fn sign_all(
    messages: Vec<Vec<u8>>,
    key: &TSigner,
    request_mac: Vec<u8>,
    now: u64,
) -> Vec<Vec<u8>> {
    let mut previous = request_mac;
    let mut out = Vec::with_capacity(messages.len());
    for (i, bytes) in messages.into_iter().enumerate() {
        let Ok(mut message) = Message::from_vec(&bytes) else {
            continue;
        };
        let record = if i == 0 {
            let context = TSigResponseContext::new(
                message.metadata.id,
                now,
                key.clone(),
                previous.clone(),
                None,
            );
            match context.sign(&bytes) {
                Ok(record) => record,
                Err(_) => continue,
            }
        } else {
            let mut tbs = Vec::with_capacity(2 + previous.len() + bytes.len() + 8);
            tbs.extend_from_slice(&(previous.len() as u16).to_be_bytes());
            tbs.extend_from_slice(&previous);
            tbs.extend_from_slice(&bytes);
            tbs.extend_from_slice(&now.to_be_bytes()[2..]); // Time Signed: 48 bits
            tbs.extend_from_slice(&key.fudge().to_be_bytes());
            let Ok(mac) = key.sign(&tbs) else { continue };
            let tsig = TSIG::new(
                key.algorithm().clone(),
                now,
                key.fudge(),
                mac,
                message.metadata.id,
                None,
                Vec::new(),
            );
            Box::new(make_tsig_record(key.signer_name().clone(), tsig))
        };
        previous = record.data.mac.clone();
        message.signature = Some(record);
        if let Ok(signed) = message.to_vec() {
            out.push(signed);
        }
    }
    out
}
