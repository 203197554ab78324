//! The Wangsu storage file hash (its "etag"), computed as the bytes stream past.
//!
//! Wangsu storage names a stored file by a hash of its bytes, the same scheme as Qiniu's etag:
//! SHA-1 over 4 MiB blocks, so that the server can compute it from the blocks of a slice upload
//! without reading the file twice. Its answers carry that hash (the vendor notes infer that the
//! `hash` of a form or `mkfile` answer is this value; that is the *inferred* part), so comparing
//! it with the hash of what we sent proves the stored file is ours, byte for byte.
//!
//! An uploader reads a file once, chunk by chunk, and never holds it whole: [`FileHasher`] is fed
//! the bytes in any pieces, in order, and keeps one SHA-1 state and the 20-byte digest of every
//! 4 MiB unit so far (5 KiB per GiB). Those digests are what an upload checkpoint stores, so that
//! a process that resumes the upload hashes only the blocks it still sends
//! ([`FileHasher::resume`]).
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
    /// SHA-1 of the current unit.
    block: Sha1,
    /// Bytes in the current unit. A full unit is closed only when more bytes arrive, so that a
    /// file of exactly 4 MiB still hashes as one unit.
    in_block: u64,
    /// The SHA-1 of every closed unit, in order.
    units: Vec<[u8; 20]>,
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

    /// A hasher that has seen the file's first `units.len()` whole 4 MiB units, whose SHA-1s
    /// are `units` (from [`closed_units`](Self::closed_units), kept in a checkpoint). Feed it the
    /// bytes that follow them.
    ///
    /// ```
    /// use vod_wangsu::storage::{FileHash, FileHasher, HASH_BLOCK_BYTES};
    /// let file = vec![7u8; HASH_BLOCK_BYTES as usize + 10];
    /// let mut first = FileHasher::new();
    /// first.update(&file[..HASH_BLOCK_BYTES as usize + 3]);
    /// let saved = first.closed_units().to_vec(); // one unit
    /// let mut resumed = FileHasher::resume(saved);
    /// resumed.update(&file[HASH_BLOCK_BYTES as usize..]);
    /// assert_eq!(resumed.finish(), FileHash::of(&file));
    /// ```
    pub fn resume(units: Vec<[u8; 20]>) -> Self {
        Self {
            units,
            ..Self::default()
        }
    }

    /// The SHA-1 of every whole 4 MiB unit closed so far, in order. A unit is closed when a byte
    /// after it arrives, so after `n` whole units and nothing more, `n - 1` are listed.
    pub fn closed_units(&self) -> &[[u8; 20]] {
        &self.units
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.in_block == HASH_BLOCK_BYTES {
                let digest = std::mem::take(&mut self.block).finalize();
                self.units.push(digest.into());
                self.in_block = 0;
            }
            let room = usize::try_from(HASH_BLOCK_BYTES - self.in_block).unwrap_or(usize::MAX);
            let (now, rest) = data.split_at(room.min(data.len()));
            self.block.update(now);
            self.in_block += now.len() as u64;
            data = rest;
        }
    }

    /// How many bytes were fed (counting the units a resumed hasher started with).
    pub fn len(&self) -> u64 {
        self.units.len() as u64 * HASH_BLOCK_BYTES + self.in_block
    }

    /// Whether no bytes were fed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hash of the bytes fed.
    pub fn finish(self) -> FileHash {
        let mut units = self.units;
        if self.in_block > 0 || units.is_empty() {
            units.push(self.block.finalize().into());
        }
        let mut out = [0u8; 21];
        if let [only] = units.as_slice() {
            out[0] = ONE_BLOCK;
            out[1..].copy_from_slice(only);
        } else {
            out[0] = MANY_BLOCKS;
            out[1..].copy_from_slice(&Sha1::digest(units.concat()));
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
    fn resuming_from_saved_units_gives_the_same_hash() {
        let unit = HASH_BLOCK_BYTES as usize;
        for len in [unit, unit + 1, 2 * unit, 2 * unit + 5, 3 * unit] {
            let data = generated(len);
            for stop in (0..=len / unit).map(|u| u * unit) {
                let mut first = FileHasher::new();
                first.update(&data[..stop]);
                let saved = first.closed_units().to_vec();
                let mut resumed = FileHasher::resume(saved.clone());
                resumed.update(&data[saved.len() * unit..]);
                assert_eq!(resumed.len(), len as u64);
                assert_eq!(resumed.finish(), FileHash::of(&data), "{len} stop {stop}");
            }
        }
        // Whole units saved and nothing after: still the hash of those bytes.
        let data = generated(2 * unit);
        let mut hasher = FileHasher::new();
        hasher.update(&data);
        hasher.update(&[0]);
        let units = hasher.closed_units().to_vec();
        assert_eq!(units.len(), 2);
        assert_eq!(FileHasher::resume(units).finish(), FileHash::of(&data));
    }

    #[test]
    fn matches_ignores_padding_and_spaces() {
        let hash = FileHash::of(b"hello world");
        assert!(hash.matches(" FiqubDXJT8-0FdvpX0CLnOke6Ebt "));
        assert!(!hash.matches("FiqubDXJT8-0FdvpX0CLnOke6Ebu"));
        assert!(!hash.matches(""));
    }
}
