//! Request signing for the Wangsu APIs: `WS3-HMAC-SHA256` and `CNC-HMAC-SHA256`.
//!
//! Wangsu authenticates API calls with an HMAC-SHA256 over a canonical form of the request. The
//! Cloud VoD API calls the scheme `WS3-HMAC-SHA256`; the OpenAPI gateways (Wangsu and CDNetworks)
//! call the same computation `CNC-HMAC-SHA256` and read the key and time from other headers.
//! Both are covered by [`Algorithm`].
//!
//! [`sign`] is the one entry point, shaped like aws-sigv4's and like the Aliyun signers: it takes
//! the request's parts, a [`SigningKey`] and the timestamp, and returns a [`SignedParts`] with
//! every header to add (the key, the time, for CNC the auth method, and `Authorization`) and the
//! string to sign. The other functions are its steps, public so tests can check each.
//!
//! This module is only the arithmetic: no clock, no randomness, no I/O. The caller supplies the
//! timestamp and the exact bytes it will send, which makes every signature reproducible byte for
//! byte in tests, lets the local emulator check requests, and keeps signing cheap enough to do
//! again on every retry.
//!
//! The canonicalization follows the official `wangsu-sdk-python` signer (`AkSkAuth`), which is
//! the authority where it and the prose documentation differ:
//!
//! ```text
//! CanonicalRequest = METHOD "\n" path "\n" query "\n"
//!                    { name ":" lowercase(value) "\n" }* "\n" signed;headers "\n" hex(sha256(body))
//! StringToSign     = ALGORITHM "\n" timestamp "\n" hex(sha256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(secret key bytes, StringToSign))
//! Authorization    = ALGORITHM " Credential=" AK ", SignedHeaders=" signed;headers ", Signature=" Signature
//! ```
//!
//! Details taken from the SDK:
//! - the query is empty when the method is exactly `POST`; for every other method it is the raw
//!   query string percent-decoded (Python's `urllib.parse.unquote`: `+` stays `+`, malformed
//!   escapes stay as written, invalid UTF-8 becomes U+FFFD), parameters in the order sent;
//! - signed header names are lower-cased, de-duplicated and sorted; an empty list means
//!   [`DEFAULT_SIGNED_HEADERS`];
//! - a header is looked up case-insensitively, the first one in the given order wins, and a
//!   missing header signs as an empty value; values are lower-cased (full Unicode lower-casing);
//! - the HMAC key is the secret key itself, with no derivation.
//!
//! The one deliberate difference: the SDK hashes an empty body for methods other than `POST` and
//! `PUT`, whatever it sends; here the body passed in is hashed, always. Send no body with `GET`
//! and the two agree.

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use vod_core::Secret;
use vod_core::raw::{SignedParts, SigningKey};

/// The signed-header list used when a request names none: `content-type;host`.
pub const DEFAULT_SIGNED_HEADERS: &str = "content-type;host";

/// Which name the signature scheme goes by, and so which headers carry the key and the time.
///
/// The arithmetic is identical; only the name (which enters the string to sign and the
/// `Authorization` header) and the header names differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `WS3-HMAC-SHA256`: the Cloud VoD API (`api.cloudv.haplat.net`).
    Ws3,
    /// `CNC-HMAC-SHA256`: the Wangsu and CDNetworks OpenAPI gateways.
    Cnc,
}

impl Algorithm {
    /// Both variants, for iterating in tests and configuration listings.
    pub const ALL: [Algorithm; 2] = [Algorithm::Ws3, Algorithm::Cnc];

