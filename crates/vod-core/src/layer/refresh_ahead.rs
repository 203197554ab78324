//! Handing out valid credentials, refreshed before they expire, one refresh at a time.
//!
//! An app that serves many uploaders (or one uploader that retries eagerly) may ask for the same
//! upload's credential a thousand times at once just as it nears expiry. Without care that is a
//! thousand vendor calls and a throttling error. This layer keeps the newest credential per upload,
//! answers from it while more than a margin is left, and lets exactly one caller refresh while the
//! others wait for that one result, success or failure. A failure goes to every waiting caller and
//! is not kept: the next caller tries again.
//!
//! The cache is shared by every caller, so it holds only what the wrapped provider issued, keyed by
//! provider and media id. Nothing a caller passes in is ever stored or handed to another caller: a
//! refresh request names an upload, and the answer comes from the vendor (or from the cache of what
//! the vendor issued). Who may refresh which upload is for the caller to decide before asking; a
//! credential service checks a [`ticket`](crate::ticket) first.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use time::Duration;
use tokio::sync::OnceCell;

use crate::{
    Clock, RefreshRequest, Result, SystemClock, UploadCredential, UploadCredentialProvider,
    UploadRequest,
};

/// The default refresh margin: refresh when less than 5 minutes are left.
pub const DEFAULT_MARGIN: Duration = Duration::minutes(5);

/// Past this many uploads, expired entries are dropped on the next insert.
const SWEEP_THRESHOLD: usize = 4096;

type Flight = Arc<OnceCell<Result<UploadCredential>>>;

