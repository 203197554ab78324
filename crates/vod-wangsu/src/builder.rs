//! Building a [`WangsuProvider`]: from the `[wangsu]` config section or step by step.
//!
//! The variant picks the gateway, and with it the signature name, the key and time headers and
//! the default host (see the table in the [crate docs](crate)). An `endpoint` overrides the host
//! only: it may use any scheme, host and port (an emulator on `http://127.0.0.1:8080`, a proxy),
//! and the request is still signed for the variant. Everything that can be wrong in the settings
//! is reported by [`WangsuProviderBuilder::build`], naming the config key, before any call.

use std::sync::Arc;

use vod_core::config::{HttpConfig, WangsuConfig, WangsuVariant};
use vod_core::endpoint::Endpoint;
use vod_core::transport::Transport;
use vod_core::{Clock, Error, Result, Secret};

use crate::WangsuProvider;
use crate::client::{Client, REQUEST_ID_HEADERS};
use crate::decode::{self, PROVIDER};
use crate::sign::Algorithm;

/// The Cloud VoD API host, used with [`WangsuVariant::Ws3`] (`WS3-HMAC-SHA256`).
pub const DEFAULT_WS3_HOST: &str = "api.cloudv.haplat.net";
/// The Wangsu OpenAPI gateway host, used with [`WangsuVariant::Cnc`] (`CNC-HMAC-SHA256`). The
/// CDNetworks gateway, `api.cdnetworks.com`, takes the same variant through `endpoint`.
pub const DEFAULT_CNC_HOST: &str = "open.chinanetcenter.com";
/// The path of Get Video Upload Token, the same on every gateway.
pub const UPLOAD_TOKEN_PATH: &str = "/vod/videoManage/getUploadToken";

/// Builds a [`WangsuProvider`].
///
/// ```
/// use vod_core::config::WangsuVariant;
/// use vod_wangsu::WangsuProvider;
///
/// let provider = WangsuProvider::builder()
///     .access_key("my-ak")
///     .secret_key("my-sk")
///     .variant(WangsuVariant::Cnc)
///     .build()?;
/// assert_eq!(provider.endpoint(), "https://open.chinanetcenter.com/vod/videoManage/getUploadToken");
/// // The secret key never shows.
/// assert!(!format!("{provider:?}").contains("my-sk"));
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WangsuProviderBuilder {
    config: WangsuConfig,
    http: HttpConfig,
    clock: Option<Arc<dyn Clock>>,
    http_client: Option<reqwest::Client>,
}

impl WangsuProviderBuilder {
    /// A builder with nothing set: the WS3 variant on its default host, default HTTP settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding the `[wangsu]` section and the `[http]` settings.
    pub fn from_config(config: &WangsuConfig, http: &HttpConfig) -> Self {
        Self {
            config: config.clone(),
            http: http.clone(),
            ..Self::default()
        }
    }

    /// Sets the access key (config `wangsu.access_key`).
    pub fn access_key(mut self, access_key: impl Into<String>) -> Self {
        self.config.access_key = Some(access_key.into());
        self
    }

    /// Sets the secret key (config `wangsu.secret_key`).
    pub fn secret_key(mut self, secret_key: impl Into<Secret>) -> Self {
        self.config.secret_key = Some(secret_key.into());
        self
    }

