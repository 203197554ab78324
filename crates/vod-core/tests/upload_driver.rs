//! The upload driver's own logic, against a test double of the storage trait.
//!
//! `MemoryStorageDouble` is NOT a storage: it is a stand-in that keeps parts in memory and can fail,
//! damage or expire on cue, so these tests can check what the driver decides (how many parts at
//! once, one refresh for many parts, retries, resends, what a resume sends). It exists only because
//! the real vendor primitives are not in the tree yet; the behaviour suite runs the same driver
//! against the emulator's OSS and Wangsu hosts over loopback.
//!
//! No test measures time. A hang (a driver that never reaches the concurrency the double waits
//! for) is caught by a generous timeout, which fails the test instead of stalling the suite.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use time::OffsetDateTime;
use vod_core::layer::RetryPolicy;
use vod_core::upload::{
    CallbackSource, Checkpoint, CheckpointError, CheckpointProblem, Checksum, CredentialSource,
    PartReceipt, PartRules, PartSpec, Plan, ProviderSource, Resume, SessionId, Storage,
    StoredObject, UploadOptions, UploadOutcome, Uploader,
};
use vod_core::{
    Error, ErrorKind, FixedClock, RefreshRequest, Result, UploadCredential,
    UploadCredentialProvider, UploadRequest,
};

const MEDIA: &str = "media-0001";
const KEY: &str = "video/clip.mp4";
const PART: u64 = 1000;

// ---------------------------------------------------------------------------------------------
// The test double
// ---------------------------------------------------------------------------------------------

/// What the double does to the next request for a part.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Answer an error of this kind.
    Fail(ErrorKind),
    /// Store the bytes altered and report the checksum of what was stored.
    Damage,
}

#[derive(Debug, Default)]
struct State {
    sessions: HashMap<String, BTreeMap<u32, Vec<u8>>>,
    objects: HashMap<String, Vec<u8>>,
    starts: u32,
    puts: u32,
    aborted: Vec<String>,
    /// (part number, credential token) of every send_part call.
    sends: Vec<(u32, String)>,
    in_flight: usize,
    max_in_flight: usize,
    faults: HashMap<u32, VecDeque<Fault>>,
    /// Tokens numbered below this are expired.
    valid_from: u32,
}

/// A test double of [`Storage`] for the driver's tests: parts in memory, faults on cue.
struct MemoryStorageDouble {
    lists: bool,
    rules: PartRules,
    state: Mutex<State>,
    /// Every send_part waits here until this many are in flight together.
    gate: Option<tokio::sync::Barrier>,
    /// After the gate opens, sends with a token below this number are refused as expired.
    expire_below_after_gate: AtomicU32,
}

impl fmt::Debug for MemoryStorageDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStorageDouble")
    }
}

impl MemoryStorageDouble {
    fn new(lists: bool) -> Self {
        Self {
            lists,
            rules: PartRules::new(1, 10_000, 1, u64::MAX, PART),
            state: Mutex::new(State::default()),
            gate: None,
            expire_below_after_gate: AtomicU32::new(0),
        }
    }

    fn gated(mut self, parts_together: usize) -> Self {
        self.gate = Some(tokio::sync::Barrier::new(parts_together));
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn fault(&self, part: u32, faults: &[Fault]) {
        self.state()
            .faults
            .insert(part, faults.iter().copied().collect());
    }

    fn clear_faults(&self) {
        self.state().faults.clear();
    }

    fn object(&self) -> Option<Vec<u8>> {
        self.state().objects.get(KEY).cloned()
    }

    fn sent_parts(&self) -> Vec<u32> {
        self.state().sends.iter().map(|(n, _)| *n).collect()
    }

    fn check_token(&self, credential: &UploadCredential) -> Result<String> {
        let token = token_of(credential);
        let number = token_number(&token);
        if number < self.state().valid_from {
            return Err(Error::new(ErrorKind::CredentialExpired, "token expired"));
        }
        Ok(token)
    }
}

fn fnv(bytes: &[u8]) -> Checksum {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Checksum::new("fnv1a64", format!("{h:016x}"))
}

struct InFlight<'a>(&'a MemoryStorageDouble);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.state().in_flight -= 1;
    }
}

