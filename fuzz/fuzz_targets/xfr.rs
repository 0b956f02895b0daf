//! Any bytes at the native primary's transfer path over TCP (`Primary::transfer`: RFC 5936 AXFR,
//! RFC 1995 IXFR, RFC 8945 TSIG), against the battery zones with flattened ALIAS sets, one
//! allowed client address and one TSIG key; and any reply to our NOTIFY (RFC 1996,
//! `notify::is_acknowledgement`).
//!
//! Input: byte 0 bit 0 asks for the message to be signed here with the configured key at the
//! current time (so fuzzing reaches the signed path past the time check); bit 1 makes the peer
//! an allowed address; bit 2 instead reads the rest as a NOTIFY reply, bytes 1-2 being the ID
//! sent. The rest is the DNS message, as the TCP listener hands it over (length removed).
#![no_main]

#[path = "../common/battery.rs"]
mod battery;

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use flatapex::alias::{AddressType, FlatSet};
use flatapex::native::FileStore;
use flatapex::native::primary::notify::is_acknowledgement;
use flatapex::native::primary::tsig::parse_key;
use flatapex::native::primary::zone_transfer::query_type;
use flatapex::native::primary::{Primary, Transfers};
use flatapex::xfr::state::owner_key;
use flatapex::zone::ZoneId;
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{RecordType, TSigner};
use libfuzzer_sys::fuzz_target;

/// The key the primary accepts (the seeds are signed with it).
const KEY: &str = "xfr-key:hmac-sha256:ZnV6ei10c2lnLXNlY3JldC1mb3ItZmxhdGFwZXgteGZy";
const ALLOWED: &str = "127.0.0.1";
const OTHER: &str = "192.0.2.53";

struct World {
    primary: Primary,
    key: TSigner,
    runtime: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("flatapex-fuzz-xfr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in battery::ZONES {
            std::fs::write(dir.join(file), text).unwrap();
        }
        let store = Arc::new(FileStore::new(&dir));
        store.reload().unwrap();
        // Flattened sets for every ALIAS, so transfers carry them.
        for zone in store.snapshot().iter() {
            let mut states = store.states();
            let state = states.zones.entry(ZoneId::of(zone.apex())).or_default();
            for (owner, _) in zone.aliases() {
                let set = FlatSet::new(vec!["192.0.2.1".parse().unwrap()], 60, 1, None);
                state.record(&owner_key(&owner), AddressType::A, set, 0);
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let key = parse_key(KEY).unwrap();
        let transfers = Transfers {
            allow: vec![ALLOWED.parse().unwrap()],
            keys: vec![key.clone()],
        };
        World {
            primary: Primary::new(store, None, Vec::new(), transfers),
            key,
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let world = world();
    if mode & 4 != 0 {
        let Some((id, reply)) = rest.split_first_chunk::<2>() else {
            return;
        };
        let id = u16::from_be_bytes(*id);
        if is_acknowledgement(reply, id) {
            assert_eq!(reply[..2], id.to_be_bytes());
        }
        return;
    }
    let query = if mode & 1 != 0 {
        let Ok(mut message) = Message::from_vec(rest) else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        if message.finalize(&world.key, now).is_err() {
            return;
        }
        let Ok(bytes) = message.to_vec() else { return };
        bytes
    } else {
        rest.to_vec()
    };
    let allowed = mode & 2 != 0;
    let peer: IpAddr = if allowed { ALLOWED } else { OTHER }.parse().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let (handled, sent) = world.runtime.block_on(async {
        let transfer = async move {
            let handled = world.primary.transfer(peer, &query, &tx).await;
            drop(tx);
            handled
        };
        let drain = async {
            let mut sent = Vec::new();
            while let Some(message) = rx.recv().await {
                sent.push(message);
            }
            sent
        };
        futures::join!(transfer, drain)
    });
    let query = if mode & 1 != 0 { None } else { Some(rest) };
    if !handled {
        assert!(sent.is_empty());
        return;
    }
    // Only transfer requests are taken, and each gets at least one answer echoing its ID.
    if let Some(raw) = query {
        assert!(matches!(
            query_type(raw),
            Some(RecordType::AXFR | RecordType::IXFR)
        ));
    }
    assert!(!sent.is_empty());
    let first = Message::from_vec(&sent[0]).expect("we send DNS messages");
    for bytes in &sent {
        let message = Message::from_vec(bytes).expect("we send DNS messages");
        assert_eq!(message.metadata.id, first.metadata.id);
        assert_eq!(message.metadata.message_type, MessageType::Response);
    }
    let rcode = first.metadata.response_code;
    if rcode == ResponseCode::NoError && !allowed {
        // From anywhere else, only a valid TSIG transfers, and every message is signed.
        assert!(
            sent.iter()
                .all(|b| Message::from_vec(b).unwrap().signature.is_some())
        );
    }
});
