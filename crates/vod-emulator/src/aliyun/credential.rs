//! Minting what `CreateUploadVideo` and `RefreshUploadVideo` hand out: the video id, the
//! `UploadAddress` (where to write in OSS) and the `UploadAuth` (a temporary STS key).
//!
//! Both fields are standard padded base64 of JSON, as the vendor sends them, with the field
//! names and shapes of `testdata/vectors/aliyun-upload-response.json`. The endpoint is the
//! emulator's own OSS host, and every STS key minted here is remembered by it (see
//! [`crate::oss`]), scoped to the address's bucket and object key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::iso_seconds;

use crate::oss::{Grant, REGION};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UploadAddress<'a> {
    endpoint: &'a str,
    bucket: String,
    file_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UploadAuth {
    security_token: String,
    access_key_id: String,
    #[serde(rename = "ExpireUTCTime")]
    expire_utc_time: String,
    access_key_secret: String,
    expiration: String,
    region: &'static str,
}

/// A new video id: 32 lower-case hex digits.
pub(crate) fn video_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Where one video's file goes: the OSS bucket and object key, and the base64 `UploadAddress`
/// naming them.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) encoded: String,
}

/// A new `UploadAddress` at the OSS host `endpoint` for a file with extension `extension`
/// (lower-cased).
pub(crate) fn upload_address(endpoint: &str, extension: &str) -> Address {
    let object = format!(
        "{:08x}-{:011x}",
        rand::thread_rng().r#gen::<u32>(),
        rand::thread_rng().gen_range(0..1u64 << 44)
    );
    let bucket = format!("outin-{}", uuid::Uuid::new_v4().simple());
    let key = format!("sv/{object}/{object}.{}", extension.to_ascii_lowercase());
    let encoded = encode(&UploadAddress {
        endpoint,
        bucket: bucket.clone(),
        file_name: key.clone(),
    });
    Address {
        bucket,
        key,
        encoded,
    }
}

/// A new `UploadAuth` in base64: a fresh STS key for `address`, valid for `ttl` from `now`, and
/// the grant the OSS host must remember for it, keyed by its id.
pub(crate) fn upload_auth(
    address: &Address,
    now: OffsetDateTime,
    ttl: std::time::Duration,
) -> (String, String, Grant) {
    let auth = UploadAuth {
        security_token: format!("CAIS{}", random_text(240)),
        access_key_id: format!("STS.{}", random_text(25)),
        expire_utc_time: iso_seconds(now + ttl),
        access_key_secret: random_text(44),
        expiration: ttl.as_secs().to_string(),
        region: REGION,
    };
    let grant = Grant {
        secret: auth.access_key_secret.clone(),
        security_token: auth.security_token.clone(),
        bucket: address.bucket.clone(),
        key: address.key.clone(),
        expires: now + ttl,
    };
    (encode(&auth), auth.access_key_id, grant)
}

fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn encode(value: &impl Serialize) -> String {
    STANDARD.encode(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use time::macros::datetime;

    fn decode(field: &str) -> Value {
        serde_json::from_slice(&STANDARD.decode(field).unwrap()).unwrap()
    }

    #[test]
    fn address_has_the_documented_shape() {
        let minted = upload_address("http://127.0.0.1:9", "MP4");
        let address = decode(&minted.encoded);
        assert_eq!(address["Endpoint"], "http://127.0.0.1:9");
        assert_eq!(address["Bucket"], minted.bucket.as_str());
        assert_eq!(address["FileName"], minted.key.as_str());
        let bucket = address["Bucket"].as_str().unwrap();
        assert!(
            bucket.starts_with("outin-") && bucket.len() == 38,
            "{bucket}"
        );
        let file = address["FileName"].as_str().unwrap();
        let parts: Vec<&str> = file.split('/').collect();
        assert_eq!(parts[0], "sv");
        assert_eq!(parts[2], format!("{}.mp4", parts[1]));
    }

    #[test]
    fn auth_has_the_documented_shape() {
        let now = datetime!(2024-01-02 03:04:05 UTC);
        let address = upload_address("http://127.0.0.1:9", "mp4");
        let (encoded, id, grant) = upload_auth(&address, now, std::time::Duration::from_secs(3000));
        let auth = decode(&encoded);
        assert_eq!(auth["AccessKeyId"], id.as_str());
        assert_eq!(auth["AccessKeySecret"], grant.secret.as_str());
        assert_eq!(grant.key, address.key);
        assert_eq!(auth["ExpireUTCTime"], "2024-01-02T03:54:05Z");
        assert_eq!(auth["Expiration"], "3000");
        assert_eq!(auth["Region"], "cn-shanghai");
        assert!(auth["AccessKeyId"].as_str().unwrap().starts_with("STS."));
        assert!(!auth["AccessKeySecret"].as_str().unwrap().is_empty());
        assert!(!auth["SecurityToken"].as_str().unwrap().is_empty());
        assert_eq!(video_id().len(), 32);
    }
}
