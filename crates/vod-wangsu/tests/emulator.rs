//! The adapter against `vod-emulator` over real HTTP on loopback: create then refresh with both
//! signature variants, the gateway's rejections (wrong key or secret, stale timestamp with clock
//! correction, repeated request), vendor errors, unreadable answers, and input that must never
//! reach the network.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use vod_core::config::WangsuVariant;
use vod_core::raw::OffsetClock;
use vod_core::{
    ErrorKind, FixedClock, RefreshRequest, UploadCredential, UploadCredentialProvider,
    UploadRequest, UploadTarget, WangsuOptions, WangsuStorageTarget,
};
use vod_emulator::{
    AccessKey, Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind, Operation, Vendor,
};
use vod_wangsu::{FALLBACK_LIFETIME, WangsuProvider, WangsuProviderBuilder};

const VARIANTS: [WangsuVariant; 2] = [WangsuVariant::Ws3, WangsuVariant::Cnc];

async fn emulator() -> (Emulator, EmulatorHandle) {
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let handle = emulator.handle();
    (emulator, handle)
}

fn builder(emulator: &Emulator, variant: WangsuVariant) -> WangsuProviderBuilder {
    WangsuProvider::builder()
        .access_key(AccessKey::DEFAULT_ID)
        .secret_key(AccessKey::DEFAULT_SECRET)
        .endpoint(emulator.wangsu_url())
        .variant(variant)
}

fn provider(emulator: &Emulator, variant: WangsuVariant) -> WangsuProvider {
    builder(emulator, variant).build().expect("provider builds")
}

fn target(cred: &UploadCredential) -> &WangsuStorageTarget {
    match &cred.target {
        UploadTarget::WangsuStorage(t) => t,
        other => panic!("not a Wangsu target: {other:?}"),
    }
}

fn calls(handle: &EmulatorHandle) -> u64 {
    handle.calls(Operation::WangsuGetUploadToken)
}

fn inject(handle: &EmulatorHandle, kind: FaultKind) {
    handle.inject(Fault::new(Vendor::Wangsu, kind));
}

