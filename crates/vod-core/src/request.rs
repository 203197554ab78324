//! What an app asks for: the requests every provider takes.
//!
//! One [`UploadRequest`] serves every vendor. Fields that only one vendor understands live in its
//! typed options ([`AliyunOptions`], [`WangsuOptions`]); an app may fill both, so moving between
//! vendors stays a config change. Fields a vendor has no counterpart for are ignored by that
//! vendor's adapter, as each adapter's docs list.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::raw::validate;

/// The most tags a request may carry (Aliyun's limit, the stricter of the two vendors).
pub const MAX_TAGS: usize = 16;
/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;

/// A request for an upload credential for a new video.
///
/// ```
/// use vod_core::UploadRequest;
/// let req = UploadRequest::new("holiday.mp4")
///     .title("Holiday")
///     .file_size(10_485_760)
///     .tags(["beach", "2026"]);
/// assert!(req.validate().is_ok());
/// assert_eq!(req.title_or_default(), "Holiday");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct UploadRequest {
    /// The source file name, with extension (`clip.mp4`). Required.
    pub file_name: String,
    /// The video title; defaults to the file name without extension.
    pub title: Option<String>,
    /// The file size in bytes, when known.
    pub file_size: Option<u64>,
    /// A description of the video.
    pub description: Option<String>,
    /// Tags for the video.
    pub tags: Vec<String>,
    /// A vendor workflow to run after upload (Aliyun `WorkflowId`, Wangsu `workflowId`).
    pub workflow_id: Option<String>,
    /// A transcoding template to apply after upload (Aliyun `TemplateGroupId`, Wangsu
    /// `transCodeCombineName`).
    pub template: Option<String>,
    /// A caller-chosen id that lets an interrupted upload resume (Wangsu `fileId`, up to 32 chars).
    pub resume_id: Option<String>,
    /// Whether to overwrite an existing file of the same name (Wangsu `overwrite`).
    pub overwrite: Option<bool>,
    /// Options only Aliyun understands.
    pub aliyun: AliyunOptions,
    /// Options only Wangsu understands.
    pub wangsu: WangsuOptions,
}

impl UploadRequest {
    /// A request for the file `file_name`.
    pub fn new(file_name: impl Into<String>) -> Self {
        Self {
            file_name: file_name.into(),
            ..Self::default()
        }
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the file size in bytes.
    pub fn file_size(mut self, bytes: u64) -> Self {
        self.file_size = Some(bytes);
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the post-upload workflow.
    pub fn workflow_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }

    /// Sets the transcoding template.
    pub fn template(mut self, template: impl Into<String>) -> Self {
        self.template = Some(template.into());
        self
    }

    /// Sets the resume id.
    pub fn resume_id(mut self, id: impl Into<String>) -> Self {
        self.resume_id = Some(id.into());
        self
    }

    /// Sets whether to overwrite.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = Some(overwrite);
        self
    }

    /// Sets the Aliyun-only options.
    pub fn aliyun(mut self, options: AliyunOptions) -> Self {
        self.aliyun = options;
        self
    }

    /// Sets the Wangsu-only options.
    pub fn wangsu(mut self, options: WangsuOptions) -> Self {
        self.wangsu = options;
        self
    }

    /// The title to send: the given one, else the file name's stem.
    pub fn title_or_default(&self) -> &str {
        match &self.title {
            Some(t) => t,
            None => validate::file_stem(&self.file_name),
        }
    }

