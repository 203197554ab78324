//! The HTTP exchange every adapter shares.
//!
//! Adapters differ in how they sign a request and read an answer; everything between is the same
//! and lives here once: a fresh timestamp and nonce per attempt, per-attempt timeouts, mapping
//! transport failures to [`ErrorKind`]s, a bounded body read, the vendor request id, `Retry-After`
//! and `Date` headers, one log event per attempt, and clock-skew correction (when a vendor
//! rejects our timestamp and tells its own time, correct the clock and try once more).
//!
//! Each attempt ends with one `debug` event of target `vod` carrying `provider`, `operation`,
//! `attempt`, `request_id`, `status`, `latency_ms` and (on failure) `error`: one line per vendor
//! call under `VOD_LOG=vod=debug`. Attempts are numbered across the retry layer's retries, which
//! scopes a counter around the whole call ([`count_attempts`]).
//!
//! A failure is marked outcome-unknown ([`Error::is_outcome_unknown`]) when the request was sent
//! and no answer in the vendor's format came back, so the retry layer knows a create may have
//! happened.
//!
//! Nothing here formats a URL or a header into an error or a log line: Aliyun STS callers carry
//! their security token in the query, so URLs count as secret.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::config::HttpConfig;
use crate::raw::http_client::{HttpClient, HttpError, HttpFailure};
use crate::raw::redact::Redactor;
use crate::raw::reqwest_client::ReqwestClient;
use crate::raw::{NonceSource, RandomNonce, SkewCorrectedClock};
use crate::{Clock, Error, ErrorKind, Result, SystemClock, VendorDetail};

/// The most bytes read from a vendor answer; credential answers are a few KiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;

tokio::task_local! {
    /// Vendor attempts made so far by the call in progress, when a retry layer counts them.
    static ATTEMPTS: Cell<u32>;
}

/// Runs `call` with its vendor attempts numbered from 1 across everything it sends, retries
/// included, so each attempt's log event says which it was. The retry layer wraps every call in
/// this; a nested scope keeps the outer count.
pub async fn count_attempts<F: Future>(call: F) -> F::Output {
    if ATTEMPTS.try_with(|_| ()).is_ok() {
        call.await
    } else {
        ATTEMPTS.scope(Cell::new(0), call).await
    }
}

/// The number of the attempt about to start: the next in the counted call, else `local`.
fn next_attempt(local: u32) -> u32 {
    ATTEMPTS
        .try_with(|n| {
            n.set(n.get() + 1);
            n.get()
        })
        .unwrap_or(local)
}

/// The time and nonce one attempt signs with.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The attempt number, from 1.
    pub number: u32,
    /// The (skew-corrected) time to sign with.
    pub now: OffsetDateTime,
    /// A fresh nonce.
    pub nonce: String,
}

/// A signed request ready to send.
///
/// Its `Debug` shows the method, the header names and the body length only: the URL of an Aliyun
/// STS caller carries the security token, and headers carry signatures and tokens.
#[derive(Clone)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: http::Method,
    /// The full URL, query included.
    pub url: String,
    /// Headers to send, exactly as signed.
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes, exactly as signed. `Bytes`, so that a retry resends them without a copy.
    pub body: bytes::Bytes,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A vendor's answer, read whole, with the redaction rules of the transport that read it.
