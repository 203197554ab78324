//! What every Aliyun answer looks like: a request id (in the body and in `x-acs-request-id`),
//! JSON, and on failure the error body `{"RequestId","HostId","Code","Message","Recommend"}`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The host named in error bodies when the request has no `Host` header.
const DEFAULT_HOST: &str = "vod.cn-shanghai.aliyuncs.com";

/// A failed request's answer, before the request id and host are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliyunError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl AliyunError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        AliyunError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 `code` with `message`.
    pub(crate) fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `Missing{name}`: a required parameter is absent or empty.
    pub(crate) fn missing(name: &str) -> Self {
        Self::bad_request(
            &format!("Missing{name}"),
            format!("{name} is mandatory for this action."),
        )
    }

    /// 400 `InvalidParameter` naming the parameter.
    pub(crate) fn invalid(name: &str, why: &str) -> Self {
        Self::bad_request(
            "InvalidParameter",
            format!("The specified parameter \"{name}\" is not valid: {why}."),
        )
    }

    /// 400 `LengthExceededMax` naming the parameter and its limit.
    pub(crate) fn too_long(name: &str, max_chars: usize) -> Self {
        Self::bad_request(
            "LengthExceededMax",
            format!("The length of \"{name}\" exceeds the maximum of {max_chars} characters."),
        )
    }
}

/// The per-request part of every answer: its id and the host it was addressed to.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) request_id: String,
    host: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    request_id: &'a str,
    host_id: &'a str,
    code: &'a str,
    message: &'a str,
    recommend: String,
}

impl Reply {
    /// A reply to a request with these headers, under a fresh request id.
    pub(crate) fn new(headers: &HeaderMap) -> Self {
        Reply {
            request_id: uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase(),
            host: headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or(DEFAULT_HOST)
                .to_owned(),
        }
    }

    /// `body` as JSON with `status` and the request id header.
    pub(crate) fn json(&self, status: StatusCode, body: &impl Serialize) -> Response {
        let text = serde_json::to_string(body).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
            text,
        )
            .into_response();
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert("x-acs-request-id", id);
        }
        response
    }

    /// The vendor's error body for `error`.
    pub(crate) fn error(&self, error: &AliyunError) -> Response {
        // Only the code: a message may quote a string to sign, which holds the caller's STS token.
        tracing::debug!(code = %error.code, "aliyun error");
        self.json(
            error.status,
            &ErrorBody {
                request_id: &self.request_id,
                host_id: &self.host,
                code: &error.code,
                message: &error.message,
                recommend: format!(
                    "https://api.aliyun.com/troubleshoot?q={}&product=vod",
                    error.code
                ),
            },
        )
    }
}