    /// The optional fields that are set, by name (`title`, `tags`, `aliyun.cover_url`,
    /// `wangsu.domain`, ...), in declaration order. An adapter names from these the ones its
    /// vendor has no counterpart for.
    ///
    /// ```
    /// use vod_core::{UploadRequest, WangsuOptions};
    /// let req = UploadRequest::new("a.mp4").title("T").wangsu(WangsuOptions::default().domain("d"));
    /// assert_eq!(req.set_fields(), ["title", "wangsu.domain"]);
    /// ```
    pub fn set_fields(&self) -> Vec<&'static str> {
        let mut fields = set_names(&[
            ("title", self.title.is_some()),
            ("file_size", self.file_size.is_some()),
            ("description", self.description.is_some()),
            ("tags", !self.tags.is_empty()),
            ("workflow_id", self.workflow_id.is_some()),
            ("template", self.template.is_some()),
            ("resume_id", self.resume_id.is_some()),
            ("overwrite", self.overwrite.is_some()),
        ]);
        fields.extend(self.aliyun.set_fields());
        fields.extend(self.wangsu.set_fields());
        fields
    }

    /// Checks the rules every vendor shares. Adapters add their own limits on top.
    ///
    /// The file name must be non-empty with an extension; no text field may hold control
    /// characters; at most [`MAX_TAGS`] non-empty tags of at most [`MAX_TAG_CHARS`] characters.
    pub fn validate(&self) -> Result<()> {
        validate::non_empty("file_name", &self.file_name)?;
        validate::no_control_chars("file_name", &self.file_name)?;
        validate::has_extension("file_name", &self.file_name)?;
        if let Some(title) = &self.title {
            validate::non_empty("title", title)?;
        }
        for (field, value) in [
            ("title", &self.title),
            ("description", &self.description),
            ("workflow_id", &self.workflow_id),
            ("template", &self.template),
            ("resume_id", &self.resume_id),
        ] {
            if let Some(v) = value {
                validate::no_control_chars(field, v)?;
            }
        }
        if let Some(id) = &self.resume_id {
            validate::non_empty("resume_id", id)?;
        }
        if self.tags.len() > MAX_TAGS {
            return Err(crate::Error::invalid_input(
                "tags",
                format!(
                    "must hold at most {MAX_TAGS} tags (got {})",
                    self.tags.len()
                ),
            ));
        }
        for tag in &self.tags {
            validate::non_empty("tags", tag)?;
            validate::no_control_chars("tags", tag)?;
            validate::max_chars("tags", tag, MAX_TAG_CHARS)?;
            if tag.contains(',') {
                return Err(crate::Error::invalid_input(
                    "tags",
                    "must not contain commas inside a tag",
                ));
            }
        }
        Ok(())
    }
}

/// Options only Aliyun ApsaraVideo VOD understands (`CreateUploadVideo` parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AliyunOptions {
    /// `CoverURL`: a custom cover image URL.
    pub cover_url: Option<String>,
    /// `CateId`: the category id.
    pub cate_id: Option<i64>,
    /// `UserData`: JSON text with callback and extension settings.
    pub user_data: Option<String>,
    /// `StorageLocation`: the storage address to upload to.
    pub storage_location: Option<String>,
    /// `AppId`: the VOD application (the vendor default is `app-1000000`).
    pub app_id: Option<String>,
}

impl AliyunOptions {
    /// The options that are set, by their request field name (`aliyun.cover_url`, ...): what an
    /// adapter for another vendor names when it says it ignores them.
    pub fn set_fields(&self) -> Vec<&'static str> {
        set_names(&[
            ("aliyun.cover_url", self.cover_url.is_some()),
            ("aliyun.cate_id", self.cate_id.is_some()),
            ("aliyun.user_data", self.user_data.is_some()),
            ("aliyun.storage_location", self.storage_location.is_some()),
            ("aliyun.app_id", self.app_id.is_some()),
        ])
    }

    /// Sets `CoverURL`.
    pub fn cover_url(mut self, url: impl Into<String>) -> Self {
        self.cover_url = Some(url.into());
        self
    }
    /// Sets `CateId`.
    pub fn cate_id(mut self, id: i64) -> Self {
        self.cate_id = Some(id);
        self
    }
    /// Sets `UserData` (JSON text).
    pub fn user_data(mut self, json: impl Into<String>) -> Self {
        self.user_data = Some(json.into());
        self
    }
    /// Sets `StorageLocation`.
    pub fn storage_location(mut self, location: impl Into<String>) -> Self {
        self.storage_location = Some(location.into());
        self
    }
    /// Sets `AppId`.
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }
}

/// Options only Wangsu Cloud VoD understands (`getUploadToken` parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct WangsuOptions {
    /// `domain`: the playback domain.
    pub domain: Option<String>,
    /// `categoryNames`: JSON text `[{"parentName":"...","childName":"..."}]`.
    pub category_names: Option<String>,
    /// `waterMarkName`: a watermark template.
    pub watermark_name: Option<String>,
    /// `subtitleId`: a subtitle material id.
    pub subtitle_id: Option<String>,
    /// `subtitle`: base64 of a JSON list of up to 13 `{lang, subtitleId}`.
    pub subtitle: Option<String>,
}

impl WangsuOptions {
    /// The options that are set, by their request field name (`wangsu.domain`, ...): what an
    /// adapter for another vendor names when it says it ignores them.
    pub fn set_fields(&self) -> Vec<&'static str> {
        set_names(&[
            ("wangsu.domain", self.domain.is_some()),
            ("wangsu.category_names", self.category_names.is_some()),
            ("wangsu.watermark_name", self.watermark_name.is_some()),
            ("wangsu.subtitle_id", self.subtitle_id.is_some()),
            ("wangsu.subtitle", self.subtitle.is_some()),
        ])
    }

    /// Sets `domain`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// Sets `categoryNames` (JSON text).
    pub fn category_names(mut self, json: impl Into<String>) -> Self {
        self.category_names = Some(json.into());
        self
    }
    /// Sets `waterMarkName`.
    pub fn watermark_name(mut self, name: impl Into<String>) -> Self {
        self.watermark_name = Some(name.into());
        self
    }
    /// Sets `subtitleId`.
    pub fn subtitle_id(mut self, id: impl Into<String>) -> Self {
        self.subtitle_id = Some(id.into());
        self
    }
    /// Sets `subtitle` (base64 JSON list).
    pub fn subtitle(mut self, value: impl Into<String>) -> Self {
        self.subtitle = Some(value.into());
        self
    }
}

