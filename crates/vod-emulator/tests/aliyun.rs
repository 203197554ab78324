//! The emulated Aliyun VOD API over real HTTP: both signature schemes, every rejection the
//! module docs promise, and the two operations.

mod support;

use std::time::Duration;

use support::*;
use time::OffsetDateTime;
use vod_emulator::{AccessKey, Emulator, Operation};

async fn create_ok(emulator: &Emulator, request: Rpc) -> serde_json::Value {
    let answer = request.signed(&emulator.aliyun_url()).send(&client()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()
}

#[tokio::test]
async fn rpc_create_returns_the_documented_shape() {
    let emulator = start().await;
    let before = OffsetDateTime::now_utc();
    let answer = Rpc::create("My video *~ (1)", "D:\\videos\\a b.MP4")
        .param("Description", "测试 upload")
        .param("Tags", "tag1,tag2")
        .param("CateId", "1000")
        .param("FileSize", "123456")
        .param("UserData", r#"{"Extend":{"k":"v"}}"#)
        .signed(&emulator.aliyun_url())
        .send(&client())
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.header("date").is_some(), "Date header");
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = answer.json();
    assert_eq!(
        answer.header("x-acs-request-id").as_deref(),
        body["RequestId"].as_str()
    );
    let request_id = body["RequestId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok() && request_id == request_id.to_uppercase());
    let video_id = body["VideoId"].as_str().unwrap();
    assert!(video_id.len() == 32 && video_id.bytes().all(|b| b.is_ascii_hexdigit()));

    let address = decode_b64_json(body["UploadAddress"].as_str().unwrap());
    assert_eq!(address["Endpoint"], emulator.oss_url().as_str());
    assert!(address["Bucket"].as_str().unwrap().starts_with("outin-"));
    let file_name = address["FileName"].as_str().unwrap();
    assert!(
        file_name.starts_with("sv/") && file_name.ends_with(".mp4"),
        "{file_name}"
    );

    let auth = decode_b64_json(body["UploadAuth"].as_str().unwrap());
    assert!(auth["AccessKeyId"].as_str().unwrap().starts_with("STS."));
    assert_eq!(auth["Expiration"], "3000");
    assert_eq!(auth["Region"], "cn-shanghai");
    let expires = auth["ExpireUTCTime"].as_str().unwrap();
    let lower = iso(before + Duration::from_secs(2999));
    let upper = iso(OffsetDateTime::now_utc() + Duration::from_secs(3001));
    assert!(
        lower.as_str() <= expires && expires <= upper.as_str(),
        "{expires}"
    );
    assert_eq!(
        emulator.handle().calls(Operation::AliyunCreateUploadVideo),
        1
    );
}

#[tokio::test]
async fn refresh_keeps_the_address_and_renews_the_auth() {
    let emulator = start().await;
    let created = create_ok(&emulator, Rpc::create("t", "a.mp4")).await;
    let video_id = created["VideoId"].as_str().unwrap();
    for refresh in [
        Rpc::refresh(video_id).signed(&emulator.aliyun_url()),
        Acs3::new("RefreshUploadVideo")
            .param("VideoId", video_id)
            .signed(&emulator.aliyun_url()),
    ] {
        let answer = refresh.send(&client()).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        assert_eq!(body["VideoId"], created["VideoId"]);
        assert_eq!(body["UploadAddress"], created["UploadAddress"]);
        assert_ne!(body["UploadAuth"], created["UploadAuth"]);
    }
    let handle = emulator.handle();
    assert_eq!(handle.calls(Operation::AliyunRefreshUploadVideo), 2);
    assert_eq!(handle.total_calls(), 3);
}

#[tokio::test]
async fn every_transport_form_is_accepted() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let requests = [
        Rpc::create("post query", "a.mp4").signed(&url),
        Rpc::create("get query", "a.mp4").method("GET").signed(&url),
        Rpc::create("post form", "a.mp4").form_body().signed(&url),
        Rpc::create("sts", "a.mp4").key(sts_key()).signed(&url),
        Acs3::create("acs3 query", "a.mp4").signed(&url),
        Acs3::new("CreateUploadVideo")
            .form_param("Title", "acs3 form")
            .form_param("FileName", "a.mp4")
            .signed(&url),
        Acs3::create("acs3 sts", "a.mp4")
            .key(sts_key())
            .signed(&url),
    ];
    for request in requests {
        let answer = request.send(&client()).await;
        assert_eq!(answer.status, 200, "{request:?}: {}", answer.text);
    }
}

#[tokio::test]
async fn rpc_signature_changes_are_rejected_with_the_server_string_to_sign() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let request = Rpc::create("t", "a.mp4");

    // One character of the signature.
    let mut signed = request.signed(&url);
    signed.set_query("Signature", &flip_one(&signed.query_value("Signature")));
    let answer = signed.send(&client()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "SignatureDoesNotMatch".into())
    );
    let message = answer.json()["Message"].as_str().unwrap().to_owned();
    let quoted = message
        .split_once("server string to sign is:")
        .expect("the message quotes the string to sign")
        .1;
    assert_eq!(quoted, request.string_to_sign());

    // The secret: same canonical form, so the server's string equals ours.
    let wrong_secret = request
        .clone()
        .param("SignatureNonce", &nonce())
        .key(AccessKey::new("emulator-ak", "emulator-secreT"));
    let answer = wrong_secret.signed(&url).send(&client()).await;
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    assert!(answer.text.contains(&wrong_secret.string_to_sign()));

    // A parameter, or the timestamp, after signing.
    for (name, value) in [
        ("Title", "u"),
        (
            "Timestamp",
            &iso(OffsetDateTime::now_utc() + Duration::from_secs(1)),
        ),
    ] {
        let mut signed = Rpc::create("t", "a.mp4").signed(&url);
        signed.set_query(name, value);
        let answer = signed.send(&client()).await;
        assert_eq!(answer.code(), "SignatureDoesNotMatch", "{name}");
    }

    // The body of a form request.
    let mut signed = Rpc::create("t", "a.mp4").form_body().signed(&url);
    signed.body = String::from_utf8(signed.body)
        .unwrap()
        .replace("a.mp4", "b.mp4")
        .into_bytes();
    assert_eq!(signed.send(&client()).await.code(), "SignatureDoesNotMatch");

    // Signed as GET, sent as POST.
    let mut signed = Rpc::create("t", "a.mp4").method("GET").signed(&url);
    signed.method = reqwest::Method::POST;
    assert_eq!(signed.send(&client()).await.code(), "SignatureDoesNotMatch");
    assert_eq!(
        emulator.handle().calls(Operation::AliyunCreateUploadVideo),
        6
    );
}

