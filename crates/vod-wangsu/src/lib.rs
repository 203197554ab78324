//! Wangsu (CDNetworks) Cloud VoD adapter for the `vod` upload-credential library.
//!
//! A backend that lets users upload videos to Wangsu Cloud VoD asks the VoD API for an upload
//! token (Get Video Upload Token) and hands it to the uploader, which sends the file to Wangsu's
//! storage upload host with it. This crate is that exchange behind
//! [`vod_core::UploadCredentialProvider`], so an app written against the trait moves between
//! vendors by changing config.
//!
//! ```no_run
//! use vod_core::{UploadCredentialProvider, UploadRequest, UploadTarget};
//! use vod_wangsu::WangsuProvider;
//!
//! # async fn demo() -> vod_core::Result<()> {
//! let provider = WangsuProvider::builder()
//!     .access_key("my-access-key")
//!     .secret_key("my-secret-key")
//!     .build()?;
//! let credential = provider.create_upload(&UploadRequest::new("holiday.mp4")).await?;
//! if let UploadTarget::WangsuStorage(target) = &credential.target {
//!     println!("upload {} to {} before {}", target.file_key, target.upload_url, credential.expires_at);
//! }
//! // Later, when the token is about to expire:
//! let fresh = provider.refresh_upload(&credential.refresh_request()).await?;
//! assert_eq!(fresh.media_id, credential.media_id);
//! # Ok(()) }
//! ```
//!
//! # Gateways and signatures
//!
//! | `variant` (config) | default host | signature | key / time headers | request id header |
//! |---|---|---|---|---|
//! | `ws3` (default) | [`DEFAULT_WS3_HOST`] | `WS3-HMAC-SHA256` | `X-WS-AccessKey`, `X-WS-Timestamp` | `X-WS-RequestId` |
//! | `cnc` | [`DEFAULT_CNC_HOST`] | `CNC-HMAC-SHA256` | `x-cnc-accessKey`, `x-cnc-timestamp`, `x-cnc-auth-method: AKSK` | `x-cnc-request-id` |
//!
//! The request is `POST` [`UPLOAD_TOKEN_PATH`] with a JSON body and
//! `Content-Type: application/json; charset=utf-8`; the signed headers are `content-type;host`,
//! with the `Host` value the HTTP client actually sends (`host:port` for a non-default port), and exactly
//! the body bytes sent are hashed. Every attempt signs again with its own timestamp (the
//! arithmetic is in [`sign`]). The gateway refuses a repeated signature and the timestamp counts
//! whole seconds, so a body this provider already signed in the current second (a refresh right
//! after a create, a quick retry) is signed with the next unused second instead, at most a
//! minute ahead, well inside the gateway's 5-minute window. `endpoint` overrides the host for either variant, with any scheme,
//! host and port (the CDNetworks gateway is `https://api.cdnetworks.com` with `cnc`).
//!
//! # What maps to what
//!
//! | [`UploadRequest`](vod_core::UploadRequest) | `getUploadToken` parameter |
//! |---|---|
//! | `file_name` | `originFileName` |
//! | `resume_id` (generated when absent, see below) | `fileId` |
//! | `workflow_id` | `workflowId` |
//! | `template` | `transCodeCombineName` |
//! | `overwrite` | `overwrite` (0 or 1) |
//! | `wangsu.domain`, `.category_names`, `.watermark_name`, `.subtitle_id`, `.subtitle` | `domain`, `categoryNames`, `waterMarkName`, `subtitleId`, `subtitle` |
//!
//! Absent fields are not sent. Wangsu has no counterpart for `title`, `description`, `tags`,
//! `file_size` and the `aliyun` options: this adapter ignores them (and says so in a debug-level
//! log line naming them), so one request serves both vendors.
//!
//! # Validation
//!
//! Before any call, on top of [`UploadRequest::validate`](vod_core::UploadRequest::validate)
//! (errors name the field):
//!
//! | field | rule |
//! |---|---|
//! | `file_name` | non-empty, with an extension, at most [`MAX_FILE_NAME_CHARS`] (40) characters (vendor error 1500) |
//! | `resume_id` | at most [`MAX_RESUME_ID_CHARS`] (32) characters, only ASCII letters, digits, `-` and `_` |
//! | `wangsu.category_names` | JSON text of an array of objects (`[{"parentName":"a","childName":"b"}]`) |
//! | `wangsu.subtitle` | base64 of a JSON array of at most [`MAX_SUBTITLES`] (13) objects |
//! | `wangsu.domain`, `.watermark_name`, `.subtitle_id`, `workflow_id`, `template` | non-empty, no control characters |
//!
//! `overwrite` is a `bool`, so Wangsu's 0-or-1 rule holds by type. The character set of the
//! resume id is this adapter's decision, not a documented rule: the ids Wangsu's SDKs use are hex
//! digests and UUIDs; with ASCII, "32 characters" means the same in bytes and characters; and such
//! an id is safe wherever the vendor stores or logs it. A refresh needs the file name and resume
//! id and checks them by the same rules.
//!
//! The answer's `data` becomes a [`vod_core::WangsuStorageTarget`]: `uploadUrl`, `uploadToken`
//! (a [`vod_core::Secret`]), `fileKey`, `bucketName`, `httpDnsServer` (or the misspelt
//! `httpDnsServe`), and `videoId` is the credential's `media_id`.
//!
//! # Refresh
//!
//! Wangsu has no refresh operation. Refreshing issues a token again with the upload's original
//! `originFileName` and `fileId`, which is how Wangsu resumes an upload (inferred from the
//! documented purpose of `fileId`). So every upload needs a resume id: when the request has none,
//! one is generated (32 hex digits, from a random UUID), and the credential keeps the file name
//! and resume id for [`UploadCredential::refresh_request`](vod_core::UploadCredential::refresh_request).
//! A refresh whose answer names another video than the one asked for fails with
//! [`ErrorKind::NotFound`](vod_core::ErrorKind::NotFound): Wangsu holds no upload of that video
//! under that file name and resume id, and has started a new one instead.
//!
//! # Expiry
//!
//! The answer carries no expiry; it is the upload token's put-policy `deadline` (Unix
//! milliseconds, read by [`token`]). When the token carries no deadline (not a policy token, or
//! no `deadline` in the policy), the credential lives [`FALLBACK_LIFETIME`] (30 minutes) from its
//! issue, and a warning is logged (without the token): too short costs one more call, too long
//! fails an upload halfway. A deadline that is there but is not a number of milliseconds, is not
//! after the time of issue or is more than a day later is an `InvalidResponse` error naming
//! `data.uploadToken.deadline`.
//!
//! # Errors
//!
//! Success is the envelope's `code` 200 (integer or string), whatever the HTTP status. Other codes
//! map through the one table [`error::ERROR_CODES`], then by HTTP status. The gateway's 401s are
//! read by keyword (an inference, documented in [`error`]): bad key or signature is
//! `Unauthenticated`, a stale timestamp is `ClockSkew` (the transport corrects its clock from the
//! `Date` header and tries once more), a repeated request is `Unavailable` (retryable). An answer
//! that is not the envelope is an invalid response quoting an excerpt with the token redacted,
//! except that a 5xx (or 429) stays retryable.

