//! The V3 signature: `ACS3-HMAC-SHA256`.
//!
//! Aliyun's newer SDKs (`alibabacloud-tea-openapi` and its ports) sign every request
//! this way, RPC-style operations such as the VOD ones included. Compared with the
//! [RPC signature](super::rpc) it also covers headers and the body:
//!
//! ```text
//! CanonicalRequest = METHOD \n path \n canonical query \n
//!                    {lower-case name ":" trimmed value "\n"}* \n
//!                    signed;header;names \n hex(sha256(body))
//! StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//! Authorization    = "ACS3-HMAC-SHA256 Credential={AK},SignedHeaders={names},Signature={sig}"
//! sig              = hex(HMAC-SHA256(key = AccessKeySecret, StringToSign))
//! ```
//!
//! [`sign`] is the one entry point: it adds `x-acs-date`, `x-acs-signature-nonce`,
//! `x-acs-content-sha256`, `x-acs-security-token` (for an STS key) and `Authorization`. Each
//! step is a function too ([`canonical_query`], [`canonical_headers`], [`signed_headers`],
//! [`canonical_request`], [`string_to_sign`], [`signature`]) so that the tests check each
//! against official vectors.
//!
//! What is signed is exactly what the caller passes plus what [`sign`] adds: every header
//! in [`SignableRequest::headers`] is signed. Pass at least `host`, `x-acs-action`,
//! `x-acs-version` and, when there is a body, `content-type` (the Java SDK signs just these;
//! the Python SDK signs every header it sends; the server follows `SignedHeaders`). Headers are
//! canonicalized by the rules of the official Python SDK: names are lower-cased, values
//! are trimmed of leading and trailing whitespace, and headers whose names differ only
//! in case are merged into one line whose values are sorted and joined with `,`. Query names and values are both
//! [percent-encoded](super::encode), in byte order of the raw names.
//!
//! One known difference between the official SDKs: the Python one
//! (`alibabacloud-openapi-util`, `alibabacloud-tea-openapi`) leaves query *names*
//! unencoded in the canonical query, while Aliyun's documentation and the Java SDK encode
//! them, as this module does. The two agree on every name made of `A-Z a-z 0-9 - _ . ~`,
//! which covers every VOD parameter (including flattened ones such as `Tag.1.Key`).

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use vod_core::Secret;
use vod_core::raw::{SignedParts, SigningKey};

use super::encode::{encode_into, encoded_len};
use super::push_lower_hex;

/// The algorithm name that starts the string to sign and the `Authorization` value.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// `hex(sha256(""))`: the `x-acs-content-sha256` value of a request without a body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Everything of a request that the V3 signature covers.
///
/// It borrows: building one costs nothing, and the caller keeps the maps to build the
/// HTTP request from. Its `Debug` output redacts the security token and any
/// `authorization` header.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method as sent, upper case (`POST`, `GET`).
    pub method: &'a str,
    /// The request path as sent, already percent-encoded; `/` for RPC-style operations.
    /// An empty path is signed as `/`.
    pub path: &'a str,
    /// The query parameters, unencoded.
    pub query: &'a BTreeMap<String, String>,
    /// The headers to sign, unencoded; see the [module docs](self) for which.
    pub headers: &'a BTreeMap<String, String>,
    /// The body as sent (empty for VOD's RPC-style operations).
    pub body: &'a [u8],
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &Redacted(self.query))
            .field("headers", &Redacted(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Debug view of a map that hides the values of credential-bearing entries.
struct Redacted<'a>(&'a BTreeMap<String, String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SECRET_NAMES: [&str; 4] = [
            "x-acs-security-token",
            "x-acs-bearer-token",
            "authorization",
            "securitytoken",
        ];
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            let secret = SECRET_NAMES.iter().any(|s| name.eq_ignore_ascii_case(s));
            let shown: &dyn fmt::Debug = if secret { &"<redacted>" } else { value };
            map.entry(name, shown);
        }
        map.finish()
    }
}