#[tokio::test]
async fn acs3_changes_are_rejected() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let host = url.trim_start_matches("http://").to_owned();

    let request = Acs3::create("t", "a.mp4");
    let mut signed = request.signed(&url);
    let authorization = signed.header_value("authorization");
    let (head, signature) = authorization.rsplit_once("Signature=").unwrap();
    signed.set_header(
        "authorization",
        &format!("{head}Signature={}", flip_one(signature)),
    );
    let answer = signed.send(&client()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "SignatureDoesNotMatch".into())
    );
    let message = answer.json()["Message"].as_str().unwrap().to_owned();
    assert!(message.ends_with(&format!(
        "server string to sign is:{}",
        request.string_to_sign(&host)
    )));

    let answer = Acs3::create("t", "a.mp4")
        .key(AccessKey::new("emulator-ak", "wrong"))
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.code(), "SignatureDoesNotMatch");

    // The date after signing.
    let mut signed = Acs3::create("t", "a.mp4").signed(&url);
    signed.set_header(
        "x-acs-date",
        &iso(OffsetDateTime::now_utc() + Duration::from_secs(5)),
    );
    assert_eq!(signed.send(&client()).await.code(), "SignatureDoesNotMatch");

    // The body (its declared hash no longer matches).
    let mut signed = Acs3::new("CreateUploadVideo")
        .form_param("Title", "t")
        .form_param("FileName", "a.mp4")
        .signed(&url);
    signed.body = b"Title=u&FileName=a.mp4".to_vec();
    let answer = signed.send(&client()).await;
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    assert!(answer.text.contains("x-acs-content-sha256"));

    // A query parameter after signing.
    let mut signed = Acs3::create("t", "a.mp4").signed(&url);
    signed.set_query("Title", "u");
    assert_eq!(signed.send(&client()).await.code(), "SignatureDoesNotMatch");

    // An x-acs-* header that is not signed.
    let mut signed = Acs3::create("t", "a.mp4").signed(&url);
    signed.set_header("x-acs-extra", "1");
    assert_eq!(signed.send(&client()).await.code(), "IncompleteSignature");

    // host left out of SignedHeaders.
    let mut signed = Acs3::create("t", "a.mp4").signed(&url);
    let authorization = signed.header_value("authorization").replace("host;", "");
    signed.set_header("authorization", &authorization);
    assert_eq!(signed.send(&client()).await.code(), "IncompleteSignature");
}

