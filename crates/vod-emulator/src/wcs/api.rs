//! The Wangsu upload host's request handler: faults, the token, then form upload or one step of
//! a slice upload (see the [module docs](super)).

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::form::{self, FormError};
use super::{Block, form::Form};
use crate::server::ConnectionKiller;
use crate::state::{Shared, lock};
use crate::storage::body::{self, InTransit, ReceiveError};
use crate::storage::digest::WCS_SEGMENT;
use crate::storage::fault::StorageFaultKind;
use crate::storage::{self as store, StorageVendor};
use crate::wangsu::token;

/// The VoD form upload limit: 2 GB.
const MAX_FORM_FILE: u64 = 2 * 1024 * 1024 * 1024;
/// The largest block accepted (the SDKs use 4 MiB; blocks may be any multiple).
const MAX_BLOCK: u64 = 1024 * WCS_SEGMENT;
/// The largest mkfile body read (a list of contexts).
const MAX_MKFILE_BODY: usize = 4 * 1024 * 1024;

/// A failed request: HTTP status, `code` (the status) and message.
#[derive(Debug)]
struct WcsError(StatusCode, String);

impl WcsError {
    fn bad(message: impl Into<String>) -> Self {
        WcsError(StatusCode::BAD_REQUEST, message.into())
    }

    fn unauthorized(message: &str) -> Self {
        WcsError(StatusCode::UNAUTHORIZED, message.to_owned())
    }

    fn internal() -> Self {
        WcsError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error".to_owned(),
        )
    }
}

/// What a valid token allows.
struct Policy {
    bucket: String,
    key: String,
    overwrite: bool,
}

fn answer(request_id: &str, status: StatusCode, body: &Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-reqid", id);
    }
    response
}

/// Serves every path of the Wangsu upload host.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Extension(killer): Extension<ConnectionKiller>,
    request: Request<Body>,
) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let result = serve(&shared, &killer, &segments, &parts.headers, body).await;
    match result {
        Ok(body) => answer(&request_id, StatusCode::OK, &body),
        Err(WcsError(status, message)) => {
            tracing::debug!(%status, "wangsu storage error");
            answer(
                &request_id,
                status,
                &json!({ "code": status.as_u16(), "message": message }),
            )
        }
    }
}

