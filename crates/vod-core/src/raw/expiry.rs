//! Whether an expiry a vendor sent is believable.
//!
//! A credential's expiry drives everything after it: when a cache refreshes, when an uploader
//! stops. An answer that says the credential expired before it was issued, or lasts for years,
//! is broken, and trusting it either hands out a dead credential or never refreshes a live one.
//! So every adapter checks the expiry it read here, the same way, and an implausible one is an
//! invalid-response error naming the vendor's field. (An expiry the answer does not give at all
//! is another matter: each adapter documents the lifetime it assumes then.)

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The longest lifetime a vendor credential may claim: one day. Upload credentials live minutes
/// to hours (Aliyun 3000 s, Wangsu tokens an hour or so).
pub const MAX_LIFETIME: Duration = Duration::days(1);

/// An expiry that is not after the issue time, or more than [`MAX_LIFETIME`] after it.
/// Its `Display` names the vendor's field and says which rule the time breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplausibleExpiry {
    /// The vendor's field the expiry was read from, e.g. `UploadAuth.ExpireUTCTime`.
    pub field: String,
    /// The expiry read.
    pub expires_at: OffsetDateTime,
    /// The issue time it was compared with.
    pub issued_at: OffsetDateTime,
}

impl fmt::Display for ImplausibleExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = if self.expires_at <= self.issued_at {
            "is not after the issue time"
        } else {
            "is more than a day after the issue time"
        };
        write!(
            f,
            "`{}` ({}) {rule} ({})",
            self.field,
            rfc3339_seconds(self.expires_at),
            rfc3339_seconds(self.issued_at)
        )
    }
}

impl std::error::Error for ImplausibleExpiry {}

/// `expires_at` when it is after `issued_at` and at most [`MAX_LIFETIME`] later.
///
/// `field` names where the vendor's answer gave it, for the error.
///
/// ```
/// use vod_core::raw::expiry::plausible;
/// use vod_core::time::{Duration, macros::datetime};
///
/// let issued = datetime!(2024-01-02 03:04:05 UTC);
/// assert!(plausible("ExpireUTCTime", issued + Duration::minutes(50), issued).is_ok());
/// let err = plausible("ExpireUTCTime", issued - Duration::seconds(1), issued).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "`ExpireUTCTime` (2024-01-02T03:04:04Z) is not after the issue time (2024-01-02T03:04:05Z)"
/// );
/// assert!(plausible("ExpireUTCTime", issued + Duration::days(2), issued).is_err());
/// ```
///
/// # Errors
///
/// [`ImplausibleExpiry`] when the expiry is not after the issue time or is more than a day after it.
pub fn plausible(
    field: &str,
    expires_at: OffsetDateTime,
    issued_at: OffsetDateTime,
) -> Result<OffsetDateTime, ImplausibleExpiry> {
    if expires_at > issued_at && expires_at - issued_at <= MAX_LIFETIME {
        Ok(expires_at)
    } else {
        Err(ImplausibleExpiry {
            field: field.to_owned(),
            expires_at,
            issued_at,
        })
    }
}

/// `at` as RFC 3339 in UTC, to the whole second (`2024-01-02T03:04:05Z`): how the library
/// shows every time, whatever precision the vendor used.
pub fn rfc3339_seconds(at: OffsetDateTime) -> String {
    let whole = at.to_offset(time::UtcOffset::UTC);
    let whole = whole.replace_nanosecond(0).unwrap_or(whole);
    whole
        .format(&Rfc3339)
        .unwrap_or_else(|_| whole.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ISSUED: OffsetDateTime = datetime!(2024-01-02 03:04:05 UTC);

    #[test]
    fn bounds() {
        assert!(plausible("f", ISSUED + Duration::seconds(1), ISSUED).is_ok());
        assert!(plausible("f", ISSUED + MAX_LIFETIME, ISSUED).is_ok());
        assert!(plausible("f", ISSUED, ISSUED).is_err());
        let err = plausible("f", ISSUED + MAX_LIFETIME + Duration::seconds(1), ISSUED).unwrap_err();
        assert!(err.to_string().contains("more than a day"), "{err}");
        assert!(err.to_string().starts_with("`f` ("), "{err}");
    }

    #[test]
    fn times_show_whole_seconds_in_utc() {
        assert_eq!(
            rfc3339_seconds(datetime!(2024-01-02 11:04:05.678 +08:00)),
            "2024-01-02T03:04:05Z"
        );
    }
}
