//! The command line of the `vod-emulator` binary, public so the `vod emulator` subcommand
//! (crates/vod-cli) can offer the same thing by flattening [`Args`] and calling [`run_until`].
//!
//! On start it prints `KEY=value` lines on stdout, easy to read for people and for scripts that
//! spawn it: the four base URLs and, last, the access key ids (never secrets).
//!
//! ```text
//! $ vod-emulator --key my-ak:my-secret
//! VOD_EMULATOR_ALIYUN_URL=http://127.0.0.1:9510
//! VOD_EMULATOR_WANGSU_URL=http://127.0.0.1:9511
//! VOD_EMULATOR_OSS_URL=http://127.0.0.1:9512
//! VOD_EMULATOR_WANGSU_UPLOAD_URL=http://127.0.0.1:9513
//! VOD_EMULATOR_KEYS=my-ak
//! ```

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::{AccessKey, Emulator, EmulatorConfig, Storage};

/// What the upload hosts keep (`--storage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageMode {
    /// The objects' bytes, in a directory (`--storage-dir`, else a temporary one).
    Dir,
    /// Only each object's size and checksums.
    Digest,
}

/// Runs a local stand-in for the Aliyun VOD and Wangsu Cloud VoD upload-credential APIs
/// until Ctrl-C or SIGTERM.
#[derive(Debug, Clone, Parser)]
#[command(name = "vod-emulator", version, about)]
pub struct Args {
    /// Address of the emulated Aliyun VOD API (port 0: any free port).
    #[arg(
        long,
        env = "VOD_EMULATOR_ALIYUN_ADDR",
        default_value = "127.0.0.1:9510"
    )]
    pub aliyun_addr: SocketAddr,

    /// Address of the emulated Wangsu Cloud VoD API (port 0: any free port).
    #[arg(
        long,
        env = "VOD_EMULATOR_WANGSU_ADDR",
        default_value = "127.0.0.1:9511"
    )]
    pub wangsu_addr: SocketAddr,

    /// Address of the emulated OSS upload host (port 0: any free port).
    #[arg(long, env = "VOD_EMULATOR_OSS_ADDR", default_value = "127.0.0.1:9512")]
    pub oss_addr: SocketAddr,

    /// Address of the emulated Wangsu upload host (port 0: any free port).
    #[arg(
        long,
        env = "VOD_EMULATOR_WANGSU_UPLOAD_ADDR",
        default_value = "127.0.0.1:9513"
    )]
    pub wangsu_upload_addr: SocketAddr,

    /// What the upload hosts keep: the bytes (in --storage-dir or a temporary directory) or only
    /// the digests (for benchmarks that send gigabytes).
    #[arg(long, value_enum, default_value = "dir")]
    pub storage: StorageMode,

    /// Keep uploaded objects in this directory (created if missing) instead of a temporary one.
    #[arg(long, value_name = "DIR", conflicts_with = "storage")]
    pub storage_dir: Option<PathBuf>,

    /// An access key both vendors accept; repeat (or separate with commas) for more. With a
    /// third part it is an STS key whose Aliyun requests must carry that security token. The
    /// secret may not contain `:` or `,`. [default: emulator-ak:emulator-secret]
    #[arg(
        long = "key",
        value_name = "AK:SECRET[:STS_TOKEN]",
        env = "VOD_EMULATOR_KEYS",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = parse_key
    )]
    pub keys: Vec<AccessKey>,

    /// Lifetime of the STS credential in an Aliyun UploadAuth, in seconds.
    /// The OSS host refuses the key after it. Short values test expiry.
    #[arg(
        long,
        visible_alias = "sts-ttl",
        value_name = "SECONDS",
        default_value_t = 3000
    )]
    pub aliyun_credential_ttl: u64,

    /// Lifetime of a Wangsu upload token (its policy deadline), in seconds. The upload host
    /// refuses the token after it. Short values test expiry.
    #[arg(
        long,
        visible_alias = "token-ttl",
        value_name = "SECONDS",
        default_value_t = 3600
    )]
    pub wangsu_token_ttl: u64,

    /// Let pages from this origin upload to the upload hosts from a browser (CORS, as a bucket
    /// configured for browser uploads); repeat for more, `*` for any. Default: none.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "VOD_EMULATOR_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_origin
    )]
    pub cors_origins: Vec<String>,
}

