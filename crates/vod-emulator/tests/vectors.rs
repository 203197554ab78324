//! The vendors' signed vectors, sent byte for byte over HTTP to an emulator whose clock is set to
//! the vector's time: every one must pass authentication. (The string-level checks of the same
//! vectors are unit tests next to the verifiers.) Also: the emulator's answers have the shapes of
//! `aliyun-upload-response.json`.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vod_emulator::{AccessKey, Emulator, EmulatorConfig};

fn vectors_file(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors/");
    let text = std::fs::read_to_string(format!("{path}{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap()
}

/// An emulator that knows one key and whose clock reads `at`.
async fn emulator_at(key: AccessKey, at: OffsetDateTime) -> Emulator {
    let emulator = start_with(EmulatorConfig {
        keys: vec![key],
        ..EmulatorConfig::default()
    })
    .await;
    emulator
        .handle()
        .set_clock_skew(at - OffsetDateTime::now_utc());
    emulator
}

/// What each vector's request gets once authenticated: HTTP status and Aliyun code.
fn expected_aliyun_outcome(name: &str) -> (u16, &'static str) {
    match name {
        // Not VOD: authenticated, then the version (or action) is refused.
        "ecs-describe-regions" | "sms-send-sms-utf8" | "ecs-run-instances" => {
            (400, "InvalidVersion")
        }
        "vod-get-video-play-auth" => (404, "InvalidAction.NotFound"),
        "vod-create-upload-video-special-chars"
        | "vod-create-upload-video"
        | "vod-create-upload-video-sts" => (200, ""),
        "vod-refresh-upload-video-sts-post" => (404, "InvalidVideo.NotFound"),
        other => panic!("no expectation for vector {other}"),
    }
}

#[tokio::test]
async fn aliyun_rpc_vectors_authenticate_over_http() {
    let file = vectors_file("aliyun-rpc-hmac-sha1.json");
    for vector in file["vectors"].as_array().unwrap() {
        let name = text(&vector["name"]);
        let params = vector["params"].as_object().unwrap();
        let mut key = AccessKey::new(
            text(&params["AccessKeyId"]),
            text(&vector["access_key_secret"]),
        );
        if let Some(token) = params.get("SecurityToken") {
            key = key.with_security_token(text(token));
        }
        let at = OffsetDateTime::parse(text(&params["Timestamp"]), &Rfc3339).unwrap();
        let emulator = emulator_at(key, at).await;
        let mut query: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.clone(), text(v).to_owned()))
            .collect();
        query.push(("Signature".into(), text(&vector["signature"]).to_owned()));
        let signed = Signed {
            method: text(&vector["method"]).parse().unwrap(),
            base: emulator.aliyun_url(),
            path: "/".into(),
            query,
            raw_query: None,
            headers: vec![],
            body: vec![],
        };
        let answer = signed.send(&client()).await;
        let code = if answer.status == 200 {
            String::new()
        } else {
            answer.code()
        };
        assert_eq!(
            (answer.status, code.as_str()),
            expected_aliyun_outcome(name),
            "{name}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn aliyun_acs3_vectors_authenticate_over_http() {
    let file = vectors_file("aliyun-acs3-hmac-sha256.json");
    for vector in file["vectors"].as_array().unwrap() {
        let name = text(&vector["name"]);
        let headers = vector["headers"].as_object().unwrap();
        let mut key = AccessKey::new(
            text(&vector["access_key_id"]),
            text(&vector["access_key_secret"]),
        );
        if let Some(token) = headers.get("x-acs-security-token") {
            key = key.with_security_token(text(token));
        }
        let at = OffsetDateTime::parse(text(&headers["x-acs-date"]), &Rfc3339).unwrap();
        let emulator = emulator_at(key, at).await;
        let mut sent: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.clone(), text(v).to_owned()))
            .collect();
        sent.push((
            "authorization".into(),
            text(&vector["authorization"]).to_owned(),
        ));
        let signed = Signed {
            method: text(&vector["method"]).parse().unwrap(),
            base: emulator.aliyun_url(),
            path: text(&vector["path"]).to_owned(),
            query: vector["query"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), text(v).to_owned()))
                .collect(),
            raw_query: None,
            headers: sent,
            body: text(&vector["body"]).as_bytes().to_vec(),
        };
        let answer = signed.send(&client()).await;
        let code = if answer.status == 200 {
            String::new()
        } else {
            answer.code()
        };
        assert_eq!(
            (answer.status, code.as_str()),
            expected_aliyun_outcome(name),
            "{name}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn wangsu_upload_token_vectors_authenticate_over_http() {
    let file = vectors_file("wangsu-ws3-hmac-sha256.json");
    let mut sent_any = 0;
    for vector in file["vectors"].as_array().unwrap() {
        if text(&vector["uri"]) != UPLOAD_TOKEN_PATH {
            continue; // other operations are not emulated; their strings are unit-tested
        }
        let name = text(&vector["name"]);
        let key = AccessKey::new(text(&vector["ak"]), text(&vector["sk"]));
        let seconds: i64 = text(&vector["ts"]).parse().unwrap();
        let emulator =
            emulator_at(key, OffsetDateTime::from_unix_timestamp(seconds).unwrap()).await;
        let (ak_header, ts_header) = if text(&vector["alg"]).starts_with("CNC") {
            ("x-cnc-accessKey", "x-cnc-timestamp")
        } else {
            ("X-WS-AccessKey", "X-WS-Timestamp")
        };
        let mut headers: Vec<(String, String)> = vector["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), text(v).to_owned()))
            .collect();
        headers.push((ak_header.into(), text(&vector["ak"]).to_owned()));
        headers.push((ts_header.into(), text(&vector["ts"]).to_owned()));
        headers.push((
            "Authorization".into(),
            text(&vector["authorization"]).to_owned(),
        ));
        let signed = Signed {
            method: text(&vector["method"]).parse().unwrap(),
            base: emulator.wangsu_url(),
            path: UPLOAD_TOKEN_PATH.into(),
            query: vec![],
            raw_query: None,
            headers,
            body: text(&vector["body"]).as_bytes().to_vec(),
        };
        let answer = signed.send(&client()).await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.text);
        assert_eq!(answer.json()["code"], 200, "{name}: {}", answer.text);
        sent_any += 1;
    }
    assert_eq!(sent_any, 2);
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn aliyun_answers_have_the_shapes_of_the_response_vector() {
    let vector = vectors_file("aliyun-upload-response.json");
    let emulator = start().await;
    let answer = Rpc::create("t", "a.mp4")
        .signed(&emulator.aliyun_url())
        .send(&client())
        .await;
    let body = answer.json();
    assert_eq!(keys(&body), keys(&vector["response"]));
    assert_eq!(
        keys(&decode_b64_json(text(&body["UploadAddress"]))),
        keys(&vector["decoded_upload_address"])
    );
    assert_eq!(
        keys(&decode_b64_json(text(&body["UploadAuth"]))),
        keys(&vector["decoded_upload_auth"])
    );

    let answer = Rpc::refresh("93ab850b4f6f54b6e91d24d81d4d1234")
        .signed(&emulator.aliyun_url())
        .send(&client())
        .await;
    let example = &vector["error_examples"][0];
    assert_eq!(
        u64::from(answer.status),
        example["http_status"].as_u64().unwrap()
    );
    assert_eq!(answer.json()["Code"], example["body"]["Code"]);
    let allowed: BTreeSet<String> = ["RequestId", "HostId", "Code", "Message", "Recommend"]
        .into_iter()
        .map(String::from)
        .collect();
    assert!(keys(&answer.json()).is_subset(&allowed));
    assert!(keys(&example["body"]).is_subset(&keys(&answer.json())));
}