async fn serve(
    shared: &Shared,
    killer: &ConnectionKiller,
    segments: &[&str],
    headers: &HeaderMap,
    body: Body,
) -> Result<Value, WcsError> {
    // The block a request belongs to, for faults that target one.
    let block = match segments {
        ["mkblk", _, index] => index.parse::<u32>().ok(),
        ["bput", ctx, _] => lock(&shared.wcs.blocks).get(*ctx).map(|b| b.index),
        _ => None,
    };
    let mut transit = InTransit::default();
    if let Some(kind) = shared.storage_faults.take(StorageVendor::Wangsu, block) {
        tracing::debug!(?kind, "injecting storage fault");
        match kind {
            StorageFaultKind::Fail { status } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err(WcsError(status, "injected fault".to_owned()));
            }
            StorageFaultKind::Damage => transit.damage = true,
            StorageFaultKind::DropMidBody => body::drop_mid_body(body, killer).await,
            stall => {
                if let Some(delay) = stall.stall() {
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
    let call = Call {
        shared,
        headers,
        transit,
    };
    match segments {
        ["file", "upload"] => call.form_upload(body).await,
        ["mkblk", size, index] => {
            let size = number(size, "block size")?;
            let index = number(index, "block index")?;
            let index = u32::try_from(index).map_err(|_| WcsError::bad("block index too large"))?;
            call.mkblk(size, index, body).await
        }
        ["bput", ctx, offset] => call.bput(ctx, number(offset, "offset")?, body).await,
        ["mkfile", size, rest @ ..] => call.mkfile(number(size, "file size")?, rest, body).await,
        _ => Err(WcsError(StatusCode::NOT_FOUND, "not found".to_owned())),
    }
}

fn number(text: &str, what: &str) -> Result<u64, WcsError> {
    text.parse()
        .map_err(|_| WcsError::bad(format!("{what} is not a number")))
}

struct Call<'a> {
    shared: &'a Shared,
    headers: &'a HeaderMap,
    transit: InTransit,
}

impl Call<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The policy of a valid, unexpired `token`.
    fn verify_token(&self, token: &str) -> Result<Policy, WcsError> {
        let invalid = || WcsError::unauthorized("token invalid");
        let mut fields = token.trim().splitn(3, ':');
        let (Some(access_key), Some(signature), Some(encoded)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(WcsError::unauthorized("token format invalid"));
        };
        let key = self.shared.keys.get(access_key).ok_or_else(invalid)?;
        if token::sign(&key.secret, encoded) != signature {
            return Err(invalid());
        }
        let json = URL_SAFE
            .decode(encoded)
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
            .map_err(|_| invalid())?;
        let policy: Value = serde_json::from_slice(&json).map_err(|_| invalid())?;
        let (bucket, file_key) = policy["scope"]
            .as_str()
            .and_then(|scope| scope.split_once(':'))
            .ok_or_else(invalid)?;
        let deadline_ms = match &policy["deadline"] {
            Value::String(text) => text.parse::<i64>().ok(),
            Value::Number(number) => number.as_i64(),
            _ => None,
        }
        .ok_or_else(|| WcsError::unauthorized("ExpireTime Is Null"))?;
        let now = self.shared.clock.now();
        let now_ms = now.unix_timestamp() * 1000 + i64::from(now.millisecond());
        if now_ms > deadline_ms || self.shared.wangsu.voided(deadline_ms) {
            return Err(WcsError::unauthorized("token expired"));
        }
        Ok(Policy {
            bucket: bucket.to_owned(),
            key: file_key.to_owned(),
            overwrite: policy["overwrite"].as_i64() == Some(1)
                || policy["overwrite"].as_str() == Some("1"),
        })
    }

    /// The policy of the `Authorization` token, after the `Key` header check.
    fn slice_policy(&self) -> Result<(Policy, String), WcsError> {
        let authorization = self
            .header("authorization")
            .ok_or_else(|| WcsError::unauthorized("Authorization Required"))?;
        let token = authorization
            .strip_prefix("UpToken ")
            .unwrap_or(authorization);
        let policy = self.verify_token(token)?;
        self.check_key_header(&policy)?;
        let batch = self
            .header("uploadbatch")
            .filter(|b| !b.is_empty())
            .ok_or_else(|| WcsError::bad("the UploadBatch header is missing"))?;
        Ok((policy, batch.to_owned()))
    }

    fn check_key_header(&self, policy: &Policy) -> Result<(), WcsError> {
        if let Some(sent) = self.header("key") {
            let decoded = URL_SAFE
                .decode(sent)
                .or_else(|_| URL_SAFE_NO_PAD.decode(sent.trim_end_matches('=')))
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if decoded.as_deref() != Some(policy.key.as_str()) {
                return Err(WcsError::bad(
                    "the Key header does not name the token's file",
                ));
            }
        }
        Ok(())
    }

    fn check_overwrite(&self, policy: &Policy) -> Result<(), WcsError> {
        if !policy.overwrite
            && self
                .shared
                .objects
                .exists(StorageVendor::Wangsu, &policy.bucket, &policy.key)
        {
            return Err(WcsError(
                StatusCode::NOT_ACCEPTABLE,
                "file exists".to_owned(),
            ));
        }
        Ok(())
    }

    async fn receive(&self, body: Body, limit: u64) -> Result<body::Received, WcsError> {
        let file = self.shared.objects.incoming();
        body::receive(body, Some(&file), limit, self.transit, None)
            .await
            .map_err(|error| match error {
                ReceiveError::TooLarge => WcsError::bad("the chunk is larger than its block"),
                ReceiveError::Client(why) => WcsError::bad(format!("incomplete body: {why}")),
                ReceiveError::Io(_) => WcsError::internal(),
            })
    }

    async fn form_upload(&self, body: Body) -> Result<Value, WcsError> {
        let boundary = self
            .header("content-type")
            .and_then(form::boundary)
            .ok_or_else(|| WcsError::bad("expected multipart/form-data with a boundary"))?;
        let objects = &self.shared.objects;
        let file = objects.keeps_bytes().then(|| objects.incoming());
        let read = form::read(
            body,
            &boundary,
            file.as_deref(),
            MAX_FORM_FILE,
            self.transit,
        )
        .await;
        let form: Form = match read {
            Ok(form) => form,
            Err(error) => {
                if let Some(file) = &file {
                    store::discard(std::slice::from_ref(file)).await;
                }
                return Err(match error {
                    FormError::Malformed(why) => WcsError::bad(why),
                    FormError::TooLarge => WcsError::bad("the file is larger than 2 GB"),
                    FormError::Io(error) => {
                        tracing::warn!(%error, "vod emulator: cannot store a Wangsu form upload");
                        WcsError::internal()
                    }
                });
            }
        };
        let checked = self.check_form(&form);
        let (policy, sums) = match checked {
            Ok(ok) => ok,
            Err(error) => {
                if let Some(file) = &file {
                    store::discard(std::slice::from_ref(file)).await;
                }
                return Err(error);
            }
        };
        objects
            .commit(
                StorageVendor::Wangsu,
                &policy.bucket,
                &policy.key,
                sums.size,
                Some(sums.md5),
                file,
            )
            .await
            .map_err(|_| WcsError::internal())?;
        Ok(json!({ "hash": sums.wcs_etag, "key": policy.key, "response": "{\"success\":0}" }))
    }

    fn check_form(&self, form: &Form) -> Result<(Policy, store::digest::Sums), WcsError> {
        let token = form
            .field("token")
            .ok_or_else(|| WcsError::unauthorized("Authorization Required"))?;
        let policy = self.verify_token(token)?;
        if let Some(key) = form.field("key") {
            if key != policy.key {
                return Err(WcsError::bad(
                    "the key field does not name the token's file",
                ));
            }
        }
        self.check_overwrite(&policy)?;
        let sums = form
            .file
            .clone()
            .ok_or_else(|| WcsError::bad("the form has no file"))?;
        Ok((policy, sums))
    }

    async fn mkblk(&self, size: u64, index: u32, body: Body) -> Result<Value, WcsError> {
        let (policy, batch) = self.slice_policy()?;
        if size == 0 || size > MAX_BLOCK {
            return Err(WcsError::bad(format!(
                "block size must be between 1 and {MAX_BLOCK}"
            )));
        }
        let received = self.receive(body, size).await?;
        let block = Block {
            batch,
            bucket: policy.bucket,
            key: policy.key,
            index,
            size,
            chunks: Vec::new(),
            received: 0,
            latest_ctx: String::new(),
        };
        Ok(self.add_chunk(block, received))
    }

    async fn bput(&self, ctx: &str, offset: u64, body: Body) -> Result<Value, WcsError> {
        let (policy, batch) = self.slice_policy()?;
        let (size, received_before) = {
            let blocks = lock(&self.shared.wcs.blocks);
            let block = blocks
                .get(ctx)
                .ok_or_else(|| WcsError::bad("unknown or stale ctx"))?;
            if block.batch != batch || block.key != policy.key || block.bucket != policy.bucket {
                return Err(WcsError::bad("the ctx belongs to another upload"));
            }
            (block.size, block.received)
        };
        if offset != received_before {
            return Err(WcsError::bad(format!(
                "offset {offset} does not continue the block at {received_before}"
            )));
        }
        let received = self.receive(body, size - received_before).await?;
        let block = lock(&self.shared.wcs.blocks).remove(ctx);
        match block {
            Some(block) if block.received == received_before => Ok(self.add_chunk(block, received)),
            other => {
                // Another request continued the block meanwhile: this chunk is stale.
                if let Some(block) = other {
                    lock(&self.shared.wcs.blocks).insert(ctx.to_owned(), block);
                }
                store::discard(&received.file.into_iter().collect::<Vec<_>>()).await;
                Err(WcsError::bad("unknown or stale ctx"))
            }
        }
    }

    /// Appends a received chunk to `block` under a fresh ctx; the chunk answer.
    fn add_chunk(&self, mut block: Block, received: body::Received) -> Value {
        let ctx = format!(
            "{}-{}",
            uuid::Uuid::new_v4().simple(),
            block.received + received.sums.size
        );
        block.received += received.sums.size;
        block.chunks.extend(received.file);
        block.latest_ctx = ctx.clone();
        let offset = block.received;
        lock(&self.shared.wcs.blocks).insert(ctx.clone(), block);
        json!({
            "ctx": ctx,
            "checksum": received.sums.wcs_etag,
            "crc32": received.sums.crc32,
            "offset": offset,
            "host": self.shared.wangsu_url,
        })
    }

    async fn mkfile(&self, size: u64, rest: &[&str], body: Body) -> Result<Value, WcsError> {
        let (policy, batch) = self.slice_policy()?;
        // `/key/<b64url(key)>` (the Java SDK) must name the token's file; `x:var` pairs are kept
        // by nobody here.
        let mut pairs = rest.chunks(2);
        for pair in &mut pairs {
            if let ["key", encoded] = pair {
                let decoded = URL_SAFE
                    .decode(encoded)
                    .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                if decoded.as_deref() != Some(policy.key.as_str()) {
                    return Err(WcsError::bad(
                        "the key in the path does not name the token's file",
                    ));
                }
            }
        }
        self.check_overwrite(&policy)?;
        let bytes = axum::body::to_bytes(body, MAX_MKFILE_BODY)
            .await
            .map_err(|_| WcsError::bad("the ctx list is too long"))?;
        let text = String::from_utf8_lossy(&bytes);
        let ctxs: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let blocks = {
            let mut blocks = lock(&self.shared.wcs.blocks);
            let mut total = 0u64;
            for (position, ctx) in ctxs.iter().enumerate() {
                let block = blocks
                    .get(*ctx)
                    .ok_or_else(|| WcsError::bad(format!("unknown or stale ctx at {position}")))?;
                if block.batch != batch || block.key != policy.key || block.bucket != policy.bucket
                {
                    return Err(WcsError::bad("a ctx belongs to another upload"));
                }
                if block.received != block.size {
                    return Err(WcsError::bad(format!(
                        "block {position} has {} of its {} bytes",
                        block.received, block.size
                    )));
                }
                if u64::from(block.index) != position as u64 {
                    return Err(WcsError::bad(format!(
                        "block {} is listed at position {position}",
                        block.index
                    )));
                }
                if position + 1 < ctxs.len() && block.size % WCS_SEGMENT != 0 {
                    return Err(WcsError::bad(format!(
                        "block {position} is not a multiple of 4 MiB and not the last"
                    )));
                }
                total += block.size;
            }
            if total != size {
                return Err(WcsError::bad(format!(
                    "the blocks hold {total} bytes, not {size}"
                )));
            }
            ctxs.iter()
                .filter_map(|ctx| blocks.remove(*ctx))
                .collect::<Vec<_>>()
        };
        let pieces: Vec<_> = blocks.into_iter().flat_map(|b| b.chunks).collect();
        let objects = &self.shared.objects;
        let (sums, file) = objects
            .assemble(&pieces)
            .await
            .map_err(|_| WcsError::internal())?;
        objects
            .commit(
                StorageVendor::Wangsu,
                &policy.bucket,
                &policy.key,
                sums.size,
                Some(sums.md5),
                file,
            )
            .await
            .map_err(|_| WcsError::internal())?;
        Ok(json!({ "hash": sums.wcs_etag, "key": policy.key }))
    }
}
