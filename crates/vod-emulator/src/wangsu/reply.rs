//! What every Wangsu answer looks like: JSON `{"code", "message"[, "data"]}` and a request id
//! header named for the signature variant.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::Variant;

/// A failed request's answer: an HTTP status and the envelope's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WangsuError {
    pub(crate) status: StatusCode,
    /// A number for the vendor's codes, a string only for injected non-numeric codes.
    pub(crate) code: Value,
    pub(crate) message: String,
}

impl WangsuError {
    /// A business error: HTTP 200 with a non-200 `code`.
    pub(crate) fn business(code: u32, message: impl Into<String>) -> Self {
        WangsuError {
            status: StatusCode::OK,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A gateway rejection: HTTP 401, `code` 401.
    pub(crate) fn unauthorized(message: &str) -> Self {
        WangsuError {
            status: StatusCode::UNAUTHORIZED,
            code: 401.into(),
            message: message.to_owned(),
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    code: &'a Value,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<T>,
}

/// The per-request part of every answer: its id and the header that carries it.
#[derive(Debug)]
pub(crate) struct Reply {
    variant: Variant,
    request_id: String,
}

impl Reply {
    pub(crate) fn new(variant: Variant) -> Self {
        Reply {
            variant,
            request_id: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// `{"code": 200, "message": "success", "data": data}`.
    pub(crate) fn success(&self, data: &impl Serialize) -> Response {
        self.envelope(StatusCode::OK, &Value::from(200), "success", Some(data))
    }

    pub(crate) fn error(&self, error: &WangsuError) -> Response {
        tracing::debug!(code = %error.code, message = %error.message, "wangsu error");
        self.envelope::<()>(error.status, &error.code, &error.message, None)
    }

    fn envelope<T: Serialize>(
        &self,
        status: StatusCode,
        code: &Value,
        message: &str,
        data: Option<T>,
    ) -> Response {
        let body = serde_json::to_string(&Envelope {
            code,
            message,
            data,
        })
        .unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            body,
        )
            .into_response();
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(
                HeaderName::from_static(self.variant.request_id_header()),
                id,
            );
        }
        response
    }
}
