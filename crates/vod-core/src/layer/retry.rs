//! Retrying retryable failures with backoff.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use tokio::time::Instant;

use crate::config::HttpConfig;
use crate::{
    Error, RefreshRequest, Result, UploadCredential, UploadCredentialProvider, UploadRequest,
};

/// How [`Retry`] spaces and bounds attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// No attempt starts later than this after the first.
    pub max_elapsed: Duration,
    /// The backoff ceiling of the first retry; it doubles each retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::from_http(&HttpConfig::default())
    }
}

impl RetryPolicy {
    /// The policy configured in `[http]`: `max_attempts`, `max_elapsed_secs`.
    pub fn from_http(http: &HttpConfig) -> Self {
        Self {
            max_attempts: http.max_attempts.max(1),
            max_elapsed: http.max_elapsed(),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }

    /// Sets the attempt count.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the total time bound.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Sets the first backoff ceiling.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets the largest backoff ceiling.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The backoff ceiling before retry number `retry` (1 for the first retry):
    /// `min(max_delay, base_delay * 2^(retry-1))`. The actual wait is uniform in `[0, ceiling]`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before retry number `retry` after `err`: the vendor's `Retry-After` when it sent
    /// one, else full jitter under [`RetryPolicy::ceiling`].
    pub fn delay(&self, retry: u32, err: &Error) -> Duration {
        if let Some(after) = err.retry_after() {
            return after;
        }
        let ceiling = self.ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        rand::thread_rng().gen_range(Duration::ZERO..=ceiling)
    }
}

/// Retries retryable failures of the wrapped provider; other failures return at once.
pub struct Retry<P> {
    inner: P,
    policy: RetryPolicy,
}

impl<P> Retry<P> {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: P, policy: RetryPolicy) -> Self {
        Self { inner, policy }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    async fn run<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let err = match call().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !err.is_retryable() || attempt >= self.policy.max_attempts {
                return Err(err);
            }
            let delay = self.policy.delay(attempt, &err);
            if started.elapsed() + delay > self.policy.max_elapsed {
                tracing::debug!(attempt, "retry budget spent; returning the last error");
                return Err(err);
            }
            tracing::info!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = err.kind().as_str(),
                "retrying after a retryable error"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for Retry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .finish()
    }
}

#[async_trait]
impl<P: UploadCredentialProvider> UploadCredentialProvider for Retry<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        self.run(|| self.inner.create_upload(request)).await
    }

    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        self.run(|| self.inner.refresh_upload(request)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(1000));
        let ceilings: Vec<_> = (1..=6).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.ceiling(200), Duration::from_millis(1000));
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling_and_honour_retry_after() {
        let p = RetryPolicy::default().base_delay(Duration::from_millis(100));
        let err = Error::new(ErrorKind::Unavailable, "x");
        let delays: Vec<_> = (0..200).map(|_| p.delay(2, &err)).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(200)));
        assert!(delays.iter().any(|d| *d != delays[0]), "no jitter");
        let err = err.with_retry_after(Some(Duration::from_secs(7)));
        assert_eq!(p.delay(1, &err), Duration::from_secs(7));
    }

    #[test]
    fn policy_comes_from_http_config() {
        let http = HttpConfig {
            max_attempts: 5,
            max_elapsed_secs: 9,
            ..HttpConfig::default()
        };
        let p = RetryPolicy::from_http(&http);
        assert_eq!(p.max_attempts, 5);
        assert_eq!(p.max_elapsed, Duration::from_secs(9));
    }
}
