//! The native server's DoH listener (`flatapex serve --doh`): the battery over HTTP/1.1 POST
//! and GET, h2c with prior knowledge (curl), and the JSON API, on a real socket.
#![cfg(not(target_arch = "wasm32"))]
// Tests and tools are shells: they may read clocks, files and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod battery;
mod common;

use std::process::Command;

use common::{Server, battery_dir};

fn doh_server() -> (Server, String, tempfile::TempDir) {
    let dir = battery_dir(battery::ZONES);
    let mut server = Server::start(dir.path(), &["--doh", "127.0.0.1:0"]);
    let line = server.wait_for("DoH on");
    let url = line
        .split("DoH on ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    (server, url, dir)
}

#[test]
fn battery_over_http1_post_and_get() {
    let (_server, url, _zones) = doh_server();
    let client = reqwest::blocking::Client::new();
    let mut flip = false;
    futures::executor::block_on(battery::run("native DoH", battery::Via::Stream, |wire| {
        flip = !flip;
        let response = if flip {
            client
                .post(&url)
                .header("content-type", "application/dns-message")
                .body(wire)
                .send()
        } else {
            client
                .get(format!(
                    "{url}?dns={}",
                    flatapex::encoding::base64url_encode(&wire)
                ))
                .send()
        }
        .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().unwrap().to_vec();
        async move { bytes }
    }));
}

#[test]
fn h2c_json_errors_and_health() {
    let (_server, url, _zones) = doh_server();
    let out = Command::new("curl")
        .args([
            "-s",
            "--http2-prior-knowledge",
            "-w",
            "\n%{http_version} %{http_code}",
        ])
        .arg(format!("{url}?name=battery.test&type=SOA"))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, status) = text.rsplit_once('\n').unwrap();
    assert_eq!(status, "2 200", "{text}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["Answer"][0]["type"], 6);

    let client = reqwest::blocking::Client::new();
    let too_big = client
        .post(&url)
        .header("content-type", "application/dns-message")
        .body(vec![0u8; 100_000])
        .send()
        .unwrap();
    assert_eq!(too_big.status(), 413);
    let wrong_type = client.post(&url).body("x").send().unwrap();
    assert_eq!(wrong_type.status(), 415);
    let health_url = url.replace("/dns-query", "/health");
    let health: serde_json::Value = client.get(health_url).send().unwrap().json().unwrap();
    assert_eq!(
        health["zones"].as_array().unwrap().len(),
        battery::ZONES.len()
    );
}
