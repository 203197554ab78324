//! The `vod` binary end to end: against the emulator, with bad input and bad config.

mod support;

use support::{both_vendors, config_file, scratch, text, vod};
use vod::emulator::{Emulator, EmulatorConfig};

#[tokio::test(flavor = "multi_thread")]
async fn create_and_refresh_with_each_vendor() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = scratch();
    for provider in ["aliyun", "wangsu"] {
        let cfg = config_file(
            &dir,
            &format!("{provider}.toml"),
            &both_vendors(&emulator, provider, support::SK),
        );

        let out = vod(
            Some(&cfg),
            &[
                "create",
                "--file-name",
                "clip.mp4",
                "--title",
                "Clip",
                "--tags",
                "a,b",
            ],
            None,
        );
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
        let summary = text(&out.stdout);
        assert!(
            summary.contains(&format!("provider:   {provider}")),
            "{summary}"
        );
        assert!(
            summary.contains("<redacted>") || summary.contains("redacted"),
            "{summary}"
        );

        let out = vod(
            Some(&cfg),
            &["create", "--file-name", "clip.mp4", "--json"],
            None,
        );
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
        let json = text(&out.stdout);
        let cred: vod::UploadCredential =
            serde_json::from_str(&json).expect("create --json prints a credential");
        // The summary never shows a secret; the JSON handover does.
        for secret in support::secrets_of(&cred) {
            assert!(!summary.contains(&secret));
            assert!(json.contains(&secret));
        }

        let out = vod(Some(&cfg), &["refresh", "--from", "-"], Some(&json));
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&cred.media_id));
        let file = config_file(&dir, "cred.json", &json);
        let out = vod(
            Some(&cfg),
            &["refresh", "--from", file.to_str().unwrap(), "--json"],
            None,
        );
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
        let fresh: vod::UploadCredential = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(fresh.media_id, cred.media_id);
    }
    let aliyun = config_file(
        &dir,
        "aliyun.toml",
        &both_vendors(&emulator, "aliyun", support::SK),
    );
    let out = vod(
        Some(&aliyun),
        &["create", "--file-name", "clip.mp4", "--json"],
        None,
    );
    let cred: vod::UploadCredential = serde_json::from_slice(&out.stdout).unwrap();
    let out = vod(
        Some(&aliyun),
        &["refresh", "--video-id", &cred.media_id],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn vendor_errors_exit_1_with_one_line() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = scratch();
    let cfg = config_file(
        &dir,
        "bad.toml",
        &both_vendors(&emulator, "aliyun", "not-the-secret"),
    );
    let out = vod(Some(&cfg), &["create", "--file-name", "clip.mp4"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: unauthenticated"), "{err}");
    assert!(
        err.contains("SignatureDoesNotMatch") && err.contains("request id"),
        "{err}"
    );
    assert!(!err.contains("not-the-secret"), "{err}");

    let good = config_file(
        &dir,
        "good.toml",
        &both_vendors(&emulator, "aliyun", support::SK),
    );
    let out = vod(
        Some(&good),
        &["refresh", "--video-id", "00000000000000000000000000000000"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: not found"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_config_and_input_errors_exit_2_without_panicking() {
    let dir = scratch();
    let missing_secret = config_file(
        &dir,
        "m.toml",
        "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"id\"\n",
    );
    let unknown_key = config_file(
        &dir,
        "u.toml",
        "provider = \"aliyun\"\n[aliyun]\naccess_key_idd = \"id\"\n",
    );
    let not_toml = config_file(&dir, "n.toml", "provider = \n");
    let ok = config_file(
        &dir,
        "ok.toml",
        "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"id\"\naccess_key_secret = \"s\"\nendpoint = \"http://127.0.0.1:9\"\n",
    );
    let cases: &[(Option<&std::path::Path>, &[&str], &str)] = &[
        (
            Some(&missing_secret),
            &["create", "--file-name", "a.mp4"],
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ),
        (
            Some(&unknown_key),
            &["create", "--file-name", "a.mp4"],
            "access_key_idd",
        ),
        (
            Some(&not_toml),
            &["create", "--file-name", "a.mp4"],
            "invalid config",
        ),
        (
            Some(std::path::Path::new("/nonexistent/vod.toml")),
            &["create", "--file-name", "a.mp4"],
            "/nonexistent/vod.toml",
        ),
        (None, &["create", "--file-name", "a.mp4"], "VOD_PROVIDER"),
        (Some(&ok), &["create", "--file-name", "noext"], "file_name"),
        (
            Some(&ok),
            &["create", "--file-name", "a.mp4", "--title", ""],
            "title",
        ),
        (Some(&ok), &["refresh", "--from", "-"], "not a credential"),
        (Some(&ok), &["create"], "--file-name"),
        (
            Some(&ok),
            &["create", "--file-name", "a.mp4", "--file-size", "-1"],
            "-1",
        ),
        (Some(&ok), &["refresh"], "--from"),
        (Some(&ok), &["frobnicate"], "frobnicate"),
    ];
    for (cfg, args, expect) in cases {
        let out = vod(*cfg, args, Some("{not json"));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expect),
            "{args:?}: expected {expect:?} in {err}"
        );
        support::assert_no_panic(&format!("{args:?}"), &err);
    }
}

#[test]
fn help_says_json_prints_secrets() {
    let out = vod(None, &["create", "--help"], None);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("INCLUDES THE SECRETS"));
}

/// `vod.example.toml`, which the README's walkthrough copies, works against an emulator started
/// with no options (its key and ports), for each provider it names.
#[tokio::test(flavor = "multi_thread")]
async fn the_example_config_works_with_the_emulator_defaults() {
    use clap::Parser;

    let example = include_str!("../../../vod.example.toml");
    // What `vod emulator` runs with no options: its ports and its key.
    let defaults = vod::emulator::cli::Args::try_parse_from(["vod emulator"])
        .unwrap()
        .config();
    let emulator = Emulator::start(EmulatorConfig {
        aliyun_addr: "127.0.0.1:0".parse().unwrap(),
        wangsu_addr: "127.0.0.1:0".parse().unwrap(),
        ..defaults.clone()
    })
    .await
    .unwrap();
    let here = example
        .replace(
            &format!("http://{}", defaults.aliyun_addr),
            &emulator.aliyun_url(),
        )
        .replace(
            &format!("http://{}", defaults.wangsu_addr),
            &emulator.wangsu_url(),
        );
    assert_ne!(here, example, "the example points at the emulator's ports");
    let dir = scratch();
    for provider in ["aliyun", "wangsu"] {
        // The README's one-line vendor switch.
        let body = here.replace(
            "\nprovider = \"aliyun\"\n",
            &format!("\nprovider = \"{provider}\"\n"),
        );
        let cfg = config_file(&dir, &format!("example-{provider}.toml"), &body);
        let out = vod(Some(&cfg), &["create", "--file-name", "clip.mp4"], None);
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("provider:   {provider}")),
            "{}",
            text(&out.stdout)
        );
    }
}

/// `vod emulator` stopped by SIGTERM, as a script or service manager stops it: exit 0 and its
/// temporary storage removed, not a death by signal that leaves the folder behind.
#[cfg(unix)]
#[test]
fn the_emulator_subcommand_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let tmp = scratch();
    let mut args = vec!["emulator"];
    for flag in [
        "--aliyun-addr",
        "--wangsu-addr",
        "--oss-addr",
        "--wangsu-upload-addr",
    ] {
        args.extend([flag, "127.0.0.1:0"]);
    }
    let mut child = support::command(None, &args)
        .env("TMPDIR", &*tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("vod runs");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let printed = stdout
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("VOD_EMULATOR_KEYS="));
    assert!(printed, "vod emulator exited before printing its URLs");
    let listing = || std::fs::read_dir(&*tmp).unwrap().count();
    assert_eq!(listing(), 1, "its storage folder, while it runs");

    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vod emulator still runs 20 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "after SIGTERM: {status}");
    assert_eq!(listing(), 0, "its storage folder, after SIGTERM");
}
