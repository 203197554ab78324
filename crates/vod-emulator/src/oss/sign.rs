//! OSS request signatures, V1 (`OSS ak:sig`, HMAC-SHA1) and V4 (`OSS4-HMAC-SHA256`), written
//! from the vendor notes (`storage-upload.md` §A.1) and pinned to the oss2-made vectors in
//! `testdata/vectors/oss-upload-signatures.json`. Independent of the adapter's signer on purpose: the
//! two sides must not share a bug.
//!
//! Both schemes sign `/bucket/key` with the key *decoded*, whether the request came virtual-hosted
//! or path style, so the emulator (path style on loopback) checks the same strings the real
//! service checks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

/// The query names V1 signs (oss2's sub-resource list, the part that matters for uploads and
/// the common read options).
const V1_SUBRESOURCES: &[&str] = &[
    "acl",
    "append",
    "bucketInfo",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "inventory",
    "inventoryId",
    "lifecycle",
    "live",
    "location",
    "logging",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "referer",
    "replication",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "stat",
    "status",
    "symlink",
    "tagging",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-process",
];

/// V4's UriEncode keeps only `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of a request both schemes sign. Header names are lower-case.
#[derive(Debug, Clone)]
pub(crate) struct Signed<'a> {
    pub(crate) method: &'a str,
    pub(crate) bucket: &'a str,
    /// The object key, decoded.
    pub(crate) key: &'a str,
    /// The query, decoded, in the order sent.
    pub(crate) query: &'a [(String, String)],
    /// Every header as (lower-case name, value).
    pub(crate) headers: &'a [(String, String)],
}

