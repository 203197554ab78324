//! Wangsu storage as the upload driver's [`Storage`]: the slice-upload primitives of
//! [`WangsuStorage`] in the shape `vod_core::upload` drives, so Wangsu brings its storage and no
//! uploader of its own.
//!
//! | driver step | Wangsu storage |
//! |---|---|
//! | whole file | form upload |
//! | start | a new [`UploadBatch`] id, made here (no request) |
//! | part | one block: mkblk with its first 4 MiB, then bput of each next 4 MiB in order; the token is the block's last ctx |
//! | list | none: the host cannot list blocks, so the checkpoint's contexts are the record |
//! | complete | mkfile with the contexts; the file hash must equal the one built from the parts' SHA-1s |
//! | abort | nothing to remove: the host forgets unfinished blocks on its own |
//!
//! A part is one block, a multiple of 4 MiB but the last (the host hashes blocks in 4 MiB units).
//! Chunks are 4 MiB, as wcs-python3-sdk sends them, so a 4 MiB block is a single mkblk.
//!
//! The checksum of a part is the SHA-1 of each of its 4 MiB units (hex, concatenated): the host's
//! file hash is built from exactly those, so complete can check the stored file against what was
//! sent even after a resume that did not read the earlier blocks again.
//!
//! *Inferred*, not documented by Wangsu: that block contexts stay valid when the upload token is
//! replaced mid-upload by a new `getUploadToken` for the same file (the host binds a context to
//! the upload's batch and file key, not to a token, as far as the vendor notes can tell), and that
//! they survive until mkfile across a pause of hours. When the host no longer knows a context,
//! mkfile fails and the upload must start again (delete its checkpoint).

use async_trait::async_trait;
use bytes::Bytes;
use sha1::{Digest, Sha1};
use vod_core::upload::{
    Checksum, PartReceipt, PartRules, PartSpec, Plan, SessionId, Storage, StoredObject,
};
use vod_core::{Error, ErrorKind, Result, UploadCredential, UploadTarget, WangsuStorageTarget};

use super::client::WangsuStorage;
use super::file_hash::{FileHash, FileHasher, HASH_BLOCK_BYTES};
use super::ids::{BlockContext, UploadBatch};
use super::plan::{BLOCK_UNIT, Block, BlockPlan};

/// The algorithm name of a part's checksum: the SHA-1 of each 4 MiB unit, hex, concatenated.
pub const UNIT_SHA1_ALGORITHM: &str = "sha1-per-4mib";

/// The algorithm name of a stored file's checksum: the Wangsu file hash ([`FileHash`]).
pub const FILE_HASH_ALGORITHM: &str = "wcs-etag";

/// The size of each mkblk or bput body: 4 MiB, one unit.
pub const CHUNK_BYTES: u64 = BLOCK_UNIT;

/// The largest file a form upload takes on Wangsu VoD: 2 GB (its docs: "use multipart upload if
/// the file size exceeds 2GB").
const MAX_FORM_BYTES: u64 = 2_000_000_000;

/// The most blocks one upload is planned with. Wangsu documents no limit; this one keeps a
/// checkpoint small and lets the part size grow for huge files instead.
const MAX_BLOCKS: u32 = 10_000;

/// The largest block: 1 GiB (Wangsu documents no limit; a block is one buffer in memory).
const MAX_BLOCK_BYTES: u64 = 1 << 30;

/// Wangsu storage, driven by [`vod_core::upload::Uploader`].
///
/// ```
/// use std::sync::Arc;
/// use vod_core::config::HttpConfig;
/// use vod_core::upload::Storage;
/// use vod_wangsu::storage::{WangsuStorage, WangsuUploadStorage};
///
/// let storage: Arc<dyn Storage> =
///     Arc::new(WangsuUploadStorage::new(WangsuStorage::new(&HttpConfig::default())?));
/// assert_eq!(storage.rules().granularity, 4 << 20);
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WangsuUploadStorage {
    client: WangsuStorage,
}

impl WangsuUploadStorage {
    /// Uploads through `client`.
    pub fn new(client: WangsuStorage) -> Self {
        Self { client }
    }

    /// The client underneath.
    pub fn client(&self) -> &WangsuStorage {
        &self.client
    }
}

fn target(credential: &UploadCredential) -> Result<&WangsuStorageTarget> {
    match &credential.target {
        UploadTarget::WangsuStorage(t) => Ok(t),
        _ => Err(Error::new(
            ErrorKind::Config,
            format!(
                "Wangsu storage was given a {} credential, which is not a Wangsu storage target",
                credential.provider
            ),
        )),
    }
}

