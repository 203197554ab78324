//! The contract of the `vod` library: one trait, one set of types and one error model for issuing
//! video-upload credentials with any VOD vendor.
//!
//! A backend that lets users upload videos asks a vendor for an upload credential, hands it to the
//! uploader and asks again when it expires. Vendors disagree on every detail of that exchange; this
//! crate is what they have in common:
//!
//! - [`UploadCredentialProvider`]: create an upload, refresh its credential. Object-safe, so apps
//!   hold `Arc<dyn UploadCredentialProvider>` and never name a vendor type.
//! - [`UploadRequest`] / [`RefreshRequest`] in, [`UploadCredential`] out (serde round-trips, so a
//!   credential can be stored and refreshed later from what was stored).
//! - [`Error`] with an [`ErrorKind`] an app can branch on, and the vendor's own code, message,
//!   request id and HTTP status for support.
//! - [`Secret`]: every secret is redacted from `Debug` and `Display`.
//! - [`config`]: the TOML/environment configuration that picks a vendor.
//! - [`ticket`]: refresh tickets, so a credential service refreshes only uploads it created.
//! - [`layer`]: retries and refresh-ahead around any provider; [`upload`]: the vendor-neutral
//!   uploader.
//! - [`Clock`], [`SystemClock`], [`FixedClock`]: the time source an app may inject into a layer
//!   or a provider builder.
//! - [`raw`]: the toolkit for adapter authors (transport, endpoints, redaction, signer shape,
//!   builder options, nonces), apart so that an app never needs to read it. Every adapter
//!   shares it, so adapters only say how their vendor signs, what it accepts and what it answers.
//!
//! The core never depends on an adapter; adapters depend only on the core.

#![warn(missing_docs)]

pub mod config;
mod credential;
pub mod error;
pub mod layer;
mod provider;
pub mod raw;
mod request;
pub mod secret;
pub mod ticket;
pub mod upload;

pub use config::{Config, HttpConfig, ProviderName};
pub use credential::{
    OssTarget, OssTargetBuilder, UploadCredential, UploadTarget, WangsuStorageTarget,
};
pub use error::{Error, ErrorKind, Result, VendorDetail};
pub use provider::UploadCredentialProvider;
pub use raw::{Clock, FixedClock, SystemClock};
pub use request::{
    AliyunOptions, MAX_TAG_CHARS, MAX_TAGS, RefreshRequest, UploadRequest, WangsuOptions,
};
pub use secret::Secret;

/// Re-exported so adapters and apps name the same `time` types.
pub use time;