impl Args {
    /// The emulator configuration these arguments describe.
    pub fn config(&self) -> EmulatorConfig {
        let defaults = EmulatorConfig::default();
        EmulatorConfig {
            aliyun_addr: self.aliyun_addr,
            wangsu_addr: self.wangsu_addr,
            oss_addr: self.oss_addr,
            wangsu_upload_addr: self.wangsu_upload_addr,
            storage: match (&self.storage_dir, self.storage) {
                (Some(dir), _) => Storage::Dir(dir.clone()),
                (None, StorageMode::Digest) => Storage::Digest,
                (None, StorageMode::Dir) => Storage::TempDir,
            },
            keys: if self.keys.is_empty() {
                defaults.keys
            } else {
                self.keys.clone()
            },
            aliyun_credential_ttl: Duration::from_secs(self.aliyun_credential_ttl),
            wangsu_token_ttl: Duration::from_secs(self.wangsu_token_ttl),
            cors_origins: self.cors_origins.clone(),
        }
    }
}

/// Checks a `--cors-origin`.
fn parse_origin(text: &str) -> Result<String, String> {
    crate::cors::check_origin(text).map(|()| text.to_owned())
}

/// Parses `AK:SECRET` or `AK:SECRET:STS_TOKEN`.
fn parse_key(text: &str) -> Result<AccessKey, String> {
    let mut parts = text.splitn(3, ':');
    let (Some(id), Some(secret)) = (parts.next(), parts.next()) else {
        return Err("expected AK:SECRET or AK:SECRET:STS_TOKEN".to_owned());
    };
    if id.is_empty() || secret.is_empty() {
        return Err("the access key id and secret may not be empty".to_owned());
    }
    let key = AccessKey::new(id, secret);
    Ok(match parts.next() {
        Some(token) if !token.is_empty() => key.with_security_token(token),
        _ => key,
    })
}

/// Starts an emulator, prints its base URLs and key ids on stdout, and serves until
/// [`stop_signal`].
///
/// Fails when an address cannot be bound or the output cannot be written.
pub async fn run(args: Args) -> io::Result<()> {
    run_until(args, &mut io::stdout(), stop_signal("vod-emulator")).await
}

