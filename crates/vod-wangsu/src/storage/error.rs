//! The upload host's error answers, mapped through one table.
//!
//! An error answer is an HTTP status and, usually, `{"code": …, "message": …}` with `code` a
//! number or a string; the request id is in the `X-Reqid` header (the transport attaches it).
//! The WCS codes are HTTP-like numbers (the vendor notes, from wcs-js-sdk's `error.js` and the
//! Java SDK), so the body's code and, failing that, the HTTP status are both looked up in
//! [`STORAGE_ERROR_CODES`]; a number the table does not know falls back on
//! [`ErrorKind::from_http_status`]. A body that is not JSON still has its status: the table reads
//! that, and the error quotes a redacted excerpt.
//!
//! Every 401 is [`ErrorKind::CredentialExpired`]. The vendor's message for an *expired* token is
//! not known (UNVERIFIED in the notes), and "token invalid", "token format invalid" and "expire
//! time is null" cannot be told apart reliably, so the uploader refreshes the token once and, if
//! the fresh token gets a 401 as well, gives up: a wrong token costs one refresh, an expired one
//! is never taken for a fatal error. That choice is *inferred*, not documented.

use serde_json::Value;
use vod_core::raw::redact::Redactor;
use vod_core::raw::text::{VENDOR_MESSAGE_CHARS, one_line};
use vod_core::{Error, ErrorKind, VendorDetail, error::classify};

/// Every storage error code (or HTTP status) of the vendor notes and its kind.
pub const STORAGE_ERROR_CODES: &[(&str, ErrorKind)] = &[
    // Malformed request.
    ("400", ErrorKind::InvalidInput),
    // Token invalid, expired, malformed, or not for this bucket: refresh once (see above).
    ("401", ErrorKind::CredentialExpired),
    // Bucket not found.
    ("404", ErrorKind::NotFound),
    // Client request error.
    ("405", ErrorKind::InvalidInput),
    // The file exists and the token does not allow overwriting.
    ("406", ErrorKind::InvalidInput),
    // Request timeout: the Python SDK retries it.
    ("408", ErrorKind::Timeout),
    // Block merge failed: the Java SDK makes the file again.
    ("412", ErrorKind::Unavailable),
    // Stored, but the vendor's callback failed: the Java SDK does not make the file again, so
    // neither is it retried here; support reads the detail.
    ("579", ErrorKind::InvalidResponse),
    // Network error on the vendor's side.
    ("599", ErrorKind::Unavailable),
    // The bucket does not exist.
    ("631", ErrorKind::NotFound),
    // Block checksum error: send the block again.
    ("701", ErrorKind::ChecksumMismatch),
];

/// The kind of an error answer: [`ErrorKind::CredentialExpired`] for HTTP 401 whatever the body
/// says, else the body's `code` from the table, else the status from the table, else
/// [`ErrorKind::from_http_status`].
///
/// ```
/// use vod_core::ErrorKind;
/// use vod_wangsu::storage::error::kind_of;
/// assert_eq!(kind_of(401, None), ErrorKind::CredentialExpired);
/// assert_eq!(kind_of(400, Some("701")), ErrorKind::ChecksumMismatch);
/// assert_eq!(kind_of(503, Some("busy")), ErrorKind::Unavailable);
/// ```
pub fn kind_of(status: u16, code: Option<&str>) -> ErrorKind {
    if status == 401 {
        return ErrorKind::CredentialExpired;
    }
    code.map(str::trim)
        .and_then(|c| classify(STORAGE_ERROR_CODES, c))
        .or_else(|| classify(STORAGE_ERROR_CODES, &status.to_string()))
        .unwrap_or_else(|| ErrorKind::from_http_status(status))
}

