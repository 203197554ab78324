//! The V1 signature: `Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1>`.
//!
//! ```text
//! StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n
//!                {lower-case x-oss-* name ":" value "\n"}* (sorted)
//!                "/" bucket "/" key [ "?" sub-resources ]
//! ```
//!
//! - `Content-MD5` and `Content-Type` are the values sent, or empty.
//! - `Date` is the `date` header this signer adds, or the caller's `x-oss-date` when present
//!   (oss2 does the same).
//! - The key is raw, not encoded. Only query names in [`SUB_RESOURCES`] are signed, sorted,
//!   `name=value`, or `name` alone when the value is empty: `max-parts` and
//!   `part-number-marker` are sent but not signed.
//! - For STS keys the `x-oss-security-token` header is added before signing, so it is signed
//!   (and the string to sign holds the token).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::OffsetDateTime;

use super::{SECURITY_TOKEN_HEADER, SignableRequest, http_date};
use vod_core::raw::{SignedParts, SigningKey};

/// Query names V1 signs (OSS "sub-resources"), as oss2 2.19.1 lists them.
pub const SUB_RESOURCES: &[&str] = &[
    "accessPoint",
    "accessPointPolicy",
    "acl",
    "append",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "httpsConfig",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "qosRequester",
    "redundancyTransition",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "requesterQosInfo",
    "resourceGroup",
    "resourcePool",
    "resourcePoolBuckets",
    "resourcePoolInfo",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-access-point-name",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-redundancy-transition-taskid",
    "x-oss-request-payer",
    "x-oss-target-redundancy-type",
    "x-oss-traffic-limit",
    "x-oss-write-get-object-response",
];

/// Whether V1 signs the query parameter `name`.
pub fn is_sub_resource(name: &str) -> bool {
    SUB_RESOURCES.binary_search(&name).is_ok()
}

/// The canonicalized resource: `/bucket/key` plus the sorted sub-resources.
pub fn canonical_resource(bucket: &str, key: &str, query: &[(&str, &str)]) -> String {
    let mut subs: Vec<(&str, &str)> = query
        .iter()
        .copied()
        .filter(|(name, _)| is_sub_resource(name))
        .collect();
    subs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!("/{bucket}/{key}");
    for (i, (name, value)) in subs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        if !value.is_empty() {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// The string to sign for `request` with the `date` header value `date` and the security
/// token `token` (sent as `x-oss-security-token`).
pub fn string_to_sign(request: &SignableRequest<'_>, date: &str, token: Option<&str>) -> String {
    let mut content_md5 = "";
    let mut content_type = "";
    let mut x_oss_date = None;
    let mut oss_headers: Vec<(String, &str)> = Vec::new();
    for (name, value) in request.caller_headers() {
        match name.as_str() {
            "content-md5" => content_md5 = value,
            "content-type" => content_type = value,
            _ if name.starts_with("x-oss-") => oss_headers.push((name, value)),
            _ => {}
        }
    }
    // `x-oss-date` is the signer's in V4; in V1 a caller may send it instead of trusting
    // `Date` to survive proxies. caller_headers() drops it, so look for it here.
    for (name, value) in request.headers {
        if name.eq_ignore_ascii_case("x-oss-date") {
            x_oss_date = Some(*value);
            oss_headers.push(("x-oss-date".to_owned(), value));
        }
    }
    if let Some(token) = token {
        oss_headers.push((SECURITY_TOKEN_HEADER.to_owned(), token));
    }
    oss_headers.sort_by(|a, b| a.0.cmp(&b.0));
    let date = x_oss_date.filter(|d| !d.is_empty()).unwrap_or(date);

    let mut out = String::with_capacity(256);
    for part in [request.method, content_md5, content_type, date] {
        out.push_str(part);
        out.push('\n');
    }
    for (name, value) in &oss_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(&canonical_resource(
        request.bucket,
        request.key,
        request.query,
    ));
    out
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn signature(string_to_sign: &str, access_key_secret: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(access_key_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs `request` at `now`: adds `x-oss-security-token` (STS keys), `date` and
/// `authorization`.
pub fn sign(request: &SignableRequest<'_>, keys: &SigningKey, now: OffsetDateTime) -> SignedParts {
    let date = http_date(now);
    let token = keys.token.as_ref().map(|t| t.expose());
    let string_to_sign = string_to_sign(request, &date, token);
    let authorization = format!(
        "OSS {}:{}",
        keys.id,
        signature(&string_to_sign, keys.secret.expose())
    );
    let mut headers = Vec::with_capacity(3);
    if let Some(token) = token {
        headers.push((SECURITY_TOKEN_HEADER, token.to_owned()));
    }
    headers.push(("date", date));
    headers.push(("authorization", authorization));
    SignedParts {
        headers,
        query: Vec::new(),
        string_to_sign,
        canonical_request: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_resources_are_sorted_for_lookup() {
        assert!(SUB_RESOURCES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_sub_resource("uploadId") && is_sub_resource("uploads"));
        assert!(!is_sub_resource("max-parts") && !is_sub_resource("part-number-marker"));
    }

    #[test]
    fn resource_signs_sub_resources_only() {
        let q = [
            ("uploadId", "U1"),
            ("part-number-marker", ""),
            ("max-parts", "1000"),
            ("acl", ""),
        ];
        assert_eq!(canonical_resource("b", "a/k", &q), "/b/a/k?acl&uploadId=U1");
        assert_eq!(canonical_resource("b", "k", &[]), "/b/k");
    }
}
