//! The emulated upload hosts over real HTTP: OSS (`oss.rs`) signed V1 and V4 by this test's
//! own signers with the STS key a CreateUploadVideo issued, and Wangsu storage (`wangsu.rs`)
//! with the token getUploadToken issued. Objects must be stored byte for byte; rule
//! violations, expiry and faults must be refused the way the emulator's module docs say.

#[path = "../support/mod.rs"]
mod support;

mod oss;
mod wangsu;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use crc::{CRC_32_ISO_HDLC, CRC_64_XZ, Crc};
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use serde_json::{Value, json};
use sha1::Sha1;
use support::*;
use vod_emulator::{
    Emulator, EmulatorConfig, Storage, StorageFault, StorageFaultKind, StorageVendor,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// What the listing says for an object with these bytes.
fn stored_md5(data: &[u8]) -> Option<String> {
    Some(md5_hex(data))
}

/// The text of the first `<name>` element.
fn xml(text: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = text
        .find(&open)
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        + open.len();
    let end = start + text[start..].find(&format!("</{name}>")).unwrap();
    text[start..end].to_owned()
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn stored(emulator: &Emulator, key: &str) -> (vod_emulator::StoredObject, Option<Vec<u8>>) {
    let handle = emulator.handle();
    let object = handle
        .stored_objects()
        .into_iter()
        .find(|o| o.key == key)
        .unwrap_or_else(|| panic!("{key} is not stored"));
    let bytes = handle
        .stored_file(&object)
        .map(|path| std::fs::read(path).unwrap());
    (object, bytes)
}
