//! The upload driver: from a file on disk to a stored object, through any vendor's [`Storage`].
//!
//! It reads the file part by part (never more than `concurrency` parts in memory), sends up to
//! `concurrency` parts at once, and after each stored part rewrites the checkpoint. Every request
//! goes through one loop ([`call`]): it signs with the credential of the moment, refreshes it ahead
//! of expiry or when the storage says it expired (then sends the same request again), and retries
//! retryable failures with the core's [`RetryPolicy`]. A multipart session, once started, is kept
//! for the whole upload: new keys never start a new one.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::checkpoint::{Checkpoint, CheckpointError, FileStamp, Problem};
use super::plan::{Mode, PartSpec, Plan};
use super::progress::{BufferGauge, PartBuffer, Progress, ProgressFn, UploadOutcome};
use super::source::{CredentialSource, SharedCredential};
use super::storage::{Checksum, PartReceipt, SessionId, Storage};
use crate::layer::{DEFAULT_MARGIN, RetryPolicy};
use crate::{Clock, Error, ErrorKind, Result, SystemClock, UploadCredential};

/// The part size used unless set: 8 MiB (a multiple of Wangsu's 4 MiB blocks, above OSS's
/// 100 KiB minimum). In the upload benchmark (`scripts/bench-upload.sh`, 1 GiB on 2 vCPUs; see
/// BENCHMARKS.md) parts of 4 to 32 MiB were equally fast within the noise; 8 MiB holds half the
/// memory of 16 MiB and sends half the requests of 4 MiB.
pub const DEFAULT_PART_SIZE: u64 = 8 << 20;
/// Parts in flight unless set: in the same benchmark 4 was faster than 1 and 8 for both
/// vendors.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Times one request may meet "credential expired" (each time after a refresh) before it fails.
const MAX_EXPIRED_PER_REQUEST: u32 = 3;

/// What to do with a checkpoint found for the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resume {
    /// Resume when the checkpoint matches the file; when the file changed, say so (in the
    /// outcome and a warning) and start afresh. With no checkpoint, start afresh.
    #[default]
    Auto,
    /// Resume or fail: a missing checkpoint or a changed file is an error.
    Strict,
}

/// How an [`Uploader`] cuts, sends and records.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UploadOptions {
    /// The preferred part size; the vendor's rules may raise it.
    pub part_size: u64,
    /// Parts sent at once, and the most part buffers held in memory.
    pub concurrency: usize,
    /// How each request is retried.
    pub retry: RetryPolicy,
    /// Refresh the credential when less than this is left (at most half its lifetime).
    pub refresh_margin: time::Duration,
    /// Where the checkpoint lives; `None` keeps none (a failed upload cannot resume).
    pub checkpoint: Option<PathBuf>,
    /// What to do with a checkpoint found there.
    pub resume: Resume,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            part_size: DEFAULT_PART_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            refresh_margin: DEFAULT_MARGIN,
            checkpoint: None,
            resume: Resume::Auto,
        }
    }
}

impl UploadOptions {
    /// Sets the preferred part size.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Sets the parts in flight (at least 1).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// Sets the retry policy of each request.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the refresh margin.
    pub fn refresh_margin(mut self, margin: time::Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Keeps the checkpoint at `path`.
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Sets what to do with a checkpoint found.
    pub fn resume(mut self, mode: Resume) -> Self {
        self.resume = mode;
        self
    }
}

/// Uploads files through one vendor's storage with credentials from one source.
pub struct Uploader {
    storage: Arc<dyn Storage>,
    source: Arc<dyn CredentialSource>,
    options: UploadOptions,
    clock: Arc<dyn Clock>,
    progress: Option<Arc<ProgressFn>>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader")
            .field("storage", &self.storage)
            .field("source", &self.source)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// What a run resumes from.
enum Prior {
    /// Nothing: a new upload.
    None,
    /// A checkpoint of this file, unchanged.
    Resume(Checkpoint),
    /// A checkpoint of this file as it was before it changed: same media id, new session.
    Stale(Checkpoint, String),
}

impl Uploader {
    /// An uploader with default options and no progress callback.
    pub fn new(storage: Arc<dyn Storage>, source: Arc<dyn CredentialSource>) -> Self {
        Self {
            storage,
            source,
            options: UploadOptions::default(),
            clock: Arc::new(SystemClock),
            progress: None,
        }
    }

