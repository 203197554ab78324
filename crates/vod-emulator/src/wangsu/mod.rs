//! The emulated Wangsu (CDNetworks) Cloud VoD API: Get Video Upload Token behind both of the
//! vendor's gateways' signatures (WS3-HMAC-SHA256 and CNC-HMAC-SHA256).
//!
//! This module has no public items: it is public so that what the emulator does (and what it
//! had to infer) is documented where its users read.
//!
//! The operation is `GET` or `POST /vod/videoManage/getUploadToken`. A request is handled in this
//! order; the first failing step answers:
//!
//! 1. counted (see [`EmulatorHandle::calls`](crate::EmulatorHandle::calls)), then the next queued
//!    Wangsu fault, if any, is applied;
//! 2. the gateway's authentication (`verify.rs`): access key, `Authorization` form, the 5-minute
//!    timestamp window, signature, repeated request;
//! 3. parameter checks, answered in an HTTP 200 envelope `{"code": <int>, "message"}`;
//! 4. success: `{"code": 200, "message": "success", "data": {...}}` with a fresh upload token
//!    (`token.rs`) whose `uploadUrl` is the emulator's own Wangsu upload host, which accepts the
//!    token until its deadline (see [`crate::wcs`]).
//!
//! Every answer carries a request id header: `X-WS-RequestId` for WS3 requests,
//! `x-cnc-request-id` for CNC requests.
//!
//! # Inferred behaviour
//!
//! The vendor notes do not document the gateway's rejections or several details; the emulator
//! chooses, and says so here:
//! - Gateway rejections are HTTP 401 with `{"code": 401, "message": ...}` where the message is
//!   exactly one of `invalid access key` (no or unknown access key header),
//!   `signature does not match` (also: a malformed `Authorization`, another algorithm than the
//!   variant's, or a `Credential` other than the access key header),
//!   `timestamp expired: more than 5 minutes from server time` (also: a missing or non-numeric
//!   timestamp header) and `repeated request` (the same signature seen in the last 10 minutes,
//!   the 5-minute window on both sides of now). The schemes carry no nonce, so the same call
//!   with the same body within one second is a repeated request, from the official Python SDK
//!   too; a client asking again must wait for the next second or change the body.
//! - The variant is CNC when an `x-cnc-accessKey` header is present, else WS3.
//!   `x-cnc-auth-method` is neither required nor checked (the official Python SDK always sends
//!   `x-cnc-auth-method: AKSK`, unsigned; whether the gateway insists on it is not documented).
//! - The signed headers are whatever `SignedHeaders` lists; a listed header that is absent signs
//!   as an empty value, as the official SDK's signer does.
//! - Parameters: a `POST` body is JSON or a form by its `Content-Type`; without one a body
//!   starting with `{` is JSON, else a form (the official SDK always sends
//!   `Content-Type: application/json`). A `POST`'s query string is ignored (it is not signed);
//!   `GET` takes the query. Numbers and strings are accepted for every parameter.
//! - Codes: missing or empty `originFileName` 1606; longer than 40 characters 1500; `overwrite`
//!   not 0/1 1608; `fileMd5` longer than 32 characters 1605; a body that is neither a JSON
//!   object nor a form 1000; other invalid values 1004 (`fileId` longer than 32 characters,
//!   `categoryNames` that is not a JSON list, `subtitle` that is not base64 of a JSON list of at
//!   most 13 entries).
//! - Resume: the same `originFileName` and `fileId` (or, without `fileId`, `fileMd5`) return the
//!   same `videoId` and `fileKey` with a fresh token; without either, every call is a new video.
//!   All configured keys belong to one account, so the pair is not scoped by key.
//! - Each token gets a put-policy deadline (milliseconds) later than every earlier one, so two
//!   calls within the same millisecond still get different tokens.
//! - `fileKey` is `vod/{videoId}.{ext}` (the extension of `originFileName`, lower-cased, when it
//!   has one), `bucketName` is `vod-emulator` and `httpDnsServer` is empty (no HTTPDNS here).

pub(crate) mod api;
mod reply;
pub(crate) mod token;
pub(crate) mod verify;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use crate::replay::ReplayGuard;
use crate::state::Shared;

/// The one operation's path.
pub(crate) const UPLOAD_TOKEN_PATH: &str = "/vod/videoManage/getUploadToken";

/// How long a request signature is remembered: the 5-minute window on both sides of now.
const SIGNATURE_RETENTION: Duration = Duration::from_secs(10 * 60);

