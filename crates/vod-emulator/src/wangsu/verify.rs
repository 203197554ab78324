//! Verifying Wangsu's gateway signatures with the emulator's own code: WS3-HMAC-SHA256 and
//! CNC-HMAC-SHA256, which differ only in names.
//!
//! Written from the vendor notes alone and pinned to `testdata/vectors/wangsu-ws3-hmac-sha256.json`
//! (see the tests below), so a bug shared with an adapter cannot hide. The canonical request
//! lower-cases header values, leaves the query empty for `POST` and URL-decodes it (in the order
//! sent) for `GET`, and hashes the exact body bytes.

use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

use super::Variant;
use super::reply::WangsuError;
use crate::config::AccessKey;
use crate::state::Shared;
use axum::http::{HeaderMap, Method};

/// How far the timestamp header may be from the emulator's clock, in seconds.
const TIMESTAMP_WINDOW_SECS: i64 = 5 * 60;

/// The gateway's rejection messages.
pub(crate) const INVALID_ACCESS_KEY: &str = "invalid access key";
pub(crate) const SIGNATURE_MISMATCH: &str = "signature does not match";
pub(crate) const TIMESTAMP_EXPIRED: &str =
    "timestamp expired: more than 5 minutes from server time";
pub(crate) const REPEATED_REQUEST: &str = "repeated request";

/// The canonical request. `headers` are the signed headers' names and values in the order of
/// `signed_headers`; values are lower-cased here.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    signed_headers: &str,
    body: &[u8],
) -> String {
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.to_lowercase()))
        .collect();
    let body_hash = hex::encode(Sha256::digest(body));
    format!("{method}\n{path}\n{query}\n{headers}\n{signed_headers}\n{body_hash}")
}

/// `ALGORITHM \n timestamp \n hex(sha256(canonical request))`.
pub(crate) fn string_to_sign(algorithm: &str, timestamp: &str, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{algorithm}\n{timestamp}\n{hash}")
}

/// `hex(HMAC-SHA256(secret, string_to_sign))`.
pub(crate) fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The canonical query: empty for `POST`, the URL-decoded query as sent otherwise.
pub(crate) fn canonical_query(method: &Method, query: Option<&str>) -> String {
    if method == Method::POST {
        String::new()
    } else {
        percent_decode_str(query.unwrap_or(""))
            .decode_utf8_lossy()
            .into_owned()
    }
}

/// The parts of `Authorization: ALG Credential=AK, SignedHeaders=a;b, Signature=hex`.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    algorithm: &'a str,
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let (algorithm, fields) = value.split_once(' ')?;
    let field = |name: &str| {
        fields
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    };
    Some(Authorization {
        algorithm,
        credential: field("Credential")?,
        signed_headers: field("SignedHeaders")?,
        signature: field("Signature")?,
    })
}

/// A request as the gateway sees it.
#[derive(Debug)]
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl SignedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Checks the request as the gateway does and returns the caller's key.
pub(crate) fn authenticate<'s>(
    shared: &'s Shared,
    variant: Variant,
    request: &SignedRequest<'_>,
) -> Result<&'s AccessKey, WangsuError> {
    let key = request
        .header(variant.access_key_header())
        .and_then(|id| shared.keys.get(id))
        .ok_or_else(|| WangsuError::unauthorized(INVALID_ACCESS_KEY))?;
    let authorization = request
        .header("authorization")
        .and_then(parse_authorization)
        .filter(|auth| auth.algorithm == variant.algorithm() && auth.credential == key.id)
        .ok_or_else(|| WangsuError::unauthorized(SIGNATURE_MISMATCH))?;
    let timestamp = request
        .header(variant.timestamp_header())
        .ok_or_else(|| WangsuError::unauthorized(TIMESTAMP_EXPIRED))?;
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| WangsuError::unauthorized(TIMESTAMP_EXPIRED))?;
    if (shared.clock.now().unix_timestamp() - seconds).abs() > TIMESTAMP_WINDOW_SECS {
        return Err(WangsuError::unauthorized(TIMESTAMP_EXPIRED));
    }
    let headers: Vec<(&str, &str)> = authorization
        .signed_headers
        .split(';')
        .map(|name| (name, request.header(name).unwrap_or("")))
        .collect();
    let canonical = canonical_request(
        request.method.as_str(),
        request.path,
        &canonical_query(request.method, request.query),
        &headers,
        authorization.signed_headers,
        request.body,
    );
    let expected = signature(
        &key.secret,
        &string_to_sign(variant.algorithm(), timestamp, &canonical),
    );
    if !expected.eq_ignore_ascii_case(authorization.signature) {
        return Err(WangsuError::unauthorized(SIGNATURE_MISMATCH));
    }
    if !shared.wangsu.signatures.first_use(expected) {
        return Err(WangsuError::unauthorized(REPEATED_REQUEST));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/wangsu-ws3-hmac-sha256.json"
        );
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let vectors = json["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 3);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let auth = parse_authorization(v["authorization"].as_str().unwrap()).unwrap();
            assert_eq!(auth.algorithm, v["alg"].as_str().unwrap(), "{name}");
            assert_eq!(auth.credential, v["ak"].as_str().unwrap(), "{name}");
            let sent = v["headers"].as_object().unwrap();
            let headers: Vec<(&str, &str)> = auth
                .signed_headers
                .split(';')
                .map(|signed| {
                    let value = sent
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(signed))
                        .map(|(_, v)| v.as_str().unwrap())
                        .unwrap_or("");
                    (signed, value)
                })
                .collect();
            let method: Method = v["method"].as_str().unwrap().parse().unwrap();
            let query = v["query"].as_str().unwrap();
            let canonical = canonical_request(
                method.as_str(),
                v["uri"].as_str().unwrap(),
                &canonical_query(&method, Some(query)),
                &headers,
                auth.signed_headers,
                v["body"].as_str().unwrap().as_bytes(),
            );
            assert_eq!(
                canonical,
                v["canonical_request"].as_str().unwrap(),
                "{name}"
            );
            let sts = string_to_sign(auth.algorithm, v["ts"].as_str().unwrap(), &canonical);
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{name}");
            assert_eq!(
                signature(v["sk"].as_str().unwrap(), &sts),
                auth.signature,
                "{name}"
            );
        }
    }

    #[test]
    fn get_query_is_decoded_in_order_and_post_query_is_empty() {
        let query = Some("b=%E6%B5%8B+x&a=1%202");
        assert_eq!(canonical_query(&Method::GET, query), "b=测+x&a=1 2");
        assert_eq!(canonical_query(&Method::POST, query), "");
    }

    #[test]
    fn authorization_parsing() {
        assert_eq!(
            parse_authorization("CNC-HMAC-SHA256 Credential=ak, SignedHeaders=host, Signature=ff"),
            Some(Authorization {
                algorithm: "CNC-HMAC-SHA256",
                credential: "ak",
                signed_headers: "host",
                signature: "ff",
            })
        );
        assert_eq!(parse_authorization("WS3-HMAC-SHA256 Credential=ak"), None);
        assert_eq!(parse_authorization("garbage"), None);
    }
}