    /// The algorithm name as it appears in the string to sign and in `Authorization`.
    ///
    /// ```
    /// use vod_wangsu::sign::Algorithm;
    /// assert_eq!(Algorithm::Ws3.name(), "WS3-HMAC-SHA256");
    /// assert_eq!(Algorithm::Cnc.name(), "CNC-HMAC-SHA256");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Ws3 => "WS3-HMAC-SHA256",
            Algorithm::Cnc => "CNC-HMAC-SHA256",
        }
    }

    /// The header that carries the access key (`X-WS-AccessKey` or `x-cnc-accessKey`).
    #[must_use]
    pub const fn access_key_header(self) -> &'static str {
        match self {
            Algorithm::Ws3 => "X-WS-AccessKey",
            Algorithm::Cnc => "x-cnc-accessKey",
        }
    }

    /// The header that carries the signing timestamp in Unix seconds (`X-WS-Timestamp` or
    /// `x-cnc-timestamp`).
    #[must_use]
    pub const fn timestamp_header(self) -> &'static str {
        match self {
            Algorithm::Ws3 => "X-WS-Timestamp",
            Algorithm::Cnc => "x-cnc-timestamp",
        }
    }

    /// An extra header the variant requires, as `(name, value)`: `x-cnc-auth-method: AKSK` for
    /// [`Algorithm::Cnc`], none for [`Algorithm::Ws3`].
    #[must_use]
    pub const fn auth_method_header(self) -> Option<(&'static str, &'static str)> {
        match self {
            Algorithm::Ws3 => None,
            Algorithm::Cnc => Some(("x-cnc-auth-method", "AKSK")),
        }
    }

    /// The variant with this exact name (`WS3-HMAC-SHA256` or `CNC-HMAC-SHA256`), if any.
    ///
    /// ```
    /// use vod_wangsu::sign::Algorithm;
    /// assert_eq!(Algorithm::from_name("CNC-HMAC-SHA256"), Some(Algorithm::Cnc));
    /// assert_eq!(Algorithm::from_name("HMAC-SHA1"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parts of an HTTP request that the signature covers, borrowed from the caller.
///
/// Build it with a struct literal or with [`Request::new`] and the chained setters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The HTTP method as sent, e.g. `POST`. Case matters: only exactly `POST` drops the query.
    pub method: &'a str,
    /// The URI path as sent, without query, e.g. `/vod/videoManage/getUploadToken`.
    pub path: &'a str,
    /// The raw query string as sent, without the leading `?` (still percent-encoded); ignored
    /// for `POST`.
    pub query: &'a str,
    /// Request headers as `(name, value)` pairs, names in any case. Only signed ones are read.
    pub headers: &'a [(&'a str, &'a str)],
    /// The signed-header list, `;`-separated, names in any case and order; empty means
    /// [`DEFAULT_SIGNED_HEADERS`]. It is normalized with [`signed_headers`].
    pub signed_headers: &'a str,
    /// Exactly the body bytes that are sent (empty for none).
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// A request with this method and path, no query, no headers, the default signed headers
    /// and an empty body.
    #[must_use]
    pub const fn new(method: &'a str, path: &'a str) -> Self {
        Request {
            method,
            path,
            query: "",
            headers: &[],
            signed_headers: "",
            body: b"",
        }
    }

    /// Sets the raw (percent-encoded) query string, without `?`.
    #[must_use]
    pub const fn with_query(mut self, query: &'a str) -> Self {
        self.query = query;
        self
    }

    /// Sets the request headers.
    #[must_use]
    pub const fn with_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the signed-header list (`;`-separated, any case and order).
    #[must_use]
    pub const fn with_signed_headers(mut self, signed_headers: &'a str) -> Self {
        self.signed_headers = signed_headers;
        self
    }

    /// Sets the body bytes.
    #[must_use]
    pub const fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }
}

/// Normalizes a signed-header list: names lower-cased, de-duplicated, sorted, joined with `;`.
///
/// An empty list gives [`DEFAULT_SIGNED_HEADERS`]. A list that is already normal is returned
/// borrowed, without allocating.
///
/// ```
/// use vod_wangsu::sign::signed_headers;
/// assert_eq!(signed_headers(""), "content-type;host");
/// assert_eq!(signed_headers("Host;X-WS-Timestamp;host;Content-Type"), "content-type;host;x-ws-timestamp");
/// ```
#[must_use]
pub fn signed_headers(list: &str) -> Cow<'_, str> {
    if list.is_empty() {
        return Cow::Borrowed(DEFAULT_SIGNED_HEADERS);
    }
    if is_normal_signed_headers(list) {
        return Cow::Borrowed(list);
    }
    let mut names: Vec<Cow<'_, str>> = list.split(';').map(lower).collect();
    names.sort_unstable();
    names.dedup();
    Cow::Owned(names.join(";"))
}