#[tokio::test]
async fn create_then_refresh_with_both_variants() {
    for variant in VARIANTS {
        let (emulator, handle) = emulator().await;
        let provider = provider(&emulator, variant);
        let before = OffsetDateTime::now_utc();
        let created = provider
            .create_upload(&UploadRequest::new("holiday.mp4"))
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(created.provider, "wangsu");
        assert_eq!(created.file_name, "holiday.mp4");
        let resume_id = created.resume_id.clone().expect("a generated resume id");
        assert_eq!(resume_id.len(), 32, "{resume_id}");
        assert!(resume_id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(created.request_id.is_some(), "{variant:?}: no request id");
        let t = target(&created);
        // The emulator points uploads at its own Wangsu upload host.
        assert_eq!(t.upload_url, emulator.wangsu_upload_url());
        assert!(t.file_key.ends_with(".mp4"), "{}", t.file_key);
        assert_eq!(t.bucket.as_deref(), Some("vod-emulator"));
        assert_eq!(t.http_dns_server, None, "empty means none");
        // The expiry is the token's deadline (the emulator's one hour), not the fallback.
        let lifetime = created.expires_at - created.issued_at;
        assert!(
            lifetime > FALLBACK_LIFETIME + time::Duration::minutes(20),
            "{lifetime}"
        );
        assert!(created.issued_at >= before - time::Duration::seconds(1));

        // The emulator's token is a function of the video and its deadline in milliseconds: a
        // refresh within the same millisecond would get the same token back (a real refresh
        // comes minutes later).
        tokio::time::sleep(Duration::from_millis(5)).await;
        // Refresh from what an app would have stored.
        let stored: UploadCredential =
            serde_json::from_str(&serde_json::to_string(&created).unwrap()).unwrap();
        let fresh = provider
            .refresh_upload(&stored.refresh_request())
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(fresh.media_id, created.media_id);
        assert_eq!(target(&fresh).file_key, t.file_key);
        assert_eq!(target(&fresh).upload_url, t.upload_url);
        assert_ne!(target(&fresh).upload_token, t.upload_token, "same token");
        assert_eq!(fresh.resume_id.as_deref(), Some(resume_id.as_str()));
        assert_eq!(fresh.file_name, "holiday.mp4");
        assert_ne!(fresh.request_id, created.request_id);
        assert_eq!(calls(&handle), 2);
    }
}

#[tokio::test]
async fn every_parameter_is_accepted_and_a_given_resume_id_is_kept() {
    for variant in VARIANTS {
        let (emulator, _handle) = emulator().await;
        let provider = provider(&emulator, variant);
        let request = UploadRequest::new("Trip.MOV")
            .title("ignored by Wangsu")
            .description("ignored")
            .tags(["ignored"])
            .file_size(1 << 20)
            .resume_id("my-resume_id-1")
            .workflow_id("wf-1")
            .template("hd")
            .overwrite(true)
            .wangsu(
                WangsuOptions::default()
                    .domain("play.example.com")
                    .category_names(r#"[{"parentName":"travel","childName":"2026"}]"#)
                    .watermark_name("logo")
                    .subtitle_id("sub-1")
                    // [{"lang":"en","subtitleId":"1"}]
                    .subtitle("W3sibGFuZyI6ImVuIiwic3VidGl0bGVJZCI6IjEifV0="),
            );
        let created = provider.create_upload(&request).await.unwrap();
        assert_eq!(created.resume_id.as_deref(), Some("my-resume_id-1"));
        assert!(target(&created).file_key.ends_with(".mov"));
        let fresh = provider
            .refresh_upload(&created.refresh_request())
            .await
            .unwrap();
        assert_eq!(fresh.media_id, created.media_id);
    }
}

#[tokio::test]
async fn refreshing_an_unknown_video_is_not_found() {
    for variant in VARIANTS {
        let (emulator, _handle) = emulator().await;
        let provider = provider(&emulator, variant);
        let request = RefreshRequest::new("00000000000000000000000000000000")
            .provider("wangsu")
            .file_name("holiday.mp4")
            .resume_id("ffffffffffffffffffffffffffffffff");
        let err = provider.refresh_upload(&request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert!(
            err.message().contains("00000000000000000000000000000000"),
            "{err}"
        );
        assert!(err.request_id().is_some(), "{err}");

        // Same file name, another upload's resume id: also not this video.
        let a = provider
            .create_upload(&UploadRequest::new("holiday.mp4"))
            .await
            .unwrap();
        let b = provider
            .create_upload(&UploadRequest::new("holiday.mp4"))
            .await
            .unwrap();
        assert_ne!(a.media_id, b.media_id);
        let mixed = RefreshRequest::new(a.media_id.clone())
            .file_name("holiday.mp4")
            .resume_id(b.resume_id.clone().unwrap());
        let err = provider.refresh_upload(&mixed).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }
}

#[tokio::test]
async fn wrong_secret_or_unknown_key_is_unauthenticated() {
    for variant in VARIANTS {
        let (emulator, handle) = emulator().await;
        for (ak, sk) in [
            (AccessKey::DEFAULT_ID, "not-the-secret"),
            ("unknown-ak", AccessKey::DEFAULT_SECRET),
        ] {
            let provider = builder(&emulator, variant)
                .access_key(ak)
                .secret_key(sk)
                .build()
                .unwrap();
            let err = provider
                .create_upload(&UploadRequest::new("a.mp4"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{variant:?}: {err}");
            assert!(!err.is_retryable());
            assert_eq!(err.vendor_code(), Some("401"));
            assert_eq!(err.http_status(), Some(401));
            assert!(err.request_id().is_some(), "{err}");
            assert_eq!(err.provider(), Some("wangsu"));
            assert_eq!(err.operation(), Some("getUploadToken"));
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(AccessKey::DEFAULT_SECRET), "{shown}");
            assert!(!shown.contains("not-the-secret"), "{shown}");
            assert!(!shown.contains("Signature="), "{shown}");
        }
        assert_eq!(calls(&handle), 2);
    }
}

#[tokio::test]
async fn invalid_input_never_reaches_the_emulator() {
    let (emulator, handle) = emulator().await;
    let provider = provider(&emulator, WangsuVariant::Ws3);
    let w = WangsuOptions::default;
    let creates = [
        (UploadRequest::new(""), "file_name"),
        (UploadRequest::new("no-extension"), "file_name"),
        (
            UploadRequest::new(format!("{}.mp4", "a".repeat(37))),
            "file_name",
        ),
        (
            UploadRequest::new("a.mp4").resume_id("x".repeat(33)),
            "resume_id",
        ),
        (
            UploadRequest::new("a.mp4").resume_id("has space"),
            "resume_id",
        ),
        (
            UploadRequest::new("a.mp4").wangsu(w().category_names("not json")),
            "wangsu.category_names",
        ),
        (
            UploadRequest::new("a.mp4").wangsu(w().subtitle("%%%")),
            "wangsu.subtitle",
        ),
        (UploadRequest::new("a.mp4").tags(vec!["t"; 17]), "tags"),
    ];
    for (request, field) in &creates {
        let err = provider.create_upload(request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.field(), Some(*field), "{err}");
    }
    let refreshes = [
        (RefreshRequest::new(""), "media_id"),
        (RefreshRequest::new("v").resume_id("r"), "file_name"),
        (RefreshRequest::new("v").file_name("a.mp4"), "resume_id"),
        (
            RefreshRequest::new("v")
                .provider("aliyun")
                .file_name("a.mp4")
                .resume_id("r"),
            "provider",
        ),
    ];
    for (request, field) in &refreshes {
        let err = provider.refresh_upload(request).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.field(), Some(*field), "{err}");
    }
    assert_eq!(handle.total_calls(), 0);
}

#[tokio::test]
async fn a_clock_20_minutes_off_is_corrected() {
    for variant in VARIANTS {
        for offset in [time::Duration::minutes(-20), time::Duration::minutes(20)] {
            let (emulator, handle) = emulator().await;
            let provider = builder(&emulator, variant)
                .clock(Arc::new(OffsetClock::new(offset)))
                .build()
                .unwrap();
            let created = provider
                .create_upload(&UploadRequest::new("a.mp4"))
                .await
                .unwrap_or_else(|e| panic!("{variant:?} {offset}: {e}"));
            // Rejected once, corrected from the Date header, signed again.
            assert_eq!(calls(&handle), 2, "{variant:?} {offset}");
            // Issue time is by the corrected clock.
            let skew = (created.issued_at - OffsetDateTime::now_utc()).abs();
            assert!(skew < time::Duration::minutes(1), "{skew}");
            // The correction stays: the next call needs one attempt.
            provider
                .refresh_upload(&created.refresh_request())
                .await
                .unwrap();
            assert_eq!(calls(&handle), 3, "{variant:?} {offset}");
        }
    }
}

#[tokio::test]
async fn a_vendor_clock_20_minutes_off_is_corrected() {
    let (emulator, handle) = emulator().await;
    handle.set_clock_skew(time::Duration::minutes(20));
    let provider = provider(&emulator, WangsuVariant::Ws3);
    provider
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap();
    assert_eq!(calls(&handle), 2);
}

#[tokio::test]
async fn a_clock_days_off_is_corrected_once_per_call() {
    // A clock stuck far in the past: the first answer corrects it; the emulator accepts.
    let (emulator, handle) = emulator().await;
    let provider = builder(&emulator, WangsuVariant::Cnc)
        .clock(Arc::new(FixedClock(
            OffsetDateTime::now_utc() - time::Duration::days(2),
        )))
        .build()
        .unwrap();
    provider
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap();
    assert_eq!(calls(&handle), 2);
    // The same rejection delivered as a fault carries the emulator's Date too, but only one
    // correction is tried per call: a second rejection in a row is returned as ClockSkew.
    for _ in 0..2 {
        inject(
            &handle,
            FaultKind::VendorError {
                code: "401".into(),
                message: "timestamp expired: more than 5 minutes from server time".into(),
                http_status: 401,
            },
        );
    }
    let err = provider
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClockSkew, "{err}");
    assert!(err.server_time().is_some());
}

#[tokio::test]
async fn identical_requests_in_one_second_are_not_repeated_requests() {
    for variant in VARIANTS {
        let (emulator, handle) = emulator().await;
        // A frozen clock: every call in the same second.
        let provider = builder(&emulator, variant)
            .clock(Arc::new(FixedClock(OffsetDateTime::now_utc())))
            .build()
            .unwrap();
        let request = UploadRequest::new("a.mp4").resume_id("same");
        let created = provider.create_upload(&request).await.unwrap();
        // Create without options and refresh send the same body.
        for _ in 0..3 {
            let fresh = provider
                .refresh_upload(&created.refresh_request())
                .await
                .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
            assert_eq!(fresh.media_id, created.media_id);
        }
        assert_eq!(calls(&handle), 4);
    }
}

#[tokio::test]
async fn a_request_repeated_by_another_process_signs_again_a_second_later() {
    for variant in VARIANTS {
        let (emulator, handle) = emulator().await;
        // Two providers (as two processes would) with the same frozen clock send the same
        // request: the same signature twice. The second is refused as repeated, signs again with
        // the next second, and passes.
        let clock = Arc::new(FixedClock(OffsetDateTime::now_utc()));
        let first = builder(&emulator, variant)
            .clock(clock.clone())
            .build()
            .unwrap();
        let second = builder(&emulator, variant).clock(clock).build().unwrap();
        let request = UploadRequest::new("a.mp4").resume_id("same");
        let a = first.create_upload(&request).await.unwrap();
        let b = second
            .create_upload(&request)
            .await
            .unwrap_or_else(|e| panic!("{variant:?}: {e}"));
        assert_eq!(a.media_id, b.media_id);
        assert_eq!(calls(&handle), 3);
    }
}

#[tokio::test]
async fn a_request_refused_as_repeated_every_time_is_retryable() {
    for variant in VARIANTS {
        let (emulator, handle) = emulator().await;
        let provider = provider(&emulator, variant);
        handle.inject(
            Fault::new(
                Vendor::Wangsu,
                FaultKind::VendorError {
                    code: "401".into(),
                    message: "repeated request".into(),
                    http_status: 401,
                },
            )
            .times(5),
        );
        let err = provider
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{variant:?}: {err}");
        assert!(err.is_retryable());
        assert_eq!(err.message(), "repeated request");
        assert_eq!(calls(&handle), 5);
    }
}

#[tokio::test]
async fn vendor_errors_map_through_the_table() {
    let (emulator, handle) = emulator().await;
    let provider = provider(&emulator, WangsuVariant::Ws3);
    for (code, status, kind) in [
        ("1500", 200, ErrorKind::InvalidInput),
        ("1502", 200, ErrorKind::NotFound),
        ("1301", 200, ErrorKind::PermissionDenied),
        ("1506", 200, ErrorKind::PermissionDenied),
        ("9999", 200, ErrorKind::InvalidInput),
        ("E_NEW", 500, ErrorKind::Unavailable),
        ("429", 429, ErrorKind::RateLimited),
    ] {
        inject(
            &handle,
            FaultKind::VendorError {
                code: code.into(),
                message: format!("vendor says {code}"),
                http_status: status,
            },
        );
        let err = provider
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{code}: {err}");
        assert_eq!(err.vendor_code(), Some(code));
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.message(), format!("vendor says {code}"));
        assert!(err.request_id().is_some(), "{err}");
    }
}

#[tokio::test]
async fn a_file_name_of_exactly_40_characters_passes_both_sides() {
    let (emulator, _handle) = emulator().await;
    let provider = provider(&emulator, WangsuVariant::Ws3);
    let name = format!("{}.mp4", "é".repeat(36));
    assert_eq!(name.chars().count(), 40);
    provider
        .create_upload(&UploadRequest::new(name))
        .await
        .unwrap();
}

#[tokio::test]
async fn throttling_and_server_failures() {
    let (emulator, handle) = emulator().await;
    let provider = provider(&emulator, WangsuVariant::Cnc);
    let request = UploadRequest::new("a.mp4");
    let create = || provider.create_upload(&request);

    inject(
        &handle,
        FaultKind::RetryAfter {
            status: 429,
            seconds: 7,
        },
    );
    let err = create().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));

    inject(&handle, FaultKind::ServerErrorHtml { status: 503 });
    let err = create().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.http_status(), Some(503));
    assert!(err.to_string().contains("body starts"), "{err}");

    inject(&handle, FaultKind::DropConnection);
    let err = create().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");

    // And the provider still works afterwards.
    create().await.unwrap();
}

