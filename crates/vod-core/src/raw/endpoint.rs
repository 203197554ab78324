//! Endpoint URLs: the configured override of a vendor's API host, and URLs a vendor hands back.
//!
//! Every adapter lets the config point it at another host (a VPC endpoint, a proxy, the emulator
//! on loopback), and every adapter signs the `Host` header, so every adapter needs the same
//! things from that URL: an http(s) scheme, a host, no user name or password (they would end up
//! in logs and be sent in clear), no query or fragment (requests add their own query), and the
//! `Host` value exactly as the HTTP client will send it. Those checks live here once, so that a
//! bad endpoint is reported the same way, naming the config key, whichever vendor it is for.
//! Each adapter keeps only its own rules: which host is the default, whether a path is allowed,
//! which operation path is appended.
//!
//! Vendors also hand back URLs for the uploader (an OSS endpoint, a storage upload host), and
//! sometimes leave the scheme off; [`with_scheme`] makes those usable as URLs.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::{Error, Result};

/// A vendor API base URL: scheme, host, optional port and path, checked once when configured.
///
/// ```
/// use vod_core::raw::endpoint::Endpoint;
///
/// let e = Endpoint::parse("aliyun.endpoint", "http://127.0.0.1:8080/aliyun/", "https://vod.cn-shanghai.aliyuncs.com")?;
/// assert_eq!(e.as_str(), "http://127.0.0.1:8080/aliyun/");
/// assert_eq!(e.host(), "127.0.0.1:8080");
/// assert_eq!(e.path(), "/aliyun/");
///
/// // The scheme's default port is not part of `Host`, as the HTTP client leaves it out too.
/// let e = Endpoint::parse("wangsu.endpoint", "https://API.example.com:443", "https://api.example.com")?;
/// assert_eq!(e.host(), "api.example.com");
/// assert_eq!(e.join("/v1/token").as_str(), "https://api.example.com/v1/token");
///
/// let err = Endpoint::parse("wangsu.endpoint", "ftp://example.com", "https://api.example.com").unwrap_err();
/// assert_eq!(err.field(), Some("wangsu.endpoint"));
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    // Parsed by reqwest's URL type, which stays private: the accessors give text.
    url: reqwest::Url,
    host: String,
}

