//! A credential service: the HTTP endpoint an app puts between its uploaders and the VOD vendor.
//!
//! Browsers and phones never hold the vendor keys. They ask this service for an upload credential,
//! upload with it, and come back for a fresh one when it is about to expire. Nothing a client sends
//! is trusted: a refresh must carry the refresh ticket the create answer handed out, and the
//! refresh is rebuilt from what that ticket authenticates.
//!
//! - `POST /uploads` with `{"file_name": "clip.mp4", "title": "...", "size": 123}` answers
//!   `{"credential": {...}, "refresh_ticket": "..."}` (secrets included: this is the handover).
//! - `POST /uploads/refresh` with `{"refresh_ticket": "..."}` answers `{"credential": {...}}`, a
//!   valid credential for that upload. The client may add `"credential": {...}` (what it holds);
//!   if it names another upload than the ticket, the refresh is refused. Thousands of clients
//!   refreshing the same upload at once cause one vendor call (the refresh-ahead cache), and the
//!   cache holds only what the vendor issued.
//!
//! A refresh without a ticket, or with one that is malformed, altered, signed by another service
//! or older than its lifetime (24 h), is a 401 `unauthenticated`; a genuine ticket of another
//! provider, or a credential that disagrees with the ticket, is a 403 `permission_denied`.
//!
//! Tickets are HMACs under a service secret from the environment variable `VOD_SERVICE_SECRET`
//! (at least 32 bytes; `--ticket-secret-env NAME` reads another variable). Without one the service
//! makes up a random secret and warns: its tickets die with the process and other instances do not
//! accept them, so set the secret wherever more than one instance or a restart is possible.
//!
//! At `/` it serves an upload page (web/index.html, web/upload.css, web/upload.js, built into the
//! binary) that asks for a credential, uploads straight to storage with the vendor's own browser
//! client and refreshes through `/uploads/refresh` while the upload runs. The clients are npm
//! packages (`npm ci` in web/), served at `/vendor/` from web/node_modules: nothing minified is
//! kept in the repository, and a missing install is a 503 that says what to run.
//!
//! The vendor comes from the config file (`--config FILE` or `VOD_CONFIG`). Invalid input is a 400
//! whose JSON error names the field; vendor errors map to 4xx/5xx by kind; every error is JSON.
//!
//! ```sh
//! (cd web && npm ci)   # the vendors' browser clients, for the page
//! cargo run --example credential_service -- --config vod.toml --listen 127.0.0.1:8080
//! curl -s -XPOST localhost:8080/uploads -H 'content-type: application/json' -d '{"file_name":"clip.mp4"}'
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use vod::layer::RefreshAhead;
use vod::ticket::{TicketIssuer, TicketKey};
use vod::{Config, ErrorKind, UploadCredential, UploadCredentialProvider, UploadRequest};

/// The largest request body read: a credential and a ticket are a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The environment variable the service secret is read from by default.
pub const SECRET_ENV: &str = "VOD_SERVICE_SECRET";

#[derive(Clone)]
struct Service {
    provider: Arc<RefreshAhead<Arc<dyn UploadCredentialProvider>>>,
    tickets: Arc<TicketIssuer>,
}

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

/// The body of `POST /uploads/refresh`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Refresh {
    refresh_ticket: String,
    /// What the client holds, if it sends it: only checked against the ticket, never used.
    credential: Option<UploadCredential>,
}

/// The routes, serving credentials from `provider` and refreshing only with tickets of `tickets`.
pub fn router(provider: Arc<dyn UploadCredentialProvider>, tickets: TicketIssuer) -> Router {
    let state = Service {
        provider: Arc::new(RefreshAhead::new(provider)),
        tickets: Arc::new(tickets),
    };
    Router::new()
        .route("/", get(page::index))
        .route("/upload.css", get(page::css))
        .route("/upload.js", get(page::js))
        .route("/vendor/{file}", get(page::vendor))
        .route("/uploads", post(create))
        .route("/uploads/refresh", post(refresh))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Serves the routes on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    provider: Arc<dyn UploadCredentialProvider>,
    tickets: TicketIssuer,
) -> std::io::Result<()> {
    axum::serve(listener, router(provider, tickets)).await
}

async fn create(State(service): State<Service>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) => return unreadable_body(&e),
    };
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
    match service.provider.create_upload(&request).await {
        Ok(cred) => {
            // Issued from what the vendor answered, never from anything the client sent.
            let ticket = service.tickets.issue(&cred);
            let body = json!({"credential": cred, "refresh_ticket": ticket});
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(e) => error_response(&e),
    }
}

