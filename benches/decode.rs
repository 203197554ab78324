//! Decoding one success answer of each vendor into an `UploadCredential`.
//!
//! ```sh
//! cargo bench --bench decode
//! ```
//!
//! Inputs: `benches/data/aliyun-answer.json` (a `CreateUploadVideo` answer: JSON with two base64
//! JSON fields) and `benches/data/wangsu-answer.json` (a `getUploadToken` envelope, whose upload
//! token carries the deadline), both answers of `vod-emulator` to the request `loadgen` sends
//! (`cargo run --example loadgen -- --save-answers benches/data` makes them again).
//!
//! Timed: `vod_aliyun::read_answer` and `vod_wangsu::read_answer`, the functions each provider
//! runs on every answer (status check, JSON, base64, expiry, the credential's strings). Building
//! the `Response` (copying the body) is setup and dropping the result is cleanup, both outside
//! the timing (criterion's `iter_batched`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use time::OffsetDateTime;
use vod_core::raw::transport::Response;

#[derive(Deserialize)]
struct Answer {
    issued_at: i64,
    status: u16,
    headers: std::collections::BTreeMap<String, String>,
    body: String,
}

impl Answer {
    fn load(json: &str) -> Self {
        serde_json::from_str(json).expect("a saved answer")
    }

    fn issued_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.issued_at).expect("a valid time")
    }

    fn response(&self, headers: &HeaderMap) -> Response {
        Response::new(self.status, headers.clone(), self.body.as_bytes().to_vec())
    }

    fn headers(&self) -> HeaderMap {
        self.headers
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                    HeaderValue::from_str(value).expect("header value"),
                )
            })
            .collect()
    }
}

fn decode(c: &mut Criterion) {
    let aliyun = Answer::load(include_str!("data/aliyun-answer.json"));
    let wangsu = Answer::load(include_str!("data/wangsu-answer.json"));
    let (aliyun_headers, wangsu_headers) = (aliyun.headers(), wangsu.headers());

    // Both decode, before anything is timed.
    vod_aliyun::read_answer(
        aliyun.response(&aliyun_headers),
        aliyun.issued_at(),
        "holiday-2024.mp4",
        None,
    )
    .expect("the Aliyun answer decodes");
    let credential = vod_wangsu::read_answer(
        wangsu.response(&wangsu_headers),
        wangsu.issued_at(),
        "holiday-2024.mp4",
        Some("9f1c8e2a3b4d4e5f8a6b7c8d9e0f1a2b"),
    )
    .expect("the Wangsu answer decodes");
    assert!(
        credential.expires_at > wangsu.issued_at(),
        "the token's own deadline is used, not the fallback"
    );

    let mut group = c.benchmark_group("decode");
    group.bench_function("aliyun/create_upload_video", |b| {
        b.iter_batched(
            || aliyun.response(&aliyun_headers),
            |response| {
                vod_aliyun::read_answer(
                    black_box(response),
                    aliyun.issued_at(),
                    "holiday-2024.mp4",
                    None,
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("wangsu/get_upload_token", |b| {
        b.iter_batched(
            || wangsu.response(&wangsu_headers),
            |response| {
                vod_wangsu::read_answer(
                    black_box(response),
                    wangsu.issued_at(),
                    "holiday-2024.mp4",
                    Some("9f1c8e2a3b4d4e5f8a6b7c8d9e0f1a2b"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Modest times so that `cargo bench` stays within a few minutes on a small machine.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = decode
}
criterion_main!(benches);
