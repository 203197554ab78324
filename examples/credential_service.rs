//! A credential service: the HTTP endpoint an app puts between its uploaders and the VOD vendor.
//!
//! Browsers and phones never hold the vendor keys. They ask this service for an upload credential,
//! upload with it, and come back with the credential they hold when it is about to expire:
//!
//! - `POST /uploads` with `{"file_name": "clip.mp4", "title": "...", "size": 123}` answers the
//!   credential (JSON, secrets included: this is the handover).
//! - `POST /uploads/refresh` with a credential it issued answers a fresh one. Thousands of clients
//!   refreshing the same upload at once cause one vendor call (the refresh-ahead cache).
//!
//! The vendor comes from the config file (`--config FILE` or `VOD_CONFIG`). Invalid input is a 400
//! whose JSON error names the field; vendor errors map to 4xx/5xx by kind.
//!
//! ```sh
//! cargo run --example credential_service -- --config vod.toml --listen 127.0.0.1:8080
//! curl -s -XPOST localhost:8080/uploads -H 'content-type: application/json' -d '{"file_name":"clip.mp4"}'
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;
use vod::layer::RefreshAhead;
use vod::{Config, ErrorKind, UploadCredential, UploadCredentialProvider, UploadRequest};

type Provider = Arc<RefreshAhead<Arc<dyn UploadCredentialProvider>>>;

/// The body of `POST /uploads`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUpload {
    file_name: Option<String>,
    title: Option<String>,
    // Signed, so a negative size is reported as a rule broken on `size`, not a parse failure.
    size: Option<i64>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// The routes, serving credentials from `provider`.
pub fn router(provider: Arc<dyn UploadCredentialProvider>) -> Router {
    let state: Provider = Arc::new(RefreshAhead::new(provider));
    Router::new()
        .route("/uploads", post(create))
        .route("/uploads/refresh", post(refresh))
        .with_state(state)
}

/// Serves the routes on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    provider: Arc<dyn UploadCredentialProvider>,
) -> std::io::Result<()> {
    axum::serve(listener, router(provider)).await
}

async fn create(State(provider): State<Provider>, body: Bytes) -> Response {
    let upload: NewUpload = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => return bad_json(&e),
    };
    let Some(file_name) = upload.file_name else {
        return error_response(&vod::Error::invalid_input("file_name", "is required"));
    };
    let mut request = UploadRequest::new(file_name).tags(upload.tags);
    request.title = upload.title;
    request.description = upload.description;
    if let Some(size) = upload.size {
        match u64::try_from(size) {
            Ok(size) => request.file_size = Some(size),
            Err(_) => {
                return error_response(&vod::Error::invalid_input("size", "must not be negative"));
            }
        }
    }
    match provider.create_upload(&request).await {
        Ok(cred) => (StatusCode::OK, axum::Json(cred)).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn refresh(State(provider): State<Provider>, body: Bytes) -> Response {
    let stored: UploadCredential = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_json(&e),
    };
    match provider.credential(&stored).await {
        Ok(cred) => (StatusCode::OK, axum::Json(cred)).into_response(),
        Err(e) => error_response(&e),
    }
}

fn bad_json(e: &serde_json::Error) -> Response {
    // serde_json's message names unknown or mistyped fields and a position, never the input.
    let body = json!({"error": {"kind": "invalid_input", "field": null, "message": format!("invalid JSON body: {e}")}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The HTTP status for an error kind: the client's fault is 4xx, ours or the vendor's 5xx.
fn status_for(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
        // Our keys, clock, config or the vendor's answer are wrong: not the client's doing.
        ErrorKind::Config => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn error_response(err: &vod::Error) -> Response {
    let body = json!({"error": {
        "kind": err.kind().as_str(),
        "field": err.field(),
        "message": err.to_string(),
        "vendor_code": err.vendor_code(),
        "request_id": err.request_id(),
        "retryable": err.is_retryable(),
    }});
    let mut response = (status_for(err.kind()), axum::Json(body)).into_response();
    if let Some(after) = err.retry_after() {
        if let Ok(v) = HeaderValue::from_str(&after.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == name {
            return args.next();
        }
    }
    None
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VOD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let config = match Config::discover(arg("--config").map(PathBuf::from).as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let provider = match vod::provider_from_config(&config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let addr: SocketAddr = arg("--listen")
        .unwrap_or_else(|| "127.0.0.1:8080".into())
        .parse()
        .unwrap_or_else(|e| {
            eprintln!("error: --listen: {e}");
            std::process::exit(2);
        });
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "credential service for {} on http://{addr}",
        config.provider.as_str()
    );
    if let Err(e) = serve(listener, provider).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
