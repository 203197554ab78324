//! The storage checksums on every case of `upload-checksums.json` (computed with the vendors'
//! own code: wcs-python3-sdk's etag, Python's CRC-32), through the public API.

use vod_wangsu::storage::{FileHash, FileHasher, crc32};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/upload-checksums.json"
));

/// The input bytes of a case: literal text, or `generated` (byte i = (7i+3) % 256).
fn input(case: &serde_json::Value) -> Vec<u8> {
    match case["input"].as_str().unwrap() {
        "generated" => {
            let len = case["length"].as_u64().unwrap() as usize;
            (0..len).map(|i| ((7 * i + 3) % 256) as u8).collect()
        }
        text => text.as_bytes().to_vec(),
    }
}

fn cases() -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 6, "the vector file lost cases");
    cases
}

#[test]
fn crc32_of_every_case() {
    for case in cases() {
        let data = input(&case);
        assert_eq!(
            u64::from(crc32(&data)),
            case["crc32"].as_u64().unwrap(),
            "{}",
            case["input"]
        );
    }
}

#[test]
fn file_hash_of_every_case_whole_and_streamed() {
    for case in cases() {
        let data = input(&case);
        let expected = case["wcs_etag"].as_str().unwrap();
        assert_eq!(FileHash::of(&data).as_str(), expected, "{}", case["input"]);
        // Streamed in odd pieces, as an uploader reads a file.
        for piece in [1, 4096, 1_000_003] {
            if data.len() > 200_000 && piece == 1 {
                continue;
            }
            let mut hasher = FileHasher::new();
            for chunk in data.chunks(piece) {
                hasher.update(chunk);
            }
            assert_eq!(hasher.len(), data.len() as u64);
            assert_eq!(
                hasher.finish().as_str(),
                expected,
                "{} in pieces of {piece}",
                case["input"]
            );
        }
    }
}