impl Signed<'_> {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Splits a raw query string into decoded `(name, value)` pairs (`k` alone has an empty value).
pub(crate) fn decode_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Percent-decodes `text` (invalid UTF-8 is replaced).
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The V1 string to sign.
pub(crate) fn v1_string_to_sign(request: &Signed<'_>) -> String {
    let date = match request.header("x-oss-date") {
        "" => request.header("date"),
        date => date,
    };
    let mut oss_headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-oss-"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    oss_headers.sort();
    let mut text = format!(
        "{}\n{}\n{}\n{date}\n",
        request.method,
        request.header("content-md5"),
        request.header("content-type")
    );
    for (name, value) in oss_headers {
        text.push_str(&format!("{name}:{value}\n"));
    }
    text.push_str(&format!("/{}/{}", request.bucket, request.key));
    let mut subresources: Vec<&(String, String)> = request
        .query
        .iter()
        .filter(|(name, _)| V1_SUBRESOURCES.contains(&name.as_str()))
        .collect();
    subresources.sort();
    for (index, (name, value)) in subresources.into_iter().enumerate() {
        text.push(if index == 0 { '?' } else { '&' });
        text.push_str(name);
        if !value.is_empty() {
            text.push('=');
            text.push_str(value);
        }
    }
    text
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub(crate) fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A parsed `OSS4-HMAC-SHA256` Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V4Authorization {
    pub(crate) access_key_id: String,
    /// `date/region/oss/aliyun_v4_request`.
    pub(crate) scope: String,
    pub(crate) additional_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Parses the fields after `OSS4-HMAC-SHA256 `, in any order, separated by `,` or `, `.
pub(crate) fn parse_v4_authorization(value: &str) -> Option<V4Authorization> {
    let fields = value.strip_prefix("OSS4-HMAC-SHA256 ")?;
    let (mut credential, mut additional, mut signature) = (None, None, None);
    for field in fields.split(',').map(str::trim) {
        let (name, value) = field.split_once('=')?;
        match name {
            "Credential" => credential = Some(value),
            "AdditionalHeaders" => additional = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let (access_key_id, scope) = credential?.split_once('/')?;
    let additional_headers = match additional {
        // An empty AdditionalHeaders= is refused by OSS (EC 0002-00000209).
        Some("") => return None,
        Some(list) => list.split(';').map(str::to_ascii_lowercase).collect(),
        None => Vec::new(),
    };
    Some(V4Authorization {
        access_key_id: access_key_id.to_owned(),
        scope: scope.to_owned(),
        additional_headers,
        signature: signature?.to_owned(),
    })
}

/// The V4 canonical request, signing `additional` headers beside the default ones.
pub(crate) fn v4_canonical_request(request: &Signed<'_>, additional: &[String]) -> String {
    let uri = format!(
        "/{}/{}",
        utf8_percent_encode(request.bucket, UNRESERVED),
        request
            .key
            .split('/')
            .map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string())
            .collect::<Vec<_>>()
            .join("/")
    );
    let mut query: Vec<(String, String)> = request
        .query
        .iter()
        .map(|(n, v)| {
            (
                utf8_percent_encode(n, UNRESERVED).to_string(),
                utf8_percent_encode(v, UNRESERVED).to_string(),
            )
        })
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(n, v)| {
            if v.is_empty() {
                n.clone()
            } else {
                format!("{n}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| {
            name.starts_with("x-oss-")
                || name == "content-type"
                || name == "content-md5"
                || additional.contains(name)
        })
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers.sort();
    let mut text = format!("{}\n{uri}\n{query}\n", request.method);
    for (name, value) in headers {
        text.push_str(&format!("{name}:{value}\n"));
    }
    text.push('\n');
    text.push_str(&additional.join(";"));
    text.push('\n');
    text.push_str(match request.header("x-oss-content-sha256") {
        "" => "UNSIGNED-PAYLOAD",
        payload => payload,
    });
    text
}

/// The V4 string to sign for a canonical request sent at `x_oss_date` (`YYYYMMDDTHHMMSSZ`)
/// under `scope`.
pub(crate) fn v4_string_to_sign(canonical_request: &str, x_oss_date: &str, scope: &str) -> String {
    format!(
        "OSS4-HMAC-SHA256\n{x_oss_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// `hex(HMAC-SHA256(signing key, string_to_sign))` for a scope `day/region/oss/aliyun_v4_request`.
pub(crate) fn v4_signature(secret: &str, day: &str, region: &str, string_to_sign: &str) -> String {
    let key = [day, region, "oss", "aliyun_v4_request"]
        .iter()
        .fold(format!("aliyun_v4{secret}").into_bytes(), |key, part| {
            hmac256(&key, part.as_bytes())
        });
    hex::encode(hmac256(&key, string_to_sign.as_bytes()))
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/oss-upload-signatures.json"
        )))
        .unwrap()
    }

    type Pairs = Vec<(String, String)>;

    /// (method, key, query, headers, authorization) of one vector's request.
    fn request_of(vector: &Value) -> (String, String, Pairs, Pairs, String) {
        let url = vector["url_sent"].as_str().unwrap();
        let rest = url.split_once("aliyuncs.com/").unwrap().1;
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut headers = Vec::new();
        let mut authorization = String::new();
        for (name, value) in vector["headers"].as_object().unwrap() {
            let name = name.to_ascii_lowercase();
            let value = value.as_str().unwrap().to_owned();
            if name == "authorization" {
                authorization = value;
            } else {
                headers.push((name, value));
            }
        }
        (
            vector["method"].as_str().unwrap().to_owned(),
            decode(path),
            decode_query(query),
            headers,
            authorization,
        )
    }

    #[test]
    fn v1_vectors() {
        let vectors = vectors();
        let inputs = &vectors["inputs"];
        let secret = inputs["access_key_secret"].as_str().unwrap();
        let cases = vectors["v1"].as_array().unwrap();
        assert_eq!(cases.len(), 7);
        for vector in cases {
            let (method, key, query, headers, authorization) = request_of(vector);
            let request = Signed {
                method: &method,
                bucket: inputs["bucket"].as_str().unwrap(),
                key: &key,
                query: &query,
                headers: &headers,
            };
            let text = v1_string_to_sign(&request);
            assert_eq!(
                text,
                vector["string_to_sign"].as_str().unwrap(),
                "{}",
                vector["op"]
            );
            assert_eq!(
                format!("OSS STS.NTestAccessKeyId:{}", v1_signature(secret, &text)),
                authorization,
                "{}",
                vector["op"]
            );
        }
    }

    #[test]
    fn v4_vectors() {
        let vectors = vectors();
        let inputs = &vectors["inputs"];
        let secret = inputs["access_key_secret"].as_str().unwrap();
        let cases = vectors["v4"].as_array().unwrap();
        assert_eq!(cases.len(), 7);
        for vector in cases {
            let (method, key, query, headers, authorization) = request_of(vector);
            let request = Signed {
                method: &method,
                bucket: inputs["bucket"].as_str().unwrap(),
                key: &key,
                query: &query,
                headers: &headers,
            };
            let parsed = parse_v4_authorization(&authorization).unwrap();
            assert_eq!(parsed.scope, "20240102/cn-shanghai/oss/aliyun_v4_request");
            let canonical = v4_canonical_request(&request, &parsed.additional_headers);
            assert_eq!(canonical, vector["canonical_request"].as_str().unwrap());
            let text = v4_string_to_sign(&canonical, "20240102T030405Z", &parsed.scope);
            if let Some(expected) = vector["string_to_sign"].as_str() {
                assert_eq!(text, expected);
            }
            assert_eq!(
                v4_signature(secret, "20240102", "cn-shanghai", &text),
                parsed.signature,
                "{}",
                vector["op"]
            );
        }
    }

    #[test]
    fn v4_authorization_forms() {
        let oss2 = "OSS4-HMAC-SHA256 Credential=AK/20240102/cn-shanghai/oss/aliyun_v4_request, Signature=ab, AdditionalHeaders=host;range";
        let v2 = "OSS4-HMAC-SHA256 Credential=AK/20240102/cn-shanghai/oss/aliyun_v4_request,AdditionalHeaders=host;range,Signature=ab";
        assert_eq!(parse_v4_authorization(oss2), parse_v4_authorization(v2));
        let parsed = parse_v4_authorization(v2).unwrap();
        assert_eq!(parsed.additional_headers, ["host", "range"]);
        assert!(
            parse_v4_authorization(
                "OSS4-HMAC-SHA256 Credential=AK/x, AdditionalHeaders=, Signature=ab"
            )
            .is_none()
        );
        assert!(parse_v4_authorization("OSS AK:sig").is_none());
    }
}
