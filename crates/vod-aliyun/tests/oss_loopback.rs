//! The OSS primitives over real HTTP on loopback, against a scripted stand-in that records
//! what arrives and answers what each test scripts.
//!
//! This checks what the signature vectors cannot: the bytes and headers that reach the wire,
//! the keys of each call (rotated between calls), and how answers become results and errors
//! through the transport (CRC-64 comparison, OSS XML errors, the `x-oss-err` header, request
//! ids). The stand-in verifies no signature: the emulator's OSS host does that with its own
//! code, and the upload tests against it are `oss_storage.rs`.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use vod_aliyun::oss::multipart::CompletedPart;
use vod_aliyun::oss::{ObjectLocation, OssClient, OssSignature, crc64};
use vod_core::raw::SigningKey;
use vod_core::{ErrorKind, HttpConfig, Secret};

/// What arrived.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

/// One scripted answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

#[derive(Default)]
struct Script {
    seen: Vec<Seen>,
    answers: Vec<Answer>,
}

type Shared = Arc<Mutex<Script>>;

async fn handle(
    State(script): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut script = script.lock().unwrap();
    script.seen.push(Seen {
        method,
        uri: uri.to_string(),
        headers,
        body,
    });
    let (status, headers, body) = if script.answers.is_empty() {
        (500, vec![], b"no answer scripted".to_vec())
    } else {
        script.answers.remove(0)
    };
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn stand_in(answers: Vec<Answer>) -> (String, Shared) {
    let script: Shared = Arc::new(Mutex::new(Script {
        seen: vec![],
        answers,
    }));
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::clone(&script));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), script)
}

fn keys(n: u32) -> SigningKey {
    SigningKey::new(format!("STS.key{n}"), Secret::new(format!("secret-{n}")))
        .with_token(Some(Secret::new(format!("CAIS+token/{n}=="))))
}

fn location(endpoint: &str) -> ObjectLocation {
    ObjectLocation::new(
        endpoint,
        "outin-0123",
        "sv/测试 a.mp4",
        Some("cn-shanghai".into()),
    )
    .unwrap()
}

fn client() -> OssClient {
    OssClient::from_http(&HttpConfig::default()).unwrap()
}

fn ok_stored(body: &[u8], etag: &str) -> Answer {
    (
        200,
        vec![
            ("etag", format!("\"{etag}\"")),
            ("x-oss-hash-crc64ecma", crc64::checksum(body).to_string()),
            ("x-oss-request-id", "RID-OK".into()),
        ],
        vec![],
    )
}

