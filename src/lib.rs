//! `vod`: one API for video-upload credentials across VOD vendors.
//!
//! An app that lets users upload videos asks its VOD vendor for an upload credential, hands it to
//! the uploader (browser, phone, worker) and asks again when it expires. This crate gives that app
//! one trait ([`UploadCredentialProvider`]), one set of types and one error model, and builds the
//! provider from configuration, so moving to another vendor means editing one line of config:
//!
//! ```toml
//! provider = "aliyun"   # or "wangsu"
//! ```
//!
//! ```no_run
//! use vod::{Config, UploadRequest};
//!
//! # async fn run() -> vod::Result<()> {
//! let config = Config::discover(None)?; // --config path, else $VOD_CONFIG, else the environment
//! let provider = vod::provider_from_config(&config)?;
//! let credential = provider.create_upload(&UploadRequest::new("holiday.mp4")).await?;
//! println!("{credential}"); // secrets redacted
//! let json = serde_json::to_string(&credential).unwrap(); // the handover: secrets included
//! # let _ = json; Ok(()) }
//! ```
//!
//! What an app needs is at the top: [`UploadCredentialProvider`], [`UploadRequest`],
//! [`RefreshRequest`], [`UploadCredential`] and its [`UploadTarget`], [`Error`] and [`ErrorKind`],
//! [`Config`], and the modules [`layer`] (retry, refresh ahead), [`ticket`] (refresh tickets),
//! [`upload`] (the uploader) and [`config`]. The toolkit for writing a vendor adapter is apart,
//! in [`raw`].
//!
//! Vendors are behind cargo features, both on by default: `aliyun` ([`aliyun`], Aliyun
//! ApsaraVideo VOD) and `wangsu` ([`wangsu`], Wangsu / CDNetworks Cloud VoD). The `emulator`
//! feature, off by default, re-exports `vod-emulator` (a local stand-in for both vendors) as
//! `vod::emulator`, for an app's own tests. The `vod` command is its own package, `vod-cli`, so
//! depending on this library compiles no CLI.

#![warn(missing_docs)]

use std::sync::Arc;

// The app contract, by name: a new item of `vod-core` reaches apps only when listed here.
pub use vod_core::{
    AliyunOptions, Clock, Config, Error, ErrorKind, FixedClock, HttpConfig, MAX_TAG_CHARS,
    MAX_TAGS, OssTarget, OssTargetBuilder, ProviderName, RefreshRequest, Result, Secret,
    SystemClock, UploadCredential, UploadCredentialProvider, UploadRequest, UploadTarget,
    VendorDetail, WangsuOptions, WangsuStorageTarget,
};
pub use vod_core::{config, layer, ticket, time};

/// For adapter authors, and for an app that sends through its own HTTP client
/// ([`raw::HttpClient`]) or injects nonces: the toolkit every vendor adapter shares (transport,
/// endpoints, redaction, the signer shape, builder options). An app needs nothing else from it.
pub use vod_core::raw;

#[cfg(feature = "aliyun")]
pub use vod_aliyun as aliyun;
#[cfg(feature = "emulator")]
pub use vod_emulator as emulator;
#[cfg(feature = "wangsu")]
pub use vod_wangsu as wangsu;

pub mod upload;
pub use upload::{
    FileUploader, Progress, Resume, UploadOptions, UploadOutcome, storage_from_config,
};

/// Builds the provider that `config.provider` names, wrapped in a [`layer::Retry`] configured by
/// `[http] max_attempts` and `max_elapsed_secs` (when `max_attempts` is above 1).
///
/// Fails with [`ErrorKind::Config`] naming the key or environment variable when a required
/// setting is missing, or when the named vendor was compiled out.
// Built with no vendor feature, every arm returns the error: the code after it is unreachable.
#[cfg_attr(
    not(any(feature = "aliyun", feature = "wangsu")),
    allow(unreachable_code, unused_variables)
)]
pub fn provider_from_config(config: &Config) -> Result<Arc<dyn UploadCredentialProvider>> {
    config.http.validate()?;
    let provider: Arc<dyn UploadCredentialProvider> = match config.provider {
        #[cfg(feature = "aliyun")]
        ProviderName::Aliyun => Arc::new(aliyun::AliyunProvider::from_config(
            &config.aliyun(),
            &config.http,
        )?),
        #[cfg(feature = "wangsu")]
        ProviderName::Wangsu => Arc::new(wangsu::WangsuProvider::from_config(
            &config.wangsu(),
            &config.http,
        )?),
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
    };
    if config.http.max_attempts > 1 {
        let policy = layer::RetryPolicy::from_http(&config.http);
        return Ok(Arc::new(layer::Retry::new(provider, policy)));
    }
    Ok(provider)
}

/// The examples in README.md, compiled as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
