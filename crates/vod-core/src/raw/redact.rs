//! Keeping secrets out of the vendor text that errors quote.
//!
//! An error about a vendor answer quotes part of it (an excerpt of a body nobody can read, the
//! vendor's message), because that is what support needs. But answers carry secrets: the upload
//! credentials a success hands out (Aliyun's `UploadAuth`, Wangsu's `uploadToken`), and, echoed
//! back, what we sent (Aliyun quotes its string to sign, with the caller's STS token in it). A
//! [`Redactor`] knows both kinds for one provider:
//!
//! - fields whose values are secret, named in any spelling (`UploadAuth`, `uploadAuth`,
//!   `upload_auth` and `upload-auth` are one name: case and separators do not count), at any
//!   depth of JSON, in `name=value` form and query text (also percent-encoded), in `name: value`
//!   lines and in XML elements, even in a cut-off body. Some names are secret for every vendor
//!   ([`SECRET_NAMES`]); an adapter adds its own with [`Redactor::fields`];
//! - the caller's own secret values, raw, percent-encoded once (as in a URL) and twice (as in an
//!   RPC string to sign), and also when the text ends in the middle of one.
//!
//! The adapter builds one, hands it to its [`Transport`](crate::raw::transport::Transport), and every
//! [`Response`](crate::raw::transport::Response) applies it in
//! [`excerpt`](crate::raw::transport::Response::excerpt), [`invalid`](crate::raw::transport::Response::invalid)
//! and [`unreadable`](crate::raw::transport::Response::unreadable); other vendor text goes through
//! [`Redactor::scrub`].

use std::fmt::{self, Write as _};

use crate::raw::text::one_line;
use crate::secret::REDACTED;

/// How many characters of an unreadable body an error quotes.
pub const EXCERPT_CHARS: usize = 160;

/// The shortest cut-off start of a secret value that is still replaced: shorter endings are too
/// common in ordinary text to be taken for a secret.
const MIN_PARTIAL: usize = 8;

/// What to remove from vendor text before an error quotes it. `Debug` shows no value.
///
/// ```
/// use vod_core::raw::redact::Redactor;
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
    /// The adapter's secret field names, normalised ([`normalise`]).
    fields: Vec<String>,
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

    /// Adds field names whose values never appear in an excerpt or a scrubbed text, on top of
    /// [`SECRET_NAMES`]. Case and separators do not count: `UploadAuth` also covers `uploadAuth`
    /// and `upload_auth`.
    pub fn fields(mut self, fields: &[&str]) -> Self {
        for name in fields.iter().map(|f| normalise(f)) {
            if !name.is_empty() && !self.fields.contains(&name) {
                self.fields.push(name);
            }
        }
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
    /// off by the end of the text (at least 8 bytes of it), and the value of every secret field
    /// ([`SECRET_NAMES`] and [`Redactor::fields`], in any spelling) replaced too.
    pub fn scrub(&self, text: &str) -> String {
        let out = self.scrub_values(text);
        self.redact_named(&out)
    }

    fn scrub_values(&self, text: &str) -> String {
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
        let text = self.scrub(&String::from_utf8_lossy(body));
        one_line(&text, EXCERPT_CHARS)
    }

    fn is_secret_name(&self, name: &str) -> bool {
        SECRET_NAMES.iter().any(|n| same_name(name, n))
            || self.fields.iter().any(|n| same_name(name, n))
    }

    /// `text` with the value after every secret name replaced (see the module docs for the
    /// forms recognised).
    fn redact_named(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                // A percent escape (`%26`, or `%2526` encoded twice) is a separator, not the
                // start of a name.
                i += escape_len(&bytes[i..]);
                continue;
            }
            if !is_name_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_name_byte(bytes[i]) {
                i += 1;
            }
            if !self.is_secret_name(&text[start..i]) {
                continue;
            }
            let xml = start > 0 && bytes[start - 1] == b'<';
            if let Some((from, to)) = value_after(text, i, xml) {
                out.push_str(&text[copied..from]);
                out.push_str(REDACTED);
                copied = to;
                i = to;
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// Field names whose values are secret whatever the vendor, compared without case or
/// separators: STS and storage credentials (`AccessKeySecret`, `SecurityToken`, also as the
/// `x-acs-` and `x-oss-` headers), the upload credentials vendors hand out (`UploadAuth`,
/// `uploadToken`), and the usual names of keys and passwords.
pub const SECRET_NAMES: &[&str] = &[
    "AccessKeySecret",
    "access_key_secret",
    "SecretAccessKey",
    "SecretKey",
    "SecurityToken",
    "SessionToken",
    "x-acs-security-token",
    "x-oss-security-token",
    "UploadAuth",
    "UploadToken",
    "Password",
];

/// A field name without case or separators: `Upload_Auth`, `upload-auth` and `uploadAuth` are
/// all `uploadauth`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether two names are the same once [`normalise`]d (without allocating).
fn same_name(a: &str, b: &str) -> bool {
    a.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase())
        .eq(b
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase()))
}

