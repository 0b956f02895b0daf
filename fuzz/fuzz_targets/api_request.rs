//! Any request to the zone and record APIs (`api::Api::handle`) with the admin key, over an
//! in-memory repository holding example.com.: JSON bodies of every shape, contents read by the
//! zone reader, record ids. Whatever comes in, a refused request changes nothing, every answer
//! is JSON, and the stored zone always loads again as `flatapex check` would load it.
//!
//! Input: byte 0 picks the method (`% 5`) and the path (`/ 5 % 7`); the rest is the body (with
//! the path's `{id}` taken from the body's first line for the record paths).
#![no_main]

use std::sync::OnceLock;

use flatapex::api::content::ZoneContent;
use flatapex::api::{Api, ApiRequest, KeyRing, MemoryRepo};
use flatapex::zone::names::text_to_name;
use flatapex::zone::{NoIncludes, load_zone};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fapx_fuzz_0123456789abcdef";
const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];
const PATHS: [&str; 7] = [
    "/api/v1/servers/localhost/zones",
    "/api/v1/servers/localhost/zones/example.com.",
    "/api/v1/servers/localhost/zones/example.com./export",
    "/v1/zones/example.com/records",
    "/v1/zones/example.com/records/",
    "/api/v1/servers/localhost/zones/example.com./notify",
    "/api/v1/servers/localhost/zones/example.com./import",
];
const ZONE: &str = "$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 10 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.1
@ 300 IN ALIAS www
";

struct World {
    keys: KeyRing,
    repo: MemoryRepo,
}

/// Creates example.com. through the API, as a client would.
fn create_zone(keys: &KeyRing, repo: &MemoryRepo) {
    let api = Api { keys, repo, version: "4.9.0-flatapex" };
    let origin = text_to_name("example.com.").unwrap();
    let loaded = load_zone("z", ZONE, &origin, None, &NoIncludes).expect("the fuzz zone loads");
    let rrsets: Vec<serde_json::Value> = ZoneContent::of_zone(&loaded.zone)
        .sets()
        .map(|s| {
            let records: Vec<serde_json::Value> =
                s.contents.iter().map(|c| serde_json::json!({"content": c})).collect();
            serde_json::json!({"name": s.owner_text(), "type": s.type_name(), "ttl": s.ttl, "records": records})
        })
        .collect();
    let body = serde_json::json!({"name": "example.com.", "rrsets": rrsets}).to_string();
    let request = ApiRequest {
        method: "POST",
        path: PATHS[0],
        query: None,
        api_key: Some(KEY),
        authorization: None,
        accept: None,
        content_type: None,
        body: body.as_bytes(),
    };
    let created = futures::executor::block_on(api.handle(&request));
    assert_eq!(created.response.status, 201, "{}", String::from_utf8_lossy(&created.response.body));
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let keys = KeyRing::parse("fuzz", &format!("{{\"name\":\"fuzz\",\"key\":\"{KEY}\"}}"))
            .expect("the fuzz key");
        let repo = MemoryRepo::default();
        create_zone(&keys, &repo);
        World { keys, repo }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let world = world();
    let method = METHODS[usize::from(which) % 5];
    let mut path = PATHS[usize::from(which) / 5 % 7].to_string();
    if path.ends_with('/') {
        let id = body.split(|&b| b == b'\n').next().unwrap_or_default();
        path.push_str(&String::from_utf8_lossy(id).replace(['/', '?', '#'], ""));
    }
    let before = world.repo.texts.lock().unwrap().clone();
    let api = Api { keys: &world.keys, repo: &world.repo, version: "4.9.0-flatapex" };
    let request = ApiRequest {
        method,
        path: &path,
        query: None,
        api_key: Some(KEY),
        authorization: Some("Bearer fapx_fuzz_0123456789abcdef"),
        accept: None,
        content_type: None,
        body,
    };
    let outcome = futures::executor::block_on(api.handle(&request));
    let status = outcome.response.status;
    assert!(
        [200, 201, 204, 400, 403, 404, 405, 409, 413, 422].contains(&status),
        "{method} {path}: {status}"
    );
    let after = world.repo.texts.lock().unwrap().clone();
    if status >= 400 {
        assert_eq!(before, after, "{method} {path}: a refused request changed a zone");
        assert!(outcome.audit.is_none());
    }
    if !outcome.response.body.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&outcome.response.body)
            .expect("every answer is JSON");
    }
    for text in after.values() {
        load_zone("stored", text, &flatapex::zone::names::text_to_name(".").unwrap(), None, &NoIncludes)
            .expect("a stored zone always loads");
    }
    if after.is_empty() {
        // The zone was deleted: put it back, so the campaign keeps editing one.
        create_zone(&world.keys, &world.repo);
    }
});