/// The error for an error answer with `status` and `body`. Vendor text is put on one line and
/// redacted with `redactor` before the error keeps it.
pub fn storage_error(status: u16, body: &[u8], redactor: &Redactor) -> Error {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| -> Option<String> {
        let text = match value.as_ref()?.get(name)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let text = redactor.scrub(&one_line(&text, VENDOR_MESSAGE_CHARS));
        Some(text).filter(|t| !t.is_empty())
    };
    let code = field("code");
    // Qiniu-style hosts put the text in `error` (inferred: the same protocol family).
    let message = field("message").or_else(|| field("error"));
    let kind = kind_of(status, code.as_deref());
    let text = match (&message, value.is_some()) {
        (Some(m), _) => m.clone(),
        (None, true) => format!("Wangsu storage answered HTTP {status} without a message"),
        (None, false) => format!(
            "Wangsu storage answered HTTP {status}; body starts: {:?}",
            redactor.excerpt(body)
        ),
    };
    let mut detail = VendorDetail::new().http_status(status);
    if let Some(code) = code {
        detail = detail.code(code);
    }
    if let Some(message) = message {
        detail = detail.message(message);
    }
    Error::new(kind, text).with_vendor(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;

    /// The vendor notes' statuses, written out here so that a row removed from the table fails.
    const VENDOR_NOTES: &[(u16, ErrorKind)] = &[
        (400, InvalidInput),
        (401, CredentialExpired),
        (404, NotFound),
        (405, InvalidInput),
        (406, InvalidInput),
        (408, Timeout),
        (412, Unavailable),
        (579, InvalidResponse),
        (599, Unavailable),
        (631, NotFound),
        (701, ChecksumMismatch),
    ];

    #[test]
    fn every_row_maps_as_code_as_status_and_as_string() {
        assert_eq!(STORAGE_ERROR_CODES.len(), VENDOR_NOTES.len());
        for &(code, kind) in VENDOR_NOTES {
            let text = code.to_string();
            assert_eq!(classify(STORAGE_ERROR_CODES, &text), Some(kind), "{code}");
            // As the status, with no body.
            assert_eq!(
                storage_error(code, b"", &Redactor::new()).kind(),
                kind,
                "{code}"
            );
            // As a numeric code under another status.
            let body = format!(r#"{{"code":{code},"message":"m"}}"#);
            let err = storage_error(400, body.as_bytes(), &Redactor::new());
            assert_eq!(err.kind(), kind, "{code}");
            assert_eq!(err.vendor_code(), Some(text.as_str()));
            // As a string code.
            let body = format!(r#"{{"code":" {code} ","message":"m"}}"#);
            assert_eq!(
                storage_error(500, body.as_bytes(), &Redactor::new()).kind(),
                kind
            );
            // HTTP 401 is a token to refresh, whatever code the body has.
            let err = storage_error(401, body.as_bytes(), &Redactor::new());
            assert_eq!(err.kind(), CredentialExpired, "{code}");
        }
    }

    #[test]
    fn unknown_codes_fall_back_on_the_status() {
        for (status, kind) in [
            (401, CredentialExpired),
            (403, PermissionDenied),
            (409, InvalidInput),
            (429, RateLimited),
            (500, Unavailable),
            (503, Unavailable),
            (302, InvalidResponse),
        ] {
            let err = storage_error(
                status,
                br#"{"code":"TokenWhatever","message":"no"}"#,
                &Redactor::new(),
            );
            assert_eq!(err.kind(), kind, "{status}");
            assert_eq!(err.http_status(), Some(status));
        }
    }

    #[test]
    fn every_401_means_refresh_the_token() {
        for message in [
            "Token Invalid",
            "Token Format Invalid",
            "ExpireTime Is Null",
            "token expired",
        ] {
            let body = format!(r#"{{"code":"401","message":"{message}"}}"#);
            let err = storage_error(401, body.as_bytes(), &Redactor::new());
            assert_eq!(err.kind(), CredentialExpired);
            assert!(err.kind().needs_new_credential());
            assert!(!err.is_retryable());
            assert_eq!(err.message(), message);
        }
        let err = storage_error(
            401,
            b"<html>401 Authorization Required</html>",
            &Redactor::new(),
        );
        assert_eq!(err.kind(), CredentialExpired);
        assert!(err.message().contains("Authorization Required"), "{err}");
    }

    #[test]
    fn messages_are_redacted_and_one_line() {
        let token = "AK:c2lnbmF0dXJl:eyJzY29wZSI6ImIifQ==";
        let redactor = Redactor::new().values([token]);
        let body = format!(r#"{{"code":401,"message":"bad token {token}\nline two"}}"#);
        let err = storage_error(401, body.as_bytes(), &redactor);
        let text = err.to_string();
        assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(
            err.vendor().unwrap().message.as_deref(),
            Some(err.message())
        );
        // A non-JSON body quotes an excerpt, redacted.
        let body = format!("oops {token}");
        let err = storage_error(502, body.as_bytes(), &redactor);
        assert!(!err.to_string().contains("c2lnbmF0dXJl"), "{err}");
        assert_eq!(err.kind(), Unavailable);
        // Qiniu-style `error` field; a JSON body without message says so.
        let err = storage_error(400, br#"{"error":"bad block"}"#, &redactor);
        assert_eq!(err.message(), "bad block");
        let err = storage_error(400, br#"{"code":400}"#, &redactor);
        assert_eq!(
            err.message(),
            "Wangsu storage answered HTTP 400 without a message"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(status in 0u16..1000, code in ".{0,12}", message in "(.|\n){0,400}") {
            let body = serde_json::json!({"code": code, "message": message}).to_string();
            let err = storage_error(status, body.as_bytes(), &Redactor::new().values(["tok"]));
            proptest::prop_assert!(!err.to_string().contains('\n'));
        }
    }
}
