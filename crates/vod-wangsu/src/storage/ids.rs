//! The ids a slice upload resumes from: its batch id and its block contexts.
//!
//! Every id is explicit and plain text, so that an uploader can write them to a checkpoint and
//! another process (or the same one after a crash, with a fresh token) can go on where it stopped.
//! Both travel in places with rules of their own (a header, a URL path, a comma-separated body),
//! so they are checked when made: a bad one is refused before any network call, naming what is
//! wrong, instead of being sent mangled.

use std::fmt;

use vod_core::{Error, Result};

/// The longest id accepted (batch id or block context).
const MAX_ID_BYTES: usize = 1024;

/// The `UploadBatch` header of a slice upload: one id, chosen by the client, for every request
/// of one file (the SDKs use a UUID).
///
/// ```
/// use vod_wangsu::storage::UploadBatch;
/// let batch = UploadBatch::new();
/// let again = UploadBatch::parse(batch.as_str())?; // from a checkpoint
/// assert_eq!(batch, again);
/// assert!(UploadBatch::parse("two words").is_err());
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadBatch(String);

impl UploadBatch {
    /// A new random batch id (a UUID, as the vendor's SDKs make).
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// A batch id read back (from a checkpoint): 1 to 1024 visible ASCII characters, since it
    /// is sent as a header value.
    pub fn parse(text: &str) -> Result<Self> {
        check(
            "upload_batch",
            text,
            |c| c.is_ascii_graphic(),
            "visible ASCII characters",
        )?;
        Ok(Self(text.to_owned()))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for UploadBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UploadBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A block context (`ctx`): the server's name for a block uploaded so far. Each mkblk and bput
/// answer carries the block's latest one; the next bput of that block names it, and mkfile lists
/// the last one of every block.
///
/// It is sent in a URL path (`/bput/{ctx}/{offset}`) and in mkfile's comma-separated body, so it
/// may only hold characters that need no escaping there: ASCII letters, digits and
/// `-._~!$&'()*+;=:@` (URL-safe base64, which is what the vendor's SDKs receive, fits). A server
/// context outside that set is refused as an invalid answer rather than sent altered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockContext(String);

impl BlockContext {
    /// A context read back (from an answer or a checkpoint).
    pub fn parse(text: &str) -> Result<Self> {
        check(
            "ctx",
            text,
            |c| c.is_ascii_alphanumeric() || "-._~!$&'()*+;=:@".contains(c),
            "ASCII letters, digits and -._~!$&'()*+;=:@",
        )?;
        Ok(Self(text.to_owned()))
    }

    /// The context as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlockContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an id: non-empty, at most [`MAX_ID_BYTES`], every character `allowed`. The error names
/// `field` and never quotes the text.
fn check(field: &str, text: &str, allowed: impl Fn(char) -> bool, what: &str) -> Result<()> {
    if text.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if text.len() > MAX_ID_BYTES {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {MAX_ID_BYTES} bytes (got {})", text.len()),
        ));
    }
    if let Some(bad) = text.chars().find(|&c| !allowed(c)) {
        return Err(Error::invalid_input(
            field,
            format!(
                "may only hold {what} (found {:?})",
                bad.escape_debug().to_string()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids() {
        assert_ne!(UploadBatch::new(), UploadBatch::new());
        assert!(UploadBatch::parse("a1b2-c3").is_ok());
        for bad in ["", "a b", "a\nb", "é", &"x".repeat(1025)] {
            let err = UploadBatch::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("upload_batch"), "{bad:?}");
        }
    }

    #[test]
    fn contexts() {
        assert!(BlockContext::parse("AAAAAQ_-abc=").is_ok());
        for bad in ["", "a/b", "a,b", "a?b", "a%2F", "a b", "a#b"] {
            let err = BlockContext::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("ctx"), "{bad:?}");
        }
    }
}
