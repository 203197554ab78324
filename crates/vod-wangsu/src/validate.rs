//! Wangsu's limits, checked before any network call, on top of [`UploadRequest::validate`].
//!
//! A request Wangsu would refuse costs a round trip, counts against the 300-calls-per-5-minutes
//! limit and comes back as a numeric code; checking here costs nothing and names the field.
//!
//! | field | rule | why |
//! |---|---|---|
//! | `file_name` (`originFileName`) | non-empty, with an extension, at most [`MAX_FILE_NAME_CHARS`] characters | the vendor notes; error 1500 |
//! | `resume_id` (`fileId`) | at most [`MAX_RESUME_ID_CHARS`] characters of `A-Z a-z 0-9 - _` | see below |
//! | `wangsu.category_names` | JSON text of an array of objects | the documented shape `[{"parentName", "childName"}]` |
//! | `wangsu.subtitle` | base64 of a JSON array of at most [`MAX_SUBTITLES`] objects | the documented shape |
//! | `wangsu.domain`, `wangsu.watermark_name`, `wangsu.subtitle_id` | non-empty, no control characters | an empty value is a mistake, not a default |
//!
//! `overwrite` is a `bool`, so the 0-or-1 rule (error 1608) holds by type.
//!
//! The resume id is limited to ASCII letters, digits, `-` and `_` (a decision of this adapter,
//! not a documented rule): the ids Wangsu's SDKs use are hex digests and UUIDs, with ASCII the
//! documented "32 characters" means the same in bytes and characters, and such an id is safe
//! wherever the vendor may store or log it. The ids this adapter generates are 32 hex digits.

use vod_core::raw::text::decode_base64_lenient;
use vod_core::raw::validate;
use vod_core::{Error, RefreshRequest, Result, UploadRequest};

use crate::api::PROVIDER_NAME;

/// The longest `originFileName` Wangsu accepts (error 1500).
pub const MAX_FILE_NAME_CHARS: usize = 40;
/// The longest `fileId` Wangsu accepts.
pub const MAX_RESUME_ID_CHARS: usize = 32;
/// The most entries the `subtitle` list may hold.
pub const MAX_SUBTITLES: usize = 13;

/// Checks a new upload against the shared rules and Wangsu's.
pub fn upload(request: &UploadRequest) -> Result<()> {
    request.validate()?;
    file_name("file_name", &request.file_name)?;
    if let Some(id) = &request.resume_id {
        resume_id("resume_id", id)?;
    }
    let w = &request.wangsu;
    for (field, value) in [
        ("wangsu.domain", &w.domain),
        ("wangsu.watermark_name", &w.watermark_name),
        ("wangsu.subtitle_id", &w.subtitle_id),
        ("wangsu.category_names", &w.category_names),
        ("wangsu.subtitle", &w.subtitle),
        ("workflow_id", &request.workflow_id),
        ("template", &request.template),
    ] {
        if let Some(v) = value {
            validate::non_empty(field, v)?;
            validate::no_control_chars(field, v)?;
        }
    }
    if let Some(json) = &w.category_names {
        category_names("wangsu.category_names", json)?;
    }
    if let Some(b64) = &w.subtitle {
        subtitle("wangsu.subtitle", b64)?;
    }
    Ok(())
}

/// Checks a refresh: Wangsu re-issues with the original file name and resume id, so both are
/// required and must pass the same rules as on create.
pub fn refresh(request: &RefreshRequest) -> Result<()> {
    request.validate()?;
    request.check_provider(PROVIDER_NAME)?;
    let why = "is required: Wangsu refreshes by issuing again with the original file name and \
               resume id (take both from the stored credential)";
    let name = request
        .file_name
        .as_deref()
        .ok_or_else(|| Error::invalid_input("file_name", why))?;
    let id = request
        .resume_id
        .as_deref()
        .ok_or_else(|| Error::invalid_input("resume_id", why))?;
    validate::non_empty("file_name", name)?;
    validate::no_control_chars("file_name", name)?;
    validate::has_extension("file_name", name)?;
    file_name("file_name", name)?;
    validate::non_empty("resume_id", id)?;
    resume_id("resume_id", id)?;
    Ok(())
}

fn file_name(field: &str, value: &str) -> Result<()> {
    validate::max_chars(field, value, MAX_FILE_NAME_CHARS)
}

fn resume_id(field: &str, value: &str) -> Result<()> {
    validate::max_chars(field, value, MAX_RESUME_ID_CHARS)?;
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid_input(
            field,
            format!("may only hold ASCII letters, digits, `-` and `_` (found {c:?})"),
        ));
    }
    Ok(())
}

fn category_names(field: &str, json: &str) -> Result<()> {
    validate::json_text(field, json)?;
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    match value.as_array() {
        Some(items) if items.iter().all(serde_json::Value::is_object) => Ok(()),
        _ => Err(Error::invalid_input(
            field,
            r#"must be a JSON array of objects, e.g. [{"parentName":"a","childName":"b"}]"#,
        )),
    }
}

