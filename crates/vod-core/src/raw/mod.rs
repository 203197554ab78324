//! The toolkit for adapter authors: what every vendor adapter shares, apart from what an app sees.
//!
//! An app needs the contract at the crate root ([`UploadCredentialProvider`](crate::UploadCredentialProvider),
//! the request, credential, error and config types). An adapter that speaks to one vendor needs
//! more: the HTTP exchange (timeouts, clock-skew correction, per-attempt context) ([`transport`]), endpoint
//! parsing ([`endpoint`]), redaction of vendor answers ([`redact`]), one-line vendor text
//! ([`text`]), shared field checks ([`validate`]), expiry plausibility ([`expiry`]), the one
//! signer shape ([`SigningKey`] in, [`SignedParts`] out), the builder options every provider
//! embeds ([`ClientOptions`], [`client_options_setters!`](crate::client_options_setters)), and
//! clock and nonce sources. They live here, under one module like OpenDAL's `raw`, so the first
//! page of the docs stays the app's.

mod clock;
pub mod endpoint;
pub mod expiry;
mod options;
pub mod redact;
mod signing;
pub mod text;
pub mod transport;
pub mod validate;

pub use clock::{
    Clock, FixedClock, NonceSource, OffsetClock, RandomNonce, SkewCorrectedClock, SystemClock,
};
pub use options::ClientOptions;
pub use signing::{SignedParts, SigningKey};
