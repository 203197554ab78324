//! Aliyun request signatures, as pure functions.
//!
//! Aliyun accepts two signatures for the VOD API: the older [RPC HMAC-SHA1](rpc)
//! (`SignatureVersion=1.0`, parameters only) and the newer [ACS3-HMAC-SHA256](acs3)
//! (V3: method, query, headers and body). Both start from the same
//! [percent-encoding](encode).
//!
//! Signing lives apart from transport, as in `reqsign`, for three reasons:
//!
//! - **Testable byte for byte.** Nothing here reads a clock, draws a nonce or does I/O:
//!   the caller passes the timestamp, nonce and credentials as ordinary parameters or
//!   headers. The same inputs always give the same signature, which is what lets the
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
//! Secrets are plain `&str` here and never stored; nothing in this module formats a
//! secret, and [`acs3::SignableRequest`]'s `Debug` redacts the security token.

pub mod acs3;
pub mod encode;
pub mod rpc;

/// Appends the lower-case hex of `bytes` to `out` (digests, in the V3 signature).
fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}