fn subtitle(field: &str, b64: &str) -> Result<()> {
    // Wangsu documents the standard alphabet (padding optional, as senders differ).
    let b64 = b64.trim();
    let bytes = decode_base64_lenient(b64)
        .filter(|_| !b64.contains(['-', '_']) && !b64.contains(char::is_whitespace))
        .ok_or_else(|| Error::invalid_input(field, "must be base64 (standard alphabet)"))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
        Error::invalid_input(field, "must be base64 of a JSON list of {lang, subtitleId}")
    })?;
    match value.as_array() {
        Some(items)
            if items.iter().all(serde_json::Value::is_object) && items.len() <= MAX_SUBTITLES =>
        {
            Ok(())
        }
        Some(items) if items.len() > MAX_SUBTITLES => Err(Error::invalid_input(
            field,
            format!(
                "may list at most {MAX_SUBTITLES} subtitles (got {})",
                items.len()
            ),
        )),
        _ => Err(Error::invalid_input(
            field,
            "must be base64 of a JSON list of {lang, subtitleId} objects",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use vod_core::{ErrorKind, WangsuOptions};

    fn subtitles(n: usize) -> String {
        let list: Vec<_> = (0..n)
            .map(|i| serde_json::json!({"lang": "en", "subtitleId": i.to_string()}))
            .collect();
        serde_json::to_string(&list).unwrap()
    }

    #[test]
    fn valid_requests_pass() {
        let req = UploadRequest::new(format!("{}.mp4", "a".repeat(36)))
            .resume_id("0123456789abcdef0123456789abcdef")
            .workflow_id("wf")
            .template("hd")
            .overwrite(true)
            .wangsu(
                WangsuOptions::default()
                    .domain("play.example.com")
                    .category_names(r#"[{"parentName":"a","childName":"b"}]"#)
                    .watermark_name("logo")
                    .subtitle_id("s1")
                    .subtitle(STANDARD.encode(subtitles(13))),
            );
        upload(&req).unwrap();
        // Unpadded base64 and an empty category list are fine too.
        let req = UploadRequest::new("a.mp4").wangsu(
            WangsuOptions::default()
                .subtitle(STANDARD_NO_PAD.encode(subtitles(1)))
                .category_names("[]"),
        );
        upload(&req).unwrap();
        upload(&UploadRequest::new("a.mp4").resume_id("A-b_9")).unwrap();
    }

    #[test]
    fn each_rule_names_its_field() {
        let w = WangsuOptions::default;
        let cases = [
            // Shared rules first.
            (UploadRequest::new(""), "file_name"),
            (UploadRequest::new("noext"), "file_name"),
            (UploadRequest::new("a.mp4").title(" "), "title"),
            // Wangsu's.
            (
                UploadRequest::new(format!("{}.mp4", "a".repeat(37))),
                "file_name",
            ),
            (
                UploadRequest::new(format!("{}.mp4", "é".repeat(37))),
                "file_name",
            ),
            (
                UploadRequest::new("a.mp4").resume_id("x".repeat(33)),
                "resume_id",
            ),
            (UploadRequest::new("a.mp4").resume_id("a b"), "resume_id"),
            (UploadRequest::new("a.mp4").resume_id("a/b"), "resume_id"),
            (UploadRequest::new("a.mp4").resume_id("é"), "resume_id"),
            (UploadRequest::new("a.mp4").resume_id(""), "resume_id"),
            (
                UploadRequest::new("a.mp4").wangsu(w().category_names("{")),
                "wangsu.category_names",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().category_names(r#"{"a":1}"#)),
                "wangsu.category_names",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().category_names("[1]")),
                "wangsu.category_names",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().subtitle("not base64!")),
                "wangsu.subtitle",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().subtitle(STANDARD.encode("nope"))),
                "wangsu.subtitle",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().subtitle(STANDARD.encode("{}"))),
                "wangsu.subtitle",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().subtitle(STANDARD.encode(subtitles(14)))),
                "wangsu.subtitle",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().domain("")),
                "wangsu.domain",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().watermark_name("a\nb")),
                "wangsu.watermark_name",
            ),
            (
                UploadRequest::new("a.mp4").wangsu(w().subtitle_id(" ")),
                "wangsu.subtitle_id",
            ),
            (UploadRequest::new("a.mp4").workflow_id(""), "workflow_id"),
            (UploadRequest::new("a.mp4").template(""), "template"),
        ];
        for (req, field) in cases {
            let err = upload(&req).expect_err(field);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            assert_eq!(err.field(), Some(field), "{err}");
        }
    }

    #[test]
    fn refresh_needs_file_name_and_resume_id() {
        let ok = RefreshRequest::new("v1")
            .provider("wangsu")
            .file_name("a.mp4")
            .resume_id("abc");
        refresh(&ok).unwrap();
        let cases = [
            (RefreshRequest::new(""), "media_id"),
            (RefreshRequest::new("v1").resume_id("abc"), "file_name"),
            (RefreshRequest::new("v1").file_name("a.mp4"), "resume_id"),
            (ok.clone().provider("aliyun"), "provider"),
            (ok.clone().file_name("a"), "file_name"),
            (ok.clone().file_name(""), "file_name"),
            (
                ok.clone().file_name(format!("{}.mp4", "a".repeat(37))),
                "file_name",
            ),
            (ok.clone().resume_id(""), "resume_id"),
            (ok.clone().resume_id("x".repeat(33)), "resume_id"),
            (ok.clone().resume_id("a:b"), "resume_id"),
        ];
        for (req, field) in cases {
            let err = refresh(&req).expect_err(field);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            assert_eq!(err.field(), Some(field), "{err}");
        }
        let err = refresh(&RefreshRequest::new("v1").file_name("a.mp4")).unwrap_err();
        assert!(err.to_string().contains("stored credential"), "{err}");
    }
}
