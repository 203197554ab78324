//! A streaming `multipart/form-data` reader for the form upload: the `file` part goes through
//! the checksums (and into a file) piece by piece, never whole in memory; the small text fields
//! (`token`, `key`, ...) are collected up to a bound.

use std::path::Path;

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use crate::storage::body::InTransit;
use crate::storage::digest::{Digests, Sums, Want};

/// The most bytes a text field or a part's headers may have.
const MAX_FIELD: usize = 64 * 1024;

/// What a form upload carried.
#[derive(Debug, Default)]
pub(crate) struct Form {
    /// Text fields by name, in order.
    pub(crate) fields: Vec<(String, String)>,
    /// The checksums of the `file` part, if there was one.
    pub(crate) file: Option<Sums>,
}

impl Form {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a form could not be read.
#[derive(Debug)]
pub(crate) enum FormError {
    Malformed(&'static str),
    TooLarge,
    Io(std::io::Error),
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

enum State {
    Preamble,
    Headers,
    Content { name: String, is_file: bool },
    Done,
}

/// Reads the form; the `file` part (at most `limit` bytes) is written to `file` when given.
pub(crate) async fn read(
    mut body: Body,
    boundary: &str,
    file: Option<&Path>,
    limit: u64,
    transit: InTransit,
) -> Result<Form, FormError> {
    let first = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut out = None;
    let mut form = Form::default();
    let mut digests = Digests::new(Want::WCS_FILE);
    let mut field = Vec::new();
    let mut damaged = false;
    let mut buf: Vec<u8> = Vec::new();
    let mut state = State::Preamble;
    let mut ended = false;
    loop {
        // Work through what is buffered.
        loop {
            match &mut state {
                State::Preamble => {
                    let Some(at) = find(&buf, first.as_bytes()) else {
                        if buf.len() > MAX_FIELD {
                            return Err(FormError::Malformed("no opening boundary"));
                        }
                        break;
                    };
                    // Put the CRLF the delimiter expects in front of the first boundary.
                    buf.drain(..at + first.len());
                    buf.splice(0..0, *b"\r\n--");
                    buf.splice(4..4, boundary.bytes());
                    state = State::Content {
                        name: String::new(),
                        is_file: false,
                    };
                    // An empty "content" before the first boundary.
                }
                State::Headers => {
                    let Some(at) = find(&buf, b"\r\n\r\n") else {
                        if buf.len() > MAX_FIELD {
                            return Err(FormError::Malformed("part headers too long"));
                        }
                        break;
                    };
                    let headers = String::from_utf8_lossy(&buf[..at]).into_owned();
                    buf.drain(..at + 4);
                    let (name, is_file) = disposition(&headers)
                        .ok_or(FormError::Malformed("a part without a form-data name"))?;
                    if is_file {
                        if form.file.is_some() {
                            return Err(FormError::Malformed("more than one file"));
                        }
                        if let Some(path) = file {
                            out = Some(tokio::fs::File::create(path).await.map_err(FormError::Io)?);
                        }
                    }
                    field.clear();
                    state = State::Content { name, is_file };
                }
                State::Content { name, is_file } => {
                    // A delimiter followed by anything but "--" or CRLF is not a boundary line
                    // (RFC 2046 forbids it in content; be lenient and keep it as content).
                    let found = find(&buf, &delimiter);
                    let mut lenient = false;
                    let (usable, tail) = match found {
                        None => (buf.len().saturating_sub(delimiter.len() + 4), None),
                        Some(at) if buf.len() < at + delimiter.len() + 2 => (at, None),
                        Some(at) => {
                            let tail = [buf[at + delimiter.len()], buf[at + delimiter.len() + 1]];
                            if &tail == b"--" || &tail == b"\r\n" {
                                (at, Some(tail))
                            } else {
                                lenient = true;
                                (at + delimiter.len(), None)
                            }
                        }
                    };
                    if usable > 0 {
                        let mut piece: Vec<u8> = buf.drain(..usable).collect();
                        if *is_file {
                            if transit.damage && !damaged {
                                piece[0] ^= 0xFF;
                                damaged = true;
                            }
                            if digests.size() + piece.len() as u64 > limit {
                                return Err(FormError::TooLarge);
                            }
                            digests.update(&piece);
                            if let Some(out) = out.as_mut() {
                                out.write_all(&piece).await.map_err(FormError::Io)?;
                            }
                        } else if !name.is_empty() {
                            if field.len() + piece.len() > MAX_FIELD {
                                return Err(FormError::TooLarge);
                            }
                            field.extend_from_slice(&piece);
                        }
                    }
                    let Some(tail) = tail else {
                        if lenient {
                            continue;
                        }
                        break;
                    };
                    buf.drain(..delimiter.len() + 2);
                    if *is_file {
                        if let Some(mut out) = out.take() {
                            out.flush().await.map_err(FormError::Io)?;
                        }
                        form.file = Some(
                            std::mem::replace(&mut digests, Digests::new(Want::WCS_FILE)).finish(),
                        );
                    } else if !name.is_empty() {
                        form.fields.push((
                            std::mem::take(name),
                            String::from_utf8_lossy(&field).into_owned(),
                        ));
                    }
                    state = if &tail == b"--" {
                        State::Done
                    } else {
                        State::Headers
                    };
                }
                State::Done => return Ok(form),
            }
        }
        if ended {
            return Err(FormError::Malformed(
                "the form ends before its closing boundary",
            ));
        }
        match body.frame().await {
            None => ended = true,
            Some(Err(_)) => return Err(FormError::Malformed("the body was cut off")),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
}

/// The `name` of a part and whether it is the `file` part, from its headers.
fn disposition(headers: &str) -> Option<(String, bool)> {
    let line = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    for param in line.split(';').skip(1) {
        if let Some((key, value)) = param.split_once('=') {
            if key.trim().eq_ignore_ascii_case("name") {
                name = Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    let name = name?;
    let is_file = name == "file";
    Some((name, is_file))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(body: Vec<u8>, boundary: &str) -> Result<Form, FormError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(read(
                Body::from(body),
                boundary,
                None,
                u64::MAX,
                InTransit::default(),
            ))
    }

    fn form(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut body = b"preamble\r\n".to_vec();
        for (name, value) in parts {
            let filename = if *name == "file" {
                "; filename=\"a b.mp4\""
            } else {
                ""
            };
            body.extend_from_slice(
                format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--B--\r\n");
        body
    }

    #[test]
    fn reads_fields_and_the_file() {
        let file = b"--B\r\n not a boundary \r\n--Bx".repeat(5000);
        let parsed = run(
            form(&[("token", b"t:o:k"), ("file", &file), ("key", b"k")]),
            "B",
        )
        .unwrap();
        assert_eq!(parsed.field("token"), Some("t:o:k"));
        assert_eq!(parsed.field("key"), Some("k"));
        let sums = parsed.file.unwrap();
        let mut expected = Digests::new(Want::WCS_FILE);
        expected.update(&file);
        assert_eq!(sums, expected.finish());
        assert!(run(form(&[("file", b"")]), "B").unwrap().file.unwrap().size == 0);
        assert!(matches!(
            run(b"--B\r\nno end".to_vec(), "B"),
            Err(FormError::Malformed(_))
        ));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\""),
            Some("abc".to_owned())
        );
        assert_eq!(boundary("application/json"), None);
    }

    proptest! {
        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
            let _ = run(body.clone(), "B");
            let mut valid = form(&[("token", &body), ("file", &body)]);
            valid.truncate(cut.min(valid.len()));
            let _ = run(valid, "B");
        }
    }
}
