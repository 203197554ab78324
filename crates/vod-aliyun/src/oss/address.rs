//! Where an OSS request goes, as oss2 addresses it.
//!
//! - Virtual-hosted style, `{scheme}://{bucket}.{endpoint host}/{key}`, for every named
//!   endpoint: public OSS answers path-style requests with `SecondLevelDomainForbidden`.
//! - Path style, `{scheme}://{host}/{bucket}/{key}`, for IP-address and `localhost`
//!   endpoints (emulators, proxies), where no bucket subdomain can resolve.
//! - The key is percent-encoded whole, `/` included (`%2F`), as oss2 sends it; OSS decodes it
//!   before signing, so the signature still covers the raw key.
//! - Query parameters follow in the order given, each as `name=value` (an empty value keeps
//!   its `=`: `?uploads=`, as oss2 sends).
//!
//! An endpoint without a scheme gets `https://` (oss2 would use `http://`; VOD's endpoints
//! always carry one).
//!
//! The V4 region comes from the credential, else from the endpoint host
//! (`oss-<region>[-internal].aliyuncs.com`), else from config: [`resolve_region`].

use vod_core::raw::endpoint::is_ip_or_localhost;
use vod_core::{Error, OssTarget, Result};

use crate::sign::encode::encode_into;

/// The longest object key OSS accepts, in bytes.
pub const MAX_KEY_BYTES: usize = 1023;

/// A parsed OSS endpoint: scheme and host (with port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    host: String,
    path_style: bool,
}

impl Endpoint {
    /// Parses `https://oss-cn-shanghai.aliyuncs.com` (a path or trailing `/` is ignored).
    pub fn parse(endpoint: &str) -> Result<Self> {
        let endpoint = endpoint.trim();
        let (scheme, rest) = match endpoint.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("https".to_owned(), endpoint),
        };
        if scheme != "https" && scheme != "http" {
            return Err(Error::invalid_input(
                "endpoint",
                format!("must be an http or https URL (got scheme {scheme:?})"),
            ));
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty()
            || host.contains('@')
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        {
            return Err(Error::invalid_input(
                "endpoint",
                "must name a host (letters, digits, `-`, `.`, an IP address, optional port)",
            ));
        }
        let path_style = is_ip_or_localhost(host);
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            path_style,
        })
    }

    /// The host and port as given, without the bucket.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether requests use path style (IP-address and `localhost` endpoints).
    pub fn is_path_style(&self) -> bool {
        self.path_style
    }

    /// The URL of `key` in `bucket`, with `query` (raw names and values, in order).
    ///
    /// ```
    /// use vod_aliyun::oss::address::Endpoint;
    ///
    /// let ep = Endpoint::parse("https://oss-cn-shanghai.aliyuncs.com").unwrap();
    /// assert_eq!(
    ///     ep.object_url("outin-1", "sv/a b.mp4", &[("uploads", "")]).unwrap(),
    ///     "https://outin-1.oss-cn-shanghai.aliyuncs.com/sv%2Fa%20b.mp4?uploads="
    /// );
    /// let ep = Endpoint::parse("http://127.0.0.1:9000").unwrap();
    /// assert_eq!(ep.object_url("bkt", "k", &[]).unwrap(), "http://127.0.0.1:9000/bkt/k");
    /// ```
    pub fn object_url(&self, bucket: &str, key: &str, query: &[(&str, &str)]) -> Result<String> {
        check_bucket(bucket)?;
        check_key(key)?;
        let mut url = String::with_capacity(self.host.len() + bucket.len() + key.len() * 3 + 64);
        url.push_str(&self.scheme);
        url.push_str("://");
        if self.path_style {
            url.push_str(&self.host);
            url.push('/');
            url.push_str(bucket);
        } else {
            url.push_str(bucket);
            url.push('.');
            url.push_str(&self.host);
        }
        url.push('/');
        encode_into(&mut url, key);
        for (i, (name, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            encode_into(&mut url, name);
            url.push('=');
            encode_into(&mut url, value);
        }
        Ok(url)
    }

    /// The region an Aliyun endpoint host names: `oss-cn-shanghai.aliyuncs.com` and
    /// `oss-cn-shanghai-internal.aliyuncs.com` give `cn-shanghai`; other hosts none.
    pub fn region(&self) -> Option<String> {
        let host = self.host.split(':').next()?;
        let label = host.strip_suffix(".aliyuncs.com")?;
        let label = label.rsplit('.').next()?;
        let region = label.strip_prefix("oss-")?;
        let region = region.strip_suffix("-internal").unwrap_or(region);
        (!region.is_empty() && !region.starts_with("accelerate")).then(|| region.to_owned())
    }
}

/// One object in OSS: where an upload writes, without the keys that write it.
///
/// An upload keeps one location while its keys change ([`SigningKey`](vod_core::raw::SigningKey)s go with
/// every call), so another process can rebuild it from a stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The bucket.
    pub bucket: String,
    /// The object key, raw.
    pub key: String,
    /// The region the credential names, if any (V4 signing).
    pub region: Option<String>,
}

