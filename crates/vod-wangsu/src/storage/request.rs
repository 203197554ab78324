//! The four storage requests, built as plain data before anything is sent.
//!
//! Building is pure, so the wire format (paths, headers, body) is tested byte for byte without a
//! server, and every check on the input (a token that cannot be a header, a chunk too big for its
//! block, a missing context) fails before a byte leaves.
//!
//! Headers, as the VoD doc and the vendor's Go and Python SDKs send them:
//!
//! | header | value | on |
//! |---|---|---|
//! | `Authorization` | the upload token, bare (the JS and Java SDKs prefix `UpToken `; the VoD doc does not) | mkblk, bput, mkfile |
//! | `UploadBatch` | the [`UploadBatch`] of the file | mkblk, bput, mkfile |
//! | `Key` | URL-safe base64 (padded) of the target's `file_key`, left out when that is empty | mkblk, bput, mkfile |
//! | `Content-Type` | `application/octet-stream`; mkfile `text/plain;charset=UTF-8`; form `multipart/form-data; boundary=…` | all |
//!
//! The form upload carries the token in its `token` field instead of a header.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use bytes::Bytes;
use vod_core::raw::endpoint::{Endpoint, with_scheme};
use vod_core::{Error, Result, WangsuStorageTarget};

use super::form::FormBody;
use super::ids::{BlockContext, UploadBatch};
use super::plan::Block;

/// The content type of mkblk and bput bodies.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// The content type of the mkfile body.
pub const MKFILE_CONTENT_TYPE: &str = "text/plain;charset=UTF-8";

/// Which storage call a request is; its name in errors and tracing spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /file/upload`: a whole file in one form.
    FormUpload,
    /// `POST /mkblk/{blockSize}/{index}`: a block and its first chunk.
    MakeBlock,
    /// `POST /bput/{ctx}/{offset}`: the next chunk of a block.
    PutChunk,
    /// `POST /mkfile/{size}`: the file from the last context of every block.
    MakeFile,
}

impl Operation {
    /// The name in errors and spans: the path's first segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FormUpload => "file/upload",
            Self::MakeBlock => "mkblk",
            Self::PutChunk => "bput",
            Self::MakeFile => "mkfile",
        }
    }
}

/// A storage request ready to send: `POST url` with `headers` and the `body` pieces in order.
///
/// `Debug` shows the operation, header names and body length only: the `Authorization` header and
/// a form body hold the upload token.
#[derive(Clone)]
pub struct StorageRequest {
    /// Which call this is.
    pub operation: Operation,
    /// The full URL.
    pub url: String,
    /// The headers, exactly as sent.
    pub headers: Vec<(&'static str, String)>,
    /// The body, as pieces sent one after the other (a form upload's file is not copied into its
    /// envelope).
    pub body: Vec<Bytes>,
}

impl std::fmt::Debug for StorageRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("StorageRequest")
            .field("operation", &self.operation)
            .field("headers", &names)
            .field("body_len", &self.body_len())
            .finish_non_exhaustive()
    }
}

impl StorageRequest {
    /// The body length in bytes.
    pub fn body_len(&self) -> u64 {
        self.body.iter().map(|p| p.len() as u64).sum()
    }

