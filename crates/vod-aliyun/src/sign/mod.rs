//! Aliyun request signatures, as pure functions.
//!
//! Aliyun accepts two signatures for the VOD API: the older [RPC HMAC-SHA1](rpc)
//! (`SignatureVersion=1.0`, parameters only) and the newer [ACS3-HMAC-SHA256](acs3)
//! (V3: method, query, headers and body). Both start from the same
//! [percent-encoding](encode).
//!
//! Each signature has one function that production, tests and benchmarks all call, shaped like
//! aws-sigv4's: [`rpc::sign`] and [`acs3::sign`] take the request's parts, a
//! [`SigningKey`](vod_core::raw::SigningKey) (id, secret, optional STS token), the time and a nonce,
//! and return a [`SignedParts`](vod_core::raw::SignedParts): every query parameter or header to add,
//! and the string to sign for diagnostics. The other functions are the steps, public so that
//! tests can check each against official vectors.
//!
//! Signing lives apart from transport, as in `reqsign`, for three reasons:
//!
//! - **Testable byte for byte.** Nothing here reads a clock, draws a nonce or does I/O:
//!   the caller passes the time, nonce and key. The same inputs always give the same signature, which is what lets the
//!   tests check official vectors and compare with the official SDKs on random inputs.
//! - **Diagnosable.** Every intermediate string (canonicalized query, canonical request,
//!   string to sign) has its own function. When Aliyun answers `SignatureDoesNotMatch`
//!   it quotes the string to sign it computed; if that equals ours, the secret is wrong,
//!   otherwise the request was altered or encoded differently on the way.
//! - **Cheap.** A signature is computed per attempt (a retry needs a fresh nonce), so
//!   the functions build each string in one pre-sized buffer and encode without
//!   intermediate copies.
//!
//! Parameters and headers are passed as `BTreeMap<String, String>`, whose iteration
//! order is the byte order of the names: the order both signatures sort by.
//!
//! Secrets come in as [`Secret`](vod_core::Secret)s and are never stored; nothing in this module
//! formats a secret, and [`acs3::SignableRequest`]'s `Debug` redacts the security token.

pub mod acs3;
pub mod encode;
pub mod rpc;

use time::{OffsetDateTime, UtcOffset};

/// `YYYY-MM-DDThh:mm:ssZ` in UTC, as both signatures want it (`Timestamp`, `x-acs-date`).
///
/// ```
/// use time::macros::datetime;
/// let at = datetime!(2024-01-02 11:04:05.999 +08:00);
/// assert_eq!(vod_aliyun::sign::timestamp(at), "2024-01-02T03:04:05Z");
/// ```
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Appends the lower-case hex of `bytes` to `out` (digests, in the V3 signature).
fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}