/// `hex(sha256(body))`, lower case: the `x-acs-content-sha256` header value and the
/// last line of the canonical request.
pub fn content_sha256(body: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_lower_hex(&mut out, &Sha256::digest(body));
    out
}

/// The canonical query: `enc(name)=enc(value)` pairs in byte order of the names,
/// joined with `&` (the same form as the RPC canonicalized query).
pub fn canonical_query(query: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(query_len(query));
    write_canonical_query(&mut out, query);
    out
}

/// The canonical headers block: one `name:value\n` line per signed header.
pub fn canonical_headers(headers: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(headers_len(headers));
    SignedHeaderSet::new(headers).for_each(|name, value| push_header_line(&mut out, name, value));
    out
}

/// The signed header names, lower case, sorted and joined with `;`, as they appear in
/// the canonical request and in `SignedHeaders=` of the `Authorization` value.
pub fn signed_headers(headers: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(headers.keys().map(|n| n.len() + 1).sum());
    write_signed_names(&mut out, &SignedHeaderSet::new(headers));
    out
}

/// The canonical request, whose SHA-256 the [string to sign](string_to_sign) carries.
pub fn canonical_request(request: &SignableRequest<'_>) -> String {
    let headers = SignedHeaderSet::new(request.headers);
    let mut out = String::with_capacity(canonical_request_len(request));
    write_canonical_request(&mut out, request, &headers);
    out
}

/// The string to sign: `ACS3-HMAC-SHA256\n` followed by `hex(sha256(canonical_request))`.
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 1 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    push_lower_hex(&mut out, &Sha256::digest(canonical_request.as_bytes()));
    out
}

/// The signature: `hex(HMAC-SHA256(access_key_secret, string_to_sign))`, lower case.
/// The key is the secret itself, without the `&` of the RPC signature.
pub fn signature(string_to_sign: &str, access_key_secret: &Secret) -> String {
    let mut mac = keyed_hmac(access_key_secret.expose());
    mac.update(string_to_sign.as_bytes());
    let mut out = String::with_capacity(64);
    push_lower_hex(&mut out, &mac.finalize().into_bytes());
    out
}

