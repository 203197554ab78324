//! The six upload primitives: PutObject, InitiateMultipartUpload, UploadPart,
//! CompleteMultipartUpload, AbortMultipartUpload and ListParts.
//!
//! Each takes the object's [`ObjectLocation`], the [`SigningKey`] to sign with (the newest the
//! caller has: nothing here caches keys) and explicit ids (upload id, part number), so an
//! upload can continue with refreshed keys or in another process. Bodies are
//! [`Bytes`], shared without copying.
//!
//! Integrity: OSS returns the CRC-64 of what it stored (`x-oss-hash-crc64ecma`) for every
//! object and part; each call compares it with the CRC of what it sent and fails with
//! [`ErrorKind::ChecksumMismatch`] when they differ,
//! which the uploader retries. Complete compares the object's CRC with the one the caller
//! expects (the parts' CRCs combined with [`crc64::combine`]). An
//! answer without the header is not checked, as oss2 does (OSS always sends it; compatible
//! servers may not): the results say whether a check happened.

use bytes::Bytes;
use http::Method;
use vod_core::raw::SigningKey;
use vod_core::raw::redact::Redactor;
use vod_core::raw::transport::Response;
use vod_core::{Error, ErrorKind, Result, VendorDetail};

use super::address::ObjectLocation;
use super::client::{OssCall, OssClient, invalid};
use super::crc64;
use super::error::REQUEST_ID_HEADER;
use super::multipart::{
    self, CompletedPart, CompletedUpload, InitiatedUpload, MAX_PARTS, PartsPage, unquote,
};

/// The header OSS returns the stored bytes' CRC-64 in.
pub const CRC64_HEADER: &str = "x-oss-hash-crc64ecma";

/// The most parts one ListParts page may ask for.
pub const MAX_LIST_PARTS: u32 = 1000;

/// The largest object PutObject writes, and the largest part: 5 GiB.
pub const MAX_PUT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// A part's bytes, with their CRC-64 when the caller already has it.
///
/// An uploader that records each part's CRC (to combine them into the object's) passes it here
/// so the bytes are not summed twice; [`OssClient::upload_part`] still checks OSS's CRC
/// against it. Plain [`Bytes`] convert into one that is summed when sent.
///
/// ```
/// use vod_aliyun::oss::{Bytes, crc64, ops::PartBody};
/// let bytes = Bytes::from_static(b"123456789");
/// let body = PartBody::summed(bytes.clone(), crc64::checksum(&bytes));
/// assert_eq!(body.crc64(), PartBody::from(bytes).crc64());
/// ```
#[derive(Debug, Clone)]
pub struct PartBody {
    bytes: Bytes,
    crc64: Option<u64>,
}

impl PartBody {
    /// `bytes` whose CRC-64 is `crc64` (a wrong one makes the upload fail as a checksum
    /// mismatch, never pass).
    pub fn summed(bytes: Bytes, crc64: u64) -> Self {
        PartBody {
            bytes,
            crc64: Some(crc64),
        }
    }

    /// The CRC-64 of the bytes: the one given, or computed now.
    pub fn crc64(&self) -> u64 {
        self.crc64.unwrap_or_else(|| crc64::checksum(&self.bytes))
    }
}

impl From<Bytes> for PartBody {
    fn from(bytes: Bytes) -> Self {
        PartBody { bytes, crc64: None }
    }
}

/// What PutObject and UploadPart answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBytes {
    /// The ETag, unquoted (the MD5 of the bytes, upper-case hex).
    pub etag: String,
    /// The CRC-64 of what was sent, which OSS's matched when it sent one.
    pub crc64: u64,
    /// Whether OSS sent its CRC-64 (and so whether it was compared).
    pub crc64_checked: bool,
    /// OSS's request id.
    pub request_id: Option<String>,
}

/// What CompleteMultipartUpload answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedObject {
    /// The answer's document.
    pub upload: CompletedUpload,
    /// The object's CRC-64 as OSS reported it, when it did.
    pub crc64: Option<u64>,
    /// OSS's request id.
    pub request_id: Option<String>,
}

