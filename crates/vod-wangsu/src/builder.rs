//! Building a [`WangsuProvider`]: from the `[wangsu]` config section, from the environment, or
//! step by step.
//!
//! The variant picks the gateway, and with it the signature name, the key and time headers and
//! the default host (see the table in the [crate docs](crate)). An `endpoint` overrides the host
//! only: it may use any scheme, host and port (an emulator on `http://127.0.0.1:8080`, a proxy),
//! and the request is still signed for the variant. Everything that can be wrong in the settings
//! is reported by [`WangsuProviderBuilder::build`], naming the config key, before any call.

use std::sync::Arc;

use vod_core::config::{HttpConfig, ProviderName, WangsuConfig, WangsuVariant};
use vod_core::raw::endpoint::Endpoint;
use vod_core::raw::{ClientOptions, SigningKey};
use vod_core::{Config, Error, Result, Secret};

use crate::api::{
    DEFAULT_CNC_HOST, DEFAULT_WS3_HOST, PROVIDER_NAME, REQUEST_ID_HEADERS, UPLOAD_TOKEN_PATH,
};
use crate::client::Client;
use crate::error;
use crate::provider::WangsuProvider;
use crate::sign::Algorithm;

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
    options: ClientOptions,
}

impl WangsuProviderBuilder {
    /// A builder with nothing set: the WS3 variant on its default host, default HTTP settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from the `WANGSU_*` environment variables (access key, secret key), as
    /// the config file would be.
    pub fn from_env() -> Self {
        let mut config = Config::new(ProviderName::Wangsu);
        config.fill_from_env(|name| std::env::var(name).ok());
        Self::new().config(&config.wangsu())
    }

    /// A builder holding the `[wangsu]` section and the `[http]` settings.
    pub fn from_config(config: &WangsuConfig, http: &HttpConfig) -> Self {
        Self::new().config(config).http(http.clone())
    }

    /// Takes every setting of a `[wangsu]` config section.
    pub fn config(mut self, config: &WangsuConfig) -> Self {
        self.config = config.clone();
        self
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

    vod_core::client_options_setters!(options);

    /// Checks the settings and builds the provider. Makes no network call.
    ///
    /// Fails with a [`Config`](vod_core::ErrorKind::Config) error naming the key when the access
    /// key or secret key is missing, the endpoint is not an `http(s)` URL, or the HTTP settings
    /// are out of range.
    pub fn build(self) -> Result<WangsuProvider> {
        let key = SigningKey::new(self.config.access_key()?, self.config.secret_key()?.clone());
        let algorithm = algorithm(self.config.variant)?;
        let endpoint = resolve_endpoint(self.config.endpoint.as_deref(), algorithm)?;
        let transport = self
            .options
            .transport(PROVIDER_NAME)?
            .with_request_id_headers(REQUEST_ID_HEADERS)
            .with_redactor(error::redactor(key.secret_values()));
        Ok(WangsuProvider::new(
            Client {
                transport,
                algorithm,
                key,
                endpoint,
                timestamps: Arc::default(),
            },
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
