//! Splits a fully spelled-out request (as vectors and SDK cases record them: every common
//! parameter or header already in place) into what the signers take: the request's own parts,
//! a `SigningKey`, the time and the nonce. Then the tests and benchmarks call `rpc::sign` and
//! `acs3::sign`, the functions production calls, on recorded inputs.
//!
//! Shared by `tests/sign_vectors.rs`, `tests/sdk_crosscheck.rs` and (through `#[path]`) the
//! workspace's `benches/support/sign_cases.rs`.

#![allow(dead_code)] // each includer uses a different part

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::macros::format_description;
use vod_aliyun::sign::{acs3, rpc, timestamp};
use vod_core::Secret;
use vod_core::raw::SigningKey;

/// What `rpc::sign` or `acs3::sign` takes besides the method (and path, query, body).
pub struct SignerInputs {
    /// The operation's parameters (RPC) or the headers to sign (ACS3), without what the signer
    /// adds.
    pub parts: BTreeMap<String, String>,
    pub key: SigningKey,
    pub at: OffsetDateTime,
    pub nonce: String,
}

/// The recorded time, when it is in the form the signers write (so signing it again gives the
/// same text).
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let at = time::PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"),
    )
    .ok()?
    .assume_utc();
    (timestamp(at) == text).then_some(at)
}

/// The inputs of `rpc::sign` from a full parameter set, when it has every common parameter in
/// the form `rpc::sign` writes (HMAC-SHA1, version 1.0).
pub fn rpc_inputs(full: &BTreeMap<String, String>, secret: &str) -> Option<SignerInputs> {
    let mut parts = full.clone();
    let mut take = |name: &str| parts.remove(name);
    let id = take("AccessKeyId")?;
    let nonce = take("SignatureNonce")?;
    let at = parse_time(&take("Timestamp")?)?;
    let method = take("SignatureMethod")?;
    let version = take("SignatureVersion")?;
    let token = take("SecurityToken");
    if method != rpc::SIGNATURE_METHOD || version != rpc::SIGNATURE_VERSION {
        return None;
    }
    if token.as_deref() == Some("") {
        return None; // the signer sends no empty token
    }
    Some(SignerInputs {
        parts,
        key: SigningKey::new(id, secret).with_token(token.map(Secret::new)),
        at,
        nonce,
    })
}

/// The inputs of `acs3::sign` from the full signed header set, when it has the headers
/// `acs3::sign` adds, spelled as it spells them, and `x-acs-content-sha256` is the body's hash.
pub fn acs3_inputs(
    full: &BTreeMap<String, String>,
    body: &[u8],
    id: &str,
    secret: &str,
) -> Option<SignerInputs> {
    const ADDED: [&str; 4] = [
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "x-acs-security-token",
    ];
    // A header the signer adds, spelled otherwise, would be signed twice.
    if full
        .keys()
        .any(|k| ADDED.iter().any(|a| k.eq_ignore_ascii_case(a) && k != a))
    {
        return None;
    }
    let mut parts = full.clone();
    let mut take = |name: &str| parts.remove(name);
    let at = parse_time(&take("x-acs-date")?)?;
    let nonce = take("x-acs-signature-nonce")?;
    let sha = take("x-acs-content-sha256")?;
    let token = take("x-acs-security-token");
    if sha != acs3::content_sha256(body) || token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return None;
    }
    if token.as_deref().is_some_and(|t| t.trim() != t) {
        return None; // signed trimmed, sent as is: not what the signer produces
    }
    Some(SignerInputs {
        parts,
        key: SigningKey::new(id, secret).with_token(token.map(Secret::new)),
        at,
        nonce,
    })
}
