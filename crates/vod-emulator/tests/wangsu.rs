//! The emulated Wangsu Cloud VoD API over real HTTP: both gateway signatures, the gateway's
//! rejections, parameter codes, and resumable videos.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;
use support::*;
use time::OffsetDateTime;
use vod_emulator::{AccessKey, Emulator, Operation};

async fn token_ok(emulator: &Emulator, request: Ws) -> (Answer, Value) {
    let answer = request.signed(&emulator.wangsu_url()).send(&client()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["code"], 200, "{body}");
    assert_eq!(body["message"], "success");
    let data = body["data"].clone();
    (answer, data)
}

#[tokio::test]
async fn ws3_json_success_has_a_verifiable_token() {
    let emulator = start().await;
    let before_ms = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let (answer, data) = token_ok(
        &emulator,
        Ws::json(
            Gateway::Ws3,
            json!({"originFileName": "uploadtest.mp4", "overwrite": 1}),
        ),
    )
    .await;
    assert!(answer.header("x-ws-requestid").is_some());
    assert!(answer.header("x-cnc-request-id").is_none());
    assert!(answer.header("date").is_some());
    assert_eq!(data["uploadUrl"], emulator.wangsu_upload_url());
    let video_id = data["videoId"].as_str().unwrap();
    assert!(video_id.len() == 32 && video_id.bytes().all(|b| b.is_ascii_hexdigit()));
    let file_key = data["fileKey"].as_str().unwrap();
    assert!(
        file_key.ends_with(".mp4") && !file_key.starts_with('/'),
        "{file_key}"
    );
    assert!(data["bucketName"].is_string() && data["httpDnsServer"].is_string());

    // AK:urlsafe_b64(hex(HMAC-SHA1(secret, policy))):policy
    let token = data["uploadToken"].as_str().unwrap();
    let parts: Vec<&str> = token.split(':').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], AccessKey::DEFAULT_ID);
    let mut mac = Hmac::<Sha1>::new_from_slice(AccessKey::DEFAULT_SECRET.as_bytes()).unwrap();
    mac.update(parts[2].as_bytes());
    assert_eq!(
        parts[1],
        URL_SAFE.encode(hex::encode(mac.finalize().into_bytes()))
    );
    let policy: Value = serde_json::from_slice(&URL_SAFE.decode(parts[2]).unwrap()).unwrap();
    assert_eq!(
        policy["scope"],
        format!("{}:{file_key}", data["bucketName"].as_str().unwrap())
    );
    assert_eq!(policy["overwrite"], 1);
    let deadline: i64 = policy["deadline"].as_str().unwrap().parse().unwrap();
    let after_ms = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert!(deadline >= before_ms + 3_599_000 && deadline <= after_ms + 3_601_000);
    assert_eq!(emulator.handle().calls(Operation::WangsuGetUploadToken), 1);
}

#[tokio::test]
async fn every_transport_form_is_accepted() {
    let emulator = start().await;
    let mut no_content_type = Ws::json(Gateway::Ws3, json!({"originFileName": "sdk.mp4"}));
    no_content_type.content_type = None; // the official Python SDK sends none
    let mut charset = Ws::json(Gateway::Ws3, json!({"originFileName": "charset.mp4"}));
    charset.content_type = Some("Application/JSON; charset=UTF-8".into());
    for request in [
        Ws::json(Gateway::Cnc, json!({"originFileName": "cnc.mp4"})),
        Ws::form(Gateway::Ws3, "originFileName=form+file.mp4&overwrite=0"),
        Ws::form(Gateway::Cnc, "originFileName=%E6%B5%8B%E8%AF%95.mp4"),
        Ws::get(Gateway::Ws3, "originFileName=get%20file.mp4&fileId=abc"),
        no_content_type,
        charset,
    ] {
        let (answer, _) = token_ok(&emulator, request.clone()).await;
        let header = match request.gateway {
            Gateway::Ws3 => "x-ws-requestid",
            Gateway::Cnc => "x-cnc-request-id",
        };
        assert!(answer.header(header).is_some(), "{header}");
    }
}

