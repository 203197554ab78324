//! Verifying Aliyun's two signature schemes with the emulator's own code: RPC HMAC-SHA1
//! (SignatureVersion 1.0) and ACS3-HMAC-SHA256 (V3).
//!
//! The emulator must not share signing code with the adapters it tests, or a bug in one would
//! hide in both. The string-building functions here are therefore written from the vendor notes
//! alone and pinned to the vectors in `testdata/vectors/aliyun-*.json` (see the tests below).
//!
//! Both schemes are checked in the same order: timestamp (format, then the 15-minute window),
//! access key, STS security token, signature, and only then the nonce, so a forged request can
//! neither burn a nonce nor learn whether one was used.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::Duration;

use super::AliyunRequest;
use super::reply::AliyunError;
use crate::clock::parse_iso;
use crate::config::AccessKey;
use crate::state::Shared;
use axum::http::StatusCode;

/// How far a request's timestamp may be from the emulator's clock.
const TIMESTAMP_WINDOW: Duration = Duration::minutes(15);

/// The ACS3 algorithm name, in `Authorization` and the string to sign.
const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Everything but `A-Z a-z 0-9 - _ . ~` is escaped (so space is `%20` and `*` is `%2A`).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Aliyun's percent-encoding of a name or value (UTF-8, upper-case hex).
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `name=value` pairs encoded, sorted by name (byte order, stable for repeated names) and
/// joined with `&`: the canonicalized query of both schemes.
pub(crate) fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The RPC string to sign: `METHOD&%2F&enc(canonicalized query)` over every parameter but
/// `Signature`.
pub(crate) fn rpc_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let query = canonical_query(
        params
            .iter()
            .filter(|(name, _)| name != "Signature")
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&query)
    )
}

/// `base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub(crate) fn rpc_signature(secret: &str, string_to_sign: &str) -> String {
    use base64::Engine as _;
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The ACS3 canonical request. `headers` are the signed headers' lower-case names and trimmed
/// values, in the order of `signed_headers`.
pub(crate) fn acs3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let query = canonical_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    format!("{method}\n{path}\n{query}\n{headers}\n{signed_headers}\n{payload_hash}")
}

/// `ACS3-HMAC-SHA256 \n hex(sha256(canonical request))`.
pub(crate) fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ACS3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// `hex(HMAC-SHA256(secret, string_to_sign))`.
pub(crate) fn acs3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks the request's signature with whichever scheme it uses.
pub(crate) fn authenticate(
    shared: &Shared,
    request: &AliyunRequest<'_>,
) -> Result<(), AliyunError> {
    if request.is_acs3() {
        verify_acs3(shared, request)
    } else {
        verify_rpc(shared, request)
    }
}