fn set_names(fields: &[(&'static str, bool)]) -> Vec<&'static str> {
    fields
        .iter()
        .filter_map(|&(name, set)| set.then_some(name))
        .collect()
}

/// A request for a fresh credential for an upload already created.
///
/// Build it from a stored credential with [`UploadCredential::refresh_request`](crate::UploadCredential::refresh_request),
/// or by hand from a media id (enough for Aliyun; Wangsu also needs the file name and resume id,
/// because it refreshes by issuing again).
///
/// ```
/// use vod_core::RefreshRequest;
/// let req = RefreshRequest::new("93ab850b4f6f54b6e91d24d81d4d1234");
/// assert!(req.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RefreshRequest {
    /// The provider that issued the original credential, when known; a provider refuses to
    /// refresh another provider's upload.
    pub provider: Option<String>,
    /// The vendor's media id (Aliyun `VideoId`, Wangsu `videoId`).
    pub media_id: String,
    /// The original file name (Wangsu re-issues with it).
    pub file_name: Option<String>,
    /// The original resume id (Wangsu `fileId`).
    pub resume_id: Option<String>,
}

impl RefreshRequest {
    /// A refresh of the upload of `media_id`.
    pub fn new(media_id: impl Into<String>) -> Self {
        Self {
            media_id: media_id.into(),
            ..Self::default()
        }
    }

    /// Sets the original file name.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the original resume id.
    pub fn resume_id(mut self, id: impl Into<String>) -> Self {
        self.resume_id = Some(id.into());
        self
    }

    /// Sets the issuing provider.
    pub fn provider(mut self, name: impl Into<String>) -> Self {
        self.provider = Some(name.into());
        self
    }

    /// Checks the media id and that the request belongs to `provider` when one is named.
    pub fn validate(&self) -> Result<()> {
        validate::non_empty("media_id", &self.media_id)?;
        validate::no_control_chars("media_id", &self.media_id)?;
        Ok(())
    }

    /// Fails unless this request was issued by `provider` (or names no provider).
    pub fn check_provider(&self, provider: &str) -> Result<()> {
        match &self.provider {
            Some(p) if p != provider => Err(crate::Error::invalid_input(
                "provider",
                format!(
                    "is `{p}`: this credential was issued by another provider than `{provider}`"
                ),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let cases = [
            (UploadRequest::new(""), "file_name"),
            (UploadRequest::new("noext"), "file_name"),
            (UploadRequest::new("a\u{7}.mp4"), "file_name"),
            (UploadRequest::new("a.mp4").title(" "), "title"),
            (
                UploadRequest::new("a.mp4").description("x\0"),
                "description",
            ),
            (UploadRequest::new("a.mp4").tags(vec!["x"; 17]), "tags"),
            (UploadRequest::new("a.mp4").tags(["a".repeat(33)]), "tags"),
            (UploadRequest::new("a.mp4").tags([""]), "tags"),
            (UploadRequest::new("a.mp4").tags(["a,b"]), "tags"),
            (UploadRequest::new("a.mp4").resume_id(""), "resume_id"),
        ];
        for (req, field) in cases {
            let err = req.validate().expect_err(field);
            assert_eq!(err.field(), Some(field), "{err}");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        }
        assert!(
            UploadRequest::new("a.mp4")
                .tags(vec!["x"; 16])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn default_title_is_the_stem() {
        assert_eq!(
            UploadRequest::new("dir/My clip.mp4").title_or_default(),
            "My clip"
        );
    }

    #[test]
    fn unknown_request_fields_are_rejected() {
        let err = serde_json::from_str::<UploadRequest>(r#"{"file_name":"a.mp4","titel":"x"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("titel"));
    }

    #[test]
    fn refresh_checks_provider() {
        let req = RefreshRequest::new("v1").provider("wangsu");
        assert!(req.check_provider("wangsu").is_ok());
        let err = req.check_provider("aliyun").unwrap_err();
        assert_eq!(err.field(), Some("provider"));
        assert!(RefreshRequest::new("").validate().is_err());
    }
}
