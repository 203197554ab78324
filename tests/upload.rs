//! The upload behaviour suite: `vod::upload` from a file on disk to the emulator's upload hosts
//! over loopback, the same cases for every provider configuration (Aliyun with OSS V4, and once
//! with OSS V1; Wangsu WS3 and CNC).
//!
//! What reaches storage is observed twice: the emulator's own record (the stored bytes, compared
//! with the file byte for byte; its video count) and a counting wrapper around the vendor's
//! [`Storage`], which says which requests the driver sent (sessions started, parts sent).

#[macro_use]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use support::{Case, Harness, SK};
use vod::aliyun::oss::Bytes;
use vod::emulator::{
    EmulatorConfig, EmulatorHandle, StorageFault, StorageFaultKind, StorageVendor, Vendor,
};
use vod::layer::RetryPolicy;
use vod::upload::{
    CallbackSource, Checkpoint, CheckpointError, CheckpointProblem, Checksum, FileUploader,
    PartReceipt, PartRules, PartSpec, Plan, Resume, SessionId, Storage, StoredObject,
    UploadOptions, UploadOutcome,
};
use vod::{ErrorKind, Result, UploadCredential, UploadRequest};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// The part size each vendor's tests use: its smallest (OSS 100 KiB, Wangsu 4 MiB blocks).
fn part_size(case: &Case) -> u64 {
    match case.vendor {
        Vendor::Aliyun => 100 * KIB,
        Vendor::Wangsu => 4 * MIB,
    }
}

fn host(case: &Case) -> StorageVendor {
    match case.vendor {
        Vendor::Aliyun => StorageVendor::Oss,
        Vendor::Wangsu => StorageVendor::Wangsu,
    }
}

/// A storage fault for part `number` (from 1): OSS names the part number, Wangsu the block
/// index.
fn part_fault(case: &Case, number: u32, kind: StorageFaultKind) -> StorageFault {
    let part = match case.vendor {
        Vendor::Aliyun => number,
        Vendor::Wangsu => number - 1,
    };
    StorageFault::new(host(case), kind).part(part)
}

/// Records what the driver asks of the vendor's storage, and passes it on.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Storage>,
    starts: AtomicU32,
    puts: AtomicU32,
    parts: Mutex<Vec<u32>>,
    /// A fault the emulator gets just before the next request that makes the object.
    before_final: Mutex<Option<(EmulatorHandle, StorageFault)>>,
}

impl Counting {
    fn new(inner: Arc<dyn Storage>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            starts: AtomicU32::new(0),
            puts: AtomicU32::new(0),
            parts: Mutex::new(Vec::new()),
            before_final: Mutex::new(None),
        })
    }

    /// Has `fault` injected into `emulator` right before the next request that makes the object
    /// (PutObject or Complete): only that request meets it.
    fn before_final(&self, emulator: EmulatorHandle, fault: StorageFault) {
        *self.before_final.lock().unwrap() = Some((emulator, fault));
    }

    fn inject_final_fault(&self) {
        let fault = self.before_final.lock().unwrap().take();
        if let Some((emulator, fault)) = fault {
            emulator.inject_storage(fault);
        }
    }

    fn starts(&self) -> u32 {
        self.starts.load(Ordering::SeqCst)
    }

    /// How many times each part number was sent.
    fn sent(&self) -> BTreeMap<u32, u32> {
        let mut sent = BTreeMap::new();
        for n in self.parts.lock().unwrap().iter() {
            *sent.entry(*n).or_default() += 1;
        }
        sent
    }

    fn reset(&self) {
        self.starts.store(0, Ordering::SeqCst);
        self.puts.store(0, Ordering::SeqCst);
        self.parts.lock().unwrap().clear();
    }
}

