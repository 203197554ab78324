//! Every fault kind, as a client sees it over HTTP, for both vendors; queue order and counting.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;
use vod_emulator::{Emulator, Fault, FaultKind, Operation, Vendor};

fn aliyun_call(emulator: &Emulator) -> Signed {
    Rpc::create("t", "a.mp4").signed(&emulator.aliyun_url())
}

fn wangsu_call(emulator: &Emulator) -> Signed {
    Ws::json(
        Gateway::Ws3,
        json!({"originFileName": "a.mp4", "fileId": uuid::Uuid::new_v4().simple().to_string()}),
    )
    .signed(&emulator.wangsu_url())
}

fn call(emulator: &Emulator, vendor: Vendor) -> Signed {
    match vendor {
        Vendor::Aliyun => aliyun_call(emulator),
        Vendor::Wangsu => wangsu_call(emulator),
    }
}

/// Whether a normal call to `vendor` succeeds now.
async fn healthy(emulator: &Emulator, vendor: Vendor) -> bool {
    let answer = call(emulator, vendor).send(&client()).await;
    let ok = answer.status == 200 && (vendor == Vendor::Aliyun || answer.json()["code"] == 200);
    if !ok {
        eprintln!("{vendor:?} is not healthy: {answer:?}");
    }
    ok
}

#[tokio::test]
async fn vendor_errors_speak_each_vendors_format() {
    let emulator = start().await;
    let handle = emulator.handle();
    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::VendorError {
            code: "Throttling.User".into(),
            message: "Request was denied due to user flow control.".into(),
            http_status: 400,
        },
    ));
    let answer = aliyun_call(&emulator).send(&client()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "Throttling.User".into())
    );
    let body = answer.json();
    assert_eq!(
        body["Message"],
        "Request was denied due to user flow control."
    );
    assert_eq!(
        answer.header("x-acs-request-id").as_deref(),
        body["RequestId"].as_str()
    );
    assert!(healthy(&emulator, Vendor::Aliyun).await);

    handle.inject(Fault::new(
        Vendor::Wangsu,
        FaultKind::VendorError {
            code: "1500".into(),
            message: "the file name exceeds 40 characters".into(),
            http_status: 200,
        },
    ));
    handle.inject(Fault::new(
        Vendor::Wangsu,
        FaultKind::VendorError {
            code: "ServiceUnavailable".into(),
            message: "busy".into(),
            http_status: 503,
        },
    ));
    let answer = wangsu_call(&emulator).send(&client()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json(),
        json!({"code": 1500, "message": "the file name exceeds 40 characters"})
    );
    assert!(answer.header("x-ws-requestid").is_some());
    let answer = wangsu_call(&emulator).send(&client()).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["code"], "ServiceUnavailable");
    assert!(healthy(&emulator, Vendor::Wangsu).await);
}

#[tokio::test]
async fn server_error_html_looks_like_a_load_balancer() {
    let emulator = start().await;
    for vendor in [Vendor::Aliyun, Vendor::Wangsu] {
        emulator.handle().inject(Fault::new(
            vendor,
            FaultKind::ServerErrorHtml { status: 502 },
        ));
        let answer = call(&emulator, vendor).send(&client()).await;
        assert_eq!(answer.status, 502);
        assert!(
            answer
                .header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(answer.text.contains("502 Bad Gateway"), "{}", answer.text);
        assert!(serde_json::from_str::<Value>(&answer.text).is_err());
        assert!(answer.header("date").is_some());
        assert!(healthy(&emulator, vendor).await);
    }
}

#[tokio::test]
async fn delay_stalls_then_answers_normally() {
    let emulator = start().await;
    for vendor in [Vendor::Aliyun, Vendor::Wangsu] {
        let handle = emulator.handle();
        handle.inject(Fault::new(vendor, FaultKind::Delay(Duration::from_millis(300))).times(2));

        let impatient = reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let error = call(&emulator, vendor)
            .builder(&impatient)
            .send()
            .await
            .expect_err("the client times out");
        assert!(error.is_timeout(), "{error:?}");

        let started = Instant::now();
        let answer = call(&emulator, vendor).send(&client()).await;
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(healthy(&emulator, vendor).await);
    }
}

#[tokio::test]
async fn drop_connection_gives_no_response_at_all() {
    let emulator = start().await;
    for vendor in [Vendor::Aliyun, Vendor::Wangsu] {
        emulator
            .handle()
            .inject(Fault::new(vendor, FaultKind::DropConnection));
        let client = client();
        let error = call(&emulator, vendor)
            .builder(&client)
            .send()
            .await
            .expect_err("no response");
        assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
        assert!(error.is_request() || error.is_connect(), "{error:?}");
        // The same client recovers on a new connection.
        let answer = call(&emulator, vendor).send(&client).await;
        assert_eq!(answer.status, 200);
    }
    let handle = emulator.handle();
    assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 2);
    assert_eq!(handle.calls(Operation::WangsuGetUploadToken), 2);
}

