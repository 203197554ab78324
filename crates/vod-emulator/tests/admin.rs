//! The `/__emulator/` admin paths on both servers.

mod support;

use serde_json::{Value, json};
use support::*;
use vod_emulator::{Fault, FaultKind, Operation, Vendor};

#[tokio::test]
async fn faults_can_be_queued_listed_and_cleared_over_http() {
    let emulator = start().await;
    let http = client();
    // Either server takes faults for either vendor.
    let url = format!("{}/__emulator/faults", emulator.wangsu_url());
    let response = http
        .post(&url)
        .header("content-type", "application/json")
        .body(
            json!({
                "vendor": "aliyun",
                "times": 2,
                "kind": {"type": "vendor_error", "code": "Throttling.User", "message": "slow", "http_status": 503}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let listed: Value =
        serde_json::from_str(&http.get(&url).send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(listed[0]["vendor"], "aliyun");
    assert_eq!(listed[0]["times"], 2);
    assert_eq!(listed[0]["kind"]["type"], "vendor_error");

    let answer = Rpc::create("t", "a.mp4")
        .signed(&emulator.aliyun_url())
        .send(&http)
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (503, "Throttling.User".into())
    );

    let response = http.delete(&url).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(emulator.handle().pending_faults().is_empty());
    let answer = Rpc::create("t", "a.mp4")
        .signed(&emulator.aliyun_url())
        .send(&http)
        .await;
    assert_eq!(answer.status, 200);

    // A Rust-built fault round-trips through the JSON form.
    let fault = Fault::new(
        Vendor::Wangsu,
        FaultKind::Delay(std::time::Duration::from_millis(5)),
    )
    .times(3);
    let response = http
        .post(format!("{}/__emulator/faults", emulator.aliyun_url()))
        .body(serde_json::to_string(&fault).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(emulator.handle().pending_faults(), vec![fault]);
}

#[tokio::test]
async fn bad_faults_are_refused_with_a_reason() {
    let emulator = start().await;
    let url = format!("{}/__emulator/faults", emulator.aliyun_url());
    for body in [
        "not json".to_owned(),
        json!({"vendor": "azure", "kind": {"type": "drop_connection"}}).to_string(),
        json!({"vendor": "aliyun", "kind": {"type": "explode"}}).to_string(),
        json!({"vendor": "aliyun", "kind": {"type": "server_error_html", "status": 1000}})
            .to_string(),
    ] {
        let response = client().post(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let reply: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(
            reply["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
    assert!(emulator.handle().pending_faults().is_empty());
}

#[tokio::test]
async fn calls_can_be_read_and_reset_over_http() {
    let emulator = start().await;
    let http = client();
    Rpc::create("t", "a.mp4")
        .signed(&emulator.aliyun_url())
        .send(&http)
        .await;
    Rpc::new("Nope")
        .signed(&emulator.aliyun_url())
        .send(&http)
        .await;
    Ws::json(Gateway::Cnc, json!({"originFileName": "a.mp4"}))
        .signed(&emulator.wangsu_url())
        .send(&http)
        .await;

    let url = format!("{}/__emulator/calls", emulator.aliyun_url());
    let calls: Value =
        serde_json::from_str(&http.get(&url).send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(
        calls,
        json!({
            "calls": {
                "AliyunCreateUploadVideo": 1,
                "AliyunRefreshUploadVideo": 0,
                "AliyunOther": 1,
                "WangsuGetUploadToken": 1,
            },
            "total": 3,
        })
    );
    let response = http
        .delete(format!("{}/__emulator/calls", emulator.wangsu_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(emulator.handle().total_calls(), 0);
    assert_eq!(emulator.handle().calls(Operation::AliyunOther), 0);
}

#[tokio::test]
async fn shutdown_closes_the_ports() {
    let emulator = start().await;
    let aliyun = emulator.aliyun_url();
    let handle = emulator.handle();
    emulator.shutdown().await;
    let error = client()
        .get(format!("{aliyun}/__emulator/calls"))
        .send()
        .await
        .expect_err("nothing listens");
    assert!(error.is_connect(), "{error:?}");
    // The handle outlives the emulator.
    assert_eq!(handle.total_calls(), 0);

    let emulator = start().await;
    let wangsu = emulator.wangsu_url();
    drop(emulator);
    tokio::task::yield_now().await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        client()
            .get(format!("{wangsu}/__emulator/calls"))
            .send()
            .await
            .is_err()
    );
}
