//! The keys an OSS request is signed with.
//!
//! VOD hands out STS keys that live about 50 minutes and are replaced mid-upload by
//! `RefreshUploadVideo`, so no signer or client here holds keys: every call takes an
//! [`OssKeys`] (usually [`OssKeys::from_target`] of the newest credential). The secret and
//! the token are [`Secret`]s, so `Debug` never shows them.

use vod_core::{OssTarget, Secret};

/// An access key id, its secret and, for STS keys, the security token.
///
/// ```
/// use vod_aliyun::oss::OssKeys;
/// use vod_core::Secret;
///
/// let keys = OssKeys::new("STS.id", Secret::new("s3cr3t"), Some(Secret::new("CAIS+tok")));
/// let shown = format!("{keys:?}");
/// assert!(!shown.contains("s3cr3t") && !shown.contains("CAIS"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssKeys {
    /// The access key id (`STS.` prefix for temporary keys).
    pub access_key_id: String,
    /// The access key secret.
    pub access_key_secret: Secret,
    /// The STS security token, sent (and signed) as `x-oss-security-token`; `None` for a
    /// long-lived key.
    pub security_token: Option<Secret>,
}

impl OssKeys {
    /// Keys from their parts. An empty token counts as none.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: Secret,
        security_token: Option<Secret>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret,
            security_token: security_token.filter(|t| !t.is_empty()),
        }
    }

    /// The STS keys of a VOD upload credential's target.
    pub fn from_target(target: &OssTarget) -> Self {
        Self::new(
            target.access_key_id.clone(),
            target.access_key_secret.clone(),
            Some(target.security_token.clone()),
        )
    }

    /// Whether these are temporary STS keys: a token, or an id with the `STS.` prefix. An
    /// `InvalidAccessKeyId` answer to such keys means they expired.
    pub fn is_sts(&self) -> bool {
        self.security_token.is_some() || self.access_key_id.starts_with("STS.")
    }
}