#[tokio::test]
async fn a_multipart_upload_sends_exact_bytes_with_each_calls_keys() {
    let part1 = vec![7u8; 150 * 1024];
    let part2 = b"tail".to_vec();
    let whole_crc = crc64::combine(
        crc64::checksum(&part1),
        crc64::checksum(&part2),
        part2.len() as u64,
    );
    let (endpoint, script) = stand_in(vec![
        (
            200,
            vec![],
            b"<InitiateMultipartUploadResult><Bucket>outin-0123</Bucket><Key>k</Key><UploadId>UP-1</UploadId></InitiateMultipartUploadResult>".to_vec(),
        ),
        ok_stored(&part1, "E1"),
        ok_stored(&part2, "E2"),
        (
            200,
            vec![],
            b"<ListPartsResult><UploadId>UP-1</UploadId><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>\"E1\"</ETag><Size>153600</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"E2\"</ETag><Size>4</Size></Part></ListPartsResult>".to_vec(),
        ),
        (
            200,
            vec![("x-oss-hash-crc64ecma", whole_crc.to_string())],
            b"<CompleteMultipartUploadResult><Location>l</Location><Bucket>outin-0123</Bucket><Key>k</Key><ETag>\"X-2\"</ETag></CompleteMultipartUploadResult>".to_vec(),
        ),
    ])
    .await;
    let loc = location(&endpoint);
    let oss = client();

    let up = oss.initiate_multipart_upload(&loc, &keys(1)).await.unwrap();
    assert_eq!(up.upload_id, "UP-1");
    let p1 = oss
        .upload_part(&loc, &keys(1), &up.upload_id, 1, Bytes::from(part1.clone()))
        .await
        .unwrap();
    // The keys rotate mid-upload: the next call signs with the new ones.
    let p2 = oss
        .upload_part(&loc, &keys(2), &up.upload_id, 2, Bytes::from(part2.clone()))
        .await
        .unwrap();
    assert_eq!((p1.etag.as_str(), p2.etag.as_str()), ("E1", "E2"));
    assert!(p1.crc64_checked && p2.crc64_checked);
    assert_eq!(p1.request_id.as_deref(), Some("RID-OK"));
    let page = oss
        .list_parts(&loc, &keys(2), &up.upload_id, None, 1000)
        .await
        .unwrap();
    let parts: Vec<CompletedPart> = page.parts.iter().map(|p| p.completed()).collect();
    let done = oss
        .complete_multipart_upload(&loc, &keys(2), &up.upload_id, &parts, Some(whole_crc))
        .await
        .unwrap();
    assert_eq!(done.upload.etag, "X-2");
    assert_eq!(done.crc64, Some(whole_crc));

    let seen = script.lock().unwrap().seen.clone();
    assert_eq!(seen.len(), 5);
    // Path style on a loopback endpoint, the key encoded whole.
    let path = "/outin-0123/sv%2F%E6%B5%8B%E8%AF%95%20a.mp4";
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].uri, format!("{path}?uploads="));
    assert_eq!(seen[0].headers["content-type"], "video/mp4");
    assert_eq!(seen[1].uri, format!("{path}?uploadId=UP-1&partNumber=1"));
    assert_eq!(seen[1].body, part1, "part 1 arrives byte for byte");
    assert_eq!(seen[2].body, part2);
    assert_eq!(
        seen[3].uri,
        format!("{path}?uploadId=UP-1&part-number-marker=&max-parts=1000")
    );
    assert_eq!(
        seen[4].body,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"E1\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"E2\"</ETag></Part></CompleteMultipartUpload>"
    );
    for (i, s) in seen.iter().enumerate() {
        let n = if i < 2 { 1 } else { 2 };
        assert_eq!(
            s.headers["x-oss-security-token"],
            format!("CAIS+token/{n}=="),
            "call {i}"
        );
        let auth = s.headers["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with(&format!("OSS4-HMAC-SHA256 Credential=STS.key{n}/")),
            "call {i}: {auth}"
        );
        assert!(
            auth.contains("/cn-shanghai/oss/aliyun_v4_request, Signature="),
            "{auth}"
        );
        assert_eq!(s.headers["x-oss-content-sha256"], "UNSIGNED-PAYLOAD");
        assert!(s.headers.contains_key("x-oss-date") && !s.headers.contains_key("date"));
    }
}

#[tokio::test]
async fn v1_put_object_and_a_damaged_body() {
    let body = b"hello world".to_vec();
    let (endpoint, script) = stand_in(vec![
        ok_stored(&body, "5EB63BBBE01EEED093CB22BB8F5ACDC3"),
        // OSS stored something else: its CRC is of other bytes.
        (
            200,
            vec![
                ("etag", "\"X\"".into()),
                (
                    "x-oss-hash-crc64ecma",
                    crc64::checksum(b"hellp world").to_string(),
                ),
                ("x-oss-request-id", "RID-BAD".into()),
            ],
            vec![],
        ),
    ])
    .await;
    let oss = client().with_signature(OssSignature::V1);
    let loc = location(&endpoint);
    let stored = oss
        .put_object(&loc, &keys(1), body.clone().into())
        .await
        .unwrap();
    assert_eq!(stored.crc64, 5981764153023615706);
    let err = oss
        .put_object(&loc, &keys(1), body.clone().into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChecksumMismatch);
    assert!(err.is_retryable());
    assert_eq!(err.request_id(), Some("RID-BAD"));
    assert_eq!(err.operation(), Some("PutObject"));

    let seen = script.lock().unwrap().seen.clone();
    assert_eq!(seen[0].method, Method::PUT);
    assert_eq!(seen[0].body, body);
    assert_eq!(seen[0].headers["content-type"], "video/mp4");
    assert!(
        seen[0].headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("OSS STS.key1:")
    );
    assert!(seen[0].headers.contains_key("date") && !seen[0].headers.contains_key("x-oss-date"));
}

