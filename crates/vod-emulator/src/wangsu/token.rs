//! Minting Wangsu upload tokens: `AK:urlsafe_b64(hex(HMAC-SHA1(secret, encodedPolicy))):encodedPolicy`
//! where `encodedPolicy` is URL-safe base64 (padded) of the put-policy JSON
//! `{"scope":"bucket:fileKey","deadline":"<unix ms>","overwrite":0|1}`.
//!
//! This is the Wangsu Cloud Storage token format (`testdata/vectors/wangsu-upload-token.json`),
//! signed with the caller's own secret, so a future emulated upload host can verify it.

use crate::config::AccessKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha1::Sha1;

#[derive(Serialize)]
struct PutPolicy {
    scope: String,
    /// Unix milliseconds, as a string like the vendor's own tokens.
    deadline: String,
    overwrite: u8,
}

/// `urlsafe_b64(hex(HMAC-SHA1(secret, data)))`, the storage protocol's signature.
pub(crate) fn sign(secret: &str, data: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    URL_SAFE.encode(hex::encode(mac.finalize().into_bytes()))
}

/// A token for `key` to write `bucket:file_key` until `deadline_ms` (Unix milliseconds).
pub(crate) fn upload_token(
    key: &AccessKey,
    bucket: &str,
    file_key: &str,
    deadline_ms: i64,
    overwrite: bool,
) -> String {
    let policy = serde_json::to_string(&PutPolicy {
        scope: format!("{bucket}:{file_key}"),
        deadline: deadline_ms.to_string(),
        overwrite: u8::from(overwrite),
    })
    .unwrap_or_default();
    token_for_policy(key, &policy)
}

fn token_for_policy(key: &AccessKey, policy_json: &str) -> String {
    let encoded_policy = URL_SAFE.encode(policy_json);
    format!(
        "{}:{}:{encoded_policy}",
        key.id,
        sign(&key.secret, &encoded_policy)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/wangsu-upload-token.json"
        );
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        json["vectors"].as_array().unwrap().clone()
    }

    #[test]
    fn vendor_vectors() {
        let vectors = vectors();
        let basic = &vectors[0];
        let key = AccessKey::new(
            basic["access_key"].as_str().unwrap(),
            basic["secret_key"].as_str().unwrap(),
        );
        assert_eq!(
            format!(
                "{}:{}",
                key.id,
                sign(&key.secret, basic["data"].as_str().unwrap())
            ),
            basic["expected"].as_str().unwrap()
        );
        let from_policy = &vectors[1];
        assert_eq!(
            token_for_policy(&key, from_policy["put_policy"].as_str().unwrap()),
            from_policy["upload_token"].as_str().unwrap()
        );
    }

    #[test]
    fn minted_policy_matches_the_vector_shape() {
        let key = AccessKey::new("UMU", "key");
        let token = upload_token(&key, "mybucket", "video/test.mp4", 1_700_000_000_000, true);
        let expected = vectors()[1]["upload_token"].as_str().unwrap().to_owned();
        assert_eq!(token, expected);
    }
}
