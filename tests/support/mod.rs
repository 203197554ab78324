//! What the behaviour and resilience suites share: the list of providers under test, and an
//! emulator with a provider of each kind pointed at it.
//!
//! A new provider joins every suite with one entry in the `providers!` list below (after the
//! emulator learns its API); `provider_tests!` then gives each case a test of its own per provider.

#![allow(dead_code)]

use std::sync::Arc;

use vod::emulator::{Emulator, EmulatorConfig, Fault, FaultKind, Operation, Vendor};
use vod::{Config, UploadCredentialProvider};

/// One provider under test: its name, the emulator vendor that serves it, and its config section.
pub struct Case {
    pub name: &'static str,
    pub vendor: Vendor,
    /// TOML for the provider, with `{url}`, `{ak}` and `{sk}` filled in.
    pub toml: &'static str,
    /// A vendor answer meaning "throttled", as the vendor sends it.
    pub throttled: fn() -> FaultKind,
}

/// Declares the providers under test: `PROVIDERS`, a `cases` module with one constant per provider,
/// and the `provider_tests!` macro, which turns each `async fn case_name(case: &Case)` it names into
/// one `#[tokio::test]` per provider (`aliyun_v3::case_name`), so a failing provider hides no
/// other and `cargo test aliyun_v3` runs one provider's cases.
macro_rules! providers {
    ($d:tt $($name:ident: $case:expr),* $(,)?) => {
        /// One constant per provider under test, named like its test module.
        #[allow(non_upper_case_globals)]
        pub mod cases {
            use super::*;
            $(pub const $name: Case = $case;)*
        }

        /// Every provider under test.
        pub const PROVIDERS: &[Case] = &[$(cases::$name),*];

        /// One test per named case and provider.
        #[allow(unused_macros)]
        macro_rules! provider_tests {
            ($d($d test:ident),* $d(,)?) => {
                $(
                    mod $name {
                        $d(
                            #[tokio::test]
                            async fn $d test() {
                                super::$d test(&crate::support::cases::$name).await
                            }
                        )*
                    }
                )*
            };
        }
    };
}

// A new provider joins every suite with one entry here. (The leading `$` is the dollar sign the
// generated `provider_tests!` needs for its own repetitions.)
providers! {
    $
    aliyun_v1: Case {
        name: "aliyun-v1",
        vendor: Vendor::Aliyun,
        toml: "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"{ak}\"\naccess_key_secret = \"{sk}\"\nendpoint = \"{url}\"\nsignature = \"v1\"",
        throttled: aliyun_throttled,
    },
    aliyun_v3: Case {
        name: "aliyun-v3",
        vendor: Vendor::Aliyun,
        toml: "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"{ak}\"\naccess_key_secret = \"{sk}\"\nendpoint = \"{url}\"\nsignature = \"v3\"",
        throttled: aliyun_throttled,
    },
    wangsu_ws3: Case {
        name: "wangsu-ws3",
        vendor: Vendor::Wangsu,
        toml: "provider = \"wangsu\"\n[wangsu]\naccess_key = \"{ak}\"\nsecret_key = \"{sk}\"\nendpoint = \"{url}\"\nvariant = \"ws3\"",
        throttled: wangsu_throttled,
    },
    wangsu_cnc: Case {
        name: "wangsu-cnc",
        vendor: Vendor::Wangsu,
        toml: "provider = \"wangsu\"\n[wangsu]\naccess_key = \"{ak}\"\nsecret_key = \"{sk}\"\nendpoint = \"{url}\"\nvariant = \"cnc\"",
        throttled: wangsu_throttled,
    },
}

fn aliyun_throttled() -> FaultKind {
    FaultKind::VendorError {
        code: "Throttling.User".into(),
        message: "Request was denied due to user flow control.".into(),
        http_status: 400,
    }
}

fn wangsu_throttled() -> FaultKind {
    FaultKind::VendorError {
        code: "429".into(),
        message: "too many requests".into(),
        http_status: 429,
    }
}

pub const AK: &str = "emulator-ak";
pub const SK: &str = "emulator-secret";

/// An emulator, a provider of `case` pointed at it, and the config it was built from.
pub struct Harness {
    pub emulator: Emulator,
    pub config: Config,
    pub provider: Arc<dyn UploadCredentialProvider>,
    pub vendor: Vendor,
}

impl Harness {
    /// Starts an emulator and builds `case`'s provider with `[http]` set by `http` (TOML lines).
    pub async fn start(case: &Case, http: &str) -> Self {
        Self::start_with(case, EmulatorConfig::default(), http, SK).await
    }

    /// Like [`Harness::start`] with an emulator config and the secret the provider signs with.
    pub async fn start_with(case: &Case, emu: EmulatorConfig, http: &str, secret: &str) -> Self {
        let emulator = Emulator::start(emu).await.expect("emulator starts");
        let url = match case.vendor {
            Vendor::Aliyun => emulator.aliyun_url(),
            Vendor::Wangsu => emulator.wangsu_url(),
        };
        let toml = case
            .toml
            .replace("{url}", &url)
            .replace("{ak}", AK)
            .replace("{sk}", secret);
        let config = Config::from_toml_str_with_env(&format!("{toml}\n[http]\n{http}"), |_| None)
            .expect("config parses");
        let provider = vod::provider_from_config(&config).expect("provider builds");
        Self {
            emulator,
            config,
            provider,
            vendor: case.vendor,
        }
    }

    pub fn inject(&self, times: u32, kind: FaultKind) {
        self.emulator.handle().inject(Fault {
            vendor: self.vendor,
            times,
            kind,
        });
    }

    /// Calls of the create operation that reached the emulator.
    pub fn create_calls(&self) -> u64 {
        self.emulator.handle().calls(match self.vendor {
            Vendor::Aliyun => Operation::AliyunCreateUploadVideo,
            Vendor::Wangsu => Operation::WangsuGetUploadToken,
        })
    }

    /// Calls of the refresh operation that reached the emulator (for Wangsu, the re-issue).
    pub fn refresh_calls(&self) -> u64 {
        self.emulator.handle().calls(match self.vendor {
            Vendor::Aliyun => Operation::AliyunRefreshUploadVideo,
            Vendor::Wangsu => Operation::WangsuGetUploadToken,
        })
    }

    pub fn total_calls(&self) -> u64 {
        self.emulator.handle().total_calls()
    }
}

/// Fails if `text` contains the emulator's secret or a secret of `cred`.
pub fn assert_no_secret(label: &str, text: &str, secrets: &[&str]) {
    for s in secrets.iter().chain([&SK]) {
        assert!(
            s.is_empty() || !text.contains(s),
            "{label} leaks a secret: {text}"
        );
    }
}

/// The secrets a credential carries.
pub fn secrets_of(cred: &vod::UploadCredential) -> Vec<String> {
    match &cred.target {
        vod::UploadTarget::Oss(t) => vec![
            t.access_key_secret.expose().to_owned(),
            t.security_token.expose().to_owned(),
        ],
        vod::UploadTarget::WangsuStorage(t) => vec![t.upload_token.expose().to_owned()],
        _ => vec![],
    }
}
