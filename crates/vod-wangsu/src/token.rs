//! Reading the expiry out of a Wangsu upload token.
//!
//! Get Video Upload Token answers with a storage token but no expiry time. The expiry is inside
//! the token: `AccessKey:sign:encodedPolicy`, where `encodedPolicy` is URL-safe base64 of the
//! JSON put-policy and the policy's `deadline` is a Unix time in milliseconds. Knowing it lets a
//! caller refresh before the upload host starts answering 401.
//!
//! The token comes from the network, so decoding is lenient where vendors vary (padding present
//! or not, the standard base64 alphabet instead of the URL-safe one, `deadline` as a string or
//! a number) and never panics; anything else is a [`TokenError`]: the provider answers a token
//! without a deadline with a conservative lifetime, and an unreadable deadline with an error.
//! Errors never include the token, which is a credential.
//!
//! Only decoding lives here. Minting tokens (HMAC-SHA1 over the policy) is the storage
//! service's job.

use std::fmt;

use time::OffsetDateTime;
use vod_core::raw::text::decode_base64_lenient;

/// Why an upload token's deadline could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is not of the form `AccessKey:sign:encodedPolicy` with a non-empty policy.
    NotAToken,
    /// The policy part is not base64 (URL-safe or standard, padded or not).
    PolicyNotBase64,
    /// The decoded policy is not a JSON object.
    PolicyNotJson,
    /// The policy has no `deadline`.
    NoDeadline,
    /// `deadline` is neither a non-negative integer nor a string of one.
    InvalidDeadline,
    /// `deadline` is an integer, but too large to be a date.
    DeadlineOutOfRange,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::NotAToken => "upload token is not of the form AccessKey:sign:encodedPolicy",
            TokenError::PolicyNotBase64 => "upload token policy is not base64",
            TokenError::PolicyNotJson => "upload token policy is not a JSON object",
            TokenError::NoDeadline => "upload token policy has no deadline",
            TokenError::InvalidDeadline => {
                "upload token deadline is not a non-negative integer of milliseconds"
            }
            TokenError::DeadlineOutOfRange => "upload token deadline is out of range",
        })
    }
}

impl std::error::Error for TokenError {}

/// The deadline of an upload token `AccessKey:sign:encodedPolicy`: the put-policy's `deadline`,
/// read as Unix milliseconds.
///
/// The policy is the text after the last `:`; it may use the URL-safe or the standard base64
/// alphabet, with or without padding. `deadline` may be a JSON number or a string of decimal
/// digits. Surrounding whitespace is ignored.
///
/// # Errors
///
/// A [`TokenError`] saying which step failed: the token's shape, the base64, the JSON, or the
/// `deadline` value.
///
/// ```
/// use vod_wangsu::token::deadline;
/// // policy: {"scope":"mybucket:video/test.mp4","deadline":"1700000000000","overwrite":1}
/// let token = "UMU:OWFlZDNiNjk1ZDI1NjRkZjRlMThmNzAwOWY5MWYyOWZhZGI1OWJjNA==:\
///              eyJzY29wZSI6Im15YnVja2V0OnZpZGVvL3Rlc3QubXA0IiwiZGVhZGxpbmUiOiIxNzAwMDAwMDAwMDAwIiwib3ZlcndyaXRlIjoxfQ==";
/// let at = deadline(token).unwrap();
/// assert_eq!(at.unix_timestamp(), 1_700_000_000);
/// assert!(deadline("not a token").is_err());
/// ```
pub fn deadline(upload_token: &str) -> Result<OffsetDateTime, TokenError> {
    let millis = deadline_millis(upload_token)?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| TokenError::DeadlineOutOfRange)
}

fn deadline_millis(upload_token: &str) -> Result<u64, TokenError> {
    let mut parts = upload_token.trim().rsplitn(3, ':');
    let policy = parts.next().unwrap_or_default();
    if parts.count() != 2 || policy.is_empty() {
        return Err(TokenError::NotAToken);
    }
    let json = decode_base64(policy)?;
    let policy: serde_json::Value =
        serde_json::from_slice(&json).map_err(|_| TokenError::PolicyNotJson)?;
    let object = policy.as_object().ok_or(TokenError::PolicyNotJson)?;
    match object.get("deadline") {
        None | Some(serde_json::Value::Null) => Err(TokenError::NoDeadline),
        Some(serde_json::Value::String(s)) => parse_millis(s),
        Some(serde_json::Value::Number(n)) => number_millis(n),
        Some(_) => Err(TokenError::InvalidDeadline),
    }
}

fn decode_base64(policy: &str) -> Result<Vec<u8>, TokenError> {
    decode_base64_lenient(policy).ok_or(TokenError::PolicyNotBase64)
}

fn parse_millis(s: &str) -> Result<u64, TokenError> {
    let digits = s.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TokenError::InvalidDeadline);
    }
    digits
        .parse::<u64>()
        .map_err(|_| TokenError::DeadlineOutOfRange)
}

fn number_millis(n: &serde_json::Number) -> Result<u64, TokenError> {
    if let Some(ms) = n.as_u64() {
        return Ok(ms);
    }
    if n.is_i64() {
        // Negative.
        return Err(TokenError::InvalidDeadline);
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 => {
            if f < 18_446_744_073_709_551_616.0 {
                // Integral, non-negative and below 2^64: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(f as u64)
            } else {
                Err(TokenError::DeadlineOutOfRange)
            }
        }
        _ => Err(TokenError::InvalidDeadline),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let n = |s: &str| number_millis(&serde_json::from_str(s).unwrap());
        assert_eq!(n("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(n("1.7e12"), Ok(1_700_000_000_000));
        assert_eq!(n("-1"), Err(TokenError::InvalidDeadline));
        assert_eq!(n("1.5"), Err(TokenError::InvalidDeadline));
        assert_eq!(n("1e300"), Err(TokenError::DeadlineOutOfRange));
    }

    #[test]
    fn strings() {
        assert_eq!(parse_millis(" 42 "), Ok(42));
        assert_eq!(parse_millis("+42"), Err(TokenError::InvalidDeadline));
        assert_eq!(parse_millis(""), Err(TokenError::InvalidDeadline));
        assert_eq!(
            parse_millis("99999999999999999999999"),
            Err(TokenError::DeadlineOutOfRange)
        );
    }
}
