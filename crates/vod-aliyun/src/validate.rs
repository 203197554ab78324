//! Aliyun's limits, checked before any network call, on top of [`UploadRequest::validate`].
//!
//! A request Aliyun would refuse costs a round trip and comes back as a vendor code the caller
//! has to map to a field; checking here names the field and the rule at once. The limits are
//! those of the VOD notes for `CreateUploadVideo`:
//!
//! | field | rule |
//! |---|---|
//! | title (`Title`, default: the file name's stem) | non-empty, at most 128 characters, no emoji (without a title, the error names `file_name`) |
//! | file_name (`FileName`) | has an extension (shared rule) |
//! | description (`Description`) | at most 1024 characters |
//! | tags (`Tags`) | at most 16 tags of at most 32 characters (shared rule) |
//! | aliyun.user_data (`UserData`) | JSON text, an object |
//! | every text field | no control characters |
//!
//! "No emoji" is enforced as: no character outside the Basic Multilingual Plane (U+10000 and up,
//! where almost every emoji lives; Aliyun stores titles as 3-byte UTF-8, so it cannot keep
//! these, rare CJK extension characters included) and none of the BMP's emoji blocks
//! (U+2600–U+27BF Miscellaneous Symbols and Dingbats, U+2B00–U+2BFF Miscellaneous Symbols and
//! Arrows, the emoji presentation selector U+FE0F and the keycap mark U+20E3).

use vod_core::raw::validate;
use vod_core::{Error, RefreshRequest, Result, UploadRequest};

use crate::api::PROVIDER_NAME;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 128;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1024;

/// Checks a create request: the shared rules, then Aliyun's.
pub fn upload(request: &UploadRequest) -> Result<()> {
    request.validate()?;

    let title = request.title_or_default();
    if request.title.is_some() {
        validate::non_empty("title", title)?;
        validate::max_chars("title", title, MAX_TITLE_CHARS)?;
        validate::no_control_chars("title", title)?;
        no_emoji("title", title)?;
    } else {
        // No title: the file name's stem is sent as the title, so a rule it breaks is the file
        // name's, and the error says so (the caller never wrote a title).
        let as_title = |rule: vod_core::Error| {
            Error::invalid_input(
                "file_name",
                format!(
                    "is used without its extension as the title when no title is given; the \
                     title {}: give a title or a shorter name",
                    rule.message().trim_start_matches("`title` ")
                ),
            )
        };
        validate::non_empty("title", title).map_err(as_title)?;
        validate::max_chars("title", title, MAX_TITLE_CHARS).map_err(as_title)?;
        no_emoji("title", title).map_err(as_title)?;
    }

    if let Some(description) = &request.description {
        validate::max_chars("description", description, MAX_DESCRIPTION_CHARS)?;
    }
    for (field, value) in [
        ("workflow_id", &request.workflow_id),
        ("template", &request.template),
        ("aliyun.cover_url", &request.aliyun.cover_url),
        ("aliyun.storage_location", &request.aliyun.storage_location),
        ("aliyun.app_id", &request.aliyun.app_id),
    ] {
        if let Some(value) = value {
            validate::non_empty(field, value)?;
            validate::no_control_chars(field, value)?;
        }
    }
    // JSON text: control characters inside strings are already invalid JSON, and whitespace
    // between tokens (a pretty-printed object) is harmless in a query parameter.
    if let Some(user_data) = &request.aliyun.user_data {
        validate::json_text("aliyun.user_data", user_data)?;
        if !user_data.trim_start().starts_with('{') {
            return Err(Error::invalid_input(
                "aliyun.user_data",
                "must be a JSON object (`{\"Extend\": {...}, \"MessageCallback\": {...}}`)",
            ));
        }
    }
    Ok(())
}

/// Checks a refresh request: it is for this provider (when it names one), and `VideoId` (the
/// media id) is non-empty, without control characters.
pub fn refresh(request: &RefreshRequest) -> Result<()> {
    request.check_provider(PROVIDER_NAME)?;
    request.validate()
}

