//! What the CLI tests share: running the real `vod` binary with a clean environment, and config
//! files pointing it at an in-process emulator.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use vod::emulator::Emulator;

pub const AK: &str = "emulator-ak";
pub const SK: &str = "emulator-secret";

/// `vod` with `--config` (when given) and nothing from the developer's environment that would
/// change the outcome.
pub fn command(config: Option<&Path>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vod"));
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    for var in [
        "VOD_CONFIG",
        "VOD_PROVIDER",
        "VOD_LOG",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "WANGSU_ACCESS_KEY",
        "WANGSU_SECRET_KEY",
        "VOD_EMULATOR_ALIYUN_ADDR",
        "VOD_EMULATOR_WANGSU_ADDR",
        "VOD_EMULATOR_KEYS",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args);
    cmd
}

/// Runs `vod` with `stdin` as its input and captures both outputs.
pub fn vod(config: Option<&Path>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = command(config, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vod runs");
    let mut input = child.stdin.take().unwrap();
    // The process may exit before reading its input (a usage error): that is not a failure.
    let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn config_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

/// A fresh folder under the system's temporary folder, removed with everything in it when
/// dropped (at the end of the test, whether it passed or not).
pub struct Scratch(tempfile::TempDir);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

pub fn scratch() -> Scratch {
    Scratch(
        tempfile::Builder::new()
            .prefix("vod-cli-test.")
            .tempdir()
            .expect("a temporary folder"),
    )
}

/// A config naming `provider`, with both vendors' sections pointed at `emulator`, signing with
/// `secret`, and no retries.
pub fn both_vendors(emulator: &Emulator, provider: &str, secret: &str) -> String {
    format!(
        "provider = \"{provider}\"\n[aliyun]\naccess_key_id = \"{AK}\"\naccess_key_secret = \"{secret}\"\nendpoint = \"{a}\"\n[wangsu]\naccess_key = \"{AK}\"\nsecret_key = \"{secret}\"\nendpoint = \"{w}\"\n[http]\nmax_attempts = 1\n",
        a = emulator.aliyun_url(),
        w = emulator.wangsu_url(),
    )
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

/// Fails if `stderr` shows a panic.
pub fn assert_no_panic(label: &str, stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{label}: {stderr}"
    );
}