/// How long the percent escape at the start of `bytes` is: 5 for `%25XX` (encoded twice), 3
/// for `%XX`, 1 for a lone `%`.
fn escape_len(bytes: &[u8]) -> usize {
    let hex = |n: usize| bytes.get(n).is_some_and(u8::is_ascii_hexdigit);
    match (
        hex(1) && hex(2),
        bytes.get(1..3) == Some(b"25") && hex(3) && hex(4),
    ) {
        (_, true) => 5,
        (true, false) => 3,
        _ => 1,
    }
}

/// Bytes a field name is made of (`.` separates the parts of a dotted name, so the last part of
/// `aliyun.access_key_secret` is a name of its own).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The byte range of the value that follows a field name ending at `at`, when a value follows:
/// `name": "value"` (JSON, also escaped inside a JSON string), `name=value` (form, query, also
/// percent-encoded once or twice), `name: value`, or `<name>value</name>` when `xml`. A value cut
/// off by the end of the text runs to the end.
fn value_after(text: &str, at: usize, xml: bool) -> Option<(usize, usize)> {
    let rest = &text[at..];
    if xml {
        // `<Name>` or `<Name attr="x">`: the value runs to the next tag.
        let open_end = rest.find('>')?;
        if rest[..open_end].contains(['<', '/']) {
            return None;
        }
        let from = at + open_end + 1;
        let to = text[from..].find('<').map_or(text.len(), |n| from + n);
        return (to > from).then_some((from, to));
    }
    // A closing quote of the name, then the separator.
    let mut p = at;
    for quote in ["\\\"", "\\\\\"", "\"", "'"] {
        if text[p..].starts_with(quote) {
            p += quote.len();
            break;
        }
    }
    p += leading_spaces(&text[p..]);
    let sep = [":", "=", "%3D", "%3d", "%253D", "%253d"]
        .into_iter()
        .find(|sep| text[p..].starts_with(sep))?;
    p += sep.len();
    p += leading_spaces(&text[p..]);
    let value = &text[p..];
    // A quoted value: its content, up to the same quote (escaped quotes skipped).
    for quote in ["\\\"", "\\\\\"", "\"", "'"] {
        if let Some(inner) = value.strip_prefix(quote) {
            let from = p + quote.len();
            let len = closing_quote(inner, quote).unwrap_or(inner.len());
            return (len > 0).then_some((from, from + len));
        }
    }
    // An object or array: all of it.
    if value.starts_with(['{', '[']) {
        return Some((p, p + balanced_len(value)));
    }
    // A bare value (a number, a form or header value), up to a delimiter.
    let mut len = value
        .find(|c: char| c.is_whitespace() || "&,;}]<>\"'\\".contains(c))
        .unwrap_or(value.len());
    for encoded_amp in ["%26", "%2526"] {
        if let Some(n) = value[..len].to_ascii_uppercase().find(encoded_amp) {
            len = len.min(n);
        }
    }
    (len > 0).then_some((p, p + len))
}

fn leading_spaces(text: &str) -> usize {
    text.len() - text.trim_start_matches([' ', '\t']).len()
}

/// Where `quote` closes `inner` (the text after the opening quote): the first `quote` not
/// escaped by a backslash.
fn closing_quote(inner: &str, quote: &str) -> Option<usize> {
    if quote.starts_with('\\') {
        // An escaped quote (JSON inside a JSON string) closes at the next escaped quote.
        return inner.find(quote);
    }
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            _ if inner[i..].starts_with(quote) => return Some(i),
            _ => {}
        }
    }
    None
}

