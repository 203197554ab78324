//! The Wangsu upload host's request handler: faults, the token, then form upload or one step of
//! a slice upload (`slice.rs`; see the [module docs](super)).

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::form::Form;
use super::form::{self, FormError};
use crate::server::ConnectionKiller;
use crate::state::{Shared, lock};
use crate::storage::body::{self, InTransit, ReceiveError};
use crate::storage::digest::{Digests, Want};
use crate::storage::fault::StorageFaultKind;
use crate::storage::{self as store, StorageVendor};
use crate::wangsu::token;

/// A chunk (`mkblk` or `bput` body) received whole: what the host answers with.
#[derive(Debug)]
pub(super) struct Chunk {
    pub(super) size: u64,
    pub(super) crc32: u32,
    /// The file hash of the chunk's bytes.
    pub(super) checksum: String,
    /// The spool file, when the chunk was not folded.
    pub(super) file: Option<std::path::PathBuf>,
}

/// The VoD form upload limit: 2 GB.
const MAX_FORM_FILE: u64 = 2 * 1024 * 1024 * 1024;

/// A failed request: HTTP status, `code` (the status) and message.
#[derive(Debug)]
pub(super) struct WcsError(pub(super) StatusCode, pub(super) String);

impl WcsError {
    pub(super) fn bad(message: impl Into<String>) -> Self {
        WcsError(StatusCode::BAD_REQUEST, message.into())
    }

    fn unauthorized(message: &str) -> Self {
        WcsError(StatusCode::UNAUTHORIZED, message.to_owned())
    }

    pub(super) fn internal() -> Self {
        WcsError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error".to_owned(),
        )
    }
}

/// What a valid token allows.
pub(super) struct Policy {
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) overwrite: bool,
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
        ["bput", ctx, _] => lock(&shared.wcs.slices).blocks.get(*ctx).map(|b| b.index),
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
            StorageFaultKind::DropAnswer => killer.kill_after_answer(),
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

pub(super) struct Call<'a> {
    pub(super) shared: &'a Shared,
    pub(super) headers: &'a HeaderMap,
    pub(super) transit: InTransit,
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
    pub(super) fn slice_policy(&self) -> Result<(Policy, String), WcsError> {
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

    pub(super) fn check_overwrite(&self, policy: &Policy) -> Result<(), WcsError> {
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

    /// Streams a chunk into `also` and, unless it is folded, into a spool file.
    pub(super) async fn receive(
        &self,
        body: Body,
        limit: u64,
        spool: bool,
        also: &mut [&mut Digests],
    ) -> Result<Chunk, WcsError> {
        let file = spool.then(|| self.shared.objects.incoming());
        let want = Want::WCS_CHUNK;
        let received = body::receive(body, file.as_deref(), limit, self.transit, want, also)
            .await
            .map_err(|error| match error {
                ReceiveError::TooLarge => WcsError::bad("the chunk is larger than its block"),
                ReceiveError::Client(why) => WcsError::bad(format!("incomplete body: {why}")),
                ReceiveError::Io(_) => WcsError::internal(),
            })?;
        let (Some(crc32), Some(checksum)) = (received.sums.crc32, received.sums.wcs_etag) else {
            return Err(WcsError::internal()); // Want::WCS_CHUNK computes both
        };
        Ok(Chunk {
            size: received.sums.size,
            crc32,
            checksum,
            file: received.file,
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
                sums.md5,
                file,
            )
            .await
            .map_err(|_| WcsError::internal())?;
        let hash = sums.wcs_etag.ok_or_else(WcsError::internal)?; // Want::WCS_FILE computes it
        Ok(json!({ "hash": hash, "key": policy.key, "response": "{\"success\":0}" }))
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
}
