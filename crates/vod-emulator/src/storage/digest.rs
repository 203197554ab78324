//! The checksums the two upload hosts hand back, computed while a body streams through.
//!
//! One [`Digests`] sees every byte of an object, part, block or chunk once and yields all of
//! them, so a body is never read twice and never held whole:
//! - MD5: the OSS `ETag` of a put or a part (upper-case hex, quoted) and the admin listing's `md5`;
//! - CRC-64/XZ: OSS `x-oss-hash-crc64ecma` (poly `0x42F0E1EBA9EA3693` reflected, init and xorout
//!   all ones: the notes' "crc64ecma", which is *not* the unreflected CRC-64/ECMA-182);
//! - CRC-32/IEEE: the `crc32` of a Wangsu `mkblk`/`bput` answer;
//! - the Wangsu file hash: SHA-1 of every 4 MiB segment, then `0x16 ‖ sha1` for one segment or
//!   `0x96 ‖ sha1(sha1s)` for more, URL-safe base64 (the Qiniu-style etag of wcs-python3-sdk).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use crc::{CRC_32_ISO_HDLC, CRC_64_XZ, Crc};
use md5::{Digest as _, Md5};
use sha1::Sha1;

/// OSS `x-oss-hash-crc64ecma`.
pub(crate) static CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_XZ);
/// Wangsu chunk `crc32`.
static CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The Wangsu file hash works on segments of this size (the WCS block size).
pub(crate) const WCS_SEGMENT: u64 = 4 * 1024 * 1024;

/// Running checksums of a byte stream.
#[derive(Clone)]
pub(crate) struct Digests {
    size: u64,
    md5: Md5,
    crc64: crc::Digest<'static, u64>,
    crc32: crc::Digest<'static, u32>,
    /// SHA-1 of each finished 4 MiB segment, and of the one being filled.
    segments: Vec<[u8; 20]>,
    segment: Sha1,
}

/// What [`Digests::finish`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sums {
    pub(crate) size: u64,
    /// The raw MD5.
    pub(crate) md5: [u8; 16],
    pub(crate) crc64: u64,
    pub(crate) crc32: u32,
    /// The Wangsu file hash.
    pub(crate) wcs_etag: String,
    /// SHA-1 of each 4 MiB segment, from which the Wangsu hash of a file made of several
    /// 4 MiB-aligned blocks is computed ([`wcs_etag`]).
    pub(crate) segments: Vec<[u8; 20]>,
}

impl Sums {
    /// Lower-case hex MD5, as the admin listing shows it.
    pub(crate) fn md5_hex(&self) -> String {
        hex::encode(self.md5)
    }

    /// OSS's `ETag` of a put or part: `"<MD5 HEX UPPER>"`.
    pub(crate) fn oss_etag(&self) -> String {
        format!("\"{}\"", hex::encode_upper(self.md5))
    }
}

impl std::fmt::Debug for Digests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digests").field("size", &self.size).finish()
    }
}

/// The Wangsu file hash from the SHA-1s of a file's 4 MiB segments (an empty file has one
/// segment, the SHA-1 of nothing).
pub(crate) fn wcs_etag(segments: &[[u8; 20]]) -> String {
    let raw = match segments {
        [] => [&[0x16u8][..], &Sha1::digest(b"")[..]].concat(),
        [one] => [&[0x16u8][..], one].concat(),
        many => {
            let mut all = Sha1::new();
            many.iter().for_each(|segment| all.update(segment));
            [&[0x96u8][..], &all.finalize()[..]].concat()
        }
    };
    URL_SAFE.encode(raw)
}

impl Default for Digests {
    fn default() -> Self {
        Digests {
            size: 0,
            md5: Md5::new(),
            crc64: CRC64.digest(),
            crc32: CRC32.digest(),
            segments: Vec::new(),
            segment: Sha1::new(),
        }
    }
}