///
/// Adapters read answers from `&Response`. [`Response::new`] builds one without a transport, for
/// testing a parser or for a custom transport:
///
/// ```
/// use vod_core::ErrorKind;
/// use vod_core::raw::redact::Redactor;
/// use vod_core::raw::transport::Response;
///
/// let body = br#"<html>502 Bad Gateway, token "CAIS+sts/token=="</html>"#.to_vec();
/// let response = Response::new(502, Default::default(), body)
///     .with_redactor(Redactor::new().values(["CAIS+sts/token=="]));
/// let err = response.unreadable("the answer is not JSON");
/// assert_eq!(err.kind(), ErrorKind::Unavailable);
/// assert!(err.message().contains("502 Bad Gateway"));
/// assert!(!err.message().contains("CAIS"));
/// ```
///
/// Its `Debug` shows the status, the header names and the body length, never the body (a success
/// answer is a credential).
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The body (at most [`MAX_BODY_BYTES`]).
    pub body: Vec<u8>,
    /// The time the base clock read when the answer arrived.
    pub received_at: OffsetDateTime,
    redactor: Arc<Redactor>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// An answer that arrived now (by the system clock) and redacts nothing: for tests and custom
    /// transports. Add the provider's rules with [`Response::with_redactor`].
    pub fn new(status: u16, headers: http::HeaderMap, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            received_at: OffsetDateTime::now_utc(),
            redactor: Arc::default(),
        }
    }

    /// Redacts excerpts and errors of this answer with `redactor`.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Arc::new(redactor);
        self
    }

    /// The redaction rules, for vendor text that an error quotes other than through an excerpt
    /// (a message, a hint): [`Redactor::scrub`] it.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The server's clock from its `Date` header.
    pub fn server_time(&self) -> Option<OffsetDateTime> {
        parse_http_date(self.header("date")?)
    }

    /// The vendor's `Retry-After`, in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = parse_http_date(value)?;
        let from = self.server_time().unwrap_or(self.received_at);
        (at - from).try_into().ok()
    }

    /// A short excerpt of the body for error messages, redacted ([`Redactor::excerpt`]).
    pub fn excerpt(&self) -> String {
        self.redactor.excerpt(&self.body)
    }

    /// An invalid-response error: `what` went wrong reading this answer
    /// ([`Error::invalid_response`], quoting [`Response::excerpt`]).
    pub fn invalid(&self, what: impl std::fmt::Display) -> Error {
        Error::invalid_response(self.status, what, &self.excerpt())
    }

    /// The error for an answer not in the vendor's format at all: retryable for 429 and 5xx, else
    /// invalid ([`Error::unreadable_response`], quoting [`Response::excerpt`]).
    pub fn unreadable(&self, what: impl std::fmt::Display) -> Error {
        Error::unreadable_response(self.status, what, &self.excerpt())
    }
}

/// Sends signed requests for one provider.
#[derive(Debug, Clone)]
pub struct Transport {
    provider: &'static str,
    client: Arc<dyn HttpClient>,
    clock: SkewCorrectedClock,
    nonces: Arc<dyn NonceSource>,
    request_id_headers: &'static [&'static str],
    redactor: Arc<Redactor>,
}

impl Transport {
    /// A transport for `provider` with timeouts from `http`, the system clock and random nonces.
    pub fn new(provider: &'static str, http: &HttpConfig) -> Result<Self> {
        http.validate()?;
        Ok(Self {
            provider,
            client: Arc::new(ReqwestClient::new(http)?),
            clock: SkewCorrectedClock::new(Arc::new(SystemClock)),
            nonces: Arc::new(RandomNonce),
            request_id_headers: &[],
            redactor: Arc::default(),
        })
    }

