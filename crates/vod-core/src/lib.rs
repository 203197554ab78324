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
//! - [`SigningKey`] and [`SignedParts`]: what every vendor signer takes and returns, so all
//!   signers have one shape; [`ClientOptions`]: the HTTP, clock and nonce settings every
//!   provider builder embeds.
//! - [`ticket`]: refresh tickets, so a credential service refreshes only uploads it created.
//! - [`transport`], [`endpoint`], [`expiry`], [`redact`], [`text`] and [`validate`]: the pieces
//!   every adapter shares, so adapters only say how their vendor signs, what it accepts and what
//!   it answers.
//!
//! The core never depends on an adapter; adapters depend only on the core.

#![warn(missing_docs)]

mod clock;
pub mod config;
mod credential;
pub mod endpoint;
pub mod error;
pub mod expiry;
pub mod layer;
mod options;
mod provider;
pub mod redact;
mod request;
pub mod secret;
mod signing;
pub mod text;
pub mod ticket;
pub mod transport;
pub mod upload;
pub mod validate;

pub use clock::{
    Clock, FixedClock, NonceSource, OffsetClock, RandomNonce, SkewCorrectedClock, SystemClock,
};
pub use config::{Config, HttpConfig, ProviderName};
pub use credential::{
    OssTarget, OssTargetBuilder, UploadCredential, UploadTarget, WangsuStorageTarget,
};
pub use error::{Error, ErrorKind, Result, VendorDetail};
pub use options::ClientOptions;
pub use provider::UploadCredentialProvider;
pub use request::{
    AliyunOptions, MAX_TAG_CHARS, MAX_TAGS, RefreshRequest, UploadRequest, WangsuOptions,
};
pub use secret::Secret;
pub use signing::{SignedParts, SigningKey};

/// Re-exported so adapters and apps name the same `time` types.
pub use time;
