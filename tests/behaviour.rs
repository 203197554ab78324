//! The behaviour suite: every case runs against every provider in `support::PROVIDERS`, through
//! `vod-emulator`, over real HTTP on loopback. Retries are off (`max_attempts = 1`) so each case
//! sees the adapter's own behaviour; the resilience suite covers the layers.

#[macro_use]
mod support;

use std::time::{Duration, Instant};

use support::{Case, Harness, PROVIDERS, assert_no_secret, secrets_of};
use vod::emulator::FaultKind;
use vod::{ErrorKind, RefreshRequest, UploadCredential, UploadRequest, UploadTarget};

const NO_RETRY: &str = "max_attempts = 1\ntimeout_secs = 2";

fn request() -> UploadRequest {
    UploadRequest::new("holiday.mp4")
        .title("Holiday")
        .file_size(1024)
        .tags(["a", "b"])
}

async fn create_returns_a_usable_credential(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    let cred = h
        .provider
        .create_upload(&request())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(cred.provider, h.provider.name(), "{}", case.name);
    assert!(!cred.media_id.is_empty(), "{}", case.name);
    let now = vod::time::OffsetDateTime::now_utc();
    assert!(
        cred.expires_at > now + vod::time::Duration::minutes(10),
        "{}: {cred:?}",
        case.name
    );
    match (&cred.target, case.vendor) {
        (UploadTarget::Oss(t), vod::emulator::Vendor::Aliyun) => {
            assert!(t.endpoint.starts_with("http"), "{}", case.name);
            assert!(t.access_key_id.starts_with("STS."), "{}", case.name);
            assert!(!t.access_key_secret.is_empty() && !t.security_token.is_empty());
        }
        (UploadTarget::WangsuStorage(t), vod::emulator::Vendor::Wangsu) => {
            assert!(
                !t.file_key.is_empty() && !t.upload_token.is_empty(),
                "{}",
                case.name
            );
        }
        (target, _) => panic!("{}: unexpected target {target:?}", case.name),
    }
    assert_eq!(h.create_calls(), 1, "{}", case.name);
}

async fn refresh_from_a_stored_credential_keeps_the_target(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    let created = h.provider.create_upload(&request()).await.unwrap();
    // Store it the way an app would, then refresh from what was stored.
    let stored = serde_json::to_string(&created).unwrap();
    let stored: UploadCredential = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored, created, "{}", case.name);
    let fresh = h
        .provider
        .refresh_upload(&stored.refresh_request())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(fresh.media_id, created.media_id, "{}", case.name);
    match (&fresh.target, &created.target) {
        (UploadTarget::Oss(a), UploadTarget::Oss(b)) => {
            assert_eq!(
                (&a.endpoint, &a.bucket, &a.object_key),
                (&b.endpoint, &b.bucket, &b.object_key)
            );
            assert_ne!(
                a.access_key_secret, b.access_key_secret,
                "{}: same STS secret",
                case.name
            );
        }
        (UploadTarget::WangsuStorage(a), UploadTarget::WangsuStorage(b)) => {
            assert_eq!(a.file_key, b.file_key, "{}", case.name);
            assert_ne!(a.upload_token, b.upload_token, "{}: same token", case.name);
        }
        other => panic!("{}: targets differ in kind: {other:?}", case.name),
    }
}

