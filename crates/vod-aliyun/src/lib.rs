//! Aliyun ApsaraVideo VOD adapter for the `vod` upload-credential library.
//!
//! Aliyun hands out upload credentials as two base64 JSON blobs: where to write (an OSS
//! bucket and object key) and with what (temporary STS keys). This crate asks for them with
//! `CreateUploadVideo`, renews them with `RefreshUploadVideo`, and returns them as the
//! library's [`UploadCredential`](vod_core::UploadCredential) with an
//! [`OssTarget`](vod_core::OssTarget), so an app never sees Aliyun's shapes, signatures or
//! error codes.
//!
//! ```no_run
//! use std::sync::Arc;
//! use vod_aliyun::AliyunProviderBuilder;
//! use vod_core::{UploadCredentialProvider, UploadRequest};
//!
//! # async fn demo() -> vod_core::Result<()> {
//! // Keys from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (and _SECURITY_TOKEN, _REGION_ID).
//! let provider: Arc<dyn UploadCredentialProvider> =
//!     Arc::new(AliyunProviderBuilder::from_env().build()?);
//! let credential = provider.create_upload(&UploadRequest::new("talk.mp4")).await?;
//! println!("{}", credential.summary());
//! # Ok(()) }
//! ```
//!
//! # What maps to what
//!
//! | `UploadRequest` | `CreateUploadVideo` |
//! |---|---|
//! | `file_name` | `FileName` |
//! | `title` (default: the file name without directories and extension) | `Title` |
//! | `file_size` | `FileSize` |
//! | `description` | `Description` |
//! | `tags` | `Tags` (joined with `,`) |
//! | `workflow_id` | `WorkflowId` (Aliyun lets it win over `TemplateGroupId`) |
//! | `template` | `TemplateGroupId` |
//! | `aliyun.cover_url`, `cate_id`, `user_data`, `storage_location`, `app_id` | `CoverURL`, `CateId`, `UserData`, `StorageLocation`, `AppId` |
//!
//! `RefreshRequest::media_id` is the `VideoId` of `RefreshUploadVideo`. Its optional
//! `ReferenceId` is not sent: `RefreshRequest` has no field for it.
//!
//! The answer becomes the credential: `VideoId` is the media id; `UploadAddress` gives the
//! target's endpoint (always a URL with a scheme), bucket, object key and object prefix;
//! `UploadAuth` its STS key id, secret, token and region, and the expiry (`ExpireUTCTime`, else
//! the issue time plus the `Expiration` seconds, else plus 3000 s when the answer gives neither).
//! An expiry the answer gives but that cannot be read, is not after the issue time or is more
//! than a day later is an `InvalidResponse` error naming the field. The request id is the
//! body's `RequestId` (Aliyun sends no request-id header the library reads).
//!
//! # What Aliyun ignores
//!
//! Common fields Aliyun has no counterpart for are not sent; each is logged at debug level when
//! set:
//!
//! - `resume_id`: Aliyun resumes uploads on the OSS side. The credential keeps the value as
//!   given, so a stored credential round-trips.
//! - `overwrite`: every `CreateUploadVideo` makes a new video with a new object key.
//! - `wangsu` options.
//!
//! A refreshed credential keeps the refresh request's `file_name` (empty when the request has
//! none: Aliyun does not return the original name) and `resume_id`.
//!
//! # Signatures and configuration
//!
//! Requests are `POST /` with the parameters in the query and an empty body, like the current
//! official SDK, signed with RPC HMAC-SHA1 (the default) or ACS3-HMAC-SHA256
//! (`signature = "v3"`), with a fresh timestamp and nonce per attempt. A caller whose own key is
//! temporary (an STS key) sets `security_token`; it travels as `SecurityToken` (V1) or
//! `x-acs-security-token` (V3). The endpoint is `https://vod.{region}.aliyuncs.com` unless
//! `endpoint` overrides it. See [`AliyunProviderBuilder`].
//!
//! # Errors
//!
//! Aliyun's error codes map to [`ErrorKind`](vod_core::ErrorKind)s through one table,
//! [`error::ERROR_CODES`]; the vendor's code, message, request id, `Recommend` link and HTTP
//! status stay on the error. A `SignatureDoesNotMatch` error says whether the secret or the
//! canonical form is wrong, by comparing the string to sign the server quotes with ours. No
//! secret, security token or URL ever enters an error or a log line.
//!
//! # Layout
//!
//! Both adapters (`vod-aliyun`, `vod-wangsu`) have the same files, and the dependencies between
//! them run one way, from the top of this list to the pure modules at the bottom:
//!
//! - `lib.rs`: these docs and the public names.
//! - `builder.rs`: [`AliyunProviderBuilder`], from config, the environment or by hand.
//! - `provider.rs`: [`AliyunProvider`], the trait: validate, then call.
//! - `client.rs`: one vendor call: sign each attempt, send, read the answer.
//! - `decode.rs`: an answer becomes a credential ([`read_answer`]).
//! - [`error`]: the error table ([`error::ERROR_CODES`], [`error::kind_of`]) and how error
//!   answers become errors.
//! - [`validate`]: Aliyun's limits, checked before any call.
//! - [`sign`]: the two signatures, as pure functions ([`sign::rpc::sign`], [`sign::acs3::sign`]).
//! - [`api`]: the wire: names, parameters, answer shapes.
//!
//! One module is Aliyun's alone: [`oss`], the OSS storage side (signatures, checksums, XML,
//! errors and the upload primitives), because the bytes of an Aliyun upload go to OSS, a service
//! with its own protocol. Wangsu's counterpart is its `storage` module.

#![warn(missing_docs)]

pub mod api;
mod builder;
mod client;
mod decode;
pub mod error;
pub mod oss;
mod provider;
pub mod sign;
pub mod validate;

pub use api::{API_VERSION, PROVIDER_NAME};
pub use builder::AliyunProviderBuilder;
pub use decode::{DEFAULT_LIFETIME, read_answer};
pub use provider::{AliyunProvider, IGNORED_FIELDS};