#[async_trait]
impl Storage for Counting {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }

    fn rules(&self) -> PartRules {
        self.inner.rules()
    }

    fn part_checksum(&self, part: &[u8]) -> Checksum {
        self.inner.part_checksum(part)
    }

    async fn put_object(&self, credential: &UploadCredential, body: Bytes) -> Result<StoredObject> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.inject_final_fault();
        self.inner.put_object(credential, body).await
    }

    async fn start(&self, credential: &UploadCredential, plan: &Plan) -> Result<SessionId> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        self.inner.start(credential, plan).await
    }

    async fn send_part(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        part: PartSpec,
        body: Bytes,
        checksum: &Checksum,
    ) -> Result<PartReceipt> {
        self.parts.lock().unwrap().push(part.number);
        self.inner
            .send_part(credential, session, part, body, checksum)
            .await
    }

    async fn list_parts(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
    ) -> Result<Option<Vec<PartReceipt>>> {
        self.inner.list_parts(credential, session).await
    }

    async fn complete(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        plan: &Plan,
        parts: &[PartReceipt],
    ) -> Result<StoredObject> {
        self.inject_final_fault();
        self.inner.complete(credential, session, plan, parts).await
    }

    async fn abort(&self, credential: &UploadCredential, session: &SessionId) -> Result<()> {
        self.inner.abort(credential, session).await
    }
}

/// An emulator, the case's provider and storage (counted), and a folder for files and
/// checkpoints.
struct Setup {
    h: Harness,
    storage: Arc<Counting>,
    dir: PathBuf,
    part: u64,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Setup {
    async fn start(case: &Case) -> Self {
        Self::start_with(case, EmulatorConfig::default()).await
    }

    async fn start_with(case: &Case, emu: EmulatorConfig) -> Self {
        Self::start_with_http(case, emu, "max_attempts = 3").await
    }

    /// Like [`Setup::start_with`], with `[http]` set by `http` (TOML lines).
    async fn start_with_http(case: &Case, emu: EmulatorConfig, http: &str) -> Self {
        let h = Harness::start_with(case, emu, http, SK).await;
        let storage = Counting::new(vod::storage_from_config(&h.config).expect("storage builds"));
        let dir = std::env::temp_dir().join(format!(
            "vod-upload-{}-{}",
            case.name,
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            h,
            storage,
            dir,
            part: part_size(case),
        }
    }

    /// Options with this vendor's part size, `concurrency`, a checkpoint, quick retries.
    fn options(&self, concurrency: usize) -> UploadOptions {
        UploadOptions::default()
            .part_size(self.part)
            .concurrency(concurrency)
            .checkpoint(self.checkpoint())
            .retry(
                RetryPolicy::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_millis(10))
                    .max_delay(Duration::from_millis(50)),
            )
    }

    fn uploader(&self, options: UploadOptions) -> FileUploader {
        FileUploader::new(self.h.provider.clone(), self.storage.clone()).options(options)
    }

    fn checkpoint(&self) -> PathBuf {
        self.dir.join("upload.checkpoint")
    }

    /// Writes a file of `size` bytes (contents depending on `seed`) named `name`.
    fn file(&self, name: &str, size: u64, seed: u64) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content(size, seed)).unwrap();
        path
    }

    fn inject(&self, fault: StorageFault) {
        self.h.emulator.handle().inject_storage(fault);
    }

    /// Videos the vendor holds: one per upload, however many runs it took.
    fn videos(&self) -> usize {
        self.h.emulator.handle().videos(self.h.vendor)
    }

    /// Fails unless the host stored exactly the bytes of `path` under the outcome's key.
    fn assert_stored(&self, label: &str, outcome: &UploadOutcome, path: &Path) {
        let expected = std::fs::read(path).unwrap();
        let handle = self.h.emulator.handle();
        let objects = handle.stored_objects();
        let object = objects
            .iter()
            .find(|o| o.key == outcome.key)
            .unwrap_or_else(|| panic!("{label}: no object {} in {objects:?}", outcome.key));
        assert_eq!(object.size, expected.len() as u64, "{label}");
        let stored = std::fs::read(handle.stored_file(object).expect("bytes kept")).unwrap();
        assert!(stored == expected, "{label}: stored bytes differ");
        assert_eq!(outcome.size, expected.len() as u64, "{label}");
    }
}

