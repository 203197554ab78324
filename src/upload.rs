//! Uploading a file to the configured vendor: one call from a path to a stored video, resumable,
//! concurrent, refreshing its credential mid-upload.
//!
//! [`FileUploader`] is built from the same [`Config`] as [`provider_from_config`]: the provider
//! that creates and refreshes the upload, and the vendor's storage ([`storage_from_config`]: OSS
//! signed as `[aliyun] oss_signature` says, V4 by default; Wangsu's upload host). Underneath, the
//! vendor-neutral driver of [`vod_core::upload`] (re-exported here) cuts the file into parts,
//! sends them, retries, records a checkpoint after every part and resumes from it.
//!
//! ```no_run
//! use std::path::Path;
//! use vod::upload::{FileUploader, UploadOptions};
//! use vod::{Config, UploadRequest};
//!
//! # async fn run() -> vod::Result<()> {
//! let config = Config::discover(None)?;
//! let uploader = FileUploader::from_config(&config)?
//!     .options(
//!         UploadOptions::default()
//!             .part_size(8 << 20)
//!             .concurrency(4)
//!             .checkpoint("holiday.mp4.vod-checkpoint"),
//!     )
//!     .on_progress(|p| eprintln!("{} of {} bytes", p.bytes_done, p.bytes_total));
//! let request = UploadRequest::new("holiday.mp4").title("Holiday");
//! // Run it again after a failure: it resumes from the checkpoint, under the same media id.
//! let outcome = uploader.upload_file(Path::new("holiday.mp4"), request).await?;
//! println!("media {} stored as {} in {} parts", outcome.media_id, outcome.key, outcome.parts);
//! # Ok(()) }
//! ```
//!
//! Three ways to get the upload's credential:
//!
//! - [`FileUploader::upload_file`]: the provider creates the upload, then refreshes it.
//! - [`FileUploader::upload_issued`]: a credential issued earlier (stored, or handed over by a
//!   credential service) is used first; refreshes go through the configured provider.
//! - [`FileUploader::upload_with`]: any [`CredentialSource`], such as a [`CallbackSource`] that
//!   asks the app's credential service again.
//!
//! Storage requests use `[http]` too ([`crate::HttpConfig::for_storage`]): `storage_timeout_secs`
//! (default 300) bounds one attempt of one part, body included (choose the part size so a part
//! fits in it), `max_attempts` bounds the retries of each request, and they may take together
//! `max_elapsed_secs` or `storage_timeout_secs` × `max_attempts`, whichever is longer.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

pub use vod_core::upload::*;

use crate::{
    Clock, Config, Error, ErrorKind, ProviderName, RefreshRequest, Result, UploadCredential,
    UploadCredentialProvider, UploadRequest, layer, provider_from_config,
};

/// Builds the storage of the vendor `config.provider` names: OSS for Aliyun (signed V4 or V1 as
/// `[aliyun] oss_signature` says, with `[aliyun] oss_region` as the fallback V4 region), the
/// upload host for Wangsu; with the `[http]` settings for storage
/// ([`HttpConfig::for_storage`](crate::HttpConfig::for_storage)).
#[cfg_attr(
    not(any(feature = "aliyun", feature = "wangsu")),
    allow(unreachable_code, unused_variables)
)]
pub fn storage_from_config(config: &Config) -> Result<Arc<dyn Storage>> {
    config.http.validate()?;
    let http = config.http.for_storage();
    Ok(match config.provider {
        #[cfg(feature = "aliyun")]
        ProviderName::Aliyun => Arc::new(crate::aliyun::oss::OssUploadStorage::new(
            crate::aliyun::oss::OssClient::from_config(&config.aliyun(), &http)?,
        )),
        #[cfg(feature = "wangsu")]
        ProviderName::Wangsu => Arc::new(crate::wangsu::storage::WangsuUploadStorage::new(
            crate::wangsu::storage::WangsuStorage::new(&http)?,
        )),
        #[allow(unreachable_patterns)]
        other => {
            return Err(Error::config(
                "provider",
                format!(
                    "is `{}`, but this build of vod has no `{}` feature",
                    other.as_str(),
                    other.as_str()
                ),
            ));
        }
    })
}

type ProgressCallback = dyn Fn(Progress) + Send + Sync;

