//! What every OSS answer carries: `x-oss-request-id`, `Server: AliyunOSS`, and on failure the
//! XML error body `<Error><Code/><Message/><RequestId/><HostId/>…<EC/></Error>`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::partial_escape as escape;

/// A failed OSS request, before the request id and host are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OssError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// The fine-grained `EC` code.
    pub(crate) ec: &'static str,
    /// Extra elements (`StringToSign`, `CanonicalRequest`, `OSSAccessKeyId`, ...), in order.
    pub(crate) extra: Vec<(&'static str, String)>,
}

impl OssError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        ec: &'static str,
        message: impl Into<String>,
    ) -> Self {
        OssError {
            status,
            code,
            message: message.into(),
            ec,
            extra: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    pub(crate) fn no_such_upload() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "0042-00000002",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "0017-00000001",
            message,
        )
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "0000-00000001",
            "We encountered an internal error. Please try again.",
        )
    }
}

/// The per-request part of every answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) request_id: String,
    pub(crate) host: String,
}

impl Reply {
    pub(crate) fn new(headers: &HeaderMap) -> Self {
        Reply {
            // OSS request ids are 24 upper-case hex digits.
            request_id: uuid::Uuid::new_v4().simple().to_string()[..24].to_uppercase(),
            host: headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("oss-cn-shanghai.aliyuncs.com")
                .to_owned(),
        }
    }

    /// Adds the headers every answer has.
    pub(crate) fn stamp(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            headers.insert("x-oss-request-id", id);
        }
        headers.insert(header::SERVER, HeaderValue::from_static("AliyunOSS"));
        response
    }

    /// An XML body with `status`.
    pub(crate) fn xml(&self, status: StatusCode, body: String) -> Response {
        self.stamp((status, [(header::CONTENT_TYPE, "application/xml")], body).into_response())
    }

    /// The error body for `error`, with `x-oss-ec`.
    pub(crate) fn error(&self, error: &OssError) -> Response {
        // Only the code: StringToSign holds the caller's security token.
        tracing::debug!(code = error.code, "oss error");
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{}</Code>\n  <Message>{}</Message>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n",
            error.code,
            escape(error.message.as_str()),
            self.request_id,
            escape(self.host.as_str()),
        );
        for (name, value) in &error.extra {
            body.push_str(&format!("  <{name}>{}</{name}>\n", escape(value.as_str())));
        }
        body.push_str(&format!("  <EC>{}</EC>\n</Error>\n", error.ec));
        let mut response = self.xml(error.status, body);
        response
            .headers_mut()
            .insert("x-oss-ec", HeaderValue::from_static(error.ec));
        response
    }
}