async fn refresh(State(service): State<Service>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) => return unreadable_body(&e),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_json(&e),
    };
    // Authentication first: without a ticket, nothing else in the body is looked at.
    if value.get("refresh_ticket").is_none_or(Value::is_null) {
        return refused(
            &vod::Error::new(
                ErrorKind::Unauthenticated,
                "a refresh needs the `refresh_ticket` the create answer carried",
            ),
            "refresh_ticket",
        );
    }
    let asked: Refresh = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => return bad_json(&e),
    };
    let provider = service.provider.name();
    let ticket = match service.tickets.verify(&asked.refresh_ticket, provider) {
        Ok(t) => t,
        Err(e) => return refused(&e, "refresh_ticket"),
    };
    if let Some(held) = &asked.credential {
        if let Err(e) = ticket.check_matches(held) {
            return refused(&e, "credential");
        }
    }
    match service
        .provider
        .refresh_upload(&ticket.refresh_request())
        .await
    {
        Ok(cred) => (StatusCode::OK, axum::Json(json!({"credential": cred}))).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The upload page and the vendors' browser clients.
mod page {
    use std::path::Path;

    use axum::extract::Path as UrlPath;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    /// Where `npm ci` puts the clients: web/node_modules beside this example.
    const NODE_MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/web/node_modules");

    /// The only files served from node_modules: each vendor's browser bundle, by a fixed name,
    /// so no request path ever reaches the file system.
    const CLIENTS: [(&str, &str); 2] = [
        (
            "aliyun-oss-sdk.min.js",
            "ali-oss/dist/aliyun-oss-sdk.min.js",
        ),
        ("wcs.min.js", "wcs-js-sdk/dist/wcs.min.js"),
    ];

    /// The page's own scripts, styles and the storage hosts it uploads to: scripts and styles only
    /// from this service, uploads to any host (the credential names it).
    const CSP: &str = "default-src 'self'; connect-src 'self' http: https:; \
                       object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    fn asset(content_type: &'static str, body: &'static str) -> Response {
        let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }

    pub(super) async fn index() -> Response {
        asset(
            "text/html; charset=utf-8",
            include_str!("../web/index.html"),
        )
    }

    pub(super) async fn css() -> Response {
        asset("text/css; charset=utf-8", include_str!("../web/upload.css"))
    }

    pub(super) async fn js() -> Response {
        asset(
            "text/javascript; charset=utf-8",
            include_str!("../web/upload.js"),
        )
    }

    pub(super) async fn vendor(UrlPath(file): UrlPath<String>) -> Response {
        let Some((_, path)) = CLIENTS.iter().find(|(name, _)| *name == file) else {
            return (StatusCode::NOT_FOUND, "no such client\n").into_response();
        };
        match tokio::fs::read(Path::new(NODE_MODULES).join(path)).await {
            Ok(bytes) => {
                let mut response = (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    bytes,
                )
                    .into_response();
                response.headers_mut().insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                response
            }
            Err(e) => {
                tracing::warn!(file = %path, error = %e, "a browser client is not installed");
                let message =
                    format!("{path} is not installed ({e}): run `npm ci` in web/ and reload\n");
                (StatusCode::SERVICE_UNAVAILABLE, message).into_response()
            }
        }
    }
}

/// A refresh the ticket does not allow: 401 when the client proved nothing, 403 when it proved a
/// right to another upload or provider.
fn refused(err: &vod::Error, field: &str) -> Response {
    let status = match err.kind() {
        ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    let body = json!({"error": {
        "kind": err.kind().as_str(),
        "field": field,
        "message": err.to_string(),
        "retryable": false,
    }});
    (status, axum::Json(body)).into_response()
}

/// A body that could not be read: too large (413) or broken. JSON like every other error.
fn unreadable_body(rejection: &BytesRejection) -> Response {
    let status = rejection.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("the request body is larger than the limit of {BODY_LIMIT} bytes")
    } else {
        format!(
            "the request body could not be read: {}",
            rejection.body_text()
        )
    };
    let body = json!({"error": {"kind": "invalid_input", "field": null, "message": message}});
    (status, axum::Json(body)).into_response()
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

/// The service secret from the environment, or a random one with a warning.
fn ticket_key() -> Result<TicketKey, String> {
    let var = arg("--ticket-secret-env").unwrap_or_else(|| SECRET_ENV.into());
    match std::env::var(&var) {
        // The error names the variable and the rule, never the value.
        Ok(secret) => TicketKey::new(secret).map_err(|e| format!("{var}: {}", e.message())),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{var} is not valid UTF-8")),
        Err(std::env::VarError::NotPresent) => {
            tracing::warn!(
                "{var} is not set: refresh tickets are signed with a random secret, so they stop \
                 working when this process restarts and no other instance accepts them"
            );
            Ok(TicketKey::random())
        }
    }
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
    let tickets = TicketIssuer::new(ticket_key().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    }));
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
    if let Err(e) = serve(listener, provider, tickets).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
