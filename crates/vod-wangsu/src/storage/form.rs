//! The `multipart/form-data` body of a form upload, built around the file without copying it.
//!
//! A form upload sends the token and the file as two form fields. The file may be large (the VoD
//! host takes up to 2 GB this way), so the body is three pieces: the envelope before the file, the
//! file's own [`Bytes`], and the closing boundary. A transport can send them one after the other
//! (streamed) instead of joining them into one copy.
//!
//! Only `token` and `file` are sent, as the vendor's Python SDK does: the key comes from the
//! token's scope, which Wangsu VoD sets when it issues the token.

use bytes::Bytes;

/// The body of a form upload: pieces to send in order, and its content type.
#[derive(Clone)]
pub struct FormBody {
    /// `multipart/form-data; boundary=…`.
    pub content_type: String,
    /// The envelope before the file, the file, and the end.
    pub pieces: [Bytes; 3],
}

impl std::fmt::Debug for FormBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The envelope holds the upload token.
        f.debug_struct("FormBody")
            .field("content_type", &self.content_type)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl FormBody {
    /// The body with fields `token` and `file` (named `file_name`, as
    /// `application/octet-stream`), separated by `boundary`.
    ///
    /// `boundary` must not occur in the file: callers pass a random one
    /// ([`random_boundary`]), which 128 random bits make safe. `file_name` is written as HTML
    /// forms write it: `"`, CR and LF percent-encoded.
    pub fn new(boundary: &str, token: &str, file_name: &str, file: Bytes) -> Self {
        let name = file_name
            .replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        let head = format!(
            "--{boundary}\r\n\
             Content-Disposition: form-data; name=\"token\"\r\n\r\n\
             {token}\r\n\
             --{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        Self {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            pieces: [Bytes::from(head), file, Bytes::from(tail)],
        }
    }

    /// The body length in bytes.
    pub fn len(&self) -> u64 {
        self.pieces.iter().map(|p| p.len() as u64).sum()
    }

    /// Whether the body is empty (never: the envelope is always there).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A fresh boundary: `vod-` and 32 random hex digits.
pub fn random_boundary() -> String {
    format!("vod-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let body = FormBody::new(
            "XyZ",
            "ak:sig:policy",
            "a\"b\r\n.mp4",
            Bytes::from_static(b"\x00\x01"),
        );
        let joined: Vec<u8> = body.pieces.iter().flat_map(|p| p.to_vec()).collect();
        let expected =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nak:sig:policy\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b%0D%0A.mp4\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--XyZ--\r\n";
        assert_eq!(joined, expected.to_vec());
        assert_eq!(body.len(), expected.len() as u64);
        assert_eq!(body.content_type, "multipart/form-data; boundary=XyZ");
        assert!(!format!("{body:?}").contains("ak:sig"));
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(random_boundary(), random_boundary());
        assert_eq!(random_boundary().len(), 36);
    }
}