    /// Uses `client` for HTTP (its own timeouts then apply).
    pub fn with_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.client = client;
        self
    }

    /// Reads time from `clock` (skew correction still applies on top).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = SkewCorrectedClock::new(clock);
        self
    }

    /// Takes nonces from `nonces`.
    pub fn with_nonces(mut self, nonces: Arc<dyn NonceSource>) -> Self {
        self.nonces = nonces;
        self
    }

    /// Names the response headers that carry the vendor's request id.
    pub fn with_request_id_headers(mut self, names: &'static [&'static str]) -> Self {
        self.request_id_headers = names;
        self
    }

    /// Redacts every answer's excerpts and errors with `redactor`: the JSON fields and secret
    /// values that never appear in an error.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Arc::new(redactor);
        self
    }

    /// The provider this transport serves.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The clock signatures use, with its measured skew correction.
    pub fn clock(&self) -> &SkewCorrectedClock {
        &self.clock
    }

    /// The vendor request id from the response headers, if any.
    pub fn header_request_id(&self, response: &Response) -> Option<String> {
        self.request_id_headers
            .iter()
            .find_map(|h| response.header(h))
            .map(str::to_owned)
    }

    /// Performs one vendor call: builds and signs a request with a fresh time and nonce, sends it,
    /// and reads the answer with `parse`. When the vendor rejects the timestamp and says its own
    /// time, corrects the clock and tries once more.
    ///
    /// `build` returns the request and a context of its own choosing (the attempt's string to
    /// sign, its time); `parse` receives the context of the attempt whose answer it reads.
    pub async fn call<T, C>(
        &self,
        operation: &'static str,
        build: impl Fn(&Attempt) -> Result<(Outgoing, C)>,
        parse: impl Fn(&Response, &C) -> Result<T>,
    ) -> Result<T> {
        let mut local = 1;
        loop {
            let attempt = Attempt {
                number: next_attempt(local),
                now: self.clock.now(),
                nonce: self.nonces.nonce(),
            };
            let (outgoing, context) = build(&attempt)?;
            let parse = |response: &Response| parse(response, &context);
            let result = self
                .exchange(operation, attempt.number, outgoing, &parse)
                .await;
            let result = result.map_err(|e| e.with_context(self.provider, operation));
            if let Err(err) = &result {
                if err.kind() == ErrorKind::ClockSkew && local == 1 {
                    if let Some(server) = err.server_time() {
                        let offset = self.clock.correct(server, self.clock.base_now());
                        tracing::warn!(
                            target: "vod",
                            provider = self.provider,
                            operation,
                            offset_secs = offset.whole_seconds(),
                            "{} rejected the request time; clock corrected by the server's Date",
                            self.provider
                        );
                        local += 1;
                        continue;
                    }
                }
            }
            return result;
        }
    }

    /// Sends one attempt and reads its answer, then logs the attempt's one event.
    async fn exchange<T>(
        &self,
        operation: &'static str,
        attempt: u32,
        outgoing: Outgoing,
        parse: &impl Fn(&Response) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let response = self.send(outgoing).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let (status, header_id, result) = match response {
            Err(err) => (None, None, Err(err)),
            Ok(response) => {
                let request_id = self.header_request_id(&response);
                let result = parse(&response).map_err(|e| {
                    let e = e
                        .with_vendor(
                            VendorDetail::new()
                                .request_id(request_id.clone())
                                .http_status(response.status),
                        )
                        .with_retry_after(response.retry_after())
                        .with_server_time(response.server_time());
                    // A retryable failure without a vendor code is a gateway's page or a cut-off
                    // answer: the vendor may have acted. A 429 is a refusal whatever its body.
                    if e.is_retryable() && e.vendor_code().is_none() && response.status != 429 {
                        e.with_outcome_unknown()
                    } else {
                        e
                    }
                });
                (Some(response.status), request_id, result)
            }
        };
        let error = result.as_ref().err();
        let request_id = error.and_then(Error::request_id).or(header_id.as_deref());
        tracing::debug!(
            target: "vod",
            provider = self.provider,
            operation,
            attempt,
            request_id,
            status,
            latency_ms,
            error = error.map(|e| e.kind().as_str()),
            "vendor call"
        );
        result
    }

    async fn send(&self, outgoing: Outgoing) -> Result<Response> {
        let mut request = http::Request::builder()
            .method(outgoing.method)
            .uri(outgoing.url);
        for (name, value) in outgoing.headers {
            request = request.header(name, value);
        }
        // The builder's error names no URL: an invalid URI or header is a build failure.
        let request = request
            .body(outgoing.body)
            .map_err(|e| transport_error(HttpError::new(HttpFailure::Build, e)))?;
        let answer = self
            .client
            .send(request, MAX_BODY_BYTES)
            .await
            .map_err(|e| match e.failure() {
                HttpFailure::TooLarge { status, head } => Error::invalid_response(
                    *status,
                    format!("answer larger than {MAX_BODY_BYTES} bytes"),
                    &self.redactor.excerpt(head),
                ),
                _ => transport_error(e),
            })?;
        let (parts, body) = answer.into_parts();
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: Vec::from(body),
            received_at: self.clock.base_now(),
            redactor: Arc::clone(&self.redactor),
        })
    }
}