/// Bytes that differ from part to part and from seed to seed (a damaged or misplaced part
/// shows).
fn content(size: u64, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn request(path: &Path) -> UploadRequest {
    UploadRequest::new(path.file_name().unwrap().to_string_lossy())
}

async fn stores_every_size_byte_identical(case: &Case) {
    let s = Setup::start(case).await;
    let p = s.part;
    // Many parts: 5 for OSS, 3 for Wangsu's 4 MiB blocks, each time with a short last one.
    let many = match case.vendor {
        Vendor::Aliyun => 4 * p + 7,
        Vendor::Wangsu => 2 * p + 7,
    };
    let cases = [
        (0, 4, 1),
        (1, 4, 1),
        (p - 1, 4, 1),
        (p, 4, 1),
        (p + 1, 4, 2),
        (many, 1, many.div_ceil(p) as u32),
        (many, 4, many.div_ceil(p) as u32),
    ];
    for (i, (size, concurrency, parts)) in cases.into_iter().enumerate() {
        let label = format!("{}: {size} bytes at concurrency {concurrency}", case.name);
        let path = s.file(&format!("clip-{i}.mp4"), size, i as u64);
        let uploader = s.uploader(s.options(concurrency));
        let outcome = uploader
            .upload_file(&path, request(&path))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(outcome.parts, parts, "{label}");
        assert_eq!(outcome.provider, uploader.provider_name(), "{label}");
        assert!(outcome.peak_buffers <= concurrency, "{label}");
        assert!(outcome.checksum.is_some(), "{label}: no checksum");
        s.assert_stored(&label, &outcome, &path);
        assert!(!s.checkpoint().exists(), "{label}: checkpoint left");
    }
    assert_eq!(s.videos(), cases.len(), "{}", case.name);
}

/// Credentials that live two seconds, a host that stalls every request: the upload outlives
/// several credentials, refreshes them, and keeps its one multipart session.
async fn short_lived_credentials_are_refreshed_in_one_session(case: &Case) {
    let emu = EmulatorConfig {
        aliyun_credential_ttl: Duration::from_secs(2),
        wangsu_token_ttl: Duration::from_secs(2),
        ..EmulatorConfig::default()
    };
    let s = Setup::start_with(case, emu).await;
    let parts = match case.vendor {
        Vendor::Aliyun => 8,
        Vendor::Wangsu => 5,
    };
    let path = s.file("slow.mp4", parts * s.part - 3, 7);
    s.inject(StorageFault::new(host(case), StorageFaultKind::Stall { millis: 700 }).times(1000));
    let outcome = s
        .uploader(s.options(1))
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    s.h.emulator.handle().clear_storage_faults();
    assert!(outcome.refreshes >= 1, "{}: {outcome:?}", case.name);
    assert_eq!(s.storage.starts(), 1, "{}", case.name);
    assert_eq!(s.videos(), 1, "{}", case.name);
    s.assert_stored(case.name, &outcome, &path);
}

/// Storage requests have their own timeout (`[http] storage_timeout_secs`, default 300 s): a part
/// slower than `timeout_secs` (meant for credential calls) still arrives, in its one attempt.
async fn a_part_slower_than_the_call_timeout_still_arrives(case: &Case) {
    let http = "max_attempts = 1\ntimeout_secs = 1";
    let s = Setup::start_with_http(case, EmulatorConfig::default(), http).await;
    let path = s.file("slow-part.mp4", 2 * s.part + 5, 11);
    s.inject(StorageFault::new(host(case), StorageFaultKind::Stall { millis: 1500 }).times(2));
    let options = UploadOptions::default()
        .part_size(s.part)
        .concurrency(1)
        .checkpoint(s.checkpoint())
        .retry(RetryPolicy::default().max_attempts(1));
    let outcome = FileUploader::from_config(&s.h.config)
        .expect("the uploader builds")
        .options(options)
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    s.h.emulator.handle().clear_storage_faults();
    s.assert_stored(case.name, &outcome, &path);
}

/// A part that fails on every attempt ends the run with the checkpoint kept; the rerun sends only
/// what is missing, under the same media id, in the same session.
async fn a_failed_run_resumes_with_only_the_missing_parts(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("resume.mp4", 5 * s.part + 11, 3);
    s.inject(part_fault(case, 4, StorageFaultKind::Fail { status: 500 }).times(1000));
    let uploader = s.uploader(s.options(1));
    let err = uploader
        .upload_file(&path, request(&path))
        .await
        .expect_err("part 4 fails for good");
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{}: {err}", case.name);
    let record = Checkpoint::load(&s.checkpoint())
        .unwrap()
        .expect("the checkpoint is kept");
    let done: Vec<u32> = record.parts().iter().map(|p| p.number).collect();
    assert_eq!(done, [1, 2, 3], "{}", case.name);
    let media_id = record.media_id().to_owned();

    s.h.emulator.handle().clear_storage_faults();
    s.storage.reset();
    let outcome = uploader
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(outcome.media_id, media_id, "{}", case.name);
    assert_eq!(outcome.parts_resumed, 3, "{}", case.name);
    let sent: Vec<u32> = s.storage.sent().into_keys().collect();
    assert_eq!(sent, [4, 5, 6], "{}: only the missing parts", case.name);
    assert!(s.storage.sent().values().all(|&n| n == 1), "{}", case.name);
    assert_eq!(s.storage.starts(), 0, "{}: a second session", case.name);
    assert_eq!(s.videos(), 1, "{}: a second video", case.name);
    if case.vendor == Vendor::Aliyun {
        assert_eq!(s.h.create_calls(), 1, "{}", case.name);
    }
    s.assert_stored(case.name, &outcome, &path);
    assert!(!s.checkpoint().exists(), "{}", case.name);
}

/// A part the host stores damaged (its checksum shows it) is sent again.
async fn a_damaged_part_is_resent(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("damaged.mp4", 2 * s.part + 5, 4);
    s.inject(part_fault(case, 2, StorageFaultKind::Damage));
    let outcome = s
        .uploader(s.options(2))
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let sent = s.storage.sent();
    assert_eq!(sent.get(&2), Some(&2), "{}: {sent:?}", case.name);
    assert_eq!(
        (sent.get(&1), sent.get(&3)),
        (Some(&1), Some(&1)),
        "{}",
        case.name
    );
    s.assert_stored(case.name, &outcome, &path);
}

/// A file changed between runs is not resumed: strictly it is an error naming the change;
/// otherwise it starts afresh (same media id) and stores the new bytes.
async fn a_file_changed_between_runs_is_detected(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("changing.mp4", 3 * s.part + 1, 5);
    s.inject(part_fault(case, 3, StorageFaultKind::Fail { status: 500 }).times(1000));
    let uploader = s.uploader(s.options(1));
    uploader
        .upload_file(&path, request(&path))
        .await
        .expect_err("part 3 fails for good");
    s.h.emulator.handle().clear_storage_faults();
    let media_id = Checkpoint::load(&s.checkpoint())
        .unwrap()
        .unwrap()
        .media_id()
        .to_owned();
    std::fs::write(&path, content(3 * s.part + 9, 6)).unwrap();

    let strict = s.uploader(s.options(1).resume(Resume::Strict));
    let err = strict
        .upload_file(&path, request(&path))
        .await
        .expect_err("a changed file is not resumed strictly");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{}: {err}", case.name);
    let problem = CheckpointError::of(&err)
        .expect("a checkpoint error")
        .problem();
    assert!(
        matches!(problem, CheckpointProblem::FileChanged(_)),
        "{}: {err}",
        case.name
    );
    assert!(s.checkpoint().exists(), "{}", case.name);

    let outcome = uploader
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert!(outcome.started_afresh.is_some(), "{}", case.name);
    assert_eq!(outcome.media_id, media_id, "{}", case.name);
    assert_eq!(s.videos(), 1, "{}", case.name);
    s.assert_stored(case.name, &outcome, &path);
}

/// A damaged or foreign checkpoint is an error that names it, before any vendor call.
async fn a_corrupt_checkpoint_is_a_clear_error(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("corrupt.mp4", s.part + 1, 8);
    let uploader = s.uploader(s.options(2));
    for (text, foreign) in [
        (
            "{\"format\":\"vod-upload-checkpoint\",\"version\":1,",
            false,
        ),
        (
            "{\"op_type\":\"ResumableUpload\",\"upload_id\":\"x\"}",
            true,
        ),
    ] {
        std::fs::write(s.checkpoint(), text).unwrap();
        let err = uploader
            .upload_file(&path, request(&path))
            .await
            .expect_err("a bad checkpoint is refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{}: {err}", case.name);
        assert!(
            err.to_string()
                .contains(&s.checkpoint().display().to_string()),
            "{}: {err}",
            case.name
        );
        let problem = CheckpointError::of(&err)
            .expect("a checkpoint error")
            .problem();
        match problem {
            CheckpointProblem::Foreign(_) => assert!(foreign, "{}: {err}", case.name),
            CheckpointProblem::Corrupt(_) => assert!(!foreign, "{}: {err}", case.name),
            other => panic!("{}: {other:?}", case.name),
        }
        assert_eq!(s.h.total_calls(), 0, "{}: a vendor call", case.name);
    }
}

/// A credential issued earlier (`--from`): used as it is, refreshed through the provider when the
/// storage refuses it, and its media id is the upload's.
async fn an_issued_credential_is_refreshed_through_the_provider(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("issued.mp4", 2 * s.part + 3, 9);
    let issued = s.h.provider.create_upload(&request(&path)).await.unwrap();
    s.h.emulator.handle().expire_upload_credentials();
    let outcome = s
        .uploader(s.options(2))
        .upload_issued(&path, issued.clone())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(outcome.media_id, issued.media_id, "{}", case.name);
    assert!(outcome.refreshes >= 1, "{}: {outcome:?}", case.name);
    assert_eq!(s.videos(), 1, "{}", case.name);
    s.assert_stored(case.name, &outcome, &path);
}

/// An uploader holding only a handed-over credential refreshes it through the app's callback
/// (here asking the provider, as a credential service would).
async fn a_callback_source_refreshes_through_the_app(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("callback.mp4", 2 * s.part + 3, 13);
    let handed = s.h.provider.create_upload(&request(&path)).await.unwrap();
    let asked = Arc::new(AtomicU32::new(0));
    let (count, provider) = (asked.clone(), s.h.provider.clone());
    let source = CallbackSource::new(handed.clone(), move |refresh| {
        count.fetch_add(1, Ordering::SeqCst);
        let provider = provider.clone();
        async move { provider.refresh_upload(&refresh).await }
    });
    s.h.emulator.handle().expire_upload_credentials();
    let outcome = s
        .uploader(s.options(2))
        .upload_with(&path, Arc::new(source))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(outcome.media_id, handed.media_id, "{}", case.name);
    assert!(asked.load(Ordering::SeqCst) >= 1, "{}", case.name);
    assert_eq!(s.videos(), 1, "{}", case.name);
    s.assert_stored(case.name, &outcome, &path);
}

/// Abort removes the vendor's session and the checkpoint; a rerun then starts a new upload.
async fn abort_removes_the_upload_and_its_checkpoint(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("aborted.mp4", 3 * s.part, 10);
    s.inject(part_fault(case, 2, StorageFaultKind::Fail { status: 500 }).times(1000));
    let uploader = s.uploader(s.options(1));
    uploader
        .upload_file(&path, request(&path))
        .await
        .expect_err("part 2 fails for good");
    s.h.emulator.handle().clear_storage_faults();
    let record = Checkpoint::load(&s.checkpoint()).unwrap().expect("kept");
    let session = record.session().expect("a multipart session").clone();
    let credential =
        s.h.provider
            .refresh_upload(&record.refresh_request())
            .await
            .unwrap();
    let listed = s.storage.list_parts(&credential, &session).await;
    uploader.abort(&s.checkpoint()).await.unwrap();
    assert!(!s.checkpoint().exists(), "{}", case.name);
    // The vendor side: OSS lists part 1 before the abort and knows the upload no more after it.
    // Wangsu has neither a listing nor an abort (its block contexts expire on their own).
    let after = s.storage.list_parts(&credential, &session).await;
    match case.vendor {
        Vendor::Aliyun => {
            let numbers: Vec<u32> = listed.unwrap().unwrap().iter().map(|p| p.number).collect();
            assert_eq!(numbers, [1], "{}", case.name);
            let err = after.expect_err("the aborted upload is gone");
            assert_eq!(err.kind(), ErrorKind::NotFound, "{}: {err}", case.name);
        }
        Vendor::Wangsu => {
            assert!(matches!(listed, Ok(None)), "{}", case.name);
            assert!(matches!(after, Ok(None)), "{}", case.name);
        }
    }
    let err = uploader.abort(&s.checkpoint()).await.unwrap_err();
    assert!(
        matches!(
            CheckpointError::of(&err).map(|e| e.problem()),
            Some(CheckpointProblem::Missing)
        ),
        "{}: {err}",
        case.name
    );
    let outcome = uploader
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(outcome.parts_resumed, 0, "{}", case.name);
    s.assert_stored(case.name, &outcome, &path);
}

/// The vendor stores the object (PutObject, Complete) but its answer is lost. Sending the same
/// request again succeeds only where it is repeatable (OSS PutObject overwrites); otherwise it
/// fails because the first one worked (OSS no longer knows a completed upload, Wangsu will not
/// overwrite the file it made), and the run fails saying the object may be stored: it never
/// claims a success no answer confirmed.
async fn a_lost_answer_is_reported_as_unknown(case: &Case) {
    for multipart in [false, true] {
        let s = Setup::start(case).await;
        let label = format!("{} multipart {multipart}", case.name);
        let size = if multipart { 2 * s.part + 3 } else { 1 };
        let path = s.file("lost.mp4", size, 13);
        s.storage.before_final(
            s.h.emulator.handle(),
            StorageFault::new(host(case), StorageFaultKind::DropAnswer),
        );
        let uploader = s.uploader(s.options(2));
        let first = uploader.upload_file(&path, request(&path)).await;
        // The vendor did store the file, once, in one video.
        let objects = s.h.emulator.handle().stored_objects();
        assert_eq!(objects.len(), 1, "{label}: {objects:?}");
        let stored = s.h.emulator.handle().stored_file(&objects[0]).unwrap();
        assert!(std::fs::read(stored).unwrap() == std::fs::read(&path).unwrap());
        assert_eq!(s.videos(), 1, "{label}");
        if case.vendor == Vendor::Aliyun && !multipart {
            let outcome = first.unwrap_or_else(|e| panic!("{label}: {e}"));
            s.assert_stored(&label, &outcome, &path);
            continue;
        }
        let err = first.expect_err("the repeated request fails");
        assert!(err.is_outcome_unknown(), "{label}: {err}");
        assert!(
            err.to_string().contains("may have stored the object"),
            "{label}: {err}"
        );
        let record = Checkpoint::load(&s.checkpoint()).unwrap().expect("kept");

        let again = uploader.upload_file(&path, request(&path)).await;
        match case.vendor {
            // A rerun finds the upload gone, starts a new one under the same media id and
            // stores the same bytes again.
            Vendor::Aliyun => {
                let outcome = again.unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(outcome.media_id, record.media_id(), "{label}");
                assert_eq!(outcome.parts_resumed, 0, "{label}");
                s.assert_stored(&label, &outcome, &path);
            }
            // Wangsu has no request that says whether the file is this upload's, and refuses to
            // make it again: the error says what the file there most likely is.
            Vendor::Wangsu => {
                let err = again.expect_err("the file exists");
                assert_eq!(err.kind(), ErrorKind::InvalidInput, "{label}: {err}");
                assert!(
                    err.to_string().contains("may have stored it"),
                    "{label}: {err}"
                );
            }
        }
        assert_eq!(s.videos(), 1, "{label}");
    }
}

/// Progress moves forward to the whole file, part by part.
async fn progress_reaches_the_file_size(case: &Case) {
    let s = Setup::start(case).await;
    let size = 2 * s.part + 1;
    let path = s.file("progress.mp4", size, 11);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    s.uploader(s.options(2))
        .on_progress(move |p| log.lock().unwrap().push((p.bytes_done, p.bytes_total)))
        .upload_file(&path, request(&path))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last(), Some(&(size, size)), "{}: {seen:?}", case.name);
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{}", case.name);
    assert!(
        seen.iter().all(|&(_, total)| total == size),
        "{}",
        case.name
    );
}

