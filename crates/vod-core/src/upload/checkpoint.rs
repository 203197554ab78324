//! The record that lets a rerun continue an upload instead of starting over.
//!
//! After every part the driver rewrites one small JSON file: which upload this is (provider,
//! media id, the vendor's session id), which file it reads (path, size, modification time), how it
//! is cut (part size) and which parts are stored (with the vendor's token and our checksum). A
//! rerun of the same file picks it up; another process can too.
//!
//! The file is replaced atomically (written beside it, flushed to disk, renamed over it), so a
//! kill at any moment leaves either the previous record or the new one, never half of one. It
//! holds no secret: credentials are fetched again on resume, never stored here.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::storage::{PartReceipt, SessionId};
use crate::{Error, ErrorKind, RefreshRequest, Result, UploadCredential};

/// The value of the `format` field: what marks a file as ours.
const FORMAT: &str = "vod-upload-checkpoint";
/// The version of the layout below.
const VERSION: u32 = 1;

/// The size and modification time of a file: what says it has not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileStamp {
    pub(crate) size: u64,
    /// Seconds and nanoseconds since the Unix epoch (negative seconds before it).
    pub(crate) mtime_secs: i64,
    pub(crate) mtime_nanos: u32,
}

impl FileStamp {
    pub(crate) fn of(meta: &fs::Metadata) -> Self {
        let (mtime_secs, mtime_nanos) = match meta.modified() {
            Ok(t) => match t.duration_since(UNIX_EPOCH) {
                Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
                Err(before) => (-(before.duration().as_secs() as i64), 0),
            },
            Err(_) => (0, 0),
        };
        Self {
            size: meta.len(),
            mtime_secs,
            mtime_nanos,
        }
    }
}

/// A resumable upload's record, as stored in its checkpoint file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    format: String,
    version: u32,
    pub(crate) provider: String,
    pub(crate) media_id: String,
    pub(crate) file_name: String,
    pub(crate) resume_id: Option<String>,
    pub(crate) source: PathBuf,
    pub(crate) file: FileStamp,
    pub(crate) part_size: u64,
    pub(crate) session: Option<SessionId>,
    pub(crate) parts: Vec<PartReceipt>,
}

impl Checkpoint {
    pub(crate) fn new(
        credential: &UploadCredential,
        source: PathBuf,
        file: FileStamp,
        part_size: u64,
    ) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            provider: credential.provider.clone(),
            media_id: credential.media_id.clone(),
            file_name: credential.file_name.clone(),
            resume_id: credential.resume_id.clone(),
            source,
            file,
            part_size,
            session: None,
            parts: Vec::new(),
        }
    }

    /// Reads the checkpoint at `path`; `Ok(None)` when there is none.
    ///
    /// A file that is not a checkpoint of this library, or one that is damaged, is an error whose
    /// source is a [`CheckpointError`] naming the path and the problem.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let text = match fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CheckpointError::new(path, Problem::Unreadable(e.to_string())).into());
            }
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|p| CheckpointError::new(path, p).into())
    }

    fn parse(text: &[u8]) -> std::result::Result<Self, Problem> {
        let value: serde_json::Value = serde_json::from_slice(text)
            .map_err(|e| Problem::Corrupt(format!("not JSON ({e})")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            _ => return Err(Problem::Foreign("not a vod upload checkpoint".into())),
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(Problem::Foreign(format!(
                    "format version {v}, this library reads version {VERSION}"
                )));
            }
            None => return Err(Problem::Corrupt("no format version".into())),
        }
        let checkpoint: Self =
            serde_json::from_value(value).map_err(|e| Problem::Corrupt(e.to_string()))?;
        checkpoint.check_parts()?;
        Ok(checkpoint)
    }

    fn check_parts(&self) -> std::result::Result<(), Problem> {
        if self.part_size == 0 {
            return Err(Problem::Corrupt("part size 0".into()));
        }
        let mut previous = 0;
        for part in &self.parts {
            if part.number <= previous {
                return Err(Problem::Corrupt(format!(
                    "part {} is out of order or repeated",
                    part.number
                )));
            }
            previous = part.number;
        }
        Ok(())
    }

    /// Writes the checkpoint to `path` atomically: to a temporary file beside it, flushed to
    /// disk, then renamed over it.
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let write_error = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Config,
                format!("cannot {what} the checkpoint {}: {e}", path.display()),
            )
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(|e| write_error("create the folder of", e))?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let temp = dir.join(format!(
            ".{}.{}.tmp",
            file_name.as_deref().unwrap_or("checkpoint"),
            uuid::Uuid::new_v4().simple()
        ));
        let text = serde_json::to_vec(self)
            .map_err(|e| Error::new(ErrorKind::Config, format!("checkpoint: {e}")))?;
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(write_error("write", e));
        }
        // The rename is durable once the folder's entry is; not every platform can sync a folder.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Removes the checkpoint at `path`; no file is not an error.
    pub(crate) fn remove(path: &Path) -> Result<()> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::new(
                ErrorKind::Config,
                format!("cannot remove the checkpoint {}: {e}", path.display()),
            )),
        }
    }

    /// Whether this checkpoint is of this upload: the same provider, file and (when the source
    /// is bound to one) media id, and the file unchanged since.
    pub(crate) fn check_identity(
        &self,
        provider: &str,
        source: &Path,
        file: FileStamp,
        media_id: Option<&str>,
    ) -> std::result::Result<(), Problem> {
        if self.provider != provider {
            return Err(Problem::Foreign(format!(
                "an upload to {}, not {provider}",
                self.provider
            )));
        }
        if self.source != source {
            return Err(Problem::Foreign(format!(
                "an upload of {}, not {}",
                self.source.display(),
                source.display()
            )));
        }
        if let Some(id) = media_id.filter(|id| *id != self.media_id) {
            return Err(Problem::Foreign(format!(
                "media {}, not the credential's media {id}",
                self.media_id
            )));
        }
        if self.file != file {
            return Err(Problem::FileChanged(format!(
                "{} bytes modified at {}.{:09} then, {} bytes modified at {}.{:09} now",
                self.file.size,
                self.file.mtime_secs,
                self.file.mtime_nanos,
                file.size,
                file.mtime_secs,
                file.mtime_nanos
            )));
        }
        Ok(())
    }

    /// The provider of the upload.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The media id of the upload (the same video on every resume).
    pub fn media_id(&self) -> &str {
        &self.media_id
    }

    /// The vendor's multipart session (OSS upload id, Wangsu batch id), once one was started;
    /// `None` for a single-request upload.
    pub fn session(&self) -> Option<&SessionId> {
        self.session.as_ref()
    }

    /// The file the upload reads.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The parts recorded as stored, in part order, with the vendor's token and our checksum.
    pub fn parts(&self) -> &[PartReceipt] {
        &self.parts
    }

    /// The refresh request for this upload's media id, with what the provider needs to issue
    /// again (the file name and resume id Wangsu asks for).
    pub fn refresh_request(&self) -> RefreshRequest {
        RefreshRequest {
            provider: Some(self.provider.clone()),
            media_id: self.media_id.clone(),
            file_name: Some(self.file_name.clone()),
            resume_id: self.resume_id.clone(),
        }
    }

    /// Records a stored part, keeping the list in part order.
    pub(crate) fn record(&mut self, part: PartReceipt) {
        match self.parts.binary_search_by_key(&part.number, |p| p.number) {
            Ok(i) => self.parts[i] = part,
            Err(i) => self.parts.insert(i, part),
        }
    }
}

