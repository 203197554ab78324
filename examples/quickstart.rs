//! Quickstart: create an upload and refresh its credential with each vendor, then upload a small
//! file with each, offline.
//!
//! With no configuration this starts `vod-emulator` in-process (a local stand-in for Aliyun VOD and
//! Wangsu Cloud VoD and their upload hosts), points a provider of each vendor at it, shows what an
//! app would hand to its uploader, and uploads a generated file with `vod::upload`. With
//! `--config FILE` or `VOD_CONFIG`, it runs once against the configured vendor instead, and uploads
//! nothing (a real account would get a real video).
//!
//! ```sh
//! cargo run --example quickstart
//! cargo run --example quickstart -- --config vod.toml
//! ```

use std::path::{Path, PathBuf};

use vod::emulator::{Emulator, EmulatorConfig};
use vod::upload::{FileUploader, UploadOptions};
use vod::{Config, UploadCredential, UploadCredentialProvider, UploadRequest, UploadTarget};

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

async fn run() -> vod::Result<()> {
    if let Some(path) = config_path() {
        let config = Config::from_file(&path)?;
        println!("Using {} from {}", config.provider.as_str(), path.display());
        return demo(&config, false).await;
    }

    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .map_err(|e| {
            vod::Error::new(
                vod::ErrorKind::Network,
                format!("cannot start the emulator: {e}"),
            )
        })?;
    println!("No config given: using the built-in emulator");
    println!("  aliyun at {}", emulator.aliyun_url());
    println!("  wangsu at {}\n", emulator.wangsu_url());

    // The same file an app would ship, with only `provider` differing between the two runs.
    for provider in ["aliyun", "wangsu"] {
        let toml = format!(
            r#"
            provider = "{provider}"
            [aliyun]
            access_key_id = "emulator-ak"
            access_key_secret = "emulator-secret"
            endpoint = "{aliyun}"
            [wangsu]
            access_key = "emulator-ak"
            secret_key = "emulator-secret"
            endpoint = "{wangsu}"
            "#,
            aliyun = emulator.aliyun_url(),
            wangsu = emulator.wangsu_url(),
        );
        let config = Config::from_toml_str_with_env(&toml, |_| None)?;
        demo(&config, true).await?;
    }
    emulator.shutdown().await;
    Ok(())
}

fn config_path() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(vod::config::CONFIG_ENV).map(PathBuf::from)
}

async fn demo(config: &Config, upload: bool) -> vod::Result<()> {
    let provider = vod::provider_from_config(config)?;
    println!("== {}", provider.name());

    let request = UploadRequest::new("holiday.mp4")
        .title("Holiday 2026")
        .file_size(52_428_800)
        .tags(["beach", "family"]);
    let created = provider.create_upload(&request).await?;
    println!("created:");
    show(&created);

    // An app stores the JSON (or sends it to the uploader) and refreshes from it later.
    let stored = serde_json::to_string(&created).expect("a credential always serialises");
    let stored: UploadCredential = serde_json::from_str(&stored).expect("and reads back");
    let refreshed = provider.refresh_upload(&stored.refresh_request()).await?;
    println!("refreshed (same target, new secret):");
    show(&refreshed);
    if upload {
        upload_small_file(config).await?;
    }
    println!();
    Ok(())
}

/// Uploads a generated 300 KiB file: three parts of 100 KiB or more for OSS, one form upload for
/// Wangsu (whose parts are 4 MiB blocks).
async fn upload_small_file(config: &Config) -> vod::Result<()> {
    let dir = std::env::temp_dir().join(format!("vod-quickstart-{}", std::process::id()));
    let path = dir.join("small.mp4");
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        let bytes: Vec<u8> = (0..300u32 * 1024).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, bytes)
    });
    if let Err(e) = written {
        return Err(vod::Error::invalid_input(
            "file",
            format!("cannot write {}: {e}", path.display()),
        ));
    }
    let uploader = FileUploader::from_config(config)?.options(
        UploadOptions::default()
            .part_size(100 * 1024)
            .checkpoint(dir.join("small.checkpoint")),
    );
    let outcome = uploader
        .upload_file(Path::new(&path), UploadRequest::new("small.mp4"))
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    let outcome = outcome?;
    println!(
        "uploaded {} bytes in {} part(s) as media {} (key {})",
        outcome.size, outcome.parts, outcome.media_id, outcome.key
    );
    Ok(())
}

fn show(c: &UploadCredential) {
    println!("  media id   {}", c.media_id);
    match &c.target {
        UploadTarget::Oss(t) => {
            println!(
                "  upload to  PUT {} (OSS, signed with the STS key)",
                t.object_url()
            );
            println!(
                "  sts key    {} secret {} token {}",
                t.access_key_id, t.access_key_secret, t.security_token
            );
        }
        UploadTarget::WangsuStorage(t) => {
            println!(
                "  upload to  POST {}/file/upload (key {})",
                t.upload_url, t.file_key
            );
            println!("  token      {}", t.upload_token);
        }
        other => println!("  upload to  {other}"),
    }
    println!(
        "  expires    {} (in {} s)",
        vod::raw::expiry::rfc3339_seconds(c.expires_at),
        c.expires_in(vod::time::OffsetDateTime::now_utc())
            .whole_seconds()
    );
}
