//! Configuration: which vendor, with which keys, and how patiently.
//!
//! One file holds a section per vendor and `provider` picks one, so moving an app to another vendor
//! is a one-line change. Secrets may stay out of the file: each missing one is read from the
//! vendor's usual environment variable. Unknown keys are errors that name the key, because a typo
//! in a config file should not silently fall back to a default.
//!
//! ```
//! use vod_core::config::{Config, ProviderName};
//! let cfg = Config::from_toml_str_with_env(
//!     r#"
//!     provider = "wangsu"
//!     [wangsu]
//!     access_key = "ak"
//!     "#,
//!     |name| (name == "WANGSU_SECRET_KEY").then(|| "sk".to_string()),
//! )?;
//! assert_eq!(cfg.provider, ProviderName::Wangsu);
//! assert_eq!(cfg.wangsu().secret_key()?.expose(), "sk");
//! # Ok::<(), vod_core::Error>(())
//! ```

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind, Result, Secret};

/// The environment variable naming the config file when no path is given.
pub const CONFIG_ENV: &str = "VOD_CONFIG";
/// The environment variable choosing the provider when there is no config file.
pub const PROVIDER_ENV: &str = "VOD_PROVIDER";

/// The environment variables read for missing values, as (config key, variable).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("aliyun.access_key_id", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    (
        "aliyun.access_key_secret",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    ),
    ("aliyun.security_token", "ALIBABA_CLOUD_SECURITY_TOKEN"),
    ("aliyun.region", "ALIBABA_CLOUD_REGION_ID"),
    ("wangsu.access_key", "WANGSU_ACCESS_KEY"),
    ("wangsu.secret_key", "WANGSU_SECRET_KEY"),
];

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Which vendor to use.
    pub provider: ProviderName,
    /// Aliyun settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyun: Option<AliyunConfig>,
    /// Wangsu settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wangsu: Option<WangsuConfig>,
    /// Transport settings shared by every provider.
    #[serde(default)]
    pub http: HttpConfig,
}

/// The supported vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ProviderName {
    /// Aliyun ApsaraVideo VOD.
    Aliyun,
    /// Wangsu (CDNetworks) Cloud VoD.
    Wangsu,
}

impl ProviderName {
    /// The name used in config and credentials.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aliyun => "aliyun",
            Self::Wangsu => "wangsu",
        }
    }
}

impl std::str::FromStr for ProviderName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "aliyun" => Ok(Self::Aliyun),
            "wangsu" => Ok(Self::Wangsu),
            // The value is not quoted: config values are never repeated in errors.
            _ => Err(Error::config("provider", "must be `aliyun` or `wangsu`")),
        }
    }
}

/// `[aliyun]`: Aliyun ApsaraVideo VOD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AliyunConfig {
    /// The AccessKey id (or `ALIBABA_CLOUD_ACCESS_KEY_ID`).
    pub access_key_id: Option<String>,
    /// The AccessKey secret (or `ALIBABA_CLOUD_ACCESS_KEY_SECRET`).
    pub access_key_secret: Option<Secret>,
    /// An STS token when the key above is temporary (or `ALIBABA_CLOUD_SECURITY_TOKEN`).
    pub security_token: Option<Secret>,
    /// The region (`cn-shanghai` when absent, or `ALIBABA_CLOUD_REGION_ID`).
    pub region: Option<String>,
    /// An endpoint URL that overrides the region's (any scheme, host and port).
    pub endpoint: Option<String>,
    /// The signature version.
    #[serde(default)]
    pub signature: AliyunSignature,
    /// The signature of uploads to OSS with the credentials' STS keys (`v4`, the default).
    #[serde(default)]
    pub oss_signature: OssSignature,
    /// The region to sign OSS V4 uploads with when neither the credential nor the OSS endpoint
    /// host names one (an accelerate or CNAME endpoint).
    pub oss_region: Option<String>,
}