#[tokio::test]
async fn oss_errors_through_the_transport() {
    let expired = b"<?xml version=\"1.0\"?><Error><Code>SecurityTokenExpired</Code><Message>The security token you provided has expired.</Message><RequestId>RID-EXP</RequestId><HostId>h</HostId><EC>0002-00000007</EC></Error>";
    let no_such = base64::engine::general_purpose::STANDARD.encode(
        b"<Error><Code>NoSuchUpload</Code><Message>gone</Message><RequestId>RID-NSU</RequestId></Error>",
    );
    let (endpoint, _script) = stand_in(vec![
        (403, vec![("content-type", "application/xml".into())], expired.to_vec()),
        (404, vec![("x-oss-err", no_such), ("x-oss-request-id", "RID-NSU".into())], vec![]),
        (403, vec![], b"<Error><Code>InvalidAccessKeyId</Code><Message>The OSS Access Key Id you provided does not exist in our records.</Message></Error>".to_vec()),
        (200, vec![("x-oss-hash-crc64ecma", "0".into())], vec![]),
    ])
    .await;
    let oss = client();
    let loc = location(&endpoint);

    let err = oss
        .upload_part(&loc, &keys(1), "UP", 1, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CredentialExpired);
    assert!(err.kind().needs_new_credential());
    assert_eq!(err.request_id(), Some("RID-EXP"));
    assert_eq!(err.http_status(), Some(403));
    assert!(err.message().contains("EC 0002-00000007"), "{err}");

    let err = oss
        .abort_multipart_upload(&loc, &keys(1), "UP")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor_code(), Some("NoSuchUpload"));

    let err = oss
        .list_parts(&loc, &keys(1), "UP", Some(3), 10)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::CredentialExpired,
        "an STS key OSS no longer knows"
    );

    // A success without an ETag is not a stored part.
    let err = oss
        .upload_part(&loc, &keys(1), "UP", 2, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("no ETag"), "{err}");
    assert!(!format!("{err:?}").contains("CAIS"));
}

#[tokio::test]
async fn bad_ids_are_refused_before_any_request() {
    let (endpoint, script) = stand_in(vec![]).await;
    let oss = client();
    let loc = location(&endpoint);
    let err = oss
        .upload_part(&loc, &keys(1), "UP", 0, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("part_number"));
    let err = oss
        .upload_part(&loc, &keys(1), "UP", 10_001, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("part_number"));
    let err = oss
        .abort_multipart_upload(&loc, &keys(1), " ")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("upload_id"));
    let err = oss
        .list_parts(&loc, &keys(1), "UP", None, 1001)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("max_parts"));
    let err = oss
        .complete_multipart_upload(&loc, &keys(1), "UP", &[], None)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("parts"));
    // V4 without any region to sign with: a config error naming the key.
    let no_region = ObjectLocation::new(&endpoint, "outin-0123", "k", None).unwrap();
    let err = oss
        .abort_multipart_upload(&no_region, &keys(1), "UP")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(script.lock().unwrap().seen.is_empty());
    let with_region = client().with_region("cn-beijing");
    assert!(with_region.signer(&no_region).is_ok());
}

fn page(numbers: &[u32], next: Option<u32>) -> Answer {
    let parts: String = numbers
        .iter()
        .map(|n| {
            format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>\"E{n}\"</ETag><Size>102400</Size></Part>"
            )
        })
        .collect();
    let truncated = next.is_some();
    let next = next
        .map(|n| format!("<NextPartNumberMarker>{n}</NextPartNumberMarker>"))
        .unwrap_or_default();
    (
        200,
        vec![],
        format!("<ListPartsResult><UploadId>UP</UploadId><IsTruncated>{truncated}</IsTruncated>{next}{parts}</ListPartsResult>").into_bytes(),
    )
}

#[tokio::test]
async fn list_all_parts_follows_the_markers_and_stops_when_they_do_not_advance() {
    let (endpoint, script) = stand_in(vec![
        page(&[1, 2], Some(2)),
        page(&[3], None),
        page(&[1], Some(1)),
        page(&[1], Some(1)),
    ])
    .await;
    let oss = client();
    let loc = location(&endpoint);
    let parts = oss.list_all_parts(&loc, &keys(1), "UP").await.unwrap();
    let numbers: Vec<u32> = parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    {
        let seen = &script.lock().unwrap().seen;
        assert!(
            seen[0].uri.ends_with("part-number-marker=&max-parts=1000"),
            "{}",
            seen[0].uri
        );
        assert!(
            seen[1].uri.ends_with("part-number-marker=2&max-parts=1000"),
            "{}",
            seen[1].uri
        );
    }

    let err = oss.list_all_parts(&loc, &keys(1), "UP").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("does not advance"), "{err}");
    assert_eq!(script.lock().unwrap().seen.len(), 4);
}