#[tokio::test]
async fn unreadable_answers_are_invalid_responses_without_the_token() {
    let (emulator, handle) = emulator().await;
    let provider = provider(&emulator, WangsuVariant::Ws3);
    let good = provider
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap();
    // Tokens are `AK:sign:policy`; no part of the signature or policy may leak.
    let token = target(&good).upload_token.expose().to_owned();
    let secret_parts: Vec<&str> = token.split(':').skip(1).collect();
    for kind in [
        FaultKind::TruncatedJson,
        FaultKind::ServerErrorHtml { status: 200 },
        FaultKind::ServerErrorHtml { status: 404 },
    ] {
        inject(&handle, kind.clone());
        let err = provider
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{kind:?}: {err}");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("body starts"), "{shown}");
        assert!(!shown.contains(AccessKey::DEFAULT_SECRET), "{shown}");
        for part in &secret_parts {
            assert!(!shown.contains(&part[..part.len().min(24)]), "{shown}");
        }
        if kind == FaultKind::TruncatedJson {
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }
}

#[tokio::test]
async fn from_config_talks_to_the_emulator() {
    let (emulator, handle) = emulator().await;
    let config = vod_core::config::Config::from_toml_str_with_env(
        &format!(
            "provider = \"wangsu\"\n[wangsu]\nendpoint = \"{}\"\nvariant = \"cnc\"",
            emulator.wangsu_url()
        ),
        |var| match var {
            "WANGSU_ACCESS_KEY" => Some(AccessKey::DEFAULT_ID.into()),
            "WANGSU_SECRET_KEY" => Some(AccessKey::DEFAULT_SECRET.into()),
            _ => None,
        },
    )
    .unwrap();
    let provider: Arc<dyn UploadCredentialProvider> =
        Arc::new(WangsuProvider::from_config(&config.wangsu(), &config.http).unwrap());
    assert_eq!(provider.name(), "wangsu");
    let cred = provider
        .create_upload(&UploadRequest::new("a.mp4"))
        .await
        .unwrap();
    assert_eq!(cred.provider, "wangsu");
    assert_eq!(calls(&handle), 1);
}