/// OSS signature versions, for uploads.
///
/// Not `non_exhaustive`: an adapter must decide what each version means, so a new one should
/// fail its build rather than fall into a default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OssSignature {
    /// `OSS4-HMAC-SHA256`: the only one Aliyun accepts from new accounts (2025-03) and for
    /// new buckets (2025-09).
    #[default]
    V4,
    /// The older HMAC-SHA1 header signature.
    V1,
}

/// Aliyun's signature versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AliyunSignature {
    /// RPC HMAC-SHA1, SignatureVersion 1.0.
    #[default]
    V1,
    /// ACS3-HMAC-SHA256.
    V3,
}

/// The region used when none is configured.
pub const DEFAULT_ALIYUN_REGION: &str = "cn-shanghai";

impl AliyunConfig {
    /// The access key id, or an error naming where to set it.
    pub fn access_key_id(&self) -> Result<&str> {
        required(self.access_key_id.as_deref(), "aliyun.access_key_id")
    }

    /// The access key secret, or an error naming where to set it.
    pub fn access_key_secret(&self) -> Result<&Secret> {
        required_secret(self.access_key_secret.as_ref(), "aliyun.access_key_secret")
    }

    /// The region, defaulting to [`DEFAULT_ALIYUN_REGION`].
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_ALIYUN_REGION)
    }
}

/// `[wangsu]`: Wangsu (CDNetworks) Cloud VoD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WangsuConfig {
    /// The access key (or `WANGSU_ACCESS_KEY`).
    pub access_key: Option<String>,
    /// The secret key (or `WANGSU_SECRET_KEY`).
    pub secret_key: Option<Secret>,
    /// An endpoint URL that overrides the variant's default host (any scheme, host and port).
    pub endpoint: Option<String>,
    /// Which gateway and signature to use.
    #[serde(default)]
    pub variant: WangsuVariant,
}

/// Wangsu's API gateways.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum WangsuVariant {
    /// The Cloud VoD API, `WS3-HMAC-SHA256`.
    #[default]
    Ws3,
    /// The OpenAPI gateway, `CNC-HMAC-SHA256`.
    Cnc,
}

impl WangsuConfig {
    /// The access key, or an error naming where to set it.
    pub fn access_key(&self) -> Result<&str> {
        required(self.access_key.as_deref(), "wangsu.access_key")
    }

    /// The secret key, or an error naming where to set it.
    pub fn secret_key(&self) -> Result<&Secret> {
        required_secret(self.secret_key.as_ref(), "wangsu.secret_key")
    }
}

/// `[http]`: how the library talks to vendors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Time allowed for one attempt, connection included (seconds).
    pub timeout_secs: u64,
    /// Time allowed to open a connection (seconds).
    pub connect_timeout_secs: u64,
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Time allowed for all attempts of one call together (seconds).
    pub max_elapsed_secs: u64,
    /// Time allowed for one attempt of one storage request (a part, or a small file in one
    /// request), body included (seconds). Parts are megabytes, so this is longer than
    /// `timeout_secs`: at the default 300 s an 8 MiB part needs about 230 kbit/s.
    pub storage_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 10,
            connect_timeout_secs: 5,
            max_attempts: 3,
            max_elapsed_secs: 30,
            storage_timeout_secs: 300,
        }
    }
}

impl HttpConfig {
    /// Per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// Connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }

    /// Bound on all attempts together.
    pub fn max_elapsed(&self) -> Duration {
        Duration::from_secs(self.max_elapsed_secs)
    }

    /// The settings storage requests use: `storage_timeout_secs` per attempt, and room for every
    /// attempt of one request (`max_elapsed_secs` at least `storage_timeout_secs` ×
    /// `max_attempts`), so a slow part can still be retried.
    ///
    /// ```
    /// use vod_core::HttpConfig;
    /// let storage = HttpConfig::default().for_storage();
    /// assert_eq!(storage.timeout_secs, 300);
    /// assert_eq!(storage.max_elapsed_secs, 900);
    /// ```
    pub fn for_storage(&self) -> HttpConfig {
        HttpConfig {
            timeout_secs: self.storage_timeout_secs,
            max_elapsed_secs: self.max_elapsed_secs.max(
                self.storage_timeout_secs
                    .saturating_mul(u64::from(self.max_attempts)),
            ),
            ..self.clone()
        }
    }

