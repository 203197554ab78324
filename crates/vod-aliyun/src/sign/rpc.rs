//! The RPC-style signature: HMAC-SHA1, `SignatureVersion=1.0`.
//!
//! This is the signature the VOD API (version 2017-03-21) has always accepted and the
//! one `aliyun-python-sdk-core` sends. The steps, with `enc` the
//! [Aliyun percent-encoding](super::encode):
//!
//! 1. Take every parameter except `Signature` (query and, for a POST form, form
//!    parameters together).
//! 2. Sort by name in byte order and join `enc(name)=enc(value)` with `&`:
//!    the [canonicalized query](canonicalized_query).
//! 3. `StringToSign = METHOD & enc("/") & enc(canonicalized query)`:
//!    the [string to sign](string_to_sign).
//! 4. `Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))`:
//!    the [signature].
//!
//! Parameters come in a [`BTreeMap`], whose order is the byte order of the names,
//! which is the order Aliyun sorts in (the official SDKs sort the raw names before
//! encoding; for names made of `A-Z a-z 0-9 - _ .`, as every VOD name is, that is the
//! same as sorting the encoded names). A parameter with an empty value is signed as
//! `name=`, as the official Python SDKs do (`aliyun-python-sdk-core` itself always sends
//! an empty `SignatureType=`). The Java SDK instead skips empty values when signing, so
//! a request is only portable if it sends no empty parameter: leave such a parameter out
//! of the map and of the request.
//!
//! [`sign`] is the one entry point: it adds the common signature parameters (`AccessKeyId`,
//! `SignatureMethod`, `SignatureVersion`, `SignatureNonce`, `Timestamp`, `SecurityToken` for an
//! STS key, and `Signature`) to the operation's parameters. Every function is pure, so a
//! signature can be checked byte for byte, and the string to sign can be compared with the one
//! the server quotes in a `SignatureDoesNotMatch` error.

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::OffsetDateTime;
use vod_core::Secret;
use vod_core::raw::{SignedParts, SigningKey};

use super::encode::{encode_into, encode_twice_into, encoded_len, encoded_twice_len};

/// The value of the `SignatureMethod` parameter for this signature.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// The value of the `SignatureVersion` parameter for this signature.
pub const SIGNATURE_VERSION: &str = "1.0";

/// The canonicalized query string: `enc(name)=enc(value)` pairs in name order, joined
/// with `&`.
///
/// `params` must hold every parameter that is sent except `Signature`.
pub fn canonicalized_query(params: &BTreeMap<String, String>) -> String {
    let len = params
        .iter()
        .map(|(name, value)| encoded_len(name) + encoded_len(value) + 2)
        .sum::<usize>()
        .saturating_sub(1);
    let mut out = String::with_capacity(len);
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// The string to sign: `METHOD&%2F&` followed by the percent-encoded
/// [canonicalized query](canonicalized_query).
///
/// `method` is the HTTP method actually sent, in upper case (`GET` or `POST`); it is
/// used as given. The string is built in one pass, without materialising the
/// canonicalized query first.
pub fn string_to_sign(method: &str, params: &BTreeMap<String, String>) -> String {
    string_to_sign_of(
        method,
        params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
}

/// [`string_to_sign`] of parameters given in name order.
fn string_to_sign_of<'a>(
    method: &str,
    params: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> String {
    // enc(canonicalized query) = enc(enc(name)) %3D enc(enc(value)), joined with %26.
    let query_len = params
        .clone()
        .map(|(name, value)| encoded_twice_len(name) + encoded_twice_len(value) + 6)
        .sum::<usize>()
        .saturating_sub(3);
    let mut out = String::with_capacity(method.len() + 5 + query_len);
    out.push_str(method);
    out.push_str("&%2F&");
    for (i, (name, value)) in params.enumerate() {
        if i > 0 {
            out.push_str("%26");
        }
        encode_twice_into(&mut out, name);
        out.push_str("%3D");
        encode_twice_into(&mut out, value);
    }
    out
}

/// The signature of a string to sign: standard base64 (with padding) of
/// `HMAC-SHA1(access_key_secret + "&", string_to_sign)`.
///
/// The result goes into the `Signature` parameter, percent-encoded like any value.
pub fn signature(string_to_sign: &str, access_key_secret: &Secret) -> String {
    let mut mac = keyed_hmac(access_key_secret.expose());
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs an RPC request: the parameters to add to `params` (the operation's own, with
/// `Action`, `Version` and `Format`) so that the request carries `key`'s signature at `at` with
/// `nonce`, and the string to sign.
///
/// The added parameters are, in this order, `AccessKeyId`, `SignatureMethod`,
/// `SignatureVersion`, `SignatureNonce`, `Timestamp`, `SecurityToken` (when the key has a
/// token) and `Signature`; send them with `params`, in any order (the signature sorts).
///
/// ```
/// use std::collections::BTreeMap;
/// use time::macros::datetime;
/// use vod_aliyun::sign::rpc;
/// use vod_core::raw::SigningKey;
///
/// // The classic example from Aliyun's RPC signature documentation.
/// let params: BTreeMap<String, String> = [
///     ("Action", "DescribeRegions"),
///     ("Format", "XML"),
///     ("Version", "2014-05-26"),
/// ]
/// .into_iter()
/// .map(|(k, v)| (k.to_owned(), v.to_owned()))
/// .collect();
/// let key = SigningKey::new("testid", "testsecret");
/// let signed = rpc::sign(
///     "GET",
///     &params,
///     &key,
///     datetime!(2016-02-23 12:46:24 UTC),
///     "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
/// );
/// assert!(signed.string_to_sign.starts_with("GET&%2F&AccessKeyId%3Dtestid%26"));
/// assert_eq!(signed.query_param("Signature"), Some("OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
/// ```
pub fn sign(
    method: &str,
    params: &BTreeMap<String, String>,
    key: &SigningKey,
    at: OffsetDateTime,
    nonce: &str,
) -> SignedParts {
    let mut query: Vec<(&'static str, String)> = vec![
        ("AccessKeyId", key.id.clone()),
        ("SignatureMethod", SIGNATURE_METHOD.to_owned()),
        ("SignatureVersion", SIGNATURE_VERSION.to_owned()),
        ("SignatureNonce", nonce.to_owned()),
        ("Timestamp", super::timestamp(at)),
    ];
    if let Some(token) = &key.token {
        query.push(("SecurityToken", token.expose().to_owned()));
    }
    // The added parameters join `params` in name order, without copying `params`.
    let mut added: Vec<(&str, &str)> = query.iter().map(|(n, v)| (*n, v.as_str())).collect();
    added.sort_unstable_by_key(|&(name, _)| name);
    let string_to_sign = string_to_sign_of(method, Merged::new(params, &added));
    query.push(("Signature", signature(&string_to_sign, &key.secret)));
    SignedParts {
        headers: Vec::new(),
        query,
        string_to_sign,
        canonical_request: None,
    }
}

/// `params` and `added` (sorted by name) in one name order; a name in both takes `added`'s value.
#[derive(Clone)]
struct Merged<'a> {
    params: std::iter::Peekable<std::collections::btree_map::Iter<'a, String, String>>,
    added: &'a [(&'a str, &'a str)],
}

impl<'a> Merged<'a> {
    fn new(params: &'a BTreeMap<String, String>, added: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            params: params.iter().peekable(),
            added,
        }
    }

    fn take_added(&mut self) -> Option<(&'a str, &'a str)> {
        let (&first, rest) = self.added.split_first()?;
        self.added = rest;
        Some(first)
    }
}

impl<'a> Iterator for Merged<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let param = self.params.peek().map(|(name, _)| name.as_str());
        match (param, self.added.first()) {
            (Some(name), Some(&(added, _))) => match name.cmp(added) {
                std::cmp::Ordering::Less => {
                    self.params.next().map(|(n, v)| (n.as_str(), v.as_str()))
                }
                std::cmp::Ordering::Equal => {
                    self.params.next();
                    self.take_added()
                }
                std::cmp::Ordering::Greater => self.take_added(),
            },
            (Some(_), None) => self.params.next().map(|(n, v)| (n.as_str(), v.as_str())),
            (None, _) => self.take_added(),
        }
    }
}