    /// Overrides the variant's default host with an `http://` or `https://` URL with any host and
    /// port and no path (config `wangsu.endpoint`).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.config.endpoint = Some(endpoint.into());
        self
    }

    /// Picks the gateway and signature (config `wangsu.variant`).
    pub fn variant(mut self, variant: WangsuVariant) -> Self {
        self.config.variant = variant;
        self
    }

    /// Sets timeouts (config `[http]`).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Reads time from `clock` instead of the system clock (skew correction still applies).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sends requests with `client` (whose own timeouts then apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks the settings and builds the provider. Makes no network call.
    ///
    /// Fails with a [`Config`](vod_core::ErrorKind::Config) error naming the key when the access
    /// key or secret key is missing, the endpoint is not an `http(s)` URL, or the HTTP settings
    /// are out of range.
    pub fn build(self) -> Result<WangsuProvider> {
        let access_key = self.config.access_key()?.to_owned();
        let secret_key = self.config.secret_key()?.clone();
        let algorithm = algorithm(self.config.variant)?;
        let endpoint = resolve_endpoint(self.config.endpoint.as_deref(), algorithm)?;
        let mut transport = Transport::new(PROVIDER, &self.http)?
            .with_request_id_headers(REQUEST_ID_HEADERS)
            .with_redactor(decode::redactor());
        if let Some(clock) = self.clock {
            transport = transport.with_clock(clock);
        }
        if let Some(client) = self.http_client {
            transport = transport.with_client(client);
        }
        Ok(WangsuProvider::new(
            Client::new(transport, algorithm, access_key, secret_key, endpoint),
            self.config.variant,
        ))
    }
}

impl WangsuProvider {
    /// A builder with nothing set.
    pub fn builder() -> WangsuProviderBuilder {
        WangsuProviderBuilder::new()
    }

    /// The provider the `[wangsu]` and `[http]` config sections describe.
    ///
    /// The keys come from the section; `vod_core::config::Config` fills missing ones from
    /// `WANGSU_ACCESS_KEY` and `WANGSU_SECRET_KEY` when it loads.
    ///
    /// ```
    /// use vod_core::config::Config;
    /// use vod_wangsu::WangsuProvider;
    ///
    /// let config = Config::from_toml_str_with_env(
    ///     "provider = \"wangsu\"\n[wangsu]\naccess_key = \"ak\"\nendpoint = \"http://127.0.0.1:8080\"",
    ///     |var| (var == "WANGSU_SECRET_KEY").then(|| "sk".to_string()),
    /// )?;
    /// let provider = WangsuProvider::from_config(&config.wangsu(), &config.http)?;
    /// assert_eq!(provider.endpoint(), "http://127.0.0.1:8080/vod/videoManage/getUploadToken");
    /// # Ok::<(), vod_core::Error>(())
    /// ```
    pub fn from_config(config: &WangsuConfig, http: &HttpConfig) -> Result<Self> {
        WangsuProviderBuilder::from_config(config, http).build()
    }
}

fn algorithm(variant: WangsuVariant) -> Result<Algorithm> {
    match variant {
        WangsuVariant::Ws3 => Ok(Algorithm::Ws3),
        WangsuVariant::Cnc => Ok(Algorithm::Cnc),
        other => Err(Error::config(
            "wangsu.variant",
            format!("{other:?} is not supported by this version of vod-wangsu"),
        )),
    }
}