/// An upload: the provider that issued it and its media id.
type Key = (&'static str, String);

#[derive(Default)]
struct Entry {
    credential: Option<UploadCredential>,
    flight: Option<Flight>,
}

/// A refresh-ahead credential cache in front of any provider.
///
/// `refresh_upload` answers from the cache while the cached credential has more than the margin
/// left, and otherwise refreshes through the wrapped provider with one call in flight per upload.
/// `create_upload` passes through and seeds the cache. A refresh request that names another
/// provider is refused without touching the cache.
pub struct RefreshAhead<P> {
    inner: P,
    margin: Duration,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl<P> RefreshAhead<P> {
    /// Wraps `inner` with the default margin and the system clock.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            margin: DEFAULT_MARGIN,
            clock: Arc::new(SystemClock),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Refresh when less than `margin` is left.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Judges expiry by `clock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// How many uploads have an entry.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no upload has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // The map holds plain data and no code panics while holding the lock.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_fresh(&self, credential: &UploadCredential) -> bool {
        !credential.expires_within(self.clock.now(), self.margin)
    }
}

impl<P: UploadCredentialProvider> RefreshAhead<P> {
    /// Forgets the cached credential of `media_id`, e.g. after the storage side rejected it.
    pub fn invalidate(&self, media_id: &str) {
        if let Some(entry) = self.lock().get_mut(&self.key(media_id)) {
            entry.credential = None;
        }
    }

    fn key(&self, media_id: &str) -> Key {
        (self.inner.name(), media_id.to_owned())
    }

    /// Keeps `credential`, which the wrapped provider just issued, unless a newer one is cached.
    fn store(&self, credential: &UploadCredential) {
        let mut entries = self.lock();
        if entries.len() >= SWEEP_THRESHOLD {
            let now = self.clock.now();
            entries.retain(|_, e| {
                e.flight.is_some() || e.credential.as_ref().is_some_and(|c| c.expires_at > now)
            });
        }
        let entry = entries.entry(self.key(&credential.media_id)).or_default();
        let newer = entry
            .credential
            .as_ref()
            .is_none_or(|have| have.expires_at <= credential.expires_at);
        if newer {
            entry.credential = Some(credential.clone());
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for RefreshAhead<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshAhead")
            .field("inner", &self.inner)
            .field("margin", &self.margin)
            .field("uploads", &self.lock().len())
            .finish()
    }
}

#[async_trait]
impl<P: UploadCredentialProvider> UploadCredentialProvider for RefreshAhead<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        self.inner.repeatable_create(request)
    }

    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        let credential = self.inner.create_upload(request).await?;
        self.store(&credential);
        Ok(credential)
    }

    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        request
            .check_provider(self.inner.name())
            .map_err(|e| e.with_context(self.inner.name(), "refresh_upload"))?;
        let key = self.key(&request.media_id);
        let flight = {
            let mut entries = self.lock();
            let entry = entries.entry(key.clone()).or_default();
            if let Some(c) = entry.credential.as_ref().filter(|c| self.is_fresh(c)) {
                return Ok(c.clone());
            }
            entry.flight.get_or_insert_with(Flight::default).clone()
        };
        let result = flight
            .get_or_init(|| self.inner.refresh_upload(request))
            .await
            .clone();
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&key) {
            if entry
                .flight
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, &flight))
            {
                entry.flight = None;
                if let Ok(c) = &result {
                    entry.credential = Some(c.clone());
                }
                if entry.credential.is_none() {
                    // A failed refresh of an unknown upload leaves nothing behind.
                    entries.remove(&key);
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::tests::sample_oss;
    use crate::{ErrorKind, FixedClock, Secret, UploadTarget};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use time::macros::datetime;

    const NOW: time::OffsetDateTime = datetime!(2024-01-02 03:10:00 UTC);

    /// Issues `sample_oss` for any request, with a new secret per call, and counts the calls.
    #[derive(Debug, Default)]
    struct Vendor {
        calls: AtomicUsize,
    }

    impl Vendor {
        fn issue(&self, media_id: &str) -> UploadCredential {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let mut c = sample_oss();
            c.media_id = media_id.to_owned();
            if let UploadTarget::Oss(t) = &mut c.target {
                t.access_key_secret = Secret::new(format!("vendor-secret-{n}"));
            }
            c
        }
    }

    #[async_trait]
    impl UploadCredentialProvider for Vendor {
        fn name(&self) -> &'static str {
            "aliyun"
        }

        async fn create_upload(&self, _: &UploadRequest) -> Result<UploadCredential> {
            Ok(self.issue("created"))
        }

        async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
            Ok(self.issue(&request.media_id))
        }
    }

    fn cache() -> RefreshAhead<Vendor> {
        RefreshAhead::new(Vendor::default()).clock(Arc::new(FixedClock(NOW)))
    }

    fn secret(c: &UploadCredential) -> &str {
        match &c.target {
            UploadTarget::Oss(t) => t.access_key_secret.expose(),
            other => panic!("{other}"),
        }
    }

    #[tokio::test]
    async fn a_created_credential_answers_later_refreshes() {
        let cache = cache();
        let created = cache
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap();
        let again = cache
            .refresh_upload(&created.refresh_request())
            .await
            .unwrap();
        assert_eq!(again, created);
        assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn what_a_caller_holds_never_reaches_the_cache() {
        // A caller can only name an upload; whatever it claims to hold plays no part.
        let cache = cache();
        let mut forged = sample_oss();
        forged.media_id = "victim".into();
        forged.expires_at = datetime!(2099-01-01 00:00:00 UTC);
        let first = cache
            .refresh_upload(&forged.refresh_request())
            .await
            .unwrap();
        assert_eq!(secret(&first), "vendor-secret-0");
        let second = cache
            .refresh_upload(&RefreshRequest::new("victim"))
            .await
            .unwrap();
        assert_eq!(second, first, "served from what the vendor issued");
    }

    #[tokio::test]
    async fn a_refresh_naming_another_provider_is_refused_before_the_cache() {
        let cache = cache();
        let created = cache
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap();
        let foreign = RefreshRequest::new(created.media_id.clone()).provider("wangsu");
        let err = cache.refresh_upload(&foreign).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field(), Some("provider"));
        assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn invalidate_forgets_and_the_next_refresh_asks_the_vendor() {
        let cache = cache();
        let created = cache
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap();
        cache.invalidate(&created.media_id);
        let fresh = cache
            .refresh_upload(&created.refresh_request())
            .await
            .unwrap();
        assert_ne!(secret(&fresh), secret(&created));
        assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 2);
    }
}
