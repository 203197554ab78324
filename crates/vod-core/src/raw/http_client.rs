//! The one seam between the transport and an HTTP library.
//!
//! The transport signs, times, logs and classifies; sending bytes is all it asks of a client. An
//! app that needs its own client (a proxy, custom TLS roots, a shared connection pool, another
//! HTTP library) implements [`HttpClient`] in a few lines and passes it to a provider builder's
//! `http_client`. The default client, built from [`HttpConfig`](crate::HttpConfig) over reqwest,
//! is private to this crate, so no HTTP library's types are part of the public API: requests and
//! answers are the `http` crate's, bodies are [`Bytes`].
//!
//! What a client reports when it fails decides whether a retry may create a second video, so
//! [`HttpError`] says how far the request got ([`HttpFailure`]) rather than carrying a message.

use std::fmt;

use bytes::Bytes;

/// The cause an [`HttpError`] carries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Sends one request and reads its whole answer.
///
/// Implement it to send through a client of your own. Over reqwest (which speaks the same `http`
/// types), with a timeout of your choice:
///
/// ```
/// use bytes::Bytes;
/// use vod_core::raw::{HttpClient, HttpError, HttpFailure};
///
/// #[derive(Debug)]
/// struct MyClient(reqwest::Client);
///
/// #[async_trait::async_trait]
/// impl HttpClient for MyClient {
///     async fn send(
///         &self,
///         request: http::Request<Bytes>,
///         max_body: usize,
///     ) -> Result<http::Response<Bytes>, HttpError> {
///         let sent = |e: reqwest::Error| {
///             let failure = if e.is_connect() { HttpFailure::Connect }
///                 else if e.is_timeout() { HttpFailure::Timeout }
///                 else { HttpFailure::Interrupted };
///             HttpError::new(failure, e.without_url())
///         };
///         let request = reqwest::Request::try_from(request)
///             .map_err(|e| HttpError::new(HttpFailure::Build, e.without_url()))?;
///         let mut answer = self.0.execute(request).await.map_err(sent)?;
///         let mut body = Vec::new();
///         while let Some(chunk) = answer.chunk().await.map_err(sent)? {
///             if body.len() + chunk.len() > max_body {
///                 return Err(HttpError::too_large(answer.status().as_u16(), body.into()));
///             }
///             body.extend_from_slice(&chunk);
///         }
///         let mut out = http::Response::new(Bytes::from(body));
///         *out.status_mut() = answer.status();
///         *out.headers_mut() = std::mem::take(answer.headers_mut());
///         Ok(out)
///     }
/// }
/// ```
///
/// Pass it with `Arc::new(MyClient(client))` to a builder's `http_client`; the client's own
/// timeouts then apply.
///
/// The request's URI may carry a security token (Aliyun STS callers sign it into the query):
/// never put it into an error or a log line.
#[async_trait::async_trait]
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends `request` exactly as given (method, URI, headers, body) and reads the answer's
    /// status, headers and body. A body longer than `max_body` bytes is not read further: fail
    /// with [`HttpError::too_large`].
    async fn send(
        &self,
        request: http::Request<Bytes>,
        max_body: usize,
    ) -> Result<http::Response<Bytes>, HttpError>;
}

/// How far a failed request got, which decides whether the vendor may have acted on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFailure {
    /// The request could not be built (a URI or header the client refuses): never sent.
    Build,
    /// No connection to the vendor: never sent.
    Connect,
    /// No connection within the connect timeout: never sent.
    ConnectTimeout,
    /// Sent, but no whole answer within the timeout: the vendor may have acted.
    Timeout,
    /// Sent, but the connection failed before a whole answer arrived: the vendor may have acted.
    Interrupted,
    /// The answer's body is longer than the limit; `head` holds the bytes read until then.
    TooLarge {
        /// The answer's HTTP status.
        status: u16,
        /// The start of the body.
        head: Bytes,
    },
}

impl HttpFailure {
    /// Whether the request may have reached the vendor.
    pub fn was_sent(&self) -> bool {
        !matches!(self, Self::Build | Self::Connect | Self::ConnectTimeout)
    }
}

/// A failed exchange: how far it got and, when known, the cause (whose text must hold no
/// secret: drop the URL from an HTTP library's error).
#[derive(Debug)]
pub struct HttpError {
    failure: HttpFailure,
    source: Option<BoxError>,
}

impl HttpError {
    /// A failure with its cause.
    pub fn new(failure: HttpFailure, source: impl Into<BoxError>) -> Self {
        Self {
            failure,
            source: Some(source.into()),
        }
    }

    /// An answer longer than the limit: its status and the bytes read until then.
    pub fn too_large(status: u16, head: Bytes) -> Self {
        Self {
            failure: HttpFailure::TooLarge { status, head },
            source: None,
        }
    }

    /// How far the request got.
    pub fn failure(&self) -> &HttpFailure {
        &self.failure
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.failure {
            HttpFailure::Build => "cannot build the request",
            HttpFailure::Connect => "cannot connect",
            HttpFailure::ConnectTimeout => "no connection within the connect timeout",
            HttpFailure::Timeout => "no answer within the timeout",
            HttpFailure::Interrupted => "the connection failed before a whole answer arrived",
            HttpFailure::TooLarge { .. } => "the answer is too large",
        };
        f.write_str(what)
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