/// No secret of the credential in the checkpoint, the error of a failed run, or the outcome.
async fn no_secret_in_checkpoint_error_or_outcome(case: &Case) {
    let s = Setup::start(case).await;
    let path = s.file("secret.mp4", 2 * s.part + 1, 12);
    let issued = s.h.provider.create_upload(&request(&path)).await.unwrap();
    let secrets = support::secrets_of(&issued);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    s.inject(part_fault(case, 2, StorageFaultKind::Fail { status: 403 }).times(1000));
    let uploader = s.uploader(s.options(1));
    let err = uploader
        .upload_issued(&path, issued.clone())
        .await
        .expect_err("part 2 is refused");
    support::assert_no_secret("the error", &format!("{err} {err:?}"), &secrets);
    let record = std::fs::read_to_string(s.checkpoint()).expect("the checkpoint is kept");
    support::assert_no_secret("the checkpoint", &record, &secrets);
    s.h.emulator.handle().clear_storage_faults();
    let outcome = uploader.upload_issued(&path, issued).await.unwrap();
    support::assert_no_secret("the outcome", &format!("{outcome:?}"), &secrets);
    support::assert_no_secret("the uploader", &format!("{uploader:?}"), &secrets);
}

provider_tests!(
    no_secret_in_checkpoint_error_or_outcome,
    stores_every_size_byte_identical,
    short_lived_credentials_are_refreshed_in_one_session,
    a_part_slower_than_the_call_timeout_still_arrives,
    a_failed_run_resumes_with_only_the_missing_parts,
    a_damaged_part_is_resent,
    a_file_changed_between_runs_is_detected,
    a_corrupt_checkpoint_is_a_clear_error,
    an_issued_credential_is_refreshed_through_the_provider,
    a_callback_source_refreshes_through_the_app,
    abort_removes_the_upload_and_its_checkpoint,
    a_lost_answer_is_reported_as_unknown,
    progress_reaches_the_file_size,
);

