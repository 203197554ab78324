//! Vendor text made fit for an error message.
//!
//! An [`Error`](crate::Error)'s `Display` is one line a person can act on, and it lands in logs
//! that are read line by line. Vendors' messages and bodies are not written for that: they carry
//! newlines (a quoted string to sign, an HTML page), tabs, and sometimes whole documents. Every
//! piece of vendor text that enters an error goes through [`one_line`] first, so adapters cannot
//! disagree on what a one-line, bounded quote is.

/// How many characters of a vendor's message an error keeps.
pub const VENDOR_MESSAGE_CHARS: usize = 300;

/// `text` on one line: every control character (newline, tab, NUL, ...) becomes a space, and
/// text longer than `max_chars` characters is cut there and ends in `...`.
///
/// Whitespace at the ends is kept (trim first where it means nothing); characters are Unicode
/// scalar values, so a cut never splits one.
///
/// ```
/// use vod_core::text::one_line;
/// assert_eq!(one_line("bad\nparam\t", 300), "bad param ");
/// assert_eq!(one_line("abcdef", 3), "abc...");
/// assert_eq!(one_line("abc", 3), "abc");
/// ```
pub fn one_line(text: &str, max_chars: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if text.chars().nth(max_chars).is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character() {
        let text = "é".repeat(VENDOR_MESSAGE_CHARS + 1);
        let shown = one_line(&text, VENDOR_MESSAGE_CHARS);
        assert_eq!(shown.chars().count(), VENDOR_MESSAGE_CHARS + 3);
        assert!(shown.ends_with("é..."));
        assert_eq!(one_line("", 0), "");
        assert_eq!(one_line("a", 0), "...");
        assert_eq!(one_line("a\r\nb", usize::MAX), "a  b");
    }
}
