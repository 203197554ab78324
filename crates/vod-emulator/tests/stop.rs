//! The binary stops cleanly on the signals scripts and terminals send: it exits 0 and its
//! temporary storage directory is gone. (Dying of SIGTERM would leave one in TMPDIR per run.)
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("TMPDIR is readable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Starts the binary with TMPDIR in `tmp` and returns once it has printed its last line.
fn start(tmp: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vod-emulator"));
    for flag in [
        "--aliyun-addr",
        "--wangsu-addr",
        "--oss-addr",
        "--wangsu-upload-addr",
    ] {
        cmd.args([flag, "127.0.0.1:0"]);
    }
    let mut child = cmd
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("vod-emulator starts");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    for line in stdout.lines() {
        if line
            .expect("stdout is text")
            .starts_with("VOD_EMULATOR_KEYS=")
        {
            return child;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("vod-emulator exited before printing its URLs");
}

fn stops_cleanly_on(signal: &str) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let mut child = start(tmp.path());
    let storage = entries(tmp.path());
    assert!(
        storage.len() == 1 && storage[0].starts_with("vod-emulator-storage."),
        "the running emulator keeps its objects in TMPDIR: {storage:?}"
    );

    let sent = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} failed");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vod-emulator still runs 20 s after SIG{signal}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "after SIG{signal}: {status}");
    assert_eq!(
        entries(tmp.path()),
        Vec::<String>::new(),
        "after SIG{signal}"
    );
}

#[test]
fn sigterm_stops_it_and_removes_its_storage() {
    stops_cleanly_on("TERM");
}

#[test]
fn sigint_stops_it_and_removes_its_storage() {
    stops_cleanly_on("INT");
}
