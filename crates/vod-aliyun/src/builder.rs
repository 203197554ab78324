//! Building an [`AliyunProvider`]: from the library's config, from the environment, or by hand.
//!
//! All three meet in [`AliyunProviderBuilder`], which holds an [`AliyunConfig`] and checks it
//! the same way: a missing key is a config error that names the key and its environment
//! variable (the messages come from vod-core), and an endpoint that is not an http(s) URL is a
//! config error naming `aliyun.endpoint`. Nothing is sent while building.
//!
//! The endpoint is the region's (`https://vod.{region}.aliyuncs.com`) unless `endpoint`
//! overrides it with any http(s) URL: another host, a port, plain `http` (the emulator on
//! loopback), or a path under which the service is mounted.

use vod_core::config::{AliyunConfig, AliyunSignature, HttpConfig, ProviderName};
use vod_core::raw::endpoint::Endpoint;
use vod_core::raw::{ClientOptions, SigningKey};
use vod_core::{Config, Error, Result, Secret};

use crate::api::{PROVIDER_NAME, REQUEST_ID_HEADERS};
use crate::client::{Client, SignatureVersion};
use crate::error;
use crate::provider::AliyunProvider;

/// Builds an [`AliyunProvider`].
///
/// ```
/// use vod_aliyun::AliyunProvider;
/// use vod_core::config::AliyunSignature;
///
/// let provider = AliyunProvider::builder()
///     .access_key_id("my-ak")
///     .access_key_secret("my-secret")
///     .region("cn-beijing")
///     .signature(AliyunSignature::V3)
///     .build()?;
/// assert_eq!(provider.endpoint(), "https://vod.cn-beijing.aliyuncs.com/");
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AliyunProviderBuilder {
    config: AliyunConfig,
    options: ClientOptions,
}

impl AliyunProviderBuilder {
    /// A builder with nothing set (region `cn-shanghai`, signature V1, default HTTP settings).
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from the `ALIBABA_CLOUD_*` environment variables (key id, secret,
    /// security token, region), as the config file would be.
    pub fn from_env() -> Self {
        let mut config = Config::new(ProviderName::Aliyun);
        config.fill_from_env(|name| std::env::var(name).ok());
        Self::new().config(&config.aliyun())
    }

    /// A builder holding the `[aliyun]` section and the `[http]` settings.
    pub fn from_config(config: &AliyunConfig, http: &HttpConfig) -> Self {
        Self::new().config(config).http(http.clone())
    }

    /// Takes every setting of an `[aliyun]` config section.
    pub fn config(mut self, config: &AliyunConfig) -> Self {
        self.config = config.clone();
        self
    }

    /// Sets the AccessKey id.
    pub fn access_key_id(mut self, id: impl Into<String>) -> Self {
        self.config.access_key_id = Some(id.into());
        self
    }

    /// Sets the AccessKey secret.
    pub fn access_key_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.config.access_key_secret = Some(secret.into());
        self
    }

    /// Sets the STS security token, for a temporary (`STS.`) access key.
    pub fn security_token(mut self, token: impl Into<Secret>) -> Self {
        self.config.security_token = Some(token.into());
        self
    }

    /// Sets the region (`cn-shanghai` when not set).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// Overrides the region's endpoint with any http(s) URL (`http://127.0.0.1:8080`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.config.endpoint = Some(url.into());
        self
    }

    /// Chooses the signature: RPC HMAC-SHA1 (`V1`, the default) or ACS3-HMAC-SHA256 (`V3`).
    pub fn signature(mut self, signature: AliyunSignature) -> Self {
        self.config.signature = signature;
        self
    }

    vod_core::client_options_setters!(options);

    /// Checks the settings and builds the provider.
    pub fn build(self) -> Result<AliyunProvider> {
        let cfg = &self.config;
        let key = SigningKey::new(cfg.access_key_id()?, cfg.access_key_secret()?.clone())
            .with_token(cfg.security_token.clone());
        let endpoint = resolve_endpoint(cfg)?;
        let signature = SignatureVersion::from_config(cfg.signature).ok_or_else(|| {
            Error::config(
                "aliyun.signature",
                format!(
                    "is {:?}, which this version of vod-aliyun does not implement",
                    cfg.signature
                ),
            )
        })?;
        let transport = self
            .options
            .transport(PROVIDER_NAME)?
            .with_request_id_headers(REQUEST_ID_HEADERS)
            .with_redactor(error::redactor(key.secret_values()));
        Ok(AliyunProvider::new(Client {
            transport,
            endpoint,
            key,
            signature,
        }))
    }
}

impl AliyunProvider {
    /// A builder to configure a provider by hand.
    pub fn builder() -> AliyunProviderBuilder {
        AliyunProviderBuilder::new()
    }

