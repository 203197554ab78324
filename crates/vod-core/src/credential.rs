//! What a provider hands back: where and how to upload, until when.
//!
//! An [`UploadCredential`] is the one thing an app passes on to its uploader and keeps for later. It
//! serialises with serde (secrets included: that is the handover) so the app can send it to a
//! browser or phone, or store it and refresh it hours later from what it stored. Formatting it with
//! `Debug` or `Display` never shows a secret; [`UploadCredential::summary`] is the log-safe view.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::raw::SigningKey;
use crate::{RefreshRequest, Secret};

/// A credential for uploading one video.
///
/// ```
/// # use vod_core::*;
/// # fn demo(cred: UploadCredential) -> Result<(), serde_json::Error> {
/// // Hand it to a client (secrets included, on purpose):
/// let json = serde_json::to_string(&cred)?;
/// // Later, from what was stored:
/// let stored: UploadCredential = serde_json::from_str(&json)?;
/// let refresh = stored.refresh_request();
/// # let _ = refresh; Ok(()) }
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadCredential {
    /// The provider that issued it (`"aliyun"`, `"wangsu"`).
    pub provider: String,
    /// The vendor's media id (Aliyun `VideoId`, Wangsu `videoId`).
    pub media_id: String,
    /// Where and how to upload.
    pub target: UploadTarget,
    /// When the vendor issued it (by the corrected clock).
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The vendor's request id of the call that issued it.
    pub request_id: Option<String>,
    /// The original file name.
    pub file_name: String,
    /// The resume id the upload was created with (Wangsu `fileId`), if any.
    pub resume_id: Option<String>,
}

impl UploadCredential {
    /// Assembles a credential from what every credential has: the issuing provider, the media
    /// id, the target and its validity. The rest is set with [`with_file_name`](Self::with_file_name),
    /// [`with_request_id`](Self::with_request_id) and [`with_resume_id`](Self::with_resume_id).
    /// Adapters call this; apps receive credentials from providers.
    pub fn new(
        provider: impl Into<String>,
        media_id: impl Into<String>,
        target: UploadTarget,
        issued_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            provider: provider.into(),
            media_id: media_id.into(),
            target,
            issued_at,
            expires_at,
            request_id: None,
            file_name: String::new(),
            resume_id: None,
        }
    }

    /// Sets the original file name.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = file_name.into();
        self
    }

    /// Sets the vendor's request id of the call that issued it.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Sets the resume id the upload was created with.
    pub fn with_resume_id(mut self, resume_id: Option<String>) -> Self {
        self.resume_id = resume_id;
        self
    }

    /// The request that refreshes this credential.
    pub fn refresh_request(&self) -> RefreshRequest {
        RefreshRequest {
            provider: Some(self.provider.clone()),
            media_id: self.media_id.clone(),
            file_name: Some(self.file_name.clone()),
            resume_id: self.resume_id.clone(),
        }
    }

    /// Time left at `now` (negative once expired).
    pub fn expires_in(&self, now: OffsetDateTime) -> Duration {
        self.expires_at - now
    }

    /// True when less than `margin` is left at `now`.
    pub fn expires_within(&self, now: OffsetDateTime, margin: Duration) -> bool {
        self.expires_in(now) < margin
    }

    /// A log-safe, one-line description with no secret; the expiry is RFC 3339 in UTC, to the
    /// whole second.
    pub fn summary(&self) -> String {
        format!(
            "{} media {} -> {} (expires {})",
            self.provider,
            self.media_id,
            self.target,
            crate::raw::expiry::rfc3339_seconds(self.expires_at)
        )
    }
}

impl fmt::Debug for UploadCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadCredential")
            .field("provider", &self.provider)
            .field("media_id", &self.media_id)
            .field("target", &self.target)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("request_id", &self.request_id)
            .field("file_name", &self.file_name)
            .field("resume_id", &self.resume_id)
            .finish()
    }
}

impl fmt::Display for UploadCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// Where and how the uploader sends the bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UploadTarget {
    /// An Aliyun OSS object, written with temporary STS keys (Aliyun VOD).
    Oss(OssTarget),
    /// A Wangsu cloud-storage upload host, written with an upload token (Wangsu VoD).
    WangsuStorage(WangsuStorageTarget),
}

