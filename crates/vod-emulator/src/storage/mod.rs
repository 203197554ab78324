//! Where the emulated upload hosts (OSS and Wangsu storage) put what they receive, and the
//! admin listing of it.
//!
//! Two modes, chosen by [`Storage`]:
//! - **directory** (default: a fresh temporary directory, removed when the emulator is dropped;
//!   or `--storage-dir DIR`, kept): every object is written to
//!   `DIR/objects/{oss|wangsu}/{bucket}/{key}` (bucket and key percent-encoded into one file name
//!   each, so a hostile key cannot leave the directory);
//! - **digest** (`--storage digest`): objects are not kept, only their size and checksums, so a
//!   benchmark can send gigabytes without filling the disk.
//!
//! Bodies are always streamed: a request body goes through a bounded buffer into the running
//! checksums (`digest.rs`) and, in directory mode, into a file; nothing holds a whole object, part
//! or block in memory.
//!
//! **Multipart and slice uploads.** An object's MD5 (and the Wangsu file hash) needs its bytes in
//! order, and MD5 state cannot be combined from parts (oss2 uploads parts from several threads,
//! wcs-python3-sdk several blocks at once, so they arrive out of order). The choice:
//! - directory mode writes every part or block to `DIR/incoming/`; Complete/mkfile reads them
//!   back in the listed order into the object file, then deletes them (Abort deletes them too);
//! - digest mode: parts (OSS) and blocks (Wangsu) that arrive in order are folded straight
//!   into the object's running checksums and never written (`fold.rs`); one that arrives ahead
//!   of its predecessors is spooled to `DIR/incoming/` until the fold reaches it, then read back
//!   and deleted. Disk use is bounded by what is uploaded ahead of the in-order prefix, not by
//!   the object: typically a few parts with a few parallel uploads, but a part that stalls holds
//!   back the fold (and keeps its successors on disk) until it arrives. OSS answers the object's
//!   CRC-64 combined from its parts'; Wangsu the file hash from each block's 4 MiB segments. If
//!   Complete/mkfile lists other parts or blocks than those folded (a folded part skipped or
//!   replaced by different bytes, a block attempt that lost the fold to a newer one), the
//!   object's MD5 cannot be known and the listing shows `"md5": null`.

pub(crate) mod body;
pub(crate) mod digest;
pub(crate) mod fault;
pub(crate) mod fold;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::Mutex;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use self::digest::{Digests, Sums, Want};
use crate::state::lock;

/// Where the upload hosts keep what they receive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Storage {
    /// Objects are written to a fresh temporary directory, removed with the emulator.
    #[default]
    TempDir,
    /// Objects are written under this directory (created if missing) and kept.
    Dir(PathBuf),
    /// Only each object's size and checksums are kept; multipart pieces wait in a temporary
    /// directory until Complete or Abort (see the [module docs](self)).
    Digest,
}

/// Which emulated upload host an object was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageVendor {
    /// Aliyun OSS (the upload address of `CreateUploadVideo`).
    Oss,
    /// Wangsu storage (the `uploadUrl` of `getUploadToken`).
    Wangsu,
}

/// One stored object, as `GET /__emulator/storage` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredObject {
    /// The upload host it was sent to.
    pub vendor: StorageVendor,
    /// The bucket.
    pub bucket: String,
    /// The object key (OSS) or file key (Wangsu).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Lower-case hex MD5 of its bytes; `None` only in digest mode when a multipart upload was
    /// completed with other parts than those folded (see the [module docs](self)).
    pub md5: Option<String>,
}

/// The emulator's objects and the directory behind them.
#[derive(Debug)]
pub(crate) struct ObjectStore {
    keep_bytes: bool,
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
    objects: Mutex<BTreeMap<(StorageVendor, String, String), StoredObject>>,
}

/// Characters left as they are in a file name made from a bucket or key.
const FILE_NAME: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

impl ObjectStore {
    /// Prepares the directory `storage` asks for.
    pub(crate) fn new(storage: &Storage) -> io::Result<Self> {
        let (root, temp) = match storage {
            Storage::Dir(dir) => (dir.clone(), None),
            Storage::TempDir | Storage::Digest => {
                let temp = tempfile::Builder::new()
                    .prefix("vod-emulator-storage.")
                    .tempdir()?;
                (temp.path().to_owned(), Some(temp))
            }
        };
        std::fs::create_dir_all(root.join("incoming"))?;
        std::fs::create_dir_all(root.join("objects"))?;
        Ok(ObjectStore {
            keep_bytes: *storage != Storage::Digest,
            root,
            _temp: temp,
            objects: Mutex::default(),
        })
    }

