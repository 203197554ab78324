//! The emulated Aliyun OSS upload host: PutObject and multipart upload (Initiate, UploadPart,
//! Complete, Abort, ListParts) into the bucket and object key a `CreateUploadVideo` handed out,
//! with the STS key it issued.
//!
//! This module has no public items: it is public so that what the emulator does (and what it
//! had to infer) is documented where its users read.
//!
//! `CreateUploadVideo` and `RefreshUploadVideo` name this host as the `UploadAddress.Endpoint`
//! (`http://127.0.0.1:PORT`), so oss2 and other SDKs address it **path style**
//! (`/{bucket}/{url-encoded key}`), as they do for any IP endpoint. Both signatures sign
//! `/bucket/key` whatever the addressing. A request is handled in this order; the first failing
//! step answers:
//!
//! 1. the next matching queued storage fault ([`StorageFault`](crate::StorageFault)): fail,
//!    stall, or damage / drop the body in transit;
//! 2. authentication (`auth.rs`): `Authorization` V1 (`OSS ak:sig`) or V4 (`OSS4-HMAC-SHA256`);
//!    the key must be an STS key this emulator issued, with its `x-oss-security-token`, not
//!    expired (`SecurityTokenExpired`), the request time within 15 minutes of the emulator's
//!    clock, and the signature right (`SignatureDoesNotMatch` with `StringToSign`, and for V4
//!    `CanonicalRequest`); the bucket and key must be those the key was issued for
//!    (`AccessDenied`);
//! 3. the operation (`api.rs`) and its rules.
//!
//! # Documented by the vendor (storage-upload.md §A)
//! - Success answers: `ETag` = quoted upper-case hex MD5 and `x-oss-hash-crc64ecma` (CRC-64/XZ,
//!   decimal) on PutObject and UploadPart; `x-oss-hash-crc64ecma` of the whole object on
//!   Complete; `x-oss-request-id` on everything; the XML bodies of Initiate, Complete and
//!   ListParts.
//! - Errors as XML with `Code`, `Message`, `RequestId`, `HostId`, `EC`, and `StringToSign` on
//!   `SignatureDoesNotMatch`; the codes `SecurityTokenExpired`, `InvalidAccessKeyId`,
//!   `InvalidSecurityToken`, `SignatureDoesNotMatch`, `RequestTimeTooSkewed`, `AccessDenied`,
//!   `NoSuchUpload`, `InvalidPart`, `InvalidDigest`, `InvalidArgument`, `FileAlreadyExists`
//!   (409, with `x-oss-forbid-overwrite: true`), and the EC codes the
//!   notes give (0002-00000007, 0002-00000003, 0002-00000006, 0002-00000040, 0042-00000209,
//!   0042-00000213).
//! - Multipart rules: part numbers 1..=10000, re-uploading a number replaces it, parts of at least
//!   100 KiB except the last (checked at Complete), ascending part order at Complete (numbers
//!   may skip), `x-oss-complete-all: yes` with no body, `NoSuchUpload` once completed or
//!   aborted, an upload id not tied to one STS key (refreshed keys for the same address continue
//!   it).
//!
//! # Inferred
//! - The error codes `InvalidPartOrder` and `EntityTooSmall` (the EC pages confirm only the
//!   conditions), the EC codes not listed above, and the messages.
//! - Complete's `ETag` is `"<MD5 of the concatenated binary part MD5s, upper hex>-<part count>"`
//!   (the notes say only that it is not the content MD5).
//! - An expired STS key answers `SecurityTokenExpired` (a client should treat
//!   `InvalidAccessKeyId` the same); an unknown key id `InvalidAccessKeyId` (EC 0002-00000002);
//!   a known key without a token `InvalidAccessKeyId` (EC 0002-00000003); a wrong token
//!   `InvalidSecurityToken`.
//! - Another bucket or object key than the STS key was issued for: 403 `AccessDenied`.
//! - A missing `Authorization`: 403 `AccessDenied` (anonymous access to a private bucket).
//! - V4: the scope must be the emulator's region (`cn-shanghai`) and the day of `x-oss-date`,
//!   else `SignatureDoesNotMatch`.
//! - Only path-style addressing and header authentication (no pre-signed URLs); other
//!   operations than the six answer 501 `NotImplemented`.
//! - `ListParts` reports `HashCrc64ecma` per part (as alibabacloud-oss-v2 parses it).

mod api;
mod auth;
mod multipart;
mod reply;
pub(crate) mod sign;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use time::OffsetDateTime;

use crate::state::{Shared, lock};
use crate::storage::fold::Fold;

/// The region every upload credential names and every V4 scope must use.
pub(crate) const REGION: &str = "cn-shanghai";

/// The OSS server's routes (admin routes are merged in by the server): every path.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(api::handle)
}

/// One STS key issued by `CreateUploadVideo` / `RefreshUploadVideo`, and what it may write.
/// `Debug` leaves out the secret and the token.
#[derive(Clone)]
pub(crate) struct Grant {
    pub(crate) secret: String,
    pub(crate) security_token: String,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) expires: OffsetDateTime,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// One part received.
#[derive(Debug, Clone)]
struct Part {
    number: u32,
    size: u64,
    md5: [u8; 16],
    etag: String,
    crc64: u64,
    /// Where its bytes wait for Complete; `None` once folded (digest mode).
    file: Option<PathBuf>,
    last_modified: OffsetDateTime,
}

/// A multipart upload in progress.
#[derive(Debug)]
struct Upload {
    bucket: String,
    key: String,
    parts: BTreeMap<u32, Part>,
    /// Digest mode: the in-order prefix of the parts, folded.
    fold: Option<Fold>,
}

/// What the OSS host remembers: the STS keys issued and the uploads in progress.
#[derive(Debug, Default)]
pub(crate) struct Store {
    grants: Mutex<HashMap<String, Grant>>,
    uploads: Mutex<HashMap<String, Upload>>,
}

impl Store {
    /// Remembers an STS key issued by the VOD API.
    pub(crate) fn grant(&self, access_key_id: String, grant: Grant) {
        lock(&self.grants).insert(access_key_id, grant);
    }

    /// Makes every STS key issued so far expire at `now` (the "expire credentials now" fault).
    pub(crate) fn expire_all(&self, now: OffsetDateTime) {
        for grant in lock(&self.grants).values_mut() {
            grant.expires = grant.expires.min(now);
        }
    }

    fn find(&self, access_key_id: &str) -> Option<Grant> {
        lock(&self.grants).get(access_key_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_do_not_show_their_secrets() {
        let store = Store::default();
        store.grant(
            "STS.id".to_owned(),
            Grant {
                secret: "the-secret".to_owned(),
                security_token: "the-token".to_owned(),
                bucket: "b".to_owned(),
                key: "k".to_owned(),
                expires: OffsetDateTime::UNIX_EPOCH,
            },
        );
        let shown = format!("{store:?}");
        assert!(
            shown.contains("STS.id") && shown.contains("\"k\""),
            "{shown}"
        );
        assert!(!shown.contains("the-secret") && !shown.contains("the-token"));
    }
}