/// Aliyun with OSS signed V1 (`[aliyun] oss_signature = "v1"`), for the storage cases where the
/// signature matters.
mod aliyun_oss_v1 {
    use super::*;

    const CASE: Case = Case {
        name: "aliyun-oss-v1",
        vendor: Vendor::Aliyun,
        toml: "provider = \"aliyun\"\n[aliyun]\naccess_key_id = \"{ak}\"\naccess_key_secret = \"{sk}\"\nendpoint = \"{url}\"\noss_signature = \"v1\"",
        throttled: support::cases::aliyun_v3.throttled,
    };

    #[tokio::test]
    async fn stores_every_size_byte_identical() {
        super::stores_every_size_byte_identical(&CASE).await
    }

    /// The storage the config builds signs V1 (`[aliyun] oss_signature`), V4 without the key.
    #[tokio::test]
    async fn the_config_chooses_the_oss_signature() {
        let v1 = Setup::start(&CASE).await;
        let v4 = Setup::start(&support::cases::aliyun_v1).await;
        for (setup, version) in [(v1, "V1"), (v4, "V4")] {
            let shown = format!("{:?}", setup.storage.inner);
            assert!(shown.contains(&format!("version: {version}")), "{shown}");
        }
    }

    #[tokio::test]
    async fn a_failed_run_resumes_with_only_the_missing_parts() {
        super::a_failed_run_resumes_with_only_the_missing_parts(&CASE).await
    }

    #[tokio::test]
    async fn short_lived_credentials_are_refreshed_in_one_session() {
        super::short_lived_credentials_are_refreshed_in_one_session(&CASE).await
    }
}