/// The variant's default host over HTTPS, or the override, with the operation path appended.
///
/// The URL checks are vod-core's ([`Endpoint::parse`]); Wangsu's own rule is that an override
/// has no path, because the operation path is fixed and signed.
pub(crate) fn resolve_endpoint(endpoint: Option<&str>, algorithm: Algorithm) -> Result<Endpoint> {
    let default_host = match algorithm {
        Algorithm::Ws3 => DEFAULT_WS3_HOST,
        Algorithm::Cnc => DEFAULT_CNC_HOST,
    };
    let default_url = format!("https://{default_host}");
    let base = Endpoint::parse(
        "wangsu.endpoint",
        endpoint.unwrap_or(&default_url),
        &default_url,
    )?;
    if !base.is_root() {
        return Err(Error::config(
            "wangsu.endpoint",
            "must be a scheme, host and optional port only: the operation path is fixed and signed",
        ));
    }
    Ok(base.join(UPLOAD_TOKEN_PATH))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::ErrorKind;

    fn resolve(endpoint: &str) -> Result<Endpoint> {
        resolve_endpoint(Some(endpoint), Algorithm::Ws3)
    }

    #[test]
    fn default_hosts_per_variant() {
        let e = resolve_endpoint(None, Algorithm::Ws3).unwrap();
        assert_eq!(
            e.as_str(),
            "https://api.cloudv.haplat.net/vod/videoManage/getUploadToken"
        );
        assert_eq!(e.host(), "api.cloudv.haplat.net");
        let e = resolve_endpoint(None, Algorithm::Cnc).unwrap();
        assert_eq!(e.host(), "open.chinanetcenter.com");
    }

    #[test]
    fn overrides_keep_scheme_host_and_port() {
        for (endpoint, url, host) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/vod/videoManage/getUploadToken",
                "127.0.0.1:8080",
            ),
            (
                "http://127.0.0.1:8080/",
                "http://127.0.0.1:8080/vod/videoManage/getUploadToken",
                "127.0.0.1:8080",
            ),
            (
                "https://API.cdnetworks.com:443",
                "https://api.cdnetworks.com/vod/videoManage/getUploadToken",
                "api.cdnetworks.com",
            ),
            (
                "http://example.com:80",
                "http://example.com/vod/videoManage/getUploadToken",
                "example.com",
            ),
            (
                "https://example.com:80",
                "https://example.com:80/vod/videoManage/getUploadToken",
                "example.com:80",
            ),
            (
                " http://[::1]:9000 ",
                "http://[::1]:9000/vod/videoManage/getUploadToken",
                "[::1]:9000",
            ),
        ] {
            let e = resolve(endpoint).unwrap();
            assert_eq!(e.as_str(), url, "{endpoint}");
            assert_eq!(e.host(), host, "{endpoint}");
        }
    }

    #[test]
    fn bad_endpoints_name_the_key() {
        for endpoint in [
            "api.cloudv.haplat.net",
            "localhost:8080",
            "ftp://example.com",
            "http://",
            "http://user:pw@example.com",
            "http://example.com/prefix",
            "http://example.com/?a=1",
            "",
        ] {
            let err = resolve(endpoint).expect_err(endpoint);
            assert_eq!(err.kind(), ErrorKind::Config, "{endpoint}");
            assert_eq!(err.field(), Some("wangsu.endpoint"), "{endpoint}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn missing_keys_name_the_key_and_variable() {
        let err = WangsuProvider::builder()
            .secret_key("sk")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("wangsu.access_key"));
        assert!(err.to_string().contains("WANGSU_ACCESS_KEY"), "{err}");
        let err = WangsuProvider::builder()
            .access_key("ak")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("wangsu.secret_key"));
        assert!(err.to_string().contains("WANGSU_SECRET_KEY"), "{err}");
        let err = WangsuProvider::builder()
            .access_key("ak")
            .secret_key("")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("wangsu.secret_key"));
    }

    #[test]
    fn http_settings_are_checked() {
        let mut http = HttpConfig::default();
        http.timeout_secs = 0;
        let err = WangsuProvider::builder()
            .access_key("ak")
            .secret_key("sk")
            .http(http)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("http.timeout_secs"));
    }

    #[test]
    fn from_config_uses_every_setting() {
        let mut config = WangsuConfig::default();
        config.access_key = Some("ak".into());
        config.secret_key = Some(Secret::new("very-secret"));
        config.endpoint = Some("http://127.0.0.1:1".into());
        config.variant = WangsuVariant::Cnc;
        let provider = WangsuProvider::from_config(&config, &HttpConfig::default()).unwrap();
        assert_eq!(provider.variant(), WangsuVariant::Cnc);
        assert_eq!(
            provider.endpoint(),
            "http://127.0.0.1:1/vod/videoManage/getUploadToken"
        );
        let debug = format!("{provider:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        let builder = format!(
            "{:?}",
            WangsuProviderBuilder::from_config(&config, &HttpConfig::default())
        );
        assert!(!builder.contains("very-secret"), "{builder}");
    }
}
