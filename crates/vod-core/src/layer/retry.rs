//! Retrying retryable failures with backoff, without creating what a failed attempt may have
//! created.
//!
//! A timeout or a broken connection after the request left says nothing about whether the vendor
//! acted on it. Repeating a refresh is harmless, and so is repeating a create the provider made
//! repeatable ([`UploadCredentialProvider::repeatable_create`]: Wangsu fixes the `fileId` before the
//! first attempt). Any other create is repeated only when the vendor provably did not act on it
//! (throttled, a transient error in its own format, a connection refused before sending); else the
//! error says the outcome is unknown ([`Error::is_outcome_unknown`]) so the app can check.
//!
//! `max_elapsed` bounds the whole call: each attempt gets only what is left of it. The final error
//! says how many attempts were made ([`Error::attempts`]).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use tokio::time::Instant;

use crate::config::HttpConfig;
use crate::raw::transport::count_attempts;
use crate::{
    Error, ErrorKind, RefreshRequest, Result, UploadCredential, UploadCredentialProvider,
    UploadRequest,
};

/// How [`Retry`] spaces and bounds attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The whole call, every attempt and wait included, ends within this.
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

    /// Calls `call` until it succeeds, fails for good, or the policy is spent. `repeatable` says
    /// whether sending the request again is safe even when the vendor may have acted on it.
    async fn run<T, F, Fut>(&self, repeatable: bool, call: F) -> Result<T>
    where
        P: UploadCredentialProvider,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        count_attempts(self.attempts(repeatable, call)).await
    }

    async fn attempts<T, F, Fut>(&self, repeatable: bool, mut call: F) -> Result<T>
    where
        P: UploadCredentialProvider,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let deadline = started + self.policy.max_elapsed;
        let mut attempt = 1;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let err = match tokio::time::timeout(left, call()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => e,
                Err(_) => {
                    tracing::debug!(
                        target: "vod",
                        provider = self.inner.name(),
                        attempt,
                        error = ErrorKind::Timeout.as_str(),
                        "vendor call cut short by max_elapsed_secs"
                    );
                    Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the call did not finish within its {} s bound (max_elapsed_secs)",
                            self.policy.max_elapsed.as_secs_f32()
                        ),
                    )
                    .with_outcome_unknown()
                }
            };
            let give_up = |err: Error| Err(err.with_attempts(attempt));
            if !err.is_retryable() || attempt >= self.policy.max_attempts {
                return give_up(err);
            }
            if !repeatable && err.is_outcome_unknown() {
                tracing::info!(
                    attempt,
                    error = err.kind().as_str(),
                    "not repeating a create the vendor may have carried out"
                );
                return give_up(err);
            }
            let delay = self.policy.delay(attempt, &err);
            if started.elapsed() + delay >= self.policy.max_elapsed {
                tracing::debug!(attempt, "retry budget spent; returning the last error");
                return give_up(err);
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

    /// Creates with the request [`repeatable_create`](UploadCredentialProvider::repeatable_create)
    /// prepared, when the provider can prepare one, so every attempt asks for the same upload.
    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        let prepared = self.inner.repeatable_create(request);
        let repeatable = prepared.is_some();
        let request = prepared.as_ref().unwrap_or(request);
        self.run(repeatable, || self.inner.create_upload(request))
            .await
    }

    /// Refreshing twice only issues another credential for the same upload: always repeatable.
    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        self.run(true, || self.inner.refresh_upload(request)).await
    }

    fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
        self.inner.repeatable_create(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Fails every create with `error` (or hangs, when `None`) and records what it was asked.
    #[derive(Debug)]
    struct Failing {
        error: Option<Error>,
        repeatable: bool,
        seen: Mutex<Vec<UploadRequest>>,
    }

    impl Failing {
        fn new(error: Option<Error>, repeatable: bool) -> Self {
            Self {
                error,
                repeatable,
                seen: Mutex::new(Vec::new()),
            }
        }
    }

    #[async_trait]
    impl UploadCredentialProvider for Failing {
        fn name(&self) -> &'static str {
            "failing"
        }
        async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
            self.seen.lock().unwrap().push(request.clone());
            match &self.error {
                Some(e) => Err(e.clone()),
                None => std::future::pending().await,
            }
        }
        async fn refresh_upload(&self, _: &RefreshRequest) -> Result<UploadCredential> {
            Err(self.error.clone().expect("refresh is not tested hanging"))
        }
        fn repeatable_create(&self, request: &UploadRequest) -> Option<UploadRequest> {
            let fixed = request.clone().resume_id(uuid::Uuid::new_v4().to_string());
            self.repeatable.then_some(fixed)
        }
    }

    fn quick(max_attempts: u32) -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(max_attempts)
            .base_delay(Duration::ZERO)
    }

    fn timed_out() -> Error {
        Error::new(ErrorKind::Timeout, "no answer").with_outcome_unknown()
    }

    #[tokio::test]
    async fn a_create_of_unknown_outcome_is_not_repeated() {
        let retry = Retry::new(Failing::new(Some(timed_out()), false), quick(3));
        let err = retry
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown());
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(retry.inner().seen.lock().unwrap().len(), 1);
        // A refresh of unknown outcome is repeated.
        let err = retry
            .refresh_upload(&RefreshRequest::new("v"))
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), Some(3), "{err}");
    }

    #[tokio::test]
    async fn a_create_the_vendor_refused_is_repeated() {
        let throttled = Error::new(ErrorKind::RateLimited, "slow down");
        let retry = Retry::new(Failing::new(Some(throttled), false), quick(3));
        let err = retry
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), Some(3));
        assert!(err.to_string().contains("3 attempts"), "{err}");
    }

    #[tokio::test]
    async fn a_repeatable_create_sends_one_request_every_time() {
        let retry = Retry::new(Failing::new(Some(timed_out()), true), quick(3));
        let err = retry
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), Some(3));
        let seen = retry.inner().seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen[0].resume_id.is_some());
        assert!(seen.iter().all(|r| *r == seen[0]), "{seen:?}");
    }

    #[tokio::test]
    async fn a_hanging_call_ends_at_max_elapsed() {
        let retry = Retry::new(
            Failing::new(None, true),
            quick(5).max_elapsed(Duration::from_millis(50)),
        );
        let err = retry
            .create_upload(&UploadRequest::new("a.mp4"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.is_outcome_unknown());
        assert_eq!(err.attempts(), Some(1));
        assert!(err.to_string().contains("max_elapsed_secs"), "{err}");
    }

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
