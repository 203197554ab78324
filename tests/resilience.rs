//! The resilience layers against the emulator's fault injection, for every provider: retries,
//! timeouts, clock-skew correction and the refresh-ahead cache.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Harness, PROVIDERS};
use vod::emulator::{EmulatorConfig, FaultKind};
use vod::layer::RefreshAhead;
use vod::{ErrorKind, UploadCredentialProvider, UploadRequest};

fn request() -> UploadRequest {
    UploadRequest::new("clip.mp4")
}

/// Credentials that live one minute: inside the default five-minute margin from the start.
fn short_lived() -> EmulatorConfig {
    EmulatorConfig {
        aliyun_credential_ttl: Duration::from_secs(60),
        wangsu_token_ttl: Duration::from_secs(60),
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn a_throttled_call_succeeds_on_retry() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 3").await;
        h.inject(2, (case.throttled)());
        let cred = h.provider.create_upload(&request()).await;
        assert!(cred.is_ok(), "{}: {:?}", case.name, cred.err());
        assert_eq!(h.create_calls(), 3, "{}", case.name);
    }
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 2").await;
        h.inject(5, FaultKind::ServerErrorHtml { status: 503 });
        let err = h.provider.create_upload(&request()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{}", case.name);
        assert_eq!(h.create_calls(), 2, "{}", case.name);
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 2").await;
        h.inject(
            1,
            FaultKind::RetryAfter {
                status: 503,
                seconds: 1,
            },
        );
        let started = Instant::now();
        h.provider.create_upload(&request()).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{}: did not wait",
            case.name
        );
        assert_eq!(h.create_calls(), 2, "{}", case.name);
    }
}

#[tokio::test]
async fn a_non_retryable_error_makes_exactly_one_call() {
    for case in PROVIDERS {
        let h = Harness::start_with(
            case,
            EmulatorConfig::default(),
            "max_attempts = 5",
            "wrong-secret",
        )
        .await;
        let err = h.provider.create_upload(&request()).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Unauthenticated,
            "{}: {err}",
            case.name
        );
        assert_eq!(h.total_calls(), 1, "{}", case.name);
    }
}

#[tokio::test]
async fn a_stalled_server_times_out_within_the_configured_bound() {
    for case in PROVIDERS {
        // Two attempts of one second each, and at most five seconds in all.
        let h = Harness::start(
            case,
            "max_attempts = 2\ntimeout_secs = 1\nmax_elapsed_secs = 5",
        )
        .await;
        h.inject(2, FaultKind::Delay(Duration::from_secs(60)));
        let started = Instant::now();
        let err = h.provider.create_upload(&request()).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{}: {err}", case.name);
        assert!(
            took < Duration::from_secs(5),
            "{}: took {took:?}",
            case.name
        );
        assert_eq!(h.create_calls(), 2, "{}", case.name);
    }
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_and_the_call_succeeds() {
    for case in PROVIDERS {
        for skew in [20, -20] {
            let h = Harness::start(case, "max_attempts = 1").await;
            // The vendor's clock runs 20 minutes away from ours: our first timestamp is rejected.
            h.emulator
                .handle()
                .set_clock_skew(vod::time::Duration::minutes(skew));
            let cred = h.provider.create_upload(&request()).await;
            assert!(cred.is_ok(), "{} skew {skew}: {:?}", case.name, cred.err());
            assert_eq!(
                h.create_calls(),
                2,
                "{} skew {skew}: expected one rejected call",
                case.name
            );
            // Later calls use the corrected clock: no more rejections.
            h.provider.create_upload(&request()).await.unwrap();
            assert_eq!(h.create_calls(), 3, "{} skew {skew}", case.name);
        }
    }
}

#[tokio::test]
async fn a_thousand_concurrent_refreshes_make_one_vendor_call() {
    for case in PROVIDERS {
        let h = Harness::start_with(case, short_lived(), "max_attempts = 1", support::SK).await;
        let cache = Arc::new(RefreshAhead::new(h.provider.clone()));
        let expiring = h.provider.create_upload(&request()).await.unwrap();
        let before = h.refresh_calls();
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let cache = cache.clone();
                let stored = expiring.clone();
                tokio::spawn(async move { cache.refresh_upload(&stored.refresh_request()).await })
            })
            .collect();
        let mut fresh = Vec::new();
        for t in tasks {
            fresh.push(
                t.await
                    .unwrap()
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name)),
            );
        }
        assert_eq!(h.refresh_calls() - before, 1, "{}", case.name);
        assert!(
            fresh.iter().all(|c| *c == fresh[0]),
            "{}: callers got different credentials",
            case.name
        );
        assert_ne!(fresh[0], expiring, "{}", case.name);
    }
}