/// Signs `request` with `key` at `at` with `nonce`: the headers to add, `authorization` last,
/// and the string to sign.
///
/// The added headers are `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`,
/// `x-acs-security-token` (when the key has a token) and `authorization`, in lower case; they
/// are signed together with `request.headers` (which should not hold them).
///
/// ```
/// use std::collections::BTreeMap;
/// use time::macros::datetime;
/// use vod_aliyun::sign::acs3::{self, SignableRequest};
/// use vod_core::raw::SigningKey;
///
/// fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
///     pairs.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect()
/// }
///
/// // The example from Aliyun's V3 signature documentation.
/// let query = map(&[
///     ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
///     ("RegionId", "cn-shanghai"),
/// ]);
/// let headers = map(&[
///     ("host", "ecs.cn-shanghai.aliyuncs.com"),
///     ("x-acs-action", "RunInstances"),
///     ("x-acs-version", "2014-05-26"),
/// ]);
/// let request = SignableRequest { method: "POST", path: "/", query: &query, headers: &headers, body: b"" };
/// let key = SigningKey::new("YourAccessKeyId", "YourAccessKeySecret");
/// let signed = acs3::sign(
///     &request,
///     &key,
///     datetime!(2023-10-26 10:22:32 UTC),
///     "3156853299f313e23d1673dc12e1703d",
/// );
///
/// assert_eq!(signed.header("x-acs-content-sha256"), Some(acs3::EMPTY_BODY_SHA256));
/// assert_eq!(
///     signed.header("authorization"),
///     Some("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
///      SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
///      Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0")
/// );
/// ```
pub fn sign(
    request: &SignableRequest<'_>,
    key: &SigningKey,
    at: OffsetDateTime,
    nonce: &str,
) -> SignedParts {
    let content_sha256 = if request.body.is_empty() {
        EMPTY_BODY_SHA256.to_owned()
    } else {
        content_sha256(request.body)
    };
    let mut headers: Vec<(&'static str, String)> = vec![
        ("x-acs-date", super::timestamp(at)),
        ("x-acs-signature-nonce", nonce.to_owned()),
        ("x-acs-content-sha256", content_sha256),
    ];
    if let Some(token) = &key.token {
        headers.push(("x-acs-security-token", token.expose().to_owned()));
    }
    let mut added: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    added.sort_unstable_by_key(|&(name, _)| name);
    let added_len: usize = added.iter().map(|(n, v)| 2 * n.len() + v.len() + 3).sum();
    // The usual case, lower-case names: the added headers join the given ones in name order
    // without copying them. Otherwise (rare) copy, add and let the set lower-case and merge.
    let all: BTreeMap<String, String>;
    let set = if request.headers.keys().all(|name| is_lower_ascii(name)) {
        SignedHeaderSet::with_added(request.headers, &added)
    } else {
        let mut copy = request.headers.clone();
        for &(name, value) in &added {
            copy.insert(name.to_owned(), value.to_owned());
        }
        all = copy;
        SignedHeaderSet::new(&all)
    };
    let mut canonical = String::with_capacity(canonical_request_len(request) + added_len);
    let names = write_canonical_request(&mut canonical, request, &set);
    let string_to_sign = string_to_sign(&canonical);
    let signature = signature(&string_to_sign, &key.secret);

    let signed_names = &canonical[names];
    let mut authorization =
        String::with_capacity(ALGORITHM.len() + 40 + key.id.len() + signed_names.len() + 64);
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(&key.id);
    authorization.push_str(",SignedHeaders=");
    authorization.push_str(signed_names);
    authorization.push_str(",Signature=");
    authorization.push_str(&signature);
    headers.push(("authorization", authorization));
    SignedParts {
        headers,
        query: Vec::new(),
        string_to_sign,
        canonical_request: Some(canonical),
    }
}

/// HMAC-SHA256 keyed with the secret as is.
fn keyed_hmac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length")
}

/// Writes the canonical request and returns where the signed header names are in it,
/// so that [`sign`] can copy them without building them twice.
fn write_canonical_request(
    out: &mut String,
    request: &SignableRequest<'_>,
    headers: &SignedHeaderSet<'_>,
) -> std::ops::Range<usize> {
    out.push_str(request.method);
    out.push('\n');
    out.push_str(if request.path.is_empty() {
        "/"
    } else {
        request.path
    });
    out.push('\n');
    write_canonical_query(out, request.query);
    out.push('\n');
    headers.for_each(|name, value| push_header_line(out, name, value));
    out.push('\n');
    let start = out.len();
    write_signed_names(out, headers);
    let end = out.len();
    out.push('\n');
    push_lower_hex(out, &Sha256::digest(request.body));
    start..end
}

fn write_canonical_query(out: &mut String, query: &BTreeMap<String, String>) {
    for (i, (name, value)) in query.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(out, name);
        out.push('=');
        encode_into(out, value);
    }
}

fn push_header_line(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push(':');
    out.push_str(value);
    out.push('\n');
}

fn write_signed_names(out: &mut String, headers: &SignedHeaderSet<'_>) {
    let mut first = true;
    headers.for_each(|name, _| {
        if !first {
            out.push(';');
        }
        first = false;
        out.push_str(name);
    });
}

/// An upper bound of the canonical query's length.
fn query_len(query: &BTreeMap<String, String>) -> usize {
    query
        .iter()
        .map(|(name, value)| encoded_len(name) + encoded_len(value) + 2)
        .sum()
}

/// An upper bound of the canonical headers block's length (lower-casing ASCII keeps
/// the length; other names are rare enough to let the buffer grow).
fn headers_len(headers: &BTreeMap<String, String>) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum()
}