impl fmt::Display for UploadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Oss(t) => write!(f, "oss {}/{} at {}", t.bucket, t.object_key, t.endpoint),
            Self::WangsuStorage(t) => write!(f, "wangsu {} at {}", t.file_key, t.upload_url),
        }
    }
}

/// An OSS upload target with STS keys (Aliyun `UploadAddress` + `UploadAuth`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssTarget {
    /// The OSS endpoint URL, always with a scheme (`https://oss-cn-shanghai.aliyuncs.com`).
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The object key to write.
    pub object_key: String,
    /// A key prefix for HLS segment uploads, when the vendor sent one.
    pub object_prefix: Option<String>,
    /// The OSS region (`cn-shanghai`), when the vendor sent it.
    pub region: Option<String>,
    /// The STS access key id (`STS.` prefix).
    pub access_key_id: String,
    /// The STS access key secret.
    pub access_key_secret: Secret,
    /// The STS security token (`x-oss-security-token`).
    pub security_token: Secret,
}

impl OssTarget {
    /// A builder: every field is named, so a bucket and an object key (or a region and a prefix)
    /// cannot be swapped silently. Adapters call this.
    ///
    /// ```
    /// # use vod_core::raw::SigningKey;
    /// # use vod_core::{OssTarget, Secret};
    /// let t = OssTarget::builder()
    ///     .endpoint("https://oss-cn-shanghai.aliyuncs.com")
    ///     .bucket("outin-1")
    ///     .object_key("sv/a.mp4")
    ///     .region(Some("cn-shanghai".into()))
    ///     .sts_key(SigningKey::new("STS.id", "s").with_token(Some(Secret::new("t"))))
    ///     .build()?;
    /// assert_eq!(t.bucket, "outin-1");
    /// assert_eq!(t.security_token.expose(), "t");
    /// # Ok::<(), vod_core::Error>(())
    /// ```
    pub fn builder() -> OssTargetBuilder {
        OssTargetBuilder::default()
    }

    /// The STS key of this target, for signing storage requests.
    pub fn sts_key(&self) -> SigningKey {
        SigningKey::new(self.access_key_id.clone(), self.access_key_secret.clone())
            .with_token(Some(self.security_token.clone()))
    }

    /// The object's URL, where a PutObject or multipart upload goes: OSS's virtual-host style,
    /// `{scheme}://{bucket}.{endpoint host}/{key}`, or path style, `{scheme}://{host}/{bucket}/{key}`,
    /// for an IP-address or `localhost` endpoint.
    ///
    /// ```
    /// # use vod_core::raw::SigningKey;
    /// # use vod_core::{OssTarget, Secret};
    /// let t = OssTarget::builder()
    ///     .endpoint("https://oss-cn-shanghai.aliyuncs.com")
    ///     .bucket("outin-1")
    ///     .object_key("sv/a b.mp4")
    ///     .sts_key(SigningKey::new("STS.id", "s").with_token(Some(Secret::new("t"))))
    ///     .build()?;
    /// assert_eq!(t.object_url(), "https://outin-1.oss-cn-shanghai.aliyuncs.com/sv/a%20b.mp4");
    /// // An IP-address or `localhost` endpoint (an emulator) is addressed by path, as oss2 does.
    /// let local = OssTarget::builder()
    ///     .endpoint("http://127.0.0.1:9512")
    ///     .bucket("outin-1")
    ///     .object_key("a.mp4")
    ///     .sts_key(SigningKey::new("STS.id", "s").with_token(Some(Secret::new("t"))))
    ///     .build()?;
    /// assert_eq!(local.object_url(), "http://127.0.0.1:9512/outin-1/a.mp4");
    /// # Ok::<(), vod_core::Error>(())
    /// ```
    pub fn object_url(&self) -> String {
        let (scheme, host) = match self.endpoint.split_once("://") {
            Some((scheme, rest)) => (scheme, rest),
            None => ("https", self.endpoint.as_str()),
        };
        let host = host.trim_end_matches('/');
        let mut url = if crate::raw::endpoint::is_ip_or_localhost(host) {
            format!("{scheme}://{host}/{}/", self.bucket)
        } else {
            format!("{scheme}://{}.{host}/", self.bucket)
        };
        for (i, segment) in self.object_key.split('/').enumerate() {
            if i > 0 {
                url.push('/');
            }
            for byte in segment.bytes() {
                match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        url.push(byte as char)
                    }
                    _ => url.push_str(&format!("%{byte:02X}")),
                }
            }
        }
        url
    }
}