#[tokio::test]
async fn timestamps_outside_the_window_or_malformed_are_rejected() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let stale = iso(OffsetDateTime::now_utc() - Duration::from_secs(16 * 60));
    let future = iso(OffsetDateTime::now_utc() + Duration::from_secs(16 * 60));
    let recent = iso(OffsetDateTime::now_utc() - Duration::from_secs(14 * 60));
    for (timestamp, code) in [
        (stale.as_str(), "InvalidTimeStamp.Expired"),
        (future.as_str(), "InvalidTimeStamp.Expired"),
        ("2024-01-02 03:04:05", "InvalidTimeStamp.Format"),
        ("", "InvalidTimeStamp.Format"),
    ] {
        let answer = Rpc::create("t", "a.mp4")
            .param("Timestamp", timestamp)
            .signed(&url)
            .send(&client())
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, code.to_owned()),
            "{timestamp}"
        );
    }
    let answer = Rpc::create("t", "a.mp4")
        .param("Timestamp", &recent)
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.status, 200, "14 minutes old is inside the window");

    let mut acs3 = Acs3::create("t", "a.mp4");
    acs3.date = stale;
    let answer = acs3.signed(&url).send(&client()).await;
    assert_eq!(answer.code(), "InvalidTimeStamp.Expired");
}

#[tokio::test]
async fn a_skewed_emulator_clock_rejects_our_clock_and_reports_its_own() {
    let emulator = start().await;
    emulator
        .handle()
        .set_clock_skew(time::Duration::minutes(20));
    let answer = Rpc::create("t", "a.mp4")
        .signed(&emulator.aliyun_url())
        .send(&client())
        .await;
    assert_eq!(answer.code(), "InvalidTimeStamp.Expired");
    let date = answer.header("date").unwrap();
    let server =
        OffsetDateTime::parse(&date, &time::format_description::well_known::Rfc2822).unwrap();
    let ahead = server - OffsetDateTime::now_utc();
    assert!(
        ahead > time::Duration::minutes(19) && ahead < time::Duration::minutes(21),
        "{date}"
    );
    // Corrected by the Date header, the client gets through.
    let answer = Rpc::create("t", "a.mp4")
        .param("Timestamp", &iso(server))
        .signed(&emulator.aliyun_url())
        .send(&client())
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn replayed_nonces_are_rejected() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let signed = Rpc::create("t", "a.mp4").signed(&url);
    assert_eq!(signed.send(&client()).await.status, 200);
    let answer = signed.send(&client()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "SignatureNonceUsed".into())
    );

    // The same nonce, freshly signed, is still a replay.
    let reused = Rpc::create("other", "b.mp4")
        .param("SignatureNonce", &signed.query_value("SignatureNonce"))
        .signed(&url);
    assert_eq!(reused.send(&client()).await.code(), "SignatureNonceUsed");

    let acs3 = Acs3::create("t", "a.mp4").signed(&url);
    assert_eq!(acs3.send(&client()).await.status, 200);
    assert_eq!(acs3.send(&client()).await.code(), "SignatureNonceUsed");

    // A forged request does not burn a nonce.
    let forged = Rpc::create("t", "a.mp4").key(AccessKey::new("emulator-ak", "guess"));
    assert_eq!(
        forged.signed(&url).send(&client()).await.code(),
        "SignatureDoesNotMatch"
    );
    let genuine = Rpc::create("t", "a.mp4").param(
        "SignatureNonce",
        &forged
            .params
            .iter()
            .find(|(n, _)| n == "SignatureNonce")
            .unwrap()
            .1,
    );
    assert_eq!(genuine.signed(&url).send(&client()).await.status, 200);
}

