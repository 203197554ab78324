//! Wangsu's error answers, turned into [`vod_core::Error`]s an app can branch on.
//!
//! Wangsu reports business errors inside the usual envelope, `{"code": 1500, "message": "..."}`,
//! usually with HTTP 200; its gateways reject keys, signatures, stale timestamps and replays
//! before the VoD service sees the request. Every code of the vendor notes sits in the one table
//! [`ERROR_CODES`], which the tests walk row by row. A code the table does not know falls back on
//! the HTTP status (see [`kind_of`] and [`ErrorKind::from_http_status`]).
//!
//! # Gateway rejections (inferred)
//!
//! The vendor notes say the gateway refuses a timestamp more than 5 minutes from server time and a
//! repeated signed request, but not how the answer looks. This adapter (and `vod-emulator`) expect
//! HTTP 401 with `{"code": 401, "message": m}` and read `m` by keywords, ignoring case:
//!
//! | message mentions | kind | why |
//! |---|---|---|
//! | `repeat`, `replay`, `duplicate` | [`ErrorKind::Unavailable`] | the same request with a fresh timestamp and signature passes, so it is retryable |
//! | `timestamp`, `time stamp`, `server time`, `clock` | [`ErrorKind::ClockSkew`] | the transport corrects its clock from the `Date` header and tries once more |
//! | `signature`, `access key`, `accesskey`, `access_key`, `secret` | [`ErrorKind::Unauthenticated`] | wrong keys: fix the config |
//!
//! The rules apply to codes 401 and 403 and to codes the table does not know that arrive with HTTP
//! 401 or 403; anything else there falls back on the status. They are checked in the order above,
//! because a replay message may also mention the timestamp.

use vod_core::raw::redact::Redactor;
use vod_core::raw::text::{self, VENDOR_MESSAGE_CHARS};
use vod_core::{Error, ErrorKind, VendorDetail, error::classify};

use crate::api::REDACTED_FIELDS;

/// Every error code of the vendor notes and the kind it maps to.
///
/// Codes the table does not list fall back on the HTTP status ([`kind_of`]).
pub const ERROR_CODES: &[(&str, ErrorKind)] = &[
    // Get Video Upload Token.
    ("1500", ErrorKind::InvalidInput), // the file name exceeds 40 characters
    ("1604", ErrorKind::InvalidInput), // the file MD5 may not be empty
    ("1605", ErrorKind::InvalidInput), // the MD5 string is too long
    ("1606", ErrorKind::InvalidInput), // the video name may not be empty
    ("1607", ErrorKind::InvalidInput), // video source error
    ("1608", ErrorKind::InvalidInput), // overwrite is neither 0 nor 1
    ("1609", ErrorKind::InvalidInput), // the video size must be a non-negative integer
    ("1610", ErrorKind::InvalidInput), // the video size exceeds the limit
    // Seen on sibling VoD operations.
    ("1000", ErrorKind::InvalidInput),     // invalid parameters
    ("1004", ErrorKind::InvalidInput),     // missing parameters
    ("1301", ErrorKind::PermissionDenied), // no permission
    ("1502", ErrorKind::NotFound),         // the video does not exist
    ("1503", ErrorKind::InvalidInput),     // videoId empty
    ("1505", ErrorKind::PermissionDenied), // no permission for the video
    ("1506", ErrorKind::PermissionDenied), // the video is blocked
];

/// The kind of a gateway rejection, read from its message (see the [module docs](self)).
///
/// ```
/// use vod_core::ErrorKind;
/// use vod_wangsu::error::gateway_kind;
/// assert_eq!(gateway_kind("Signature does not match"), Some(ErrorKind::Unauthenticated));
/// assert_eq!(gateway_kind("teapot"), None);
/// ```
pub fn gateway_kind(message: &str) -> Option<ErrorKind> {
    let m = message.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if any(&["repeat", "replay", "duplicate"]) {
        Some(ErrorKind::Unavailable)
    } else if any(&["timestamp", "time stamp", "server time", "clock"]) {
        Some(ErrorKind::ClockSkew)
    } else if any(&[
        "signature",
        "access key",
        "accesskey",
        "access_key",
        "secret",
    ]) {
        Some(ErrorKind::Unauthenticated)
    } else {
        None
    }
}

