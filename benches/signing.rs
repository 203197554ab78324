//! Signing one request, per signature, against the raw HMAC over the same bytes.
//!
//! ```sh
//! cargo bench --bench signing
//! ```
//!
//! Inputs: `benches/data/sign-inputs.json` (one CreateUploadVideo request for RPC HMAC-SHA1 and
//! for ACS3-HMAC-SHA256, one getUploadToken request for WS3-HMAC-SHA256), the same file the
//! official Python SDKs sign in `scripts/bench-sdk-signers.sh`. What is timed, and what the
//! floor is, is described in `benches/support/sign_cases.rs`; figures and their limits are in
//! BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/sign_cases.rs"]
mod sign_cases;

use sign_cases::Cases;

fn signing(c: &mut Criterion) {
    let cases = Cases::load();
    let mut group = c.benchmark_group("sign");

    group.bench_function("rpc_hmac_sha1/create_upload_video", |b| {
        b.iter(|| black_box(&cases.rpc).sign())
    });
    group.bench_function("rpc_hmac_sha1/floor_raw_hmac", |b| {
        b.iter(|| black_box(&cases.rpc).floor())
    });

    group.bench_function("acs3_hmac_sha256/create_upload_video", |b| {
        b.iter(|| black_box(&cases.acs3).sign())
    });
    group.bench_function("acs3_hmac_sha256/floor_raw_hmac", |b| {
        b.iter(|| black_box(&cases.acs3).floor())
    });

    group.bench_function("ws3_hmac_sha256/get_upload_token", |b| {
        b.iter(|| black_box(&cases.ws3).sign())
    });
    group.bench_function("ws3_hmac_sha256/floor_raw_hmac", |b| {
        b.iter(|| black_box(&cases.ws3).floor())
    });

    group.finish();
}

criterion_group! {
    name = benches;
    // Modest times so that `cargo bench` stays within a few minutes on a small machine.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = signing
}
criterion_main!(benches);