    /// Checks that the numbers make sense.
    pub fn validate(&self) -> Result<()> {
        if self.timeout_secs == 0 {
            return Err(Error::config("http.timeout_secs", "must be at least 1"));
        }
        if self.connect_timeout_secs == 0 {
            return Err(Error::config(
                "http.connect_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.max_attempts == 0 {
            return Err(Error::config("http.max_attempts", "must be at least 1"));
        }
        if self.storage_timeout_secs == 0 {
            return Err(Error::config(
                "http.storage_timeout_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

impl Config {
    /// A config for `provider` with nothing else set.
    pub fn new(provider: ProviderName) -> Self {
        Self {
            provider,
            aliyun: None,
            wangsu: None,
            http: HttpConfig::default(),
        }
    }

    /// Parses TOML, filling missing values from the process environment.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Self::from_toml_str_with_env(text, |name| std::env::var(name).ok())
    }

    /// Parses TOML, filling missing values from `env`.
    pub fn from_toml_str_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        // The TOML error keeps the whole input, secrets included, and its message can quote a
        // value: say the key, the rule and the line, never the value.
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let start = e.span().map(|span| span.start.min(text.len()));
            let place = start
                .map(|start| format!(" (line {})", text[..start].lines().count().max(1)))
                .unwrap_or_default();
            let key = start
                .and_then(|start| key_at(text, start))
                .map(|key| format!("`{key}`: "))
                .unwrap_or_default();
            Error::new(
                ErrorKind::Config,
                format!(
                    "invalid config: {key}{}{place}",
                    without_values(&one_line(e.message()))
                ),
            )
        })?;
        cfg.fill_from_env(env);
        cfg.http.validate()?;
        Ok(cfg)
    }

    /// Reads and parses a TOML file, filling missing values from the process environment.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read config file {}: {e}", path.display()),
            )
        })?;
        Self::from_toml_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("{}: {}", path.display(), e.message()),
            )
        })
    }

    /// Builds a config from the process environment alone (`VOD_PROVIDER` and the vendors'
    /// variables).
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Builds a config from `env` alone.
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let provider = env(PROVIDER_ENV).ok_or_else(|| {
            Error::config(
                "provider",
                format!("is not set: give a config file (--config or {CONFIG_ENV}) or set {PROVIDER_ENV}"),
            )
        })?;
        let mut cfg = Self::new(
            provider
                .parse()
                .map_err(|_| Error::config(PROVIDER_ENV, "must be `aliyun` or `wangsu`"))?,
        );
        cfg.fill_from_env(env);
        Ok(cfg)
    }

    /// Loads the file at `path`, else the file named by `VOD_CONFIG`, else the environment.
    pub fn discover(path: Option<&Path>) -> Result<Self> {
        match path {
            Some(p) => Self::from_file(p),
            None => match std::env::var_os(CONFIG_ENV) {
                Some(p) => Self::from_file(p),
                None => Self::from_env(),
            },
        }
    }

    /// Fills values missing from the file with the vendors' environment variables.
    pub fn fill_from_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let get = |key: &str| {
            ENV_VARS
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, var)| env(var))
                .filter(|v| !v.is_empty())
        };
        let aliyun = self.aliyun.get_or_insert_with(AliyunConfig::default);
        fill(&mut aliyun.access_key_id, get("aliyun.access_key_id"));
        fill(
            &mut aliyun.access_key_secret,
            get("aliyun.access_key_secret").map(Secret::from),
        );
        fill(
            &mut aliyun.security_token,
            get("aliyun.security_token").map(Secret::from),
        );
        fill(&mut aliyun.region, get("aliyun.region"));
        let wangsu = self.wangsu.get_or_insert_with(WangsuConfig::default);
        fill(&mut wangsu.access_key, get("wangsu.access_key"));
        fill(
            &mut wangsu.secret_key,
            get("wangsu.secret_key").map(Secret::from),
        );
    }

    /// The `[aliyun]` section (empty when absent, so missing keys are reported by name).
    pub fn aliyun(&self) -> AliyunConfig {
        self.aliyun.clone().unwrap_or_default()
    }

    /// The `[wangsu]` section (empty when absent, so missing keys are reported by name).
    pub fn wangsu(&self) -> WangsuConfig {
        self.wangsu.clone().unwrap_or_default()
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn env_var_for(key: &str) -> Option<&'static str> {
    ENV_VARS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn missing(key: &str) -> Error {
    match env_var_for(key) {
        Some(var) => Error::config(
            key,
            format!("is missing: set it in the config file or set {var}"),
        ),
        None => Error::config(key, "is missing"),
    }
}

fn required<'a>(value: Option<&'a str>, key: &str) -> Result<&'a str> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| missing(key))
}

