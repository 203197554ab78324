//! The `vod` binary when its own output cannot be written: a full disk, a closed pipe. The vendor
//! call has already succeeded by then; the CLI must still end with a status and (except for a
//! closed pipe, which is silent) one line on stderr, never a panic.

mod support;

use std::fs::File;
use std::io::Write;
use std::process::{Output, Stdio};

use support::{assert_no_panic, both_vendors, command, config_file, scratch, text, vod};
use vod::emulator::{Emulator, EmulatorConfig};

/// 128 + SIGPIPE: what the CLI exits with when the reader of its output has gone.
const BROKEN_PIPE: i32 = 141;

/// Runs `vod` with standard output on `/dev/full`, where every write fails with "no space".
#[cfg(target_os = "linux")]
fn to_dev_full(config: Option<&std::path::Path>, args: &[&str]) -> Output {
    let full = File::options().write(true).open("/dev/full").unwrap();
    command(config, args)
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// The one line on stderr of a failed write.
#[cfg(target_os = "linux")]
fn assert_write_failed(label: &str, out: &Output) {
    let err = text(&out.stderr);
    assert_no_panic(label, &err);
    assert_eq!(out.status.code(), Some(1), "{label}: {err}");
    assert_eq!(err.lines().count(), 1, "{label}: {err}");
    assert!(
        err.starts_with("error: cannot write to standard output:"),
        "{label}: {err}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_is_one_line_and_exit_1() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = scratch();
    for provider in ["aliyun", "wangsu"] {
        let cfg = config_file(
            &dir,
            &format!("{provider}.toml"),
            &both_vendors(&emulator, provider, support::SK),
        );
        for args in [
            &["create", "--file-name", "clip.mp4", "--json"][..],
            &["create", "--file-name", "clip.mp4"][..],
        ] {
            let out = to_dev_full(Some(&cfg), args);
            assert_write_failed(&format!("{provider} {args:?}"), &out);
        }
        // The secrets the write was about to hand over are not on stderr either.
        let out = to_dev_full(Some(&cfg), &["create", "--file-name", "clip.mp4", "--json"]);
        assert!(!text(&out.stderr).contains(support::SK));
    }
    // Help and version are output too.
    for args in [
        &["--help"][..],
        &["--version"][..],
        &["create", "--help"][..],
    ] {
        assert_write_failed(&format!("{args:?}"), &to_dev_full(None, args));
    }
    // The emulator's URLs: it stops instead of serving with nobody told where.
    let out = to_dev_full(
        None,
        &[
            "emulator",
            "--aliyun-addr",
            "127.0.0.1:0",
            "--wangsu-addr",
            "127.0.0.1:0",
        ],
    );
    assert_write_failed("emulator", &out);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_exits_quietly_with_141() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = scratch();
    for provider in ["aliyun", "wangsu"] {
        let cfg = config_file(
            &dir,
            &format!("{provider}.toml"),
            &both_vendors(&emulator, provider, support::SK),
        );
        let created = vod(
            Some(&cfg),
            &["create", "--file-name", "clip.mp4", "--json"],
            None,
        );
        assert!(created.status.success(), "{}", text(&created.stderr));

        for json in [true, false] {
            let mut args = vec!["refresh", "--from", "-"];
            if json {
                args.push("--json");
            }
            // `refresh --from -` reads all of standard input before it calls the vendor and
            // writes: the reader of its output is gone before it writes, whatever the timing.
            let mut child = command(Some(&cfg), &args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take());
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(&created.stdout).unwrap();
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            let label = format!("{provider} {args:?}");
            let err = text(&out.stderr);
            assert_no_panic(&label, &err);
            assert_eq!(out.status.code(), Some(BROKEN_PIPE), "{label}: {err}");
            assert_eq!(
                err, "",
                "{label}: a closed pipe is reported by the status alone"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_port_is_named() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let busy = emulator.aliyun_url().replace("http://", "");
    let out = vod(
        None,
        &[
            "emulator",
            "--aliyun-addr",
            &busy,
            "--wangsu-addr",
            "127.0.0.1:0",
        ],
        None,
    );
    let err = text(&out.stderr);
    assert_no_panic("busy port", &err);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&busy), "the port is named: {err}");
}