#[tokio::test]
async fn truncated_json_is_a_200_that_does_not_parse() {
    let emulator = start().await;
    for vendor in [Vendor::Aliyun, Vendor::Wangsu] {
        emulator
            .handle()
            .inject(Fault::new(vendor, FaultKind::TruncatedJson));
        let answer = call(&emulator, vendor).send(&client()).await;
        assert_eq!(answer.status, 200);
        assert!(answer.header("content-type").unwrap().contains("json"));
        assert!(
            answer.text.starts_with('{') && answer.text.len() > 20,
            "{}",
            answer.text
        );
        assert!(serde_json::from_str::<Value>(&answer.text).is_err());
        let request_id = match vendor {
            Vendor::Aliyun => "x-acs-request-id",
            Vendor::Wangsu => "x-ws-requestid",
        };
        assert!(answer.header(request_id).is_some());
        assert!(healthy(&emulator, vendor).await);
    }
}

#[tokio::test]
async fn retry_after_throttles_with_a_header() {
    let emulator = start().await;
    let handle = emulator.handle();
    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::RetryAfter {
            status: 400,
            seconds: 2,
        },
    ));
    handle.inject(Fault::new(
        Vendor::Wangsu,
        FaultKind::RetryAfter {
            status: 429,
            seconds: 3,
        },
    ));
    let answer = aliyun_call(&emulator).send(&client()).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "Throttling.User".into())
    );
    assert_eq!(answer.header("retry-after").as_deref(), Some("2"));
    let answer = wangsu_call(&emulator).send(&client()).await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("retry-after").as_deref(), Some("3"));
    assert_eq!(answer.json()["code"], 429);
}

#[tokio::test]
async fn faults_apply_in_order_per_vendor_and_are_counted() {
    let emulator = start().await;
    let handle = emulator.handle();
    handle.inject(Fault::new(Vendor::Aliyun, FaultKind::ServerErrorHtml { status: 503 }).times(2));
    handle.inject(Fault::new(
        Vendor::Aliyun,
        FaultKind::ServerErrorHtml { status: 500 },
    ));
    handle.inject(Fault::new(
        Vendor::Wangsu,
        FaultKind::ServerErrorHtml { status: 504 },
    ));
    assert_eq!(handle.pending_faults().len(), 3);

    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(aliyun_call(&emulator).send(&client()).await.status);
    }
    assert_eq!(statuses, [503, 503, 500, 200]);
    assert_eq!(handle.calls(Operation::AliyunCreateUploadVideo), 4);

    // Admin requests take no faults.
    let calls = client()
        .get(format!("{}/__emulator/calls", emulator.wangsu_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(calls.status(), 200);
    assert_eq!(handle.pending_faults().len(), 1);

    handle.clear_faults();
    assert!(handle.pending_faults().is_empty());
    assert!(healthy(&emulator, Vendor::Wangsu).await);

    handle.inject(Fault::new(Vendor::Wangsu, FaultKind::DropConnection).times(0));
    assert!(handle.pending_faults().is_empty(), "times 0 does nothing");

    assert_eq!(handle.total_calls(), 5);
    handle.reset_counters();
    assert_eq!(handle.total_calls(), 0);
}
