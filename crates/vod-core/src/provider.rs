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
}