    /// Sets the options.
    pub fn options(mut self, options: UploadOptions) -> Self {
        self.options = options;
        self
    }

    /// Judges credential expiry by `clock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Calls `f` with the progress each time a part is stored.
    ///
    /// For a channel instead of a callback, send from it:
    ///
    /// ```
    /// # use vod_core::upload::{Progress, Uploader};
    /// fn watched(up: Uploader) -> (Uploader, tokio::sync::watch::Receiver<Option<Progress>>) {
    ///     let (tx, rx) = tokio::sync::watch::channel(None);
    ///     (up.on_progress(move |p| { let _ = tx.send(Some(p)); }), rx)
    /// }
    /// ```
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    fn report(&self, progress: Progress) {
        if let Some(f) = &self.progress {
            f(progress);
        }
    }

    /// Uploads the file at `path`, resuming from the checkpoint when there is one for it.
    ///
    /// On failure the checkpoint (if configured) is kept with every part stored so far, so the
    /// same call again sends only what is missing, to the same media id. On success it is
    /// removed.
    pub async fn upload(&self, path: &Path) -> Result<UploadOutcome> {
        let started = Instant::now();
        let (source_path, stamp) = inspect(path)?;
        let rules = self.storage.rules();
        let prior = self.prior(&source_path, stamp)?;

        let (plan, first) = match &prior {
            Prior::Resume(c) => {
                let plan = Plan::resume(stamp.size, c.part_size, &rules)
                    .map_err(|e| self.corrupt(e.message().to_string()))?;
                check_parts(c, &plan).map_err(|why| self.corrupt(why))?;
                (plan, self.refresh_for(c).await?)
            }
            Prior::Stale(c, _) => (
                Plan::new(stamp.size, self.options.part_size, &rules)?,
                self.refresh_for(c).await?,
            ),
            Prior::None => {
                let plan = Plan::new(stamp.size, self.options.part_size, &rules)?;
                let first = self.source.create().await?;
                if first.provider != self.storage.provider() {
                    return Err(Error::config(
                        "provider",
                        format!(
                            "the credential is from {}, the storage takes {}",
                            first.provider,
                            self.storage.provider()
                        ),
                    ));
                }
                (plan, first)
            }
        };
        let shared = Arc::new(SharedCredential::new(
            self.source.clone(),
            self.clock.clone(),
            self.options.refresh_margin,
            first.clone(),
        ));

        let started_afresh = match &prior {
            Prior::Stale(old, why) => {
                if let Some(session) = &old.session {
                    // Best effort: the old session's parts are of another file.
                    let aborted = call(&shared, &self.options.retry, |c| {
                        let session = session.clone();
                        async move { self.storage.abort(&c, &session).await }
                    })
                    .await;
                    if let Err(e) = aborted {
                        tracing::warn!(error = %e, "could not abort the upload session of the changed file");
                    }
                }
                Some(why.clone())
            }
            _ => None,
        };
        let mut record = match prior {
            Prior::Resume(c) => c,
            _ => Checkpoint::new(&first, source_path.clone(), stamp, plan.part_size()),
        };

        let mut run = Run {
            up: self,
            shared,
            plan,
            source_path,
            gauge: Arc::new(BufferGauge::default()),
            parts_resumed: 0,
        };
        let object = match plan.mode() {
            Mode::Single => run.single(&mut record).await?,
            Mode::Multipart => run.multipart(&mut record).await?,
        };
        if let Some(path) = &self.options.checkpoint {
            Checkpoint::remove(path)?;
        }
        Ok(UploadOutcome {
            provider: record.provider,
            media_id: record.media_id,
            key: object.key,
            size: plan.size(),
            parts: plan.part_count(),
            parts_resumed: run.parts_resumed,
            refreshes: run.shared.refreshes(),
            peak_buffers: run.gauge.peak(),
            elapsed: started.elapsed(),
            checksum: object.checksum,
            started_afresh,
        })
    }

