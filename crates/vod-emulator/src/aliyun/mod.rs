//! The emulated Aliyun ApsaraVideo VOD API (version 2017-03-21): `CreateUploadVideo` and
//! `RefreshUploadVideo` behind both of Aliyun's signature schemes.
//!
//! This module has no public items: it is public so that what the emulator does (and what it
//! had to infer) is documented where its users read.
//!
//! The whole API is `/`, `GET` or `POST`, with parameters in the query and/or an
//! `application/x-www-form-urlencoded` body, as the vendor serves it. A request is handled in
//! this order; the first failing step answers:
//!
//! 1. counted (see [`EmulatorHandle::calls`](crate::EmulatorHandle::calls)), then the next queued
//!    Aliyun fault, if any, is applied;
//! 2. method: anything but `GET`/`POST` is `UnsupportedHTTPMethod`;
//! 3. authentication (`verify.rs`): an `Authorization: ACS3-HMAC-SHA256 ...` header selects the V3
//!    scheme, anything else the RPC scheme (`Signature` parameter). Timestamp format and 15-minute
//!    window, access key, STS security token, signature, then nonce replay;
//! 4. `Version` (or `x-acs-version`) must be `2017-03-21`; `Action` (or `x-acs-action`) must be
//!    one of the two emulated operations, else `InvalidAction.NotFound`;
//! 5. the operation's own parameter checks, then the answer (`api.rs`).
//!
//! Unknown extra parameters (`RegionId`, `SignatureType`, `AppId`, ...) are accepted and, where
//! they do not change the answer, ignored: they are still part of the signature.
//!
//! # Inferred behaviour
//!
//! Where the vendor notes are silent, the emulator chooses, and says so here:
//! - The order of checks above (the real gateway's order is not documented).
//! - Missing common parameters answer `Missing{Name}` (`MissingAccessKeyId`, `MissingSignature`,
//!   `MissingSignatureNonce`, `MissingAction`, `MissingVersion`, ...), 400, with the message
//!   `{Name} is mandatory for this action.`; a missing or unparseable `Timestamp` / `x-acs-date`
//!   answers `InvalidTimeStamp.Format`.
//! - A `SignatureDoesNotMatch` message quotes the server's string to sign, for both schemes
//!   (`... server string to sign is:{string}`), so a client can tell a wrong secret (equal
//!   strings) from a wrong canonical form. An `x-acs-content-sha256` that is not the body's hash
//!   is also `SignatureDoesNotMatch`, with a message saying so and no string to sign.
//! - A malformed ACS3 `Authorization` header, another algorithm, or `SignedHeaders` that leave out
//!   `host` or a present `x-acs-*` header answer `IncompleteSignature`.
//! - Nonces are remembered per access key for 30 minutes (the 15-minute window on both sides).
//! - A security token sent with a long-term (non-STS) key is ignored.
//! - Responses are always JSON, even for `Format=XML` (the real service would answer XML;
//!   every client we test asks for JSON).
//! - `FileName` needs an extension from the documented media formats (case-insensitive), else
//!   `InvalidFileName.Extension`. Over-long `Title` (128), `Description` (1024) or tag (32)
//!   answer `LengthExceededMax`; more than 16 tags `TagsExceededMax`; an emoji in `Title`
//!   `IllegalCharacters`; a non-numeric `FileSize` or `CateId`, or `UserData` that is not a JSON
//!   object, `InvalidParameter`.
//! - All configured keys belong to one account: any key may refresh any video.
//! - `UploadAddress.Endpoint` is the emulator's own OSS host (`http://127.0.0.1:PORT`, so SDKs
//!   address it path style) and `UploadAuth.Region` is `cn-shanghai`; that host accepts each
//!   `UploadAuth` key for its address's bucket and object key until `ExpireUTCTime` (see
//!   [`crate::oss`]). Refreshed keys are new keys for the same address.

pub(crate) mod api;
mod credential;
mod reply;
pub(crate) mod verify;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, header};
use axum::routing::any;

use crate::form::{self, Pairs};
use crate::replay::ReplayGuard;
use crate::state::Shared;

/// The API version the emulator serves.
pub(crate) const API_VERSION: &str = "2017-03-21";

/// How long a signature nonce is remembered: the 15-minute timestamp window on both sides of now.
const NONCE_RETENTION: Duration = Duration::from_secs(30 * 60);

/// The Aliyun server's routes (admin routes are merged in by the server).
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", any(api::handle))
        .fallback(api::not_found)
}

/// What the Aliyun server remembers: issued videos and used nonces.
#[derive(Debug)]
pub(crate) struct Store {
    /// Video id -> its upload address, returned again on refresh.
    videos: Mutex<HashMap<String, credential::Address>>,
    nonces: ReplayGuard,
}

impl Store {
    /// How many videos have been created.
    pub(crate) fn video_count(&self) -> usize {
        crate::state::lock(&self.videos).len()
    }
}

impl Default for Store {
    fn default() -> Self {
        Store {
            videos: Mutex::default(),
            nonces: ReplayGuard::new(NONCE_RETENTION),
        }
    }
}

/// An Aliyun API request with its parameters decoded, as both verification and the operations
/// read it.
#[derive(Debug)]
pub(crate) struct AliyunRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    /// The query parameters alone (the ACS3 canonical query).
    pub(crate) query: Pairs,
    /// The query parameters followed by the form-body parameters (the RPC signed set and the
    /// operation's input).
    pub(crate) params: Pairs,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl<'a> AliyunRequest<'a> {
    /// Decodes the query, and the body when it is a form.
    pub(crate) fn new(
        method: &'a Method,
        path: &'a str,
        query: Option<&str>,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        let query = query.map(form::decode).unwrap_or_default();
        let mut params = query.clone();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        if is_form {
            params.extend(form::decode(&String::from_utf8_lossy(body)));
        }
        AliyunRequest {
            method,
            path,
            query,
            params,
            headers,
            body,
        }
    }

    /// The first parameter called `name` (query first, then form body).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        form::first(&self.params, name)
    }

    /// A header's value, when present and text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Whether the request is signed with ACS3 (an `Authorization: ACS3-...` header).
    pub(crate) fn is_acs3(&self) -> bool {
        self.header("authorization")
            .is_some_and(|value| value.starts_with("ACS3-"))
    }

    /// The operation asked for: `x-acs-action` for ACS3, else the `Action` parameter.
    pub(crate) fn action(&self) -> Option<&str> {
        if self.is_acs3() {
            self.header("x-acs-action")
        } else {
            self.param("Action")
        }
    }

    /// The API version asked for: `x-acs-version` for ACS3, else the `Version` parameter.
    pub(crate) fn version(&self) -> Option<&str> {
        if self.is_acs3() {
            self.header("x-acs-version")
        } else {
            self.param("Version")
        }
    }
}