/// The Wangsu server's routes (admin routes are merged in by the server).
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(UPLOAD_TOKEN_PATH, get(api::handle).post(api::handle))
        .fallback(api::not_found)
}

/// A video issued for a resumable upload.
#[derive(Debug, Clone)]
struct Video {
    video_id: String,
    file_key: String,
}

/// What the Wangsu server remembers: resumable videos and seen signatures.
#[derive(Debug)]
pub(crate) struct Store {
    /// (originFileName, resume id) -> the video issued for it.
    videos: Mutex<HashMap<(String, String), Video>>,
    signatures: ReplayGuard,
    /// The latest put-policy deadline issued, in Unix milliseconds.
    last_deadline_ms: AtomicI64,
    /// Tokens whose deadline is at or before this were expired on purpose
    /// ([`EmulatorHandle::expire_upload_credentials`](crate::EmulatorHandle::expire_upload_credentials)).
    voided_through_ms: AtomicI64,
}

impl Store {
    /// How many uploads with a resume id have been created.
    pub(crate) fn video_count(&self) -> usize {
        crate::state::lock(&self.videos).len()
    }
}

impl Default for Store {
    fn default() -> Self {
        Store {
            videos: Mutex::default(),
            signatures: ReplayGuard::new(SIGNATURE_RETENTION),
            last_deadline_ms: AtomicI64::new(i64::MIN),
            voided_through_ms: AtomicI64::new(i64::MIN),
        }
    }
}

impl Store {
    /// Expires every token issued so far: deadlines only grow, so the latest one issued bounds
    /// them all.
    pub(crate) fn expire_tokens_issued_so_far(&self) {
        let last = self.last_deadline_ms.load(Ordering::Relaxed);
        self.voided_through_ms.fetch_max(last, Ordering::Relaxed);
    }

    /// Whether a token with this deadline was expired on purpose.
    pub(crate) fn voided(&self, deadline_ms: i64) -> bool {
        deadline_ms <= self.voided_through_ms.load(Ordering::Relaxed)
    }

    /// `wanted`, or one millisecond after the latest deadline issued if that is not earlier:
    /// every token then has its own deadline, so asking twice within a millisecond still gets a
    /// fresh token (the token is otherwise a pure function of scope, deadline and overwrite).
    fn unique_deadline_ms(&self, wanted: i64) -> i64 {
        let previous = self
            .last_deadline_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(wanted.max(last.saturating_add(1)))
            })
            .unwrap_or_else(|last| last); // the closure never refuses
        wanted.max(previous.saturating_add(1))
    }
}

/// Which gateway's signature a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Cloud VoD API: `WS3-HMAC-SHA256`, `X-WS-AccessKey`, `X-WS-Timestamp`.
    Ws3,
    /// OpenAPI gateways: `CNC-HMAC-SHA256`, `x-cnc-accessKey`, `x-cnc-timestamp`.
    Cnc,
}

impl Variant {
    /// CNC when the request has an `x-cnc-accessKey` header, else WS3.
    pub(crate) fn of(headers: &axum::http::HeaderMap) -> Self {
        if headers.contains_key("x-cnc-accesskey") {
            Variant::Cnc
        } else {
            Variant::Ws3
        }
    }

    pub(crate) fn algorithm(self) -> &'static str {
        match self {
            Variant::Ws3 => "WS3-HMAC-SHA256",
            Variant::Cnc => "CNC-HMAC-SHA256",
        }
    }

    fn access_key_header(self) -> &'static str {
        match self {
            Variant::Ws3 => "x-ws-accesskey",
            Variant::Cnc => "x-cnc-accesskey",
        }
    }

    fn timestamp_header(self) -> &'static str {
        match self {
            Variant::Ws3 => "x-ws-timestamp",
            Variant::Cnc => "x-cnc-timestamp",
        }
    }

    fn request_id_header(self) -> &'static str {
        match self {
            Variant::Ws3 => "x-ws-requestid",
            Variant::Cnc => "x-cnc-request-id",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_unique_and_never_go_back() {
        let store = Store::default();
        assert_eq!(store.unique_deadline_ms(1_000), 1_000);
        assert_eq!(store.unique_deadline_ms(1_000), 1_001);
        assert_eq!(store.unique_deadline_ms(900), 1_002);
        assert_eq!(store.unique_deadline_ms(5_000), 5_000);
    }
}