    /// Abandons the upload recorded at `checkpoint`: removes what the vendor holds for it, then
    /// the checkpoint. A session the vendor no longer knows is not an error.
    pub async fn abort(&self, checkpoint: &Path) -> Result<()> {
        let Some(record) = Checkpoint::load(checkpoint)? else {
            return Err(CheckpointError::new(checkpoint, Problem::Missing).into());
        };
        if record.provider != self.storage.provider() {
            return Err(CheckpointError::new(
                checkpoint,
                Problem::Foreign(format!(
                    "an upload to {}, not {}",
                    record.provider,
                    self.storage.provider()
                )),
            )
            .into());
        }
        if let Some(session) = &record.session {
            let first = self.refresh_for(&record).await?;
            let shared = SharedCredential::new(
                self.source.clone(),
                self.clock.clone(),
                self.options.refresh_margin,
                first,
            );
            let aborted = call(&shared, &self.options.retry, |c| {
                let session = session.clone();
                async move { self.storage.abort(&c, &session).await }
            })
            .await;
            match aborted {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Checkpoint::remove(checkpoint)
    }

    /// What the checkpoint says about this file.
    fn prior(&self, source_path: &Path, stamp: FileStamp) -> Result<Prior> {
        let Some(path) = &self.options.checkpoint else {
            return Ok(Prior::None);
        };
        let Some(record) = Checkpoint::load(path)? else {
            return match self.options.resume {
                Resume::Auto => Ok(Prior::None),
                Resume::Strict => Err(CheckpointError::new(path, Problem::Missing).into()),
            };
        };
        let identity = record.check_identity(
            self.storage.provider(),
            source_path,
            stamp,
            self.source.media_id(),
        );
        match identity {
            Ok(()) => Ok(Prior::Resume(record)),
            Err(Problem::FileChanged(why)) if self.options.resume == Resume::Auto => {
                let why = format!(
                    "checkpoint {} {}",
                    path.display(),
                    Problem::FileChanged(why)
                );
                tracing::warn!("{why}; starting afresh");
                Ok(Prior::Stale(record, why))
            }
            Err(problem) => Err(CheckpointError::new(path, problem).into()),
        }
    }

    fn corrupt(&self, why: String) -> Error {
        let path = self.options.checkpoint.as_deref().unwrap_or(Path::new(""));
        CheckpointError::new(path, Problem::Corrupt(why)).into()
    }

    /// A credential for the recorded upload's media id.
    async fn refresh_for(&self, record: &Checkpoint) -> Result<UploadCredential> {
        let fresh = self.source.refresh(&record.refresh_request()).await?;
        if fresh.media_id != record.media_id {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "a refresh of media {} answered a credential of media {}",
                    record.media_id, fresh.media_id
                ),
            ));
        }
        Ok(fresh)
    }

    fn save(&self, record: &Checkpoint) -> impl Future<Output = Result<()>> + use<> {
        let job = self.options.checkpoint.clone().map(|path| {
            let record = record.clone();
            tokio::task::spawn_blocking(move || record.save(&path))
        });
        async move {
            match job {
                None => Ok(()),
                Some(job) => job.await.map_err(|e| {
                    Error::new(
                        ErrorKind::Config,
                        format!("writing the checkpoint stopped: {e}"),
                    )
                })?,
            }
        }
    }
}

/// The state of one run of [`Uploader::upload`].
struct Run<'a> {
    up: &'a Uploader,
    shared: Arc<SharedCredential>,
    plan: Plan,
    source_path: PathBuf,
    gauge: Arc<BufferGauge>,
    parts_resumed: u32,
}

