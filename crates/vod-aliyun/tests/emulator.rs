//! The adapter against `vod-emulator` over real HTTP on loopback: both signatures, long-term and
//! STS caller keys, the error cases, and clock-skew correction.
//!
//! The emulator verifies signatures with its own code, so a request it accepts was signed the
//! way Aliyun documents, not merely the way this crate's signer agrees with itself.

use std::sync::Arc;

use time::Duration;
use vod_aliyun::AliyunProvider;
use vod_core::config::AliyunSignature;
use vod_core::raw::OffsetClock;
use vod_core::{
    AliyunOptions, ErrorKind, OssTarget, RefreshRequest, UploadCredential,
    UploadCredentialProvider, UploadRequest, UploadTarget,
};
use vod_emulator::{AccessKey, Emulator, EmulatorConfig, Fault, FaultKind, Operation, Vendor};

const STS_ID: &str = "STS.emulator-caller";
const STS_SECRET: &str = "sts-caller-secret";
const STS_TOKEN: &str = "CAIS+caller/token==";

/// An emulator that knows the default long-term key and an STS caller key.
async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig {
        keys: vec![
            AccessKey::default_key(),
            AccessKey::new(STS_ID, STS_SECRET).with_security_token(STS_TOKEN),
        ],
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

#[derive(Debug, Clone, Copy)]
enum Caller {
    LongTerm,
    Sts,
}

fn provider(emulator: &Emulator, signature: AliyunSignature, caller: Caller) -> AliyunProvider {
    let builder = AliyunProvider::builder()
        .endpoint(emulator.aliyun_url())
        .signature(signature);
    match caller {
        Caller::LongTerm => builder
            .access_key_id(AccessKey::DEFAULT_ID)
            .access_key_secret(AccessKey::DEFAULT_SECRET),
        Caller::Sts => builder
            .access_key_id(STS_ID)
            .access_key_secret(STS_SECRET)
            .security_token(STS_TOKEN),
    }
    .build()
    .expect("provider builds")
}

fn oss(cred: &UploadCredential) -> &OssTarget {
    match &cred.target {
        UploadTarget::Oss(t) => t,
        other => panic!("not an OSS target: {other}"),
    }
}

fn full_request() -> UploadRequest {
    UploadRequest::new("videos/Holiday 2024 *~ (1).mp4")
        .file_size(10_485_760)
        .description("测试 upload, with spaces & symbols")
        .tags(["beach", "sun set"])
        .template("tg-1")
        .resume_id("resume-me")
        .overwrite(true)
        .aliyun(
            AliyunOptions::default()
                .cover_url("https://example.com/cover.png?x=1&y=2")
                .cate_id(1000)
                .user_data(r#"{"Extend":{"k":"v w"}}"#)
                .app_id("app-1000000"),
        )
}

async fn create_then_refresh(signature: AliyunSignature, caller: Caller) {
    let emulator = emulator().await;
    let handle = emulator.handle();
    let p = provider(&emulator, signature, caller);

    let created = p.create_upload(&full_request()).await.unwrap_or_else(|e| {
        panic!("{signature:?} {caller:?} create: {e}");
    });
    assert_eq!(created.provider, "aliyun");
    assert!(!created.media_id.is_empty());
    assert!(created.request_id.is_some());
    assert_eq!(created.file_name, "videos/Holiday 2024 *~ (1).mp4");
    assert_eq!(created.resume_id.as_deref(), Some("resume-me"));
    assert!(created.expires_at > created.issued_at);
    let target = oss(&created).clone();
    assert!(target.endpoint.starts_with("http"), "{}", target.endpoint);
    assert!(target.access_key_id.starts_with("STS."));
    assert!(!target.access_key_secret.is_empty() && !target.security_token.is_empty());
    assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 1);

    let refreshed = p
        .refresh_upload(&created.refresh_request())
        .await
        .unwrap_or_else(|e| panic!("{signature:?} {caller:?} refresh: {e}"));
    assert_eq!(handle.calls(Operation::AliyunRefreshUploadVideo), 1);
    assert_eq!(refreshed.media_id, created.media_id);
    assert_eq!(refreshed.file_name, created.file_name);
    assert_eq!(refreshed.resume_id, created.resume_id);
    let fresh = oss(&refreshed);
    assert_eq!(fresh.endpoint, target.endpoint);
    assert_eq!(fresh.bucket, target.bucket);
    assert_eq!(fresh.object_key, target.object_key);
    assert_ne!(
        fresh.access_key_secret, target.access_key_secret,
        "a new secret"
    );
    assert_ne!(refreshed.request_id, created.request_id);
    assert_eq!(handle.calls(Operation::AliyunOther), 0);
}

#[tokio::test]
async fn create_then_refresh_v1() {
    create_then_refresh(AliyunSignature::V1, Caller::LongTerm).await;
}

#[tokio::test]
async fn create_then_refresh_v3() {
    create_then_refresh(AliyunSignature::V3, Caller::LongTerm).await;
}

#[tokio::test]
async fn create_then_refresh_v1_with_an_sts_caller_key() {
    create_then_refresh(AliyunSignature::V1, Caller::Sts).await;
}

#[tokio::test]
async fn create_then_refresh_v3_with_an_sts_caller_key() {
    create_then_refresh(AliyunSignature::V3, Caller::Sts).await;
}

#[tokio::test]
async fn default_title_and_minimal_request() {
    let emulator = emulator().await;
    for signature in [AliyunSignature::V1, AliyunSignature::V3] {
        let p = provider(&emulator, signature, Caller::LongTerm);
        let cred = p
            .create_upload(&UploadRequest::new("C:\\clips\\a b.MOV"))
            .await
            .unwrap_or_else(|e| panic!("{signature:?}: {e}"));
        assert_eq!(cred.file_name, "C:\\clips\\a b.MOV");
    }
}

#[tokio::test]
async fn refresh_of_an_unknown_video_is_not_found() {
    let emulator = emulator().await;
    for signature in [AliyunSignature::V1, AliyunSignature::V3] {
        let p = provider(&emulator, signature, Caller::LongTerm);
        let err = p
            .refresh_upload(&RefreshRequest::new("0123456789abcdef0123456789abcdef"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert_eq!(err.vendor_code(), Some("InvalidVideo.NotFound"));
        assert_eq!(err.operation(), Some("RefreshUploadVideo"));
        assert!(err.request_id().is_some(), "{err:?}");
        assert!(err.http_status().is_some());
    }
}

#[tokio::test]
async fn a_wrong_secret_is_unauthenticated_and_named_as_such() {
    let emulator = emulator().await;
    for signature in [AliyunSignature::V1, AliyunSignature::V3] {
        for caller in [Caller::LongTerm, Caller::Sts] {
            let (id, token) = match caller {
                Caller::LongTerm => (AccessKey::DEFAULT_ID, None),
                Caller::Sts => (STS_ID, Some(STS_TOKEN)),
            };
            let mut builder = AliyunProvider::builder()
                .endpoint(emulator.aliyun_url())
                .signature(signature)
                .access_key_id(id)
                .access_key_secret("not-the-secret");
            if let Some(token) = token {
                builder = builder.security_token(token);
            }
            let p = builder.build().unwrap();
            let err = p
                .create_upload(&UploadRequest::new("a.mp4"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
            assert_eq!(err.vendor_code(), Some("SignatureDoesNotMatch"));
            assert!(
                err.message().contains("the secret is wrong"),
                "{signature:?} {caller:?}: {err}"
            );
            // Neither the token nor the quoted string to sign reaches the error.
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("CAIS"), "{shown}");
            assert!(!shown.contains("caller%252Ftoken"), "{shown}");
            assert!(!shown.contains("AccessKeyId%3D"), "{shown}");
            assert!(!shown.contains("not-the-secret"), "{shown}");
        }
    }
}

#[tokio::test]
async fn sts_caller_keys_need_their_token() {
    let emulator = emulator().await;
    for signature in [AliyunSignature::V1, AliyunSignature::V3] {
        let base = || {
            AliyunProvider::builder()
                .endpoint(emulator.aliyun_url())
                .signature(signature)
                .access_key_id(STS_ID)
                .access_key_secret(STS_SECRET)
        };
        let err = base()
            .build()
            .unwrap()
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");

        let err = base()
            .security_token("CAIS+wrong/token==")
            .build()
            .unwrap()
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("CAIS"), "{shown}");
    }
}

#[tokio::test]
async fn an_unknown_access_key_is_unauthenticated() {
    let emulator = emulator().await;
    let p = AliyunProvider::builder()
        .endpoint(emulator.aliyun_url())
        .access_key_id("nobody")
        .access_key_secret("x")
        .build()
        .unwrap();
    let err = p
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert_eq!(err.vendor_code(), Some("InvalidAccessKeyId.NotFound"));
}

#[tokio::test]
async fn invalid_input_never_reaches_the_vendor() {
    let emulator = emulator().await;
    let handle = emulator.handle();
    let p = provider(&emulator, AliyunSignature::V1, Caller::LongTerm);
    let cases = [
        (UploadRequest::new("no-extension"), "file_name"),
        (UploadRequest::new("a.mp4").title("🎬 premiere"), "title"),
        (UploadRequest::new("a.mp4").title("t".repeat(129)), "title"),
        (
            UploadRequest::new("a.mp4").description("d".repeat(1025)),
            "description",
        ),
        (UploadRequest::new("a.mp4").tags(vec!["t"; 17]), "tags"),
        (
            UploadRequest::new("a.mp4").aliyun(AliyunOptions::default().user_data("{oops")),
            "aliyun.user_data",
        ),
    ];
    for (request, field) in cases {
        let err = p.create_upload(&request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.field(), Some(field), "{err}");
    }
    let err = p
        .refresh_upload(&RefreshRequest::new(""))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("media_id"));
    assert_eq!(handle.total_calls(), 0);
}

#[tokio::test]
async fn a_clock_20_minutes_off_is_corrected() {
    let emulator = emulator().await;
    let handle = emulator.handle();
    for (signature, offset) in [
        (AliyunSignature::V1, Duration::minutes(-20)),
        (AliyunSignature::V3, Duration::minutes(20)),
    ] {
        handle.reset_counters();
        let p = AliyunProvider::builder()
            .endpoint(emulator.aliyun_url())
            .signature(signature)
            .access_key_id(AccessKey::DEFAULT_ID)
            .access_key_secret(AccessKey::DEFAULT_SECRET)
            .clock(Arc::new(OffsetClock::new(offset)))
            .build()
            .unwrap();
        let cred = p
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_or_else(|e| panic!("{signature:?} {offset}: {e}"));
        // One rejected attempt, one corrected.
        assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 2);
        // The issue time is by the corrected clock.
        let now = time::OffsetDateTime::now_utc();
        assert!(
            (cred.issued_at - now).abs() < Duration::minutes(1),
            "{}",
            cred.issued_at
        );
        // Later calls sign with the corrected clock right away.
        p.refresh_upload(&cred.refresh_request()).await.unwrap();
        assert_eq!(handle.calls(Operation::AliyunRefreshUploadVideo), 1);
    }
}

#[tokio::test]
async fn vendor_faults_map_to_kinds() {
    let emulator = emulator().await;
    let handle = emulator.handle();
    let p = provider(&emulator, AliyunSignature::V3, Caller::Sts);
    let request = UploadRequest::new("a.mp4");

    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::VendorError {
            code: "Throttling.User".into(),
            message: "Request was denied due to user flow control.".into(),
            http_status: 400,
        },
    ));
    let err = p.create_upload(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.vendor_code(), Some("Throttling.User"));
    assert!(err.request_id().is_some());

    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::RetryAfter {
            status: 503,
            seconds: 2,
        },
    ));
    let err = p.create_upload(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(2)));

    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::ServerErrorHtml { status: 502 },
    ));
    let err = p.create_upload(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.http_status(), Some(502));
    assert!(err.message().contains("body starts"), "{err}");

    handle.inject(Fault::new(Vendor::Aliyun, FaultKind::TruncatedJson));
    let err = p.create_upload(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert_eq!(err.http_status(), Some(200));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("CAIS"), "{shown}");

    handle.inject(Fault::new(Vendor::Aliyun, FaultKind::DropConnection));
    let err = p.create_upload(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");

    for (code, kind) in [
        ("InternalError", ErrorKind::Unavailable),
        ("Forbidden.RAM", ErrorKind::PermissionDenied),
        ("InvalidTemplateGroupId.NotFound", ErrorKind::NotFound),
    ] {
        handle.inject(Fault::new(
            Vendor::Aliyun,
            FaultKind::VendorError {
                code: code.into(),
                message: "m".into(),
                http_status: 500,
            },
        ));
        let err = p.create_upload(&request).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{code}: {err}");
    }

    // After the faults, the same provider works.
    p.create_upload(&request).await.unwrap();
}
