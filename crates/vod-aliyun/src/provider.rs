//! [`AliyunProvider`]: the [`UploadCredentialProvider`] for Aliyun ApsaraVideo VOD.
//!
//! The trait methods are where the order of things is fixed: validate (nothing is sent for a
//! request Aliyun would refuse), note what Aliyun ignores, then call.

use async_trait::async_trait;
use vod_core::config::AliyunSignature;
use vod_core::{RefreshRequest, Result, UploadCredential, UploadCredentialProvider, UploadRequest};

use crate::api::{CREATE_UPLOAD_VIDEO, PROVIDER_NAME, REFRESH_UPLOAD_VIDEO};
use crate::client::Client;
use crate::validate;

/// The request fields Aliyun has no counterpart for. `resume_id` is not sent (Aliyun resumes on
/// the OSS side) but the credential keeps it as given; every `CreateUploadVideo` makes a new
/// video, so `overwrite` means nothing.
pub const IGNORED_FIELDS: &[&str] = &["resume_id", "overwrite", "wangsu."];

/// Issues and refreshes Aliyun VOD upload credentials (`CreateUploadVideo`,
/// `RefreshUploadVideo`).
///
/// Build it with [`AliyunProvider::builder`] or [`AliyunProvider::from_config`]. It is cheap to
/// clone (the HTTP client is shared) and its `Debug` output shows no secret.
///
/// ```no_run
/// use vod_aliyun::AliyunProvider;
/// use vod_core::{UploadCredentialProvider, UploadRequest};
///
/// # async fn demo() -> vod_core::Result<()> {
/// let provider = AliyunProvider::builder()
///     .access_key_id("my-ak")
///     .access_key_secret("my-secret")
///     .build()?;
/// let credential = provider
///     .create_upload(&UploadRequest::new("holiday.mp4").title("Holiday"))
///     .await?;
/// // Later, before it expires:
/// let fresh = provider.refresh_upload(&credential.refresh_request()).await?;
/// # let _ = fresh; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AliyunProvider {
    client: Client,
}

impl AliyunProvider {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// The endpoint URL requests go to (`https://vod.cn-shanghai.aliyuncs.com/`).
    pub fn endpoint(&self) -> &str {
        self.client.endpoint.as_str()
    }

    /// The signature requests carry.
    pub fn signature(&self) -> AliyunSignature {
        self.client.signature.to_config()
    }
}

#[async_trait]
impl UploadCredentialProvider for AliyunProvider {
    fn name(&self) -> &'static str {
        PROVIDER_NAME
    }

    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        validate::upload(request)
            .map_err(|e| e.with_context(PROVIDER_NAME, CREATE_UPLOAD_VIDEO))?;
        vod_core::raw::validate::log_ignored(
            PROVIDER_NAME,
            &vod_core::raw::validate::ignored_fields(request, IGNORED_FIELDS),
        );
        if request.workflow_id.is_some() && request.template.is_some() {
            tracing::debug!(
                "both workflow_id and template are set: Aliyun runs the workflow (WorkflowId wins)"
            );
        }
        self.client.create_upload_video(request).await
    }

    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        validate::refresh(request)
            .map_err(|e| e.with_context(PROVIDER_NAME, REFRESH_UPLOAD_VIDEO))?;
        self.client.refresh_upload_video(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::ErrorKind;

    /// A provider whose endpoint refuses connections: any error that is not `Network` was
    /// raised before a request was sent.
    fn offline() -> AliyunProvider {
        AliyunProvider::builder()
            .access_key_id("ak")
            .access_key_secret("sk")
            .endpoint("http://127.0.0.1:9")
            .build()
            .unwrap()
    }

    #[test]
    fn ignored_fields_are_named() {
        let request = UploadRequest::new("a.mp4")
            .title("t")
            .resume_id("r")
            .overwrite(true)
            .wangsu(vod_core::WangsuOptions::default().domain("d"));
        assert_eq!(
            vod_core::raw::validate::ignored_fields(&request, IGNORED_FIELDS),
            ["resume_id", "overwrite", "wangsu.domain"]
        );
    }

    #[tokio::test]
    async fn invalid_requests_fail_before_any_call() {
        let p = offline();
        assert_eq!(p.name(), "aliyun");
        let err = p
            .create_upload(&UploadRequest::new("a.mp4").title("x".repeat(129)))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field(), Some("title"));
        assert_eq!(err.operation(), Some("CreateUploadVideo"));
        assert_eq!(err.provider(), Some("aliyun"));

        let err = p
            .refresh_upload(&RefreshRequest::new(""))
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("media_id"));
        let other = RefreshRequest::new("v").provider("wangsu");
        let err = p.refresh_upload(&other).await.unwrap_err();
        assert_eq!(err.field(), Some("provider"));

        // A valid request does reach the (absent) network.
        let err = p
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    }
}