    /// A header's value (names match without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A form upload of the whole `file`, its parts separated by `boundary` (see [`FormBody::new`]).
/// The file part is named after the last segment of the target's `file_key`.
pub fn form_upload(
    target: &WangsuStorageTarget,
    file: Bytes,
    boundary: &str,
) -> Result<StorageRequest> {
    let base = base_url(target)?;
    let token = token(target)?;
    let file_name = target
        .file_key
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("file");
    let body = FormBody::new(boundary, token, file_name, file);
    Ok(StorageRequest {
        operation: Operation::FormUpload,
        url: base.join("file/upload").as_str().to_owned(),
        headers: vec![("Content-Type", body.content_type.clone())],
        body: body.pieces.to_vec(),
    })
}

/// mkblk: opens `block` with its first chunk (at most the block's size, not empty).
pub fn make_block(
    target: &WangsuStorageTarget,
    batch: &UploadBatch,
    block: &Block,
    first_chunk: Bytes,
) -> Result<StorageRequest> {
    if first_chunk.is_empty() {
        return Err(Error::invalid_input("chunk", "must not be empty"));
    }
    if first_chunk.len() as u64 > block.size() {
        return Err(Error::invalid_input(
            "chunk",
            format!(
                "must fit in its block of {} bytes (got {})",
                block.size(),
                first_chunk.len()
            ),
        ));
    }
    let path = format!("mkblk/{}/{}", block.size(), block.index());
    slice_request(
        Operation::MakeBlock,
        target,
        batch,
        &path,
        OCTET_STREAM,
        first_chunk,
    )
}

/// bput: the next `chunk` of a block, at `offset` within the block (the `offset` of the previous
/// chunk's answer), after the block's latest context `ctx`.
pub fn put_chunk(
    target: &WangsuStorageTarget,
    batch: &UploadBatch,
    ctx: &BlockContext,
    offset: u64,
    chunk: Bytes,
) -> Result<StorageRequest> {
    if chunk.is_empty() {
        return Err(Error::invalid_input("chunk", "must not be empty"));
    }
    if offset == 0 {
        return Err(Error::invalid_input(
            "offset",
            "must be positive: a block's first chunk goes with mkblk",
        ));
    }
    let path = format!("bput/{ctx}/{offset}");
    slice_request(
        Operation::PutChunk,
        target,
        batch,
        &path,
        OCTET_STREAM,
        chunk,
    )
}

/// mkfile: makes the file of `file_size` bytes from `contexts`, the last context of every block
/// in block order (none for an empty file).
pub fn make_file(
    target: &WangsuStorageTarget,
    batch: &UploadBatch,
    file_size: u64,
    contexts: &[BlockContext],
) -> Result<StorageRequest> {
    if file_size > 0 && contexts.is_empty() {
        return Err(Error::invalid_input(
            "contexts",
            "must list the last context of every block of a non-empty file",
        ));
    }
    let body = contexts
        .iter()
        .map(BlockContext::as_str)
        .collect::<Vec<_>>()
        .join(",");
    let path = format!("mkfile/{file_size}");
    slice_request(
        Operation::MakeFile,
        target,
        batch,
        &path,
        MKFILE_CONTENT_TYPE,
        Bytes::from(body),
    )
}

/// A slice-upload request: token, batch and key headers, one body piece.
fn slice_request(
    operation: Operation,
    target: &WangsuStorageTarget,
    batch: &UploadBatch,
    path: &str,
    content_type: &str,
    body: Bytes,
) -> Result<StorageRequest> {
    let base = base_url(target)?;
    let mut headers = vec![
        ("Authorization", token(target)?.to_owned()),
        ("UploadBatch", batch.as_str().to_owned()),
        ("Content-Type", content_type.to_owned()),
    ];
    if !target.file_key.is_empty() {
        headers.push(("Key", URL_SAFE.encode(&target.file_key)));
    }
    Ok(StorageRequest {
        operation,
        url: base.join(path).as_str().to_owned(),
        headers,
        body: vec![body],
    })
}

/// The target's upload URL, checked (`https://` added when the vendor left the scheme off).
fn base_url(target: &WangsuStorageTarget) -> Result<Endpoint> {
    Endpoint::parse(
        "upload_url",
        &with_scheme(&target.upload_url),
        "https://upload.cloudv.haplat.net",
    )
    .map_err(|e| {
        let rule = e
            .message()
            .strip_prefix("`upload_url` ")
            .unwrap_or(e.message());
        Error::invalid_input("upload_url", rule)
    })
}

/// The upload token, checked to be sendable as a header value. Errors never quote it.
fn token(target: &WangsuStorageTarget) -> Result<&str> {
    let token = target.upload_token.expose();
    if token.is_empty() {
        return Err(Error::invalid_input("upload_token", "must not be empty"));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_input(
            "upload_token",
            "may only hold visible ASCII characters",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{BLOCK_UNIT, BlockPlan};
    use vod_core::{ErrorKind, Secret};

    const TOKEN: &str = "AK:c2lnbmF0dXJl:eyJzY29wZSI6ImIifQ==";

    fn target(url: &str, key: &str) -> WangsuStorageTarget {
        WangsuStorageTarget::new(url, Secret::new(TOKEN), key)
    }

    fn batch() -> UploadBatch {
        UploadBatch::parse("0b0e7a44-5c5e-4b0e-9d0e-2f6f1f1f1f1f").unwrap()
    }

    fn joined(request: &StorageRequest) -> Vec<u8> {
        request.body.iter().flat_map(|p| p.to_vec()).collect()
    }

    #[test]
    fn make_block_wire_format() {
        let plan = BlockPlan::new(BLOCK_UNIT + 5, BLOCK_UNIT).unwrap();
        let t = target("https://upload.example.com/", "vod/2026/a.mp4");
        let r = make_block(
            &t,
            &batch(),
            &plan.block(1).unwrap(),
            Bytes::from_static(b"abc"),
        )
        .unwrap();
        assert_eq!(r.operation, Operation::MakeBlock);
        assert_eq!(r.url, "https://upload.example.com/mkblk/5/1");
        assert_eq!(r.header("authorization"), Some(TOKEN));
        assert_eq!(r.header("uploadbatch"), Some(batch().as_str()));
        assert_eq!(r.header("key"), Some("dm9kLzIwMjYvYS5tcDQ="));
        assert_eq!(r.header("content-type"), Some(OCTET_STREAM));
        assert_eq!(joined(&r), b"abc");
        let r = make_block(
            &t,
            &batch(),
            &plan.block(0).unwrap(),
            Bytes::from_static(b"x"),
        )
        .unwrap();
        assert_eq!(r.url, "https://upload.example.com/mkblk/4194304/0");
    }

    #[test]
    fn put_chunk_and_make_file_wire_format() {
        let t = target("http://127.0.0.1:9000/up", "");
        let ctx = BlockContext::parse("Y3R4LTE=").unwrap();
        let r = put_chunk(&t, &batch(), &ctx, 1024, Bytes::from_static(b"zz")).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:9000/up/bput/Y3R4LTE=/1024");
        assert_eq!(r.header("key"), None, "no Key header for an empty file key");
        let ctxs = [ctx.clone(), BlockContext::parse("b2").unwrap()];
        let r = make_file(&t, &batch(), 99, &ctxs).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:9000/up/mkfile/99");
        assert_eq!(r.header("content-type"), Some(MKFILE_CONTENT_TYPE));
        assert_eq!(joined(&r), b"Y3R4LTE=,b2");
        let r = make_file(&t, &batch(), 0, &[]).unwrap();
        assert_eq!(r.body_len(), 0);
    }

    #[test]
    fn form_upload_wire_format() {
        let t = target("upload.example.com", "dir/clip.mp4");
        let r = form_upload(&t, Bytes::from_static(b"DATA"), "B0").unwrap();
        assert_eq!(r.url, "https://upload.example.com/file/upload");
        assert_eq!(
            r.header("content-type"),
            Some("multipart/form-data; boundary=B0")
        );
        assert_eq!(r.header("authorization"), None);
        let body = String::from_utf8(joined(&r)).unwrap();
        assert!(
            body.contains(&format!("name=\"token\"\r\n\r\n{TOKEN}\r\n")),
            "{body}"
        );
        assert!(body.contains("filename=\"clip.mp4\""), "{body}");
        assert!(body.ends_with("\r\n\r\nDATA\r\n--B0--\r\n"), "{body}");
    }

    #[test]
    fn bad_input_is_refused_naming_the_field() {
        let plan = BlockPlan::new(10, BLOCK_UNIT).unwrap();
        let block = plan.block(0).unwrap();
        let t = target("https://u.example.com", "k");
        let field = |r: Result<StorageRequest>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(
            field(make_block(&t, &batch(), &block, Bytes::new())).as_deref(),
            Some("chunk")
        );
        assert_eq!(
            field(make_block(&t, &batch(), &block, Bytes::from(vec![0; 11]))).as_deref(),
            Some("chunk")
        );
        let ctx = BlockContext::parse("c").unwrap();
        assert_eq!(
            field(put_chunk(&t, &batch(), &ctx, 0, Bytes::from_static(b"a"))).as_deref(),
            Some("offset")
        );
        assert_eq!(
            field(make_file(&t, &batch(), 10, &[])).as_deref(),
            Some("contexts")
        );
        for url in [
            "ftp://u.example.com",
            "https://user:pw@u.example.com",
            "https://",
        ] {
            let err = form_upload(&target(url, "k"), Bytes::new(), "b").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(err.field(), Some("upload_url"), "{url}");
            assert!(!err.to_string().contains("pw"));
        }
        for token in ["", "a b", "tok\r\nX-Evil: 1"] {
            let t = WangsuStorageTarget::new("https://u.example.com", Secret::new(token), "k");
            let err = make_file(&t, &batch(), 0, &[]).unwrap_err();
            assert_eq!(err.field(), Some("upload_token"));
            assert!(token.is_empty() || !err.to_string().contains(token));
        }
    }

    #[test]
    fn debug_shows_no_token() {
        let t = target("https://u.example.com", "k");
        for r in [
            form_upload(&t, Bytes::from_static(b"x"), "b").unwrap(),
            make_file(&t, &batch(), 0, &[]).unwrap(),
        ] {
            let text = format!("{r:?}");
            assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
        }
    }
}
