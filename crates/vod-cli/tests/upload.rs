//! `vod upload` end to end: the real binary against the emulator over loopback, with each
//! vendor. Stored bytes are checked by MD5 against the emulator's storage listing (what
//! `GET /__emulator/storage` answers); interruptions are real signals to the child process.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use serde_json::Value;
use support::{Scratch, assert_no_panic, both_vendors, config_file, scratch, text};
use vod::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, StorageFault, StorageFaultKind, StorageVendor, Vendor,
};

/// Big enough for three parts at the smallest part size both vendors take (Wangsu: 4 MiB blocks).
const MULTIPART: usize = 9 << 20;

/// One provider's world: an emulator, a config for it and a cache directory of its own.
struct World {
    emulator: Emulator,
    provider: &'static str,
    dir: Scratch,
    config: PathBuf,
}

impl World {
    async fn start(provider: &'static str) -> World {
        let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
        let dir = scratch();
        let config = config_file(
            &dir,
            "vod.toml",
            &both_vendors(&emulator, provider, support::SK),
        );
        World {
            emulator,
            provider,
            dir,
            config,
        }
    }

    fn handle(&self) -> EmulatorHandle {
        self.emulator.handle()
    }

    fn vendor(&self) -> Vendor {
        match self.provider {
            "aliyun" => Vendor::Aliyun,
            _ => Vendor::Wangsu,
        }
    }

    fn host(&self) -> StorageVendor {
        match self.provider {
            "aliyun" => StorageVendor::Oss,
            _ => StorageVendor::Wangsu,
        }
    }

    /// The storage fault selector of the second part: OSS numbers parts from 1, Wangsu indexes
    /// blocks from 0.
    fn second_part(&self) -> u32 {
        match self.provider {
            "aliyun" => 2,
            _ => 1,
        }
    }

    /// A file of `len` bytes that differ from part to part.
    fn file(&self, name: &str, len: usize) -> PathBuf {
        let path = self.dir.join(name);
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0])
            .collect();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }

    /// The checkpoints in the default folder.
    fn checkpoints(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.cache().join("vod/uploads")) {
            Ok(dir) => dir
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect(),
            Err(_) => vec![],
        }
    }

    /// `vod --config … upload ARGS`, with the cache in this world's folder.
    fn command(&self, args: &[&str]) -> Command {
        let mut all = vec!["upload"];
        all.extend_from_slice(args);
        let mut cmd = support::command(Some(&self.config), &all);
        cmd.env("XDG_CACHE_HOME", self.cache())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn upload(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The stored object under `key`, as `GET /__emulator/storage` lists it.
    fn stored(&self, key: &str) -> Value {
        let objects = admin_get(&self.emulator.aliyun_url(), "/__emulator/storage");
        let vendor = match self.host() {
            StorageVendor::Oss => "oss",
            _ => "wangsu",
        };
        objects
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key"] == key && o["vendor"] == vendor)
            .unwrap_or_else(|| panic!("no object {key} in {objects}"))
            .clone()
    }
}

/// A GET of an emulator admin path, over a plain HTTP/1.1 connection (what a script would do
/// with curl), answered as JSON.
fn admin_get(base: &str, path: &str) -> Value {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("chunked"), "{head}");
    serde_json::from_str(body).unwrap()
}

