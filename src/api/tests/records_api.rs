//! The records API.

use serde_json::json;

use super::{ACME, ADMIN, World};

const RECORDS: &str = "/v1/zones/example.com/records";

#[test]
fn an_apex_alias_is_created_read_updated_and_deleted_by_id() {
    let world = World::new();
    let body =
        json!({"name": "@", "type": "ALIAS", "content": "myapp.cloudprovider.com", "ttl": 3600});
    let created = world.call("POST", RECORDS, Some(ADMIN), &body.to_string());
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["status"], "success");
    assert_eq!(
        created.body["data"]["message"],
        "Record created successfully"
    );
    let record = &created.body["data"]["record"];
    assert_eq!(record["name"], "example.com.");
    assert_eq!(record["type"], "ALIAS");
    assert_eq!(record["content"], "myapp.cloudprovider.com.");
    assert_eq!(record["disabled"], false);
    let id = record["id"].as_str().unwrap().to_string();
    assert_eq!(world.serial(), 11);
    let read = world.call("GET", &format!("{RECORDS}/{id}"), Some(ADMIN), "");
    assert_eq!(read.body["data"]["record"], *record);
    let again = world.call("POST", RECORDS, Some(ADMIN), &body.to_string());
    assert_eq!(again.status, 409);
    let updated = world.call(
        "PUT",
        &format!("{RECORDS}/{id}"),
        Some(ADMIN),
        r#"{"content":"other.cloud.example.","ttl":60}"#,
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    let new_id = updated.body["data"]["record"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, id, "the id follows the content");
    assert_eq!(
        world.rrset("example.com.", "ALIAS"),
        (vec!["other.cloud.example.".to_string()], Some(60))
    );
    assert_eq!(
        world
            .call("GET", &format!("{RECORDS}/{id}"), Some(ADMIN), "")
            .status,
        404
    );
    let deleted = world.call("DELETE", &format!("{RECORDS}/{new_id}"), Some(ADMIN), "");
    assert_eq!(
        deleted.body["data"]["message"],
        "Record deleted successfully"
    );
    assert!(world.rrset("example.com.", "ALIAS").0.is_empty());
    assert_eq!(deleted.audit.unwrap()["changes"][0]["op"], "DELETE");
    assert_eq!(world.serial(), 13);
}

#[test]
fn an_update_without_a_ttl_keeps_the_sets() {
    let world = World::new();
    let list = world.call(
        "GET",
        &format!("{RECORDS}?name=www&type=A"),
        Some(ADMIN),
        "",
    );
    let id = list.body["data"]["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let onto = world.call(
        "PATCH",
        &format!("{RECORDS}/{id}"),
        Some(ADMIN),
        r#"{"name":"ns1","content":"192.0.2.53"}"#,
    );
    assert_eq!(onto.status, 409, "onto an existing record: {}", onto.body);
    let updated = world.call(
        "PATCH",
        &format!("{RECORDS}/{id}"),
        Some(ADMIN),
        r#"{"content":"192.0.2.2"}"#,
    );
    assert_eq!(updated.body["data"]["record"]["ttl"], 300);
    assert_eq!(
        world.rrset("www.example.com.", "A"),
        (vec!["192.0.2.2".to_string()], Some(300))
    );
}

#[test]
fn lists_are_paginated() {
    let world = World::new();
    for i in 0..5 {
        let body =
            json!({"name": format!("h{i}"), "type": "A", "content": format!("192.0.2.{}", 10 + i)});
        assert_eq!(
            world
                .call("POST", RECORDS, Some(ADMIN), &body.to_string())
                .status,
            201
        );
    }
    let page = world.call(
        "GET",
        &format!("{RECORDS}?page=2&per_page=4"),
        Some(ADMIN),
        "",
    );
    let data = &page.body["data"];
    assert_eq!(
        data["pagination"],
        json!({"page": 2, "per_page": 4, "total": 9, "total_pages": 3})
    );
    assert_eq!(data["records"].as_array().unwrap().len(), 4);
    let far = world.call(
        "GET",
        &format!("{RECORDS}?page={}&per_page=1000", usize::MAX),
        Some(ADMIN),
        "",
    );
    assert_eq!(
        far.body["data"]["records"],
        json!([]),
        "a page past the end is empty"
    );
    let bad = world.call("GET", &format!("{RECORDS}?page=0"), Some(ADMIN), "");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["status"], "error");
    assert_eq!(bad.body["error"]["code"], "bad_request");
}

#[test]
fn bad_records_and_keys_get_their_status_and_change_nothing() {
    let world = World::new();
    let before = world.text("example.com.");
    // Each case with the field at fault, when the error is about one.
    let cases = [
        ("{", 400, None),
        (r#"{"name":"x","type":"A"}"#, 422, Some("content")),
        (
            r#"{"name":"x","type":"BOGUS","content":"1"}"#,
            422,
            Some("type"),
        ),
        (
            r#"{"name":"x","type":"MX","content":"mail.example.com."}"#,
            422,
            Some("content"),
        ),
        (
            r#"{"name":"www","type":"CNAME","content":"elsewhere.example."}"#,
            422,
            None,
        ),
        (
            r#"{"name":"www.example.org.","type":"A","content":"192.0.2.1"}"#,
            422,
            Some("name"),
        ),
        (
            r#"{"name":"x","type":"A","content":"192.0.2.1","ttl":4294967296}"#,
            422,
            Some("ttl"),
        ),
    ];
    for (body, status, field) in cases {
        let got = world.call("POST", RECORDS, Some(ADMIN), body);
        assert_eq!(got.status, status, "{body}: {}", got.body);
        assert_eq!(got.body["status"], "error", "{body}");
        assert!(!got.body["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(got.body["error"]["field"].as_str(), field, "{body}");
        assert_eq!(world.text("example.com."), before, "{body}");
    }
    let wrong = world.call("GET", RECORDS, Some("fapx_nope_0123456789"), "");
    assert_eq!(
        (wrong.status, wrong.body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let acme = json!({"name": "_acme-challenge", "type": "TXT", "content": "\"t\""}).to_string();
    assert_eq!(world.call("POST", RECORDS, Some(ACME), &acme).status, 201);
    let a = json!({"name": "_acme-challenge", "type": "A", "content": "192.0.2.1"}).to_string();
    assert_eq!(world.call("POST", RECORDS, Some(ACME), &a).status, 403);
    assert_eq!(
        world
            .call("GET", "/v1/zones/example.org/records", Some(ADMIN), "")
            .status,
        404
    );
    assert_eq!(
        world
            .call("GET", &format!("{RECORDS}/not-an-id"), Some(ADMIN), "")
            .status,
        404
    );
}