#[async_trait]
impl Storage for MemoryStorageDouble {
    fn provider(&self) -> &'static str {
        "wangsu"
    }

    fn rules(&self) -> PartRules {
        self.rules
    }

    fn part_checksum(&self, part: &[u8]) -> Checksum {
        fnv(part)
    }

    async fn put_object(&self, credential: &UploadCredential, body: Bytes) -> Result<StoredObject> {
        self.check_token(credential)?;
        let mut s = self.state();
        s.puts += 1;
        s.objects.insert(KEY.into(), body.to_vec());
        Ok(StoredObject::new(KEY, Some(fnv(&body))))
    }

    async fn start(&self, credential: &UploadCredential, _plan: &Plan) -> Result<SessionId> {
        self.check_token(credential)?;
        let mut s = self.state();
        s.starts += 1;
        let id = format!("session-{}", s.starts);
        s.sessions.insert(id.clone(), BTreeMap::new());
        Ok(SessionId::new(id))
    }

    async fn send_part(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        part: PartSpec,
        body: Bytes,
        _checksum: &Checksum,
    ) -> Result<PartReceipt> {
        {
            let mut s = self.state();
            s.sends.push((part.number, token_of(credential)));
            s.in_flight += 1;
            s.max_in_flight = s.max_in_flight.max(s.in_flight);
        }
        let _in_flight = InFlight(self);
        tokio::task::yield_now().await;
        if let Some(gate) = &self.gate {
            gate.wait().await;
            let below = self.expire_below_after_gate.load(Ordering::SeqCst);
            if token_number(&token_of(credential)) < below {
                let mut s = self.state();
                s.valid_from = s.valid_from.max(below);
            }
        }
        self.check_token(credential)?;
        let fault = self
            .state()
            .faults
            .get_mut(&part.number)
            .and_then(|f| f.pop_front());
        let mut stored = body.to_vec();
        match fault {
            Some(Fault::Fail(kind)) => return Err(Error::new(kind, "injected")),
            Some(Fault::Damage) => stored[0] ^= 0xff,
            None => {}
        }
        let mut s = self.state();
        let parts = s
            .sessions
            .get_mut(session.as_str())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "NoSuchUpload"))?;
        let checksum = fnv(&stored);
        let receipt = PartReceipt {
            number: part.number,
            size: stored.len() as u64,
            token: format!("etag-{}-{}", part.number, checksum.value),
            checksum: Some(checksum),
        };
        parts.insert(part.number, stored);
        Ok(receipt)
    }

    async fn list_parts(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
    ) -> Result<Option<Vec<PartReceipt>>> {
        if !self.lists {
            return Ok(None);
        }
        self.check_token(credential)?;
        let s = self.state();
        let parts = s
            .sessions
            .get(session.as_str())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "NoSuchUpload"))?;
        Ok(Some(
            parts
                .iter()
                .map(|(n, bytes)| {
                    let checksum = fnv(bytes);
                    PartReceipt {
                        number: *n,
                        size: bytes.len() as u64,
                        token: format!("etag-{n}-{}", checksum.value),
                        checksum: Some(checksum),
                    }
                })
                .collect(),
        ))
    }

    async fn complete(
        &self,
        credential: &UploadCredential,
        session: &SessionId,
        plan: &Plan,
        parts: &[PartReceipt],
    ) -> Result<StoredObject> {
        self.check_token(credential)?;
        let mut s = self.state();
        let stored = s
            .sessions
            .remove(session.as_str())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "NoSuchUpload"))?;
        let numbers: Vec<u32> = parts.iter().map(|p| p.number).collect();
        let expected: Vec<u32> = plan.parts().map(|p| p.number).collect();
        assert_eq!(numbers, expected, "complete must name every part in order");
        let mut object = Vec::new();
        for p in parts {
            let bytes = &stored[&p.number];
            assert_eq!(p.token, format!("etag-{}-{}", p.number, fnv(bytes).value));
            // Every part comes with the checksum of what was sent, resumed or not.
            assert_eq!(p.checksum, Some(fnv(bytes)), "part {}", p.number);
            object.extend_from_slice(bytes);
        }
        let checksum = fnv(&object);
        s.objects.insert(KEY.into(), object);
        Ok(StoredObject::new(KEY, Some(checksum)))
    }

    async fn abort(&self, credential: &UploadCredential, session: &SessionId) -> Result<()> {
        self.check_token(credential)?;
        let mut s = self.state();
        s.sessions
            .remove(session.as_str())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "NoSuchUpload"))?;
        s.aborted.push(session.as_str().into());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