fn md5_of(path: &Path) -> String {
    hex(&Md5::digest(std::fs::read(path).unwrap()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn ok(label: &str, out: &Output) {
    assert_no_panic(label, &text(&out.stderr));
    assert!(
        out.status.success(),
        "{label}: {:?}\n{}",
        out.status,
        text(&out.stderr)
    );
}

/// The media id a checkpoint records.
fn recorded_media_id(checkpoint: &Path) -> String {
    let value: Value = serde_json::from_slice(&std::fs::read(checkpoint).unwrap()).unwrap();
    value["media_id"].as_str().unwrap().to_owned()
}

/// Waits until the checkpoint records at least one stored part (or the child ended), so a
/// signal lands mid-upload. A wait with a generous bound, not a timing assertion.
fn wait_for_a_stored_part(world: &World, child: &mut Child, at: Option<&Path>) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended before it was interrupted"
        );
        let candidates = match at {
            Some(path) => vec![path.to_path_buf()],
            None => world.checkpoints(),
        };
        for path in candidates {
            let parts = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["parts"].as_array().map(Vec::len));
            if parts.unwrap_or(0) >= 1 {
                return path;
            }
        }
        assert!(Instant::now() < deadline, "no part was ever recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn small_and_multipart_files_are_stored_byte_identical_with_each_vendor() {
    for provider in ["aliyun", "wangsu"] {
        let world = World::start(provider).await;

        // Small, one request, the summary for people.
        let small = world.file("small clip.mp4", 1000);
        let out = world.upload(&[small.to_str().unwrap()]);
        ok(provider, &out);
        let summary = text(&out.stdout);
        assert!(
            summary.contains(&format!("provider:   {provider}")),
            "{summary}"
        );
        assert!(summary.contains("1000 bytes"), "{summary}");
        let key = summary
            .lines()
            .find_map(|l| l.strip_prefix("stored as:  "))
            .unwrap_or_else(|| panic!("{summary}"));
        let stored = world.stored(key);
        assert_eq!(stored["size"], 1000);
        assert_eq!(stored["md5"], md5_of(&small));

        // Several parts, sent two at a time, the JSON result.
        let big = world.file("big.mp4", MULTIPART);
        let out = world.upload(&[
            big.to_str().unwrap(),
            "--part-size",
            "4MiB",
            "--concurrency",
            "2",
            "--title",
            "Big one",
            "--tags",
            "a,b",
            "--json",
        ]);
        ok(provider, &out);
        let result = json(&out);
        assert_eq!(result["provider"], provider);
        assert_eq!(result["size"], MULTIPART as u64);
        assert_eq!(result["parts"], 3);
        assert!(result["media_id"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(result["elapsed_secs"].as_f64().is_some());
        let stored = world.stored(result["key"].as_str().unwrap());
        assert_eq!(stored["size"], MULTIPART as u64);
        assert_eq!(stored["md5"], md5_of(&big));
        // Success removes the checkpoint; two uploads made two videos.
        assert_eq!(world.checkpoints(), Vec::<PathBuf>::new());
        assert_eq!(world.handle().videos(world.vendor()), 2);
        world.emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credential_issued_earlier_uploads_and_no_secret_is_printed() {
    for provider in ["aliyun", "wangsu"] {
        let world = World::start(provider).await;
        let file = world.file("handed.mp4", MULTIPART);
        let out = support::vod(
            Some(&world.config),
            &["create", "--file-name", "handed.mp4", "--json"],
            None,
        );
        ok(provider, &out);
        let cred: vod::UploadCredential = serde_json::from_slice(&out.stdout).unwrap();
        let cred_file = config_file(&world.dir, "cred.json", &text(&out.stdout));

        let out = world.upload(&[
            file.to_str().unwrap(),
            "--from",
            cred_file.to_str().unwrap(),
            "--part-size",
            "4MiB",
            "--json",
        ]);
        ok(provider, &out);
        let result = json(&out);
        assert_eq!(result["media_id"], cred.media_id.as_str());
        let stored = world.stored(result["key"].as_str().unwrap());
        assert_eq!(stored["md5"], md5_of(&file));
        // The credential made the only video.
        assert_eq!(world.handle().videos(world.vendor()), 1);

        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let mut secrets = support::secrets_of(&cred);
        secrets.push(support::SK.to_owned());
        for secret in secrets {
            assert!(!stdout.contains(&secret), "{provider}: secret on stdout");
            assert!(!stderr.contains(&secret), "{provider}: secret on stderr");
        }
        let keys: Vec<&str> = result
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in &keys {
            assert!(
                !["secret", "token", "key_id"]
                    .iter()
                    .any(|word| key.contains(word)),
                "{provider}: {key} in {keys:?}"
            );
        }
        world.emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_2_before_any_vendor_call() {
    let world = World::start("aliyun").await;
    let dir = world.dir.to_str().unwrap().to_owned();
    let missing = world.dir.join("missing.mp4");
    let file = world.file("f.mp4", 10);
    let damaged = config_file(&world.dir, "damaged.json", "{\"format\": \"vod-upload-ch");
    let foreign = config_file(
        &world.dir,
        "foreign.json",
        "{\"format\": \"something else\"}",
    );
    let blocked = config_file(&world.dir, "blocked", "a file where a folder should be");
    let under_a_file = blocked.join("checkpoint.json");
    let cases: &[(&[&str], &str)] = &[
        (&[missing.to_str().unwrap()], "missing.mp4"),
        (&[&dir], "not a regular file"),
        (
            &[file.to_str().unwrap(), "--part-size", "8MB"],
            "--part-size",
        ),
        (&[file.to_str().unwrap(), "--part-size", "0"], "--part-size"),
        (
            &[file.to_str().unwrap(), "--concurrency", "0"],
            "--concurrency",
        ),
        (&["--abort"], "--checkpoint"),
        (
            &["--abort", "--checkpoint", missing.to_str().unwrap()],
            "does not exist",
        ),
        (
            &[file.to_str().unwrap(), "--from", missing.to_str().unwrap()],
            "--from",
        ),
        (
            &[file.to_str().unwrap(), "--from", "-", "--title", "T"],
            "--title",
        ),
        (
            &[
                file.to_str().unwrap(),
                "--checkpoint",
                damaged.to_str().unwrap(),
            ],
            "is damaged",
        ),
        (
            &[
                file.to_str().unwrap(),
                "--checkpoint",
                foreign.to_str().unwrap(),
            ],
            "not a vod upload checkpoint",
        ),
        (
            &["--abort", "--checkpoint", damaged.to_str().unwrap()],
            "is damaged",
        ),
        (
            &[
                file.to_str().unwrap(),
                "--checkpoint",
                under_a_file.to_str().unwrap(),
            ],
            "cannot create the folder of the checkpoint",
        ),
    ];
    for (args, says) in cases {
        let out = world.upload(args);
        let err = text(&out.stderr);
        assert_no_panic(&format!("{args:?}"), &err);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // No vendor call, nothing stored, and the checkpoints found are left as they were.
    assert_eq!(world.handle().total_calls(), 0);
    assert!(world.handle().stored_objects().is_empty());
    assert!(world.checkpoints().is_empty());
    assert!(damaged.exists() && foreign.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_part_exits_1_and_the_same_command_resumes_under_the_same_media_id() {
    for provider in ["aliyun", "wangsu"] {
        let world = World::start(provider).await;
        let file = world.file("fails.mp4", MULTIPART);
        // Every attempt at the second part fails, however often it is retried.
        world.handle().inject_storage(
            StorageFault::new(world.host(), StorageFaultKind::Fail { status: 503 })
                .part(world.second_part())
                .times(1000),
        );
        let args = [
            file.to_str().unwrap(),
            "--part-size",
            "4MiB",
            "--concurrency",
            "1",
            "--json",
        ];
        let out = world.upload(&args);
        let err = text(&out.stderr);
        assert_no_panic(provider, &err);
        assert_eq!(out.status.code(), Some(1), "{provider}: {err}");
        assert!(out.stdout.is_empty(), "{provider}");
        let [checkpoint] = &world.checkpoints()[..] else {
            panic!("{provider}: one checkpoint expected: {err}");
        };
        assert!(
            err.contains(&format!("checkpoint is kept at {}", checkpoint.display())),
            "{provider}: {err}"
        );
        // The hint is the command itself, ready to paste.
        let hint = err.lines().last().unwrap().trim();
        assert_eq!(
            hint,
            format!(
                "{} --config {} upload {} --part-size 4MiB --concurrency 1 --json",
                env!("CARGO_BIN_EXE_vod"),
                world.config.display(),
                file.display()
            ),
            "{provider}: {err}"
        );
        let media_id = recorded_media_id(checkpoint);

        world.handle().clear_storage_faults();
        let out = world.upload(&args);
        ok(provider, &out);
        let result = json(&out);
        assert_eq!(result["media_id"], media_id.as_str(), "{provider}");
        assert!(result["parts_resumed"].as_u64().unwrap() >= 1, "{result}");
        assert_eq!(world.handle().videos(world.vendor()), 1, "{provider}");
        let stored = world.stored(result["key"].as_str().unwrap());
        assert_eq!(stored["md5"], md5_of(&file), "{provider}");
        assert!(world.checkpoints().is_empty());
        world.emulator.shutdown().await;
    }
}

/// Starts an upload whose second part stalls, and waits until the first is recorded in the
/// checkpoint (`at`, else the default one).
fn stalled_upload(
    world: &World,
    file: &Path,
    at: Option<&Path>,
    args: &[&str],
) -> (Child, PathBuf) {
    world.handle().inject_storage(
        StorageFault::new(world.host(), StorageFaultKind::Stall { millis: 60_000 })
            .part(world.second_part()),
    );
    let mut all = vec![
        file.to_str().unwrap(),
        "--part-size",
        "4MiB",
        "--concurrency",
        "1",
    ];
    all.extend_from_slice(args);
    let mut child = world.command(&all).spawn().unwrap();
    let checkpoint = wait_for_a_stored_part(world, &mut child, at);
    (child, checkpoint)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_upload_resumes_under_the_same_media_id() {
    for provider in ["aliyun", "wangsu"] {
        let world = World::start(provider).await;
        let file = world.file("killed.mp4", MULTIPART);
        let (mut child, checkpoint) = stalled_upload(&world, &file, None, &[]);
        child.kill().unwrap(); // SIGKILL: no handler runs.
        child.wait().unwrap();
        let media_id = recorded_media_id(&checkpoint);

        world.handle().clear_storage_faults();
        let out = world.upload(&[
            file.to_str().unwrap(),
            "--part-size",
            "4MiB",
            "--concurrency",
            "1",
            "--json",
        ]);
        ok(provider, &out);
        let result = json(&out);
        assert_eq!(result["media_id"], media_id.as_str(), "{provider}");
        // The part recorded before the kill was not sent again.
        assert!(result["parts_resumed"].as_u64().unwrap() >= 1, "{result}");
        assert_eq!(world.handle().videos(world.vendor()), 1, "{provider}");
        let stored = world.stored(result["key"].as_str().unwrap());
        assert_eq!(stored["md5"], md5_of(&file), "{provider}");
        world.emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_exits_130_with_the_checkpoint_and_abort_removes_the_upload() {
    for provider in ["aliyun", "wangsu"] {
        let world = World::start(provider).await;
        let file = world.file("interrupted.mp4", MULTIPART);
        let explicit = world.dir.join("my checkpoint.json");
        let (child, checkpoint) = stalled_upload(
            &world,
            &file,
            Some(&explicit),
            &["--checkpoint", explicit.to_str().unwrap()],
        );
        assert_eq!(checkpoint, explicit);
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert_no_panic(provider, &err);
        assert_eq!(out.status.code(), Some(130), "{provider}: {err}");
        assert!(err.contains("interrupted"), "{provider}: {err}");
        // A path with a space is quoted for the shell in the resume command.
        assert!(
            err.contains(&format!("--checkpoint '{}'", explicit.display())),
            "{provider}: {err}"
        );
        assert!(explicit.exists(), "{provider}: the checkpoint is kept");
        let media_id = recorded_media_id(&explicit);

        world.handle().clear_storage_faults();
        let out = world.upload(&[
            "--abort",
            "--checkpoint",
            explicit.to_str().unwrap(),
            "--json",
        ]);
        ok(provider, &out);
        let result = json(&out);
        assert_eq!(result["aborted"], true);
        assert_eq!(result["media_id"], media_id.as_str());
        assert!(
            !explicit.exists(),
            "{provider}: abort removes the checkpoint"
        );
        // Nothing was completed, and the aborted upload cannot be aborted twice.
        assert!(world.handle().stored_objects().is_empty());
        let out = world.upload(&["--abort", "--checkpoint", explicit.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        world.emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_lines_when_stderr_is_not_a_terminal() {
    let world = World::start("aliyun").await;
    let file = world.file("lines.mp4", MULTIPART);
    let out = world.upload(&[file.to_str().unwrap(), "--part-size", "4MiB", "--json"]);
    ok("lines", &out);
    json(&out); // stdout holds the result alone.
    let err = text(&out.stderr);
    assert!(
        err.contains("vod upload: uploaded 9.0 MiB of 9.0 MiB (100%), 3 of 3 parts"),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_progress_bar_when_stderr_is_a_terminal() {
    let world = World::start("wangsu").await;
    let file = world.file("bar.mp4", MULTIPART);
    let result = world.dir.join("result.json");
    // A short stall keeps the bar on screen long enough to be drawn between parts.
    world.handle().inject_storage(
        StorageFault::new(world.host(), StorageFaultKind::Stall { millis: 1500 })
            .part(world.second_part()),
    );
    // `script` runs the command on a pseudo-terminal; stdout goes to a file, so what `script`
    // copies out is stderr alone.
    let inner = format!(
        "{} --config {} upload {} --part-size 4MiB --json > {}",
        env!("CARGO_BIN_EXE_vod"),
        world.config.display(),
        file.display(),
        result.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"])
        .env("XDG_CACHE_HOME", world.cache())
        .env("TERM", "xterm")
        .stdin(Stdio::null());
    for var in ["VOD_CONFIG", "VOD_PROVIDER", "VOD_LOG"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("ETA"), "{screen:?}");
    assert!(screen.contains("MiB"), "{screen:?}");
    assert!(!screen.contains("vod upload: uploaded"), "{screen:?}");
    let value: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(value["parts"], 3);
}
