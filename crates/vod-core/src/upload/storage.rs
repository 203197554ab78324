//! The trait a vendor's storage implements so the driver can move its bytes.
//!
//! The driver knows no vendor: it plans, reads, retries, refreshes and records; a vendor brings
//! only these primitives. They take the credential of the moment on every call (STS keys and
//! upload tokens change mid-upload) and every id explicitly (the session id, the part number), so
//! a checkpoint written by one process lets another continue the same upload.
//!
//! How the two vendors fit:
//!
//! | step | Aliyun OSS | Wangsu storage |
//! |---|---|---|
//! | [`start`](Storage::start) | InitiateMultipartUpload → upload id | a new `UploadBatch` id (no request) |
//! | [`send_part`](Storage::send_part) | UploadPart → ETag | one block: mkblk, then bputs in order → the block's last ctx |
//! | [`list_parts`](Storage::list_parts) | ListParts | `Ok(None)`: the checkpoint's ctxs are the record |
//! | [`complete`](Storage::complete) | CompleteMultipartUpload with the ETags | mkfile with the ctxs |
//! | [`abort`](Storage::abort) | AbortMultipartUpload | nothing to remove |
//! | [`put_object`](Storage::put_object) | PutObject | form upload |

use std::fmt::Debug;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::plan::{PartRules, PartSpec, Plan};
use crate::{Result, UploadCredential};

/// The id of a multipart session at the vendor (OSS upload id, Wangsu batch id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    /// Wraps a vendor's session id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as the vendor spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checksum named by its algorithm (`crc64ecma`, `crc32`), its value as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checksum {
    /// The algorithm's name, chosen by the storage.
    pub algorithm: String,
    /// The value, as the storage spells it.
    pub value: String,
}

impl Checksum {
    /// A checksum of `algorithm` with `value`.
    pub fn new(algorithm: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            algorithm: algorithm.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Display for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.value)
    }
}

/// What the storage says it holds for one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartReceipt {
    /// The part number, from 1.
    pub number: u32,
    /// Its size in bytes.
    pub size: u64,
    /// What completing needs from it: the OSS ETag, the Wangsu block's last ctx.
    pub token: String,
    /// The storage's checksum of what it received, in the algorithm of
    /// [`Storage::part_checksum`], when it reports one.
    pub checksum: Option<Checksum>,
}

/// What the storage holds once an upload is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredObject {
    /// The object or file key at the vendor.
    pub key: String,
    /// The storage's checksum of the whole object, when it reports one (OSS CRC-64, Wangsu
    /// file hash), already checked by the storage against what was sent.
    pub checksum: Option<Checksum>,
}

impl StoredObject {
    /// An object stored under `key`.
    pub fn new(key: impl Into<String>, checksum: Option<Checksum>) -> Self {
        Self {
            key: key.into(),
            checksum,
        }
    }
}

/// A vendor's storage primitives, as the upload driver uses them.
///
/// Errors follow the core's model: [`ErrorKind::CredentialExpired`](crate::ErrorKind) makes the
/// driver refresh the credential and send the same request again;
/// [`ErrorKind::ChecksumMismatch`](crate::ErrorKind) and other retryable kinds make it resend
/// with backoff; [`ErrorKind::NotFound`](crate::ErrorKind) from `list_parts` means the session is
/// gone. Every other error ends the run with the checkpoint kept.
#[async_trait]
pub trait Storage: Send + Sync + Debug {
    /// The provider whose credentials this storage takes (`"aliyun"`, `"wangsu"`), as in
    /// [`UploadCredential::provider`].
    fn provider(&self) -> &'static str;

    /// The vendor's part rules.
    fn rules(&self) -> PartRules;

    /// The checksum of `part` as the storage computes it (OSS: CRC-64; Wangsu: what its file
    /// hash is built from, the SHA-1 of each 4 MiB unit). The driver compares it with a
    /// [`PartReceipt::checksum`], records it in the checkpoint, and hands it back to
    /// [`complete`](Storage::complete), so the whole object's checksum can be derived from the
    /// parts' even after a resume that did not read them again.
    fn part_checksum(&self, part: &[u8]) -> Checksum;

    /// Stores a whole (small) file in one request.
    async fn put_object(&self, credential: &UploadCredential, body: Bytes) -> Result<StoredObject>;

    /// Starts a multipart session for the file `plan` describes.
    async fn start(&self, credential: &UploadCredential, plan: &Plan) -> Result<SessionId>;

    /// Sends part `part` (its bytes are `body`) of session `session`; sending a number again
    /// replaces it. `checksum` is [`part_checksum`](Storage::part_checksum) of `body`, computed
    /// once by the driver: use it rather than hashing the bytes again.
    async fn send_part(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        part: PartSpec,
        body: Bytes,
        checksum: &Checksum,
    ) -> Result<PartReceipt>;

    /// The parts the vendor holds for `session`, or `None` when the vendor cannot say (the
    /// checkpoint is then the only record).
    async fn list_parts(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
    ) -> Result<Option<Vec<PartReceipt>>> {
        let _ = (credential, session);
        Ok(None)
    }

    /// Assembles the object from `parts`, which the driver gives in ascending order, one per
    /// part of `plan`, each with its token and the [`part_checksum`](Storage::part_checksum) of
    /// what was sent.
    async fn complete(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        plan: &Plan,
        parts: &[PartReceipt],
    ) -> Result<StoredObject>;

    /// Removes what the vendor holds for `session`.
    async fn abort(&self, credential: &UploadCredential, session: &SessionId) -> Result<()>;
}
