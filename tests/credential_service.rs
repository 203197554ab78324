//! Drives `examples/credential_service.rs` over HTTP, with the emulator as the vendor: issuing,
//! refreshing, and refusing every refresh a client cannot prove it may make.

#[allow(dead_code)]
#[path = "../examples/credential_service.rs"]
mod service;
mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use support::{Harness, PROVIDERS};

use vod::emulator::{EmulatorConfig, FaultKind};
use vod::ticket::{TicketIssuer, TicketKey};

const SECRET: &str = "service secret for tests, 32+ bytes";

fn issuer() -> TicketIssuer {
    TicketIssuer::new(TicketKey::new(SECRET).unwrap())
}

async fn start(h: &Harness) -> String {
    start_with(h, issuer()).await
}

async fn start_with(h: &Harness, tickets: TicketIssuer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(service::serve(listener, h.provider.clone(), tickets));
    url
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Creates an upload: the credential and its refresh ticket.
async fn create(base: &str) -> (Value, String) {
    let (status, answer) = post(
        &format!("{base}/uploads"),
        &json!({"file_name": "clip.mp4"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let ticket = answer["refresh_ticket"].as_str().unwrap().to_owned();
    (answer["credential"].clone(), ticket)
}

async fn refresh(base: &str, body: &Value) -> (u16, Value) {
    post(&format!("{base}/uploads/refresh"), body).await
}

/// The secret a credential's uploader signs with, whichever the vendor.
fn secret_of(cred: &Value) -> &str {
    let t = &cred["target"];
    t["access_key_secret"]
        .as_str()
        .or(t["upload_token"].as_str())
        .unwrap_or_else(|| panic!("no secret in {cred}"))
}

/// `cred` with every secret replaced and an expiry far away: what a forger would post.
fn forged(cred: &Value) -> Value {
    let mut f = cred.clone();
    for field in ["access_key_secret", "security_token", "upload_token"] {
        if f["target"].get(field).is_some() {
            f["target"][field] = json!("forged-secret");
        }
    }
    f["expires_at"] = json!("2099-01-01T00:00:00Z");
    f
}

fn assert_refused(label: &str, (status, body): (u16, Value), want: u16, kind: &str) {
    assert_eq!(status, want, "{label}: {body}");
    assert_eq!(body["error"]["kind"], kind, "{label}: {body}");
    assert!(!body.to_string().contains(SECRET), "{label}: {body}");
}

#[tokio::test]
async fn issues_and_refreshes_credentials_for_every_vendor() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 1").await;
        let base = start(&h).await;
        let (status, answer) = post(
            &format!("{base}/uploads"),
            &json!({"file_name": "clip.mp4", "title": "Clip", "size": 1000}),
        )
        .await;
        assert_eq!(status, 200, "{}: {answer}", case.name);
        let cred = &answer["credential"];
        assert!(
            cred["media_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: {answer}",
            case.name
        );
        assert!(cred["target"]["type"].is_string());
        let ticket = answer["refresh_ticket"].as_str().unwrap();

        // A fresh credential is served from the cache: no vendor call.
        let before = h.total_calls();
        let (status, again) = refresh(&base, &json!({"refresh_ticket": ticket})).await;
        assert_eq!(status, 200, "{}: {again}", case.name);
        assert_eq!(&again["credential"], cred, "{}", case.name);
        assert_eq!(
            h.total_calls(),
            before,
            "{}: refresh of a fresh credential called the vendor",
            case.name
        );
        // Sending the credential along with its ticket is fine.
        let (status, again) = refresh(
            &base,
            &json!({"refresh_ticket": ticket, "credential": cred}),
        )
        .await;
        assert_eq!(status, 200, "{}: {again}", case.name);
    }
}

#[tokio::test]
async fn concurrent_refreshes_near_expiry_make_one_vendor_call() {
    for case in PROVIDERS {
        // Credentials that live one minute are inside the five-minute refresh margin at once.
        let emu = EmulatorConfig {
            aliyun_credential_ttl: Duration::from_secs(60),
            wangsu_token_ttl: Duration::from_secs(60),
            ..EmulatorConfig::default()
        };
        let h = Harness::start_with(case, emu, "max_attempts = 1", support::SK).await;
        let base = start(&h).await;
        let (cred, ticket) = create(&base).await;
        let before = h.total_calls();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (base, body) = (base.clone(), json!({"refresh_ticket": ticket}));
                tokio::spawn(async move { refresh(&base, &body).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            let (status, answer) = t.await.unwrap();
            assert_eq!(status, 200, "{}: {answer}", case.name);
            answers.push(answer["credential"].clone());
        }
        assert_eq!(h.total_calls(), before + 1, "{}", case.name);
        assert!(answers.iter().all(|a| *a == answers[0]), "{}", case.name);
        assert_eq!(answers[0]["media_id"], cred["media_id"]);
        assert_ne!(
            answers[0], cred,
            "{}: the same credential came back",
            case.name
        );
    }
}

#[tokio::test]
async fn a_forged_credential_is_never_served() {
    for case in PROVIDERS {
        let h = Harness::start(case, "max_attempts = 1").await;
        let base = start(&h).await;
        let (victim, victim_ticket) = create(&base).await;
        let (own, own_ticket) = create(&base).await;

        // The old attack: post a forged credential for someone's media id, with no ticket.
        assert_refused(
            case.name,
            refresh(&base, &forged(&victim)).await,
            401,
            "unauthenticated",
        );
        // With one's own genuine ticket, aimed at another upload.
        assert_refused(
            case.name,
            refresh(
                &base,
                &json!({"refresh_ticket": own_ticket, "credential": forged(&victim)}),
            )
            .await,
            403,
            "permission_denied",
        );
        // With one's own ticket and a forged version of one's own credential: accepted, but the
        // answer is what the vendor issued, not what was posted.
        let (status, answer) = refresh(
            &base,
            &json!({"refresh_ticket": own_ticket, "credential": forged(&own)}),
        )
        .await;
        assert_eq!(status, 200, "{}: {answer}", case.name);
        assert_eq!(answer["credential"], own, "{}", case.name);
        assert_ne!(secret_of(&answer["credential"]), "forged-secret");

        // Every later client gets the vendor's credentials.
        for (cred, ticket) in [(&victim, &victim_ticket), (&own, &own_ticket)] {
            let (status, answer) = refresh(&base, &json!({"refresh_ticket": ticket})).await;
            assert_eq!(status, 200, "{}: {answer}", case.name);
            assert_eq!(&answer["credential"], cred, "{}", case.name);
        }
    }
}

#[tokio::test]
async fn a_ticketless_or_tampered_refresh_is_refused_and_changes_nothing() {
    let h = Harness::start(&PROVIDERS[2], "max_attempts = 1").await;
    let base = start(&h).await;
    let (cred, ticket) = create(&base).await;
    let (other, other_ticket) = create(&base).await;
    let before = h.total_calls();

    for body in [
        json!({}),
        json!({"credential": cred}),
        json!({"refresh_ticket": null, "credential": cred}),
    ] {
        let got = refresh(&base, &body).await;
        assert_eq!(got.1["error"]["field"], "refresh_ticket", "{}", got.1);
        assert_refused(&body.to_string(), got, 401, "unauthenticated");
    }

    // Any changed character of the ticket, an empty one, garbage.
    let mut tampered: Vec<String> = (0..ticket.len())
        .step_by(7)
        .map(|i| {
            let mut t = ticket.clone().into_bytes();
            t[i] = if t[i] == b'A' { b'B' } else { b'A' };
            String::from_utf8(t).unwrap()
        })
        .collect();
    tampered.extend(["".into(), "not a ticket".into(), format!("{ticket}AA")]);
    for t in &tampered {
        assert_refused(
            t,
            refresh(&base, &json!({"refresh_ticket": t})).await,
            401,
            "unauthenticated",
        );
    }

    // A genuine ticket with another upload's credential, each tampered field in turn.
    for (field, value) in [
        ("media_id", other["media_id"].clone()),
        ("provider", json!("aliyun")),
        ("resume_id", other["resume_id"].clone()),
        ("file_name", json!("other.mp4")),
    ] {
        let mut held = cred.clone();
        held[field] = value;
        let got = refresh(
            &base,
            &json!({"refresh_ticket": ticket, "credential": held}),
        )
        .await;
        assert!(
            got.1["error"]["message"].as_str().unwrap().contains(field),
            "{}",
            got.1
        );
        assert_refused(field, got, 403, "permission_denied");
    }
    // A ticket answers for its own upload only, whatever else is posted.
    let (status, answer) = refresh(
        &base,
        &json!({"refresh_ticket": other_ticket, "credential": other}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["credential"], other);

    assert_eq!(
        h.total_calls(),
        before,
        "a refused refresh reached the vendor"
    );
    let (status, answer) = refresh(&base, &json!({"refresh_ticket": ticket})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["credential"], cred);
}

#[tokio::test]
async fn another_services_ticket_is_refused() {
    let aliyun = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let wangsu = Harness::start(&PROVIDERS[2], "max_attempts = 1").await;
    let aliyun_base = start(&aliyun).await;
    let (cred, ticket) = create(&aliyun_base).await;

    // Another service with its own secret: the MAC does not verify.
    let other_key =
        TicketIssuer::new(TicketKey::new("some other service's secret, 32+ b").unwrap());
    let base = start_with(&wangsu, other_key).await;
    assert_refused(
        "other secret",
        refresh(&base, &json!({"refresh_ticket": ticket})).await,
        401,
        "unauthenticated",
    );

    // A service of another provider sharing the secret: genuine, but not for this provider.
    let base = start(&wangsu).await;
    let got = refresh(
        &base,
        &json!({"refresh_ticket": ticket, "credential": cred}),
    )
    .await;
    assert_refused("other provider", got, 403, "permission_denied");
    assert_eq!(wangsu.total_calls(), 0);
}

/// A clock that a test moves forward by hand.
#[derive(Debug, Default)]
struct ManualClock(AtomicI64);

impl vod::Clock for ManualClock {
    fn now(&self) -> vod::time::OffsetDateTime {
        vod::time::OffsetDateTime::now_utc()
            + vod::time::Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

#[tokio::test]
async fn an_expired_ticket_is_refused() {
    let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let clock = Arc::new(ManualClock::default());
    let tickets = issuer()
        .lifetime(vod::time::Duration::hours(1))
        .clock(clock.clone());
    let base = start_with(&h, tickets).await;
    let (cred, ticket) = create(&base).await;

    clock.0.store(59 * 60, Ordering::SeqCst);
    let (status, answer) = refresh(&base, &json!({"refresh_ticket": ticket})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["credential"], cred);

    clock.0.store(61 * 60, Ordering::SeqCst);
    let got = refresh(&base, &json!({"refresh_ticket": ticket})).await;
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        got.1
    );
    assert_refused("expired", got, 401, "unauthenticated");
}

#[tokio::test]
async fn invalid_input_is_a_400_naming_the_field() {
    let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let base = start(&h).await;
    for (body, field) in [
        (json!({"title": "x"}), Some("file_name")),
        (json!({"file_name": "noext"}), Some("file_name")),
        (json!({"file_name": "a.mp4", "size": -5}), Some("size")),
        (json!({"file_name": "a.mp4", "colour": "red"}), None),
    ] {
        let (status, err) = post(&format!("{base}/uploads"), &body).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"]["kind"], "invalid_input", "{err}");
        match field {
            Some(f) => assert_eq!(err["error"]["field"], f, "{err}"),
            None => assert!(
                err["error"]["message"].as_str().unwrap().contains("colour"),
                "{err}"
            ),
        }
    }
    assert_eq!(h.total_calls(), 0);
}

#[tokio::test]
async fn an_oversized_body_is_a_json_413() {
    let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let base = start(&h).await;
    let huge = format!("{{\"file_name\": \"{}.mp4\"}}", "a".repeat(5 << 20));
    for path in ["/uploads", "/uploads/refresh"] {
        let resp = reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 413, "{path}");
        assert_eq!(resp.headers()["content-type"], "application/json", "{path}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["kind"], "invalid_input", "{path}: {err}");
        assert!(err["error"]["field"].is_null(), "{err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&service::BODY_LIMIT.to_string()),
            "{err}"
        );
    }
    assert_eq!(h.total_calls(), 0);
}

#[tokio::test]
async fn vendor_errors_map_to_http_statuses() {
    let case = &PROVIDERS[0];
    let h = Harness::start(case, "max_attempts = 1").await;
    let base = start(&h).await;
    let upload = json!({"file_name": "clip.mp4"});
    for (fault, status, kind) in [
        ((case.throttled)(), 429, "rate_limited"),
        (
            FaultKind::ServerErrorHtml { status: 503 },
            503,
            "unavailable",
        ),
        (FaultKind::TruncatedJson, 502, "invalid_response"),
    ] {
        h.inject(1, fault);
        let (got, err) = post(&format!("{base}/uploads"), &upload).await;
        assert_eq!(got, status, "{err}");
        assert_eq!(err["error"]["kind"], kind, "{err}");
    }
    // A ticket the service signed for an upload the vendor does not know.
    let ticket = issuer().issue_for(
        "aliyun",
        "00000000000000000000000000000000",
        "clip.mp4",
        None,
    );
    let (got, err) = refresh(&base, &json!({"refresh_ticket": ticket})).await;
    assert_eq!(got, 404, "{err}");
}

#[tokio::test]
async fn serves_the_upload_page_and_only_the_vendor_clients() {
    let h = Harness::start(&PROVIDERS[0], "max_attempts = 1").await;
    let base = start(&h).await;
    let client = reqwest::Client::new();
    for (path, content_type, needle) in [
        ("/", "text/html", "id=\"upload-form\""),
        ("/upload.css", "text/css", "progress"),
        ("/upload.js", "text/javascript", "/uploads/refresh"),
    ] {
        let answer = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        let headers = answer.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{path}"
        );
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'"),
            "{path}"
        );
        assert!(answer.text().await.unwrap().contains(needle), "{path}");
    }
    // Only the two bundles by their fixed names: nothing else of node_modules, no path walking.
    for path in [
        "/vendor/package.json",
        "/vendor/..%2F..%2FCargo.toml",
        "/vendor/ali-oss",
    ] {
        let answer = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
    }
    // A bundle is served when `npm ci` ran in web/, else a 503 that says to run it.
    let answer = client
        .get(format!("{base}/vendor/wcs.min.js"))
        .send()
        .await
        .unwrap();
    match answer.status().as_u16() {
        200 => assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        ),
        503 => assert!(answer.text().await.unwrap().contains("npm ci")),
        other => panic!("/vendor/wcs.min.js answered {other}"),
    }
}
