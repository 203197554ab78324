//! CORS on the upload hosts, as a bucket configured for browser uploads answers it.
//!
//! A browser uploads straight to storage from the app's page, which is served from another
//! origin; it sends a preflight `OPTIONS` before each signed request and reads the answer's
//! headers (the `ETag` of every part, the request id, the CRC-64) only when they are exposed. A
//! real bucket allows this through CORS rules its owner sets; an emulator started without
//! origins behaves like a bucket without rules: no CORS headers, so a browser refuses the
//! answers. Kept as one tower layer around the upload hosts' routers so the hosts' own code
//! knows nothing about it.

use std::io;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// The answer headers a browser client reads: OSS's ETags (multipart upload completes with
/// them), request ids and checksums, and Wangsu's request id.
const EXPOSED: [&str; 5] = [
    "etag",
    "x-oss-request-id",
    "x-oss-hash-crc64ecma",
    "x-reqid",
    "date",
];

/// How long a browser may cache a preflight answer (seconds), as a bucket rule's `MaxAgeSeconds`.
const MAX_AGE: Duration = Duration::from_secs(600);

/// Checks one allowed origin: `*` or `scheme://host[:port]` with no path, as a browser sends it
/// in `Origin`.
pub(crate) fn check_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .ok_or_else(|| {
            format!("CORS origin {origin:?} must start with http:// or https:// (or be *)")
        })?;
    if rest.is_empty()
        || rest.contains(['/', '?', '#', ' '])
        || HeaderValue::from_str(origin).is_err()
    {
        return Err(format!(
            "CORS origin {origin:?} must be scheme://host[:port], without a path or trailing slash"
        ));
    }
    Ok(())
}

/// The layer for `origins`, or `None` when there are none (no CORS answers at all).
pub(crate) fn layer(origins: &[String]) -> io::Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    for origin in origins {
        check_origin(origin).map_err(|msg| io::Error::new(io::ErrorKind::InvalidInput, msg))?;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // Checked above: every origin is a valid header value.
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::PUT,
                Method::POST,
                Method::DELETE,
            ])
            // A bucket rule's `AllowedHeader: *`: the clients sign with headers of their own.
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers(EXPOSED.map(HeaderName::from_static))
            .max_age(MAX_AGE),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        for good in ["*", "http://127.0.0.1:8080", "https://app.example.com"] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for bad in [
            "127.0.0.1:8080",
            "http://",
            "http://a/",
            "ftp://a",
            "http://a/path",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
        assert!(layer(&[]).unwrap().is_none());
        assert!(layer(&["http://a".into(), "nope".into()]).is_err());
    }
}