/// Builds an [`OssTarget`]; see [`OssTarget::builder`]. Its `Debug` shows no secret.
#[derive(Debug, Clone, Default)]
pub struct OssTargetBuilder {
    endpoint: Option<String>,
    bucket: Option<String>,
    object_key: Option<String>,
    object_prefix: Option<String>,
    region: Option<String>,
    sts_key: Option<SigningKey>,
}

impl OssTargetBuilder {
    /// The OSS endpoint URL (required).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The bucket (required).
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = Some(bucket.into());
        self
    }

    /// The object key to write (required).
    pub fn object_key(mut self, object_key: impl Into<String>) -> Self {
        self.object_key = Some(object_key.into());
        self
    }

    /// The key prefix for HLS segment uploads, if any.
    pub fn object_prefix(mut self, object_prefix: Option<String>) -> Self {
        self.object_prefix = object_prefix;
        self
    }

    /// The OSS region, if known.
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// The STS key id, secret and security token (required, token included).
    pub fn sts_key(mut self, key: SigningKey) -> Self {
        self.sts_key = Some(key);
        self
    }

    /// The target, or an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming the first required part that is missing.
    pub fn build(self) -> crate::Result<OssTarget> {
        let missing = |field: &str| crate::Error::invalid_input(field, "is required");
        let key = self.sts_key.ok_or_else(|| missing("sts_key"))?;
        let security_token = key.token.ok_or_else(|| missing("sts_key.token"))?;
        Ok(OssTarget {
            endpoint: self.endpoint.ok_or_else(|| missing("endpoint"))?,
            bucket: self.bucket.ok_or_else(|| missing("bucket"))?,
            object_key: self.object_key.ok_or_else(|| missing("object_key"))?,
            object_prefix: self.object_prefix,
            region: self.region,
            access_key_id: key.id,
            access_key_secret: key.secret,
            security_token,
        })
    }
}

/// A Wangsu storage upload target with its upload token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WangsuStorageTarget {
    /// The upload host (`https://upload.cloudv.haplat.net`).
    pub upload_url: String,
    /// The upload token (`AccessKey:sign:encodedPolicy`).
    pub upload_token: Secret,
    /// The object path, without domain or leading slash.
    pub file_key: String,
    /// The bucket, when the vendor sent it.
    pub bucket: Option<String>,
    /// An HTTP-DNS server for the upload host, when the vendor sent one.
    pub http_dns_server: Option<String>,
}

impl WangsuStorageTarget {
    /// Assembles a target from what every Wangsu target has; set the bucket and HTTP-DNS
    /// server with [`with_bucket`](Self::with_bucket) and
    /// [`with_http_dns_server`](Self::with_http_dns_server). Adapters call this.
    pub fn new(
        upload_url: impl Into<String>,
        upload_token: Secret,
        file_key: impl Into<String>,
    ) -> Self {
        Self {
            upload_url: upload_url.into(),
            upload_token,
            file_key: file_key.into(),
            bucket: None,
            http_dns_server: None,
        }
    }

    /// Sets the bucket, when the vendor sent it.
    pub fn with_bucket(mut self, bucket: Option<String>) -> Self {
        self.bucket = bucket;
        self
    }

    /// Sets the HTTP-DNS server, when the vendor sent one.
    pub fn with_http_dns_server(mut self, http_dns_server: Option<String>) -> Self {
        self.http_dns_server = http_dns_server;
        self
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) fn sample_oss() -> UploadCredential {
        UploadCredential::new(
            "aliyun",
            "93ab850b4f6f54b6e91d24d81d4d1234",
            UploadTarget::Oss(
                OssTarget::builder()
                    .endpoint("https://oss-cn-shanghai.aliyuncs.com")
                    .bucket("outin-0123")
                    .object_key("sv/a/a.mp4")
                    .region(Some("cn-shanghai".into()))
                    .sts_key(
                        SigningKey::new("STS.NTestAccessKeyId", "TestAccessKeySecret")
                            .with_token(Some(Secret::new("CAIS+test/token=="))),
                    )
                    .build()
                    .unwrap(),
            ),
            datetime!(2024-01-02 03:04:05 UTC),
            datetime!(2024-01-02 03:54:05 UTC),
        )
        .with_request_id(Some("25818875-5F78".into()))
        .with_file_name("a.mp4")
    }