impl ObjectLocation {
    /// A location from its parts; the endpoint, bucket and key are checked.
    pub fn new(endpoint: &str, bucket: &str, key: &str, region: Option<String>) -> Result<Self> {
        let endpoint = Endpoint::parse(endpoint)?;
        check_bucket(bucket)?;
        check_key(key)?;
        Ok(Self {
            endpoint,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            region: region.filter(|r| !r.trim().is_empty()),
        })
    }

    /// The object of a VOD upload credential's target.
    pub fn from_target(target: &OssTarget) -> Result<Self> {
        Self::new(
            &target.endpoint,
            &target.bucket,
            &target.object_key,
            target.region.clone(),
        )
    }

    /// The object's URL with `query`.
    pub fn url(&self, query: &[(&str, &str)]) -> Result<String> {
        self.endpoint.object_url(&self.bucket, &self.key, query)
    }
}

/// The V4 signing region: the credential's, else the endpoint host's, else `configured`.
pub fn resolve_region(
    credential_region: Option<&str>,
    endpoint: &Endpoint,
    configured: Option<&str>,
) -> Result<String> {
    let pick = |r: Option<&str>| {
        r.map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.strip_prefix("oss-").unwrap_or(r).to_owned())
    };
    pick(credential_region)
        .or_else(|| endpoint.region())
        .or_else(|| pick(configured))
        .ok_or_else(|| {
            Error::config(
                "aliyun.oss_region",
                format!(
                    "is needed to sign OSS V4 requests: neither the credential nor the endpoint \
                     host `{}` names a region",
                    endpoint.host()
                ),
            )
        })
}

/// OSS's bucket naming rule, as oss2 checks it. oss2 falls back to path style for a name
/// that breaks it (which public OSS then refuses); refusing it here says why.
fn check_bucket(bucket: &str) -> Result<()> {
    let bytes = bucket.as_bytes();
    let valid = (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-';
    if !valid {
        return Err(Error::invalid_input(
            "bucket",
            "must be 3 to 63 lower-case letters, digits and `-`, not starting or ending with `-`",
        ));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(Error::invalid_input(
            "object_key",
            format!("must be 1 to {MAX_KEY_BYTES} bytes (got {})", key.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_style_for_ip_and_localhost_only() {
        for (ep, path) in [
            ("https://oss-cn-shanghai.aliyuncs.com", false),
            ("http://127.0.0.1:8080", true),
            ("http://localhost:8080", true),
            ("http://LOCALHOST", true),
            ("http://[::1]:9000", true),
            ("http://10.0.0.1", true),
            ("http://my.cdn.example", false),
            ("oss-cn-beijing.aliyuncs.com", false),
        ] {
            assert_eq!(Endpoint::parse(ep).unwrap().is_path_style(), path, "{ep}");
        }
        let ep = Endpoint::parse("http://[::1]:9000/").unwrap();
        assert_eq!(
            ep.object_url("bkt", "a/b", &[]).unwrap(),
            "http://[::1]:9000/bkt/a%2Fb"
        );
    }

    #[test]
    fn bad_endpoints_and_names_are_refused() {
        for ep in [
            "",
            "ftp://x",
            "https://",
            "https://user@host",
            "https://a b",
        ] {
            let err = Endpoint::parse(ep).unwrap_err();
            assert_eq!(err.field(), Some("endpoint"), "{ep}");
        }
        let ep = Endpoint::parse("https://oss-cn-shanghai.aliyuncs.com").unwrap();
        assert_eq!(
            ep.object_url("", "k", &[]).unwrap_err().field(),
            Some("bucket")
        );
        assert_eq!(
            ep.object_url("a.b", "k", &[]).unwrap_err().field(),
            Some("bucket")
        );
        assert_eq!(
            ep.object_url("bkt", "", &[]).unwrap_err().field(),
            Some("object_key")
        );
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(
            ep.object_url("bkt", &long, &[]).unwrap_err().field(),
            Some("object_key")
        );
    }

    #[test]
    fn regions() {
        let region = |ep: &str| Endpoint::parse(ep).unwrap().region();
        assert_eq!(
            region("https://oss-cn-shanghai.aliyuncs.com").as_deref(),
            Some("cn-shanghai")
        );
        assert_eq!(
            region("http://oss-cn-hangzhou-internal.aliyuncs.com").as_deref(),
            Some("cn-hangzhou")
        );
        assert_eq!(region("https://oss-accelerate.aliyuncs.com"), None);
        assert_eq!(region("http://127.0.0.1:9000"), None);
        assert_eq!(region("https://cdn.example.com"), None);

        let local = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let sh = Endpoint::parse("https://oss-cn-shanghai.aliyuncs.com").unwrap();
        assert_eq!(
            resolve_region(Some("cn-beijing"), &sh, None).unwrap(),
            "cn-beijing"
        );
        assert_eq!(
            resolve_region(Some("oss-cn-beijing"), &sh, None).unwrap(),
            "cn-beijing"
        );
        assert_eq!(resolve_region(None, &sh, Some("x")).unwrap(), "cn-shanghai");
        assert_eq!(
            resolve_region(Some(" "), &local, Some("cn-x")).unwrap(),
            "cn-x"
        );
        let err = resolve_region(None, &local, None).unwrap_err();
        assert_eq!(err.kind(), vod_core::ErrorKind::Config);
        assert!(err.message().contains("127.0.0.1:1"), "{err}");
    }
}
