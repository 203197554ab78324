//! Injectable time and nonces.
//!
//! Vendor signatures cover a timestamp and (for Aliyun) a nonce. Taking both from traits lets tests
//! pin them and check a signature byte for byte, lets the clock-skew correction shift time without
//! touching the system clock, and lets a test run with a clock that is deliberately wrong.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    /// The current time in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock pinned to one instant, for tests and signature vectors.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The system clock shifted by a fixed offset: a machine whose clock is wrong.
///
/// ```
/// use vod_core::raw::OffsetClock;
/// use vod_core::Clock;
/// let late = OffsetClock::new(time::Duration::minutes(-20));
/// assert!(late.now() < time::OffsetDateTime::now_utc());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock(Duration);

impl OffsetClock {
    /// A clock that reads the system time plus `offset`.
    pub fn new(offset: Duration) -> Self {
        Self(offset)
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.0
    }
}

/// A clock corrected by the offset measured against a vendor's server time.
///
/// Every adapter reads time through one of these. When a vendor rejects a timestamp, the transport
/// measures the server's `Date` against the base clock and stores the difference here, so every
/// later call of that provider signs with corrected time.
#[derive(Debug, Clone)]
pub struct SkewCorrectedClock {
    base: Arc<dyn Clock>,
    offset_ms: Arc<AtomicI64>,
}

impl SkewCorrectedClock {
    /// Wraps `base` with a zero correction.
    pub fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            offset_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    /// The base clock's time, without correction.
    pub fn base_now(&self) -> OffsetDateTime {
        self.base.now()
    }

    /// The correction currently applied.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Sets the correction so that this clock reads `server_now` at base time `local_now`.
    pub fn correct(&self, server_now: OffsetDateTime, local_now: OffsetDateTime) -> Duration {
        let offset = server_now - local_now;
        let ms = i64::try_from(offset.whole_milliseconds()).unwrap_or(0);
        self.offset_ms.store(ms, Ordering::Relaxed);
        offset
    }
}

impl Clock for SkewCorrectedClock {
    fn now(&self) -> OffsetDateTime {
        self.base.now() + self.offset()
    }
}

/// A source of request nonces (Aliyun `SignatureNonce`, `x-acs-signature-nonce`).
pub trait NonceSource: Send + Sync + Debug {
    /// A value never returned before by this source.
    fn nonce(&self) -> String;
}

/// Random UUIDv4 nonces.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_correction_moves_the_clock() {
        let base = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let clock = SkewCorrectedClock::new(Arc::new(FixedClock(base)));
        assert_eq!(clock.now(), base);
        let measured = clock.correct(base + Duration::minutes(20), base);
        assert_eq!(measured, Duration::minutes(20));
        assert_eq!(clock.now(), base + Duration::minutes(20));
        assert_eq!(clock.base_now(), base);
    }

    #[test]
    fn random_nonces_differ() {
        assert_ne!(RandomNonce.nonce(), RandomNonce.nonce());
    }
}
