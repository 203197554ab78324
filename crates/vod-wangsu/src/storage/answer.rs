//! What the upload host answers on success, read leniently and never with a panic.
//!
//! - mkblk and bput answer `{"ctx","checksum","crc32","offset"}` (the vendor's Go SDK and the
//!   multipart-upload doc): `ctx` names the block so far, `crc32` is the CRC-32 of the chunk
//!   received, `offset` the next offset within the block. Numbers may come as JSON numbers or as
//!   digit strings; other fields are ignored.
//! - mkfile and form upload answer a JSON object. The form answer is documented
//!   (`{"hash","response"}`); the mkfile answer is not (*inferred*: Qiniu's identical API
//!   answers `{"hash","key"}`, and a put policy's `returnBody` may change it). So any JSON answer
//!   with a success status is a success, and its `hash`, when it has one, is checked.
//!
//! Any other status is an error answer, read by [`super::error`].

use serde_json::Value;
use vod_core::raw::redact::Redactor;
use vod_core::{Error, Result};

use super::error::storage_error;
use super::ids::BlockContext;

/// A mkblk or bput answer: the block's latest context and what the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChunkAnswer {
    /// The block's context after this chunk: the next bput names it, and the last one of each
    /// block goes to mkfile.
    pub ctx: BlockContext,
    /// The next offset within the block (the bytes of the block received so far).
    pub offset: u64,
    /// The CRC-32/IEEE of the chunk the server received.
    pub crc32: u32,
    /// The server's own checksum of the block so far (`checksum`), when sent; opaque.
    pub checksum: Option<String>,
    /// The host that holds the block (`host`, as Qiniu sends), when sent.
    pub host: Option<String>,
}

/// A form upload or mkfile answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FileAnswer {
    /// The stored file's hash (`hash`), when the answer has one.
    pub hash: Option<String>,
    /// The stored file's key (`key`), when the answer has one.
    pub key: Option<String>,
    /// The whole answer, for fields a put policy's `returnBody` adds.
    pub body: Value,
}

/// Reads a mkblk or bput answer: an error answer for a status other than 2xx, else the chunk
/// answer. The redactor keeps secrets out of quoted text.
pub fn read_chunk(status: u16, body: &[u8], redactor: &Redactor) -> Result<ChunkAnswer> {
    read(status, body, redactor, parse_chunk)
}

/// Reads a form-upload or mkfile answer: an error answer for a status other than 2xx, else any
/// JSON answer.
pub fn read_file(status: u16, body: &[u8], redactor: &Redactor) -> Result<FileAnswer> {
    read(status, body, redactor, parse_file)
}

fn read<T>(
    status: u16,
    body: &[u8],
    redactor: &Redactor,
    parse: fn(&[u8]) -> std::result::Result<T, String>,
) -> Result<T> {
    if !(200..300).contains(&status) {
        return Err(storage_error(status, body, redactor));
    }
    parse(body).map_err(|what| {
        Error::invalid_response(
            status,
            format!("unreadable Wangsu storage answer: {what}"),
            &redactor.excerpt(body),
        )
    })
}

/// A chunk answer from a success body, or what is wrong with it.
pub fn parse_chunk(body: &[u8]) -> std::result::Result<ChunkAnswer, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| "the answer is not JSON".to_owned())?;
    let object = value.as_object().ok_or("the answer is not a JSON object")?;
    let ctx = object
        .get("ctx")
        .and_then(Value::as_str)
        .ok_or("the answer has no `ctx`")?;
    let ctx = BlockContext::parse(ctx).map_err(|e| format!("its {}", e.message()))?;
    let number = |name: &str| -> std::result::Result<u64, String> {
        match object.get(name) {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => return Err(format!("the answer has no `{name}`")),
        }
        .ok_or_else(|| format!("`{name}` is not a non-negative integer"))
    };
    let crc32 = u32::try_from(number("crc32")?).map_err(|_| "`crc32` exceeds 32 bits")?;
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(ChunkAnswer {
        ctx,
        offset: number("offset")?,
        crc32,
        checksum: text("checksum"),
        host: text("host"),
    })
}