/// The canonical request, the text whose SHA-256 goes into the string to sign.
///
/// ```
/// use vod_wangsu::sign::{canonical_request, Request};
/// let headers = [("Content-Type", "Application/JSON"), ("Host", "api.cloudv.haplat.net")];
/// let req = Request::new("GET", "/vod/videoManage/getVideoList")
///     .with_query("pageIndex=2&title=a%20b")
///     .with_headers(&headers);
/// assert_eq!(
///     canonical_request(&req),
///     "GET\n/vod/videoManage/getVideoList\npageIndex=2&title=a b\n\
///      content-type:application/json\nhost:api.cloudv.haplat.net\n\n\
///      content-type;host\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
#[must_use]
pub fn canonical_request(request: &Request<'_>) -> String {
    let signed = signed_headers(request.signed_headers);
    let mut out = String::with_capacity(
        request.method.len() + request.path.len() + request.query.len() + signed.len() * 2 + 160,
    );
    write_canonical_request(request, &signed, &mut out);
    out
}

/// The string to sign: algorithm name, timestamp and the hex SHA-256 of the canonical request,
/// one per line.
///
/// ```
/// use vod_wangsu::sign::{string_to_sign, Algorithm};
/// let sts = string_to_sign(Algorithm::Cnc, 1700000000, "");
/// assert_eq!(
///     sts,
///     "CNC-HMAC-SHA256\n1700000000\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
#[must_use]
pub fn string_to_sign(algorithm: Algorithm, timestamp: u64, canonical_request: &str) -> String {
    let digest = Hex64::sha256(canonical_request.as_bytes());
    let mut ts = [0u8; 20];
    let ts = format_u64(timestamp, &mut ts);
    let mut out = String::with_capacity(algorithm.name().len() + ts.len() + 66);
    out.push_str(algorithm.name());
    out.push('\n');
    out.push_str(ts);
    out.push('\n');
    out.push_str(digest.as_str());
    out
}

/// The signature: lower-case hex of HMAC-SHA256 keyed with the raw secret key.
///
/// ```
/// use vod_core::Secret;
/// use vod_wangsu::sign::signature;
/// let sig = signature("The quick brown fox jumps over the lazy dog", &Secret::new("key"));
/// assert_eq!(sig, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
/// ```
#[must_use]
pub fn signature(string_to_sign: &str, secret_key: &Secret) -> String {
    let mut mac = new_mac(secret_key.expose());
    mac.update(string_to_sign.as_bytes());
    Hex64::encode(&mac.finalize().into_bytes().into())
        .as_str()
        .to_owned()
}

/// The `Authorization` header value.
///
/// `signed_headers` is used as given: pass the normalized list (see [`signed_headers`]).
///
/// ```
/// use vod_wangsu::sign::{authorization, Algorithm};
/// assert_eq!(
///     authorization(Algorithm::Ws3, "AK", "content-type;host", "abc123"),
///     "WS3-HMAC-SHA256 Credential=AK, SignedHeaders=content-type;host, Signature=abc123"
/// );
/// ```
#[must_use]
pub fn authorization(
    algorithm: Algorithm,
    access_key: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    let mut out = String::with_capacity(
        algorithm.name().len() + access_key.len() + signed_headers.len() + signature.len() + 40,
    );
    push_authorization(&mut out, algorithm, access_key, signed_headers, signature);
    out
}

