//! The integrity checks of every storage answer.
//!
//! Bytes damaged between our memory and Wangsu's disk (a broken proxy, a bad NIC, a bug in a
//! middlebox) would otherwise be stored silently and found only when the video fails to play.
//! Wangsu returns the CRC-32/IEEE of every chunk it received (`crc32` of mkblk and bput, the
//! checksum its Java SDK checks) and the file hash of every stored file; both are compared here
//! with what was sent. A mismatch is [`ErrorKind::ChecksumMismatch`], which is retryable: sending
//! the same bytes again can succeed.

use vod_core::{Error, ErrorKind, Result};

use super::answer::{ChunkAnswer, FileAnswer};
use super::file_hash::FileHash;

/// The CRC-32/IEEE of `bytes`, as Wangsu reports a chunk's (`crc32fast`, SIMD where available).
///
/// ```
/// assert_eq!(vod_wangsu::storage::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Checks that the chunk the server acknowledged is the one sent: its `crc32` equals that of
/// `sent`, and its `offset` (the next offset within the block) is `sent_at + sent.len()`.
pub fn check_chunk(sent: &[u8], sent_at: u64, answer: &ChunkAnswer) -> Result<()> {
    let ours = crc32(sent);
    if answer.crc32 != ours {
        return Err(Error::new(
            ErrorKind::ChecksumMismatch,
            format!(
                "Wangsu storage received a chunk with CRC-32 {} but the {} bytes sent have {ours}: \
                 damaged in transit",
                answer.crc32,
                sent.len()
            ),
        ));
    }
    let expected = sent_at.saturating_add(sent.len() as u64);
    if answer.offset != expected {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "Wangsu storage acknowledged a chunk at offset {sent_at} of {} bytes with next \
                 offset {} (expected {expected})",
                sent.len(),
                answer.offset
            ),
        ));
    }
    Ok(())
}

/// Checks that a stored file is the one sent: the answer's `hash`, when it has one, equals
/// `expected`. An answer without `hash` passes (the mkfile answer is not documented; see the
/// [module docs](super)).
pub fn check_file(expected: &FileHash, answer: &FileAnswer) -> Result<()> {
    match &answer.hash {
        Some(hash) if !expected.matches(hash) => Err(Error::new(
            ErrorKind::ChecksumMismatch,
            format!(
                "Wangsu storage stored a file with hash {:?} but the bytes sent hash to {expected}",
                vod_core::raw::text::one_line(hash, 64)
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::BlockContext;

    fn chunk(crc32: u32, offset: u64) -> ChunkAnswer {
        ChunkAnswer {
            ctx: BlockContext::parse("ctx-1").unwrap(),
            offset,
            crc32,
            checksum: None,
            host: None,
        }
    }

    #[test]
    fn chunk_checks() {
        let sent = b"part-one-data";
        assert!(check_chunk(sent, 0, &chunk(330_853_833, 13)).is_ok());
        assert!(check_chunk(sent, 7, &chunk(330_853_833, 20)).is_ok());
        let err = check_chunk(sent, 0, &chunk(330_853_834, 13)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ChecksumMismatch);
        assert!(err.is_retryable());
        let err = check_chunk(sent, 0, &chunk(330_853_833, 12)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn file_checks() {
        let expected = FileHash::of(b"hello world");
        let answer = |hash: Option<&str>| FileAnswer {
            hash: hash.map(str::to_owned),
            key: None,
            body: serde_json::Value::Null,
        };
        assert!(check_file(&expected, &answer(Some("FiqubDXJT8-0FdvpX0CLnOke6Ebt"))).is_ok());
        assert!(check_file(&expected, &answer(None)).is_ok());
        let err = check_file(&expected, &answer(Some("Fto5o-5ea0sNMlW_75VgGJCv2AcJ"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ChecksumMismatch);
    }
}