impl Digests {
    /// Feeds the next bytes.
    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        self.md5.update(bytes);
        self.crc64.update(bytes);
        self.crc32.update(bytes);
        while !bytes.is_empty() {
            let used = self.size % WCS_SEGMENT;
            if used == 0 && self.size > 0 {
                let done = std::mem::replace(&mut self.segment, Sha1::new());
                self.segments.push(done.finalize().into());
            }
            let room = usize::try_from(WCS_SEGMENT - used).unwrap_or(usize::MAX);
            let take = room.min(bytes.len());
            self.segment.update(&bytes[..take]);
            self.size += take as u64;
            bytes = &bytes[take..];
        }
    }

    /// How many bytes were fed.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The checksums of everything fed.
    pub(crate) fn finish(self) -> Sums {
        let mut segments = self.segments;
        segments.push(self.segment.finalize().into());
        Sums {
            size: self.size,
            md5: self.md5.finalize().into(),
            crc64: self.crc64.finalize(),
            crc32: self.crc32.finalize(),
            wcs_etag: wcs_etag(&segments),
            segments,
        }
    }
}

/// The CRC-64/XZ of `A ‖ B` from `crc(A)`, `crc(B)` and `len(B)` (zlib's GF(2) matrix method,
/// which holds for CRCs whose init and xorout are both all ones, as here). Lets Complete answer
/// the object's CRC from its parts' even when it never reads the parts back.
pub(crate) fn crc64_combine(mut crc1: u64, crc2: u64, mut len2: u64) -> u64 {
    /// CRC-64/XZ's polynomial, reflected.
    const POLY: u64 = 0xC96C_5795_D787_0F42;
    fn times(matrix: &[u64; 64], mut vector: u64) -> u64 {
        let mut sum = 0;
        let mut row = 0;
        while vector != 0 {
            if vector & 1 != 0 {
                sum ^= matrix[row];
            }
            vector >>= 1;
            row += 1;
        }
        sum
    }
    fn square(matrix: &[u64; 64]) -> [u64; 64] {
        std::array::from_fn(|n| times(matrix, matrix[n]))
    }
    if len2 == 0 {
        return crc1;
    }
    // The operator for one zero bit, then two, then four.
    let mut odd = [0u64; 64];
    odd[0] = POLY;
    for (n, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    let mut even = square(&odd);
    odd = square(&even);
    // Apply len2 zero bytes, one bit of len2 at a time.
    loop {
        even = square(&odd);
        if len2 & 1 != 0 {
            crc1 = times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        odd = square(&even);
        if len2 & 1 != 0 {
            crc1 = times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn generated(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((7 * i + 3) % 256) as u8).collect()
    }

    /// Every case of `testdata/vectors/upload-checksums.json` (computed with oss2 and wcs-python3-sdk),
    /// fed whole and in uneven pieces.
    #[test]
    fn vendor_checksum_vectors() {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/upload-checksums.json"
        ));
        let vectors: Value = serde_json::from_str(text).unwrap();
        for case in vectors["cases"].as_array().unwrap() {
            let input = match case["input"].as_str().unwrap() {
                "generated" => generated(case["length"].as_u64().unwrap() as usize),
                text => text.as_bytes().to_vec(),
            };
            for piece in [usize::MAX, 3, 1_000_003] {
                let mut digests = Digests::default();
                input
                    .chunks(piece.min(input.len().max(1)))
                    .for_each(|chunk| digests.update(chunk));
                let sums = digests.finish();
                assert_eq!(sums.size, input.len() as u64);
                assert_eq!(sums.crc64.to_string(), case["crc64"].as_str().unwrap());
                assert_eq!(u64::from(sums.crc32), case["crc32"].as_u64().unwrap());
                assert_eq!(sums.wcs_etag, case["wcs_etag"].as_str().unwrap(), "{case}");
            }
        }
    }

    #[test]
    fn crc64_combines_like_the_notes_say() {
        let crc = |data: &[u8]| CRC64.checksum(data);
        assert_eq!(
            crc64_combine(crc(b"hello "), crc(b"world"), 5),
            5981764153023615706
        );
        let data = generated(300_001);
        for cut in [0, 1, 4096, 150_000, 300_000, 300_001] {
            let (a, b) = data.split_at(cut);
            assert_eq!(
                crc64_combine(crc(a), crc(b), b.len() as u64),
                crc(&data),
                "{cut}"
            );
        }
    }

    #[test]
    fn md5_etag_form() {
        let mut digests = Digests::default();
        digests.update(b"hello world");
        let sums = digests.finish();
        assert_eq!(sums.md5_hex(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(sums.oss_etag(), "\"5EB63BBBE01EEED093CB22BB8F5ACDC3\"");
    }
}