impl Run<'_> {
    fn progress(&self, record: &Checkpoint) -> Progress {
        Progress {
            bytes_done: record.parts.iter().map(|p| p.size).sum(),
            bytes_total: self.plan.size(),
            parts_done: record.parts.len() as u32,
            parts_total: self.plan.part_count(),
        }
    }

    /// The whole file in one request.
    async fn single(&mut self, record: &mut Checkpoint) -> Result<super::StoredObject> {
        // Recorded first, so a rerun after a failure keeps the media id.
        self.up.save(record).await?;
        self.up.report(self.progress(record));
        let file = open(&self.source_path).await?;
        let spec = self.plan.part(1).expect("a plan has part 1");
        let body = read_part(&file, spec, &self.gauge, &self.source_path).await?;
        let storage = &self.up.storage;
        let object = call_final(&self.shared, &self.up.options.retry, |c| {
            let bytes = body.bytes.clone();
            async move { storage.put_object(&c, bytes).await }
        })
        .await?;
        drop(body);
        self.up.report(Progress {
            bytes_done: self.plan.size(),
            parts_done: 1,
            ..self.progress(record)
        });
        Ok(object)
    }

    /// Numbered parts, then complete.
    async fn multipart(&mut self, record: &mut Checkpoint) -> Result<super::StoredObject> {
        let storage = self.up.storage.clone();
        let retry = self.up.options.retry.clone();
        let plan = self.plan;
        let session = match record.session.clone() {
            Some(session) => {
                self.reconcile(record, &session).await?;
                record.session.clone().unwrap_or(session)
            }
            None => {
                let session = call(&self.shared, &retry, |c| {
                    let storage = storage.clone();
                    async move { storage.start(&c, &plan).await }
                })
                .await?;
                record.session = Some(session.clone());
                session
            }
        };
        self.up.save(record).await?;
        self.parts_resumed = record.parts.len() as u32;
        self.up.report(self.progress(record));

        let missing: Vec<PartSpec> = plan
            .parts()
            .filter(|p| {
                record
                    .parts
                    .binary_search_by_key(&p.number, |r| r.number)
                    .is_err()
            })
            .collect();
        let concurrency = self.up.options.concurrency.max(1);
        let file = open(&self.source_path).await?;
        let mut tasks = JoinSet::new();
        let mut failure: Option<Error> = None;
        for spec in missing {
            while tasks.len() >= concurrency && failure.is_none() {
                let joined = tasks.join_next().await.expect("the set is not empty");
                self.finished(record, joined, &mut failure).await;
            }
            if failure.is_some() {
                break;
            }
            let body = match read_part(&file, spec, &self.gauge, &self.source_path).await {
                Ok(body) => body,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            tasks.spawn(send_part(
                self.shared.clone(),
                storage.clone(),
                retry.clone(),
                session.clone(),
                spec,
                body,
            ));
        }
        while let Some(joined) = tasks.join_next().await {
            self.finished(record, joined, &mut failure).await;
        }
        if let Some(e) = failure {
            return Err(e);
        }

        // The parts were read over minutes or hours: a file changed meanwhile would be stored as
        // a mix of two versions.
        let (_, now) = inspect(&self.source_path)?;
        if now != record.file {
            return Err(Error::invalid_input(
                "file",
                format!(
                    "{} changed during the upload; run again to upload it afresh",
                    self.source_path.display()
                ),
            ));
        }
        let parts = record.parts.clone();
        call_final(&self.shared, &retry, |c| {
            let (storage, session, parts) = (storage.clone(), session.clone(), &parts);
            async move { storage.complete(&c, &session, &plan, parts).await }
        })
        .await
    }

    /// Takes in one finished part task: records and reports a stored part, keeps the first
    /// failure.
    async fn finished(
        &self,
        record: &mut Checkpoint,
        joined: std::result::Result<Result<PartReceipt>, tokio::task::JoinError>,
        failure: &mut Option<Error>,
    ) {
        let stored = joined.unwrap_or_else(|e| {
            Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("a part upload stopped unexpectedly: {e}"),
            ))
        });
        match stored {
            Ok(receipt) => {
                record.record(receipt);
                if let Err(e) = self.up.save(record).await {
                    failure.get_or_insert(e);
                }
                self.up.report(self.progress(record));
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }

    /// Brings the record in line with what the vendor holds for `session`, when it can say.
    ///
    /// A part counts as stored when the vendor lists it with the planned size and either the
    /// token the record has, or a checksum equal to ours of that range of the file (a part stored
    /// just before a kill, not yet recorded). A part the vendor does not list is sent again. A
    /// session the vendor no longer knows is replaced by a new one, under the same media id.
    async fn reconcile(&mut self, record: &mut Checkpoint, session: &SessionId) -> Result<()> {
        let storage = self.up.storage.clone();
        let listed = call(&self.shared, &self.up.options.retry, |c| {
            let (storage, session) = (storage.clone(), session.clone());
            async move { storage.list_parts(&c, &session).await }
        })
        .await;
        let listed = match listed {
            Ok(Some(listed)) => listed,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tracing::warn!(
                    "the vendor no longer knows upload session {}; starting a new one",
                    session.as_str()
                );
                let plan = self.plan;
                let new = call(&self.shared, &self.up.options.retry, |c| {
                    let storage = storage.clone();
                    async move { storage.start(&c, &plan).await }
                })
                .await?;
                record.session = Some(new);
                record.parts.clear();
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let mut opened = None;
        let mut kept = Vec::new();
        for part in listed {
            let Some(spec) = self.plan.part(part.number) else {
                continue;
            };
            if part.size != spec.len {
                continue;
            }
            let known = record
                .parts
                .iter()
                .find(|r| r.number == part.number && r.token == part.token);
            if let Some(known) = known {
                let agrees = match (&known.checksum, &part.checksum) {
                    (Some(ours), Some(theirs)) => ours == theirs,
                    _ => true,
                };
                if agrees {
                    kept.push(known.clone());
                }
                continue;
            }
            let Some(theirs) = &part.checksum else {
                continue;
            };
            let file = match &opened {
                Some(file) => Arc::clone(file),
                None => opened.insert(open(&self.source_path).await?).clone(),
            };
            let body = read_part(&file, spec, &self.gauge, &self.source_path).await?;
            let ours = storage.part_checksum(&body.bytes);
            if &ours == theirs {
                kept.push(PartReceipt {
                    checksum: Some(ours),
                    ..part
                });
            }
        }
        kept.sort_by_key(|p| p.number);
        kept.dedup_by_key(|p| p.number);
        record.parts = kept;
        Ok(())
    }
}

/// Sends one part until it is stored with the checksum of what was sent, or fails for good.
async fn send_part(
    shared: Arc<SharedCredential>,
    storage: Arc<dyn Storage>,
    retry: RetryPolicy,
    session: SessionId,
    spec: PartSpec,
    body: PartBuffer,
) -> Result<PartReceipt> {
    let ours = storage.part_checksum(&body.bytes);
    let receipt = call(&shared, &retry, |c| {
        let (storage, session, bytes, ours) = (&storage, &session, body.bytes.clone(), &ours);
        async move {
            let receipt = storage.send_part(&c, session, spec, bytes, ours).await?;
            check_receipt(&receipt, spec, ours)?;
            Ok(receipt)
        }
    })
    .await?;
    drop(body);
    Ok(PartReceipt {
        checksum: Some(ours),
        ..receipt
    })
}

/// A receipt for another part, another size or other bytes than sent is a damaged part.
fn check_receipt(receipt: &PartReceipt, spec: PartSpec, ours: &Checksum) -> Result<()> {
    let problem = if receipt.number != spec.number {
        Some(format!("the storage answered for part {}", receipt.number))
    } else if receipt.size != spec.len {
        Some(format!(
            "the storage received {} of {} bytes",
            receipt.size, spec.len
        ))
    } else {
        match &receipt.checksum {
            Some(theirs) if theirs != ours => {
                Some(format!("the storage has {theirs}, we sent {ours}"))
            }
            _ => None,
        }
    };
    match problem {
        None => Ok(()),
        Some(why) => Err(Error::new(
            ErrorKind::ChecksumMismatch,
            format!("part {} arrived damaged: {why}", spec.number),
        )),
    }
}

/// Runs one storage request: with the credential of the moment, refreshed ahead of expiry and
/// when the storage says it expired (then the same request again), retried with backoff when
/// the failure is retryable.
async fn call<T, F, Fut>(shared: &SharedCredential, policy: &RetryPolicy, mut op: F) -> Result<T>
where
    F: FnMut(Arc<UploadCredential>) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = Instant::now();
    let mut attempt = 1;
    let mut expired = 0;
    loop {
        let (generation, credential) = shared.get().await?;
        let err = match op(credential).await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if err.kind().needs_new_credential() {
            expired += 1;
            if expired >= MAX_EXPIRED_PER_REQUEST {
                return Err(err);
            }
            shared.refresh_after(generation).await?;
            continue;
        }
        if !err.is_retryable() || attempt >= policy.max_attempts {
            return Err(err);
        }
        let delay = policy.delay(attempt, &err);
        if started.elapsed() + delay > policy.max_elapsed {
            return Err(err);
        }
        tracing::debug!(
            attempt,
            error = err.kind().as_str(),
            "retrying a storage request"
        );
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// [`call`] for the request that makes the object (the single upload, Complete). Once it has
/// succeeded, sending it again can fail because it succeeded: OSS no longer knows a completed
/// upload, Wangsu refuses to overwrite the file it stored. So when an attempt got no answer,
/// the final error says the object may be stored and is outcome-unknown, rather than passing
/// for a plain failure. Nothing is reported stored without the vendor's answer.
async fn call_final<T, F, Fut>(
    shared: &SharedCredential,
    policy: &RetryPolicy,
    mut op: F,
) -> Result<T>
where
    F: FnMut(Arc<UploadCredential>) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let unanswered = AtomicBool::new(false);
    let result = call(shared, policy, |c| {
        let attempt = op(c);
        let unanswered = &unanswered;
        async move {
            let result = attempt.await;
            // The transport marks what was sent and got no answer in the vendor's format (a
            // refused connection is not: that request never left).
            if result.as_ref().is_err_and(Error::is_outcome_unknown) {
                unanswered.store(true, Ordering::SeqCst);
            }
            result
        }
    })
    .await;
    result.map_err(|e| {
        if unanswered.load(Ordering::SeqCst) {
            e.in_context("an attempt got no answer and may have stored the object (asking again cannot tell)")
                .with_outcome_unknown()
        } else {
            e
        }
    })
}

/// The file's absolute path and stamp, or a clear error before any vendor call.
fn inspect(path: &Path) -> Result<(PathBuf, FileStamp)> {
    let unreadable = |e: std::io::Error| {
        Error::invalid_input("file", format!("{} cannot be read: {e}", path.display()))
    };
    let absolute = std::fs::canonicalize(path).map_err(unreadable)?;
    let meta = std::fs::metadata(&absolute).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(Error::invalid_input(
            "file",
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok((absolute, FileStamp::of(&meta)))
}

/// Every recorded part must be a part of the plan, of its planned size.
fn check_parts(record: &Checkpoint, plan: &Plan) -> std::result::Result<(), String> {
    for part in &record.parts {
        match plan.part(part.number) {
            Some(spec) if spec.len == part.size => {}
            _ => {
                return Err(format!(
                    "part {} of {} bytes is not in a plan of {} parts of {} bytes",
                    part.number,
                    part.size,
                    plan.part_count(),
                    plan.part_size()
                ));
            }
        }
    }
    Ok(())
}

/// Opens the file to upload. Parts are read at their offsets on the blocking pool, one
/// positioned read straight into the part's buffer: `tokio::fs::File` would read through its own
/// 2 MiB buffer and copy every byte once more.
async fn open(path: &Path) -> Result<Arc<std::fs::File>> {
    let file = tokio::fs::File::open(path).await.map_err(|e| {
        Error::invalid_input("file", format!("{} cannot be read: {e}", path.display()))
    })?;
    Ok(Arc::new(file.into_std().await))
}

/// Reads one part from the file into a counted buffer.
async fn read_part(
    file: &Arc<std::fs::File>,
    spec: PartSpec,
    gauge: &Arc<BufferGauge>,
    path: &Path,
) -> Result<PartBuffer> {
    let unreadable = |e: std::io::Error| {
        Error::invalid_input(
            "file",
            format!(
                "{} cannot be read at byte {} ({e}); was it changed during the upload?",
                path.display(),
                spec.offset
            ),
        )
    };
    let len = usize::try_from(spec.len)
        .map_err(|_| Error::invalid_input("part_size", "does not fit in memory"))?;
    let file = Arc::clone(file);
    let mut buf = gauge.buffer(len);
    let read = tokio::task::spawn_blocking(move || {
        read_exact_at(&file, &mut buf, spec.offset).map(|()| buf)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|read| read)
    .map_err(unreadable)?;
    Ok(gauge.hold(read.freeze()))
}

/// Fills `buf` from `file` at `offset`.
#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset` (parts are read one at a time, so seeking the shared
/// handle is safe).
#[cfg(not(unix))]
fn read_exact_at(mut file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    file.seek(std::io::SeekFrom::Start(offset))?;
    file.read_exact(buf)
}
