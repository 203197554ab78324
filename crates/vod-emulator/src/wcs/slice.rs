//! Slice upload on the Wangsu host: `mkblk`, `bput` and `mkfile`, with the block and chunk
//! rules the [module docs](super) list, and in digest mode the in-order fold of the blocks (see
//! [`crate::storage`]).

use std::sync::Mutex;

use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::api::{Call, Chunk, WcsError};
use super::{Block, FileId, Slices};
use crate::state::lock;
use crate::storage::digest::{self, Digests, WCS_SEGMENT, Want};
use crate::storage::fold::Fold;
use crate::storage::{self as store, StorageVendor};

/// The largest block accepted (the SDKs use 4 MiB; blocks may be any multiple).
const MAX_BLOCK: u64 = 1024 * WCS_SEGMENT;
/// The largest mkfile body read (a list of contexts).
const MAX_MKFILE_BODY: usize = 4 * 1024 * 1024;

impl Call<'_> {
    pub(super) async fn mkblk(&self, size: u64, index: u32, body: Body) -> Result<Value, WcsError> {
        let (policy, batch) = self.slice_policy()?;
        if size == 0 || size > MAX_BLOCK {
            return Err(WcsError::bad(format!(
                "block size must be between 1 and {MAX_BLOCK}"
            )));
        }
        let mut block = Block {
            batch,
            bucket: policy.bucket,
            key: policy.key,
            index,
            size,
            id: *uuid::Uuid::new_v4().as_bytes(),
            chunks: Vec::new(),
            received: 0,
            digests: Digests::new(Want::WCS_BLOCK),
            claim: None,
            folded: false,
        };
        let slices = &self.shared.wcs.slices;
        // Digest mode: the block the fold waits for streams straight into it (taking it over
        // from an earlier attempt at the same block).
        let claim = (!self.shared.objects.keeps_bytes())
            .then(|| {
                lock(slices)
                    .folds
                    .entry(block.file())
                    .or_insert_with(|| Fold::new(0))
                    .steal(index)
            })
            .flatten();
        let mut release = Release {
            slices,
            file: block.file(),
            token: claim.as_ref().map(|(token, _)| *token),
        };
        let received = match claim {
            Some((token, mut running)) => {
                let received = self
                    .receive(body, size, false, &mut [&mut running, &mut block.digests])
                    .await?;
                block.claim = Some((token, running));
                received
            }
            None => {
                self.receive(body, size, true, &mut [&mut block.digests])
                    .await?
            }
        };
        release.token = None; // the block holds the claim now
        Ok(self.add_chunk(block, received).await)
    }

    pub(super) async fn bput(&self, ctx: &str, offset: u64, body: Body) -> Result<Value, WcsError> {
        let (policy, batch) = self.slice_policy()?;
        let slices = &self.shared.wcs.slices;
        let (size, received_before, mut digests, mut claim) = {
            let slices = lock(slices);
            let block = slices
                .blocks
                .get(ctx)
                .ok_or_else(|| WcsError::bad("unknown or stale ctx"))?;
            if block.batch != batch || block.key != policy.key || block.bucket != policy.bucket {
                return Err(WcsError::bad("the ctx belongs to another upload"));
            }
            (
                block.size,
                block.received,
                block.digests.clone(),
                block.claim.clone(),
            )
        };
        if offset != received_before {
            return Err(WcsError::bad(format!(
                "offset {offset} does not continue the block at {received_before}"
            )));
        }
        // Extend copies: a chunk that fails leaves the block's checksums as they were.
        let limit = size - received_before;
        let received = match claim.as_mut() {
            Some((_, running)) => {
                self.receive(body, limit, false, &mut [running, &mut digests])
                    .await?
            }
            None => self.receive(body, limit, true, &mut [&mut digests]).await?,
        };
        let block = lock(slices).blocks.remove(ctx);
        match block {
            Some(mut block) if block.received == received_before => {
                block.digests = digests;
                block.claim = claim;
                Ok(self.add_chunk(block, received).await)
            }
            other => {
                // Another request continued the block meanwhile: this chunk is stale.
                if let Some(block) = other {
                    lock(slices).blocks.insert(ctx.to_owned(), block);
                }
                store::discard(&received.file.into_iter().collect::<Vec<_>>()).await;
                Err(WcsError::bad("unknown or stale ctx"))
            }
        }
    }

    /// Appends a received chunk to `block` under a fresh ctx (a whole block goes into the fold
    /// it claimed, or lets the fold take spooled blocks); the chunk answer.
    async fn add_chunk(&self, mut block: Block, received: Chunk) -> Value {
        let ctx = format!(
            "{}-{}",
            uuid::Uuid::new_v4().simple(),
            block.received + received.size
        );
        block.received += received.size;
        block.chunks.extend(received.file);
        let offset = block.received;
        let file = block.file();
        {
            let mut slices = lock(&self.shared.wcs.slices);
            if block.received == block.size {
                if let Some((token, running)) = block.claim.take() {
                    block.folded = slices
                        .folds
                        .get_mut(&file)
                        .is_some_and(|fold| fold.commit(token, block.id, running));
                }
            }
            slices.blocks.insert(ctx.clone(), block);
        }
        if !self.shared.objects.keeps_bytes() {
            self.drain(&file).await;
        }
        json!({
            "ctx": ctx,
            "checksum": received.checksum,
            "crc32": received.crc32,
            "offset": offset,
            "host": self.shared.wangsu_url,
        })
    }

    /// Digest mode: folds complete spooled blocks the file's fold has reached, in order.
    async fn drain(&self, file: &FileId) {
        let slices = &self.shared.wcs.slices;
        loop {
            let next = {
                let mut guard = lock(slices);
                let Slices { blocks, folds } = &mut *guard;
                let Some(fold) = folds.get_mut(file) else {
                    return;
                };
                let number = fold.next();
                let Some((ctx, block)) = blocks.iter().find(|(_, b)| {
                    b.index == number
                        && b.received == b.size
                        && !b.folded
                        && b.claim.is_none()
                        && !b.chunks.is_empty()
                        && &b.file() == file
                }) else {
                    return;
                };
                let Some((token, running)) = fold.claim(number) else {
                    return; // a block is streaming into the fold
                };
                (ctx.clone(), block.chunks.clone(), block.id, token, running)
            };
            let (ctx, chunks, id, token, mut running) = next;
            let release = Release {
                slices,
                file: file.clone(),
                token: Some(token),
            };
            let mut read = Ok(());
            for chunk in &chunks {
                read = store::read_into(chunk, &mut running, None).await;
                if read.is_err() {
                    break;
                }
            }
            let folded = {
                let mut guard = lock(slices);
                let Slices { blocks, folds } = &mut *guard;
                match (read.is_ok(), blocks.get_mut(&ctx), folds.get_mut(file)) {
                    (true, Some(block), Some(fold)) if block.chunks == chunks => {
                        block.folded = fold.commit(token, id, running);
                        if block.folded {
                            block.chunks.clear();
                        }
                        block.folded
                    }
                    _ => false,
                }
            };
            drop(release);
            if !folded {
                return;
            }
            store::discard(&chunks).await;
        }
    }

    pub(super) async fn mkfile(
        &self,
        size: u64,
        rest: &[&str],
        body: Body,
    ) -> Result<Value, WcsError> {
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
        let (blocks, fold) = {
            let mut slices = lock(&self.shared.wcs.slices);
            let Slices { blocks, folds } = &mut *slices;
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
            let blocks: Vec<Block> = ctxs.iter().filter_map(|ctx| blocks.remove(*ctx)).collect();
            let file = (batch.clone(), policy.bucket.clone(), policy.key.clone());
            (blocks, folds.remove(&file))
        };
        let segments: Vec<[u8; 20]> = blocks
            .iter()
            .flat_map(|b| b.digests.clone().finish().segments.unwrap_or_default())
            .collect();
        let objects = &self.shared.objects;
        let (md5, file) = if objects.keeps_bytes() {
            let pieces: Vec<_> = blocks.into_iter().flat_map(|b| b.chunks).collect();
            let (sums, file) = objects
                .assemble(&pieces)
                .await
                .map_err(|_| WcsError::internal())?;
            (sums.md5, file)
        } else {
            (self.finish_fold(fold, &blocks).await, None)
        };
        objects
            .commit(
                StorageVendor::Wangsu,
                &policy.bucket,
                &policy.key,
                size,
                md5,
                file,
            )
            .await
            .map_err(|_| WcsError::internal())?;
        Ok(json!({ "hash": digest::wcs_etag(&segments), "key": policy.key }))
    }

    /// Digest mode: the file's MD5 from its fold and the spooled rest of `blocks` (whose files
    /// are deleted), or `None` when `blocks` does not start with the folded blocks.
    async fn finish_fold(&self, fold: Option<Fold>, blocks: &[Block]) -> Option<[u8; 16]> {
        let spooled: Vec<_> = blocks.iter().flat_map(|b| b.chunks.clone()).collect();
        let ids: Vec<_> = blocks.iter().map(|b| (b.index, b.id)).collect();
        let mut md5 = None;
        // No block ever arrived (an empty file): an empty fold.
        let fold = fold.unwrap_or_else(|| Fold::new(0));
        if let Some((mut digests, count)) = fold.prefix_of(&ids) {
            let rest = &blocks[count..];
            if rest.iter().all(|b| !b.folded && !b.chunks.is_empty()) {
                let mut ok = true;
                for chunk in rest.iter().flat_map(|b| &b.chunks) {
                    if store::read_into(chunk, &mut digests, None).await.is_err() {
                        ok = false;
                        break;
                    }
                }
                md5 = ok.then(|| digests.finish().md5).flatten();
            }
        }
        store::discard(&spooled).await;
        md5
    }
}

/// Gives up a claim on a file's fold when dropped, unless disarmed (`token: None`).
struct Release<'a> {
    slices: &'a Mutex<Slices>,
    file: FileId,
    token: Option<u64>,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            if let Some(fold) = lock(self.slices).folds.get_mut(&self.file) {
                fold.release(token);
            }
        }
    }
}
