//! The OSS request handler: faults, authentication, then one of the six upload operations
//! (PutObject here, the multipart ones in `multipart.rs`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::auth;
use super::reply::{OssError, Reply};
use super::sign::{self, Signed};
use crate::server::ConnectionKiller;
use crate::state::Shared;
use crate::storage::StorageVendor;
use crate::storage::body::{self, InTransit, ReceiveError};
use crate::storage::digest::{self, Digests, Want};
use crate::storage::fault::StorageFaultKind;

/// A body OSS received whole: what it answers with.
#[derive(Debug)]
pub(super) struct Received {
    pub(super) size: u64,
    pub(super) md5: [u8; 16],
    pub(super) crc64: u64,
    /// The file it was written to (directory mode, or a part spooled ahead of the fold).
    pub(super) file: Option<std::path::PathBuf>,
}

/// The largest object or part OSS accepts in one request: 5 GB.
const MAX_BODY: u64 = 5 * 1024 * 1024 * 1024;
const MAX_PART_NUMBER: u32 = 10_000;

/// What the request asks for, from its method and query.
enum Op {
    Put,
    Initiate,
    UploadPart(String, u32),
    Complete(String),
    Abort(String),
    ListParts(String),
}

/// Serves every path of the OSS host.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Extension(killer): Extension<ConnectionKiller>,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let reply = Reply::new(&parts.headers);
    let query = sign::decode_query(parts.uri.query());
    let part_number = param(&query, "partNumber").and_then(|n| n.parse::<u32>().ok());
    let mut transit = InTransit::default();
    if let Some(kind) = shared.storage_faults.take(StorageVendor::Oss, part_number) {
        tracing::debug!(?kind, "injecting storage fault");
        match kind {
            StorageFaultKind::Fail { status } => return reply.error(&injected(status)),
            StorageFaultKind::Damage => transit.damage = true,
            StorageFaultKind::DropMidBody => body::drop_mid_body(body, &killer).await,
            StorageFaultKind::DropAnswer => killer.kill_after_answer(),
            stall => {
                if let Some(delay) = stall.stall() {
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
    let path = parts.uri.path().strip_prefix('/').unwrap_or("");
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let (bucket, key) = (sign::decode(bucket), sign::decode(key));
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let signed = Signed {
        method: parts.method.as_str(),
        bucket: &bucket,
        key: &key,
        query: &query,
        headers: &headers,
    };
    let result = match operation(&parts.method, &query, &key) {
        Err(error) => Err(error),
        Ok(op) => match auth::authenticate(&shared, &signed) {
            Err(error) => Err(error),
            Ok(_) => {
                let call = Call {
                    shared: &shared,
                    reply: &reply,
                    bucket: &bucket,
                    key: &key,
                    headers: &parts.headers,
                    query: &query,
                    transit,
                };
                call.run(op, body).await
            }
        },
    };
    result.unwrap_or_else(|error| reply.error(&error))
}

pub(super) fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn injected(status: u16) -> OssError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (code, message) = match status.as_u16() {
        503 => ("ServiceUnavailable", "Please reduce your request rate."),
        500..=599 => (
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        _ => ("InjectedFault", "A fault injected by the emulator."),
    };
    OssError::new(status, code, "0000-00000000", message)
}

fn operation(method: &Method, query: &[(String, String)], key: &str) -> Result<Op, OssError> {
    let not_implemented = || {
        OssError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "0000-00000002",
            "The emulator serves PutObject and multipart upload only.",
        )
    };
    if key.is_empty() {
        return Err(not_implemented());
    }
    let upload_id = param(query, "uploadId").map(str::to_owned);
    Ok(match (method.as_str(), upload_id) {
        ("PUT", None) => Op::Put,
        ("POST", None) if param(query, "uploads").is_some() => Op::Initiate,
        ("PUT", Some(id)) => {
            let number = param(query, "partNumber")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
                .ok_or_else(|| {
                    OssError::invalid_argument(
                        "Part number must be an integer between 1 and 10000, inclusive.",
                    )
                    .with("ArgumentName", "partNumber")
                })?;
            Op::UploadPart(id, number)
        }
        ("POST", Some(id)) => Op::Complete(id),
        ("DELETE", Some(id)) => Op::Abort(id),
        ("GET", Some(id)) => Op::ListParts(id),
        _ => return Err(not_implemented()),
    })
}

/// One authenticated request.
pub(super) struct Call<'a> {
    pub(super) shared: &'a Shared,
    pub(super) reply: &'a Reply,
    pub(super) bucket: &'a str,
    pub(super) key: &'a str,
    pub(super) headers: &'a axum::http::HeaderMap,
    pub(super) query: &'a [(String, String)],
    pub(super) transit: InTransit,
}

impl Call<'_> {
    async fn run(&self, op: Op, body: Body) -> Result<Response, OssError> {
        match op {
            Op::Put => self.put(body).await,
            Op::Initiate => Ok(self.initiate()),
            Op::UploadPart(id, number) => self.upload_part(&id, number, body).await,
            Op::Complete(id) => self.complete(&id, body).await,
            Op::Abort(id) => self.abort(&id).await,
            Op::ListParts(id) => self.list_parts(&id),
        }
    }

    /// Streams the body to `file` (or only through the checksums), checking `Content-MD5`.
    pub(super) async fn receive(
        &self,
        body: Body,
        file: Option<std::path::PathBuf>,
        fold: &mut [&mut Digests],
    ) -> Result<Received, OssError> {
        let limit = MAX_BODY;
        let received = body::receive(body, file.as_deref(), limit, self.transit, Want::OSS, fold)
            .await
            .map_err(|error| match error {
                ReceiveError::TooLarge => OssError::new(
                    StatusCode::BAD_REQUEST,
                    "EntityTooLarge",
                    "0039-00000003",
                    "Your proposed upload exceeds the maximum allowed size.",
                ),
                ReceiveError::Client(why) => OssError::new(
                    StatusCode::BAD_REQUEST,
                    "IncompleteBody",
                    "0039-00000004",
                    format!("The request body is incomplete: {why}"),
                ),
                ReceiveError::Io(error) => {
                    tracing::warn!(%error, "vod emulator: cannot store an OSS body");
                    OssError::internal()
                }
            })?;
        let (Some(md5), Some(crc64)) = (received.sums.md5, received.sums.crc64) else {
            return Err(OssError::internal()); // Want::OSS computes both
        };
        let received = Received {
            size: received.sums.size,
            md5,
            crc64,
            file: received.file,
        };
        if let Some(sent) = self.headers.get("content-md5") {
            if sent.as_bytes() != STANDARD.encode(received.md5).as_bytes() {
                if let Some(file) = &received.file {
                    let _ = tokio::fs::remove_file(file).await;
                }
                return Err(OssError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidDigest",
                    "0039-00000002",
                    "The Content-MD5 you specified is not valid.",
                ));
            }
        }
        Ok(received)
    }

    pub(super) fn checksum_headers(&self, response: &mut Response, etag: &str, crc64: u64) {
        let headers = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(etag) {
            headers.insert(header::ETAG, etag);
        }
        headers.insert("x-oss-hash-crc64ecma", HeaderValue::from(crc64));
    }

    /// `x-oss-forbid-overwrite: true` and the object exists: 409 `FileAlreadyExists`.
    pub(super) fn check_overwrite(&self) -> Result<(), OssError> {
        let forbidden = self
            .headers
            .get("x-oss-forbid-overwrite")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        if forbidden
            && self
                .shared
                .objects
                .exists(StorageVendor::Oss, self.bucket, self.key)
        {
            return Err(OssError::new(
                StatusCode::CONFLICT,
                "FileAlreadyExists",
                "0015-00000040",
                "The object you specified already exists and can not be overwritten.",
            ));
        }
        Ok(())
    }

    async fn put(&self, body: Body) -> Result<Response, OssError> {
        self.check_overwrite()?;
        let objects = &self.shared.objects;
        let file = objects.keeps_bytes().then(|| objects.incoming());
        let received = self.receive(body, file, &mut []).await?;
        objects
            .commit(
                StorageVendor::Oss,
                self.bucket,
                self.key,
                received.size,
                Some(received.md5),
                received.file,
            )
            .await
            .map_err(|_| OssError::internal())?;
        let mut response = self.reply.stamp(StatusCode::OK.into_response());
        let etag = digest::oss_etag(&received.md5);
        self.checksum_headers(&mut response, &etag, received.crc64);
        if let Ok(md5) = HeaderValue::from_str(&STANDARD.encode(received.md5)) {
            response.headers_mut().insert("content-md5", md5);
        }
        Ok(response)
    }
}
