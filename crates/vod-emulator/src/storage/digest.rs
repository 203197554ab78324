//! The checksums the two upload hosts hand back, computed while a body streams through.
//!
//! A [`Digests`] sees every byte of an object, part, block or chunk once and yields the sums
//! its [`Want`] names, so a body is never read twice and never held whole:
//! - MD5: the OSS `ETag` of a put or a part (upper-case hex, quoted) and the admin listing's `md5`;
//! - CRC-64/XZ: OSS `x-oss-hash-crc64ecma` (poly `0x42F0E1EBA9EA3693` reflected, init and xorout
//!   all ones: the notes' "crc64ecma", which is *not* the unreflected CRC-64/ECMA-182);
//! - CRC-32/IEEE: the `crc32` of a Wangsu `mkblk`/`bput` answer;
//! - the Wangsu file hash: SHA-1 of every 4 MiB segment, then `0x16 ‖ sha1` for one segment or
//!   `0x96 ‖ sha1(sha1s)` for more, URL-safe base64 (the Qiniu-style etag of wcs-python3-sdk).
//!
//! Each sum costs a pass over the bytes (MD5 is the dearest, about 1.5 CPU s/GiB here; the
//! CRCs use the carry-less multiply instructions and cost a tenth of that), and a multipart body
//! streams through two or three of these at once (the part's own, its block's, the object's
//! fold), so each computes only what its host answers with: the upload benchmark's emulator must
//! receive faster than the uploaders send.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use md5::{Digest as _, Md5};
use sha1::Sha1;

/// The Wangsu file hash works on segments of this size (the WCS block size).
pub(crate) const WCS_SEGMENT: u64 = 4 * 1024 * 1024;

/// Which sums a [`Digests`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Want {
    md5: bool,
    crc64: bool,
    crc32: bool,
    segments: bool,
}

impl Want {
    /// An OSS put or part: the `ETag` (MD5) and the CRC-64.
    pub(crate) const OSS: Want = Want {
        md5: true,
        crc64: true,
        crc32: false,
        segments: false,
    };
    /// An object made of parts or blocks: the listing's MD5 (its CRC-64 and Wangsu file hash
    /// follow from the pieces' own).
    pub(crate) const MD5: Want = Want {
        md5: true,
        crc64: false,
        crc32: false,
        segments: false,
    };
    /// A Wangsu chunk: its `crc32` and `checksum` (the file hash of the chunk).
    pub(crate) const WCS_CHUNK: Want = Want {
        md5: false,
        crc64: false,
        crc32: true,
        segments: true,
    };
    /// A Wangsu block: the SHA-1s of its segments, for the file hash at `mkfile`.
    pub(crate) const WCS_BLOCK: Want = Want {
        md5: false,
        crc64: false,
        crc32: false,
        segments: true,
    };
    /// A Wangsu form upload: the file hash it answers and the listing's MD5.
    pub(crate) const WCS_FILE: Want = Want {
        md5: true,
        crc64: false,
        crc32: false,
        segments: true,
    };
    /// Every sum.
    #[cfg(test)]
    pub(crate) const ALL: Want = Want {
        md5: true,
        crc64: true,
        crc32: true,
        segments: true,
    };
}

/// Running checksums of a byte stream.
#[derive(Clone)]
pub(crate) struct Digests {
    size: u64,
    md5: Option<Md5>,
    crc64: Option<crc64fast::Digest>,
    crc32: Option<crc32fast::Hasher>,
    /// SHA-1 of each finished 4 MiB segment, and of the one being filled.
    segments: Option<(Vec<[u8; 20]>, Sha1)>,
}

/// What [`Digests::finish`] yields: `None` for each sum its [`Want`] left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sums {
    pub(crate) size: u64,
    /// The raw MD5.
    pub(crate) md5: Option<[u8; 16]>,
    pub(crate) crc64: Option<u64>,
    pub(crate) crc32: Option<u32>,
    /// The Wangsu file hash.
    pub(crate) wcs_etag: Option<String>,
    /// SHA-1 of each 4 MiB segment, from which the Wangsu hash of a file made of several
    /// 4 MiB-aligned blocks is computed ([`wcs_etag`]).
    pub(crate) segments: Option<Vec<[u8; 20]>>,
}