/// The block part `part` is. Every block but the last has the plan's part size, which part 1's
/// length gives (rounded up to 4 MiB when part 1 is also the last) and any later part's offset.
fn block_of(part: PartSpec) -> Result<Block> {
    let block_size = match part.number {
        0 => return Err(Error::invalid_input("part", "numbers start at 1")),
        1 => part.len.div_ceil(BLOCK_UNIT).max(1) * BLOCK_UNIT,
        n => part.offset / u64::from(n - 1),
    };
    let file_end = part.offset + part.len;
    BlockPlan::new(file_end, block_size)
        .ok()
        .and_then(|plan| plan.block(u64::from(part.number - 1)))
        .filter(|b| b.offset() == part.offset && b.size() == part.len)
        .ok_or_else(|| {
            Error::invalid_input(
                "part",
                format!(
                    "part {} at byte {} of {} bytes is not a Wangsu block",
                    part.number, part.offset, part.len
                ),
            )
        })
}

/// The SHA-1s of the 4 MiB units of `bytes`, hex, concatenated.
fn unit_digests(bytes: &[u8]) -> String {
    bytes
        .chunks(HASH_BLOCK_BYTES as usize)
        .map(|unit| hex::encode(Sha1::digest(unit)))
        .collect()
}

/// The file hash of the parts, from their unit SHA-1s; `None` when a part has none.
fn file_hash(parts: &[PartReceipt]) -> Option<FileHash> {
    let mut units = Vec::new();
    for part in parts {
        let checksum = part.checksum.as_ref()?;
        if checksum.algorithm != UNIT_SHA1_ALGORITHM || checksum.value.len() % 40 != 0 {
            return None;
        }
        for hex_unit in checksum.value.as_bytes().chunks(40) {
            let mut unit = [0u8; 20];
            hex::decode_to_slice(hex_unit, &mut unit).ok()?;
            units.push(unit);
        }
    }
    // Every unit is closed: `finish` hashes them as a file of that many units.
    Some(FileHasher::resume(units).finish())
}

/// Says what a 406 means when the request was ours to make the file: the key was issued for
/// this upload alone, so the file there is most likely this upload's own, stored by an earlier
/// request whose answer was lost. Other errors pass unchanged.
fn explain_file_exists(e: Error, file_key: &str) -> Error {
    if e.vendor().and_then(|v| v.http_status) != Some(406) {
        return e;
    }
    e.in_context(format!(
        "Wangsu already holds {file_key} and the upload token may not overwrite it; an earlier \
         request of this upload whose answer was lost may have stored it (check the video)"
    ))
}

