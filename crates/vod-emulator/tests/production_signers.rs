//! The emulator's verifiers against the signers the adapters send with: `rpc::sign`,
//! `acs3::sign` and the Wangsu `sign`, called directly (as production, the adapters' vector
//! tests and the benchmarks call them) on requests built here, for long-term and STS keys. The
//! rest of this crate's tests sign with their own small signers (`support`), written from the
//! vendor notes, because they also need requests no production signer would make.

mod support;

use std::collections::BTreeMap;

use support::*;
use time::OffsetDateTime;
use vod_aliyun::sign::{acs3, rpc};
use vod_core::Secret;
use vod_core::raw::SigningKey;
use vod_emulator::AccessKey;
use vod_wangsu::sign::{self as ws, Algorithm};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn owned(pairs: Vec<(&'static str, String)>) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The signing keys of the emulator's default key and of its STS key.
fn keys() -> [SigningKey; 2] {
    let sts = sts_key();
    [
        SigningKey::new(AccessKey::DEFAULT_ID, AccessKey::DEFAULT_SECRET),
        SigningKey::new(sts.id, sts.secret).with_token(sts.security_token.map(Secret::new)),
    ]
}

#[tokio::test]
async fn rpc_sign_passes_the_emulators_check() {
    let emulator = start().await;
    for key in keys() {
        let params = map(&[
            ("Action", "CreateUploadVideo"),
            ("Version", VERSION),
            ("Format", "JSON"),
            ("Title", "Holiday"),
            ("FileName", "holiday.mp4"),
        ]);
        let signed = rpc::sign("POST", &params, &key, OffsetDateTime::now_utc(), &nonce());
        let mut query: Vec<(String, String)> = params.into_iter().collect();
        query.extend(owned(signed.query));
        let request = Signed {
            method: reqwest::Method::POST,
            base: emulator.aliyun_url(),
            path: "/".into(),
            query,
            raw_query: None,
            headers: vec![],
            body: vec![],
        };
        let answer = request.send(&client()).await;
        assert_eq!(answer.status, 200, "{}: {}", key.id, answer.text);
        assert!(answer.json()["VideoId"].is_string(), "{}", answer.text);
    }
}

#[tokio::test]
async fn acs3_sign_passes_the_emulators_check() {
    let emulator = start().await;
    let base = emulator.aliyun_url();
    let host = base.trim_start_matches("http://").to_owned();
    for key in keys() {
        let query = map(&[("Title", "Holiday"), ("FileName", "holiday.mp4")]);
        let mut headers = vec![
            ("x-acs-action", "CreateUploadVideo".to_owned()),
            ("x-acs-version", VERSION.to_owned()),
        ];
        let mut signed_headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        signed_headers.insert("host".into(), host.clone());
        let request = acs3::SignableRequest {
            method: "POST",
            path: "/",
            query: &query,
            headers: &signed_headers,
            body: b"",
        };
        let signed = acs3::sign(&request, &key, OffsetDateTime::now_utc(), &nonce());
        headers.extend(signed.headers);
        let request = Signed {
            method: reqwest::Method::POST,
            base: base.clone(),
            path: "/".into(),
            query: query.into_iter().collect(),
            raw_query: None,
            headers: owned(headers),
            body: vec![],
        };
        let answer = request.send(&client()).await;
        assert_eq!(answer.status, 200, "{}: {}", key.id, answer.text);
        assert!(answer.json()["VideoId"].is_string(), "{}", answer.text);
    }
}

#[tokio::test]
async fn wangsu_sign_passes_the_emulators_check() {
    let emulator = start().await;
    let base = emulator.wangsu_url();
    let host = base.trim_start_matches("http://").to_owned();
    let key = SigningKey::new(AccessKey::DEFAULT_ID, AccessKey::DEFAULT_SECRET);
    for (algorithm, file_id) in [
        (Algorithm::Ws3, "0123456789abcdef0123456789abcdef"),
        (Algorithm::Cnc, "fedcba9876543210fedcba9876543210"),
    ] {
        let body = format!(r#"{{"originFileName":"holiday.mp4","fileId":"{file_id}"}}"#);
        let content_type = "application/json; charset=utf-8";
        let signed_headers = [("Content-Type", content_type), ("Host", host.as_str())];
        let request = ws::Request::new("POST", UPLOAD_TOKEN_PATH)
            .with_headers(&signed_headers)
            .with_body(body.as_bytes());
        let timestamp = u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap();
        let signed = ws::sign(algorithm, &request, &key, timestamp);
        let mut headers = vec![("Content-Type", content_type.to_owned())];
        headers.extend(signed.headers);
        let request = Signed {
            method: reqwest::Method::POST,
            base: base.clone(),
            path: UPLOAD_TOKEN_PATH.into(),
            query: vec![],
            raw_query: None,
            headers: owned(headers),
            body: body.into_bytes(),
        };
        let answer = request.send(&client()).await;
        assert_eq!(answer.status, 200, "{algorithm}: {}", answer.text);
        assert_eq!(answer.json()["code"], 200, "{algorithm}: {}", answer.text);
    }
}
