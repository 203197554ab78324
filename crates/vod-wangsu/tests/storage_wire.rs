//! What the storage primitives put on the wire, and how they read hostile answers, against a
//! one-connection-per-answer HTTP server on loopback that records each request and answers what
//! the test says, echoing the token where a careless host might (`{token}` in the answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use bytes::Bytes;
use vod_core::config::HttpConfig;
use vod_core::{ErrorKind, Secret, WangsuStorageTarget};
use vod_wangsu::storage::{BLOCK_UNIT, BlockContext, BlockPlan, UploadBatch, WangsuStorage};

const TOKEN: &str = "AK-test:c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0:eyJzY29wZSI6ImI6ay5tcDQifQ==";

/// A request as the server read it.
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves one request with `status` and `body` (with `{token}` replaced by the token), and sends
/// what it read to the test. Returns the base URL.
fn serve_once(status: u16, body: &'static str) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut request_body = vec![0; len];
        reader.read_exact(&mut request_body).unwrap();
        let answer = body.replace("{token}", TOKEN);
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nX-Reqid: req-{status}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        let _ = tx.send(Seen {
            request_line: request_line.trim_end().to_owned(),
            headers,
            body: request_body,
        });
    });
    (url, rx)
}

fn target(url: &str) -> WangsuStorageTarget {
    WangsuStorageTarget::new(url, Secret::new(TOKEN), "vod/clip one.mp4")
}

fn storage() -> WangsuStorage {
    WangsuStorage::new(&HttpConfig::default()).unwrap()
}

#[tokio::test]
async fn mkblk_sends_the_bare_token_batch_and_key() {
    let (url, seen) = serve_once(
        200,
        r#"{"ctx":"c-1","checksum":"x","crc32":3421780262,"offset":9}"#,
    );
    let plan = BlockPlan::new(BLOCK_UNIT + 9, BLOCK_UNIT).unwrap();
    let batch = UploadBatch::parse("batch-7").unwrap();
    let answer = storage()
        .make_block(
            &target(&url),
            &batch,
            &plan.block(1).unwrap(),
            Bytes::from_static(b"123456789"),
        )
        .await
        .unwrap();
    assert_eq!(answer.ctx.as_str(), "c-1");
    let seen = seen.recv().unwrap();
    assert_eq!(seen.request_line, "POST /mkblk/9/1 HTTP/1.1");
    assert_eq!(seen.header("authorization"), Some(TOKEN));
    assert_eq!(seen.header("uploadbatch"), Some("batch-7"));
    assert_eq!(seen.header("key"), Some("dm9kL2NsaXAgb25lLm1wNA=="));
    assert_eq!(
        seen.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(seen.body, b"123456789");
}

#[tokio::test]
async fn mkfile_lists_the_contexts_in_order() {
    let (url, seen) = serve_once(200, r#"{"hash":"FvfDvB2AjgRzKt9nmWXMw0ynrjRB","key":"k"}"#);
    let contexts = [
        BlockContext::parse("a1").unwrap(),
        BlockContext::parse("b2").unwrap(),
    ];
    let answer = storage()
        .make_file(&target(&url), &UploadBatch::new(), 9, &contexts, None)
        .await
        .unwrap();
    assert_eq!(answer.key.as_deref(), Some("k"));
    let seen = seen.recv().unwrap();
    assert_eq!(seen.request_line, "POST /mkfile/9 HTTP/1.1");
    assert_eq!(
        seen.header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(seen.body, b"a1,b2");
}

#[tokio::test]
async fn a_form_upload_carries_the_token_in_its_field() {
    let (url, seen) = serve_once(
        200,
        r#"{"hash":"FiqubDXJT8-0FdvpX0CLnOke6Ebt","response":"{\"success\":0}"}"#,
    );
    storage()
        .form_upload(&target(&url), Bytes::from_static(b"hello world"))
        .await
        .unwrap();
    let seen = seen.recv().unwrap();
    assert_eq!(seen.request_line, "POST /file/upload HTTP/1.1");
    assert_eq!(seen.header("authorization"), None);
    let content_type = seen.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let body = String::from_utf8(seen.body.clone()).unwrap();
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(
        body.contains(&format!("name=\"token\"\r\n\r\n{TOKEN}\r\n")),
        "{body}"
    );
    assert!(body.contains("filename=\"clip one.mp4\""), "{body}");
    assert!(
        body.ends_with(&format!("\r\n\r\nhello world\r\n--{boundary}--\r\n")),
        "{body}"
    );
}

#[tokio::test]
async fn an_answer_that_echoes_the_token_is_quoted_redacted() {
    for (status, body, kind) in [
        (
            401,
            r#"{"code":"401","message":"token {token} expired"}"#,
            ErrorKind::CredentialExpired,
        ),
        (
            200,
            "<html>stored for {token}</html>",
            ErrorKind::InvalidResponse,
        ),
        (
            502,
            "<html>bad gateway {token}</html>",
            ErrorKind::Unavailable,
        ),
        (
            400,
            r#"{"code":400,"error":"bad {token}","token":"{token}"}"#,
            ErrorKind::InvalidInput,
        ),
    ] {
        let (url, _seen) = serve_once(status, body);
        let err = storage()
            .form_upload(&target(&url), Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.request_id(), Some(format!("req-{status}").as_str()));
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }
}

#[tokio::test]
async fn a_wrong_crc_or_offset_in_a_chunk_answer_is_caught() {
    let plan = BlockPlan::new(3, BLOCK_UNIT).unwrap();
    for (body, kind) in [
        (
            r#"{"ctx":"c","crc32":1,"offset":3}"#,
            ErrorKind::ChecksumMismatch,
        ),
        (
            r#"{"ctx":"c","crc32":891568578,"offset":2}"#,
            ErrorKind::InvalidResponse,
        ),
        (
            r#"{"ctx":"c/d","crc32":891568578,"offset":3}"#,
            ErrorKind::InvalidResponse,
        ),
    ] {
        let (url, _seen) = serve_once(200, body);
        let err = storage()
            .make_block(
                &target(&url),
                &UploadBatch::new(),
                &plan.block(0).unwrap(),
                Bytes::from_static(b"abc"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{body}: {err}");
        assert_eq!(err.http_status(), Some(200));
    }
}