async fn refreshing_an_unknown_video_is_not_found(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    let req = RefreshRequest::new("00000000000000000000000000000000")
        .file_name("holiday.mp4")
        .resume_id("ffffffffffffffffffffffffffffffff");
    let err = h.provider.refresh_upload(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{}: {err}", case.name);
}

async fn invalid_input_fails_before_any_network_call(case: &Case) {
    let bad = [
        (UploadRequest::new(""), "file_name"),
        (UploadRequest::new("no-extension"), "file_name"),
        (UploadRequest::new("a.mp4").title("x".repeat(129)), "title"),
        (UploadRequest::new("a.mp4").tags(vec!["t"; 17]), "tags"),
        (UploadRequest::new("a\nb.mp4"), "file_name"),
    ];
    let h = Harness::start(case, NO_RETRY).await;
    for (req, field) in &bad {
        // Wangsu has no title, so its adapter does not limit one.
        if case.vendor == vod::emulator::Vendor::Wangsu && *field == "title" {
            continue;
        }
        let err = h.provider.create_upload(req).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{}: {err}", case.name);
        assert_eq!(err.field(), Some(*field), "{}: {err}", case.name);
    }
    let err = h
        .provider
        .refresh_upload(&RefreshRequest::new(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{}", case.name);
    assert_eq!(
        h.total_calls(),
        0,
        "{}: a request reached the vendor",
        case.name
    );
}

async fn a_wrong_secret_is_unauthenticated(case: &Case) {
    let h = Harness::start_with(case, Default::default(), NO_RETRY, "not-the-secret").await;
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Unauthenticated,
        "{}: {err}",
        case.name
    );
    assert!(!err.is_retryable());
    assert_no_secret(case.name, &format!("{err} {err:?}"), &["not-the-secret"]);
}

async fn throttling_is_rate_limited_and_retryable(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    h.inject(1, (case.throttled)());
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{}: {err}", case.name);
    assert!(err.is_retryable(), "{}", case.name);
    assert!(
        err.vendor_code().is_some() || err.http_status() == Some(429),
        "{}: {err}",
        case.name
    );
}

async fn a_5xx_is_retryable(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    h.inject(1, FaultKind::ServerErrorHtml { status: 503 });
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{}: {err}", case.name);
    assert!(err.is_retryable(), "{}", case.name);
    assert_eq!(err.http_status(), Some(503), "{}", case.name);
}

async fn html_or_truncated_bodies_are_invalid_responses(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    for fault in [
        FaultKind::TruncatedJson,
        FaultKind::ServerErrorHtml { status: 200 },
    ] {
        h.inject(1, fault.clone());
        let err = h.provider.create_upload(&request()).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidResponse,
            "{} {fault:?}: {err}",
            case.name
        );
        assert_eq!(err.http_status(), Some(200), "{}", case.name);
        assert!(
            err.to_string().contains("body starts"),
            "{}: {err}",
            case.name
        );
        assert_no_secret(case.name, &format!("{err} {err:?}"), &[]);
    }
}

async fn a_stalled_server_ends_in_timeout(case: &Case) {
    let h = Harness::start(case, "max_attempts = 1\ntimeout_secs = 1").await;
    h.inject(1, FaultKind::Delay(Duration::from_secs(30)));
    let started = Instant::now();
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{}: {err}", case.name);
    assert!(err.is_retryable());
    // The bound is the configured timeout, not the server's 30 s stall.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{}: took {:?}",
        case.name,
        started.elapsed()
    );
}

async fn a_dropped_connection_is_a_network_error(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    h.inject(1, FaultKind::DropConnection);
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}: {err}", case.name);
    assert!(err.is_retryable());
}

async fn no_secret_in_any_debug_display_or_error(case: &Case) {
    let h = Harness::start(case, NO_RETRY).await;
    let cred = h.provider.create_upload(&request()).await.unwrap();
    let secrets = secrets_of(&cred);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert!(secrets.iter().all(|s| !s.is_empty()));
    assert_no_secret(case.name, &format!("{:?}", h.provider), &secrets);
    assert_no_secret(case.name, &format!("{:?}", h.config), &secrets);
    assert_no_secret(
        case.name,
        &format!("{cred:?} {cred:#?} {cred} {}", cred.summary()),
        &secrets,
    );
    h.inject(1, FaultKind::TruncatedJson);
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_no_secret(case.name, &format!("{err} {err:?}"), &secrets);
    // The handover is the one place secrets appear, on purpose.
    let json = serde_json::to_string(&cred).unwrap();
    assert!(secrets.iter().all(|s| json.contains(s)));
}

#[tokio::test]
async fn a_credential_from_another_provider_is_refused() {
    let [aliyun, wangsu] = [&PROVIDERS[0], &PROVIDERS[2]];
    let a = Harness::start(aliyun, NO_RETRY).await;
    let w = Harness::start(wangsu, NO_RETRY).await;
    let cred = a.provider.create_upload(&request()).await.unwrap();
    let err = w
        .provider
        .refresh_upload(&cred.refresh_request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field(), Some("provider"));
    assert_eq!(w.total_calls(), 0);
}

provider_tests!(
    create_returns_a_usable_credential,
    refresh_from_a_stored_credential_keeps_the_target,
    refreshing_an_unknown_video_is_not_found,
    invalid_input_fails_before_any_network_call,
    a_wrong_secret_is_unauthenticated,
    throttling_is_rate_limited_and_retryable,
    a_5xx_is_retryable,
    html_or_truncated_bodies_are_invalid_responses,
    a_stalled_server_ends_in_timeout,
    a_dropped_connection_is_a_network_error,
    no_secret_in_any_debug_display_or_error,
);