#[tokio::test]
async fn same_file_id_resumes_the_same_video() {
    let emulator = start().await;
    let body = json!({"originFileName": "big.mp4", "fileId": "0123456789abcdef0123456789abcdef"});
    let (_, first) = token_ok(&emulator, Ws::json(Gateway::Ws3, body.clone())).await;
    // A different body byte layout (form, CNC) for the same pair still resumes.
    let (_, second) = token_ok(
        &emulator,
        Ws::form(
            Gateway::Cnc,
            "originFileName=big.mp4&fileId=0123456789abcdef0123456789abcdef",
        ),
    )
    .await;
    assert_eq!(first["videoId"], second["videoId"]);
    assert_eq!(first["fileKey"], second["fileKey"]);
    assert_ne!(first["uploadToken"], second["uploadToken"]);

    let (_, other_id) = token_ok(
        &emulator,
        Ws::json(
            Gateway::Ws3,
            json!({"originFileName": "big.mp4", "fileId": "other"}),
        ),
    )
    .await;
    let (_, other_name) = token_ok(
        &emulator,
        Ws::json(
            Gateway::Ws3,
            json!({"originFileName": "big2.mp4", "fileId": "0123456789abcdef0123456789abcdef"}),
        ),
    )
    .await;
    let (_, no_id_1) = token_ok(
        &emulator,
        Ws::json(
            Gateway::Ws3,
            json!({"originFileName": "x.mp4", "overwrite": 0}),
        ),
    )
    .await;
    let (_, no_id_2) = token_ok(
        &emulator,
        Ws::json(
            Gateway::Ws3,
            json!({"originFileName": "x.mp4", "overwrite": 1}),
        ),
    )
    .await;
    let ids = [
        &first["videoId"],
        &other_id["videoId"],
        &other_name["videoId"],
        &no_id_1["videoId"],
        &no_id_2["videoId"],
    ];
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

async fn rejected(signed: &Signed) -> String {
    let answer = signed.send(&client()).await;
    assert_eq!(answer.status, 401, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["code"], 401);
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn gateway_rejections() {
    let emulator = start().await;
    let url = emulator.wangsu_url();
    let good = || Ws::json(Gateway::Ws3, json!({"originFileName": "a.mp4"}));

    let signed = good().key(AccessKey::new("nobody", "x")).signed(&url);
    assert_eq!(rejected(&signed).await, "invalid access key");
    let mut signed = good().signed(&url);
    signed.headers.retain(|(n, _)| n != "X-WS-AccessKey");
    assert_eq!(rejected(&signed).await, "invalid access key");

    let mut signed = good().signed(&url);
    let authorization = signed.header_value("Authorization");
    let (head, signature) = authorization.rsplit_once("Signature=").unwrap();
    signed.set_header(
        "Authorization",
        &format!("{head}Signature={}", flip_one(signature)),
    );
    assert_eq!(rejected(&signed).await, "signature does not match");

    let signed = good()
        .key(AccessKey::new("emulator-ak", "wrong"))
        .signed(&url);
    assert_eq!(rejected(&signed).await, "signature does not match");

    let mut signed = good().signed(&url);
    signed.body = br#"{"originFileName":"b.mp4"}"#.to_vec();
    assert_eq!(rejected(&signed).await, "signature does not match");

    let mut signed = good().signed(&url);
    let ts: i64 = signed.header_value("X-WS-Timestamp").parse().unwrap();
    signed.set_header("X-WS-Timestamp", &(ts + 1).to_string());
    assert_eq!(rejected(&signed).await, "signature does not match");

    // A CNC signature under WS3 headers.
    let mut signed = good().signed(&url);
    let authorization = signed.header_value("Authorization").replace("WS3-", "CNC-");
    signed.set_header("Authorization", &authorization);
    assert_eq!(rejected(&signed).await, "signature does not match");

    for skew in [-301, 301] {
        let mut stale = good();
        stale.timestamp += skew;
        let signed = stale.signed(&url);
        assert_eq!(
            rejected(&signed).await,
            "timestamp expired: more than 5 minutes from server time"
        );
    }
    let mut inside = good();
    inside.timestamp -= 290;
    token_ok(&emulator, inside).await;

    let signed = good().signed(&url);
    assert_eq!(signed.send(&client()).await.status, 200);
    assert_eq!(rejected(&signed).await, "repeated request");
    let mut cnc = Ws::json(Gateway::Cnc, json!({"originFileName": "c.mp4"})).signed(&url);
    assert_eq!(cnc.send(&client()).await.status, 200);
    let answer = cnc.send(&client()).await;
    assert_eq!(answer.status, 401);
    assert!(answer.header("x-cnc-request-id").is_some());
    cnc.headers.retain(|(n, _)| n != "x-cnc-accessKey");
    assert_eq!(rejected(&cnc).await, "invalid access key");

    assert_eq!(emulator.handle().calls(Operation::WangsuGetUploadToken), 15);
}

#[tokio::test]
async fn parameter_errors_use_the_vendor_codes_in_http_200() {
    let emulator = start().await;
    let url = emulator.wangsu_url();
    let long_name = format!("{}.mp4", "n".repeat(37));
    let cases = [
        (json!({}), 1606),
        (json!({"originFileName": ""}), 1606),
        (json!({"originFileName": long_name}), 1500),
        (json!({"originFileName": "a.mp4", "overwrite": 2}), 1608),
        (
            json!({"originFileName": "a.mp4", "fileId": "f".repeat(33)}),
            1004,
        ),
        (
            json!({"originFileName": "a.mp4", "categoryNames": "not json"}),
            1004,
        ),
        (
            json!({"originFileName": "a.mp4", "fileMd5": "m".repeat(33)}),
            1605,
        ),
    ];
    for (body, code) in cases {
        let answer = Ws::json(Gateway::Ws3, body.clone())
            .signed(&url)
            .send(&client())
            .await;
        assert_eq!(answer.status, 200, "{body}");
        let reply = answer.json();
        assert_eq!(reply["code"], code, "{body}: {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(reply.get("data").is_none());
    }
    let mut broken = Ws::json(Gateway::Ws3, Value::Null);
    broken.body = b"{not json".to_vec();
    let answer = broken.signed(&url).send(&client()).await;
    assert_eq!(
        (answer.status, answer.json()["code"].clone()),
        (200, json!(1000))
    );

    let answer = Ws::get(Gateway::Ws3, "fileId=abc")
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.json()["code"], 1606);
}

#[tokio::test]
async fn other_paths_and_methods_are_not_counted() {
    let emulator = start().await;
    let url = emulator.wangsu_url();
    let answer = client()
        .get(format!("{url}/vod/videoManage/getVideoList"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let answer = client()
        .put(format!("{url}{UPLOAD_TOKEN_PATH}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 405);
    assert_eq!(emulator.handle().total_calls(), 0);
}
