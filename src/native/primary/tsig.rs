//! TSIG (RFC 8945) for zone transfers, over hickory-proto's HMAC: keys from the command line,
//! request verification, and response signing with each message's MAC chained to the last.

use hickory_proto::op::Message;
use hickory_proto::rr::Name;
use hickory_proto::rr::rdata::tsig::{TSIG, TsigAlgorithm, make_tsig_record};
use hickory_proto::rr::{TSigResponseContext, TSigner};

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
    let secret = crate::encoding::base64_decode(secret.as_bytes())
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

/// Signs the response messages of one exchange in turn (RFC 8945 §5.3.1): the first over the
/// request MAC and the full TSIG variables (hickory-proto's response signer); each later one over
/// the MAC before it, the message, and the TSIG timers only, which is what the RFC asks of every
/// message after the first.
pub struct ResponseSigner {
    key: TSigner,
    previous: Vec<u8>,
    now: u64,
    first: bool,
}

impl ResponseSigner {
    /// A signer for the responses to a request signed by `key` with MAC `request_mac`.
    pub fn new(key: TSigner, request_mac: Vec<u8>, now: u64) -> Self {
        ResponseSigner {
            key,
            previous: request_mac,
            now,
            first: true,
        }
    }

    /// The name of the key that signs.
    pub fn key_name(&self) -> &Name {
        self.key.signer_name()
    }

    /// The next message, signed; `None` if it cannot be (it is then not sent).
    pub fn sign(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut message = Message::from_vec(bytes).ok()?;
        let record = if self.first {
            let context = TSigResponseContext::new(
                message.metadata.id,
                self.now,
                self.key.clone(),
                self.previous.clone(),
                None,
            );
            context.sign(bytes).ok()?
        } else {
            let mut tbs = Vec::with_capacity(2 + self.previous.len() + bytes.len() + 8);
            tbs.extend_from_slice(&(self.previous.len() as u16).to_be_bytes());
            tbs.extend_from_slice(&self.previous);
            tbs.extend_from_slice(bytes);
            tbs.extend_from_slice(&self.now.to_be_bytes()[2..]); // Time Signed: 48 bits
            tbs.extend_from_slice(&self.key.fudge().to_be_bytes());
            let mac = self.key.sign(&tbs).ok()?;
            let tsig = TSIG::new(
                self.key.algorithm().clone(),
                self.now,
                self.key.fudge(),
                mac,
                message.metadata.id,
                None,
                Vec::new(),
            );
            Box::new(make_tsig_record(self.key.signer_name().clone(), tsig))
        };
        self.first = false;
        self.previous = record.data.mac.clone();
        message.signature = Some(record);
        message.to_vec().ok()
    }
}