    pub(crate) fn sample_wangsu() -> UploadCredential {
        UploadCredential::new(
            "wangsu",
            "0123456789abcdef0123456789abcdef",
            UploadTarget::WangsuStorage(
                WangsuStorageTarget::new(
                    "https://upload.cloudv.haplat.net",
                    Secret::new("UMU:OWFlZDNi:eyJzY29wZSI6"),
                    "video/test.mp4",
                )
                .with_bucket(Some("mybucket".into())),
            ),
            datetime!(2024-01-02 03:04:05 UTC),
            datetime!(2024-01-02 04:04:05 UTC),
        )
        .with_file_name("test.mp4")
        .with_resume_id(Some("fedcba9876543210fedcba9876543210".into()))
    }

    #[test]
    fn serde_round_trip_keeps_everything() {
        for cred in [sample_oss(), sample_wangsu()] {
            let json = serde_json::to_string(&cred).unwrap();
            let back: UploadCredential = serde_json::from_str(&json).unwrap();
            assert_eq!(back, cred);
            // The handover carries the secrets: that is its purpose.
            match &cred.target {
                UploadTarget::Oss(t) => assert!(json.contains(t.access_key_secret.expose())),
                UploadTarget::WangsuStorage(t) => assert!(json.contains(t.upload_token.expose())),
            }
        }
    }

    #[test]
    fn wire_shape_is_stable() {
        let v = serde_json::to_value(sample_wangsu()).unwrap();
        assert_eq!(v["target"]["type"], "wangsu_storage");
        assert_eq!(v["expires_at"], "2024-01-02T04:04:05Z");
        let v = serde_json::to_value(sample_oss()).unwrap();
        assert_eq!(v["target"]["type"], "oss");
        assert_eq!(v["target"]["security_token"], "CAIS+test/token==");
    }

    #[test]
    fn refresh_request_carries_what_refresh_needs() {
        let req = sample_wangsu().refresh_request();
        assert_eq!(req.provider.as_deref(), Some("wangsu"));
        assert_eq!(req.media_id, "0123456789abcdef0123456789abcdef");
        assert_eq!(req.file_name.as_deref(), Some("test.mp4"));
        assert_eq!(
            req.resume_id.as_deref(),
            Some("fedcba9876543210fedcba9876543210")
        );
    }

    #[test]
    fn an_oss_target_needs_every_required_part() {
        let key = || SigningKey::new("STS.id", "s").with_token(Some(Secret::new("t")));
        let full = || {
            OssTarget::builder()
                .endpoint("https://e")
                .bucket("b")
                .object_key("k")
                .sts_key(key())
        };
        assert!(full().build().is_ok());
        let err = full()
            .sts_key(SigningKey::new("STS.id", "s"))
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("sts_key.token"));
        let err = OssTarget::builder()
            .bucket("b")
            .object_key("k")
            .sts_key(key())
            .build();
        assert_eq!(err.unwrap_err().field(), Some("endpoint"));
        assert!(!format!("{:?}", full()).contains("\"s\""));
    }

    #[test]
    fn both_vendors_show_the_expiry_to_the_whole_second_in_utc() {
        // A Wangsu deadline is in milliseconds, an Aliyun expiry may come with an offset: both
        // print the same way.
        let mut wangsu = sample_wangsu();
        wangsu.expires_at = datetime!(2024-01-02 04:04:05.678 UTC);
        let mut aliyun = sample_oss();
        aliyun.expires_at = datetime!(2024-01-02 12:04:05 +08:00);
        for cred in [wangsu, aliyun] {
            let shown = cred.to_string();
            assert!(shown.ends_with("(expires 2024-01-02T04:04:05Z)"), "{shown}");
        }
    }

    #[test]
    fn expiry_arithmetic() {
        let cred = sample_oss();
        let now = datetime!(2024-01-02 03:50:05 UTC);
        assert_eq!(cred.expires_in(now), Duration::minutes(4));
        assert!(cred.expires_within(now, Duration::minutes(5)));
        assert!(!cred.expires_within(now, Duration::minutes(3)));
    }
}
