//! The default [`HttpClient`]: reqwest, with the timeouts and user agent of an [`HttpConfig`].
//!
//! Private, so that reqwest's types stay out of the public API; an app that wants another
//! client implements [`HttpClient`] itself.

use bytes::Bytes;

use super::http_client::{HttpClient, HttpError, HttpFailure};
use crate::config::HttpConfig;
use crate::{Error, ErrorKind, Result};

/// reqwest with the timeouts of one provider's configuration.
#[derive(Debug, Clone)]
pub(crate) struct ReqwestClient(reqwest::Client);

impl ReqwestClient {
    /// A client with `http`'s timeouts and this crate's user agent.
    pub(crate) fn new(http: &HttpConfig) -> Result<Self> {
        reqwest::Client::builder()
            .timeout(http.timeout())
            .connect_timeout(http.connect_timeout())
            .user_agent(concat!("vod-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(Self)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot build the HTTP client: {}", e.without_url()),
                )
            })
    }
}

#[async_trait::async_trait]
impl HttpClient for ReqwestClient {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        max_body: usize,
    ) -> std::result::Result<http::Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request).map_err(failure)?;
        let mut answer = self.0.execute(request).await.map_err(failure)?;
        let status = answer.status();
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(failure)? {
            if body.len() + chunk.len() > max_body {
                return Err(HttpError::too_large(status.as_u16(), body.into()));
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(Bytes::from(body));
        *out.status_mut() = status;
        *out.headers_mut() = std::mem::take(answer.headers_mut());
        Ok(out)
    }
}

/// How far a reqwest failure got, with its URL dropped (it may carry a security token). Only a
/// failure to connect (or to build the request) proves the request never left.
fn failure(err: reqwest::Error) -> HttpError {
    let err = err.without_url();
    let failure = if err.is_builder() {
        HttpFailure::Build
    } else if err.is_connect() && err.is_timeout() {
        HttpFailure::ConnectTimeout
    } else if err.is_connect() {
        HttpFailure::Connect
    } else if err.is_timeout() {
        HttpFailure::Timeout
    } else {
        HttpFailure::Interrupted
    };
    HttpError::new(failure, err)
}
