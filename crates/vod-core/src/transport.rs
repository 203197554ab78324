//! The HTTP exchange every adapter shares.
//!
//! Adapters differ in how they sign a request and read an answer; everything between is the same
//! and lives here once: a fresh timestamp and nonce per attempt, per-attempt timeouts, mapping
//! transport failures to [`ErrorKind`]s, a bounded body read, the vendor request id, `Retry-After`
//! and `Date` headers, one tracing span per vendor call, and clock-skew correction (when a vendor
//! rejects our timestamp and tells its own time, correct the clock and try once more).
//!
//! Nothing here formats a URL or a header into an error or a log line: Aliyun STS callers carry
//! their security token in the query, so URLs count as secret.

use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tracing::Instrument;

use crate::config::HttpConfig;
use crate::{
    Clock, Error, ErrorKind, NonceSource, RandomNonce, Result, SkewCorrectedClock, SystemClock,
    VendorDetail,
};

/// The most bytes read from a vendor answer; credential answers are a few KiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// How many characters of an unreadable body an error quotes.
pub const EXCERPT_CHARS: usize = 160;

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
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The full URL, query included.
    pub url: String,
    /// Headers to send, exactly as signed.
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes, exactly as signed.
    pub body: Vec<u8>,
}

/// A vendor's answer, read whole.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body (at most [`MAX_BODY_BYTES`]).
    pub body: Vec<u8>,
    /// The time the base clock read when the answer arrived.
    pub received_at: OffsetDateTime,
    redact: &'static [&'static str],
}

impl Response {
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

    /// A short excerpt of the body for error messages, with the values of secret JSON fields
    /// replaced (the adapter names them).
    pub fn excerpt(&self) -> String {
        excerpt(&self.body, self.redact)
    }

    /// An invalid-response error: `what` went wrong reading this answer.
    pub fn invalid(&self, what: impl std::fmt::Display) -> Error {
        Error::invalid_response(self.status, what, &self.excerpt())
    }
}

/// Sends signed requests for one provider.
#[derive(Debug, Clone)]
pub struct Transport {
    provider: &'static str,
    client: reqwest::Client,
    clock: SkewCorrectedClock,
    nonces: Arc<dyn NonceSource>,
    request_id_headers: &'static [&'static str],
    redact: &'static [&'static str],
}

impl Transport {
    /// A transport for `provider` with timeouts from `http`, the system clock and random nonces.
    pub fn new(provider: &'static str, http: &HttpConfig) -> Result<Self> {
        http.validate()?;
        let client = reqwest::Client::builder()
            .timeout(http.timeout())
            .connect_timeout(http.connect_timeout())
            .user_agent(concat!("vod-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot build the HTTP client: {}", e.without_url()),
                )
            })?;
        Ok(Self {
            provider,
            client,
            clock: SkewCorrectedClock::new(Arc::new(SystemClock)),
            nonces: Arc::new(RandomNonce),
            request_id_headers: &[],
            redact: &[],
        })
    }

    /// Uses `client` for HTTP (its own timeouts then apply).
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
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

    /// Names JSON fields whose values never appear in error excerpts.
    pub fn with_redacted_fields(mut self, fields: &'static [&'static str]) -> Self {
        self.redact = fields;
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
    pub async fn call<T>(
        &self,
        operation: &'static str,
        build: impl Fn(&Attempt) -> Result<Outgoing>,
        parse: impl Fn(&Response) -> Result<T>,
    ) -> Result<T> {
        let mut number = 1;
        loop {
            let attempt = Attempt {
                number,
                now: self.clock.now(),
                nonce: self.nonces.nonce(),
            };
            let outgoing = build(&attempt)?;
            let span = tracing::info_span!(
                "vod.call",
                provider = self.provider,
                operation,
                attempt = number,
                request_id = tracing::field::Empty,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
                error = tracing::field::Empty,
            );
            let result = self
                .exchange(outgoing, &parse)
                .instrument(span.clone())
                .await;
            let result = result.map_err(|e| e.with_context(self.provider, operation));
            if let Err(err) = &result {
                span.record("error", err.kind().as_str());
                if err.kind() == ErrorKind::ClockSkew && number == 1 {
                    if let Some(server) = err.server_time() {
                        let offset = self.clock.correct(server, self.clock.base_now());
                        tracing::warn!(
                            parent: &span,
                            offset_secs = offset.whole_seconds(),
                            "{} rejected the request time; clock corrected by the server's Date",
                            self.provider
                        );
                        number += 1;
                        continue;
                    }
                }
            }
            return result;
        }
    }

    async fn exchange<T>(
        &self,
        outgoing: Outgoing,
        parse: &impl Fn(&Response) -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let response = self.send(outgoing).await;
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let response = response?;
        span.record("status", response.status);
        let request_id = self.header_request_id(&response);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        parse(&response).map_err(|e| {
            if let Some(id) = e.request_id() {
                span.record("request_id", id);
            }
            e.with_vendor(
                VendorDetail::new()
                    .request_id(request_id)
                    .http_status(response.status),
            )
            .with_retry_after(response.retry_after())
            .with_server_time(response.server_time())
        })
    }

    async fn send(&self, outgoing: Outgoing) -> Result<Response> {
        let mut request = self.client.request(outgoing.method, &outgoing.url);
        for (name, value) in outgoing.headers {
            request = request.header(name, value);
        }
        let mut response = request
            .body(outgoing.body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Error::invalid_response(
                    status,
                    format!("answer larger than {MAX_BODY_BYTES} bytes"),
                    &excerpt(&body, self.redact),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            received_at: self.clock.base_now(),
            redact: self.redact,
        })
    }
}