//! # Layout
//!
//! Both adapters (`vod-aliyun`, `vod-wangsu`) have the same files, and the dependencies between
//! them run one way, from the top of this list to the pure modules at the bottom:
//!
//! - `lib.rs`: these docs and the public names.
//! - `builder.rs`: [`WangsuProviderBuilder`], from config, the environment or by hand.
//! - `provider.rs`: [`WangsuProvider`], the trait: validate, then call.
//! - `client.rs`: one vendor call: sign each attempt (never twice with the same timestamp),
//!   send, read the answer.
//! - `decode.rs`: an answer becomes a credential ([`read_answer`]).
//! - [`error`]: the error table ([`error::ERROR_CODES`], [`error::kind_of`]) and how error
//!   answers become errors.
//! - [`validate`]: Wangsu's limits, checked before any call.
//! - [`sign`]: the WS3/CNC signature, as pure functions ([`sign::sign`]).
//! - [`api`]: the wire: hosts, paths, headers, the request body and the answer envelope.
//!
//! Three modules are Wangsu's alone: [`token`] reads the expiry out of an upload token, because
//! Wangsu's answer does not state it; `timestamps.rs` hands out signing timestamps that never
//! repeat a signature, because the gateway refuses a repeated one; [`storage`] is the upload
//! side (form upload and mkblk/bput/mkfile on Wangsu's upload host), a protocol of its own, as
//! Aliyun's `oss` module is for OSS.

#![warn(missing_docs)]

pub mod api;
mod builder;
mod client;
mod decode;
pub mod error;
mod provider;
pub mod sign;
pub mod storage;
mod timestamps;
pub mod token;
pub mod validate;

pub use api::{DEFAULT_CNC_HOST, DEFAULT_WS3_HOST, PROVIDER_NAME, UPLOAD_TOKEN_PATH};
pub use builder::WangsuProviderBuilder;
pub use decode::{FALLBACK_LIFETIME, read_answer};
pub use provider::{IGNORED_FIELDS, WangsuProvider};
pub use validate::{MAX_FILE_NAME_CHARS, MAX_RESUME_ID_CHARS, MAX_SUBTITLES};
