//! [`WangsuStorage`]: the four storage calls over HTTP, each checked against what was sent.
//!
//! The client holds no credential and no upload state: every call takes the
//! [`WangsuStorageTarget`] of the current credential (the token changes when the uploader
//! refreshes it mid-upload) and every id it needs (batch, context, offset), so one client serves
//! any number of uploads and an upload can go on in another process. Nothing retries here; the
//! uploader decides what to retry from the error kind.
//!
//! All HTTP goes through [`WangsuStorage::exchange`], the one place that knows the shape of
//! [`vod_core::raw::transport::Transport`].

use std::sync::Arc;

use bytes::Bytes;
use vod_core::config::HttpConfig;
use vod_core::raw::HttpClient;
use vod_core::raw::redact::Redactor;
use vod_core::raw::transport::{Outgoing, Transport};
use vod_core::{Result, WangsuStorageTarget};

use super::answer::{self, ChunkAnswer, FileAnswer};
use super::checksum::{check_chunk, check_file};
use super::file_hash::FileHash;
use super::form::random_boundary;
use super::ids::{BlockContext, UploadBatch};
use super::plan::Block;
use super::request::{self, StorageRequest};
use crate::api::PROVIDER_NAME;

/// Where the upload host puts its request id.
pub const REQUEST_ID_HEADERS: &[&str] = &["x-reqid"];

/// JSON fields whose values never appear in an error (a host echoing the form's `token`).
const SECRET_FIELDS: &[&str] = &["token", "uploadToken"];

/// Sends storage requests to Wangsu upload hosts.
///
/// ```no_run
/// use bytes::Bytes;
/// use vod_core::{UploadTarget, config::HttpConfig};
/// use vod_wangsu::storage::{BLOCK_UNIT, BlockPlan, FileHasher, UploadBatch, WangsuStorage};
///
/// # async fn demo(credential: vod_core::UploadCredential, file: Bytes) -> vod_core::Result<()> {
/// let UploadTarget::WangsuStorage(target) = &credential.target else { unreachable!() };
/// let storage = WangsuStorage::new(&HttpConfig::default())?;
/// let batch = UploadBatch::new();
/// let plan = BlockPlan::new(file.len() as u64, BLOCK_UNIT)?;
/// let mut hasher = FileHasher::new();
/// let mut contexts = Vec::new();
/// for block in plan.blocks() {
///     let start = block.offset() as usize;
///     let bytes = file.slice(start..start + block.size() as usize);
///     hasher.update(&bytes);
///     // One chunk per block here; bigger blocks may go as mkblk + several bput.
///     let answer = storage.make_block(target, &batch, &block, bytes).await?;
///     contexts.push(answer.ctx);
/// }
/// let hash = hasher.finish();
/// storage.make_file(target, &batch, plan.file_size(), &contexts, Some(&hash)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WangsuStorage {
    transport: Transport,
}

impl WangsuStorage {
    /// A client with the timeouts of `http`. A chunk of several MiB needs a `timeout_secs` that
    /// covers sending it at the slowest expected speed.
    pub fn new(http: &HttpConfig) -> Result<Self> {
        let transport = Transport::new(PROVIDER_NAME, http)?
            .with_request_id_headers(REQUEST_ID_HEADERS)
            .with_redactor(Redactor::new().fields(SECRET_FIELDS));
        Ok(Self { transport })
    }

