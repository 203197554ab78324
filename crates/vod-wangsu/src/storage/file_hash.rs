//! The Wangsu storage file hash (its "etag"), computed as the bytes stream past.
//!
//! Wangsu storage names a stored file by a hash of its bytes, the same scheme as Qiniu's etag:
//! SHA-1 over 4 MiB blocks, so that the server can compute it from the blocks of a slice upload
//! without reading the file twice. Its answers carry that hash (the vendor notes infer that the
//! `hash` of a form or `mkfile` answer is this value; that is the *inferred* part), so comparing
//! it with the hash of what we sent proves the stored file is ours, byte for byte.
//!
//! An uploader reads a file once, chunk by chunk, and never holds it whole: [`FileHasher`] is fed
//! the bytes in any pieces, in order, and keeps only two SHA-1 states.
//!
//! - up to 4 MiB: `urlsafe_b64(0x16 ‖ SHA1(data))`;
//! - larger: `urlsafe_b64(0x96 ‖ SHA1(SHA1(block0) ‖ SHA1(block1) ‖ …))` over 4 MiB blocks.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use sha1::{Digest, Sha1};

/// The block size of the file hash: 4 MiB. (Slice-upload blocks are multiples of it.)
pub const HASH_BLOCK_BYTES: u64 = 4 << 20;

/// The first byte of the hash of a file of at most one block.
const ONE_BLOCK: u8 = 0x16;
/// The first byte of the hash of a file of several blocks.
const MANY_BLOCKS: u8 = 0x96;

/// A Wangsu file hash: URL-safe base64 of 21 bytes (28 characters).
///
/// ```
/// use vod_wangsu::storage::FileHash;
/// assert_eq!(FileHash::of(b"hello world").as_str(), "FiqubDXJT8-0FdvpX0CLnOke6Ebt");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FileHash(String);

impl FileHash {
    /// The hash of `data`, all in memory.
    pub fn of(data: &[u8]) -> Self {
        let mut hasher = FileHasher::new();
        hasher.update(data);
        hasher.finish()
    }

    /// The hash as the server writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` (a server's `hash`) names the same file: equal, ignoring surrounding
    /// whitespace and `=` padding, which 21 bytes never need but a server may add.
    pub fn matches(&self, text: &str) -> bool {
        text.trim().trim_end_matches('=') == self.0
    }
}

impl fmt::Display for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileHash({})", self.0)
    }
}

/// Computes a [`FileHash`] from bytes fed in order, in pieces of any size.
///
/// ```
/// use vod_wangsu::storage::{FileHash, FileHasher};
/// let mut hasher = FileHasher::new();
/// hasher.update(b"hello ");
/// hasher.update(b"world");
/// assert_eq!(hasher.len(), 11);
/// assert_eq!(hasher.finish(), FileHash::of(b"hello world"));
/// ```
#[derive(Clone, Default)]
pub struct FileHasher {
    /// SHA-1 of the current block.
    block: Sha1,
    /// Bytes in the current block. A full block is closed only when more bytes arrive, so that a
    /// file of exactly 4 MiB still hashes as one block.
    in_block: u64,
    /// SHA-1 over the digests of the closed blocks.
    blocks: Sha1,
    /// How many blocks are closed.
    closed: u64,
}

impl fmt::Debug for FileHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileHasher")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl FileHasher {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.in_block == HASH_BLOCK_BYTES {
                let digest = std::mem::take(&mut self.block).finalize();
                self.blocks.update(digest);
                self.closed += 1;
                self.in_block = 0;
            }
            let room = usize::try_from(HASH_BLOCK_BYTES - self.in_block).unwrap_or(usize::MAX);
            let (now, rest) = data.split_at(room.min(data.len()));
            self.block.update(now);
            self.in_block += now.len() as u64;
            data = rest;
        }
    }

    /// How many bytes were fed.
    pub fn len(&self) -> u64 {
        self.closed * HASH_BLOCK_BYTES + self.in_block
    }

    /// Whether no bytes were fed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hash of the bytes fed.
    pub fn finish(self) -> FileHash {
        let block = self.block.finalize();
        let mut out = [0u8; 21];
        if self.closed == 0 {
            out[0] = ONE_BLOCK;
            out[1..].copy_from_slice(&block);
        } else {
            let mut blocks = self.blocks;
            blocks.update(block);
            out[0] = MANY_BLOCKS;
            out[1..].copy_from_slice(&blocks.finalize());
        }
        FileHash(URL_SAFE.encode(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((7 * i + 3) % 256) as u8).collect()
    }

    #[test]
    fn pieces_of_any_size_give_the_same_hash() {
        let data = generated((HASH_BLOCK_BYTES as usize) * 2 + 17);
        let whole = FileHash::of(&data);
        for piece in [1 << 20, 4 << 20, (4 << 20) + 1, 999_983, 4 << 21] {
            let mut hasher = FileHasher::new();
            for chunk in data.chunks(piece) {
                hasher.update(chunk);
            }
            assert_eq!(hasher.len(), data.len() as u64);
            assert_eq!(hasher.finish(), whole, "pieces of {piece}");
        }
    }

    #[test]
    fn block_boundary() {
        let block = HASH_BLOCK_BYTES as usize;
        assert!(FileHash::of(&generated(block)).as_str().starts_with('F'));
        assert!(
            FileHash::of(&generated(block + 1))
                .as_str()
                .starts_with('l')
        );
        // An empty update after a full block does not open a new one.
        let mut hasher = FileHasher::new();
        hasher.update(&generated(block));
        hasher.update(&[]);
        assert_eq!(hasher.finish(), FileHash::of(&generated(block)));
    }

    #[test]
    fn matches_ignores_padding_and_spaces() {
        let hash = FileHash::of(b"hello world");
        assert!(hash.matches(" FiqubDXJT8-0FdvpX0CLnOke6Ebt "));
        assert!(!hash.matches("FiqubDXJT8-0FdvpX0CLnOke6Ebu"));
        assert!(!hash.matches(""));
    }
}
