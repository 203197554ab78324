//! The resilience layers against the emulator's fault injection, for every provider: retries (and
//! which creates they may repeat), timeouts, the whole-call bound, clock-skew correction and the
//! refresh-ahead cache. Each case is a test per provider (`cargo test wangsu_cnc`).

#[macro_use]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Case, Harness, PROVIDERS};
use vod::emulator::{EmulatorConfig, FaultKind, Vendor};
use vod::layer::RefreshAhead;
use vod::{Config, ErrorKind, UploadCredentialProvider, UploadRequest};

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

async fn a_throttled_call_succeeds_on_retry(case: &Case) {
    let h = Harness::start(case, "max_attempts = 3").await;
    h.inject(2, (case.throttled)());
    let cred = h.provider.create_upload(&request()).await;
    assert!(cred.is_ok(), "{}: {:?}", case.name, cred.err());
    assert_eq!(h.create_calls(), 3, "{}", case.name);
}

async fn retries_stop_at_max_attempts(case: &Case) {
    let h = Harness::start(case, "max_attempts = 2").await;
    h.inject(5, (case.throttled)());
    let err = h.provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{}", case.name);
    assert_eq!(h.create_calls(), 2, "{}", case.name);
    assert_eq!(err.attempts(), Some(2), "{}: {err}", case.name);
    assert!(
        err.to_string().contains("2 attempts"),
        "{}: {err}",
        case.name
    );
}

/// Whether a create of this provider may be sent again after the vendor may have acted on it.
fn create_is_repeatable(case: &Case) -> bool {
    // Wangsu: the fileId is fixed before the first attempt, so a repeat asks for the same upload.
    case.vendor == Vendor::Wangsu
}

/// After a fault that leaves the outcome unknown, a create is repeated only by a provider whose
/// create is repeatable; any other says the outcome is unknown and makes no second call.
async fn create_after_unknown_outcome(case: &Case, fault: FaultKind) {
    let h = Harness::start(case, "max_attempts = 3\ntimeout_secs = 1").await;
    h.inject(1, fault.clone());
    let result = h.provider.create_upload(&request()).await;
    if create_is_repeatable(case) {
        let cred = result.unwrap_or_else(|e| panic!("{} {fault:?}: {e}", case.name));
        assert_eq!(h.create_calls(), 2, "{} {fault:?}", case.name);
        // The credential can be refreshed with the resume id fixed before the first attempt.
        let fresh = h
            .provider
            .refresh_upload(&cred.refresh_request())
            .await
            .unwrap();
        assert_eq!(fresh.media_id, cred.media_id);
    } else {
        let err = result.expect_err("the faulted create fails");
        assert!(err.is_outcome_unknown(), "{} {fault:?}: {err}", case.name);
        assert!(
            err.to_string().contains("outcome unknown"),
            "{}: {err}",
            case.name
        );
        assert_eq!(err.attempts(), Some(1), "{}: {err}", case.name);
        assert_eq!(h.create_calls(), 1, "{} {fault:?}: retried", case.name);
    }
}

/// The case the rules exist for: the vendor created the video and the answer was lost. A
/// repeatable create asks again for the same upload (one `fileId`, one video); any other create is
/// not repeated, and says its outcome is unknown.
async fn a_create_whose_answer_was_lost_never_makes_a_second_video(case: &Case) {
    create_after_unknown_outcome(case, FaultKind::AnswerLost).await;
    let h = Harness::start(case, "max_attempts = 3").await;
    h.inject(1, FaultKind::AnswerLost);
    let _ = h.provider.create_upload(&request()).await;
    assert_eq!(
        h.emulator.handle().videos(case.vendor),
        1,
        "{}: the retry made a second video",
        case.name
    );
}

async fn a_timed_out_create_is_repeated_only_when_repeatable(case: &Case) {
    create_after_unknown_outcome(case, FaultKind::Delay(Duration::from_secs(60))).await;
}

async fn a_reset_create_is_repeated_only_when_repeatable(case: &Case) {
    create_after_unknown_outcome(case, FaultKind::DropConnection).await;
}

async fn a_gateway_error_page_repeats_only_a_repeatable_create(case: &Case) {
    create_after_unknown_outcome(case, FaultKind::ServerErrorHtml { status: 502 }).await;
}

async fn a_transient_vendor_error_is_retried_even_for_a_create(case: &Case) {
    // The vendor answered in its own format that it failed: it did not act on the request.
    let (code, http_status) = match case.vendor {
        Vendor::Aliyun => ("ServiceUnavailable", 503),
        Vendor::Wangsu => ("503", 503),
    };
    let h = Harness::start(case, "max_attempts = 3").await;
    h.inject(
        2,
        FaultKind::VendorError {
            code: code.into(),
            message: "try again later".into(),
            http_status,
        },
    );
    let cred = h.provider.create_upload(&request()).await;
    assert!(cred.is_ok(), "{}: {:?}", case.name, cred.err());
    assert_eq!(h.create_calls(), 3, "{}", case.name);
    assert_eq!(h.emulator.handle().videos(case.vendor), 1, "{}", case.name);
}

