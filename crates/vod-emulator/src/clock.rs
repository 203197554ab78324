//! The emulator's clock: the system clock plus an adjustable skew, and the time formats the
//! vendors put on the wire.
//!
//! Everything time-dependent goes through one [`Clock`]: timestamp windows, credential expiry
//! times and the `Date` response header. Skewing it (see
//! [`EmulatorHandle::set_clock_skew`](crate::EmulatorHandle::set_clock_skew)) makes the emulator
//! behave like a vendor whose clock disagrees with the client's, which is how clock-skew
//! correction is tested, and lets tests replay signed vectors from years ago.

use std::sync::atomic::{AtomicI64, Ordering};

use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

/// `YYYY-MM-DDThh:mm:ssZ`, Aliyun's `Timestamp` / `x-acs-date` / `ExpireUTCTime` format.
const ISO_SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// RFC 7231 IMF-fixdate, the HTTP `Date` header format.
const HTTP_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// System time plus a skew in milliseconds, shared by every request handler.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    skew_ms: AtomicI64,
}

impl Clock {
    /// The emulator's idea of now (UTC).
    pub(crate) fn now(&self) -> OffsetDateTime {
        let system = OffsetDateTime::now_utc();
        let skew = Duration::milliseconds(self.skew_ms.load(Ordering::Relaxed));
        // A skew beyond the representable years is ignored rather than panicking.
        system.checked_add(skew).unwrap_or(system)
    }

    /// Makes [`Clock::now`] run `skew` ahead of the system clock (behind when negative).
    pub(crate) fn set_skew(&self, skew: Duration) {
        let ms = i64::try_from(skew.whole_milliseconds()).unwrap_or(if skew.is_negative() {
            i64::MIN
        } else {
            i64::MAX
        });
        self.skew_ms.store(ms, Ordering::Relaxed);
    }
}

/// Formats `t` as `YYYY-MM-DDThh:mm:ssZ` in UTC.
pub(crate) fn iso_seconds(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(ISO_SECONDS)
        .unwrap_or_default()
}

/// Parses an Aliyun timestamp: `YYYY-MM-DDThh:mm:ssZ`, or any RFC 3339 date-time.
pub(crate) fn parse_iso(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Formats `t` as an HTTP `Date` header value.
pub(crate) fn http_date(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(HTTP_DATE)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_match_the_wire() {
        let t = datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(iso_seconds(t), "2024-01-02T03:04:05Z");
        assert_eq!(http_date(t), "Tue, 02 Jan 2024 03:04:05 GMT");
        assert_eq!(parse_iso("2024-01-02T03:04:05Z"), Some(t));
        assert_eq!(parse_iso("2024-01-02 03:04:05"), None);
    }

    #[test]
    fn skew_moves_now() {
        let clock = Clock::default();
        clock.set_skew(Duration::hours(-2));
        let behind = OffsetDateTime::now_utc() - clock.now();
        assert!(behind > Duration::minutes(119) && behind < Duration::minutes(121));
    }
}
