//! What the CLI prints on standard output, and how it prints it without ever panicking.
//!
//! Each command builds its whole output as text first, then writes it once and flushes: a JSON
//! encoding failure prints nothing, and a write failure (a full disk, a closed pipe) comes back
//! as an error for `main` to turn into an exit status, where `println!` would panic.

use std::fmt::Write as _;
use std::io::{self, Write};

use std::path::Path;

use vod::upload::UploadOutcome;
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

/// The result of `vod upload --json`: one object with what a script needs to find the video and
/// judge the run. An [`UploadOutcome`] holds nothing secret, and only its fields are used.
pub fn upload_json(outcome: &UploadOutcome, file: &Path) -> Result<String, Failure> {
    let value = serde_json::json!({
        "media_id": outcome.media_id,
        "provider": outcome.provider,
        "file": file.to_string_lossy(),
        "key": outcome.key,
        "size": outcome.size,
        "parts": outcome.parts,
        "parts_resumed": outcome.parts_resumed,
        "refreshes": outcome.refreshes,
        // Milliseconds are plenty for a figure people compare between runs.
        "elapsed_secs": (outcome.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "checksum": outcome.checksum.as_ref().map(|c| serde_json::json!({
            "algorithm": c.algorithm,
            "value": c.value,
        })),
        "started_afresh": outcome.started_afresh,
    });
    let mut text = serde_json::to_string_pretty(&value).map_err(Failure::Encode)?;
    text.push('\n');
    Ok(text)
}

/// The result of `vod upload` for people.
pub fn upload_summary(outcome: &UploadOutcome, file: &Path) -> String {
    let mut s = String::new();
    let secs = outcome.elapsed.as_secs_f64();
    let _ = writeln!(s, "uploaded:   {}", file.display());
    let _ = writeln!(s, "provider:   {}", outcome.provider);
    let _ = writeln!(s, "media id:   {}", outcome.media_id);
    let _ = writeln!(s, "stored as:  {}", outcome.key);
    let _ = write!(
        s,
        "size:       {} bytes ({}) in {} part{}",
        outcome.size,
        crate::size::human(outcome.size),
        outcome.parts,
        if outcome.parts == 1 { "" } else { "s" }
    );
    if outcome.parts_resumed > 0 {
        let _ = write!(s, ", {} already stored before", outcome.parts_resumed);
    }
    s.push('\n');
    let _ = write!(s, "took:       {secs:.1} s");
    let sent = outcome.size as f64;
    if secs > 0.0 && outcome.parts_resumed == 0 {
        let _ = write!(s, " ({}/s)", crate::size::human((sent / secs) as u64));
    }
    s.push('\n');
    if let Some(c) = &outcome.checksum {
        let _ = writeln!(s, "checksum:   {c}");
    }
    if let Some(why) = &outcome.started_afresh {
        let _ = writeln!(s, "note:       started afresh: {why}");
    }
    s
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