/// True when `err` is the gateway refusing a repeated signed request: the same body signed in the
/// same second elsewhere (another process, another host). Signing again in the next second passes.
pub(crate) fn is_repeated_request(err: &Error) -> bool {
    err.kind() == ErrorKind::Unavailable
        && err.http_status() == Some(401)
        && err
            .vendor()
            .and_then(|v| v.message.as_deref())
            .is_some_and(|m| gateway_kind(m) == Some(ErrorKind::Unavailable))
}

/// The kind of an error answer with this code and message, arriving with this HTTP status.
///
/// The table decides first; then the gateway keywords (for codes and statuses 401/403); then the
/// status. A business error usually comes with HTTP 200, which says nothing: then a numeric code
/// in 400..=599 stands in for the status (the gateways put HTTP-like codes in the body), and any
/// other unknown code counts as invalid input, so that it is not retried blindly. The status
/// mapping is vod-core's [`ErrorKind::from_http_status`] (a status beyond 599 is an invalid
/// response).
pub fn kind_of(http_status: u16, code: Option<&str>, message: Option<&str>) -> ErrorKind {
    let status = http_status;
    let code = code.unwrap_or_default().trim();
    let message = message.unwrap_or_default();
    if let Some(kind) = classify(ERROR_CODES, code) {
        return kind;
    }
    let http_like = code.parse::<u16>().ok().filter(|c| (400..=599).contains(c));
    let effective = if status >= 400 {
        status
    } else {
        http_like.unwrap_or(400)
    };
    if matches!(http_like, Some(401 | 403)) || matches!(effective, 401 | 403) {
        if let Some(kind) = gateway_kind(message) {
            return kind;
        }
    }
    ErrorKind::from_http_status(effective)
}

/// The error for a Wangsu error answer: kind from [`kind_of`], the vendor's code, message and
/// HTTP status kept for support. (The transport adds the request id, `Retry-After` and the
/// server's `Date`.)
pub(crate) fn vendor_error(status: u16, code: &str, message: Option<&str>) -> Error {
    let code = one_line(code);
    let code = code.as_str();
    let message = message.map(one_line).filter(|m| !m.is_empty());
    let kind = kind_of(status, Some(code), message.as_deref());
    let text = match &message {
        Some(m) => m.clone(),
        None => format!("Wangsu answered code {code} without a message"),
    };
    let mut detail = VendorDetail::new().code(code).http_status(status);
    if let Some(m) = message {
        detail = detail.message(m);
    }
    Error::new(kind, text).with_vendor(detail)
}

/// The redaction for answers to a caller with these secret values: the upload token's field
/// ([`REDACTED_FIELDS`]) and the values. (The secret key is never sent, so no answer should echo
/// it; it is redacted all the same.)
pub(crate) fn redactor<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
    Redactor::new().fields(REDACTED_FIELDS).values(secrets)
}