#[tokio::test]
async fn access_keys_and_security_tokens() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let cases = [
        (
            Rpc::create("t", "a.mp4").key(AccessKey::new("nobody", "x")),
            404,
            "InvalidAccessKeyId.NotFound",
        ),
        (
            Rpc::create("t", "a.mp4").key(AccessKey::new("STS.caller", "sts-secret")),
            400,
            "MissingSecurityToken",
        ),
        (
            Rpc::create("t", "a.mp4").key(sts_key().with_security_token("CAIS-other")),
            400,
            "InvalidSecurityToken.Mismatch",
        ),
    ];
    for (request, status, code) in cases {
        let answer = request.signed(&url).send(&client()).await;
        assert_eq!((answer.status, answer.code()), (status, code.to_owned()));
        let body = answer.json();
        for field in ["RequestId", "HostId", "Message", "Recommend"] {
            assert!(body[field].is_string(), "{field} in {body}");
        }
    }
    let answer = Acs3::create("t", "a.mp4")
        .key(AccessKey::new("STS.caller", "sts-secret"))
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.code(), "MissingSecurityToken");
    let answer = Acs3::create("t", "a.mp4")
        .key(AccessKey::new("nobody", "x"))
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.code(), "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn actions_versions_and_methods() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let cases = [
        (
            Rpc::new("GetVideoPlayAuth").signed(&url),
            404,
            "InvalidAction.NotFound",
        ),
        (
            Rpc::new("CreateUploadVideo")
                .param("Version", "2014-05-26")
                .signed(&url),
            400,
            "InvalidVersion",
        ),
        (Rpc::new("").signed(&url), 400, "MissingAction"),
        (
            Rpc::create("t", "a.mp4")
                .param("SignatureMethod", "HMAC-SHA256")
                .signed(&url),
            400,
            "InvalidSignatureMethod",
        ),
        (
            Rpc::create("t", "a.mp4").method("PUT").signed(&url),
            400,
            "UnsupportedHTTPMethod",
        ),
        (
            Acs3::new("DeleteVideo").signed(&url),
            404,
            "InvalidAction.NotFound",
        ),
    ];
    for (signed, status, code) in cases {
        let answer = signed.send(&client()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code.to_owned()),
            "{signed:?}"
        );
    }
    let handle = emulator.handle();
    assert_eq!(handle.calls(Operation::AliyunOther), 3);
    assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 3);

    let answer = client()
        .get(format!("{url}/elsewhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(handle.total_calls(), 6, "unknown paths are not counted");
}

#[tokio::test]
async fn create_parameters_are_validated() {
    let emulator = start().await;
    let url = emulator.aliyun_url();
    let long_title = "t".repeat(129);
    let many_tags = vec!["x"; 17].join(",");
    let long_tag = "x".repeat(33);
    let cases: Vec<(Rpc, &str)> = vec![
        (
            Rpc::new("CreateUploadVideo").param("FileName", "a.mp4"),
            "MissingTitle",
        ),
        (
            Rpc::new("CreateUploadVideo").param("Title", "t"),
            "MissingFileName",
        ),
        (Rpc::create("", "a.mp4"), "MissingTitle"),
        (Rpc::create("t", "noextension"), "InvalidFileName.Extension"),
        (Rpc::create("t", "notes.txt"), "InvalidFileName.Extension"),
        (Rpc::create(&long_title, "a.mp4"), "LengthExceededMax"),
        (Rpc::create("smile 😀", "a.mp4"), "IllegalCharacters"),
        (
            Rpc::create("t", "a.mp4").param("Tags", &many_tags),
            "TagsExceededMax",
        ),
        (
            Rpc::create("t", "a.mp4").param("Tags", &long_tag),
            "LengthExceededMax",
        ),
        (
            Rpc::create("t", "a.mp4").param("Description", &"d".repeat(1025)),
            "LengthExceededMax",
        ),
        (
            Rpc::create("t", "a.mp4").param("FileSize", "-1"),
            "InvalidParameter",
        ),
        (
            Rpc::create("t", "a.mp4").param("UserData", "not json"),
            "InvalidParameter",
        ),
    ];
    for (request, code) in cases {
        let answer = request.signed(&url).send(&client()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, code.to_owned()),
            "{request:?}"
        );
    }
    let answer = Rpc::create(&"t".repeat(128), "a.mp4")
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.status, 200, "128 characters is the limit");

    let answer = Rpc::refresh("0123456789abcdef0123456789abcdef")
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (404, "InvalidVideo.NotFound".into())
    );
    let answer = Rpc::new("RefreshUploadVideo")
        .signed(&url)
        .send(&client())
        .await;
    assert_eq!(answer.code(), "MissingVideoId");
}

#[tokio::test]
async fn xml_format_still_answers_json() {
    let emulator = start().await;
    let body = create_ok(&emulator, Rpc::create("t", "a.mp4").param("Format", "XML")).await;
    assert!(body["VideoId"].is_string());
}