async fn a_refresh_is_repeated_after_a_timeout(case: &Case) {
    let h = Harness::start(case, "max_attempts = 3\ntimeout_secs = 1").await;
    let cred = h.provider.create_upload(&request()).await.unwrap();
    let before = h.refresh_calls();
    h.inject(1, FaultKind::Delay(Duration::from_secs(60)));
    let fresh = h
        .provider
        .refresh_upload(&cred.refresh_request())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(fresh.media_id, cred.media_id);
    assert_eq!(h.refresh_calls() - before, 2, "{}", case.name);
}

async fn a_refused_connection_is_retried_even_for_a_create(case: &Case) {
    // Nothing listens on port 1: the request provably never left.
    let toml = case
        .toml
        .replace("{url}", "http://127.0.0.1:1")
        .replace("{ak}", support::AK)
        .replace("{sk}", support::SK);
    let config =
        Config::from_toml_str_with_env(&format!("{toml}\n[http]\nmax_attempts = 3"), |_| None)
            .unwrap();
    let provider = vod::provider_from_config(&config).unwrap();
    let err = provider.create_upload(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{}: {err}", case.name);
    assert!(!err.is_outcome_unknown(), "{}: {err}", case.name);
    assert_eq!(err.attempts(), Some(3), "{}: {err}", case.name);
}

async fn max_elapsed_bounds_the_whole_call(case: &Case) {
    // A hanging server: each attempt would wait its full two seconds; five attempts would take ten.
    let h = Harness::start(
        case,
        "max_attempts = 5\ntimeout_secs = 2\nmax_elapsed_secs = 5",
    )
    .await;
    let cred = h.provider.create_upload(&request()).await.unwrap();
    h.inject(5, FaultKind::Delay(Duration::from_secs(60)));
    let err = h
        .provider
        .refresh_upload(&cred.refresh_request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{}: {err}", case.name);
    // The last attempt was cut short by what was left of the five seconds, not by its own two.
    assert!(
        err.message().contains("max_elapsed_secs"),
        "{}: {err}",
        case.name
    );
    let attempts = err.attempts().expect("the retry layer counts attempts");
    assert!((2..5).contains(&attempts), "{}: {err}", case.name);
    assert!(err.to_string().contains("attempts"), "{}: {err}", case.name);
}

async fn retry_after_is_honoured(case: &Case) {
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

async fn a_non_retryable_error_makes_exactly_one_call(case: &Case) {
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

async fn a_stalled_server_times_out_within_the_configured_bound(case: &Case) {
    // Two attempts of one second each, and at most five seconds in all; refreshes are repeatable.
    let h = Harness::start(
        case,
        "max_attempts = 2\ntimeout_secs = 1\nmax_elapsed_secs = 5",
    )
    .await;
    let cred = h.provider.create_upload(&request()).await.unwrap();
    let before = h.refresh_calls();
    h.inject(2, FaultKind::Delay(Duration::from_secs(60)));
    let err = h
        .provider
        .refresh_upload(&cred.refresh_request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{}: {err}", case.name);
    assert_eq!(err.attempts(), Some(2), "{}: {err}", case.name);
    assert_eq!(h.refresh_calls() - before, 2, "{}", case.name);
}

async fn a_skewed_clock_is_corrected_and_the_call_succeeds(case: &Case) {
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

async fn a_thousand_concurrent_refreshes_make_one_vendor_call(case: &Case) {
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

async fn a_failed_refresh_is_not_served_from_cache(case: &Case) {
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

impl vod::raw::NonceSource for RecordingNonces {
    fn nonce(&self) -> String {
        let nonce = vod::raw::RandomNonce.nonce();
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

provider_tests!(
    a_throttled_call_succeeds_on_retry,
    retries_stop_at_max_attempts,
    a_create_whose_answer_was_lost_never_makes_a_second_video,
    a_timed_out_create_is_repeated_only_when_repeatable,
    a_reset_create_is_repeated_only_when_repeatable,
    a_gateway_error_page_repeats_only_a_repeatable_create,
    a_transient_vendor_error_is_retried_even_for_a_create,
    a_refresh_is_repeated_after_a_timeout,
    a_refused_connection_is_retried_even_for_a_create,
    max_elapsed_bounds_the_whole_call,
    retry_after_is_honoured,
    a_non_retryable_error_makes_exactly_one_call,
    a_stalled_server_times_out_within_the_configured_bound,
    a_skewed_clock_is_corrected_and_the_call_succeeds,
    a_thousand_concurrent_refreshes_make_one_vendor_call,
    a_failed_refresh_is_not_served_from_cache,
);