#[async_trait]
impl Storage for WangsuUploadStorage {
    fn provider(&self) -> &'static str {
        crate::PROVIDER_NAME
    }

    fn rules(&self) -> PartRules {
        PartRules::new(
            BLOCK_UNIT,
            MAX_BLOCKS,
            BLOCK_UNIT,
            MAX_BLOCK_BYTES,
            MAX_FORM_BYTES,
        )
    }

    fn part_checksum(&self, part: &[u8]) -> Checksum {
        Checksum::new(UNIT_SHA1_ALGORITHM, unit_digests(part))
    }

    async fn put_object(&self, credential: &UploadCredential, body: Bytes) -> Result<StoredObject> {
        let target = target(credential)?;
        let expected = FileHash::of(&body);
        // The form upload checks the answer's hash against `expected` when the host sends one.
        let answer = self
            .client
            .form_upload(target, body)
            .await
            .map_err(|e| explain_file_exists(e, &target.file_key))?;
        let key = answer.key.unwrap_or_else(|| target.file_key.clone());
        Ok(StoredObject::new(
            key,
            Some(Checksum::new(FILE_HASH_ALGORITHM, expected.as_str())),
        ))
    }

    async fn start(&self, _credential: &UploadCredential, _plan: &Plan) -> Result<SessionId> {
        Ok(SessionId::new(UploadBatch::new().as_str()))
    }

    async fn send_part(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        part: PartSpec,
        body: Bytes,
        // The unit SHA-1s; the host answers a CRC-32 per chunk instead, checked by each call.
        _checksum: &Checksum,
    ) -> Result<PartReceipt> {
        let target = target(credential)?;
        let batch = UploadBatch::parse(session.as_str())?;
        let block = block_of(part)?;
        if body.len() as u64 != block.size() {
            return Err(Error::invalid_input(
                "part",
                format!(
                    "block {} is {} bytes, the body {}",
                    block.index(),
                    block.size(),
                    body.len()
                ),
            ));
        }
        let chunk = CHUNK_BYTES as usize;
        let first = body.slice(..chunk.min(body.len()));
        let mut answer = self
            .client
            .make_block(target, &batch, &block, first)
            .await?;
        let mut offset = chunk;
        while offset < body.len() {
            let next = body.slice(offset..(offset + chunk).min(body.len()));
            answer = self
                .client
                .put_chunk(target, &batch, &answer.ctx, offset as u64, next)
                .await?;
            offset += chunk;
        }
        Ok(PartReceipt {
            number: part.number,
            size: block.size(),
            token: answer.ctx.as_str().to_owned(),
            // The host answers a CRC-32 per chunk (checked by each call), not the SHA-1s.
            checksum: None,
        })
    }

    async fn complete(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        plan: &Plan,
        parts: &[PartReceipt],
    ) -> Result<StoredObject> {
        let target = target(credential)?;
        let batch = UploadBatch::parse(session.as_str())?;
        let contexts = parts
            .iter()
            .map(|p| BlockContext::parse(&p.token))
            .collect::<Result<Vec<_>>>()?;
        let hash = file_hash(parts);
        let answer = self
            .client
            .make_file(target, &batch, plan.size(), &contexts, hash.as_ref())
            .await
            .map_err(|e| explain_file_exists(e, &target.file_key))?;
        let key = answer.key.unwrap_or_else(|| target.file_key.clone());
        Ok(StoredObject::new(
            key,
            hash.map(|h| Checksum::new(FILE_HASH_ALGORITHM, h.as_str())),
        ))
    }

    /// Nothing to remove: Wangsu has no call to drop unfinished blocks (they expire on the host).
    async fn abort(&self, _credential: &UploadCredential, _session: &SessionId) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn spec(number: u32, offset: u64, len: u64) -> PartSpec {
        PartSpec {
            number,
            offset,
            len,
        }
    }

    #[test]
    fn every_planned_part_is_its_block() {
        let rules = PartRules::new(BLOCK_UNIT, MAX_BLOCKS, BLOCK_UNIT, MAX_BLOCK_BYTES, 1);
        for (size, part_size) in [
            (4 * MIB + 1, 4 * MIB),
            (12 * MIB, 4 * MIB),
            (20 * MIB + 3, 8 * MIB),
            (3, 4 * MIB),
        ] {
            let plan = Plan::new(size, part_size, &rules).unwrap();
            for part in plan.parts() {
                let block = block_of(part).unwrap();
                assert_eq!(block.index(), u64::from(part.number - 1));
                assert_eq!((block.offset(), block.size()), (part.offset, part.len));
            }
        }
    }

    #[test]
    fn parts_that_are_no_block_are_refused() {
        for part in [spec(0, 0, 4), spec(2, MIB, MIB), spec(2, 4 * MIB, 8 * MIB)] {
            assert_eq!(
                block_of(part).unwrap_err().field(),
                Some("part"),
                "{part:?}"
            );
        }
        assert!(block_of(spec(2, 3 * MIB, 1)).is_err());
    }

    #[test]
    fn the_file_hash_is_built_from_the_parts_unit_digests() {
        let data: Vec<u8> = (0..(9 * MIB + 5)).map(|i| (i % 253) as u8).collect();
        let storage = WangsuUploadStorage::new(WangsuStorage::new(&Default::default()).unwrap());
        let parts: Vec<PartReceipt> = data
            .chunks(8 * MIB as usize)
            .enumerate()
            .map(|(i, c)| PartReceipt {
                number: i as u32 + 1,
                size: c.len() as u64,
                token: "ctx".into(),
                checksum: Some(storage.part_checksum(c)),
            })
            .collect();
        assert_eq!(file_hash(&parts), Some(FileHash::of(&data)));
        // One small part: the one-unit form of the hash.
        let small = PartReceipt {
            checksum: Some(storage.part_checksum(b"hello world")),
            ..parts[0].clone()
        };
        assert_eq!(
            file_hash(&[small]).unwrap().as_str(),
            "FiqubDXJT8-0FdvpX0CLnOke6Ebt"
        );
        let mut bad = parts.clone();
        bad[1].checksum = Some(Checksum::new(UNIT_SHA1_ALGORITHM, "zz"));
        assert_eq!(file_hash(&bad), None);
        bad[1].checksum = None;
        assert_eq!(file_hash(&bad), None);
    }
}
