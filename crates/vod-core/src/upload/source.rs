//! Where an upload's credentials come from, and how parts in flight share one refresh.
//!
//! A server that uploads on its own behalf holds a provider: it creates the upload and refreshes
//! it. An uploader that was handed a credential by a credential service holds only that
//! credential and a way to ask the service again. [`CredentialSource`] is what the driver needs
//! from either; [`ProviderSource`] and [`CallbackSource`] are the two.
//!
//! Inside one upload, every part reads the credential from one [`SharedCredential`]. When the
//! storage says the credential expired, the first part to ask refreshes and the others wait for
//! that result instead of refreshing again (ali-oss's issue #1363 is what happens otherwise: parts
//! keep sending the old token while one refreshes).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use time::Duration;

use crate::{
    Clock, Error, ErrorKind, RefreshRequest, Result, UploadCredential, UploadCredentialProvider,
    UploadRequest,
};

/// Where the driver gets credentials for one upload.
#[async_trait]
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// The credential of a new upload (a provider creates one; a handed-over credential is
    /// returned as is).
    async fn create(&self) -> Result<UploadCredential>;

    /// A fresh credential for the upload `request` names (same media id, same target).
    async fn refresh(&self, request: &RefreshRequest) -> Result<UploadCredential>;

    /// The media id this source is bound to, when it is bound to one (a handed-over credential);
    /// a checkpoint of another media id is then refused.
    fn media_id(&self) -> Option<&str> {
        None
    }
}

/// Credentials from a provider: create the upload, then refresh it.
///
/// ```
/// use std::sync::Arc;
/// use vod_core::{UploadCredentialProvider, UploadRequest};
/// use vod_core::upload::ProviderSource;
///
/// fn source(p: Arc<dyn UploadCredentialProvider>) -> ProviderSource {
///     ProviderSource::new(p, UploadRequest::new("clip.mp4").title("Clip"))
/// }
/// ```
#[derive(Debug)]
pub struct ProviderSource {
    provider: Arc<dyn UploadCredentialProvider>,
    start: Start,
}

#[derive(Debug)]
enum Start {
    Create(Box<UploadRequest>),
    Issued(Box<UploadCredential>),
}

impl ProviderSource {
    /// Creates the upload with `request`; refreshes through `provider`.
    pub fn new(provider: Arc<dyn UploadCredentialProvider>, request: UploadRequest) -> Self {
        Self {
            provider,
            start: Start::Create(Box::new(request)),
        }
    }

    /// Starts from a credential issued earlier (for example stored, or by a credential
    /// service); refreshes through `provider`.
    pub fn issued(
        provider: Arc<dyn UploadCredentialProvider>,
        credential: UploadCredential,
    ) -> Self {
        Self {
            provider,
            start: Start::Issued(Box::new(credential)),
        }
    }
}

#[async_trait]
impl CredentialSource for ProviderSource {
    async fn create(&self) -> Result<UploadCredential> {
        match &self.start {
            Start::Create(request) => self.provider.create_upload(request).await,
            Start::Issued(credential) => Ok((**credential).clone()),
        }
    }

    async fn refresh(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        self.provider.refresh_upload(request).await
    }

    fn media_id(&self) -> Option<&str> {
        match &self.start {
            Start::Create(_) => None,
            Start::Issued(credential) => Some(&credential.media_id),
        }
    }
}

type RefreshFuture = Pin<Box<dyn Future<Output = Result<UploadCredential>> + Send>>;
type RefreshFn = dyn Fn(RefreshRequest) -> RefreshFuture + Send + Sync;

/// A credential handed over by a credential service, refreshed by asking it again through an app
/// callback.
///
/// ```
/// use vod_core::{Error, ErrorKind, UploadCredential};
/// use vod_core::upload::CallbackSource;
///
/// fn source(handed: UploadCredential) -> CallbackSource {
///     CallbackSource::new(handed, |request| async move {
///         // Ask the credential service for `request.media_id` here.
///         Err(Error::new(ErrorKind::Unavailable, format!("no service for {}", request.media_id)))
///     })
/// }
/// ```
pub struct CallbackSource {
    credential: UploadCredential,
    refresh: Arc<RefreshFn>,
}

impl CallbackSource {
    /// Uploads with `credential`; `refresh` returns a fresh one for the request it is given.
    pub fn new<F, Fut>(credential: UploadCredential, refresh: F) -> Self
    where
        F: Fn(RefreshRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<UploadCredential>> + Send + 'static,
    {
        Self {
            credential,
            refresh: Arc::new(move |request| Box::pin(refresh(request)) as RefreshFuture),
        }
    }
}

impl fmt::Debug for CallbackSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackSource")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CredentialSource for CallbackSource {
    async fn create(&self) -> Result<UploadCredential> {
        Ok(self.credential.clone())
    }

    async fn refresh(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        (self.refresh)(request.clone()).await
    }

    fn media_id(&self) -> Option<&str> {
        Some(&self.credential.media_id)
    }
}

/// The credential of the moment for one upload, shared by every part in flight.
///
/// Each credential has a generation. A part that finds its generation expired asks for a refresh
/// *after* that generation: the first such call refreshes, and every later call for the same
/// generation gets the new credential without a second refresh.
#[derive(Debug)]
pub(crate) struct SharedCredential {
    source: Arc<dyn CredentialSource>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    current: Mutex<(u64, Arc<UploadCredential>)>,
    refreshing: tokio::sync::Mutex<()>,
    refreshes: std::sync::atomic::AtomicU32,
}

