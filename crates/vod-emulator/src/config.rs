//! What an emulator is started with: where it listens, which access keys it knows and how long
//! the credentials it issues live.
//!
//! Kept apart from the server so a test can build a config, tweak one field and start several
//! emulators from it. Every field has a default that suits tests: OS-chosen loopback ports and one
//! well-known key pair ([`AccessKey::default_key`]).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::storage::Storage;

/// How an [`Emulator`](crate::Emulator) is set up.
///
/// ```
/// use std::time::Duration;
/// use vod_emulator::{AccessKey, EmulatorConfig};
///
/// let config = EmulatorConfig {
///     keys: vec![
///         AccessKey::new("my-ak", "my-secret"),
///         AccessKey::new("STS.caller", "sts-secret").with_security_token("CAIS-token"),
///     ],
///     aliyun_credential_ttl: Duration::from_secs(60),
///     ..EmulatorConfig::default()
/// };
/// assert_eq!(config.wangsu_token_ttl, Duration::from_secs(3600));
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where the Aliyun VOD API listens. Default `127.0.0.1:0` (an OS-chosen port).
    pub aliyun_addr: SocketAddr,
    /// Where the Wangsu Cloud VoD API listens. Default `127.0.0.1:0` (an OS-chosen port).
    pub wangsu_addr: SocketAddr,
    /// Where the emulated OSS upload host listens (the `Endpoint` of every `UploadAddress`).
    /// Default `127.0.0.1:0` (an OS-chosen port).
    pub oss_addr: SocketAddr,
    /// Where the emulated Wangsu upload host listens (the `uploadUrl` of every upload token).
    /// Default `127.0.0.1:0` (an OS-chosen port).
    pub wangsu_upload_addr: SocketAddr,
    /// Where the upload hosts keep what they receive. Default: a temporary directory.
    pub storage: Storage,
    /// The access keys both emulated vendors accept, all belonging to one emulated account.
    /// Default: one key, [`AccessKey::default_key`].
    pub keys: Vec<AccessKey>,
    /// Lifetime of the STS credential in an Aliyun `UploadAuth` (`Expiration` and
    /// `ExpireUTCTime`); the OSS host refuses the key after it with `SecurityTokenExpired`.
    /// Default 3000 s, the documented lifetime. Set it to seconds to test expiry.
    pub aliyun_credential_ttl: Duration,
    /// The Wangsu upload token's put-policy `deadline` is the emulator's clock plus this; the
    /// upload host refuses the token after it (401).
    /// Default 3600 s: Wangsu does not document a lifetime (its doc example token runs to 2050),
    /// and one hour is the conservative lifetime clients assume when the deadline does not decode.
    pub wangsu_token_ttl: Duration,
    /// The origins whose pages may upload to the two upload hosts from a browser: the hosts answer
    /// CORS preflights for them and expose `ETag`, the request ids and the CRC-64 (as a bucket
    /// with CORS rules for browser uploads does). `"*"` allows every origin. Default: none, like a
    /// bucket without CORS rules, so a browser refuses the answers (scripts and SDKs don't care).
    /// Each origin is `scheme://host[:port]`; [`Emulator::start`](crate::Emulator::start) refuses
    /// anything else.
    pub cors_origins: Vec<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        EmulatorConfig {
            aliyun_addr: loopback,
            wangsu_addr: loopback,
            oss_addr: loopback,
            wangsu_upload_addr: loopback,
            storage: Storage::default(),
            keys: vec![AccessKey::default_key()],
            aliyun_credential_ttl: Duration::from_secs(3000),
            wangsu_token_ttl: Duration::from_secs(3600),
            cors_origins: Vec::new(),
        }
    }
}

impl EmulatorConfig {
    /// Lets pages from `origin` (`http://127.0.0.1:8080`, or `*` for any) upload to the upload
    /// hosts from a browser; see [`cors_origins`](Self::cors_origins).
    ///
    /// ```
    /// use vod_emulator::EmulatorConfig;
    ///
    /// let config = EmulatorConfig::default().cors_origin("http://127.0.0.1:8080");
    /// assert_eq!(config.cors_origins, ["http://127.0.0.1:8080"]);
    /// ```
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        self.cors_origins.push(origin.into());
        self
    }
}

/// An access key pair the emulator accepts.
///
/// `Debug` shows the id only; the secret and the security token are redacted.
///
/// ```
/// use vod_emulator::AccessKey;
///
/// let key = AccessKey::new("my-ak", "very-secret").with_security_token("sts-token-123");
/// let shown = format!("{key:?}");
/// assert!(shown.contains("my-ak"));
/// assert!(!shown.contains("very-secret") && !shown.contains("sts-token-123"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The access key id (Aliyun `AccessKeyId`, Wangsu `AccessKey`).
    pub id: String,
    /// The secret the caller signs with.
    pub secret: String,
    /// When `Some`, the key is an STS key: Aliyun requests signed with it must carry
    /// `SecurityToken` (RPC) or `x-acs-security-token` (ACS3) equal to this value. Wangsu has no
    /// STS keys and ignores it.
    pub security_token: Option<String>,
}

impl AccessKey {
    /// The id of [`AccessKey::default_key`].
    pub const DEFAULT_ID: &'static str = "emulator-ak";
    /// The secret of [`AccessKey::default_key`].
    pub const DEFAULT_SECRET: &'static str = "emulator-secret";

    /// A long-term key pair (no security token).
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        AccessKey {
            id: id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Makes this an STS key whose requests must carry `token`.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// The key every default config holds: `emulator-ak` / `emulator-secret`.
    pub fn default_key() -> Self {
        AccessKey::new(Self::DEFAULT_ID, Self::DEFAULT_SECRET)
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
