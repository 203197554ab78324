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
/// use vod_core::raw::text::one_line;
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

/// Decodes base64 in any form a vendor (or a proxy re-encoding its answer) may send: the
/// standard or the URL-safe alphabet, with or without padding, with line breaks or spaces, with
/// non-zero trailing bits. `None` when it is not base64 in any of these forms.
///
/// Adapters read vendor fields with it (Aliyun's `UploadAddress`/`UploadAuth`, the policy of a
/// Wangsu upload token): nothing is lost by being lenient there.
///
/// ```
/// use vod_core::raw::text::decode_base64_lenient;
/// assert_eq!(decode_base64_lenient("aGk/Pz4=").as_deref(), Some(&b"hi??>"[..]));
/// assert_eq!(decode_base64_lenient("aGk_Pz4").as_deref(), Some(&b"hi??>"[..]));
/// assert_eq!(decode_base64_lenient("aGk/\nPz4").as_deref(), Some(&b"hi??>"[..]));
/// assert_eq!(decode_base64_lenient("not base64!"), None);
/// ```
pub fn decode_base64_lenient(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    // The usual text is plain standard base64: decode it as it is, without a copy.
    if let Ok(bytes) = LENIENT.decode(text.as_bytes()) {
        return Some(bytes);
    }
    let normalised: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    LENIENT.decode(&normalised).ok()
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
