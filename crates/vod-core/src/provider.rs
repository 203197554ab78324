//! The one trait every vendor adapter and every layer implements.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{RefreshRequest, Result, UploadCredential, UploadRequest};

/// Issues and refreshes upload credentials with one vendor.
///
/// Apps hold an `Arc<dyn UploadCredentialProvider>` built from config and never name a vendor
/// type. Layers (retry, refresh-ahead cache) implement the same trait around another provider.
///
/// ```
/// use std::sync::Arc;
/// use vod_core::{UploadCredentialProvider, UploadRequest, Result, UploadCredential};
///
/// async fn start_upload(
///     provider: Arc<dyn UploadCredentialProvider>,
///     file_name: &str,
/// ) -> Result<UploadCredential> {
///     provider.create_upload(&UploadRequest::new(file_name)).await
/// }
/// ```
#[async_trait]
pub trait UploadCredentialProvider: Send + Sync + Debug {
    /// The provider's name, as in config and credentials (`"aliyun"`, `"wangsu"`).
    fn name(&self) -> &'static str;

    /// Creates an upload for a new video and returns its first credential.
    ///
    /// The request is validated before any network call.
    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential>;

    /// Returns a fresh credential for an upload created earlier; the target stays the same.
    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential>;

    /// `request` made safe to send more than once, when this provider can: every
    /// [`create_upload`](Self::create_upload) of the returned request asks the vendor for the same
    /// upload (Wangsu: a `fileId` fixed before the first attempt), so a retry after a timeout
    /// cannot create a second video.
    ///
    /// `None` (the default) means a repeated create may create another video; the retry layer then
    /// repeats a create only when the vendor provably did not act on it
    /// ([`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown) is false). Layers forward
    /// this to the provider they wrap.
    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        let _ = request;
        None
    }
}

#[async_trait]
impl<P: UploadCredentialProvider + ?Sized> UploadCredentialProvider for Arc<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        (**self).create_upload(request).await
    }
    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        (**self).refresh_upload(request).await
    }
    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        (**self).repeatable_create(request)
    }
}

#[async_trait]
impl<P: UploadCredentialProvider + ?Sized> UploadCredentialProvider for Box<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        (**self).create_upload(request).await
    }
    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        (**self).refresh_upload(request).await
    }
    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        (**self).repeatable_create(request)
    }
}
