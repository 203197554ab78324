//! Minting what `CreateUploadVideo` and `RefreshUploadVideo` hand out: the video id, the
//! `UploadAddress` (where to write in OSS) and the `UploadAuth` (a temporary STS key).
//!
//! Both fields are standard padded base64 of JSON, as the vendor sends them, with the field
//! names and shapes of `testdata/vectors/aliyun-upload-response.json`. The values are random: no
//! OSS stands behind them yet.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::iso_seconds;

/// The OSS endpoint every upload address names.
const OSS_ENDPOINT: &str = "https://oss-cn-shanghai.aliyuncs.com";
/// The region every upload credential names.
const REGION: &str = "cn-shanghai";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UploadAddress {
    endpoint: &'static str,
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

/// A new `UploadAddress` for a file with extension `extension` (lower-cased), in base64.
pub(crate) fn upload_address(extension: &str) -> String {
    let object = format!(
        "{:08x}-{:011x}",
        rand::thread_rng().r#gen::<u32>(),
        rand::thread_rng().gen_range(0..1u64 << 44)
    );
    encode(&UploadAddress {
        endpoint: OSS_ENDPOINT,
        bucket: format!("outin-{}", uuid::Uuid::new_v4().simple()),
        file_name: format!("sv/{object}/{object}.{}", extension.to_ascii_lowercase()),
    })
}

/// A new `UploadAuth`: a fresh STS key valid for `ttl` from `now`, in base64.
pub(crate) fn upload_auth(now: OffsetDateTime, ttl: std::time::Duration) -> String {
    let token: String = random_text(240);
    encode(&UploadAuth {
        security_token: format!("CAIS{token}"),
        access_key_id: format!("STS.{}", random_text(25)),
        expire_utc_time: iso_seconds(now + ttl),
        access_key_secret: random_text(44),
        expiration: ttl.as_secs().to_string(),
        region: REGION,
    })
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
        let address = decode(&upload_address("MP4"));
        assert_eq!(address["Endpoint"], OSS_ENDPOINT);
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
        let auth = decode(&upload_auth(now, std::time::Duration::from_secs(3000)));
        assert_eq!(auth["ExpireUTCTime"], "2024-01-02T03:54:05Z");
        assert_eq!(auth["Expiration"], "3000");
        assert_eq!(auth["Region"], "cn-shanghai");
        assert!(auth["AccessKeyId"].as_str().unwrap().starts_with("STS."));
        assert!(!auth["AccessKeySecret"].as_str().unwrap().is_empty());
        assert!(!auth["SecurityToken"].as_str().unwrap().is_empty());
        assert_eq!(video_id().len(), 32);
    }
}