/// HMAC-SHA1 keyed with `secret + "&"`, without allocating for secrets that fit one
/// SHA-1 block (all real ones do).
fn keyed_hmac(secret: &str) -> Hmac<Sha1> {
    let secret = secret.as_bytes();
    let mut block = [0u8; 64];
    let keyed = if secret.len() < block.len() {
        block[..secret.len()].copy_from_slice(secret);
        block[secret.len()] = b'&';
        Hmac::<Sha1>::new_from_slice(&block[..=secret.len()])
    } else {
        let mut key = Vec::with_capacity(secret.len() + 1);
        key.extend_from_slice(secret);
        key.push(b'&');
        Hmac::<Sha1>::new_from_slice(&key)
    };
    keyed.expect("HMAC accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::encode::encode;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn string_to_sign_encodes_the_canonicalized_query_once_more() {
        let p = params(&[("b", "x y*"), ("a", "测"), ("", ""), ("c=d", "&")]);
        let cq = canonicalized_query(&p);
        assert_eq!(cq, "=&a=%E6%B5%8B&b=x%20y%2A&c%3Dd=%26");
        assert_eq!(
            string_to_sign("POST", &p),
            format!("POST&%2F&{}", encode(&cq))
        );
    }

    #[test]
    fn sign_signs_the_parameters_it_adds_with_the_given_ones() {
        let p = params(&[
            ("Action", "A"),
            ("Timestamp", "overridden"),
            ("Zeta", "z"),
            ("", ""),
        ]);
        let key = SigningKey::new("id", "secret").with_token(Some(Secret::new("tok")));
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        let signed = sign("POST", &p, &key, at, "n");
        let mut all = p.clone();
        for (name, value) in &signed.query[..signed.query.len() - 1] {
            all.insert((*name).to_owned(), value.clone());
        }
        assert_eq!(all["Timestamp"], "2024-01-02T03:04:05Z");
        assert_eq!(all["SecurityToken"], "tok");
        assert_eq!(signed.string_to_sign, string_to_sign("POST", &all));
        assert_eq!(
            signed.query_param("Signature"),
            Some(signature(&signed.string_to_sign, &key.secret).as_str())
        );
    }

    #[test]
    fn empty_parameter_set() {
        let p = BTreeMap::new();
        assert_eq!(canonicalized_query(&p), "");
        assert_eq!(string_to_sign("GET", &p), "GET&%2F&");
    }

    #[test]
    fn long_secrets_use_the_whole_secret() {
        let p = params(&[("Action", "X")]);
        let long = "s".repeat(63);
        let longer = "s".repeat(64);
        let huge = "s".repeat(200);
        let sts = string_to_sign("GET", &p);
        let sigs = [
            signature(&sts, &Secret::new(long)),
            signature(&sts, &Secret::new(longer)),
            signature(&sts, &Secret::new(huge.clone())),
        ];
        assert_ne!(sigs[0], sigs[1]);
        assert_ne!(sigs[1], sigs[2]);
        // A key longer than the block is hashed first; the & must still be part of it.
        let mut mac = Hmac::<Sha1>::new_from_slice(format!("{huge}&").as_bytes()).unwrap();
        mac.update(sts.as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(sigs[2], expected);
    }
}
