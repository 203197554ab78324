//! Handing out valid credentials, refreshed before they expire, one refresh at a time.
//!
//! An app that serves many uploaders (or one uploader that retries eagerly) may ask for the same
//! upload's credential a thousand times at once just as it nears expiry. Without care that is a
//! thousand vendor calls and a throttling error. This layer keeps the newest credential per upload,
//! answers from it while more than a margin is left, and lets exactly one caller refresh while the
//! others wait for that one result, success or failure. A failure goes to every waiting caller and
//! is not kept: the next caller tries again.

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

#[derive(Default)]
struct Entry {
    credential: Option<UploadCredential>,
    flight: Option<Flight>,
}

/// A refresh-ahead credential cache in front of any provider.
///
/// `refresh_upload` answers from the cache while the cached credential has more than the margin
/// left, and otherwise refreshes through the wrapped provider with one call in flight per upload.
/// `create_upload` passes through and seeds the cache.
pub struct RefreshAhead<P> {
    inner: P,
    margin: Duration,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, Entry>>,
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

    /// Forgets the cached credential of `media_id`, e.g. after the storage side rejected it.
    pub fn invalidate(&self, media_id: &str) {
        if let Some(entry) = self.lock().get_mut(media_id) {
            entry.credential = None;
        }
    }

    /// How many uploads have an entry.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no upload has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // The map holds plain data and no code panics while holding the lock.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_fresh(&self, credential: &UploadCredential) -> bool {
        !credential.expires_within(self.clock.now(), self.margin)
    }

    fn store(&self, credential: &UploadCredential) {
        let mut entries = self.lock();
        if entries.len() >= SWEEP_THRESHOLD {
            let now = self.clock.now();
            entries.retain(|_, e| {
                e.flight.is_some() || e.credential.as_ref().is_some_and(|c| c.expires_at > now)
            });
        }
        let entry = entries.entry(credential.media_id.clone()).or_default();
        let newer = entry
            .credential
            .as_ref()
            .is_none_or(|have| have.expires_at <= credential.expires_at);
        if newer {
            entry.credential = Some(credential.clone());
        }
    }
}

impl<P: UploadCredentialProvider> RefreshAhead<P> {
    /// A valid credential for the upload of `stored`: `stored` itself while it has more than the
    /// margin left (or a newer cached one), else a refreshed one.
    pub async fn credential(&self, stored: &UploadCredential) -> Result<UploadCredential> {
        if self.is_fresh(stored) {
            self.store(stored);
        }
        self.refresh_upload(&stored.refresh_request()).await
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

    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        let credential = self.inner.create_upload(request).await?;
        self.store(&credential);
        Ok(credential)
    }

    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        let flight = {
            let mut entries = self.lock();
            let entry = entries.entry(request.media_id.clone()).or_default();
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
        if let Some(entry) = entries.get_mut(&request.media_id) {
            if entry
                .flight
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, &flight))
            {
                entry.flight = None;
                if let Ok(c) = &result {
                    entry.credential = Some(c.clone());
                }
            }
        }
        result
    }
}