/// Signs a request: the headers to add and the string to sign.
///
/// The headers are, in this order, the access key ([`Algorithm::access_key_header`]), the
/// timestamp ([`Algorithm::timestamp_header`]), for CNC the auth method
/// ([`Algorithm::auth_method_header`]), and `Authorization`. The result is the same as
/// [`canonical_request`], [`string_to_sign`], [`signature`] and [`authorization`] chained, but
/// the canonical request is hashed as it is written, never built.
///
/// ```
/// use vod_core::raw::SigningKey;
/// use vod_wangsu::sign::{sign, Algorithm, Request};
/// let headers = [
///     ("Content-Type", "application/json; charset=utf-8"),
///     ("Host", "api.cloudv.haplat.net"),
/// ];
/// let body = br#"{"originFileName":"uploadtest.mp4","fileId":"0123456789abcdef0123456789abcdef"}"#;
/// let req = Request::new("POST", "/vod/videoManage/getUploadToken")
///     .with_headers(&headers)
///     .with_body(body);
/// let key = SigningKey::new(
///     "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
///     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
/// );
/// let signed = sign(Algorithm::Ws3, &req, &key, 1564645579);
/// assert_eq!(signed.header("X-WS-Timestamp"), Some("1564645579"));
/// let authorization = signed.header("Authorization").unwrap();
/// assert!(authorization.starts_with("WS3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, "));
/// assert!(authorization.ends_with("Signature=cf949e80c2a867c3b467a939d8e0459b74917a52cc981978dd16d955080d7123"));
/// ```
#[must_use]
pub fn sign(
    algorithm: Algorithm,
    request: &Request<'_>,
    key: &SigningKey,
    timestamp: u64,
) -> SignedParts {
    let signed = signed_headers(request.signed_headers);

    let mut hasher = HashSink(Sha256::new());
    write_canonical_request(request, &signed, &mut hasher);
    let canonical_digest = Hex64::encode(&hasher.0.finalize().into());

    let mut ts = [0u8; 20];
    let ts = format_u64(timestamp, &mut ts);
    let mut string_to_sign = String::with_capacity(algorithm.name().len() + ts.len() + 66);
    string_to_sign.push_str(algorithm.name());
    string_to_sign.push('\n');
    string_to_sign.push_str(ts);
    string_to_sign.push('\n');
    string_to_sign.push_str(canonical_digest.as_str());
    let mut mac = new_mac(key.secret.expose());
    mac.update(string_to_sign.as_bytes());
    let sig = Hex64::encode(&mac.finalize().into_bytes().into());

    let mut authorization =
        String::with_capacity(algorithm.name().len() + key.id.len() + signed.len() + 64 + 40);
    push_authorization(
        &mut authorization,
        algorithm,
        &key.id,
        &signed,
        sig.as_str(),
    );
    let mut headers = vec![
        (algorithm.access_key_header(), key.id.clone()),
        (algorithm.timestamp_header(), ts.to_owned()),
    ];
    if let Some((name, value)) = algorithm.auth_method_header() {
        headers.push((name, value.to_owned()));
    }
    headers.push(("Authorization", authorization));
    SignedParts {
        headers,
        query: Vec::new(),
        string_to_sign,
        canonical_request: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Internals.

/// Where canonical-request text goes: a `String` (to show it) or a hasher (to sign it).
trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

struct HashSink(Sha256);

impl Sink for HashSink {
    fn put(&mut self, s: &str) {
        self.0.update(s.as_bytes());
    }
}

fn write_canonical_request<S: Sink>(request: &Request<'_>, signed: &str, out: &mut S) {
    out.put(request.method);
    out.put("\n");
    out.put(request.path);
    out.put("\n");
    if request.method != "POST" {
        write_unquoted(request.query, out);
    }
    out.put("\n");
    for name in signed.split(';') {
        out.put(name);
        out.put(":");
        if let Some(value) = find_header(request.headers, name) {
            write_lowercase(value, out);
        }
        out.put("\n");
    }
    out.put("\n");
    out.put(signed);
    out.put("\n");
    out.put(Hex64::sha256(request.body).as_str());
}

fn push_authorization(
    out: &mut String,
    algorithm: Algorithm,
    access_key: &str,
    signed_headers: &str,
    signature: &str,
) {
    out.push_str(algorithm.name());
    out.push_str(" Credential=");
    out.push_str(access_key);
    out.push_str(", SignedHeaders=");
    out.push_str(signed_headers);
    out.push_str(", Signature=");
    out.push_str(signature);
}

fn new_mac(secret_key: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC accepts keys of any length")
}

/// Is `list` already lower-case ASCII names, strictly ascending (so sorted and without
/// duplicates)?
fn is_normal_signed_headers(list: &str) -> bool {
    let mut previous: Option<&str> = None;
    for name in list.split(';') {
        if name
            .bytes()
            .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
        {
            return false;
        }
        if previous.is_some_and(|p| p >= name) {
            return false;
        }
        previous = Some(name);
    }
    true
}

/// Full Unicode lower-casing (as Python's `str.lower`), borrowing when nothing changes.
fn lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// The first header whose lower-cased name equals `name` (already lower-case).
fn find_header<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| {
            if key.is_ascii() {
                key.eq_ignore_ascii_case(name)
            } else {
                key.to_lowercase() == name
            }
        })
        .map(|(_, value)| *value)
}

fn write_lowercase<S: Sink>(value: &str, out: &mut S) {
    if !value.is_ascii() {
        out.put(&value.to_lowercase());
        return;
    }
    if !value.bytes().any(|b| b.is_ascii_uppercase()) {
        out.put(value);
        return;
    }
    let mut buf = [0u8; 128];
    for chunk in value.as_bytes().chunks(buf.len()) {
        let buf = &mut buf[..chunk.len()];
        for (dst, src) in buf.iter_mut().zip(chunk) {
            *dst = src.to_ascii_lowercase();
        }
        // ASCII in, ASCII out: always valid UTF-8.
        out.put(std::str::from_utf8(buf).unwrap_or_default());
    }
}

