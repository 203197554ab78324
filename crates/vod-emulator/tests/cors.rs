//! The upload hosts answer CORS for the configured origins only, as a bucket with CORS rules for
//! browser uploads does; the API hosts and an emulator without origins answer none.

use reqwest::{Client, Method, Response};
use vod_emulator::{Emulator, EmulatorConfig};

const PAGE: &str = "http://127.0.0.1:8080";

async fn preflight(url: &str, origin: &str) -> Response {
    Client::new()
        .request(Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,x-oss-date,x-oss-security-token,content-md5",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn upload_hosts_allow_the_configured_origin() {
    let emulator = Emulator::start(EmulatorConfig::default().cors_origin(PAGE))
        .await
        .unwrap();
    for host in [emulator.oss_url(), emulator.wangsu_upload_url()] {
        let answer = preflight(&format!("{host}/outin-bucket/sv/clip.mp4"), PAGE).await;
        assert!(answer.status().is_success(), "{host}: {}", answer.status());
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(PAGE));
        let methods = header(&answer, "access-control-allow-methods").unwrap();
        assert!(
            methods.contains("PUT") && methods.contains("POST"),
            "{methods}"
        );
        let headers = header(&answer, "access-control-allow-headers").unwrap();
        assert!(headers.contains("x-oss-security-token"), "{headers}");

        // Another origin learns nothing: the browser refuses the answer.
        let other = preflight(&format!("{host}/b/k"), "http://evil.test").await;
        assert_eq!(header(&other, "access-control-allow-origin"), None);

        // An actual answer, an error included, names the origin and exposes what clients read.
        let answer = Client::new()
            .put(format!("{host}/outin-bucket/sv/clip.mp4"))
            .header("origin", PAGE)
            .body("unsigned")
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error(), "{}", answer.status());
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(PAGE));
        let exposed = header(&answer, "access-control-expose-headers").unwrap();
        for name in [
            "etag",
            "x-oss-request-id",
            "x-oss-hash-crc64ecma",
            "x-reqid",
        ] {
            assert!(exposed.contains(name), "{name} not in {exposed}");
        }
    }
    // The APIs are called by the app's backend, never by a page.
    let api = preflight(&format!("{}/", emulator.aliyun_url()), PAGE).await;
    assert_eq!(header(&api, "access-control-allow-origin"), None);
    emulator.shutdown().await;
}

#[tokio::test]
async fn without_origins_no_cors_and_any_with_star() {
    let plain = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let answer = preflight(&format!("{}/b/k", plain.oss_url()), PAGE).await;
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
    plain.shutdown().await;

    let any = Emulator::start(EmulatorConfig::default().cors_origin("*"))
        .await
        .unwrap();
    let answer = preflight(&format!("{}/b/k", any.wangsu_upload_url()), PAGE).await;
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
    any.shutdown().await;
}

#[tokio::test]
async fn a_malformed_origin_is_refused_at_start() {
    let err = Emulator::start(EmulatorConfig::default().cors_origin("127.0.0.1:8080"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("http://"), "{err}");
}
