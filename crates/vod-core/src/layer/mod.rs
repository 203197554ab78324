//! Decorators that wrap any provider and implement the same trait.
//!
//! Apps put credential issuing in their request path, so a vendor hiccup or a thundering herd of
//! refreshes must not become an outage. These layers add what no vendor SDK offers, once, for every
//! adapter:
//!
//! - [`Retry`]: exponential backoff with full jitter for retryable errors only, bounded in attempts
//!   and total time, honouring `Retry-After`. Each attempt goes through the adapter again, so it is
//!   signed afresh with a new timestamp and nonce.
//! - [`RefreshAhead`]: hands out a cached credential while it has more than a margin left, refreshes
//!   it before expiry with one refresh in flight per upload, and never caches a failure.
//!
//! Clock-skew correction and per-attempt timeouts live in the shared
//! [`Transport`](crate::raw::transport::Transport), below every layer.
//!
//! ```
//! use std::sync::Arc;
//! use vod_core::layer::{RefreshAhead, Retry, RetryPolicy};
//! use vod_core::UploadCredentialProvider;
//!
//! fn harden(p: Arc<dyn UploadCredentialProvider>) -> Arc<dyn UploadCredentialProvider> {
//!     Arc::new(RefreshAhead::new(Retry::new(p, RetryPolicy::default())))
//! }
//! ```

mod refresh_ahead;
mod retry;

pub use refresh_ahead::{DEFAULT_MARGIN, RefreshAhead};
pub use retry::{Retry, RetryPolicy};