/// Fails when `value` holds an emoji, as the [module docs](self) define it.
pub fn no_emoji(field: &str, value: &str) -> Result<()> {
    match value.chars().find(|&c| is_emoji_like(c)) {
        Some(c) => Err(Error::invalid_input(
            field,
            format!(
                "must not contain emoji or other characters outside the Basic Multilingual \
                 Plane (found U+{:04X})",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

fn is_emoji_like(c: char) -> bool {
    let c = u32::from(c);
    c > 0xFFFF
        || (0x2600..=0x27BF).contains(&c)
        || (0x2B00..=0x2BFF).contains(&c)
        || c == 0xFE0F
        || c == 0x20E3
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::{AliyunOptions, ErrorKind};

    fn field_of(req: &UploadRequest) -> String {
        let err = upload(req).expect_err("should be rejected");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.field().unwrap().to_owned()
    }

    #[test]
    fn each_rule_names_its_field() {
        let base = || UploadRequest::new("clip.mp4");
        let cases: Vec<(UploadRequest, &str)> = vec![
            (UploadRequest::new("clip"), "file_name"),
            (UploadRequest::new("a\n.mp4"), "file_name"),
            (base().title(" "), "title"),
            (base().title("t".repeat(129)), "title"),
            (base().title("nice \u{1F600}"), "title"),
            (base().title("sun \u{2600}"), "title"),
            (base().title("star \u{2B50}"), "title"),
            (base().title("a\tb"), "title"),
            // No title: the file name is the one to blame.
            (
                UploadRequest::new(format!("{}.mp4", "x".repeat(129))),
                "file_name",
            ),
            (UploadRequest::new("\u{1F600}.mp4"), "file_name"),
            (base().description("d".repeat(1025)), "description"),
            (base().description("a\u{0}"), "description"),
            (base().tags(vec!["t"; 17]), "tags"),
            (base().tags(["t".repeat(33)]), "tags"),
            (base().workflow_id(""), "workflow_id"),
            (base().template("x\ny"), "template"),
            (
                base().aliyun(AliyunOptions::default().user_data("{not json")),
                "aliyun.user_data",
            ),
            (
                base().aliyun(AliyunOptions::default().user_data("[1]")),
                "aliyun.user_data",
            ),
            (
                base().aliyun(AliyunOptions::default().cover_url("http://x/\r")),
                "aliyun.cover_url",
            ),
            (
                base().aliyun(AliyunOptions::default().storage_location("")),
                "aliyun.storage_location",
            ),
            (
                base().aliyun(AliyunOptions::default().app_id("a\u{7f}")),
                "aliyun.app_id",
            ),
        ];
        for (req, field) in cases {
            assert_eq!(field_of(&req), field, "{req:?}");
        }
    }

    #[test]
    fn limits_are_inclusive_and_text_is_counted_in_characters() {
        let req = UploadRequest::new("clip.mp4")
            .title("标".repeat(128))
            .description("述".repeat(1024))
            .tags(vec!["t".repeat(32); 16])
            .aliyun(AliyunOptions::default().user_data("{\n  \"Extend\": {\"a\": 1}\n}"));
        upload(&req).unwrap();
        // CJK, accents and symbols outside the emoji blocks are fine.
        upload(&UploadRequest::new("x.mp4").title("Café © 2024 → 東京")).unwrap();
    }

    #[test]
    fn a_long_file_name_without_title_blames_the_file_name() {
        let err = upload(&UploadRequest::new(format!("{}.mp4", "x".repeat(9996)))).unwrap_err();
        assert_eq!(err.field(), Some("file_name"));
        assert_eq!(
            err.message(),
            "`file_name` is used without its extension as the title when no title is given; \
             the title must be at most 128 characters (got 9996): give a title or a shorter name"
        );
    }

    #[test]
    fn the_emoji_rule_says_what_it_rejects() {
        let err = no_emoji("title", "a\u{1F3AC}").unwrap_err();
        assert!(err.to_string().contains("U+1F3AC"), "{err}");
        assert!(err.to_string().contains("emoji"), "{err}");
    }

    #[test]
    fn refresh_needs_a_video_id() {
        let err = refresh(&RefreshRequest::new(" ")).unwrap_err();
        assert_eq!(err.field(), Some("media_id"));
        refresh(&RefreshRequest::new("93ab850b4f6f54b6e91d24d81d4d1234")).unwrap();
    }
}
