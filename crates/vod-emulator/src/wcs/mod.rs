//! The emulated Wangsu storage upload host: form upload and slice upload
//! (`mkblk`/`bput`/`mkfile`) with the upload token `getUploadToken` issued.
//!
//! This module has no public items: it is public so that what the emulator does (and what it
//! had to infer) is documented where its users read.
//!
//! `getUploadToken` answers `uploadUrl` = this host. A request is handled in this order; the
//! first failing step answers `{"code", "message"}` with an `X-Reqid` header:
//!
//! 1. the next matching queued storage fault ([`StorageFault`](crate::StorageFault); a block
//!    fault matches `mkblk` of that block index and the `bput`s that continue it);
//! 2. the token (`Authorization: <token>` or `UpToken <token>` for slices, the `token` field
//!    for a form): `AK:urlsafe_b64(hex(HMAC-SHA1(SK, policy))):policy` with a key the emulator
//!    knows, a `scope` of `bucket:key`, and a `deadline` (Unix ms) not passed; anything wrong is
//!    401;
//! 3. a `Key` header (URL-safe base64 of the file key), when sent, must name the token's key;
//!    slice requests need an `UploadBatch` header, and every request of one file the same one;
//! 4. the operation's rules, then the answer.
//!
//! # Documented by the vendor (storage-upload.md §B)
//! - The paths, the form fields `token` and `file`, the `Authorization`, `UploadBatch` and `Key`
//!   headers, the token format and its millisecond `deadline`.
//! - Blocks are multiples of 4 MiB except the last; chunks within a block go in order, each
//!   `bput` continuing from the `ctx` the last one returned at its `offset`; `mkfile` takes the
//!   last `ctx` of every block, in order.
//! - `mkblk`/`bput` answer `{"ctx", "checksum", "crc32", "offset"}` with `crc32` the
//!   CRC-32/IEEE of the chunk; the form upload answers `{"hash", "response"}`; errors are
//!   `{"code", "message"}` with `X-Reqid`; 401 for a bad token, 406 for an existing file when
//!   the policy says `overwrite: 0`.
//!
//! # Inferred
//! - `mkfile` answers `{"hash", "key"}` (Qiniu's identical API does); `hash` is the Wangsu file
//!   hash of the whole file (that it equals the etag is inferred), also in the form answer.
//! - The expired-token message (`token expired`), 401 for every token problem, 400 for a
//!   mismatched `Key` header, a missing `UploadBatch`, a stale `ctx` or wrong `offset`, a
//!   block larger than declared, a block size that is not a multiple of 4 MiB before the last
//!   block, or a `mkfile` size that is not the sum of the blocks.
//! - `checksum` in a chunk answer is the Wangsu hash of that chunk.
//! - **Block contexts survive a new token** for the same file key: a `ctx` is tied to the file
//!   key and `UploadBatch`, not to the token it was made with (the notes leave this
//!   unverified; the Java SDK relies on it when it mints tokens mid-upload).
//! - Blocks never merged stay until the emulator stops (the vendor purges them about monthly).
//! - Digest mode folds blocks in index order into the file's checksums as their chunks arrive
//!   (see [`crate::storage`]); a block ahead of the fold is spooled until the fold reaches it. A
//!   new `mkblk` for the block the fold waits for takes the fold over from an earlier attempt
//!   at that block. If `mkfile` lists other blocks than those folded, the stored MD5 is unknown
//!   (`null`); the file hash is always known (it is computed per 4 MiB segment).

mod api;
mod form;
mod slice;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::Shared;
use crate::storage::digest::Digests;
use crate::storage::fold::Fold;

/// The Wangsu upload host's routes (admin routes are merged in by the server): every path.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(api::handle)
}

/// One block of a slice upload, as its chunks arrive.
#[derive(Debug)]
struct Block {
    batch: String,
    bucket: String,
    key: String,
    index: u32,
    /// The size declared in `mkblk`.
    size: u64,
    /// Who this block is, for the file's fold (every `mkblk` makes a new one).
    id: [u8; 16],
    /// The spooled chunk files, in order (none once folded, or while streaming into the fold).
    chunks: Vec<PathBuf>,
    received: u64,
    /// The block's own checksums (its share of the Wangsu file hash).
    digests: Digests,
    /// Digest mode: the claim on the file's fold this block streams into, and the fold so far.
    claim: Option<(u64, Digests)>,
    /// Digest mode: the block's bytes are in the file's fold.
    folded: bool,
}

impl Block {
    fn file(&self) -> FileId {
        (self.batch.clone(), self.bucket.clone(), self.key.clone())
    }
}

/// One file of a slice upload: its `UploadBatch`, bucket and key.
type FileId = (String, String, String);

/// Blocks in progress by their latest `ctx` (the only one that may continue or finish a
/// block), and in digest mode each file's fold.
#[derive(Debug, Default)]
struct Slices {
    blocks: HashMap<String, Block>,
    folds: HashMap<FileId, Fold>,
}

/// What the Wangsu upload host remembers.
#[derive(Debug, Default)]
pub(crate) struct Store {
    slices: Mutex<Slices>,
}