fn now() -> OffsetDateTime {
    time::macros::datetime!(2026-12-01 00:00:00 UTC)
}

/// A Wangsu-shaped credential whose upload token is `secret-token-<n>`, from its wire form.
fn credential(n: u32, issued: OffsetDateTime, expires: OffsetDateTime) -> UploadCredential {
    serde_json::from_value(serde_json::json!({
        "provider": "wangsu",
        "media_id": MEDIA,
        "target": {
            "type": "wangsu_storage",
            "upload_url": "http://127.0.0.1:1",
            "upload_token": format!("secret-token-{n}"),
            "file_key": KEY,
            "bucket": null,
            "http_dns_server": null
        },
        "issued_at": issued.format(&time::format_description::well_known::Rfc3339).unwrap(),
        "expires_at": expires.format(&time::format_description::well_known::Rfc3339).unwrap(),
        "request_id": null,
        "file_name": "clip.mp4",
        "resume_id": "resume-1"
    }))
    .unwrap()
}

fn fresh(n: u32) -> UploadCredential {
    credential(n, now(), now() + time::Duration::minutes(50))
}

fn token_of(credential: &UploadCredential) -> String {
    match &credential.target {
        vod_core::UploadTarget::WangsuStorage(t) => t.upload_token.expose().to_string(),
        other => panic!("unexpected target {other}"),
    }
}

fn token_number(token: &str) -> u32 {
    token.rsplit('-').next().unwrap().parse().unwrap()
}