impl Endpoint {
    /// Parses and checks `text` (surrounding whitespace ignored) as the value of `config_key`.
    ///
    /// Fails with a [`Config`](crate::ErrorKind::Config) error naming `config_key` unless `text`
    /// is an `http` or `https` URL with a host, no user name or password, and no query or
    /// fragment. `example` is a good value to show in the error when `text` is not a URL at all.
    /// The message never quotes `text`: a user name or password in it stays out of logs.
    pub fn parse(config_key: &str, text: &str, example: &str) -> Result<Self> {
        let bad = |problem: String| Error::config(config_key, problem);
        let url = reqwest::Url::parse(text.trim())
            .map_err(|e| bad(format!("is not a URL ({e}); expected e.g. `{example}`")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!(
                "must be an http:// or https:// URL (got scheme `{}`)",
                url.scheme()
            )));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(bad("has no host".to_owned()));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry a user name or password".to_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment".to_owned()));
        }
        // `port()` is `None` for the scheme's default port, which the HTTP client leaves out of
        // `Host`; signatures must cover the value actually sent.
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self { url, host })
    }

    /// The URL as text, normalised (`https://vod.cn-shanghai.aliyuncs.com/`), without query:
    /// requests append their own.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The `Host` header value the HTTP client sends: `host`, or `host:port` for a port that is
    /// not the scheme's default.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path, percent-encoded as sent (`/` when the URL has none).
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// Whether the path is empty or `/`: the URL names only a scheme, host and port.
    pub fn is_root(&self) -> bool {
        matches!(self.url.path(), "" | "/")
    }

    /// This endpoint with `path` appended to its own path (`http://h/base/` and `/op` give
    /// `http://h/base/op`); the host is unchanged.
    pub fn join(&self, path: &str) -> Self {
        let base = self.url.path().trim_end_matches('/');
        let mut url = self.url.clone();
        url.set_path(&format!("{base}/{}", path.trim_start_matches('/')));
        Self {
            url,
            host: self.host.clone(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vendor-returned URL that may lack its scheme, made a URL: `https://` is put in front when
/// there is no `://` (vendors that leave it off mean HTTPS); surrounding whitespace goes.
///
/// ```
/// use vod_core::raw::endpoint::with_scheme;
/// assert_eq!(with_scheme(" upload.example.com "), "https://upload.example.com");
/// assert_eq!(with_scheme("http://127.0.0.1:9/"), "http://127.0.0.1:9/");
/// ```
pub fn with_scheme(url: &str) -> String {
    let url = url.trim();
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    }
}

/// Whether `host` (with or without a port) is a literal IP address (IPv4, or IPv6 in brackets) or
/// `localhost`. Object storage is addressed by path there (`/{bucket}/{key}`), since no DNS name
/// `{bucket}.{host}` exists; this is oss2's rule, shared by the OSS client and
/// [`OssTarget::object_url`](crate::OssTarget::object_url).
///
/// ```
/// use vod_core::raw::endpoint::is_ip_or_localhost;
/// assert!(is_ip_or_localhost("127.0.0.1:9512"));
/// assert!(is_ip_or_localhost("[::1]:80"));
/// assert!(is_ip_or_localhost("localhost"));
/// assert!(!is_ip_or_localhost("oss-cn-shanghai.aliyuncs.com"));
/// ```
pub fn is_ip_or_localhost(host: &str) -> bool {
    if let Some(rest) = host.strip_prefix('[') {
        return rest
            .split(']')
            .next()
            .is_some_and(|ip| ip.parse::<Ipv6Addr>().is_ok());
    }
    let name = host.split(':').next().unwrap_or_default();
    name.eq_ignore_ascii_case("localhost") || name.parse::<Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn parse(text: &str) -> Result<Endpoint> {
        Endpoint::parse("x.endpoint", text, "https://api.example.com")
    }

    #[test]
    fn host_values_are_what_the_client_sends() {
        for (text, url, host, path) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/",
                "127.0.0.1:8080",
                "/",
            ),
            (
                " http://[::1]:9000 ",
                "http://[::1]:9000/",
                "[::1]:9000",
                "/",
            ),
            (
                "https://example.com:80/a/",
                "https://example.com:80/a/",
                "example.com:80",
                "/a/",
            ),
            (
                "http://example.com:80",
                "http://example.com/",
                "example.com",
                "/",
            ),
        ] {
            let e = parse(text).unwrap();
            assert_eq!(
                (e.as_str(), e.host(), e.path()),
                (url, host, path),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_urls_name_the_key_and_never_quote_the_text() {
        for text in [
            "example.com",
            "localhost:8080",
            "ftp://example.com",
            "http://",
            "http://user:pw@example.com",
            "http://example.com/?a=1",
            "http://example.com/#f",
            "",
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.kind(), ErrorKind::Config, "{text}");
            assert_eq!(err.field(), Some("x.endpoint"), "{text}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn join_appends_to_the_base_path() {
        let op = "/vod/op";
        assert_eq!(
            parse("http://h").unwrap().join(op).as_str(),
            "http://h/vod/op"
        );
        assert_eq!(
            parse("http://h/b/").unwrap().join(op).as_str(),
            "http://h/b/vod/op"
        );
        assert!(parse("http://h/").unwrap().is_root());
        assert!(!parse("http://h/b").unwrap().is_root());
    }

    #[test]
    fn schemes_are_added_only_when_missing() {
        assert_eq!(with_scheme("oss.example.com"), "https://oss.example.com");
        assert_eq!(with_scheme("http://h"), "http://h");
    }
}
