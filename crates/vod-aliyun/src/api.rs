//! The VOD API on the wire: names, parameters and answer shapes, and nothing else.
//!
//! Everything here is data: the constants Aliyun defines, the parameters each request sends, and
//! the JSON shapes of its answers. The modules that sign, send and read depend on it; it depends
//! on none of them, so a change of wire format is made in one place.

use std::collections::BTreeMap;

use serde::Deserialize;
use vod_core::{RefreshRequest, Secret, UploadRequest};

/// The provider's name, in config and in credentials.
pub const PROVIDER_NAME: &str = "aliyun";
/// The VOD API version.
pub const API_VERSION: &str = "2017-03-21";
/// The answer format asked for (V1 `Format`).
pub const FORMAT: &str = "JSON";
/// The action that creates an upload.
pub const CREATE_UPLOAD_VIDEO: &str = "CreateUploadVideo";
/// The action that refreshes an upload's credential.
pub const REFRESH_UPLOAD_VIDEO: &str = "RefreshUploadVideo";

/// Response headers that carry the request id: Aliyun repeats the body's `RequestId` in this
/// header, so each attempt's log line has it even when the body cannot be read.
pub const REQUEST_ID_HEADERS: &[&str] = &["x-acs-request-id"];

/// JSON fields whose values never appear in an excerpt of an answer.
pub const REDACTED_FIELDS: &[&str] = &[
    "UploadAuth",
    "UploadAddress",
    "AccessKeySecret",
    "SecurityToken",
];

/// The `CreateUploadVideo` parameters of a (validated) request. Absent options are not sent.
pub fn create_upload_video_params(request: &UploadRequest) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            params.insert(name.to_owned(), value);
        }
    };
    put("Title", Some(request.title_or_default().to_owned()));
    put("FileName", Some(request.file_name.clone()));
    put("FileSize", request.file_size.map(|n| n.to_string()));
    put("Description", request.description.clone());
    put(
        "Tags",
        (!request.tags.is_empty()).then(|| request.tags.join(",")),
    );
    put("WorkflowId", request.workflow_id.clone());
    put("TemplateGroupId", request.template.clone());
    let aliyun = &request.aliyun;
    put("CoverURL", aliyun.cover_url.clone());
    put("CateId", aliyun.cate_id.map(|id| id.to_string()));
    put("UserData", aliyun.user_data.clone());
    put("StorageLocation", aliyun.storage_location.clone());
    put("AppId", aliyun.app_id.clone());
    params
}

/// The `RefreshUploadVideo` parameters of a (validated) request.
pub fn refresh_upload_video_params(request: &RefreshRequest) -> BTreeMap<String, String> {
    BTreeMap::from([("VideoId".to_owned(), request.media_id.clone())])
}

/// The top level of a success answer. Its `Debug` is not derived: `UploadAuth` is a credential.
#[derive(Deserialize)]
pub(crate) struct SuccessBody {
    #[serde(rename = "RequestId")]
    pub(crate) request_id: Option<String>,
    #[serde(rename = "VideoId")]
    pub(crate) video_id: Option<String>,
    #[serde(rename = "UploadAddress")]
    pub(crate) upload_address: Option<String>,
    #[serde(rename = "UploadAuth")]
    pub(crate) upload_auth: Option<String>,
    /// Present when a 2xx answer is an error after all.
    #[serde(rename = "Code")]
    pub(crate) code: Option<String>,
}

/// `UploadAddress`, decoded.
#[derive(Deserialize)]
pub(crate) struct UploadAddress {
    #[serde(rename = "Endpoint")]
    pub(crate) endpoint: Option<String>,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: Option<String>,
    #[serde(rename = "FileName")]
    pub(crate) file_name: Option<String>,
    #[serde(rename = "ObjectPrefix")]
    pub(crate) object_prefix: Option<String>,
}

/// `UploadAuth`, decoded. Its `Debug` is not derived: it holds the STS secret and token.
#[derive(Deserialize)]
pub(crate) struct UploadAuth {
    #[serde(rename = "AccessKeyId")]
    pub(crate) access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    pub(crate) access_key_secret: Option<Secret>,
    #[serde(rename = "SecurityToken")]
    pub(crate) security_token: Option<Secret>,
    #[serde(rename = "ExpireUTCTime")]
    pub(crate) expire_utc_time: Option<String>,
    /// A lifetime in seconds, as a string or a number.
    #[serde(rename = "Expiration")]
    pub(crate) expiration: Option<serde_json::Value>,
    #[serde(rename = "Region")]
    pub(crate) region: Option<String>,
}

/// An Aliyun error body. Every field is optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(rename = "RequestId")]
    pub(crate) request_id: Option<String>,
    #[serde(rename = "Code")]
    pub(crate) code: Option<String>,
    #[serde(rename = "Message")]
    pub(crate) message: Option<String>,
    #[serde(rename = "Recommend")]
    pub(crate) recommend: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn every_create_parameter_is_reachable() {
        use vod_core::AliyunOptions;
        let req = UploadRequest::new("dir/My clip.mp4")
            .file_size(1024)
            .description("about")
            .tags(["a", "b c"])
            .workflow_id("wf-1")
            .template("tg-1")
            .resume_id("ignored")
            .overwrite(true)
            .aliyun(
                AliyunOptions::default()
                    .cover_url("https://img/x.png")
                    .cate_id(1000)
                    .user_data(r#"{"Extend":{"k":"v"}}"#)
                    .storage_location("outin-x.oss-cn-shanghai.aliyuncs.com")
                    .app_id("app-1000000"),
            );
        let params = create_upload_video_params(&req);
        let expected = map(&[
            ("Title", "My clip"),
            ("FileName", "dir/My clip.mp4"),
            ("FileSize", "1024"),
            ("Description", "about"),
            ("Tags", "a,b c"),
            ("WorkflowId", "wf-1"),
            ("TemplateGroupId", "tg-1"),
            ("CoverURL", "https://img/x.png"),
            ("CateId", "1000"),
            ("UserData", r#"{"Extend":{"k":"v"}}"#),
            ("StorageLocation", "outin-x.oss-cn-shanghai.aliyuncs.com"),
            ("AppId", "app-1000000"),
        ]);
        assert_eq!(params, expected);

        let minimal = create_upload_video_params(&UploadRequest::new("a.mp4").title("T"));
        assert_eq!(minimal, map(&[("Title", "T"), ("FileName", "a.mp4")]));
        let refresh = refresh_upload_video_params(&RefreshRequest::new("v-1"));
        assert_eq!(refresh, map(&[("VideoId", "v-1")]));
    }
}