    /// A provider from an `[aliyun]` config section and the shared `[http]` settings.
    ///
    /// ```
    /// use vod_aliyun::AliyunProvider;
    /// use vod_core::config::Config;
    ///
    /// let cfg = Config::from_toml_str_with_env(
    ///     r#"
    ///     provider = "aliyun"
    ///     [aliyun]
    ///     access_key_id = "my-ak"
    ///     endpoint = "http://127.0.0.1:9000"
    ///     "#,
    ///     |var| (var == "ALIBABA_CLOUD_ACCESS_KEY_SECRET").then(|| "my-secret".to_string()),
    /// )?;
    /// let provider = AliyunProvider::from_config(&cfg.aliyun(), &cfg.http)?;
    /// assert_eq!(provider.endpoint(), "http://127.0.0.1:9000/");
    /// # Ok::<(), vod_core::Error>(())
    /// ```
    pub fn from_config(config: &AliyunConfig, http: &HttpConfig) -> Result<Self> {
        AliyunProviderBuilder::from_config(config, http).build()
    }
}

/// An endpoint to show when the configured one is not a URL.
const EXAMPLE_ENDPOINT: &str = "https://vod.cn-shanghai.aliyuncs.com";

/// The endpoint to call: the override, else the region's.
fn resolve_endpoint(cfg: &AliyunConfig) -> Result<Endpoint> {
    if let Some(url) = cfg.endpoint.as_deref() {
        return Endpoint::parse("aliyun.endpoint", url, EXAMPLE_ENDPOINT);
    }
    let region = cfg.region();
    let valid = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(Error::config(
            "aliyun.region",
            format!("is `{region}`; expected a region id such as `cn-shanghai`"),
        ));
    }
    let url = format!("https://vod.{region}.aliyuncs.com");
    Endpoint::parse("aliyun.region", &url, EXAMPLE_ENDPOINT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::ErrorKind;

    fn keyed() -> AliyunProviderBuilder {
        AliyunProvider::builder()
            .access_key_id("ak")
            .access_key_secret("sk")
    }

    #[test]
    fn region_and_override_endpoints() {
        assert_eq!(
            keyed().build().unwrap().endpoint(),
            "https://vod.cn-shanghai.aliyuncs.com/"
        );
        assert_eq!(
            keyed().region("ap-southeast-1").build().unwrap().endpoint(),
            "https://vod.ap-southeast-1.aliyuncs.com/"
        );
        for (given, used) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            ("http://[::1]:9/", "http://[::1]:9/"),
            (
                "https://vod-vpc.cn-beijing.aliyuncs.com",
                "https://vod-vpc.cn-beijing.aliyuncs.com/",
            ),
            (
                "http://localhost:1234/aliyun/",
                "http://localhost:1234/aliyun/",
            ),
        ] {
            let p = keyed().region("ignored").endpoint(given).build().unwrap();
            assert_eq!(p.endpoint(), used, "{given}");
        }
    }

    #[test]
    fn bad_endpoints_and_regions_name_the_key() {
        for bad in [
            "vod.cn-shanghai.aliyuncs.com",
            "ftp://x",
            "http://",
            "",
            "http://h/?a=1",
        ] {
            let err = keyed().endpoint(bad).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
            assert_eq!(err.field(), Some("aliyun.endpoint"), "{bad}");
        }
        let err = keyed().region("cn shanghai/x").build().unwrap_err();
        assert_eq!(err.field(), Some("aliyun.region"));
    }

    #[test]
    fn missing_keys_name_key_and_variable() {
        let err = AliyunProvider::builder()
            .access_key_id("ak")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("aliyun.access_key_secret"));
        assert!(
            err.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "{err}"
        );
        let err = AliyunProvider::builder()
            .access_key_secret("s")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("aliyun.access_key_id"));
    }

    #[test]
    fn from_config_takes_every_setting() {
        let mut cfg = AliyunConfig::default();
        cfg.access_key_id = Some("STS.ak".into());
        cfg.access_key_secret = Some(Secret::new("sk"));
        cfg.security_token = Some(Secret::new("tok"));
        cfg.region = Some("cn-beijing".into());
        cfg.signature = AliyunSignature::V3;
        let p = AliyunProvider::from_config(&cfg, &HttpConfig::default()).unwrap();
        assert_eq!(p.endpoint(), "https://vod.cn-beijing.aliyuncs.com/");
        assert_eq!(p.signature(), AliyunSignature::V3);
        let mut http = HttpConfig::default();
        http.timeout_secs = 0;
        let err = AliyunProvider::from_config(&cfg, &http).unwrap_err();
        assert_eq!(err.field(), Some("http.timeout_secs"));
    }

    #[test]
    fn debug_hides_secrets() {
        let p = keyed()
            .access_key_secret("very-secret-value")
            .security_token("sts-token-value")
            .build()
            .unwrap();
        let shown = format!("{p:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(!shown.contains("sts-token-value"), "{shown}");
        assert!(shown.contains("ak"), "{shown}");
    }
}
