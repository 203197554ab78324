//! OSS request signatures, V4 (`OSS4-HMAC-SHA256`) and V1 (`OSS` + HMAC-SHA1), as pure
//! functions.
//!
//! As with aws-sigv4, a signer is a function from the parts of a request that a signature
//! covers ([`SignableRequest`]), the keys ([`SigningKey`], the shape every signer here takes)
//! and the time to a [`SignedParts`], the shape every signer here returns: the headers the
//! request must carry in addition (`authorization`, the date header, `x-oss-security-token`,
//! and for V4 `x-oss-content-sha256`), plus the strings it signed (V4 also its canonical
//! request), so that a `SignatureDoesNotMatch` answer, which quotes the server's string to sign,
//! can be compared with ours. Nothing here reads a clock or holds keys: STS keys change in the
//! middle of an upload, and the tests check oss2's vectors byte for byte.
//!
//! V4 is the default ([`OssSigner::V4`]): Aliyun closed V1 to new accounts (2025-03) and new
//! buckets (2025-09). Whether VOD's own `outin-*` buckets still take V1 is not known
//! (inferred either way), so V1 stays selectable.
//!
//! Both versions sign `/bucket/key` whatever the addressing style, so one signature serves
//! virtual-hosted and path-style URLs ([`super::address`]).

pub mod v1;
pub mod v4;

use std::fmt;

use time::OffsetDateTime;

use vod_core::raw::{SignedParts, SigningKey};

/// The security-token header both versions add (and sign) for STS keys.
pub const SECURITY_TOKEN_HEADER: &str = "x-oss-security-token";

/// Which signature to use, with what V4 needs beyond the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OssSigner {
    /// `OSS4-HMAC-SHA256`, scoped to a region (`cn-shanghai`, without an `oss-` prefix).
    V4 {
        /// The region of the bucket.
        region: String,
    },
    /// The older `OSS AccessKeyId:Signature` header (HMAC-SHA1).
    V1,
}

impl OssSigner {
    /// Signs `request` with `keys` at `now` ([`v4::sign`] or [`v1::sign`]).
    pub fn sign(
        &self,
        request: &SignableRequest<'_>,
        keys: &SigningKey,
        now: OffsetDateTime,
    ) -> SignedParts {
        match self {
            Self::V4 { region } => v4::sign(request, keys, region, now),
            Self::V1 => v1::sign(request, keys, now),
        }
    }

    /// `"v4"` or `"v1"`, as in config.
    pub fn version(&self) -> &'static str {
        match self {
            Self::V4 { .. } => "v4",
            Self::V1 => "v1",
        }
    }
}

/// What `x-oss-content-sha256` says about the body (V4 only; V1 never covers the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadHash<'a> {
    /// `UNSIGNED-PAYLOAD`: the body is not part of the signature (what oss2 and the other
    /// official SDKs send; OSS checks bodies with `Content-MD5` and CRC-64 instead).
    #[default]
    Unsigned,
    /// The lower-case hex SHA-256 of the body.
    Sha256Hex(&'a str),
}

impl PayloadHash<'_> {
    /// The header value and last line of the V4 canonical request.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unsigned => "UNSIGNED-PAYLOAD",
            Self::Sha256Hex(hex) => hex,
        }
    }
}

/// The parts of an OSS request a signature covers. It borrows, so building one is free.
///
/// Its `Debug` shows header names only (a header value may be a token).
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method, upper case (`PUT`).
    pub method: &'a str,
    /// The bucket.
    pub bucket: &'a str,
    /// The object key, raw (not percent-encoded).
    pub key: &'a str,
    /// Every query parameter sent, raw, each name once; `("uploads", "")` for a bare name.
    /// V4 signs them all; V1 only OSS's sub-resources ([`v1::SUB_RESOURCES`]).
    pub query: &'a [(&'a str, &'a str)],
    /// The headers sent that a signature may cover, any case: `Content-Type`, `Content-MD5`,
    /// every `x-oss-*` header, and the V4 [`additional_headers`](Self::additional_headers).
    /// Headers the signer adds itself (date, `x-oss-date`, `x-oss-content-sha256`,
    /// `x-oss-security-token`, `authorization`) are ignored here.
    pub headers: &'a [(&'a str, &'a str)],
    /// V4: other headers to sign, by name (`host`); listed in `AdditionalHeaders`.
    pub additional_headers: &'a [&'a str],
    /// V4: the body's hash, or unsigned.
    pub payload: PayloadHash<'a>,
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("query", &self.query)
            .field("headers", &names)
            .field("additional_headers", &self.additional_headers)
            .field("payload", &self.payload)
            .finish()
    }
}

impl SignableRequest<'_> {
    /// The caller's headers as `(lower-case name, value)`, without the ones the signer adds.
    pub(crate) fn caller_headers(&self) -> impl Iterator<Item = (String, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), *value))
            .filter(|(name, _)| !ADDED_BY_SIGNER.contains(&name.as_str()))
    }
}

/// Headers a signer sets; a caller's copy would conflict, so it is dropped.
const ADDED_BY_SIGNER: &[&str] = &[
    "authorization",
    "date",
    "x-oss-date",
    "x-oss-content-sha256",
    SECURITY_TOKEN_HEADER,
];

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Tue, 02 Jan 2024 03:04:05 GMT` (RFC 1123, UTC): V1's `Date`. Written by hand so that it
/// cannot fail.
pub fn http_date(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month()) - 1)],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `20240102T030405Z` (UTC): V4's `x-oss-date`.
pub fn iso8601_basic(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use vod_core::Secret;

    #[test]
    fn debug_shows_no_secret() {
        let keys = SigningKey::new("STS.id", Secret::new("s3cr3t-value"))
            .with_token(Some(Secret::new("CAIS+token==")));
        let headers = [("x-oss-meta-note", "CAIS+token==")];
        let request = SignableRequest {
            method: "PUT",
            bucket: "bkt",
            key: "k",
            query: &[],
            headers: &headers,
            additional_headers: &[],
            payload: PayloadHash::Unsigned,
        };
        let now = datetime!(2024-01-02 03:04:05 UTC);
        for signer in [
            OssSigner::V1,
            OssSigner::V4 {
                region: "cn-shanghai".into(),
            },
        ] {
            let signed = signer.sign(&request, &keys, now);
            // The signed strings hold the token (they are for diagnostics, redacted first).
            let signed_text = signed
                .canonical_request
                .as_deref()
                .unwrap_or(&signed.string_to_sign);
            assert!(signed_text.contains("CAIS+token=="));
            let shown = format!("{signed:?} {request:?} {keys:?} {signer:?}");
            assert!(
                !shown.contains("CAIS") && !shown.contains("s3cr3t"),
                "{shown}"
            );
            assert!(shown.contains("x-oss-security-token"), "{shown}");
        }
    }

    #[test]
    fn dates() {
        let t = datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(http_date(t), "Tue, 02 Jan 2024 03:04:05 GMT");
        assert_eq!(iso8601_basic(t), "20240102T030405Z");
        let t = datetime!(2026-12-31 23:59:59 -01:00);
        assert_eq!(http_date(t), "Fri, 01 Jan 2027 00:59:59 GMT");
        assert_eq!(iso8601_basic(t), "20270101T005959Z");
    }
}