/// Maps a reqwest failure to a kind, dropping the URL (it may carry a security token).
fn transport_error(err: reqwest::Error) -> Error {
    let err = err.without_url();
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_builder() {
        ErrorKind::Config
    } else {
        ErrorKind::Network
    };
    let what = match kind {
        ErrorKind::Timeout => "no answer within the configured timeout",
        ErrorKind::Config => "cannot build the request (check the endpoint URL)",
        _ if err.is_connect() => "cannot connect to the vendor",
        _ => "the connection failed before a whole answer arrived",
    };
    let detail = std::error::Error::source(&err)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    Error::new(kind, format!("{what}{detail}")).with_source(err)
}

/// A short, single-line, secret-free excerpt of `body`: the values of the JSON string fields named
/// in `redact` are replaced, wherever they appear, even in a truncated body.
pub fn excerpt(body: &[u8], redact: &[&str]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut text = text.into_owned();
    for field in redact {
        text = redact_json_field(&text, field);
    }
    crate::text::one_line(&text, EXCERPT_CHARS)
}

fn redact_json_field(text: &str, field: &str) -> String {
    let needle = format!("\"{field}\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(&needle) {
        let after_key = pos + needle.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let trimmed = rest.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            continue;
        };
        // Find the closing quote, skipping escaped characters; a truncated value runs to the end.
        let mut end = inner.len();
        let mut escaped = false;
        for (i, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(":\"");
        out.push_str(crate::secret::REDACTED);
        rest = &inner[end..];
    }
    out.push_str(rest);
    out
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
    fn excerpts_redact_secret_fields_even_when_truncated() {
        let body = br#"{"RequestId":"r1","UploadAuth":"eyJTZWN1cml0eVRva2VuIjoiQ0FJUyt0ZXN0L3Rva2VuPT0i","UploadAddress":"eyJF"#;
        let text = excerpt(body, &["UploadAuth", "UploadAddress"]);
        assert!(!text.contains("eyJT"), "{text}");
        assert!(!text.contains("eyJF"), "{text}");
        assert!(text.contains("\"RequestId\":\"r1\""), "{text}");
        let text = excerpt(
            br#"{"uploadToken" : "ak:sig:pol\"icy", "x":1}"#,
            &["uploadToken"],
        );
        assert_eq!(text, r#"{"uploadToken":"<redacted>", "x":1}"#);
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        let body = "<html>\n<body>".to_string() + &"x".repeat(1000);
        let text = excerpt(body.as_bytes(), &[]);
        assert!(!text.contains('\n'));
        assert!(text.chars().count() <= EXCERPT_CHARS + 3);
        assert_eq!(excerpt(&[0xff, 0xfe, b'a'], &[]), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sat, 21 Nov 2026 04:28:17 GMT").unwrap();
        assert_eq!(t, time::macros::datetime!(2026-11-21 04:28:17 UTC));
        assert!(parse_http_date("yesterday").is_none());
    }
}