fn required_secret<'a>(value: Option<&'a Secret>, key: &str) -> Result<&'a Secret> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| missing(key))
}

/// The dotted key whose value starts at byte `start` (`aliyun.access_key_secret`), when the
/// line there is a plain `key = value` line.
fn key_at(text: &str, start: usize) -> Option<String> {
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |n| n + 1);
    let (key, _) = text[line_start..start].split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']);
    if key.is_empty() || key.contains(['[', '{', '#']) {
        return None;
    }
    let table = text[..line_start].lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?.split(']').next()?;
        Some(inner.trim_matches(['[', ' ']).to_owned())
    });
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_owned(),
    })
}

/// A serde/TOML message without the value it quotes: ``invalid type: integer `31337`, expected
/// a string`` becomes `invalid type: integer, expected a string`, ``unknown variant `ws4`,
/// expected ...`` becomes `unknown variant, expected ...`. Other messages (unknown or missing
/// fields, which quote a key, and syntax errors) are kept.
fn without_values(message: &str) -> String {
    const EXPECTED: &str = ", expected ";
    let expected = message
        .rfind(EXPECTED)
        .map(|at| &message[at..])
        .unwrap_or_default();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // `integer `1``, `string "x"`, `floating point `1.5``: the kind is the words before
            // the value.
            let kind = rest
                .split(['`', '"', ','])
                .next()
                .unwrap_or_default()
                .trim();
            return format!("{prefix}{kind}{expected}");
        }
    }
    if message.starts_with("unknown variant ") {
        return format!("unknown variant{expected}");
    }
    message.to_owned()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const FULL: &str = r#"
        provider = "aliyun"
        [aliyun]
        access_key_id = "id"
        access_key_secret = "secret"
        region = "cn-beijing"
        endpoint = "http://127.0.0.1:9000"
        signature = "v3"
        oss_signature = "v1"
        oss_region = "cn-hangzhou"
        [wangsu]
        access_key = "ak"
        secret_key = "sk"
        variant = "cnc"
        [http]
        timeout_secs = 3
        max_attempts = 5
    "#;

    #[test]
    fn parses_the_documented_schema() {
        let cfg = Config::from_toml_str_with_env(FULL, no_env).unwrap();
        assert_eq!(cfg.provider, ProviderName::Aliyun);
        let a = cfg.aliyun();
        assert_eq!(a.access_key_id().unwrap(), "id");
        assert_eq!(a.access_key_secret().unwrap().expose(), "secret");
        assert_eq!(a.region(), "cn-beijing");
        assert_eq!(a.signature, AliyunSignature::V3);
        assert_eq!(a.oss_signature, OssSignature::V1);
        assert_eq!(a.oss_region.as_deref(), Some("cn-hangzhou"));
        assert_eq!(AliyunConfig::default().oss_signature, OssSignature::V4);
        let w = cfg.wangsu();
        assert_eq!(w.variant, WangsuVariant::Cnc);
        assert_eq!(cfg.http.timeout_secs, 3);
        assert_eq!(cfg.http.max_attempts, 5);
        assert_eq!(cfg.http.connect_timeout_secs, 5);
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, key) in [
            ("provider = \"aliyun\"\nfoo = 1", "foo"),
            (
                "provider = \"aliyun\"\n[aliyun]\nacess_key_id = \"x\"",
                "acess_key_id",
            ),
            ("provider = \"aliyun\"\n[http]\ntimeout = 1", "timeout"),
            (
                "provider = \"aliyun\"\n[wangsu]\nvariant = \"ws4\"",
                "wangsu.variant",
            ),
            ("provider = \"tencent\"", "provider"),
        ] {
            let err = Config::from_toml_str_with_env(text, no_env).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(err.to_string().contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn missing_secrets_name_key_and_variable() {
        let cfg = Config::from_toml_str_with_env("provider = \"aliyun\"", no_env).unwrap();
        let err = cfg.aliyun().access_key_secret().unwrap_err();
        assert_eq!(err.field(), Some("aliyun.access_key_secret"));
        assert!(
            err.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "{err}"
        );
        let err = cfg.wangsu().secret_key().unwrap_err();
        assert!(err.to_string().contains("WANGSU_SECRET_KEY"), "{err}");
        let err = cfg.wangsu().access_key().unwrap_err();
        assert!(err.to_string().contains("wangsu.access_key"), "{err}");
    }

    #[test]
    fn file_values_win_and_env_fills_gaps() {
        let env = |name: &str| match name {
            "ALIBABA_CLOUD_ACCESS_KEY_ID" => Some("env-id".to_string()),
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET" => Some("env-secret".to_string()),
            _ => None,
        };
        let text = "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"file-id\"";
        let a = Config::from_toml_str_with_env(text, env).unwrap().aliyun();
        assert_eq!(a.access_key_id().unwrap(), "file-id");
        assert_eq!(a.access_key_secret().unwrap().expose(), "env-secret");
    }

    #[test]
    fn env_only_config() {
        let env = |name: &str| match name {
            "VOD_PROVIDER" => Some("wangsu".to_string()),
            "WANGSU_ACCESS_KEY" => Some("ak".to_string()),
            "WANGSU_SECRET_KEY" => Some("sk".to_string()),
            _ => None,
        };
        let cfg = Config::from_env_with(env).unwrap();
        assert_eq!(cfg.provider, ProviderName::Wangsu);
        assert_eq!(cfg.wangsu().access_key().unwrap(), "ak");
        let err = Config::from_env_with(no_env).unwrap_err();
        assert!(err.to_string().contains("VOD_PROVIDER"), "{err}");
        let bad = |n: &str| (n == "VOD_PROVIDER").then(|| "x".to_string());
        assert!(
            Config::from_env_with(bad)
                .unwrap_err()
                .to_string()
                .contains("VOD_PROVIDER")
        );
    }

    #[test]
    fn zero_attempts_is_a_config_error() {
        let err = Config::from_toml_str_with_env(
            "provider = \"aliyun\"\n[http]\nmax_attempts = 0",
            no_env,
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("http.max_attempts"));
    }

    #[test]
    fn storage_requests_have_their_own_timeout() {
        let err = Config::from_toml_str_with_env(
            "provider = \"aliyun\"\n[http]\nstorage_timeout_secs = 0",
            no_env,
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("http.storage_timeout_secs"));
        let cfg = Config::from_toml_str_with_env(
            "provider = \"aliyun\"\n[http]\ntimeout_secs = 2\nmax_attempts = 2\nmax_elapsed_secs = 5\nstorage_timeout_secs = 60",
            no_env,
        )
        .unwrap();
        let storage = cfg.http.for_storage();
        assert_eq!(storage.timeout_secs, 60);
        assert_eq!(storage.max_elapsed_secs, 120);
        assert_eq!(storage.max_attempts, 2);
        assert_eq!(cfg.http.timeout_secs, 2, "credential calls keep theirs");
    }

    #[test]
    fn debug_of_config_hides_secrets() {
        let cfg = Config::from_toml_str_with_env(FULL, no_env).unwrap();
        let text = format!("{cfg:?}");
        assert!(
            !text.contains("\"secret\"") && !text.contains("\"sk\""),
            "{text}"
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Config::from_file("/nonexistent/vod.toml").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/vod.toml"));
    }
}
