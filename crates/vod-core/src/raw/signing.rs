//! What every request signer takes and gives, so that all of them have one shape.
//!
//! Like aws-sigv4, a signer is a pure function from the request's parts, a [`SigningKey`] and the
//! time (and a nonce where the vendor wants one) to a [`SignedParts`]: everything to add to the
//! request, plus the string to sign for diagnostics (a vendor that rejects a signature often
//! quotes its own string to sign; comparing the two says whether the key or the canonical form is
//! wrong). The production clients, the tests and the benchmarks call the same function.

use std::fmt;

use crate::Secret;

/// The keys a request is signed with: an id, its secret and, for temporary (STS) keys, a
/// security token.
///
/// Every signer takes one `SigningKey` rather than two or three adjacent `&str`s, so an id and a
/// secret cannot be swapped silently. Its `Debug` shows the id only.
///
/// ```
/// use vod_core::raw::SigningKey;
/// use vod_core::Secret;
/// let key = SigningKey::new("STS.id", "s3cr3t").with_token(Some(Secret::new("CAIS-token")));
/// assert_eq!(key.id, "STS.id");
/// let shown = format!("{key:?}");
/// assert!(!shown.contains("s3cr3t") && !shown.contains("CAIS"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The key id (Aliyun AccessKey id, Wangsu access key, an STS key id).
    pub id: String,
    /// The key secret.
    pub secret: Secret,
    /// The security token of a temporary key, when there is one.
    pub token: Option<Secret>,
}

impl SigningKey {
    /// A long-term key: an id and its secret, no token.
    pub fn new(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            token: None,
        }
    }

    /// Sets the security token; an empty token counts as none.
    pub fn with_token(mut self, token: Option<Secret>) -> Self {
        self.token = token.filter(|t| !t.is_empty());
        self
    }

    /// The secret values of this key (secret, then token), for a redactor.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.secret)
            .chain(self.token.as_ref())
            .map(Secret::expose)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .field("token", &self.token)
            .finish()
    }
}

/// What a signer adds to a request: headers, query parameters, or both, in the order to send
/// them, and the string it signed.
///
/// Its `Debug` shows the names only: the values carry signatures and security tokens.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SignedParts {
    /// Headers to add, as `(name, value)`.
    pub headers: Vec<(&'static str, String)>,
    /// Query parameters to add, unencoded, as `(name, value)`.
    pub query: Vec<(&'static str, String)>,
    /// The string the signature was computed over.
    pub string_to_sign: String,
    /// The canonical request the string to sign digests, for signers that keep it (ACS3, OSS
    /// V4): a vendor that rejects a signature may quote its own, and the two show which line
    /// differs. `None` for signers without one (RPC, OSS V1) or that stream it into a hash
    /// (Wangsu). Like the string to sign, it may hold a security token: redact before showing.
    pub canonical_request: Option<String>,
}

impl SignedParts {
    /// The value of the added header `name` (matched without case), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The value of the added query parameter `name` (matched exactly), if any.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn find<'a>(pairs: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl fmt::Debug for SignedParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |pairs: &[(&'static str, String)]| -> Vec<&'static str> {
            pairs.iter().map(|(n, _)| *n).collect()
        };
        f.debug_struct("SignedParts")
            .field("headers", &names(&self.headers))
            .field("query", &names(&self.query))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_never_values() {
        let key = SigningKey::new("AKID", "s3cr3t").with_token(Some(Secret::new("CAIS-tok")));
        let parts = SignedParts {
            headers: vec![(
                "authorization",
                "ALG Credential=AKID,Signature=abc123".into(),
            )],
            query: vec![("SecurityToken", "CAIS-tok".into())],
            string_to_sign: "POST&%2F&x".into(),
            canonical_request: Some("POST\n/\nx-acs-security-token:CAIS-tok".into()),
        };
        let shown = format!("{key:?} {parts:?}");
        for secret in ["s3cr3t", "CAIS-tok", "abc123", "POST&"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("authorization") && shown.contains("SecurityToken"));
        assert_eq!(
            parts.header("Authorization"),
            Some("ALG Credential=AKID,Signature=abc123")
        );
        assert_eq!(parts.query_param("SecurityToken"), Some("CAIS-tok"));
        assert_eq!(
            key.secret_values().collect::<Vec<_>>(),
            ["s3cr3t", "CAIS-tok"]
        );
        assert_eq!(
            SigningKey::new("a", "b")
                .with_token(Some(Secret::new("")))
                .token,
            None
        );
    }
}