/// Uploads files with one vendor: its provider for credentials, its storage for the bytes.
///
/// Cheap to keep and share: each upload builds its own driver run. See the [module docs](self).
#[derive(Clone)]
pub struct FileUploader {
    provider: Arc<dyn UploadCredentialProvider>,
    storage: Arc<dyn Storage>,
    options: UploadOptions,
    progress: Option<Arc<ProgressCallback>>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for FileUploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUploader")
            .field("provider", &self.provider)
            .field("storage", &self.storage)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl FileUploader {
    /// The provider and storage `config` names ([`provider_from_config`],
    /// [`storage_from_config`]), with default options except the retries, which `[http]` sets
    /// for every storage request too ([`crate::HttpConfig::for_storage`]; `max_attempts = 1`
    /// also means a part that arrives damaged is not sent again).
    pub fn from_config(config: &Config) -> Result<Self> {
        let uploader = Self::new(provider_from_config(config)?, storage_from_config(config)?);
        let options = uploader
            .options
            .clone()
            .retry(layer::RetryPolicy::from_http(&config.http.for_storage()));
        Ok(uploader.options(options))
    }

    /// An uploader from its parts. The storage must take the provider's credentials (checked
    /// when an upload starts).
    pub fn new(provider: Arc<dyn UploadCredentialProvider>, storage: Arc<dyn Storage>) -> Self {
        Self {
            provider,
            storage,
            options: UploadOptions::default(),
            progress: None,
            clock: None,
        }
    }

    /// Sets part size, concurrency, retries, checkpoint path and resume mode.
    pub fn options(mut self, options: UploadOptions) -> Self {
        self.options = options;
        self
    }

    /// The options in use.
    pub fn upload_options(&self) -> &UploadOptions {
        &self.options
    }

    /// Calls `f` with the progress each time a part is stored (and once at the start). It runs
    /// on the upload's task: return quickly (set an atomic, send to a channel).
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Judges credential expiry by `clock` instead of the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The provider (`"aliyun"`, `"wangsu"`) whose storage this uploads to.
    pub fn provider_name(&self) -> &'static str {
        self.storage.provider()
    }

    /// The credential provider.
    pub fn provider(&self) -> &Arc<dyn UploadCredentialProvider> {
        &self.provider
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// Uploads the file at `path` as a new video described by `request` (its `file_size` is
    /// filled in from the file when unset), or, when the checkpoint records an upload of this
    /// file, resumes that one under its media id without creating another video.
    pub async fn upload_file(
        &self,
        path: &Path,
        mut request: UploadRequest,
    ) -> Result<UploadOutcome> {
        if request.file_size.is_none() {
            request.file_size = std::fs::metadata(path).ok().map(|m| m.len());
        }
        let source = ProviderSource::new(self.provider.clone(), request);
        self.upload_with(path, Arc::new(source)).await
    }

    /// Uploads the file at `path` with `credential`, issued earlier (by this app, or handed over
    /// by a credential service), refreshed through the configured provider when it runs out.
    /// The upload keeps the credential's media id; a checkpoint of another media id is refused.
    pub async fn upload_issued(
        &self,
        path: &Path,
        credential: UploadCredential,
    ) -> Result<UploadOutcome> {
        let source = ProviderSource::issued(self.provider.clone(), credential);
        self.upload_with(path, Arc::new(source)).await
    }

    /// Uploads the file at `path` with credentials from `source`.
    pub async fn upload_with(
        &self,
        path: &Path,
        source: Arc<dyn CredentialSource>,
    ) -> Result<UploadOutcome> {
        self.driver(source).upload(path).await
    }

    /// Abandons the upload recorded at `checkpoint`: removes what the vendor holds for it (with
    /// a credential refreshed through the provider), then the checkpoint. Errors name the
    /// checkpoint when it is missing, damaged or of another provider.
    pub async fn abort(&self, checkpoint: &Path) -> Result<()> {
        let source = RefreshOnly(self.provider.clone());
        self.driver(Arc::new(source)).abort(checkpoint).await
    }

    fn driver(&self, source: Arc<dyn CredentialSource>) -> Uploader {
        let mut driver = Uploader::new(self.storage.clone(), source).options(self.options.clone());
        if let Some(clock) = &self.clock {
            driver = driver.clock(clock.clone());
        }
        if let Some(progress) = &self.progress {
            let progress = progress.clone();
            driver = driver.on_progress(move |p| progress(p));
        }
        driver
    }
}

/// The source of an abort: it only refreshes the recorded upload, never creates one.
#[derive(Debug)]
struct RefreshOnly(Arc<dyn UploadCredentialProvider>);

#[async_trait]
impl CredentialSource for RefreshOnly {
    async fn create(&self) -> Result<UploadCredential> {
        Err(Error::new(
            ErrorKind::Config,
            "aborting an upload never creates one",
        ))
    }

    async fn refresh(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        self.0.refresh_upload(request).await
    }
}
