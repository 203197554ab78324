//! The floor of `scripts/bench-upload.sh`: one bare PUT of a whole file to an OSS endpoint,
//! streamed from disk, with nothing of the library's upload around it.
//!
//! An upload can be no faster than sending the file's bytes once over one connection, so this
//! is what `vod upload` and the vendors' uploaders are measured against. To keep it a floor:
//!
//! - the request is signed (V4, by the production signer, through
//!   [`OssClient::prepare`](vod::aliyun::oss::OssClient::prepare) of a PutObject call) and the
//!   file opened before the timer starts;
//! - the timer covers sending the request, the body read from disk in 1 MiB chunks by
//!   `tokio_util::io::ReaderStream`, and reading the answer; nothing is hashed or copied on the
//!   way (no CRC-64, no Content-MD5: the emulator's own digest is the check);
//! - one current-thread runtime, one connection.
//!
//! The job comes as JSON on stdin, so no secret is on the command line:
//!
//! ```text
//! {"file": "/tmp/f", "endpoint": "http://127.0.0.1:9512", "bucket": "b", "key": "sv/x.mp4",
//!  "region": "cn-shanghai", "access_key_id": "STS.x", "access_key_secret": "...",
//!  "security_token": "..."}
//! ```
//!
//! and the result goes to stdout as one JSON line: `{"seconds": 1.23, "bytes": N, "status":
//! 200, "etag": "..."}`. Any answer but a 2xx exits 1 with the status and a short excerpt of
//! the body on stderr. Built by `cargo build --release --example upload_floor`.

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use reqwest::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use time::OffsetDateTime;
use tokio_util::io::ReaderStream;
use vod::Secret;
use vod::aliyun::oss::ops::{calls, content_type_for};
use vod::aliyun::oss::{Bytes, ObjectLocation, OssClient, OssSignature};
use vod::raw::SigningKey;

/// Bytes read from disk per chunk of the body.
const CHUNK: usize = 1 << 20;

/// What to upload where, with which keys (from the emulator's `CreateUploadVideo`).
#[derive(Deserialize)]
struct Job {
    file: std::path::PathBuf,
    endpoint: String,
    bucket: String,
    key: String,
    region: Option<String>,
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("upload_floor: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<String, String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the job from stdin: {e}"))?;
    let job: Job =
        serde_json::from_str(&input).map_err(|e| format!("the job is not valid JSON: {e}"))?;

    // Everything but the transfer happens here, before the timer.
    let location = ObjectLocation::new(&job.endpoint, &job.bucket, &job.key, job.region.clone())
        .map_err(|e| e.to_string())?;
    let keys = SigningKey::new(job.access_key_id.clone(), job.access_key_secret.clone())
        .with_token(job.security_token.clone().map(Secret::new));
    let oss = OssClient::from_http(&vod::HttpConfig::default())
        .map_err(|e| e.to_string())?
        .with_signature(OssSignature::V4);
    // A PutObject call with an empty body: the signature does not cover the body (V4 sends
    // UNSIGNED-PAYLOAD, as oss2 does), so the file is streamed in its place.
    let call = calls::put_object(content_type_for(&job.key), None, Bytes::new())
        .map_err(|e| e.to_string())?;
    let (outgoing, _signed) = oss
        .prepare(&call, &location, &keys, OffsetDateTime::now_utc())
        .map_err(|e| e.to_string())?;
    let mut headers = HeaderMap::new();
    for (name, value) in &outgoing.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
        headers.insert(name, value);
    }
    let file = tokio::fs::File::open(&job.file)
        .await
        .map_err(|e| format!("cannot open {}: {e}", job.file.display()))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| format!("cannot stat {}: {e}", job.file.display()))?
        .len();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| e.to_string())?;
    let request = client
        .request(outgoing.method, outgoing.url)
        .headers(headers)
        .body(reqwest::Body::wrap_stream(ReaderStream::with_capacity(
            file, CHUNK,
        )));

    let started = Instant::now();
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();

    if !status.is_success() {
        let excerpt: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        return Err(format!("HTTP {status}: {excerpt}"));
    }
    Ok(serde_json::json!({
        "seconds": seconds,
        "bytes": size,
        "status": status.as_u16(),
        "etag": etag,
    })
    .to_string())
}