#[tokio::test]
async fn a_failed_refresh_is_not_served_from_cache() {
    for case in PROVIDERS {
        let h = Harness::start_with(case, short_lived(), "max_attempts = 1", support::SK).await;
        let cache = RefreshAhead::new(h.provider.clone());
        let expiring = h.provider.create_upload(&request()).await.unwrap();
        h.inject(1, FaultKind::ServerErrorHtml { status: 503 });
        let err = cache
            .refresh_upload(&expiring.refresh_request())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{}", case.name);
        let before = h.refresh_calls();
        let fresh = cache
            .refresh_upload(&expiring.refresh_request())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            h.refresh_calls() - before,
            1,
            "{}: the failure was cached",
            case.name
        );
        assert_eq!(fresh.media_id, expiring.media_id);
    }
}

#[tokio::test]
async fn concurrent_callers_of_a_failing_refresh_share_one_failure() {
    let case = &PROVIDERS[0];
    let h = Harness::start_with(case, short_lived(), "max_attempts = 1", support::SK).await;
    let cache = Arc::new(RefreshAhead::new(h.provider.clone()));
    let expiring = h.provider.create_upload(&request()).await.unwrap();
    h.inject(1, FaultKind::Delay(Duration::from_millis(300)));
    h.inject(1, FaultKind::ServerErrorHtml { status: 503 });
    let before = h.refresh_calls();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (cache, stored) = (cache.clone(), expiring.clone());
            tokio::spawn(async move { cache.refresh_upload(&stored.refresh_request()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(h.refresh_calls() - before, 1);
}

/// Hands out nonces like the default source, and remembers them.
#[derive(Debug, Default)]
struct RecordingNonces(std::sync::Mutex<Vec<String>>);

impl vod::NonceSource for RecordingNonces {
    fn nonce(&self) -> String {
        let nonce = vod::RandomNonce.nonce();
        self.0.lock().unwrap().push(nonce.clone());
        nonce
    }
}

#[tokio::test]
async fn each_retry_is_signed_afresh_with_a_new_nonce() {
    use vod::aliyun::AliyunProvider;
    use vod::config::AliyunSignature;
    use vod::layer::{Retry, RetryPolicy};

    for signature in [AliyunSignature::V1, AliyunSignature::V3] {
        let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
        let nonces = Arc::new(RecordingNonces::default());
        let provider = AliyunProvider::builder()
            .access_key_id(support::AK)
            .access_key_secret(support::SK)
            .endpoint(h.emulator.aliyun_url())
            .signature(signature)
            .nonces(nonces.clone())
            .build()
            .unwrap();
        let provider = Retry::new(
            provider,
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(10)),
        );
        h.inject(2, (PROVIDERS[0].throttled)());
        provider.create_upload(&request()).await.unwrap();
        let used = nonces.0.lock().unwrap().clone();
        assert_eq!(used.len(), 3, "{signature:?}: {used:?}");
        let distinct: std::collections::HashSet<_> = used.iter().collect();
        assert_eq!(
            distinct.len(),
            3,
            "{signature:?}: a nonce was reused: {used:?}"
        );
        assert_eq!(h.create_calls(), 3);
    }
}