    /// Sends with `client` (whose own timeouts then apply).
    pub fn with_http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.transport = self.transport.with_client(client);
        self
    }

    /// Uploads a whole file in one form (`POST {upload_url}/file/upload`, fields `token` and
    /// `file`), and checks the stored file's hash, when the answer has one, against the hash of
    /// `file`. The VoD host takes up to 2 GB this way; use slices for more.
    pub async fn form_upload(
        &self,
        target: &WangsuStorageTarget,
        file: Bytes,
    ) -> Result<FileAnswer> {
        let expected = FileHash::of(&file);
        let request = request::form_upload(target, file, &random_boundary())?;
        self.exchange(target, request, |status, body, redactor| {
            let answer = answer::read_file(status, body, redactor)?;
            check_file(&expected, &answer)?;
            Ok(answer)
        })
        .await
    }

    /// mkblk: opens `block` of the file with its first chunk, and checks the chunk's CRC-32.
    /// The answer's `ctx` and `offset` are what the block's next [`put_chunk`](Self::put_chunk)
    /// takes (or, for a block sent whole, what [`make_file`](Self::make_file) lists).
    pub async fn make_block(
        &self,
        target: &WangsuStorageTarget,
        batch: &UploadBatch,
        block: &Block,
        first_chunk: Bytes,
    ) -> Result<ChunkAnswer> {
        let request = request::make_block(target, batch, block, first_chunk.clone())?;
        self.exchange(target, request, |status, body, redactor| {
            let answer = answer::read_chunk(status, body, redactor)?;
            check_chunk(&first_chunk, 0, &answer)?;
            Ok(answer)
        })
        .await
    }

    /// bput: sends the next `chunk` of a block, at `offset` within the block, after its latest
    /// context `ctx` (both from the previous answer for this block; chunks of one block go in
    /// order). Checks the chunk's CRC-32 and the new offset.
    pub async fn put_chunk(
        &self,
        target: &WangsuStorageTarget,
        batch: &UploadBatch,
        ctx: &BlockContext,
        offset: u64,
        chunk: Bytes,
    ) -> Result<ChunkAnswer> {
        let request = request::put_chunk(target, batch, ctx, offset, chunk.clone())?;
        self.exchange(target, request, |status, body, redactor| {
            let answer = answer::read_chunk(status, body, redactor)?;
            check_chunk(&chunk, offset, &answer)?;
            Ok(answer)
        })
        .await
    }

    /// mkfile: makes the file of `file_size` bytes from `contexts`, the last context of every
    /// block in block order, and checks the stored file's hash, when the answer has one, against
    /// `file_hash` (the [`FileHasher`](super::FileHasher) of the bytes sent; an upload resumed
    /// in another process rebuilds it with [`FileHasher::resume`](super::FileHasher::resume)
    /// from the unit digests its checkpoint kept). With `None` the check is skipped.
    pub async fn make_file(
        &self,
        target: &WangsuStorageTarget,
        batch: &UploadBatch,
        file_size: u64,
        contexts: &[BlockContext],
        file_hash: Option<&FileHash>,
    ) -> Result<FileAnswer> {
        let request = request::make_file(target, batch, file_size, contexts)?;
        self.exchange(target, request, |status, body, redactor| {
            let answer = answer::read_file(status, body, redactor)?;
            if let Some(expected) = file_hash {
                check_file(expected, &answer)?;
            }
            Ok(answer)
        })
        .await
    }

    /// Sends `request` once and reads the answer with `read` (status, body, and a redactor that
    /// knows the target's token). The only use of [`Transport`] in this module.
    async fn exchange<T>(
        &self,
        target: &WangsuStorageTarget,
        request: StorageRequest,
        read: impl Fn(u16, &[u8], &Redactor) -> Result<T>,
    ) -> Result<T> {
        // The token changes from call to call, so the redactor that keeps it out of every excerpt
        // (including the transport's own) is made per call; a transport clone is a few `Arc`s.
        let redactor = Redactor::new()
            .fields(SECRET_FIELDS)
            .values([target.upload_token.expose()]);
        let transport = self.transport.clone().with_redactor(redactor.clone());
        let StorageRequest {
            operation,
            url,
            headers,
            body,
        } = request;
        // One body for every attempt: a single piece is sent as it is, several are joined once.
        let body = match body.as_slice() {
            [piece] => piece.clone(),
            pieces => {
                let mut joined = Vec::with_capacity(pieces.iter().map(Bytes::len).sum());
                for piece in pieces {
                    joined.extend_from_slice(piece);
                }
                Bytes::from(joined)
            }
        };
        transport
            .call(
                operation.as_str(),
                |_attempt| {
                    let outgoing = Outgoing {
                        method: http::Method::POST,
                        url: url.clone(),
                        headers: headers.clone(),
                        body: body.clone(),
                    };
                    Ok((outgoing, ()))
                },
                |response, ()| read(response.status, &response.body, &redactor),
            )
            .await
    }
}
