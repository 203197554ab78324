//! Uploading the file bytes to Wangsu storage with the token of an upload credential.
//!
//! A credential exists to upload a file. Wangsu's `getUploadToken` answers an upload host, a
//! token and a file key ([`vod_core::WangsuStorageTarget`]); this module sends the bytes there,
//! with the two protocols of Wangsu's storage (WCS), which its VoD upload documentation and SDKs
//! use:
//!
//! - **form upload**: `POST {upload_url}/file/upload`, a `multipart/form-data` body with the
//!   fields `token` and `file` ([`WangsuStorage::form_upload`]); for small files.
//! - **slice upload**: the file in blocks, each a multiple of 4 MiB except the last
//!   ([`BlockPlan`]); a block is opened with its first chunk by
//!   `POST /mkblk/{blockSize}/{index}` ([`WangsuStorage::make_block`]), continued in order by
//!   `POST /bput/{ctx}/{offset}` ([`WangsuStorage::put_chunk`]), and the file is made from the last
//!   context of every block by `POST /mkfile/{size}` ([`WangsuStorage::make_file`]). Every request
//!   of one file carries the same [`UploadBatch`], the token bare in `Authorization`, and the file
//!   key in `Key` (see [`request`]).
//!
//! These are primitives, not an uploader: they take the credential's target on every call (the
//! token changes when it is refreshed mid-upload, so nothing here keeps it) and every id
//! explicitly (batch id, block contexts, offsets), so that an upload can be checkpointed and go on
//! in another process. Planning, concurrency, retries and refreshing belong to the uploader.
//!
//! # Integrity
//!
//! Every chunk answer's `crc32` is compared with the CRC-32 of the chunk sent, and the `hash` of
//! a form or mkfile answer with the [`FileHash`] of the file sent ([`checksum`]). A mismatch is
//! [`ErrorKind::ChecksumMismatch`](vod_core::ErrorKind::ChecksumMismatch), which is retryable.
//!
//! # Errors
//!
//! Error answers map through [`error::STORAGE_ERROR_CODES`]. Every 401 is
//! [`ErrorKind::CredentialExpired`](vod_core::ErrorKind::CredentialExpired): the uploader
//! refreshes the token once and gives up if the fresh one is refused too. The upload token is a
//! [`Secret`](vod_core::Secret): it is in no `Debug` output, and every excerpt or vendor message an
//! error quotes is redacted of it.
//!
//! # Documented and inferred
//!
//! From the vendor's docs and SDKs: the paths, headers and bodies above, the 4 MiB block rule, the
//! `{"ctx","checksum","crc32","offset"}` chunk answer, the form answer `{"hash","response"}`, the
//! error body `{"code","message"}` with `X-Reqid`, and the file hash algorithm. *Inferred* (the
//! vendor notes mark them UNVERIFIED or inferred):
//!
//! - the mkfile success body: any JSON answer with a 2xx status is a success ([`answer`]);
//! - that the answer's `hash` is the file hash computed here ([`FileHash`]);
//! - the answer to an expired token: every 401 is taken for one ([`error`]);
//! - that block contexts stay valid across a new token from `getUploadToken` (nothing here
//!   depends on it, but an uploader that refreshes mid-upload does);
//! - the `error` field as a message, as Qiniu's identical API sends it.
//!
//! Not handled: a put policy with `returnUrl` (the host answers 303 and the HTTP client follows
//! it); Wangsu VoD does not issue such tokens as far as the notes know.

pub mod answer;
pub mod checksum;
mod client;
pub mod error;
mod file_hash;
mod form;
mod ids;
mod plan;
pub mod request;
mod upload;

pub use answer::{ChunkAnswer, FileAnswer};
pub use checksum::crc32;
pub use client::{REQUEST_ID_HEADERS, WangsuStorage};
pub use error::STORAGE_ERROR_CODES;
pub use file_hash::{FileHash, FileHasher, HASH_BLOCK_BYTES};
pub use form::{FormBody, random_boundary};
pub use ids::{BlockContext, UploadBatch};
pub use plan::{BLOCK_UNIT, Block, BlockPlan};
pub use upload::{CHUNK_BYTES, FILE_HASH_ALGORITHM, UNIT_SHA1_ALGORITHM, WangsuUploadStorage};
