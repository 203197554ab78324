//! Drives `examples/credential_service.rs` over HTTP, with the emulator as the vendor.

#[allow(dead_code)]
#[path = "../examples/credential_service.rs"]
mod service;
mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{Harness, PROVIDERS};

use vod::emulator::{EmulatorConfig, FaultKind};

async fn start(h: &Harness) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(service::serve(listener, h.provider.clone()));
    url
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn issues_and_refreshes_credentials_for_every_vendor() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 1").await;
        let base = start(&h).await;
        let (status, cred) = post(
            &format!("{base}/uploads"),
            &json!({"file_name": "clip.mp4", "title": "Clip", "size": 1000}),
        )
        .await;
        assert_eq!(status, 200, "{}: {cred}", case.name);
        assert!(
            cred["media_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: {cred}",
            case.name
        );
        assert!(cred["target"]["type"].is_string());

        // A fresh credential is served from the cache: no vendor call.
        let before = h.total_calls();
        let (status, again) = post(&format!("{base}/uploads/refresh"), &cred).await;
        assert_eq!(status, 200, "{}: {again}", case.name);
        assert_eq!(again["media_id"], cred["media_id"]);
        assert_eq!(
            h.total_calls(),
            before,
            "{}: refresh of a fresh credential called the vendor",
            case.name
        );
    }
}

#[tokio::test]
async fn a_credential_near_expiry_is_refreshed_through_the_vendor() {
    for case in PROVIDERS {
        // Credentials that live one minute are inside the five-minute refresh margin at once.
        let emu = EmulatorConfig {
            aliyun_credential_ttl: Duration::from_secs(60),
            wangsu_token_ttl: Duration::from_secs(60),
            ..EmulatorConfig::default()
        };
        let h = Harness::start_with(case, emu, "max_attempts = 1", support::SK).await;
        let base = start(&h).await;
        let (status, cred) = post(
            &format!("{base}/uploads"),
            &json!({"file_name": "clip.mp4"}),
        )
        .await;
        assert_eq!(status, 200, "{}: {cred}", case.name);
        let before = h.total_calls();
        let (status, fresh) = post(&format!("{base}/uploads/refresh"), &cred).await;
        assert_eq!(status, 200, "{}: {fresh}", case.name);
        assert_eq!(fresh["media_id"], cred["media_id"]);
        assert_ne!(fresh, cred, "{}: the same credential came back", case.name);
        assert_eq!(h.total_calls(), before + 1, "{}", case.name);
    }
}

#[tokio::test]
async fn invalid_input_is_a_400_naming_the_field() {
    let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let base = start(&h).await;
    for (body, field) in [
        (json!({"title": "x"}), Some("file_name")),
        (json!({"file_name": "noext"}), Some("file_name")),
        (json!({"file_name": "a.mp4", "size": -5}), Some("size")),
        (json!({"file_name": "a.mp4", "colour": "red"}), None),
    ] {
        let (status, err) = post(&format!("{base}/uploads"), &body).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"]["kind"], "invalid_input", "{err}");
        match field {
            Some(f) => assert_eq!(err["error"]["field"], f, "{err}"),
            None => assert!(
                err["error"]["message"].as_str().unwrap().contains("colour"),
                "{err}"
            ),
        }
    }
    assert_eq!(h.total_calls(), 0);
}

#[tokio::test]
async fn vendor_errors_map_to_http_statuses() {
    let case = &PROVIDERS[0];
    let h = Harness::start(case, "max_attempts = 1").await;
    let base = start(&h).await;
    let upload = json!({"file_name": "clip.mp4"});
    for (fault, status, kind) in [
        ((case.throttled)(), 429, "rate_limited"),
        (
            FaultKind::ServerErrorHtml { status: 503 },
            503,
            "unavailable",
        ),
        (FaultKind::TruncatedJson, 502, "invalid_response"),
    ] {
        h.inject(1, fault);
        let (got, err) = post(&format!("{base}/uploads"), &upload).await;
        assert_eq!(got, status, "{err}");
        assert_eq!(err["error"]["kind"], kind, "{err}");
    }
    let (got, err) = post(&format!("{base}/uploads/refresh"), &{
        let (_, mut cred) = post(&format!("{base}/uploads"), &upload).await;
        cred["media_id"] = json!("00000000000000000000000000000000");
        cred["expires_at"] = json!("2000-01-01T00:00:00Z");
        cred
    })
    .await;
    assert_eq!(got, 404, "{err}");
}