/// The `Content-Type` for `key`, by its extension, for the media a VOD upload carries: the
/// types oss2 sends for them (it asks Python's `mimetypes`), except `.ts`, which is
/// `video/mp2t` here whatever the system's MIME table says. Other keys get
/// `application/octet-stream`, where oss2 sends no type and OSS stores that one (inferred).
///
/// ```
/// use vod_aliyun::oss::ops::content_type_for;
/// assert_eq!(content_type_for("sv/a/b.MP4"), "video/mp4");
/// assert_eq!(content_type_for("x"), "application/octet-stream");
/// ```
pub fn content_type_for(key: &str) -> &'static str {
    let ext = key
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match ext.as_deref() {
        Some("mp4" | "m4v") => "video/mp4",
        Some("mov") => "video/quicktime",
        Some("webm") => "video/webm",
        Some("mkv") => "video/x-matroska",
        Some("flv") => "video/x-flv",
        Some("avi") => "video/x-msvideo",
        Some("wmv") => "video/x-ms-wmv",
        Some("ts") => "video/mp2t",
        Some("m3u8") => "application/vnd.apple.mpegurl",
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("wav") => "audio/x-wav",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

/// The calls themselves, as values: what each operation sends. The primitives send these;
/// the tests compare them (through [`OssClient::prepare`]) with oss2's requests.
pub mod calls {
    use super::*;

    /// `PUT /{key}` with the body, a `Content-Type` and, when given, a `Content-MD5` (the
    /// base64 of the body's MD5, which OSS checks).
    pub fn put_object(
        content_type: &str,
        content_md5: Option<&str>,
        body: Bytes,
    ) -> Result<OssCall> {
        check_size("body", &body, "use a multipart upload")?;
        let mut headers = Vec::with_capacity(2);
        if let Some(md5) = content_md5 {
            headers.push(("Content-MD5", md5.to_owned()));
        }
        headers.push(("Content-Type", content_type.to_owned()));
        Ok(OssCall {
            operation: "PutObject",
            method: Method::PUT,
            query: vec![],
            headers,
            body,
        })
    }

    /// `POST /{key}?uploads=` with the object's `Content-Type`.
    pub fn initiate(content_type: &str) -> OssCall {
        OssCall {
            operation: "InitiateMultipartUpload",
            method: Method::POST,
            query: vec![("uploads", String::new())],
            headers: vec![("Content-Type", content_type.to_owned())],
            body: Bytes::new(),
        }
    }

    /// `PUT /{key}?uploadId={id}&partNumber={n}` with the part.
    pub fn upload_part(upload_id: &str, part_number: u32, body: Bytes) -> Result<OssCall> {
        check_upload_id(upload_id)?;
        check_part_number(part_number)?;
        check_size("body", &body, "use smaller parts")?;
        Ok(OssCall {
            operation: "UploadPart",
            method: Method::PUT,
            query: vec![
                ("uploadId", upload_id.to_owned()),
                ("partNumber", part_number.to_string()),
            ],
            headers: vec![],
            body,
        })
    }

    /// `POST /{key}?uploadId={id}` with the parts' XML.
    pub fn complete(upload_id: &str, parts: &[CompletedPart]) -> Result<OssCall> {
        check_upload_id(upload_id)?;
        Ok(OssCall {
            operation: "CompleteMultipartUpload",
            method: Method::POST,
            query: vec![("uploadId", upload_id.to_owned())],
            headers: vec![],
            body: Bytes::from(multipart::complete_body(parts)?),
        })
    }

    /// `DELETE /{key}?uploadId={id}`.
    pub fn abort(upload_id: &str) -> Result<OssCall> {
        check_upload_id(upload_id)?;
        Ok(OssCall {
            operation: "AbortMultipartUpload",
            method: Method::DELETE,
            query: vec![("uploadId", upload_id.to_owned())],
            headers: vec![],
            body: Bytes::new(),
        })
    }

    /// `GET /{key}?uploadId={id}&part-number-marker={m}&max-parts={n}` (oss2 sends the
    /// marker even when empty; neither is signed in V1).
    pub fn list_parts(upload_id: &str, marker: Option<u32>, max_parts: u32) -> Result<OssCall> {
        check_upload_id(upload_id)?;
        if !(1..=MAX_LIST_PARTS).contains(&max_parts) {
            return Err(Error::invalid_input(
                "max_parts",
                format!("must be 1 to {MAX_LIST_PARTS} (got {max_parts})"),
            ));
        }
        Ok(OssCall {
            operation: "ListParts",
            method: Method::GET,
            query: vec![
                ("uploadId", upload_id.to_owned()),
                (
                    "part-number-marker",
                    marker.map(|m| m.to_string()).unwrap_or_default(),
                ),
                ("max-parts", max_parts.to_string()),
            ],
            headers: vec![],
            body: Bytes::new(),
        })
    }

    fn check_size(field: &str, body: &Bytes, advice: &str) -> Result<()> {
        let len = body.len() as u64;
        if len > MAX_PUT_BYTES {
            return Err(Error::invalid_input(
                field,
                format!("must be at most {MAX_PUT_BYTES} bytes (5 GiB; got {len}): {advice}"),
            ));
        }
        Ok(())
    }

    fn check_upload_id(upload_id: &str) -> Result<()> {
        if upload_id.trim().is_empty() {
            return Err(Error::invalid_input("upload_id", "must not be empty"));
        }
        Ok(())
    }

    fn check_part_number(n: u32) -> Result<()> {
        if !(1..=MAX_PARTS).contains(&n) {
            return Err(Error::invalid_input(
                "part_number",
                format!("must be 1 to {MAX_PARTS} (got {n})"),
            ));
        }
        Ok(())
    }
}

impl OssClient {
    /// Writes a whole object (up to 5 GB) with the content type of its key's extension.
    pub async fn put_object(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        body: Bytes,
    ) -> Result<StoredBytes> {
        let sent = crc64::checksum(&body);
        let call = calls::put_object(content_type_for(&location.key), None, body)?;
        self.exchange(&call, location, keys, |r, redactor| {
            stored(r, redactor, sent, "the object")
        })
        .await
    }

    /// Starts a multipart upload; keep its upload id to upload, list, complete or abort.
    pub async fn initiate_multipart_upload(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
    ) -> Result<InitiatedUpload> {
        let call = calls::initiate(content_type_for(&location.key));
        self.exchange(&call, location, keys, |r, redactor| {
            multipart::parse_initiate(&r.body).map_err(|e| {
                invalid(
                    r,
                    redactor,
                    format!("cannot read the InitiateMultipartUpload answer: {e}"),
                )
            })
        })
        .await
    }

    /// Uploads part `part_number` (1 to 10,000; uploading a number again replaces it): its
    /// [`Bytes`], or a [`PartBody`] whose CRC-64 the caller already computed.
    pub async fn upload_part(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        upload_id: &str,
        part_number: u32,
        body: impl Into<PartBody>,
    ) -> Result<StoredBytes> {
        let body = body.into();
        let sent = body.crc64();
        let call = calls::upload_part(upload_id, part_number, body.bytes)?;
        let what = format!("part {part_number}");
        self.exchange(&call, location, keys, |r, redactor| {
            stored(r, redactor, sent, &what)
        })
        .await
    }

    /// Completes the upload from `parts` (any order; sent ascending). When `expected_crc64`
    /// is given (the parts' CRCs combined), the object's CRC must equal it.
    pub async fn complete_multipart_upload(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        upload_id: &str,
        parts: &[CompletedPart],
        expected_crc64: Option<u64>,
    ) -> Result<CompletedObject> {
        let call = calls::complete(upload_id, parts)?;
        self.exchange(&call, location, keys, |r, redactor| {
            let upload = multipart::parse_complete(&r.body).map_err(|e| {
                invalid(
                    r,
                    redactor,
                    format!("cannot read the CompleteMultipartUpload answer: {e}"),
                )
            })?;
            let crc = server_crc(r, redactor)?;
            if let (Some(expected), Some(got)) = (expected_crc64, crc) {
                if expected != got {
                    return Err(mismatch(r, "the completed object", expected, got));
                }
            }
            Ok(CompletedObject {
                upload,
                crc64: crc,
                request_id: request_id(r),
            })
        })
        .await
    }

    /// Abandons the upload and frees its parts; Complete then fails with `NoSuchUpload`.
    pub async fn abort_multipart_upload(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        upload_id: &str,
    ) -> Result<()> {
        let call = calls::abort(upload_id)?;
        self.exchange(&call, location, keys, |_, _| Ok(())).await
    }

    /// One page of the parts uploaded so far: up to `max_parts` (1 to 1,000) after `marker`
    /// (the previous page's `next_part_number_marker`).
    pub async fn list_parts(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        upload_id: &str,
        marker: Option<u32>,
        max_parts: u32,
    ) -> Result<PartsPage> {
        let call = calls::list_parts(upload_id, marker, max_parts)?;
        self.exchange(&call, location, keys, |r, redactor| {
            multipart::parse_list_parts(&r.body).map_err(|e| {
                invalid(
                    r,
                    redactor,
                    format!("cannot read the ListParts answer: {e}"),
                )
            })
        })
        .await
    }
}

impl OssClient {
    /// Every part uploaded so far, in order, through as many ListParts pages as it takes
    /// (what a resumed upload rebuilds its parts from). Stops with an invalid-response error
    /// when a page's marker does not advance, rather than asking forever.
    pub async fn list_all_parts(
        &self,
        location: &ObjectLocation,
        keys: &SigningKey,
        upload_id: &str,
    ) -> Result<Vec<multipart::ListedPart>> {
        let mut parts = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .list_parts(location, keys, upload_id, marker, MAX_LIST_PARTS)
                .await?;
            parts.extend(page.parts);
            if !page.is_truncated {
                return Ok(parts);
            }
            let next = page.next_part_number_marker;
            if next <= marker || next.is_some_and(|n| n >= MAX_PARTS) {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "ListParts says more parts follow but its marker does not advance",
                )
                .with_context(crate::PROVIDER_NAME, "ListParts"));
            }
            marker = next;
        }
    }
}

