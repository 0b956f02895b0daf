//! The APIs over the in-memory repository: each endpoint, each status, and that a refused
//! change changes nothing.

mod alias_status;
mod import_api;
mod pdns_api;
mod records_api;

use serde_json::Value;

use super::handler::{Api, ApiRequest};
use super::keys::KeyRing;
use super::repo::MemoryRepo;
use crate::zone::model::name_key;
use crate::zone::names::text_to_name;

pub const ADMIN: &str = "fapx_admin_0123456789";
pub const ACME: &str = "fapx_acme_01234567890";

const KEYS: &str = r#"{"name":"admin","key":"fapx_admin_0123456789"}
{"name":"acme","key":"fapx_acme_01234567890","zones":["example.com."],"names":["_acme-challenge.*"],"types":["TXT"]}"#;

pub const ZONE: &str = "$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.1
";

/// A repository holding example.com. and the test keys.
pub struct World {
    pub repo: MemoryRepo,
    pub keys: KeyRing,
}

/// One reply: status, JSON body (Null if none), the change-log line.
pub struct Got {
    pub status: u16,
    pub body: Value,
    pub audit: Option<Value>,
    pub content_type: String,
}

impl World {
    pub fn new() -> World {
        let world = World {
            repo: MemoryRepo::default(),
            keys: KeyRing::parse("keys", KEYS).unwrap(),
        };
        let loaded = crate::zone::load_zone(
            "example.com.zone",
            ZONE,
            &text_to_name("example.com.").unwrap(),
            None,
            &crate::zone::NoIncludes,
        )
        .unwrap();
        let committed =
            super::commit::commit(None, super::content::ZoneContent::of_zone(&loaded.zone))
                .unwrap();
        futures::executor::block_on(super::repo::ZoneRepo::update(
            &world.repo,
            loaded.zone.apex(),
            |_| Ok(super::repo::Change::Put(Box::new(committed))),
        ))
        .unwrap();
        world
    }

    pub fn call(&self, method: &str, path: &str, key: Option<&str>, body: &str) -> Got {
        self.call_typed(method, path, key, body, None)
    }

    /// `call` with a `Content-Type`.
    pub fn call_typed(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: &str,
        content_type: Option<&str>,
    ) -> Got {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let bearer = key.map(|k| format!("Bearer {k}"));
        let request = ApiRequest {
            method,
            path,
            query,
            api_key: if path.starts_with("/api") { key } else { None },
            authorization: if path.starts_with("/v1") {
                bearer.as_deref()
            } else {
                None
            },
            accept: None,
            content_type,
            body: body.as_bytes(),
        };
        let api = Api {
            keys: &self.keys,
            repo: &self.repo,
            version: "4.9.0-flatapex",
        };
        let outcome = futures::executor::block_on(api.handle(&request));
        let response = outcome.response;
        Got {
            status: response.status,
            body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            audit: outcome.audit.map(|a| serde_json::from_str(&a).unwrap()),
            content_type: response
                .header("content-type")
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// The zone text stored for `apex`.
    pub fn text(&self, apex: &str) -> Option<String> {
        let key = name_key(&text_to_name(apex).unwrap());
        self.repo.texts.lock().unwrap().get(&key).cloned()
    }

    /// The serial served for example.com.
    pub fn serial(&self) -> u64 {
        let got = self.call(
            "GET",
            "/api/v1/servers/localhost/zones/example.com.?rrsets=false",
            Some(ADMIN),
            "",
        );
        got.body["serial"].as_u64().unwrap()
    }

    /// The contents of one RRset of example.com. (empty if none).
    pub fn rrset(&self, name: &str, rtype: &str) -> (Vec<String>, Option<u64>) {
        let got = self.call(
            "GET",
            "/api/v1/servers/localhost/zones/example.com.",
            Some(ADMIN),
            "",
        );
        assert_eq!(got.status, 200, "{}", got.body);
        for set in got.body["rrsets"].as_array().unwrap() {
            if set["name"] == name && set["type"] == rtype {
                let contents = set["records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["content"].as_str().unwrap().to_string())
                    .collect();
                return (contents, set["ttl"].as_u64());
            }
        }
        (Vec::new(), None)
    }
}