/// What is wrong with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The file could not be read.
    Unreadable(String),
    /// The file is a checkpoint of this library but damaged (not JSON, a field missing or wrong).
    Corrupt(String),
    /// The file is not a checkpoint of this library, or of another upload (another provider,
    /// file, media id or format version).
    Foreign(String),
    /// The file it records has changed size or modification time since.
    FileChanged(String),
    /// Resuming was required and there is no checkpoint.
    Missing,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "cannot be read: {why}"),
            Self::Corrupt(why) => write!(f, "is damaged: {why}"),
            Self::Foreign(why) => write!(f, "belongs to something else: {why}"),
            Self::FileChanged(why) => write!(f, "records a file that has changed since: {why}"),
            Self::Missing => f.write_str("does not exist, so there is nothing to resume"),
        }
    }
}

/// A checkpoint that cannot be used, with its path and the problem.
///
/// It travels as the [source](std::error::Error::source) of a [`vod_core::Error`](crate::Error)
/// of kind [`InvalidInput`](crate::ErrorKind::InvalidInput); [`CheckpointError::of`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointError {
    path: PathBuf,
    problem: Problem,
}

impl CheckpointError {
    pub(crate) fn new(path: &Path, problem: Problem) -> Self {
        Self {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// The checkpoint's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The checkpoint error behind `err`, if it is one.
    pub fn of(err: &Error) -> Option<&Self> {
        std::error::Error::source(err)?.downcast_ref()
    }
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "checkpoint {} {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for CheckpointError {}

impl From<CheckpointError> for Error {
    fn from(err: CheckpointError) -> Self {
        Error::new(ErrorKind::InvalidInput, err.to_string()).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::storage::Checksum;

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vod-ckpt-{}", uuid::Uuid::new_v4().simple()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// An Aliyun credential, built from its wire form (which stays stable as constructors change).
    fn credential() -> UploadCredential {
        serde_json::from_value(serde_json::json!({
            "provider": "aliyun",
            "media_id": "93ab850b4f6f54b6e91d24d81d4d1234",
            "target": {
                "type": "oss",
                "endpoint": "https://oss-cn-shanghai.aliyuncs.com",
                "bucket": "outin-0123",
                "object_key": "sv/a/a.mp4",
                "object_prefix": null,
                "region": "cn-shanghai",
                "access_key_id": "STS.NTestAccessKeyId",
                "access_key_secret": "TestAccessKeySecret",
                "security_token": "CAIS+test/token=="
            },
            "issued_at": "2024-01-02T03:04:05Z",
            "expires_at": "2024-01-02T03:54:05Z",
            "request_id": "25818875-5F78",
            "file_name": "a.mp4",
            "resume_id": null
        }))
        .unwrap()
    }

    fn sample() -> Checkpoint {
        let cred = credential();
        let mut c = Checkpoint::new(
            &cred,
            PathBuf::from("/videos/a.mp4"),
            FileStamp {
                size: 300,
                mtime_secs: 1_700_000_000,
                mtime_nanos: 5,
            },
            100,
        );
        c.session = Some(SessionId::new("0004B9895DBBB6EC98E36A1F2DAD1234"));
        c.record(PartReceipt {
            number: 2,
            size: 100,
            token: "\"ETAG2\"".into(),
            checksum: Some(Checksum::new("crc64ecma", "42")),
        });
        c.record(PartReceipt {
            number: 1,
            size: 100,
            token: "\"ETAG1\"".into(),
            checksum: None,
        });
        c
    }

    fn problem(path: &Path) -> Problem {
        let err = Checkpoint::load(path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        CheckpointError::of(&err).unwrap().problem().clone()
    }

    #[test]
    fn round_trip_keeps_everything_in_part_order() {
        let dir = temp_dir();
        let path = dir.join("a.ckpt");
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let c = sample();
        c.save(&path).unwrap();
        let back = Checkpoint::load(&path).unwrap().unwrap();
        assert_eq!(back, c);
        assert_eq!(
            back.parts.iter().map(|p| p.number).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(back.media_id(), "93ab850b4f6f54b6e91d24d81d4d1234");
        assert_eq!(back.refresh_request().media_id, back.media_id);
        Checkpoint::remove(&path).unwrap();
        Checkpoint::remove(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn holds_no_secret_of_the_credential() {
        let dir = temp_dir();
        let path = dir.join("a.ckpt");
        sample().save(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let cred = credential();
        let crate::UploadTarget::Oss(t) = &cred.target else {
            unreachable!()
        };
        assert!(!text.contains(t.access_key_secret.expose()));
        assert!(!text.contains(t.security_token.expose()));
        assert!(!text.contains(&t.access_key_id));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn corrupt_files_are_clear_errors() {
        let dir = temp_dir();
        let path = dir.join("a.ckpt");
        let good = serde_json::to_string(&sample()).unwrap();
        let cases = [
            good[..good.len() / 2].to_string(),
            String::new(),
            good.replace("\"part_size\":100", "\"part_size\":\"many\""),
            good.replace("\"part_size\":100", "\"part_size\":0"),
            good.replace("\"number\":2", "\"number\":1"),
            good.replace(",\"version\":1", ""),
        ];
        for text in cases {
            fs::write(&path, &text).unwrap();
            assert!(matches!(problem(&path), Problem::Corrupt(_)), "{text}");
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn foreign_files_are_clear_errors() {
        let dir = temp_dir();
        let path = dir.join("a.ckpt");
        let good = serde_json::to_string(&sample()).unwrap();
        for text in [
            r#"{"op_type":"ResumableUpload","upload_id":"x"}"#.to_string(),
            "[1,2,3]".to_string(),
            good.replace("\"version\":1", "\"version\":9"),
        ] {
            fs::write(&path, &text).unwrap();
            let p = problem(&path);
            assert!(matches!(p, Problem::Foreign(_)), "{text}: {p:?}");
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn identity_names_what_differs() {
        let c = sample();
        let src = Path::new("/videos/a.mp4");
        let stamp = c.file;
        assert_eq!(c.check_identity("aliyun", src, stamp, None), Ok(()));
        let media = c.media_id.clone();
        assert_eq!(c.check_identity("aliyun", src, stamp, Some(&media)), Ok(()));
        for (provider, path, media) in [
            ("wangsu", src, None),
            ("aliyun", Path::new("/videos/b.mp4"), None),
            ("aliyun", src, Some("another")),
        ] {
            let p = c.check_identity(provider, path, stamp, media).unwrap_err();
            assert!(matches!(p, Problem::Foreign(_)), "{p}");
        }
        for changed in [
            FileStamp { size: 301, ..stamp },
            FileStamp {
                mtime_secs: 1,
                ..stamp
            },
            FileStamp {
                mtime_nanos: 6,
                ..stamp
            },
        ] {
            let p = c.check_identity("aliyun", src, changed, None).unwrap_err();
            assert!(matches!(p, Problem::FileChanged(_)), "{p}");
        }
    }

    #[test]
    fn an_atomic_write_leaves_no_partial_file() {
        let dir = temp_dir();
        let path = dir.join("a.ckpt");
        let mut c = sample();
        c.save(&path).unwrap();
        c.parts.pop();
        c.save(&path).unwrap();
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.ckpt"]);
        assert_eq!(Checkpoint::load(&path).unwrap().unwrap(), c);

        // A write that cannot be renamed into place (a folder is in the way) fails, and leaves
        // neither a temporary file nor a damaged record behind.
        let blocked = dir.join("blocked");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(c.save(&blocked).is_err());
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a.ckpt", "blocked"]);
        fs::remove_dir_all(dir).unwrap();
    }
}