/// A vendor message or code as an error keeps it: trimmed, on one line, at most
/// [`VENDOR_MESSAGE_CHARS`] characters.
fn one_line(message: &str) -> String {
    text::one_line(message.trim(), VENDOR_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;

    /// The vendor-notes codes, written out here so that a row removed from the table fails.
    const VENDOR_NOTES: &[(&str, ErrorKind)] = &[
        ("1500", InvalidInput),
        ("1604", InvalidInput),
        ("1605", InvalidInput),
        ("1606", InvalidInput),
        ("1607", InvalidInput),
        ("1608", InvalidInput),
        ("1609", InvalidInput),
        ("1610", InvalidInput),
        ("1000", InvalidInput),
        ("1004", InvalidInput),
        ("1301", PermissionDenied),
        ("1502", NotFound),
        ("1503", InvalidInput),
        ("1505", PermissionDenied),
        ("1506", PermissionDenied),
    ];

    #[test]
    fn every_table_row_maps_whatever_the_status() {
        for &(code, kind) in ERROR_CODES {
            for status in [200, 400, 401, 404, 500] {
                let err = vendor_error(status, code, Some("vendor says no"));
                assert_eq!(err.kind(), kind, "code {code} status {status}");
                assert_eq!(err.vendor_code(), Some(code));
                assert_eq!(err.http_status(), Some(status));
                assert_eq!(
                    err.vendor().unwrap().message.as_deref(),
                    Some("vendor says no")
                );
            }
        }
    }

    #[test]
    fn every_vendor_notes_code_is_in_the_table() {
        for &(code, kind) in VENDOR_NOTES {
            assert_eq!(classify(ERROR_CODES, code), Some(kind), "code {code}");
        }
        assert_eq!(
            ERROR_CODES.len(),
            VENDOR_NOTES.len(),
            "rows not in the notes"
        );
    }

    #[test]
    fn codes_are_trimmed() {
        assert_eq!(kind_of(200, Some(" 1502 "), Some("")), NotFound);
    }

    #[test]
    fn unknown_codes_fall_back_on_the_status() {
        for (status, kind) in [
            (400, InvalidInput),
            (401, Unauthenticated),
            (403, PermissionDenied),
            (404, NotFound),
            (409, InvalidInput),
            (429, RateLimited),
            (500, Unavailable),
            (502, Unavailable),
            (503, Unavailable),
            (599, Unavailable),
        ] {
            assert_eq!(
                kind_of(status, Some("9999"), Some("whatever")),
                kind,
                "HTTP {status}"
            );
            assert_eq!(ErrorKind::from_http_status(status), kind, "HTTP {status}");
        }
    }

    #[test]
    fn with_http_200_an_http_like_code_stands_in_for_the_status() {
        assert_eq!(kind_of(200, Some("429"), Some("slow down")), RateLimited);
        assert_eq!(kind_of(200, Some("503"), Some("busy")), Unavailable);
        assert_eq!(kind_of(200, Some("404"), Some("")), NotFound);
        // Not HTTP-like: a business error we do not know; not retried blindly.
        assert_eq!(kind_of(200, Some("1999"), Some("new rule")), InvalidInput);
        assert_eq!(kind_of(200, Some("E_WEIRD"), Some("")), InvalidInput);
    }

    #[test]
    fn gateway_rejections_by_keyword() {
        for (message, kind) in [
            ("invalid access key", Unauthenticated),
            ("Invalid AccessKey", Unauthenticated),
            ("signature does not match", Unauthenticated),
            ("SIGNATURE DOES NOT MATCH", Unauthenticated),
            (
                "timestamp expired: more than 5 minutes from server time",
                ClockSkew,
            ),
            ("Timestamp Expired", ClockSkew),
            ("repeated request", Unavailable),
            ("Repeated Request", Unavailable),
            // Order: a replay message that also names the timestamp is still a replay.
            (
                "repeated request (same timestamp and signature)",
                Unavailable,
            ),
        ] {
            let err = vendor_error(401, "401", Some(message));
            assert_eq!(err.kind(), kind, "{message}");
            assert_eq!(err.message(), message);
            // The same body with HTTP 200 or 403 reads the same.
            assert_eq!(kind_of(200, Some("401"), Some(message)), kind, "{message}");
            assert_eq!(kind_of(403, Some("403"), Some(message)), kind, "{message}");
        }
        assert!(vendor_error(401, "401", Some("repeated request")).is_retryable());
        // Unrecognised messages fall back on the status.
        assert_eq!(kind_of(401, Some("401"), Some("go away")), Unauthenticated);
        assert_eq!(kind_of(403, Some("403"), Some("go away")), PermissionDenied);
        assert_eq!(kind_of(401, Some(""), Some("")), Unauthenticated);
        // Keywords do not override the table.
        assert_eq!(kind_of(401, Some("1502"), Some("signature")), NotFound);
        // Nor apply to other statuses.
        assert_eq!(
            kind_of(400, Some("9999"), Some("bad timestamp format")),
            InvalidInput
        );
    }

    #[test]
    fn messages_are_one_line_and_bounded() {
        let err = vendor_error(200, "1000", Some("bad\nparam\t"));
        assert_eq!(err.message(), "bad param");
        let err = vendor_error(200, "1000", Some(&"x".repeat(1000)));
        assert_eq!(err.message().chars().count(), 303);
        let err = vendor_error(200, "1000", Some("  "));
        assert_eq!(err.message(), "Wangsu answered code 1000 without a message");
        assert_eq!(err.vendor().unwrap().message, None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(status in 0u16..1000, code in ".{0,12}", message in "(.|\n){0,400}") {
            let err = vendor_error(status, &code, Some(&message));
            proptest::prop_assert!(!err.to_string().contains('\n'));
            let _ = Error::unreadable_response(status, "x", &message);
        }
    }
}