/// The length of the JSON object or array `value` starts with, strings skipped; the whole text
/// when it is cut off.
fn balanced_len(value: &str) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = in_string,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    value.len()
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
        assert_eq!(text, r#"{"uploadToken" : "<redacted>", "x":1}"#);
    }

    #[test]
    fn secret_names_match_in_any_spelling_at_any_depth() {
        let r = Redactor::new().fields(&["UploadAddress"]);
        for body in [
            r#"{"uploadAuth":"eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"UploadAuth": "eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"upload_auth":"eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"upload-auth":"eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"UPLOADAUTH":"eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"data":{"list":[{"auth":{"accessKeySecret":"eyJBY2Nlc3NLZXlTZWNyZXQi"}}]}}"#,
            r#"{"a":{"Access_Key_Secret":"eyJBY2Nlc3NLZXlTZWNyZXQi","n":1}}"#,
            r#"{"message":"{\"securityToken\":\"eyJBY2Nlc3NLZXlTZWNyZXQi\"}"}"#,
            r#"{"UploadAuth":{"AccessKeySecret":"eyJBY2Nlc3NLZXlTZWNyZXQi"},"x":1}"#,
            r#"{"uploadAddress":"eyJBY2Nlc3NLZXlTZWNyZXQi"}"#,
            r#"{"secretKey": 31337, "upload_token":"eyJBY2Nlc3NLZXlTZWNyZXQi"#,
            "AccessKeyId=id&AccessKeySecret=eyJBY2Nlc3NLZXlTZWNyZXQi&x=1",
            "POST&%2F&SecurityToken%3DeyJBY2Nlc3NLZXlTZWNyZXQi%26Timestamp%3D1",
            "a%26security_token%253DeyJBY2Nlc3NLZXlTZWNyZXQi%2526b",
            "<Error><SecurityToken>eyJBY2Nlc3NLZXlTZWNyZXQi</SecurityToken></Error>",
            "<x><Upload-Token kind=\"a\">eyJBY2Nlc3NLZXlTZWNyZXQi",
            "x-acs-security-token:eyJBY2Nlc3NLZXlTZWNyZXQi\nhost:x",
            "password = 'eyJBY2Nlc3NLZXlTZWNyZXQi'",
        ] {
            for text in [r.excerpt(body.as_bytes()), r.scrub(body)] {
                assert!(
                    !text.contains("eyJBY2Nlc3NLZXlTZWNyZXQi"),
                    "{body} -> {text}"
                );
                assert!(!text.contains("31337"), "{body} -> {text}");
                assert!(text.contains(REDACTED), "{body} -> {text}");
            }
        }
    }

    #[test]
    fn other_fields_and_names_in_prose_are_kept() {
        let r = Redactor::new();
        for text in [
            r#"{"RequestId":"r1","AccessKeyId":"STS.id","field":"uploadAuth","n":{"token":"t"}}"#,
            "The specified parameter SecurityToken is not valid.",
            "AccessKeyId=id&SignatureNonce=n",
            "</SecurityToken>",
        ] {
            assert_eq!(r.scrub(text), text);
        }
        // Only the value goes: the structure around it stays readable.
        assert_eq!(
            r.scrub(r#"{"a":1,"uploadToken":"x:y:z","b":{"SecurityToken":"s"},"c":2}"#),
            r#"{"a":1,"uploadToken":"<redacted>","b":{"SecurityToken":"<redacted>"},"c":2}"#
        );
        assert_eq!(
            r.scrub(r#"{"UploadAuth":{"k":"v","l":[1,{"m":"}"}]},"c":2}"#),
            r#"{"UploadAuth":<redacted>,"c":2}"#
        );
        assert_eq!(
            r.scrub("a=1&upload_auth=xyz&b=2"),
            "a=1&upload_auth=<redacted>&b=2"
        );
        assert_eq!(
            r.scrub("<R><AccessKeySecret>s3cr3t</AccessKeySecret><Id>i</Id></R>"),
            "<R><AccessKeySecret><redacted></AccessKeySecret><Id>i</Id></R>"
        );
    }

    #[test]
    fn every_cut_of_a_mixed_text_is_handled() {
        // Cut anywhere (an answer can end mid-value, mid-escape or mid-character): no panic,
        // and the secret's start never shows once its name and separator are in.
        let text = "é<SecurityToken a='1'>sé%2Ccret</SecurityToken>&upload_auth%253Dsé%2526\
                    {\"accessKeySecret\":{\"k\":[\"sé\\\"cret\"]}}password: 'sécret";
        let r = Redactor::new();
        for (cut, _) in text.char_indices() {
            let shown = r.scrub(&text[..cut]);
            assert!(
                !shown.contains("sé%2Ccr") && !shown.contains("sécr"),
                "{shown}"
            );
        }
        let shown = r.scrub(text);
        assert!(!shown.contains("sé"), "{shown}");
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