fn verify_rpc(shared: &Shared, request: &AliyunRequest<'_>) -> Result<(), AliyunError> {
    check_timestamp(shared, request.param("Timestamp"))?;
    require_value(
        request.param("SignatureMethod"),
        "SignatureMethod",
        "HMAC-SHA1",
    )?;
    require_value(request.param("SignatureVersion"), "SignatureVersion", "1.0")?;
    let key = access_key(shared, request.param("AccessKeyId"))?;
    check_security_token(key, request.param("SecurityToken"))?;
    let nonce = present(request.param("SignatureNonce"), "SignatureNonce")?;
    let signature = present(request.param("Signature"), "Signature")?;
    let string_to_sign = rpc_string_to_sign(request.method.as_str(), &request.params);
    if rpc_signature(&key.secret, &string_to_sign) != signature {
        return Err(signature_mismatch(&string_to_sign));
    }
    check_nonce(shared, key, nonce)
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`
/// header.
#[derive(Debug, PartialEq, Eq)]
struct Acs3Authorization<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_acs3_authorization(value: &str) -> Result<Acs3Authorization<'_>, AliyunError> {
    let incomplete = |why: &str| {
        AliyunError::bad_request(
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards: {why}."),
        )
    };
    let (algorithm, fields) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ACS3_ALGORITHM {
        return Err(incomplete(&format!(
            "the signature algorithm must be {ACS3_ALGORITHM}"
        )));
    }
    let field = |name: &str| {
        fields
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| incomplete(&format!("Authorization has no {name}")))
    };
    let authorization = Acs3Authorization {
        credential: field("Credential")?,
        signed_headers: field("SignedHeaders")?,
        signature: field("Signature")?,
    };
    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    if !signed.contains(&"host") {
        return Err(incomplete("SignedHeaders must include host"));
    }
    Ok(authorization)
}

fn verify_acs3(shared: &Shared, request: &AliyunRequest<'_>) -> Result<(), AliyunError> {
    let authorization = parse_acs3_authorization(request.header("authorization").unwrap_or(""))?;
    check_timestamp(shared, request.header("x-acs-date"))?;
    let key = access_key(shared, Some(authorization.credential))?;
    check_security_token(key, request.header("x-acs-security-token"))?;
    let nonce = present(request.header("x-acs-signature-nonce"), "SignatureNonce")?;
    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    if let Some(unsigned) = request
        .headers
        .keys()
        .map(|name| name.as_str())
        .find(|name| name.starts_with("x-acs-") && !signed.contains(name))
    {
        return Err(AliyunError::bad_request(
            "IncompleteSignature",
            format!(
                "The request signature does not conform to Aliyun standards: header {unsigned} is not in SignedHeaders."
            ),
        ));
    }
    let declared_hash = present(request.header("x-acs-content-sha256"), "ContentSha256")?;
    let payload_hash = sha256_hex(request.body);
    if !declared_hash.eq_ignore_ascii_case(&payload_hash) {
        return Err(AliyunError::bad_request(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation: x-acs-content-sha256 is not the SHA-256 of the request body.",
        ));
    }
    let headers: Vec<(String, String)> = signed
        .iter()
        .map(|&name| (name.to_owned(), canonical_header_value(request, name)))
        .collect();
    let canonical = acs3_canonical_request(
        request.method.as_str(),
        request.path,
        &request.query,
        &headers,
        authorization.signed_headers,
        &payload_hash,
    );
    let string_to_sign = acs3_string_to_sign(&canonical);
    if !acs3_signature(&key.secret, &string_to_sign).eq_ignore_ascii_case(authorization.signature) {
        return Err(signature_mismatch(&string_to_sign));
    }
    check_nonce(shared, key, nonce)
}

/// A header's values, each trimmed, joined with `,` (empty when absent).
fn canonical_header_value(request: &AliyunRequest<'_>, name: &str) -> String {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

fn present<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, AliyunError> {
    value
        .filter(|value| !value.is_empty())
        .ok_or_else(|| AliyunError::missing(name))
}

fn require_value(value: Option<&str>, name: &str, expected: &str) -> Result<(), AliyunError> {
    if present(value, name)? == expected {
        Ok(())
    } else {
        Err(AliyunError::bad_request(
            &format!("Invalid{name}"),
            format!("Specified {name} is not valid; this emulator supports {expected}."),
        ))
    }
}

fn check_timestamp(shared: &Shared, value: Option<&str>) -> Result<(), AliyunError> {
    let timestamp = value.and_then(parse_iso).ok_or_else(|| {
        AliyunError::bad_request(
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    })?;
    if (shared.clock.now() - timestamp).abs() > TIMESTAMP_WINDOW {
        return Err(AliyunError::bad_request(
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    Ok(())
}

fn access_key<'a>(shared: &'a Shared, id: Option<&str>) -> Result<&'a AccessKey, AliyunError> {
    let id = present(id, "AccessKeyId")?;
    shared.keys.get(id).ok_or_else(|| {
        AliyunError::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    })
}

fn check_security_token(key: &AccessKey, sent: Option<&str>) -> Result<(), AliyunError> {
    let Some(expected) = &key.security_token else {
        return Ok(());
    };
    match sent.filter(|token| !token.is_empty()) {
        None => Err(AliyunError::bad_request(
            "MissingSecurityToken",
            "SecurityToken is mandatory for this action.",
        )),
        Some(token) if token == expected => Ok(()),
        Some(_) => Err(AliyunError::bad_request(
            "InvalidSecurityToken.Mismatch",
            "Specified SecurityToken mismatch with the AccessKey.",
        )),
    }
}

fn signature_mismatch(string_to_sign: &str) -> AliyunError {
    AliyunError::bad_request(
        "SignatureDoesNotMatch",
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
        ),
    )
}

fn check_nonce(shared: &Shared, key: &AccessKey, nonce: &str) -> Result<(), AliyunError> {
    if shared
        .aliyun
        .nonces
        .first_use(format!("{}\n{nonce}", key.id))
    {
        Ok(())
    } else {
        Err(AliyunError::bad_request(
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ))
    }
}

#[cfg(test)]
mod tests {
    //! The vendor vectors, checked against the string builders above. The end-to-end check
    //! (the same vectors sent over HTTP) is in `tests/vectors.rs`.
    use super::*;
    use serde_json::Value;

    fn vectors(file: &str) -> Vec<Value> {
        let path = format!(
            "{}/../../testdata/vectors/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json: Value = serde_json::from_str(&text).unwrap();
        json["vectors"].as_array().unwrap().clone()
    }

    fn pairs(object: &Value) -> Vec<(String, String)> {
        object
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    }

    #[test]
    fn rpc_vectors() {
        let vectors = vectors("aliyun-rpc-hmac-sha1.json");
        assert!(vectors.len() >= 5);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let sts = rpc_string_to_sign(v["method"].as_str().unwrap(), &pairs(&v["params"]));
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{name}");
            let signature = rpc_signature(v["access_key_secret"].as_str().unwrap(), &sts);
            assert_eq!(signature, v["signature"].as_str().unwrap(), "{name}");
        }
    }

    #[test]
    fn acs3_vectors() {
        let vectors = vectors("aliyun-acs3-hmac-sha256.json");
        assert!(vectors.len() >= 3);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let expected = parse_acs3_authorization(v["authorization"].as_str().unwrap()).unwrap();
            assert_eq!(expected.credential, v["access_key_id"].as_str().unwrap());
            let headers_json = v["headers"].as_object().unwrap();
            let headers: Vec<(String, String)> = expected
                .signed_headers
                .split(';')
                .map(|n| (n.to_owned(), headers_json[n].as_str().unwrap().to_owned()))
                .collect();
            let body = v["body"].as_str().unwrap();
            let canonical = acs3_canonical_request(
                v["method"].as_str().unwrap(),
                v["path"].as_str().unwrap(),
                &pairs(&v["query"]),
                &headers,
                expected.signed_headers,
                &sha256_hex(body.as_bytes()),
            );
            assert_eq!(
                canonical,
                v["canonical_request"].as_str().unwrap(),
                "{name}"
            );
            let sts = acs3_string_to_sign(&canonical);
            assert_eq!(
                sts,
                format!(
                    "ACS3-HMAC-SHA256\n{}",
                    v["hashed_canonical_request"].as_str().unwrap()
                ),
                "{name}"
            );
            let signature = acs3_signature(v["access_key_secret"].as_str().unwrap(), &sts);
            assert_eq!(signature, expected.signature, "{name}");
        }
    }

    #[test]
    fn percent_encoding_follows_the_notes() {
        assert_eq!(percent_encode("a b*c~d+e/é"), "a%20b%2Ac~d%2Be%2F%C3%A9");
    }

    #[test]
    fn authorization_header_parsing() {
        let parsed = parse_acs3_authorization(
            "ACS3-HMAC-SHA256 Credential=ak, SignedHeaders=host;x-acs-date, Signature=ab",
        )
        .unwrap();
        assert_eq!(
            parsed,
            Acs3Authorization {
                credential: "ak",
                signed_headers: "host;x-acs-date",
                signature: "ab",
            }
        );
        for bad in [
            "ACS3-HMAC-SM3 Credential=ak,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=x-acs-date,Signature=ab",
        ] {
            let error = parse_acs3_authorization(bad).unwrap_err();
            assert_eq!(error.code, "IncompleteSignature", "{bad}");
        }
    }
}
