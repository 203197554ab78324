//! Keeping secrets out of the vendor text that errors quote.
//!
//! An error about a vendor answer quotes part of it (an excerpt of a body nobody can read, the
//! vendor's message), because that is what support needs. But answers carry secrets: the upload
//! credentials a success hands out (Aliyun's `UploadAuth`, Wangsu's `uploadToken`), and, echoed
//! back, what we sent (Aliyun quotes its string to sign, with the caller's STS token in it). A
//! [`Redactor`] knows both kinds for one provider:
//!
//! - JSON fields whose values are secret, wherever they appear, even in a cut-off body;
//! - the caller's own secret values, raw, percent-encoded once (as in a URL) and twice (as in an
//!   RPC string to sign), and also when the text ends in the middle of one.
//!
//! The adapter builds one, hands it to its [`Transport`](crate::transport::Transport), and every
//! [`Response`](crate::transport::Response) applies it in
//! [`excerpt`](crate::transport::Response::excerpt), [`invalid`](crate::transport::Response::invalid)
//! and [`unreadable`](crate::transport::Response::unreadable); other vendor text goes through
//! [`Redactor::scrub`].

use std::fmt::{self, Write as _};

use crate::secret::REDACTED;
use crate::text::one_line;

/// How many characters of an unreadable body an error quotes.
pub const EXCERPT_CHARS: usize = 160;

/// The shortest cut-off start of a secret value that is still replaced: shorter endings are too
/// common in ordinary text to be taken for a secret.
const MIN_PARTIAL: usize = 8;

/// What to remove from vendor text before an error quotes it. `Debug` shows no value.
///
/// ```
/// use vod_core::redact::Redactor;
///
/// let redactor = Redactor::new()
///     .fields(&["uploadToken"])
///     .values(["CAIS+sts/token=="]);
/// let body = br#"{"uploadToken":"ak:sig:policy","message":"bad token CAIS%2Bsts%2Ftoken%3D%3D"}"#;
/// assert_eq!(
///     redactor.excerpt(body),
///     r#"{"uploadToken":"<redacted>","message":"bad token <redacted>"}"#
/// );
/// assert_eq!(redactor.scrub("token CAIS+sts/tok"), "token <redacted>");
/// assert!(!format!("{redactor:?}").contains("CAIS"));
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    fields: &'static [&'static str],
    /// Every form of every secret value, longest first so that a form containing another is
    /// replaced whole.
    forms: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("fields", &self.fields)
            .field("value_forms", &self.forms.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that removes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the JSON fields whose string values never appear in an excerpt.
    pub fn fields(mut self, fields: &'static [&'static str]) -> Self {
        self.fields = fields;
        self
    }

    /// Adds secret values (the caller's keys and tokens) that never appear in vendor text, in
    /// any of their forms; empty values are skipped.
    pub fn values<'a>(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            let once = percent_encode(secret);
            let twice = percent_encode(&once);
            for form in [secret.to_owned(), once, twice] {
                if !self.forms.contains(&form) {
                    self.forms.push(form);
                }
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        self
    }

    /// `text` with every form of every secret value replaced by `<redacted>`, including one cut
    /// off by the end of the text (at least 8 bytes of it).
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        for form in &self.forms {
            let longest = form.len().min(out.len());
            for len in (MIN_PARTIAL..longest.saturating_add(1)).rev() {
                if form.is_char_boundary(len) && out.ends_with(&form[..len]) {
                    out.truncate(out.len() - len);
                    out.push_str(REDACTED);
                    break;
                }
            }
        }
        out
    }

    /// A short, single-line, secret-free excerpt of `body`: secret values scrubbed, the values
    /// of the named JSON fields replaced (even in a truncated body), at most [`EXCERPT_CHARS`]
    /// characters.
    pub fn excerpt(&self, body: &[u8]) -> String {
        let mut text = String::from_utf8_lossy(body).into_owned();
        if !self.forms.is_empty() {
            text = self.scrub(&text);
        }
        for field in self.fields {
            text = redact_json_field(&text, field);
        }
        one_line(&text, EXCERPT_CHARS)
    }
}

/// RFC 3986 percent-encoding with the smallest safe set (`A-Z a-z 0-9 - _ . ~` literal,
/// upper-case hex): the form vendors' signatures put values in, and so the form they echo.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn redact_json_field(text: &str, field: &str) -> String {
    let needle = format!("\"{field}\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(&needle) {
        let after_key = pos + needle.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let trimmed = rest.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            continue;
        };
        // Find the closing quote, skipping escaped characters; a truncated value runs to the end.
        let mut end = inner.len();
        let mut escaped = false;
        for (i, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(":\"");
        out.push_str(REDACTED);
        rest = &inner[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_redact_secret_fields_even_when_truncated() {
        let body = br#"{"RequestId":"r1","UploadAuth":"eyJTZWN1cml0eVRva2VuIjoiQ0FJUyt0ZXN0L3Rva2VuPT0i","UploadAddress":"eyJF"#;
        let text = Redactor::new()
            .fields(&["UploadAuth", "UploadAddress"])
            .excerpt(body);
        assert!(!text.contains("eyJT"), "{text}");
        assert!(!text.contains("eyJF"), "{text}");
        assert!(text.contains("\"RequestId\":\"r1\""), "{text}");
        let text = Redactor::new()
            .fields(&["uploadToken"])
            .excerpt(br#"{"uploadToken" : "ak:sig:pol\"icy", "x":1}"#);
        assert_eq!(text, r#"{"uploadToken":"<redacted>", "x":1}"#);
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        let body = "<html>\n<body>".to_string() + &"x".repeat(1000);
        let text = Redactor::new().excerpt(body.as_bytes());
        assert!(!text.contains('\n'));
        assert!(text.chars().count() <= EXCERPT_CHARS + 3);
        assert_eq!(
            Redactor::new().excerpt(&[0xff, 0xfe, b'a']),
            "\u{fffd}\u{fffd}a"
        );
    }

    #[test]
    fn scrub_replaces_cut_off_secrets() {
        let s = Redactor::new().values(["CAIS+sts/token/abcdefgh=="]);
        assert_eq!(s.scrub("x CAIS+sts/tok"), "x <redacted>");
        assert_eq!(s.scrub("x CAIS%252Bsts%252Fto"), "x <redacted>");
        // Short endings are too common to be a secret's start.
        assert_eq!(s.scrub("x CAIS"), "x CAIS");
        assert_eq!(Redactor::new().values([""]).scrub("abc"), "abc");
    }

    #[test]
    fn every_encoding_of_a_value_is_scrubbed() {
        let s = Redactor::new().values(["a b/é"]);
        assert_eq!(
            s.scrub("1 a b/é 2 a%20b%2F%C3%A9 3 a%2520b%252F%25C3%25A9"),
            "1 <redacted> 2 <redacted> 3 <redacted>"
        );
    }
}