/// OSS's `ETag` of a put or part: `"<MD5 HEX UPPER>"`.
pub(crate) fn oss_etag(md5: &[u8; 16]) -> String {
    format!("\"{}\"", hex::encode_upper(md5))
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

/// The MD5 of `bytes`, lower-case hex.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

impl Digests {
    /// Nothing fed yet; computes the sums `want` names.
    pub(crate) fn new(want: Want) -> Self {
        Digests {
            size: 0,
            md5: want.md5.then(Md5::new),
            crc64: want.crc64.then(crc64fast::Digest::new),
            crc32: want.crc32.then(crc32fast::Hasher::new),
            segments: want.segments.then(|| (Vec::new(), Sha1::new())),
        }
    }

    /// Feeds the next bytes.
    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        if let Some(md5) = &mut self.md5 {
            md5.update(bytes);
        }
        if let Some(crc64) = &mut self.crc64 {
            crc64.write(bytes);
        }
        if let Some(crc32) = &mut self.crc32 {
            crc32.update(bytes);
        }
        let Some((done, segment)) = &mut self.segments else {
            self.size += bytes.len() as u64;
            return;
        };
        while !bytes.is_empty() {
            let used = self.size % WCS_SEGMENT;
            if used == 0 && self.size > 0 {
                done.push(std::mem::replace(segment, Sha1::new()).finalize().into());
            }
            let room = usize::try_from(WCS_SEGMENT - used).unwrap_or(usize::MAX);
            let take = room.min(bytes.len());
            segment.update(&bytes[..take]);
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
        let segments = self.segments.map(|(mut done, segment)| {
            done.push(segment.finalize().into());
            done
        });
        Sums {
            size: self.size,
            md5: self.md5.map(|md5| md5.finalize().into()),
            crc64: self.crc64.map(|crc64| crc64.sum64()),
            crc32: self.crc32.map(|crc32| crc32.finalize()),
            wcs_etag: segments.as_deref().map(wcs_etag),
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
                let mut digests = Digests::new(Want::ALL);
                input
                    .chunks(piece.min(input.len().max(1)))
                    .for_each(|chunk| digests.update(chunk));
                let sums = digests.finish();
                assert_eq!(sums.size, input.len() as u64);
                assert_eq!(
                    sums.crc64.map(|crc| crc.to_string()).as_deref(),
                    case["crc64"].as_str()
                );
                assert_eq!(sums.crc32.map(u64::from), case["crc32"].as_u64());
                assert_eq!(
                    sums.wcs_etag.as_deref(),
                    case["wcs_etag"].as_str(),
                    "{case}"
                );
            }
        }
    }

    #[test]
    fn crc64_combines_like_the_notes_say() {
        let crc = |data: &[u8]| {
            let mut digest = crc64fast::Digest::new();
            digest.write(data);
            digest.sum64()
        };
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
        let mut digests = Digests::new(Want::OSS);
        digests.update(b"hello world");
        let sums = digests.finish();
        assert_eq!(md5_hex(b"hello world"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(
            sums.md5.as_ref().map(oss_etag).as_deref(),
            Some("\"5EB63BBBE01EEED093CB22BB8F5ACDC3\"")
        );
    }

    #[test]
    fn computes_only_what_is_wanted() {
        let sums = |want| {
            let mut digests = Digests::new(want);
            digests.update(&generated(5 * 1024 * 1024));
            digests.finish()
        };
        let all = sums(Want::ALL);
        let only = |sums: Sums| {
            (
                sums.md5.is_some(),
                sums.crc64.is_some(),
                sums.crc32.is_some(),
                sums.segments.is_some(),
            )
        };
        assert_eq!(only(sums(Want::OSS)), (true, true, false, false));
        assert_eq!(only(sums(Want::MD5)), (true, false, false, false));
        assert_eq!(only(sums(Want::WCS_CHUNK)), (false, false, true, true));
        assert_eq!(only(sums(Want::WCS_BLOCK)), (false, false, false, true));
        assert_eq!(only(sums(Want::WCS_FILE)), (true, false, false, true));
        let block = sums(Want::WCS_BLOCK);
        assert_eq!(block.size, all.size);
        assert_eq!(block.segments, all.segments);
        assert_eq!(block.wcs_etag, all.wcs_etag);
        assert_eq!(sums(Want::OSS).md5, all.md5);
    }
}
