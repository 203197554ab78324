//! A local stand-in for the upload-credential APIs of Aliyun ApsaraVideo VOD and Wangsu Cloud
//! VoD, in the spirit of LocalStack and Azurite: real HTTP on loopback, real signature checks,
//! the vendors' own wire formats and error codes, and faults on demand.
//!
//! Tests, examples and benchmarks point an adapter's endpoint at [`Emulator::aliyun_url`] or
//! [`Emulator::wangsu_url`] and talk to it exactly as they would to the vendor. The emulator
//! shares no code with the adapters: it verifies signatures with its own implementation, pinned
//! to the vendors' test vectors, so a signing bug cannot hide on both sides.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use vod_emulator::{AccessKey, Emulator, EmulatorConfig, Fault, FaultKind, Operation, Vendor};
//!
//! let emulator = Emulator::start(EmulatorConfig {
//!     keys: vec![AccessKey::new("test-ak", "test-secret")],
//!     ..EmulatorConfig::default()
//! })
//! .await?;
//! let endpoint = emulator.aliyun_url(); // e.g. http://127.0.0.1:41234
//!
//! // The next Aliyun call is throttled, the one after stalls for 2 s.
//! let handle = emulator.handle();
//! handle.inject(Fault::new(
//!     Vendor::Aliyun,
//!     FaultKind::RetryAfter { status: 400, seconds: 1 },
//! ));
//! handle.inject(Fault::new(Vendor::Aliyun, FaultKind::Delay(Duration::from_secs(2))));
//!
//! // ... drive the client under test against `endpoint` ...
//! println!("{} CreateUploadVideo calls", handle.calls(Operation::AliyunCreateUploadVideo));
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What is emulated
//!
//! - Aliyun: `CreateUploadVideo` and `RefreshUploadVideo` at `/`, signed with RPC HMAC-SHA1 or
//!   ACS3-HMAC-SHA256, with timestamp, nonce and STS token checks (see [`aliyun`] for the
//!   exact order of checks and what was inferred).
//! - Wangsu: Get Video Upload Token at `/vod/videoManage/getUploadToken`, signed with
//!   WS3-HMAC-SHA256 or CNC-HMAC-SHA256, with timestamp and repeated-request checks (see
//!   [`wangsu`]).
//! - [Faults](Fault) queued per vendor, [call counters](EmulatorHandle::calls), and a
//!   [skewable clock](EmulatorHandle::set_clock_skew) that also drives the `Date` header.
//! - The upload hosts, each on its own port ([`Emulator::oss_url`],
//!   [`Emulator::wangsu_upload_url`]): Aliyun OSS (PutObject and multipart upload, signed V1 or V4 with the STS
//!   key a `CreateUploadVideo` issued; see [`oss`]) and Wangsu storage (form upload and
//!   mkblk/bput/mkfile with the `getUploadToken` token; see [`wcs`]), storing into a directory or
//!   only digests ([`storage`]), with their own [faults](StorageFault).
//! - CORS on the upload hosts for the origins in
//!   [`EmulatorConfig::cors_origins`] (`--cors-origin`), as a bucket configured for browser
//!   uploads answers it: preflights, and `ETag`, request ids and the CRC-64 exposed; none by
//!   default. The APIs never answer CORS: only an app's backend calls them.
//!
//! Not emulated: other VOD operations (answered with `InvalidAction.NotFound` / 404), other OSS
//! operations (501), virtual-hosted OSS addressing, XML answers from VOD, TLS.
//!
//! # Admin paths
//!
//! All four servers also serve, without signature and without counting:
//!
//! | method and path | does |
//! |---|---|
//! | `POST /__emulator/faults` | queues the [`Fault`] in the JSON body ([format](Fault)); 204, or 400 `{"error"}` |
//! | `GET /__emulator/faults` | the queued faults as a JSON list |
//! | `DELETE /__emulator/faults` | forgets every queued fault; 204 |
//! | `GET /__emulator/calls` | `{"calls": {"AliyunCreateUploadVideo": 1, ...}, "total": 1}` |
//! | `DELETE /__emulator/calls` | sets the counters back to zero; 204 |
//! | `GET /__emulator/storage` | the stored objects: `[{"vendor": "oss"\|"wangsu", "bucket", "key", "size", "md5"}]` (`md5` is lower-case hex; `null` only in the digest-mode case [`storage`] describes) |
//! | `POST /__emulator/storage/faults` | queues the [`StorageFault`] in the JSON body; 204, or 400 `{"error"}` |
//! | `GET /__emulator/storage/faults` | the queued storage faults as a JSON list |
//! | `DELETE /__emulator/storage/faults` | forgets every queued storage fault; 204 |
//! | `POST /__emulator/storage/expire` | expires every upload credential issued so far ([`EmulatorHandle::expire_upload_credentials`]); 204 |
//!
//! # Binary
//!
//! `vod-emulator` (and the CLI's `vod emulator`, through [`cli::run_until`]) runs one emulator
//! until Ctrl-C or SIGTERM ([`cli::stop_signal`]) and prints its base URLs.
#![warn(missing_docs)]

mod admin;
pub mod aliyun;
pub mod cli;
mod clock;
mod config;
mod cors;
mod fault;
mod form;
mod handle;
pub mod oss;
mod replay;
mod server;
mod state;
pub mod storage;
pub mod wangsu;
pub mod wcs;

pub use config::{AccessKey, EmulatorConfig};
pub use fault::{Fault, FaultKind, Vendor};
pub use handle::{EmulatorHandle, Operation};
pub use server::Emulator;
pub use storage::fault::{StorageFault, StorageFaultKind};
pub use storage::{Storage, StorageVendor, StoredObject};
