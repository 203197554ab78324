//! The toolkit for adapter authors: what every vendor adapter shares, apart from what an app sees.
//!
//! An app needs the contract at the crate root ([`UploadCredentialProvider`](crate::UploadCredentialProvider),
//! the request, credential, error and config types). An adapter that speaks to one vendor needs
//! more: the HTTP exchange (timeouts, clock-skew correction, per-attempt context) ([`transport`]), endpoint
//! parsing ([`endpoint`]), redaction of vendor answers ([`redact`]), one-line vendor text
//! ([`text`]), shared field checks ([`validate`]), expiry plausibility ([`expiry`]), the one
//! signer shape ([`SigningKey`] in, [`SignedParts`] out), the builder options every provider
//! embeds ([`ClientOptions`], [`client_options_setters!`](crate::client_options_setters)), and
//! clock and nonce sources, and the [`HttpClient`] seam an app fills to send through its own
//! client. They live here, under one module like OpenDAL's `raw`, so the first
//! page of the docs stays the app's.
//!
//! Nothing here names an HTTP library's types: requests and answers use the `http` crate's
//! [`Method`](http::Method) and [`HeaderMap`](http::HeaderMap), bodies are `bytes::Bytes`, and
//! the default reqwest client is private.

mod clock;
pub mod endpoint;
pub mod expiry;
mod http_client;
mod options;
pub mod redact;
mod reqwest_client;
mod signing;
pub mod text;
pub mod transport;
pub mod validate;

pub use clock::{
    Clock, FixedClock, NonceSource, OffsetClock, RandomNonce, SkewCorrectedClock, SystemClock,
};
pub use http_client::{BoxError, HttpClient, HttpError, HttpFailure};
pub use options::ClientOptions;
pub use signing::{SignedParts, SigningKey};