/// A file answer from a success body (any JSON), or what is wrong with it.
pub fn parse_file(body: &[u8]) -> std::result::Result<FileAnswer, String> {
    let body: Value =
        serde_json::from_slice(body).map_err(|_| "the answer is not JSON".to_owned())?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(FileAnswer {
        hash: text("hash"),
        key: text("key"),
        body: body.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::ErrorKind;

    #[test]
    fn chunk_answers() {
        let a = parse_chunk(
            br#"{"ctx":"AAAA_-b=","checksum":"c1","crc32":3421780262,"offset":9,"host":"h","x":1}"#,
        )
        .unwrap();
        assert_eq!(a.ctx.as_str(), "AAAA_-b=");
        assert_eq!((a.crc32, a.offset), (3_421_780_262, 9));
        assert_eq!(a.checksum.as_deref(), Some("c1"));
        assert_eq!(a.host.as_deref(), Some("h"));
        // Numbers as strings.
        let a = parse_chunk(br#"{"ctx":"c","crc32":"7","offset":" 8 "}"#).unwrap();
        assert_eq!((a.crc32, a.offset, a.checksum), (7, 8, None));
    }

    #[test]
    fn bad_chunk_answers_say_what_is_wrong() {
        for (body, says) in [
            (&b"nope"[..], "not JSON"),
            (b"[1]", "not a JSON object"),
            (br#"{"crc32":1,"offset":1}"#, "no `ctx`"),
            (br#"{"ctx":"a/b","crc32":1,"offset":1}"#, "`ctx`"),
            (br#"{"ctx":"c","offset":1}"#, "no `crc32`"),
            (br#"{"ctx":"c","crc32":-1,"offset":1}"#, "`crc32` is not"),
            (
                br#"{"ctx":"c","crc32":4294967296,"offset":1}"#,
                "exceeds 32 bits",
            ),
            (br#"{"ctx":"c","crc32":1,"offset":1.5}"#, "`offset` is not"),
        ] {
            let what = parse_chunk(body).unwrap_err();
            assert!(what.contains(says), "{what} / {says}");
        }
    }

    #[test]
    fn file_answers() {
        let a =
            parse_file(br#"{"hash":"FiqubDXJT8-0FdvpX0CLnOke6Ebt","response":"{\"success\":0}"}"#)
                .unwrap();
        assert_eq!(a.hash.as_deref(), Some("FiqubDXJT8-0FdvpX0CLnOke6Ebt"));
        assert_eq!(a.key, None);
        let a = parse_file(b"[]").unwrap();
        assert_eq!(a.hash, None);
        assert!(parse_file(b"").is_err());
    }

    #[test]
    fn success_status_with_bad_body_is_invalid_and_redacted() {
        let redactor = Redactor::new().values(["AK:sig:policy-secret"]);
        let err =
            read_chunk(200, b"<html>token AK:sig:policy-secret</html>", &redactor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert_eq!(err.http_status(), Some(200));
        assert!(!err.to_string().contains("policy-secret"), "{err}");
        assert!(err.to_string().contains("not JSON"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..300), status in 0u16..1000) {
            let _ = parse_chunk(&body);
            let _ = parse_file(&body);
            let redactor = Redactor::new().values(["secret-token"]);
            let _ = read_chunk(status, &body, &redactor);
            let _ = read_file(status, &body, &redactor);
        }

        #[test]
        fn json_shaped_answers_never_panic(
            ctx in ".{0,20}",
            crc in proptest::num::i64::ANY,
            offset in "[0-9 .e-]{0,25}",
        ) {
            let body = serde_json::json!({"ctx": ctx, "crc32": crc, "offset": offset}).to_string();
            let _ = parse_chunk(body.as_bytes());
        }
    }
}