/// A future that resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM: what a terminal, a script's
/// `kill` or a service manager sends. Stopping through it, rather than dying of the signal, lets
/// the emulator shut down and remove its temporary storage directory.
///
/// On Unix the handlers are installed by this call, not when the future is first polled, so a
/// signal that arrives while the emulator is still binding its ports is not lost. When they
/// cannot be installed, the future says so on stderr after `name` and resolves at once: an
/// emulator that cannot be stopped cleanly does not start serving.
///
/// # Panics
///
/// Outside a Tokio runtime (as every Tokio signal does).
pub fn stop_signal(name: &str) -> impl Future<Output = ()> + Send + 'static {
    let name = name.to_owned();
    let warn = move |what: &str, error: io::Error| {
        // Nothing better to do if stderr is gone too.
        let _ = writeln!(
            io::stderr(),
            "{name}: cannot listen for {what} ({error}); stopping"
        );
    };
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt())
            .and_then(|interrupt| Ok((interrupt, signal(SignalKind::terminate())?)))
    };
    async move {
        #[cfg(unix)]
        match signals {
            Ok((mut interrupt, mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => warn("SIGINT and SIGTERM", error),
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            warn("Ctrl-C", error);
        }
    }
}

/// Like [`run`], printing to `out` and serving until `stop` completes. A failed write to `out`
/// is returned like a failed bind: a caller that must tell them apart wraps `out`.
pub async fn run_until(
    args: Args,
    out: &mut impl Write,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = args.config();
    let emulator = Emulator::start(config.clone()).await?;
    let ids: Vec<&str> = config.keys.iter().map(|key| key.id.as_str()).collect();
    writeln!(out, "VOD_EMULATOR_ALIYUN_URL={}", emulator.aliyun_url())?;
    writeln!(out, "VOD_EMULATOR_WANGSU_URL={}", emulator.wangsu_url())?;
    writeln!(out, "VOD_EMULATOR_OSS_URL={}", emulator.oss_url())?;
    writeln!(
        out,
        "VOD_EMULATOR_WANGSU_UPLOAD_URL={}",
        emulator.wangsu_upload_url()
    )?;
    writeln!(out, "VOD_EMULATOR_KEYS={}", ids.join(","))?;
    out.flush()?;
    stop.await;
    emulator.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_default() {
        let args = Args::try_parse_from([
            "vod-emulator",
            "--key",
            "ak1:s1",
            "--key",
            "STS.ak2:s2:CAIS+tok/en==",
            "--aliyun-addr",
            "127.0.0.1:0",
        ])
        .unwrap();
        let config = args.config();
        assert_eq!(config.keys[0], AccessKey::new("ak1", "s1"));
        assert_eq!(
            config.keys[1],
            AccessKey::new("STS.ak2", "s2").with_security_token("CAIS+tok/en==")
        );
        assert_eq!(config.aliyun_addr.port(), 0);
        assert_eq!(config.aliyun_credential_ttl, Duration::from_secs(3000));

        let defaults = Args::try_parse_from(["vod-emulator"]).unwrap().config();
        assert_eq!(defaults.keys, vec![AccessKey::default_key()]);
        assert!(Args::try_parse_from(["vod-emulator", "--key", "no-secret"]).is_err());
        assert!(Args::try_parse_from(["vod-emulator", "--key", ":s"]).is_err());
    }

    #[test]
    fn storage_and_short_lifetimes() {
        let config = Args::try_parse_from([
            "vod-emulator",
            "--sts-ttl",
            "5",
            "--token-ttl",
            "7",
            "--storage",
            "digest",
        ])
        .unwrap()
        .config();
        assert_eq!(config.aliyun_credential_ttl, Duration::from_secs(5));
        assert_eq!(config.wangsu_token_ttl, Duration::from_secs(7));
        assert_eq!(config.storage, Storage::Digest);
        let kept = Args::try_parse_from(["vod-emulator", "--storage-dir", "/tmp/kept"])
            .unwrap()
            .config();
        assert_eq!(kept.storage, Storage::Dir(PathBuf::from("/tmp/kept")));
        let default = Args::try_parse_from(["vod-emulator"]).unwrap().config();
        assert_eq!(default.storage, Storage::TempDir);
        assert!(
            Args::try_parse_from(["vod-emulator", "--storage", "digest", "--storage-dir", "d"])
                .is_err()
        );
    }

    #[test]
    fn cors_origins_parse_and_default_to_none() {
        let args = Args::try_parse_from([
            "vod-emulator",
            "--cors-origin",
            "http://127.0.0.1:8080",
            "--cors-origin",
            "*",
        ])
        .unwrap();
        assert_eq!(args.config().cors_origins, ["http://127.0.0.1:8080", "*"]);
        let none = Args::try_parse_from(["vod-emulator"]).unwrap().config();
        assert!(none.cors_origins.is_empty());
        let err = Args::try_parse_from(["vod-emulator", "--cors-origin", "127.0.0.1:8080/"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("http://"), "{err}");
    }

    #[tokio::test]
    async fn prints_urls_and_ids_but_no_secrets() {
        let args = Args::try_parse_from([
            "vod-emulator",
            "--aliyun-addr",
            "127.0.0.1:0",
            "--wangsu-addr",
            "127.0.0.1:0",
            "--oss-addr",
            "127.0.0.1:0",
            "--wangsu-upload-addr",
            "127.0.0.1:0",
            "--key",
            "ak-one:secret-one",
        ])
        .unwrap();
        let mut out = Vec::new();
        run_until(args, &mut out, async {}).await.unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("VOD_EMULATOR_ALIYUN_URL=http://127.0.0.1:"),
            "{out}"
        );
        assert!(
            out.contains("VOD_EMULATOR_WANGSU_URL=http://127.0.0.1:"),
            "{out}"
        );
        assert!(
            out.contains("VOD_EMULATOR_OSS_URL=http://127.0.0.1:"),
            "{out}"
        );
        assert!(
            out.contains("VOD_EMULATOR_WANGSU_UPLOAD_URL=http://127.0.0.1:"),
            "{out}"
        );
        assert!(out.contains("VOD_EMULATOR_KEYS=ak-one\n"), "{out}");
        assert!(!out.contains("secret-one"));
    }
}