fn canonical_request_len(request: &SignableRequest<'_>) -> usize {
    let names: usize = request.headers.keys().map(|n| n.len() + 1).sum();
    request.method.len()
        + request.path.len().max(1)
        + query_len(request.query)
        + headers_len(request.headers)
        + names
        + 64
        + 5
}

/// The headers as they are signed: lower-case names in byte order, trimmed values.
enum SignedHeaderSet<'a> {
    /// Every name is already lower case ASCII: the map's order is the signing order and
    /// names cannot collide, so nothing is copied.
    AsGiven(&'a BTreeMap<String, String>),
    /// Lower-case names, borrowed, in byte order without duplicates: the given headers with the
    /// ones [`sign`] adds.
    Sorted(Vec<(&'a str, &'a str)>),
    /// Some name needed lower-casing: sorted copies, with names that collided merged
    /// into one entry whose values are sorted and joined with `,`.
    Merged(Vec<(String, String)>),
}

/// True when `name` is ASCII without upper-case letters: signed as it is.
fn is_lower_ascii(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

impl<'a> SignedHeaderSet<'a> {
    /// `headers` (lower-case ASCII names) with `added` (lower-case names, sorted); a name in
    /// both takes `added`'s value.
    fn with_added(headers: &'a BTreeMap<String, String>, added: &[(&'a str, &'a str)]) -> Self {
        let mut merged = Vec::with_capacity(headers.len() + added.len());
        let mut given = headers.iter().peekable();
        let mut added = added.iter().copied().peekable();
        loop {
            let next = match (given.peek(), added.peek()) {
                (Some((name, _)), Some(&(extra, _))) if name.as_str() < extra => given.next(),
                (Some((name, _)), Some(&(extra, _))) if name.as_str() == extra => {
                    given.next();
                    None
                }
                (Some(_), None) => given.next(),
                (_, Some(_)) => None,
                (None, None) => break,
            };
            match next {
                Some((name, value)) => merged.push((name.as_str(), value.as_str())),
                None => merged.extend(added.next()),
            }
        }
        Self::Sorted(merged)
    }

    fn new(headers: &'a BTreeMap<String, String>) -> Self {
        if headers.keys().all(|name| is_lower_ascii(name)) {
            return Self::AsGiven(headers);
        }
        let mut lowered: Vec<(String, &str)> = headers
            .iter()
            .map(|(name, value)| (name.to_lowercase(), trim_value(value)))
            .collect();
        lowered.sort_unstable();
        let mut merged: Vec<(String, String)> = Vec::with_capacity(lowered.len());
        for (name, value) in lowered {
            match merged.last_mut() {
                Some((last, values)) if *last == name => {
                    values.push(',');
                    values.push_str(value);
                }
                _ => merged.push((name, value.to_owned())),
            }
        }
        Self::Merged(merged)
    }

    fn for_each(&self, mut f: impl FnMut(&str, &str)) {
        match self {
            Self::AsGiven(headers) => {
                for (name, value) in headers.iter() {
                    f(name, trim_value(value));
                }
            }
            Self::Sorted(headers) => {
                for &(name, value) in headers {
                    f(name, trim_value(value));
                }
            }
            Self::Merged(headers) => {
                for (name, value) in headers {
                    f(name, value);
                }
            }
        }
    }
}

/// Trims what Python's `str.strip()` trims, because the official SDK trims with it:
/// Unicode whitespace plus the ASCII separators U+001C..U+001F. For values a server
/// can receive (HTTP forbids control characters) this is plain whitespace trimming.
fn trim_value(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn empty_body_constant_is_the_hash_of_nothing() {
        assert_eq!(content_sha256(b""), EMPTY_BODY_SHA256);
    }

    #[test]
    fn header_names_are_lowered_values_trimmed_and_duplicates_merged() {
        let headers = map(&[
            ("Host", " example.com\t"),
            ("X-Acs-Date", "2024-01-02T03:04:05Z"),
            ("accept", "b"),
            ("Accept", " a "),
            ("x-acs-action", "\u{3000}Act\u{1f}"),
        ]);
        assert_eq!(
            canonical_headers(&headers),
            "accept:a,b\nhost:example.com\nx-acs-action:Act\nx-acs-date:2024-01-02T03:04:05Z\n"
        );
        assert_eq!(
            signed_headers(&headers),
            "accept;host;x-acs-action;x-acs-date"
        );
    }

    #[test]
    fn lower_case_headers_are_used_as_given() {
        let headers = map(&[("host", "h"), ("x-acs-action", " A ")]);
        assert!(matches!(
            SignedHeaderSet::new(&headers),
            SignedHeaderSet::AsGiven(_)
        ));
        assert_eq!(canonical_headers(&headers), "host:h\nx-acs-action:A\n");
        assert_eq!(signed_headers(&headers), "host;x-acs-action");
    }

    #[test]
    fn sign_matches_the_step_by_step_functions() {
        let query = map(&[("Title", "a b"), ("Empty", "")]);
        let headers = map(&[
            ("host", "vod.cn-shanghai.aliyuncs.com"),
            ("Content-Type", "x"),
        ]);
        let request = SignableRequest {
            method: "POST",
            path: "",
            query: &query,
            headers: &headers,
            body: b"{}",
        };
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let key = SigningKey::new("ak", "secret").with_token(Some(Secret::new("tok")));
        let signed = sign(&request, &key, at, "n");
        let mut all = headers.clone();
        for (name, value) in &signed.headers[..signed.headers.len() - 1] {
            all.insert((*name).to_owned(), value.clone());
        }
        assert_eq!(all["x-acs-security-token"], "tok");
        assert_eq!(all["x-acs-date"], "2024-01-02T03:04:05Z");
        assert_eq!(all["x-acs-content-sha256"], content_sha256(b"{}"));
        let cr = canonical_request(&SignableRequest {
            headers: &all,
            ..request
        });
        assert!(cr.starts_with("POST\n/\nEmpty=&Title=a%20b\ncontent-type:x\nhost:"));
        assert!(cr.ends_with(&format!("\n{}", content_sha256(b"{}"))));
        assert_eq!(signed.string_to_sign, string_to_sign(&cr));
        let sig = signature(&signed.string_to_sign, &key.secret);
        assert_eq!(
            signed.header("authorization"),
            Some(
                format!(
                    "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders={},Signature={sig}",
                    signed_headers(&all)
                )
                .as_str()
            )
        );
    }

    #[test]
    fn added_headers_join_lower_case_ones_in_order_and_win() {
        let query = map(&[("a", "1")]);
        // Lower-case names (the path without a copy), one the signer also adds.
        let headers = map(&[
            ("host", "h"),
            ("x-acs-action", "A"),
            ("x-acs-date", "stale"),
            ("zz-last", "z"),
        ]);
        let request = SignableRequest {
            method: "POST",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"",
        };
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let key = SigningKey::new("ak", "secret");
        let signed = sign(&request, &key, at, "n");
        let mut all = headers.clone();
        for (name, value) in &signed.headers[..signed.headers.len() - 1] {
            all.insert((*name).to_owned(), value.clone());
        }
        assert_eq!(all["x-acs-date"], "2024-01-02T03:04:05Z");
        let cr = canonical_request(&SignableRequest {
            headers: &all,
            ..request
        });
        assert_eq!(signed.string_to_sign, string_to_sign(&cr));
        assert!(
            signed.header("authorization").unwrap().contains(
                "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
                 x-acs-signature-nonce;zz-last,"
            ),
            "{:?}",
            signed.header("authorization")
        );
    }

    #[test]
    fn debug_redacts_tokens() {
        let query = map(&[("SecurityToken", "q-secret")]);
        let headers = map(&[
            ("x-acs-security-token", "h-secret"),
            ("Authorization", "a-secret"),
        ]);
        let request = SignableRequest {
            method: "GET",
            path: "/",
            query: &query,
            headers: &headers,
            body: b"body",
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("body_len: 4"),
            "{shown}"
        );
    }
}
