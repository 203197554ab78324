//! Get Video Upload Token on the wire: hosts, paths, headers, the request body and the answer
//! envelope, and nothing else.
//!
//! Everything here is data: the constants Wangsu defines, the body each request sends, and the
//! JSON shapes of its answers. The modules that sign, send and read depend on it; it depends on
//! none of them, so a change of wire format is made in one place.

use serde::{Deserialize, Serialize};
use vod_core::{Error, ErrorKind, Result, UploadRequest};

/// The provider's name, in config and in credentials.
pub const PROVIDER_NAME: &str = "wangsu";
/// The operation name in errors and tracing spans.
pub const GET_UPLOAD_TOKEN: &str = "getUploadToken";
/// The Cloud VoD API host, used with [`WangsuVariant::Ws3`](vod_core::config::WangsuVariant::Ws3) (`WS3-HMAC-SHA256`).
pub const DEFAULT_WS3_HOST: &str = "api.cloudv.haplat.net";
/// The Wangsu OpenAPI gateway host, used with [`WangsuVariant::Cnc`](vod_core::config::WangsuVariant::Cnc) (`CNC-HMAC-SHA256`). The
/// CDNetworks gateway, `api.cdnetworks.com`, takes the same variant through `endpoint`.
pub const DEFAULT_CNC_HOST: &str = "open.chinanetcenter.com";
/// The path of Get Video Upload Token, the same on every gateway.
pub const UPLOAD_TOKEN_PATH: &str = "/vod/videoManage/getUploadToken";

/// The content type sent and signed.
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// Where each gateway puts its request id (header names are matched without case).
pub const REQUEST_ID_HEADERS: &[&str] = &["x-ws-requestid", "x-cnc-request-id"];
/// JSON fields whose values never appear in error excerpts.
pub const REDACTED_FIELDS: &[&str] = &["uploadToken"];

/// The body of Get Video Upload Token, in the vendor's names. Absent parameters are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetUploadToken<'a> {
    /// The file name, with extension.
    pub origin_file_name: &'a str,
    /// The resume id: always sent, so that the upload can be refreshed by issuing again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<&'a str>,
    /// `domain`: the playback domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'a str>,
    /// `workflowId`: the workflow to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<&'a str>,
    /// 0 or 1: an integer in the current API and SDKs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overwrite: Option<u8>,
    /// `categoryNames`: JSON text of categories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_names: Option<&'a str>,
    /// `waterMarkName`: a watermark template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub water_mark_name: Option<&'a str>,
    /// `transCodeCombineName`: a transcoding template group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trans_code_combine_name: Option<&'a str>,
    /// `subtitleId`: a subtitle material id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle_id: Option<&'a str>,
    /// `subtitle`: base64 of a JSON list of subtitles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<&'a str>,
}

impl<'a> GetUploadToken<'a> {
    /// The parameters of a new upload with resume id `file_id`.
    pub fn create(request: &'a UploadRequest, file_id: &'a str) -> Self {
        let w = &request.wangsu;
        Self {
            origin_file_name: &request.file_name,
            file_id: Some(file_id),
            domain: w.domain.as_deref(),
            workflow_id: request.workflow_id.as_deref(),
            overwrite: request.overwrite.map(u8::from),
            category_names: w.category_names.as_deref(),
            water_mark_name: w.watermark_name.as_deref(),
            trans_code_combine_name: request.template.as_deref(),
            subtitle_id: w.subtitle_id.as_deref(),
            subtitle: w.subtitle.as_deref(),
        }
    }

    /// The parameters that issue a fresh token for an upload created earlier.
    pub fn refresh(file_name: &'a str, file_id: &'a str) -> Self {
        Self {
            origin_file_name: file_name,
            file_id: Some(file_id),
            domain: None,
            workflow_id: None,
            overwrite: None,
            category_names: None,
            water_mark_name: None,
            trans_code_combine_name: None,
            subtitle_id: None,
            subtitle: None,
        }
    }
}

/// The JSON bytes of the body.
pub fn body(params: &GetUploadToken<'_>) -> Result<Vec<u8>> {
    serde_json::to_vec(params).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot encode the request as JSON: {e}"),
        )
    })
}

/// `code`: an integer or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Code {
    Number(serde_json::Number),
    Text(String),
}

impl Code {
    pub(crate) fn text(&self) -> String {
        match self {
            Code::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i.to_string(),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => (f as i64).to_string(),
                _ => n.to_string(),
            },
            Code::Text(s) => s.trim().to_owned(),
        }
    }
}

/// A field read as text whether the vendor sent a string or a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Text {
    Text(String),
    Number(serde_json::Number),
}

impl Text {
    pub(crate) fn into_string(self) -> String {
        match self {
            Text::Text(s) => s,
            Text::Number(n) => n.to_string(),
        }
    }
}

/// The answer envelope. Its `Debug` is not derived: `data` holds the upload token.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub(crate) code: Option<Code>,
    #[serde(default)]
    pub(crate) message: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) data: Option<serde_json::Value>,
}

/// `data` of a success answer. Its `Debug` is not derived: it holds the upload token.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Data {
    pub(crate) upload_url: Option<Text>,
    pub(crate) upload_token: Option<Text>,
    pub(crate) file_key: Option<Text>,
    pub(crate) video_id: Option<Text>,
    pub(crate) bucket_name: Option<Text>,
    pub(crate) http_dns_server: Option<Text>,
    /// The spelling of one documentation page.
    pub(crate) http_dns_serve: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use vod_core::WangsuOptions;

    #[test]
    fn every_parameter_in_the_body() {
        let request = UploadRequest::new("a.mp4")
            .resume_id("rid")
            .workflow_id("wf")
            .template("tpl")
            .overwrite(true)
            .title("ignored")
            .description("ignored")
            .file_size(1)
            .tags(["ignored"])
            .wangsu(
                WangsuOptions::default()
                    .domain("d.example")
                    .category_names(r#"[{"parentName":"p","childName":"c"}]"#)
                    .watermark_name("wm")
                    .subtitle_id("sid")
                    .subtitle("W10="),
            );
        let json: serde_json::Value =
            serde_json::from_slice(&body(&GetUploadToken::create(&request, "rid")).unwrap())
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "originFileName": "a.mp4",
                "fileId": "rid",
                "domain": "d.example",
                "workflowId": "wf",
                "overwrite": 1,
                "categoryNames": "[{\"parentName\":\"p\",\"childName\":\"c\"}]",
                "waterMarkName": "wm",
                "transCodeCombineName": "tpl",
                "subtitleId": "sid",
                "subtitle": "W10=",
            })
        );
        let request = UploadRequest::new("a.mp4").overwrite(false);
        let text = |params: &GetUploadToken<'_>| String::from_utf8(body(params).unwrap()).unwrap();
        assert_eq!(
            text(&GetUploadToken::create(&request, "rid")),
            r#"{"originFileName":"a.mp4","fileId":"rid","overwrite":0}"#
        );
        assert_eq!(
            text(&GetUploadToken::refresh("a.mp4", "rid")),
            r#"{"originFileName":"a.mp4","fileId":"rid"}"#
        );
    }
}
