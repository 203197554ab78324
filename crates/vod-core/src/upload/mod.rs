//! Uploading a file with an upload credential, for any vendor: resumable, concurrent, refreshing
//! credentials mid-upload, with bounded memory.
//!
//! Each vendor's upload SDK does this for its own storage only, and each falls short somewhere
//! (Aliyun's keeps no checkpoint and restarts the whole upload when its keys expire; Wangsu's keeps
//! its resume record in `/tmp`; ali-oss lets concurrent parts keep an expired token). Here one
//! driver does it once for every vendor, and a vendor brings only its storage primitives:
//!
//! - [`Storage`]: the primitives a vendor implements (start, send a part, list, complete, abort,
//!   and a whole-object request), with its [`PartRules`].
//! - [`Plan`]: the file cut by those rules, a pure function of its size.
//! - [`CredentialSource`]: where credentials come from, a provider ([`ProviderSource`]) or a
//!   credential handed over by a credential service ([`CallbackSource`]).
//! - [`Uploader`]: reads, sends, retries, refreshes, records a [`Checkpoint`] after every part, and
//!   reports [`Progress`] and an [`UploadOutcome`].
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::Arc;
//! use vod_core::upload::{ProviderSource, Storage, UploadOptions, Uploader};
//! use vod_core::{UploadCredentialProvider, UploadRequest};
//!
//! async fn upload(
//!     provider: Arc<dyn UploadCredentialProvider>,
//!     storage: Arc<dyn Storage>,
//! ) -> vod_core::Result<()> {
//!     let source = ProviderSource::new(provider, UploadRequest::new("clip.mp4").title("Clip"));
//!     let uploader = Uploader::new(storage, Arc::new(source))
//!         .options(UploadOptions::default().concurrency(4).checkpoint("clip.mp4.vod-checkpoint"))
//!         .on_progress(|p| eprintln!("{}/{} bytes", p.bytes_done, p.bytes_total));
//!     let outcome = uploader.upload(Path::new("clip.mp4")).await?;
//!     println!("stored media {} as {} ({} parts)", outcome.media_id, outcome.key, outcome.parts);
//!     Ok(())
//! }
//! ```

mod checkpoint;
mod driver;
mod plan;
mod progress;
mod source;
mod storage;

pub use checkpoint::{Checkpoint, CheckpointError, Problem as CheckpointProblem};
pub use driver::{DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, Resume, UploadOptions, Uploader};
pub use plan::{Mode, PartRules, PartSpec, Plan};
pub use progress::{Progress, UploadOutcome};
pub use source::{CallbackSource, CredentialSource, ProviderSource};
pub use storage::{Checksum, PartReceipt, SessionId, Storage, StoredObject};
