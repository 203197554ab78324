//! The V4 signature: `OSS4-HMAC-SHA256`.
//!
//! ```text
//! CanonicalRequest = METHOD \n
//!                    UriEncode("/" bucket "/" key, keeping "/") \n
//!                    CanonicalQuery \n              (every parameter, encoded, sorted)
//!                    {name ":" value "\n"}* \n      (x-oss-*, content-type, content-md5, additional)
//!                    additional;header;names \n
//!                    x-oss-content-sha256 value
//! StringToSign     = "OSS4-HMAC-SHA256" \n x-oss-date \n Scope \n hex(SHA256(CanonicalRequest))
//! Scope            = YYYYMMDD "/" region "/oss/aliyun_v4_request"
//! SigningKey       = HMAC(HMAC(HMAC(HMAC("aliyun_v4" secret, YYYYMMDD), region), "oss"), "aliyun_v4_request")
//! Authorization    = "OSS4-HMAC-SHA256 Credential=" AK "/" Scope ", Signature=" hex
//!                    [", AdditionalHeaders=" names]
//! ```
//!
//! - The bucket is in the canonical URI even for virtual-hosted requests.
//! - Encoding is Aliyun's ([`crate::sign::encode`]): `A-Z a-z 0-9 - _ . ~` literal, every
//!   other byte `%XX`; the path keeps `/`, the query encodes it.
//! - Header values are signed as sent (oss2 does not trim them).
//! - The separators and order in `Authorization` are oss2's (`, `, additional headers last);
//!   the value is not signed, and OSS reads either form. `AdditionalHeaders=` is never sent
//!   empty (OSS rejects that, EC 0002-00000209).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{SECURITY_TOKEN_HEADER, SignableRequest, iso8601_basic};
use crate::sign::encode::encode_into;
use vod_core::raw::{SignedParts, SigningKey};

/// The algorithm name that starts the string to sign and the `Authorization` value.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// Headers V4 always signs, besides every `x-oss-*` one.
const DEFAULT_SIGNED: &[&str] = &["content-md5", "content-type"];

/// Aliyun's URI encoding; with `keep_slash`, `/` stays literal (the canonical URI).
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len() * 3 / 2);
    if keep_slash {
        for (i, segment) in input.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            encode_into(&mut out, segment);
        }
    } else {
        encode_into(&mut out, input);
    }
    out
}

/// The additional header names as signed: lower case, without the ones V4 signs anyway,
/// sorted, each once.
pub fn additional_headers(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .filter(|n| !n.starts_with("x-oss-") && !DEFAULT_SIGNED.contains(&n.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The canonical query: every parameter, name and value encoded, sorted by encoded name,
/// `name=value` or `name` alone when the value is empty.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    encoded.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// The canonical request, for `request` with the signer's own headers (`x-oss-date`,
/// `x-oss-content-sha256`, the token) given as `added`.
pub fn canonical_request(request: &SignableRequest<'_>, added: &[(&str, &str)]) -> String {
    let additional = additional_headers(request.additional_headers);
    let mut headers: Vec<(String, &str)> = request
        .caller_headers()
        .chain(added.iter().map(|(n, v)| (n.to_ascii_lowercase(), *v)))
        .filter(|(name, _)| {
            name.starts_with("x-oss-")
                || DEFAULT_SIGNED.contains(&name.as_str())
                || additional.contains(name)
        })
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));

    let mut out = String::with_capacity(512);
    out.push_str(request.method);
    out.push('\n');
    out.push_str(&uri_encode(
        &format!("/{}/{}", request.bucket, request.key),
        true,
    ));
    out.push('\n');
    out.push_str(&canonical_query(request.query));
    out.push('\n');
    for (name, value) in &headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&additional.join(";"));
    out.push('\n');
    out.push_str(request.payload.as_str());
    out
}

/// `YYYYMMDD/region/oss/aliyun_v4_request`.
pub fn scope(date: &str, region: &str) -> String {
    format!("{date}/{region}/oss/aliyun_v4_request")
}

/// The string to sign for a canonical request at `datetime` (`20240102T030405Z`).
pub fn string_to_sign(canonical_request: &str, datetime: &str, region: &str) -> String {
    let date = datetime.get(..8).unwrap_or(datetime);
    format!(
        "{ALGORITHM}\n{datetime}\n{}\n{}",
        scope(date, region),
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

fn hmac256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The hex signature of a string to sign, with the key derived from the secret, the date
/// (`YYYYMMDD`) and the region.
pub fn signature(string_to_sign: &str, secret: &str, date: &str, region: &str) -> String {
    let k_secret = format!("aliyun_v4{secret}");
    let k_date = hmac256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac256(&k_date, region.as_bytes());
    let k_service = hmac256(&k_region, b"oss");
    let k_signing = hmac256(&k_service, b"aliyun_v4_request");
    hex::encode(hmac256(&k_signing, string_to_sign.as_bytes()))
}

/// Signs `request` at `now` for `region`: adds `x-oss-security-token` (STS keys),
/// `x-oss-date`, `x-oss-content-sha256` and `authorization`. No `Date` header, as oss2.
pub fn sign(
    request: &SignableRequest<'_>,
    keys: &SigningKey,
    region: &str,
    now: OffsetDateTime,
) -> SignedParts {
    let datetime = iso8601_basic(now);
    let date = &datetime[..8];
    let token = keys.token.as_ref().map(|t| t.expose());
    let payload = request.payload.as_str();
    let mut added: Vec<(&str, &str)> = Vec::with_capacity(3);
    if let Some(token) = token {
        added.push((SECURITY_TOKEN_HEADER, token));
    }
    added.push(("x-oss-date", &datetime));
    added.push(("x-oss-content-sha256", payload));

    let canonical = canonical_request(request, &added);
    let string_to_sign = string_to_sign(&canonical, &datetime, region);
    let sig = signature(&string_to_sign, keys.secret.expose(), date, region);
    let mut authorization = format!(
        "{ALGORITHM} Credential={}/{}, Signature={sig}",
        keys.id,
        scope(date, region)
    );
    let additional = additional_headers(request.additional_headers);
    if !additional.is_empty() {
        authorization.push_str(", AdditionalHeaders=");
        authorization.push_str(&additional.join(";"));
    }

    let mut headers = Vec::with_capacity(4);
    if let Some(token) = token {
        headers.push((SECURITY_TOKEN_HEADER, token.to_owned()));
    }
    headers.push(("x-oss-date", datetime.clone()));
    headers.push(("x-oss-content-sha256", payload.to_owned()));
    headers.push(("authorization", authorization));
    SignedParts {
        headers,
        query: Vec::new(),
        string_to_sign,
        canonical_request: Some(canonical),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(
            uri_encode("/b/sv/测 a+b~(1).mp4", true),
            "/b/sv/%E6%B5%8B%20a%2Bb~%281%29.mp4"
        );
        assert_eq!(uri_encode("a/b", false), "a%2Fb");
        assert_eq!(
            canonical_query(&[
                ("uploadId", "U"),
                ("part-number-marker", ""),
                ("max-parts", "1000")
            ]),
            "max-parts=1000&part-number-marker&uploadId=U"
        );
        assert_eq!(canonical_query(&[("uploads", "")]), "uploads");
        assert_eq!(canonical_query(&[]), "");
    }

    #[test]
    fn additional_headers_skip_the_default_ones() {
        assert_eq!(
            additional_headers(&["Host", "x-oss-meta-a", "Content-Type", "range", "host"]),
            ["host", "range"]
        );
        assert!(additional_headers(&[]).is_empty());
    }
}