/// Reads a PutObject or UploadPart answer and checks its CRC against `sent`.
fn stored(r: &Response, redactor: &Redactor, sent: u64, what: &str) -> Result<StoredBytes> {
    let etag = r
        .header("etag")
        .map(unquote)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| invalid(r, redactor, format!("OSS stored {what} but sent no ETag")))?
        .to_owned();
    let crc = server_crc(r, redactor)?;
    if let Some(got) = crc {
        if got != sent {
            return Err(mismatch(r, what, sent, got));
        }
    }
    Ok(StoredBytes {
        etag,
        crc64: sent,
        crc64_checked: crc.is_some(),
        request_id: request_id(r),
    })
}

fn server_crc(r: &Response, redactor: &Redactor) -> Result<Option<u64>> {
    match r.header(CRC64_HEADER) {
        None => Ok(None),
        Some(v) => crc64::parse_header(v).map(Some).ok_or_else(|| {
            invalid(
                r,
                redactor,
                format!("`{CRC64_HEADER}` is not a 64-bit number"),
            )
        }),
    }
}

fn request_id(r: &Response) -> Option<String> {
    r.header(REQUEST_ID_HEADER).map(str::to_owned)
}

fn mismatch(r: &Response, what: &str, ours: u64, theirs: u64) -> Error {
    Error::new(
        ErrorKind::ChecksumMismatch,
        format!(
            "OSS stored other bytes than were sent for {what}: its CRC-64 is {theirs}, ours \
             {ours} (damaged in transit; send it again)"
        ),
    )
    .with_vendor(
        VendorDetail::new()
            .request_id(request_id(r))
            .http_status(r.status),
    )
}
