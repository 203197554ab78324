//! Field rules shared by every adapter.
//!
//! Each vendor sets its own limits (Aliyun titles up to 128 characters, Wangsu file names up to 40),
//! but the checks are the same few shapes. They live here once so that every adapter rejects bad
//! input before any network call with the same wording: the field name, then the rule it breaks.

use crate::{Error, Result};

/// Fails when `value` is empty or only whitespace.
pub fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// Fails when `value` has more than `max` characters (Unicode scalar values).
pub fn max_chars(field: &str, value: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    Ok(())
}

/// Fails when `value` contains a control character (newline, tab, NUL, ...).
pub fn no_control_chars(field: &str, value: &str) -> Result<()> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_input(
            field,
            format!("must not contain control characters (found {:?})", c),
        ));
    }
    Ok(())
}

/// Fails when the file name `value` has no extension (`clip.mp4` passes; `clip`, `clip.`,
/// `.mp4` fail). Only the last path segment counts, with `/` or `\` as separators.
pub fn has_extension(field: &str, value: &str) -> Result<()> {
    let base = value.rsplit(['/', '\\']).next().unwrap_or(value);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && !ext.contains(' ') => Ok(()),
        _ => Err(Error::invalid_input(
            field,
            "must end in a file extension such as `.mp4`",
        )),
    }
}

/// Fails when `value` is not valid JSON text.
pub fn json_text(field: &str, value: &str) -> Result<()> {
    serde_json::from_str::<serde_json::Value>(value)
        .map(|_| ())
        .map_err(|e| Error::invalid_input(field, format!("must be valid JSON text ({e})")))
}

/// The file name without directories and extension: the default title.
pub fn file_stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    }
}

/// The optional request fields of `request` that a vendor has no counterpart for: the set ones
/// ([`UploadRequest::set_fields`](crate::UploadRequest::set_fields)) that are named in `unsupported`
/// or start with an entry ending in `.` (`"aliyun."` for every Aliyun option).
///
/// ```
/// use vod_core::raw::validate::ignored_fields;
/// use vod_core::UploadRequest;
/// let req = UploadRequest::new("a.mp4").title("T").resume_id("r");
/// assert_eq!(ignored_fields(&req, &["resume_id", "overwrite", "wangsu."]), ["resume_id"]);
/// ```
pub fn ignored_fields(request: &crate::UploadRequest, unsupported: &[&str]) -> Vec<&'static str> {
    request
        .set_fields()
        .into_iter()
        .filter(|field| {
            unsupported
                .iter()
                .any(|u| *field == *u || (u.ends_with('.') && field.starts_with(u)))
        })
        .collect()
}

/// Logs at debug level the request fields `provider` ignores ([`ignored_fields`]), if any.
pub fn log_ignored(provider: &str, fields: &[&'static str]) {
    if !fields.is_empty() {
        tracing::debug!(
            provider,
            fields = ?fields,
            "{provider} has no counterpart for these request fields; they are not sent"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_the_field() {
        let err = non_empty("file_name", "  ").unwrap_err();
        assert_eq!(err.field(), Some("file_name"));
        assert!(err.to_string().contains("`file_name` must not be empty"));
        let err = max_chars("title", &"é".repeat(129), 128).unwrap_err();
        assert!(err.to_string().contains("at most 128 characters (got 129)"));
        assert!(max_chars("title", &"é".repeat(128), 128).is_ok());
        assert!(no_control_chars("title", "a\nb").is_err());
        assert!(json_text("user_data", "{").is_err());
        assert!(json_text("user_data", "{\"a\":1}").is_ok());
    }

    #[test]
    fn extensions() {
        for ok in ["a.mp4", "dir/a.b.mov", "D:\\videos\\a b.mp4"] {
            assert!(has_extension("f", ok).is_ok(), "{ok}");
        }
        for bad in ["a", "a.", ".mp4", "dir.d/a", "a.m p4"] {
            assert!(has_extension("f", bad).is_err(), "{bad}");
        }
        assert_eq!(file_stem("D:\\videos\\a b.mp4"), "a b");
        assert_eq!(file_stem("noext"), "noext");
    }
}
