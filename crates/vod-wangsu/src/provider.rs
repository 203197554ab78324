//! [`WangsuProvider`]: the [`UploadCredentialProvider`] for Wangsu Cloud VoD.
//!
//! Both operations check the request first, so that input Wangsu would refuse never reaches the
//! network, then call Get Video Upload Token: Wangsu has no refresh operation, so refreshing
//! issues again with the upload's original `originFileName` and `fileId` and checks that the
//! answer names the same video.

use async_trait::async_trait;
use vod_core::config::WangsuVariant;
use vod_core::{
    Error, ErrorKind, RefreshRequest, Result, UploadCredential, UploadCredentialProvider,
    UploadRequest, VendorDetail,
};

use crate::api::{GET_UPLOAD_TOKEN, GetUploadToken, PROVIDER_NAME};
use crate::client::Client;
use crate::validate;

/// The request fields Wangsu has no counterpart for.
pub const IGNORED_FIELDS: &[&str] = &["title", "description", "tags", "file_size", "aliyun."];

/// Issues upload credentials with Wangsu Cloud VoD. Build it with [`WangsuProvider::builder`] or
/// [`WangsuProvider::from_config`].
///
/// `Debug` shows the endpoint and access key, never the secret key. Cloning is cheap and clones
/// share the HTTP connection pool and the clock correction.
#[derive(Debug, Clone)]
pub struct WangsuProvider {
    client: Client,
    variant: WangsuVariant,
}

impl WangsuProvider {
    pub(crate) fn new(client: Client, variant: WangsuVariant) -> Self {
        Self { client, variant }
    }

    /// The URL requests go to (Get Video Upload Token on the configured gateway).
    pub fn endpoint(&self) -> &str {
        self.client.endpoint.as_str()
    }

    /// The gateway and signature variant.
    pub fn variant(&self) -> WangsuVariant {
        self.variant
    }
}

#[async_trait]
impl UploadCredentialProvider for WangsuProvider {
    /// `"wangsu"`.
    fn name(&self) -> &'static str {
        PROVIDER_NAME
    }

    /// Calls Get Video Upload Token for a new upload.
    ///
    /// When the request has no resume id, one is generated (32 hex digits) and sent as `fileId`,
    /// so that every credential can be refreshed; the credential carries it in `resume_id`.
    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        validate::upload(request).map_err(|e| e.with_context(PROVIDER_NAME, GET_UPLOAD_TOKEN))?;
        vod_core::raw::validate::log_ignored(
            PROVIDER_NAME,
            &vod_core::raw::validate::ignored_fields(request, IGNORED_FIELDS),
        );
        let generated;
        let resume_id = match &request.resume_id {
            Some(id) => id.as_str(),
            None => {
                generated = new_resume_id();
                generated.as_str()
            }
        };
        self.client
            .get_upload_token(&GetUploadToken::create(request, resume_id))
            .await
    }

    /// Issues a fresh token for an upload created earlier, with its original file name and
    /// resume id (both required: take them from the stored credential with
    /// [`UploadCredential::refresh_request`]).
    ///
    /// Fails with [`ErrorKind::NotFound`] when Wangsu answers for another video than `media_id`:
    /// it holds no upload of that video under this file name and resume id (unknown or expired
    /// resume id, or a media id that does not belong to them), so it started a new upload. That
    /// new upload is left unused; Wangsu offers no way to tell it apart beforehand.
    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        validate::refresh(request).map_err(|e| e.with_context(PROVIDER_NAME, GET_UPLOAD_TOKEN))?;
        // Both are there: `validate::refresh` requires them.
        let file_name = request.file_name.as_deref().unwrap_or_default();
        let resume_id = request.resume_id.as_deref().unwrap_or_default();
        let credential = self
            .client
            .get_upload_token(&GetUploadToken::refresh(file_name, resume_id))
            .await?;
        if credential.media_id != request.media_id {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no upload of video `{}` under this file name and resume id: issuing again \
                     answered video `{}` (Wangsu started a new upload instead of resuming)",
                    request.media_id, credential.media_id
                ),
            )
            .with_context(PROVIDER_NAME, GET_UPLOAD_TOKEN)
            .with_vendor(VendorDetail::new().request_id(credential.request_id.clone())));
        }
        Ok(credential)
    }

    /// The request with its resume id fixed (the caller's, or one generated now): Get Video Upload
    /// Token with the same `originFileName` and `fileId` answers for the same upload, so the retry
    /// layer may repeat the create after a timeout without creating a second video.
    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        let mut request = request.clone();
        request.resume_id.get_or_insert_with(new_resume_id);
        Some(request)
    }
}

/// A resume id for an upload whose caller gave none: 32 lower-case hex digits, Wangsu's limit.
pub(crate) fn new_resume_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::AliyunOptions;

    /// A provider whose endpoint refuses connections: a request that got through validation
    /// would fail with a network error.
    fn unreachable() -> WangsuProvider {
        WangsuProvider::builder()
            .access_key("ak")
            .secret_key("sk")
            .endpoint("http://127.0.0.1:1")
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn validation_comes_before_any_network_call() {
        let provider = unreachable();
        assert_eq!(provider.name(), "wangsu");
        let err = provider
            .create_upload(&UploadRequest::new(format!("{}.mp4", "a".repeat(40))))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.field(), Some("file_name"));
        assert_eq!(err.provider(), Some("wangsu"));
        let err = provider
            .refresh_upload(&RefreshRequest::new("v1").file_name("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.field(), Some("resume_id"));
        let err = provider
            .refresh_upload(
                &RefreshRequest::new("v1")
                    .provider("aliyun")
                    .file_name("a.mp4")
                    .resume_id("r"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("provider"));
        // A valid request does go out (and fails to connect here).
        let err = provider
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    }

    #[test]
    fn a_repeatable_create_fixes_the_resume_id_once() {
        let provider = unreachable();
        let fixed = provider
            .repeatable_create(&UploadRequest::new("a.mp4"))
            .unwrap();
        let id = fixed.resume_id.clone().expect("a resume id is fixed");
        assert!(validate::upload(&fixed).is_ok());
        // The fixed request keeps its id however often it is prepared again.
        assert_eq!(
            provider.repeatable_create(&fixed).unwrap().resume_id,
            Some(id)
        );
        let own = UploadRequest::new("a.mp4").resume_id("mine");
        assert_eq!(provider.repeatable_create(&own).unwrap(), own);
    }

    #[test]
    fn generated_resume_ids_fit_wangsu() {
        let a = new_resume_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, new_resume_id());
        assert!(validate::upload(&UploadRequest::new("a.mp4").resume_id(a)).is_ok());
    }

    fn ignored_fields(request: &UploadRequest) -> Vec<&'static str> {
        vod_core::raw::validate::ignored_fields(request, IGNORED_FIELDS)
    }

    #[test]
    fn ignored_fields_are_named() {
        assert!(
            ignored_fields(&UploadRequest::new("a.mp4").resume_id("x").overwrite(true)).is_empty()
        );
        let request = UploadRequest::new("a.mp4")
            .title("t")
            .description("d")
            .tags(["x"])
            .file_size(1)
            .aliyun(
                AliyunOptions::default()
                    .cover_url("u")
                    .cate_id(1)
                    .user_data("{}")
                    .storage_location("s")
                    .app_id("app"),
            );
        assert_eq!(
            ignored_fields(&request),
            [
                "title",
                "file_size",
                "description",
                "tags",
                "aliyun.cover_url",
                "aliyun.cate_id",
                "aliyun.user_data",
                "aliyun.storage_location",
                "aliyun.app_id"
            ]
        );
    }
}
