//! What the CLI prints on standard output, and how it prints it without ever panicking.
//!
//! Each command builds its whole output as text first, then writes it once and flushes: a JSON
//! encoding failure prints nothing, and a write failure (a full disk, a closed pipe) comes back
//! as an error for `main` to turn into an exit status, where `println!` would panic.

use std::fmt::Write as _;
use std::io::{self, Write};

use vod::{UploadCredential, UploadTarget};

use crate::failure::Failure;

/// `cred` as the handover JSON, secrets included (what `--json` asks for).
pub fn credential_json(cred: &UploadCredential) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(cred).map_err(Failure::Encode)?;
    text.push('\n');
    Ok(text)
}

/// `cred` as a summary for people, with every secret redacted.
pub fn credential_summary(cred: &UploadCredential) -> String {
    let now = vod::time::OffsetDateTime::now_utc();
    let mut s = String::new();
    // Writing to a String cannot fail: the results are ignored.
    let _ = writeln!(s, "provider:   {}", cred.provider);
    let _ = writeln!(s, "media id:   {}", cred.media_id);
    match &cred.target {
        UploadTarget::Oss(t) => {
            let _ = writeln!(s, "upload to:  PUT {}", t.object_url());
            let _ = writeln!(
                s,
                "sts key id: {} (secret and security token redacted)",
                t.access_key_id
            );
        }
        UploadTarget::WangsuStorage(t) => {
            let _ = writeln!(s, "upload to:  {} as {}", t.upload_url, t.file_key);
            let _ = writeln!(s, "token:      {}", t.upload_token);
        }
        other => {
            let _ = writeln!(s, "upload to:  {other}");
        }
    }
    let _ = writeln!(
        s,
        "expires:    {} (in {} s)",
        vod::raw::expiry::rfc3339_seconds(cred.expires_at),
        cred.expires_in(now).whole_seconds()
    );
    if let Some(id) = &cred.request_id {
        let _ = writeln!(s, "request id: {id}");
    }
    if let Some(id) = &cred.resume_id {
        let _ = writeln!(
            s,
            "resume id:  {id} (pass as --resume-id when refreshing by --video-id)"
        );
    }
    s.push_str("(use --json to print the credential with its secrets for the uploader)\n");
    s
}

/// Prints `cred` as JSON (secrets included) or as a redacted summary.
pub fn credential(cred: &UploadCredential, json: bool) -> Result<(), Failure> {
    let text = if json {
        credential_json(cred)?
    } else {
        credential_summary(cred)
    };
    print(&text)
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

/// Standard output that remembers whether a write to it failed, for code that reports any I/O
/// error the same way (the emulator's start-up both binds ports and prints its URLs).
#[derive(Debug, Default)]
pub struct Stdout {
    failed: bool,
}

impl Stdout {
    /// Whether a write or flush failed.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        self.failed |= result.is_err();
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = io::stdout().write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = io::stdout().flush();
        self.note(result)
    }
}