/// A handed-over credential number 1, refreshed by a callback that issues 2, 3, ... and counts.
fn callback_source(first: UploadCredential) -> (Arc<dyn CredentialSource>, Arc<AtomicU32>) {
    let refreshes = Arc::new(AtomicU32::new(0));
    let counter = refreshes.clone();
    let source = CallbackSource::new(first, move |request: RefreshRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 2;
        async move {
            assert_eq!(request.media_id, MEDIA);
            Ok(fresh(n))
        }
    });
    (Arc::new(source), refreshes)
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("vod-upload-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, size: usize) -> (PathBuf, Vec<u8>) {
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let path = self.0.join("clip.mp4");
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    }

    fn checkpoint(&self) -> PathBuf {
        self.0.join("clip.ckpt")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn no_wait(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
}

fn options(scratch: &Scratch, concurrency: usize) -> UploadOptions {
    UploadOptions::default()
        .part_size(PART)
        .concurrency(concurrency)
        .retry(no_wait(3))
        .checkpoint(scratch.checkpoint())
}

fn uploader(
    storage: &Arc<MemoryStorageDouble>,
    source: &Arc<dyn CredentialSource>,
    options: UploadOptions,
) -> Uploader {
    Uploader::new(storage.clone(), source.clone())
        .options(options)
        .clock(Arc::new(FixedClock(now())))
}

async fn run(uploader: &Uploader, path: &Path) -> Result<UploadOutcome> {
    tokio::time::timeout(Duration::from_secs(60), uploader.upload(path))
        .await
        .expect("the upload hung")
}

fn problem(err: &Error) -> CheckpointProblem {
    CheckpointError::of(err)
        .unwrap_or_else(|| panic!("not a checkpoint error: {err}"))
        .problem()
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sizes_around_one_part_are_stored_byte_identical() {
    for (size, multipart) in [
        (0, false),
        (1, false),
        (PART - 1, false),
        (PART, false),
        (PART + 1, true),
        (7 * PART + 3, true),
    ] {
        let scratch = Scratch::new();
        let (path, bytes) = scratch.file(size as usize);
        let storage = Arc::new(MemoryStorageDouble::new(true));
        let (source, _) = callback_source(fresh(1));
        let outcome = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
            .await
            .unwrap();
        assert_eq!(storage.object().unwrap(), bytes, "size {size}");
        assert_eq!(outcome.size, size);
        assert_eq!(outcome.media_id, MEDIA);
        assert_eq!(outcome.key, KEY);
        assert_eq!(outcome.checksum, Some(fnv(&bytes)));
        assert_eq!(outcome.parts, size.div_ceil(PART).max(1) as u32);
        let s = storage.state();
        assert_eq!(
            (s.starts == 1, s.puts == 0),
            (multipart, multipart),
            "size {size}"
        );
        drop(s);
        assert!(
            !scratch.checkpoint().exists(),
            "success removes the checkpoint"
        );
    }
}

#[tokio::test]
async fn parts_run_concurrently_up_to_the_bound_and_no_further() {
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(8 * PART as usize);
    // Each part waits until four are in flight: a driver that sends fewer at once never finishes.
    let storage = Arc::new(MemoryStorageDouble::new(true).gated(4));
    let (source, _) = callback_source(fresh(1));
    let outcome = run(&uploader(&storage, &source, options(&scratch, 4)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert_eq!(storage.state().max_in_flight, 4);
    assert!(
        outcome.peak_buffers <= 4,
        "{} buffers",
        outcome.peak_buffers
    );

    // Ungated, with many more parts than the bound: the buffers stay within it.
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(40 * PART as usize + 5);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    let (source, _) = callback_source(fresh(1));
    let outcome = run(&uploader(&storage, &source, options(&scratch, 3)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert!(storage.state().max_in_flight <= 3);
    assert!(
        (1..=3).contains(&outcome.peak_buffers),
        "{}",
        outcome.peak_buffers
    );
}

#[tokio::test]
async fn parts_in_flight_share_one_refresh_when_the_credential_expires() {
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(8 * PART as usize);
    // Four parts are in flight with token 1 when it expires: all four are refused together.
    let storage = Arc::new(MemoryStorageDouble::new(true).gated(4));
    storage.expire_below_after_gate.store(2, Ordering::SeqCst);
    let (source, refreshes) = callback_source(fresh(1));
    let outcome = run(&uploader(&storage, &source, options(&scratch, 4)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh for four parts"
    );
    assert_eq!(outcome.refreshes, 1);
    let s = storage.state();
    assert_eq!(s.starts, 1, "new keys never start a new multipart upload");
    let with_old = s
        .sends
        .iter()
        .filter(|(_, t)| t == "secret-token-1")
        .count();
    assert_eq!(
        with_old, 4,
        "only the four first sends used the expired token"
    );
    for n in 1..=4 {
        let sends: Vec<_> = s.sends.iter().filter(|(p, _)| *p == n).collect();
        assert_eq!(sends.len(), 2, "part {n} is sent again, once");
        assert_eq!(
            sends[1].1, "secret-token-2",
            "re-signed with the new credential"
        );
    }
}

#[tokio::test]
async fn a_credential_near_expiry_is_refreshed_before_it_is_used() {
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(3 * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    // One minute left, a five-minute margin.
    let first = credential(
        1,
        now() - time::Duration::minutes(49),
        now() + time::Duration::minutes(1),
    );
    let (source, refreshes) = callback_source(first);
    run(&uploader(&storage, &source, options(&scratch, 2)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    assert!(
        storage
            .state()
            .sends
            .iter()
            .all(|(_, t)| t == "secret-token-2")
    );
}

#[tokio::test]
async fn a_failed_part_is_retried_and_a_damaged_part_is_resent() {
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(5 * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    storage.fault(
        3,
        &[
            Fault::Fail(ErrorKind::Unavailable),
            Fault::Fail(ErrorKind::Network),
        ],
    );
    storage.fault(2, &[Fault::Damage]);
    storage.fault(5, &[Fault::Fail(ErrorKind::ChecksumMismatch)]);
    let (source, _) = callback_source(fresh(1));
    run(&uploader(&storage, &source, options(&scratch, 2)), &path)
        .await
        .unwrap();
    assert_eq!(
        storage.object().unwrap(),
        bytes,
        "the damaged part was replaced"
    );
    let sent = storage.sent_parts();
    let count = |n| sent.iter().filter(|p| **p == n).count();
    assert_eq!(
        [count(1), count(2), count(3), count(4), count(5)],
        [1, 2, 3, 1, 2]
    );
}

#[tokio::test]
async fn a_refused_part_is_not_retried() {
    let scratch = Scratch::new();
    let (path, _) = scratch.file(3 * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    storage.fault(2, &[Fault::Fail(ErrorKind::PermissionDenied)]);
    let (source, _) = callback_source(fresh(1));
    let err = run(&uploader(&storage, &source, options(&scratch, 1)), &path)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(storage.sent_parts(), [1, 2]);
}

/// Runs an upload of `parts` parts whose part 3 fails for good, at concurrency 1; returns what
/// the first run left.
async fn failed_run(
    scratch: &Scratch,
    lists: bool,
    parts: usize,
) -> (
    Arc<MemoryStorageDouble>,
    Arc<dyn CredentialSource>,
    PathBuf,
    Vec<u8>,
) {
    let (path, bytes) = scratch.file(parts * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(lists));
    storage.fault(3, &[Fault::Fail(ErrorKind::Unavailable); 10]);
    let (source, _) = callback_source(fresh(1));
    let err = run(&uploader(&storage, &source, options(scratch, 1)), &path)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let record = Checkpoint::load(&scratch.checkpoint())
        .unwrap()
        .expect("kept");
    assert_eq!(record.media_id(), MEDIA);
    let done: Vec<u32> = record.parts().iter().map(|p| p.number).collect();
    assert_eq!(done, [1, 2]);
    storage.clear_faults();
    storage.state().sends.clear();
    (storage, source, path, bytes)
}

#[tokio::test]
async fn a_rerun_sends_only_the_missing_parts_under_the_same_media_id() {
    for lists in [true, false] {
        let scratch = Scratch::new();
        let (storage, source, path, bytes) = failed_run(&scratch, lists, 6).await;
        let outcome = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
            .await
            .unwrap();
        assert_eq!(storage.object().unwrap(), bytes);
        let mut sent = storage.sent_parts();
        sent.sort();
        assert_eq!(sent, [3, 4, 5, 6], "lists: {lists}");
        assert_eq!(outcome.parts_resumed, 2);
        assert_eq!(outcome.media_id, MEDIA);
        assert_eq!(storage.state().starts, 1, "the same session");
    }
}

#[tokio::test]
async fn a_resume_trusts_the_vendor_list_over_the_checkpoint() {
    for lists in [true, false] {
        let scratch = Scratch::new();
        let (storage, source, path, bytes) = failed_run(&scratch, lists, 5).await;
        // A kill between storing part 2 and recording it: the checkpoint lacks part 2.
        let ckpt = scratch.checkpoint();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&ckpt).unwrap()).unwrap();
        json["parts"]
            .as_array_mut()
            .unwrap()
            .retain(|p| p["number"] != 2);
        // And part 1 was lost by the vendor (it lists what it really has).
        if lists {
            let session = json["session"].as_str().unwrap().to_string();
            storage
                .state()
                .sessions
                .get_mut(&session)
                .unwrap()
                .remove(&1);
        }
        std::fs::write(&ckpt, serde_json::to_vec(&json).unwrap()).unwrap();

        run(&uploader(&storage, &source, options(&scratch, 1)), &path)
            .await
            .unwrap();
        assert_eq!(storage.object().unwrap(), bytes);
        let sent = storage.sent_parts();
        if lists {
            // Part 2 is recognised by its checksum; part 1 is sent again.
            assert_eq!(sent, [1, 3, 4, 5]);
        } else {
            // Without a list the checkpoint is the only record.
            assert_eq!(sent, [2, 3, 4, 5]);
        }
    }
}

#[tokio::test]
async fn a_session_the_vendor_forgot_is_replaced_under_the_same_media_id() {
    let scratch = Scratch::new();
    let (storage, source, path, bytes) = failed_run(&scratch, true, 4).await;
    storage.state().sessions.clear();
    let outcome = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert_eq!(storage.state().starts, 2);
    assert_eq!(outcome.media_id, MEDIA);
    assert_eq!(outcome.parts_resumed, 0);
}

#[tokio::test]
async fn a_changed_file_starts_afresh_or_fails_when_resuming_strictly() {
    let scratch = Scratch::new();
    let (storage, source, path, _) = failed_run(&scratch, true, 4).await;
    let changed: Vec<u8> = (0..4 * PART as usize + 9).map(|i| (i % 13) as u8).collect();
    std::fs::write(&path, &changed).unwrap();

    let strict = options(&scratch, 2).resume(Resume::Strict);
    let err = run(&uploader(&storage, &source, strict), &path)
        .await
        .unwrap_err();
    assert!(
        matches!(problem(&err), CheckpointProblem::FileChanged(_)),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&scratch.checkpoint().display().to_string())
    );
    assert!(storage.sent_parts().is_empty(), "nothing sent");

    let outcome = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
        .await
        .unwrap();
    assert_eq!(storage.object().unwrap(), changed);
    assert!(outcome.started_afresh.unwrap().contains("changed"));
    let s = storage.state();
    assert_eq!(s.aborted, ["session-1"], "the old session is removed");
    assert_eq!(s.starts, 2);
    assert_eq!(outcome.media_id, MEDIA, "no second video");
}

#[tokio::test]
async fn strict_resume_without_a_checkpoint_is_an_error() {
    let scratch = Scratch::new();
    let (path, _) = scratch.file(3);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    let (source, _) = callback_source(fresh(1));
    let strict = options(&scratch, 1).resume(Resume::Strict);
    let err = run(&uploader(&storage, &source, strict), &path)
        .await
        .unwrap_err();
    assert_eq!(problem(&err), CheckpointProblem::Missing);
}

#[tokio::test]
async fn corrupt_and_foreign_checkpoints_stop_the_run_before_any_vendor_call() {
    let scratch = Scratch::new();
    let (storage, source, path, _) = failed_run(&scratch, true, 4).await;
    let ckpt = scratch.checkpoint();
    let good = std::fs::read_to_string(&ckpt).unwrap();
    let cases = [
        (
            "{\"format\": \"vod-upload-checkpoint\", \"version\": 1, \"par",
            "corrupt",
        ),
        ("{\"op_type\":\"ResumableUpload\"}", "foreign"),
        (
            &*good.replace("\"provider\":\"wangsu\"", "\"provider\":\"aliyun\""),
            "foreign",
        ),
        (&*good.replace("\"number\":2", "\"number\":99"), "corrupt"),
    ];
    for (text, expected) in cases {
        std::fs::write(&ckpt, text).unwrap();
        let err = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
            .await
            .unwrap_err();
        let p = problem(&err);
        let kind = match p {
            CheckpointProblem::Corrupt(_) => "corrupt",
            CheckpointProblem::Foreign(_) => "foreign",
            _ => "other",
        };
        assert_eq!(kind, expected, "{err}");
        assert!(
            err.to_string().contains(&ckpt.display().to_string()),
            "{err}"
        );
    }
    assert!(storage.sent_parts().is_empty());
    assert_eq!(storage.state().starts, 1);

    // A checkpoint of another media id than the credential handed over is foreign too.
    std::fs::write(&ckpt, good.replace(MEDIA, "media-other")).unwrap();
    let err = run(&uploader(&storage, &source, options(&scratch, 2)), &path)
        .await
        .unwrap_err();
    assert!(
        matches!(problem(&err), CheckpointProblem::Foreign(_)),
        "{err}"
    );
}

#[tokio::test]
async fn the_checkpoint_holds_no_secret() {
    let scratch = Scratch::new();
    let (_storage, _source, _, _) = failed_run(&scratch, true, 4).await;
    let text = std::fs::read_to_string(scratch.checkpoint()).unwrap();
    assert!(!text.contains("secret-token"), "{text}");
    assert!(text.contains(MEDIA));
}

#[tokio::test]
async fn abort_removes_the_vendor_session_and_the_checkpoint() {
    let scratch = Scratch::new();
    let (storage, source, _, _) = failed_run(&scratch, true, 4).await;
    let up = uploader(&storage, &source, options(&scratch, 2));
    up.abort(&scratch.checkpoint()).await.unwrap();
    assert_eq!(storage.state().aborted, ["session-1"]);
    assert!(storage.state().sessions.is_empty());
    assert!(!scratch.checkpoint().exists());
    let err = up.abort(&scratch.checkpoint()).await.unwrap_err();
    assert_eq!(problem(&err), CheckpointProblem::Missing);
}

#[tokio::test]
async fn progress_counts_stored_bytes_up_to_the_total() {
    let scratch = Scratch::new();
    let (path, _) = scratch.file(5 * PART as usize + 1);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    storage.fault(2, &[Fault::Damage]);
    let (source, _) = callback_source(fresh(1));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let up = uploader(&storage, &source, options(&scratch, 2))
        .on_progress(move |p| sink.lock().unwrap().push(p));
    run(&up, &path).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first().unwrap().bytes_done, 0);
    let last = seen.last().unwrap();
    assert_eq!(
        (last.bytes_done, last.bytes_total),
        (5 * PART + 1, 5 * PART + 1)
    );
    assert_eq!((last.parts_done, last.parts_total), (6, 6));
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
}

#[tokio::test]
async fn a_missing_file_is_an_input_error_before_any_vendor_call() {
    let scratch = Scratch::new();
    let storage = Arc::new(MemoryStorageDouble::new(true));
    let (source, refreshes) = callback_source(fresh(1));
    let err = run(
        &uploader(&storage, &source, options(&scratch, 2)),
        &scratch.0.join("absent.mp4"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::InvalidInput, Some("file"))
    );
    assert!(err.to_string().contains("absent.mp4"));
    let err = run(
        &uploader(&storage, &source, options(&scratch, 2)),
        &scratch.0,
    )
    .await
    .unwrap_err();
    assert_eq!(err.field(), Some("file"));
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    assert_eq!(storage.state().starts, 0);
}

/// A provider test double: counts creates and refreshes, issues tokens 1, 2, ...
#[derive(Debug, Default)]
struct CountingProvider {
    creates: AtomicU32,
    refreshes: AtomicU32,
}

#[async_trait]
impl UploadCredentialProvider for CountingProvider {
    fn name(&self) -> &'static str {
        "wangsu"
    }

    async fn create_upload(&self, request: &UploadRequest) -> Result<UploadCredential> {
        assert_eq!(request.file_name, "clip.mp4");
        self.creates.fetch_add(1, Ordering::SeqCst);
        Ok(fresh(1))
    }

    async fn refresh_upload(&self, request: &RefreshRequest) -> Result<UploadCredential> {
        assert_eq!(request.media_id, MEDIA);
        assert_eq!(request.resume_id.as_deref(), Some("resume-1"));
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 2;
        Ok(fresh(n))
    }
}

#[tokio::test]
async fn a_provider_source_creates_once_and_resumes_by_refreshing() {
    let scratch = Scratch::new();
    let (path, bytes) = scratch.file(4 * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    storage.fault(3, &[Fault::Fail(ErrorKind::Unavailable); 10]);
    let provider = Arc::new(CountingProvider::default());
    let source: Arc<dyn CredentialSource> = Arc::new(ProviderSource::new(
        provider.clone(),
        UploadRequest::new("clip.mp4"),
    ));
    let up = uploader(&storage, &source, options(&scratch, 1));
    run(&up, &path).await.unwrap_err();
    storage.clear_faults();
    let outcome = run(&up, &path).await.unwrap();
    assert_eq!(storage.object().unwrap(), bytes);
    assert_eq!(outcome.media_id, MEDIA);
    assert_eq!(provider.creates.load(Ordering::SeqCst), 1, "one video");
    assert_eq!(
        provider.refreshes.load(Ordering::SeqCst),
        1,
        "the resume refreshed"
    );
}

#[tokio::test]
async fn a_file_changed_during_the_upload_is_not_completed() {
    let scratch = Scratch::new();
    let (path, _) = scratch.file(4 * PART as usize);
    let storage = Arc::new(MemoryStorageDouble::new(true));
    let (source, _) = callback_source(fresh(1));
    let grown = path.clone();
    let up = uploader(&storage, &source, options(&scratch, 1)).on_progress(move |p| {
        if p.parts_done == 2 {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&grown)
                .unwrap();
            std::io::Write::write_all(&mut f, b"more").unwrap();
        }
    });
    let err = run(&up, &path).await.unwrap_err();
    assert_eq!(err.field(), Some("file"), "{err}");
    assert!(
        err.to_string().contains("changed during the upload"),
        "{err}"
    );
    assert_eq!(storage.object(), None, "nothing completed");
    assert!(scratch.checkpoint().exists());
}

#[test]
fn an_upload_can_be_spawned() {
    fn spawnable<T: Send + 'static>(_: T) {}
    let storage = Arc::new(MemoryStorageDouble::new(true));
    let (source, _) = callback_source(fresh(1));
    let up = Arc::new(uploader(&storage, &source, UploadOptions::default()));
    spawnable(async move { up.upload(Path::new("x")).await });
}