    /// Whether objects are kept (directory mode) or only their digests.
    pub(crate) fn keeps_bytes(&self) -> bool {
        self.keep_bytes
    }

    /// A fresh path for a piece or an object being received.
    pub(crate) fn incoming(&self) -> PathBuf {
        self.root
            .join("incoming")
            .join(uuid::Uuid::new_v4().simple().to_string())
    }

    /// Where an object lives in directory mode.
    fn object_path(&self, vendor: StorageVendor, bucket: &str, key: &str) -> PathBuf {
        let vendor = match vendor {
            StorageVendor::Oss => "oss",
            StorageVendor::Wangsu => "wangsu",
        };
        self.root
            .join("objects")
            .join(vendor)
            .join(file_name(bucket))
            .join(file_name(key))
    }

    /// Whether an object is stored under this name.
    pub(crate) fn exists(&self, vendor: StorageVendor, bucket: &str, key: &str) -> bool {
        lock(&self.objects).contains_key(&(vendor, bucket.to_owned(), key.to_owned()))
    }

    /// Records an object of `size` bytes with this MD5 (`None`: unknown, see the module docs);
    /// in directory mode moves `received` (the file the bytes were streamed to) into place. A
    /// later object of the same name replaces it.
    pub(crate) async fn commit(
        &self,
        vendor: StorageVendor,
        bucket: &str,
        key: &str,
        size: u64,
        md5: Option<[u8; 16]>,
        received: Option<PathBuf>,
    ) -> io::Result<()> {
        if let Some(received) = received {
            let path = self.object_path(vendor, bucket, key);
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::rename(&received, &path).await?;
        }
        lock(&self.objects).insert(
            (vendor, bucket.to_owned(), key.to_owned()),
            StoredObject {
                vendor,
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                size,
                md5: md5.map(hex::encode),
            },
        );
        Ok(())
    }

    /// Every stored object, ordered by vendor, bucket and key.
    pub(crate) fn list(&self) -> Vec<StoredObject> {
        lock(&self.objects).values().cloned().collect()
    }

    /// Reads `pieces` back in order through fresh checksums and, in directory mode, into one new
    /// file; deletes the pieces. Returns the checksums and the new file.
    pub(crate) async fn assemble(&self, pieces: &[PathBuf]) -> io::Result<(Sums, Option<PathBuf>)> {
        let target = self.keep_bytes.then(|| self.incoming());
        let mut out = match &target {
            Some(path) => Some(body::create(path).await?),
            None => None,
        };
        let mut digests = Digests::new(Want::MD5);
        for piece in pieces {
            read_into(piece, &mut digests, out.as_mut()).await?;
        }
        if let Some(mut out) = out {
            out.flush().await?;
        }
        discard(pieces).await;
        Ok((digests.finish(), target))
    }
}

/// Feeds the file at `path` to `digests` (and copies it to `out`).
pub(crate) async fn read_into(
    path: &std::path::Path,
    digests: &mut Digests,
    mut out: Option<&mut body::Spool>,
) -> io::Result<()> {
    let mut buffer = vec![0u8; body::FILE_BUFFER];
    let mut file = tokio::fs::File::open(path).await?;
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(());
        }
        digests.update(&buffer[..read]);
        if let Some(out) = out.as_mut() {
            out.write_all(&buffer[..read]).await?;
        }
    }
}

/// Deletes piece files, ignoring those already gone.
pub(crate) async fn discard(pieces: &[PathBuf]) {
    for piece in pieces {
        let _ = tokio::fs::remove_file(piece).await;
    }
}

/// One path component that stands for `name` and cannot escape its directory.
fn file_name(name: &str) -> String {
    let encoded = utf8_percent_encode(name, FILE_NAME).to_string();
    if encoded.is_empty() {
        "%".to_owned()
    } else if encoded.len() > 200 {
        // Too long for most file systems: fall back to a digest of the name.
        format!("long-{}", digest::md5_hex(name.as_bytes()))
    } else {
        encoded
    }
}

/// The storage directory of a running emulator, for tests that look at the files.
pub(crate) fn object_file(store: &ObjectStore, object: &StoredObject) -> Option<PathBuf> {
    store
        .keep_bytes
        .then(|| store.object_path(object.vendor, &object.bucket, &object.key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_their_directory() {
        assert_eq!(
            file_name("../../etc/passwd"),
            "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"
        );
        assert_eq!(file_name("sv/a b.mp4"), "sv%2Fa%20b%2Emp4");
        assert_eq!(file_name(""), "%");
        assert!(file_name(&"x".repeat(300)).starts_with("long-"));
    }
}