/// Maps a failed exchange to a kind. Only a failure before sending (to build the request, to
/// connect) proves the request never left; any other is outcome-unknown.
fn transport_error(err: HttpError) -> Error {
    let failure = err.failure();
    let sent = failure.was_sent();
    let (kind, what) = match failure {
        HttpFailure::Timeout | HttpFailure::ConnectTimeout => (
            ErrorKind::Timeout,
            "no answer within the configured timeout",
        ),
        HttpFailure::Build => (
            ErrorKind::Config,
            "cannot build the request (check the endpoint URL)",
        ),
        HttpFailure::Connect => (ErrorKind::Network, "cannot connect to the vendor"),
        _ => (
            ErrorKind::Network,
            "the connection failed before a whole answer arrived",
        ),
    };
    // The innermost cause says what happened ("Connection refused (os error 111)"); the layers
    // above it only say where ("client error (Connect)").
    let mut cause = std::error::Error::source(&err);
    while let Some(deeper) = cause.and_then(std::error::Error::source) {
        cause = Some(deeper);
    }
    let detail = cause.map(|s| format!(": {s}")).unwrap_or_default();
    let error = Error::new(kind, format!("{what}{detail}"));
    if sent {
        error.with_outcome_unknown().with_source(err)
    } else {
        error.with_source(err)
    }
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), format)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_requests_and_answers_shows_no_secret() {
        let out = Outgoing {
            method: http::Method::POST,
            url: "http://h/?SecurityToken=CAIStoken&Signature=sig".into(),
            headers: vec![("x-acs-security-token", "CAIStoken".into())],
            body: bytes::Bytes::from_static(b"{\"secret\":\"s3cr3t\"}"),
        };
        let text = format!("{out:?}");
        assert!(
            !text.contains("CAIStoken") && !text.contains("s3cr3t"),
            "{text}"
        );
        assert!(text.contains("x-acs-security-token"), "{text}");
        let resp = Response::new(
            200,
            http::HeaderMap::new(),
            br#"{"UploadAuth":"eyJTZWNyZXQi"}"#.to_vec(),
        );
        let text = format!("{resp:?}");
        assert!(!text.contains("eyJTZWNyZXQi"), "{text}");
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sat, 21 Nov 2026 04:28:17 GMT").unwrap();
        assert_eq!(t, time::macros::datetime!(2026-11-21 04:28:17 UTC));
        assert!(parse_http_date("yesterday").is_none());
    }

    /// An app's own client: answers from a script, records what it was sent.
    #[derive(Debug)]
    struct Scripted {
        answer: fn() -> std::result::Result<http::Response<bytes::Bytes>, HttpError>,
        seen: std::sync::Mutex<Vec<Seen>>,
    }

    /// Method, URI, the `x-test` header and the body limit of one request sent.
    type Seen = (http::Method, String, Option<String>, usize);

    #[async_trait::async_trait]
    impl HttpClient for Scripted {
        async fn send(
            &self,
            request: http::Request<bytes::Bytes>,
            max_body: usize,
        ) -> std::result::Result<http::Response<bytes::Bytes>, HttpError> {
            let header = request
                .headers()
                .get("x-test")
                .map(|v| v.to_str().unwrap().to_owned());
            let entry = (
                request.method().clone(),
                request.uri().to_string(),
                header,
                max_body,
            );
            self.seen.lock().unwrap().push(entry);
            (self.answer)()
        }
    }

    async fn call_through(
        answer: fn() -> std::result::Result<http::Response<bytes::Bytes>, HttpError>,
    ) -> (Result<(u16, Vec<u8>)>, Arc<Scripted>) {
        let client = Arc::new(Scripted {
            answer,
            seen: Default::default(),
        });
        let transport = Transport::new("test", &HttpConfig::default())
            .unwrap()
            .with_client(client.clone());
        let result = transport
            .call(
                "op",
                |_| {
                    let out = Outgoing {
                        method: http::Method::PUT,
                        url: "http://vendor.test/a?b=c".into(),
                        headers: vec![("x-test", "1".into())],
                        body: bytes::Bytes::from_static(b"body"),
                    };
                    Ok((out, ()))
                },
                |r, _| Ok((r.status, r.body.clone())),
            )
            .await;
        (result, client)
    }

    #[tokio::test]
    async fn a_custom_client_sends_the_request_and_its_failures_keep_their_meaning() {
        let (result, client) = call_through(|| {
            let mut answer = http::Response::new(bytes::Bytes::from_static(b"ok"));
            *answer.status_mut() = http::StatusCode::CREATED;
            Ok(answer)
        })
        .await;
        assert_eq!(result.unwrap(), (201, b"ok".to_vec()));
        let seen = client.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [(
                http::Method::PUT,
                "http://vendor.test/a?b=c".to_owned(),
                Some("1".to_owned()),
                MAX_BODY_BYTES
            )]
        );

        let refused = || Err(HttpError::new(HttpFailure::Connect, "connection refused"));
        let err = call_through(refused).await.0.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network);
        assert!(!err.is_outcome_unknown(), "never sent: {err}");
        assert!(err.message().contains("connection refused"), "{err}");

        let slow = || Err(HttpError::new(HttpFailure::Timeout, "deadline"));
        let err = call_through(slow).await.0.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.is_outcome_unknown(), "sent: {err}");

        let cut = || Err(HttpError::new(HttpFailure::Interrupted, "reset"));
        let err = call_through(cut).await.0.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network);
        assert!(err.is_outcome_unknown(), "sent: {err}");

        let huge = || {
            Err(HttpError::too_large(
                200,
                bytes::Bytes::from_static(b"<html"),
            ))
        };
        let err = call_through(huge).await.0.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(err.message().contains("<html"), "{err}");
    }

    #[tokio::test]
    async fn a_request_the_http_types_refuse_is_a_config_error_never_sent() {
        let client = Arc::new(Scripted {
            answer: || unreachable!("an invalid request is never sent"),
            seen: Default::default(),
        });
        let transport = Transport::new("test", &HttpConfig::default())
            .unwrap()
            .with_client(client.clone());
        let err = transport
            .call(
                "op",
                |_| {
                    let out = Outgoing {
                        method: http::Method::GET,
                        url: "http://vendor.test/a b".into(),
                        headers: vec![],
                        body: bytes::Bytes::new(),
                    };
                    Ok((out, ()))
                },
                |_, _| Ok(()),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(!err.is_outcome_unknown());
        assert!(client.seen.lock().unwrap().is_empty());
    }
}