impl SharedCredential {
    pub(crate) fn new(
        source: Arc<dyn CredentialSource>,
        clock: Arc<dyn Clock>,
        margin: Duration,
        first: UploadCredential,
    ) -> Self {
        Self {
            source,
            clock,
            margin,
            current: Mutex::new((0, Arc::new(first))),
            refreshing: tokio::sync::Mutex::new(()),
            refreshes: Default::default(),
        }
    }

    fn snapshot(&self) -> (u64, Arc<UploadCredential>) {
        let guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        (guard.0, guard.1.clone())
    }

    /// How many refreshes this upload made.
    pub(crate) fn refreshes(&self) -> u32 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The credential to sign the next request with: the current one, refreshed first when less
    /// than the margin is left. The margin is at most half the credential's lifetime, so
    /// credentials shorter-lived than the margin are refreshed midway, not on every request.
    pub(crate) async fn get(&self) -> Result<(u64, Arc<UploadCredential>)> {
        let (generation, credential) = self.snapshot();
        let lifetime = credential.expires_at - credential.issued_at;
        let margin = self.margin.min(lifetime / 2);
        if credential.expires_within(self.clock.now(), margin) {
            return self.refresh_after(generation).await;
        }
        Ok((generation, credential))
    }

    /// A credential newer than `generation`: refreshed now, unless another part already did.
    pub(crate) async fn refresh_after(
        &self,
        generation: u64,
    ) -> Result<(u64, Arc<UploadCredential>)> {
        let _one_at_a_time = self.refreshing.lock().await;
        let (now_generation, credential) = self.snapshot();
        if now_generation > generation {
            return Ok((now_generation, credential));
        }
        let fresh = self.source.refresh(&credential.refresh_request()).await?;
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if fresh.media_id != credential.media_id || fresh.provider != credential.provider {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "a refresh of {} media {} answered a credential of {} media {}",
                    credential.provider, credential.media_id, fresh.provider, fresh.media_id
                ),
            ));
        }
        let fresh = Arc::new(fresh);
        let mut guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        *guard = (now_generation + 1, fresh.clone());
        Ok((now_generation + 1, fresh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use std::sync::atomic::{AtomicU32, Ordering};
    use time::OffsetDateTime;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 00:00:00 UTC);

    fn credential(media: &str, n: u32, issued: OffsetDateTime, ttl: Duration) -> UploadCredential {
        serde_json::from_value(serde_json::json!({
            "provider": "wangsu",
            "media_id": media,
            "target": {"type": "wangsu_storage", "upload_url": "http://127.0.0.1:1",
                       "upload_token": format!("token-{n}"), "file_key": "k",
                       "bucket": null, "http_dns_server": null},
            "issued_at": issued.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "expires_at": (issued + ttl).format(&time::format_description::well_known::Rfc3339).unwrap(),
            "request_id": null, "file_name": "a.mp4", "resume_id": null
        }))
        .unwrap()
    }

    /// A source whose refreshes answer `media` with a TTL of `ttl`, counted.
    fn shared(
        at: OffsetDateTime,
        ttl: Duration,
        media: &'static str,
    ) -> (SharedCredential, Arc<AtomicU32>) {
        let count = Arc::new(AtomicU32::new(0));
        let counter = count.clone();
        let source = CallbackSource::new(credential("m", 1, T0, ttl), move |_| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 2;
            async move { Ok(credential(media, n, at, ttl)) }
        });
        let first = credential("m", 1, T0, ttl);
        let cell = SharedCredential::new(
            Arc::new(source),
            Arc::new(FixedClock(at)),
            Duration::minutes(5),
            first,
        );
        (cell, count)
    }

    #[tokio::test]
    async fn short_lived_credentials_are_refreshed_midway_not_on_every_request() {
        // Two seconds of life, a five-minute margin: refreshed once less than a second is left.
        let (cell, count) = shared(T0 + Duration::milliseconds(500), Duration::seconds(2), "m");
        cell.get().await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 0);
        let (cell, count) = shared(T0 + Duration::milliseconds(1500), Duration::seconds(2), "m");
        let (generation, _) = cell.get().await.unwrap();
        assert_eq!((generation, count.load(Ordering::SeqCst)), (1, 1));
        // The new credential (issued at the clock's time) is good for the next requests.
        cell.get().await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refresh_after_an_old_generation_reuses_the_newer_credential() {
        let (cell, count) = shared(T0, Duration::minutes(50), "m");
        let (g1, c1) = cell.refresh_after(0).await.unwrap();
        let (g2, c2) = cell.refresh_after(0).await.unwrap();
        assert_eq!((g1, g2, count.load(Ordering::SeqCst)), (1, 1, 1));
        assert_eq!(c1, c2);
        cell.refresh_after(1).await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert_eq!(cell.refreshes(), 2);
    }

    #[tokio::test]
    async fn a_refresh_answering_another_media_id_is_refused() {
        let (cell, _) = shared(T0, Duration::minutes(50), "other");
        let err = cell.refresh_after(0).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(err.to_string().contains("other"), "{err}");
        // The current credential is unchanged.
        assert_eq!(cell.get().await.unwrap().1.media_id, "m");
    }
}