/// Percent-decodes like Python's `urllib.parse.unquote`: each maximal run of ASCII characters
/// is decoded on its own (UTF-8, invalid sequences become U+FFFD); other characters pass through.
fn write_unquoted<S: Sink>(query: &str, out: &mut S) {
    if !query.contains('%') {
        out.put(query);
        return;
    }
    let bytes = query.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let ascii = bytes[start].is_ascii();
        let end = bytes[start..]
            .iter()
            .position(|b| b.is_ascii() != ascii)
            .map_or(bytes.len(), |n| start + n);
        // Both ends sit next to an ASCII byte or at an end, so on char boundaries.
        let run = &query[start..end];
        if ascii && run.contains('%') {
            let decoded: Vec<u8> = percent_encoding::percent_decode_str(run).collect();
            out.put(&String::from_utf8_lossy(&decoded));
        } else {
            out.put(run);
        }
        start = end;
    }
}

/// 64 lower-case hex digits of a 32-byte digest, on the stack.
struct Hex64([u8; 64]);

impl Hex64 {
    fn encode(bytes: &[u8; 32]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        Hex64(out)
    }

    fn sha256(data: &[u8]) -> Self {
        Self::encode(&Sha256::digest(data).into())
    }

    fn as_str(&self) -> &str {
        // Only hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Decimal digits of `n`, written at the end of `buf`.
fn format_u64(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unquoted(q: &str) -> String {
        let mut s = String::new();
        write_unquoted(q, &mut s);
        s
    }

    #[test]
    fn unquote_matches_python_rules() {
        assert_eq!(unquoted("a=b+c"), "a=b+c");
        assert_eq!(unquoted("a=%E4%B8%AD"), "a=中");
        assert_eq!(unquoted("a=%zz%4"), "a=%zz%4");
        assert_eq!(unquoted("%%41"), "%A");
        assert_eq!(unquoted("%E4%B8"), "\u{fffd}");
        // An escape split by a literal non-ASCII character is decoded per ASCII run.
        assert_eq!(unquoted("%E4%B8中%AD"), "\u{fffd}中\u{fffd}");
        assert_eq!(unquoted("中=%41"), "中=A");
    }

    #[test]
    fn signed_header_normalization() {
        assert!(matches!(
            signed_headers("content-type;host"),
            Cow::Borrowed(_)
        ));
        assert_eq!(signed_headers("host;host"), "host");
        assert_eq!(signed_headers("b;;a"), ";a;b");
        assert_eq!(signed_headers("HOST"), "host");
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_first_wins() {
        let headers = [("HOST", "A"), ("host", "b"), ("\u{212a}-x", "K")];
        assert_eq!(find_header(&headers, "host"), Some("A"));
        assert_eq!(find_header(&headers, "k-x"), Some("K"));
        assert_eq!(find_header(&headers, "content-type"), None);
    }

    #[test]
    fn lowercase_long_values_in_chunks() {
        let value = "AbC".repeat(100);
        let mut s = String::new();
        write_lowercase(&value, &mut s);
        assert_eq!(s, "abc".repeat(100));
    }

    #[test]
    fn one_pass_equals_step_by_step() {
        let headers = [("Host", "X.example"), ("content-TYPE", "Text/Plain")];
        let req = Request::new("GET", "/p")
            .with_query("q=%E4%B8%AD&x=1")
            .with_headers(&headers)
            .with_signed_headers("Host;Content-Type;X-Missing");
        for alg in Algorithm::ALL {
            let cr = canonical_request(&req);
            let sts = string_to_sign(alg, 42, &cr);
            let sig = signature(&sts, &Secret::new("sk"));
            let auth = authorization(alg, "ak", &signed_headers(req.signed_headers), &sig);
            let signed = sign(alg, &req, &SigningKey::new("ak", "sk"), 42);
            assert_eq!(signed.string_to_sign, sts);
            assert_eq!(signed.header("authorization"), Some(auth.as_str()));
        }
    }

    #[test]
    fn timestamps_format() {
        let mut buf = [0u8; 20];
        assert_eq!(format_u64(0, &mut buf), "0");
        assert_eq!(format_u64(u64::MAX, &mut buf), "18446744073709551615");
    }
}
