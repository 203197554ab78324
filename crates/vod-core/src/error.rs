//! One error type for every vendor.
//!
//! Apps branch on [`ErrorKind`] (is it my input, my keys, the vendor's load, the network?) and ask
//! [`Error::is_retryable`]; support staff read the vendor's own code, message, request id and HTTP
//! status, which every error keeps when the vendor sent them. `Display` is one line a person can act
//! on. No secret ever enters an `Error`: adapters redact vendor text that could quote one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms an app can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request breaks a rule (of ours or the vendor's); fix the input.
    InvalidInput,
    /// The vendor does not accept the caller's keys or signature.
    Unauthenticated,
    /// The keys are valid but not allowed to do this (RAM policy, suspended service).
    PermissionDenied,
    /// The video or a referenced resource (template, storage) does not exist.
    NotFound,
    /// The vendor throttled the caller; retry with backoff.
    RateLimited,
    /// The request timestamp is too far from the vendor's clock.
    ClockSkew,
    /// The vendor failed or is unavailable for now; retry.
    Unavailable,
    /// No answer within the configured time.
    Timeout,
    /// The connection failed or broke before an answer arrived.
    Network,
    /// The vendor answered with something this library cannot read.
    InvalidResponse,
    /// The library's configuration is missing, malformed or inconsistent.
    Config,
    /// The operation or option is not supported by this provider.
    Unsupported,
    /// The temporary upload credential (STS keys, upload token) expired or was revoked: fetch a
    /// fresh one (refresh the upload) and send the same request again with it.
    ///
    /// Distinct from [`Unauthenticated`](Self::Unauthenticated), a key that is wrong whatever
    /// the time. Storage answers it for OSS `SecurityTokenExpired`, and for `InvalidAccessKeyId`
    /// when the key is an STS key (they vanish when they expire). Not
    /// [retryable](Self::is_retryable) as is: the same request with the same keys fails again;
    /// [`needs_new_credential`](Self::needs_new_credential) says so.
    CredentialExpired,
    /// The bytes the storage received differ from the bytes sent (its checksum of a part or
    /// object is not ours): damaged in transit. Sending the same bytes again can succeed.
    ChecksumMismatch,
}

impl ErrorKind {
    /// Whether a later attempt of the same request can succeed without changing it.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::Unavailable
                | Self::Timeout
                | Self::Network
                | Self::ChecksumMismatch
        )
    }

    /// Whether the same request can succeed once the caller has a fresh credential (an uploader
    /// refreshes the upload, then re-signs and resends): true for
    /// [`CredentialExpired`](Self::CredentialExpired) only.
    ///
    /// ```
    /// use vod_core::ErrorKind;
    /// assert!(ErrorKind::CredentialExpired.needs_new_credential());
    /// assert!(!ErrorKind::CredentialExpired.is_retryable());
    /// assert!(!ErrorKind::Unauthenticated.needs_new_credential());
    /// ```
    pub fn needs_new_credential(self) -> bool {
        matches!(self, Self::CredentialExpired)
    }

    /// The kind an HTTP status implies, for an error answer whose vendor code does not say (no
    /// code, or one the adapter's table does not know).
    ///
    /// 401 is [`Unauthenticated`](Self::Unauthenticated), 403
    /// [`PermissionDenied`](Self::PermissionDenied), 404 [`NotFound`](Self::NotFound), 429
    /// [`RateLimited`](Self::RateLimited), any other 4xx [`InvalidInput`](Self::InvalidInput) (the
    /// vendor refused this request, so the same request should not be sent again), and every 5xx
    /// [`Unavailable`](Self::Unavailable) (retryable).
    ///
    /// Any other status (a success or redirect carrying an error body, or a number outside HTTP's
    /// classes) says nothing about what failed: [`InvalidResponse`](Self::InvalidResponse), which
    /// is not retried and tells support to look at what the vendor sent. Adapters whose vendor
    /// puts business errors in a 200 answer decide for themselves which status stands in.
    ///
    /// ```
    /// use vod_core::ErrorKind;
    /// assert_eq!(ErrorKind::from_http_status(429), ErrorKind::RateLimited);
    /// assert_eq!(ErrorKind::from_http_status(409), ErrorKind::InvalidInput);
    /// assert_eq!(ErrorKind::from_http_status(502), ErrorKind::Unavailable);
    /// assert_eq!(ErrorKind::from_http_status(200), ErrorKind::InvalidResponse);
    /// ```
    pub fn from_http_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthenticated,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            429 => Self::RateLimited,
            400..=499 => Self::InvalidInput,
            500..=599 => Self::Unavailable,
            _ => Self::InvalidResponse,
        }
    }

    /// A short lower-case name, stable for logs and JSON (`"rate_limited"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::ClockSkew => "clock_skew",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timeout",
            Self::Network => "network",
            Self::InvalidResponse => "invalid_response",
            Self::Config => "config",
            Self::Unsupported => "unsupported",
            Self::CredentialExpired => "credential_expired",
            Self::ChecksumMismatch => "checksum_mismatch",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidInput => "invalid input",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission denied",
            Self::NotFound => "not found",
            Self::RateLimited => "rate limited",
            Self::ClockSkew => "clock skew",
            Self::Unavailable => "vendor unavailable",
            Self::Timeout => "timeout",
            Self::Network => "network error",
            Self::InvalidResponse => "invalid response",
            Self::Config => "config error",
            Self::Unsupported => "unsupported",
            Self::CredentialExpired => "upload credential expired",
            Self::ChecksumMismatch => "checksum mismatch",
        })
    }
}

/// Looks up a vendor error code in an adapter's table of `(code, kind)` rows.
///
/// A row whose code ends in `*` matches every code with that prefix (`InvalidSecurityToken.*`);
/// exact rows win over prefix rows, and longer prefixes over shorter ones. Adapters keep one table
/// each, which their tests walk row by row.
///
/// ```
/// use vod_core::{ErrorKind, error::classify};
/// const TABLE: &[(&str, ErrorKind)] = &[
///     ("Throttling", ErrorKind::RateLimited),
///     ("Throttling.*", ErrorKind::RateLimited),
///     ("InvalidVideo.NotFound", ErrorKind::NotFound),
/// ];
/// assert_eq!(classify(TABLE, "Throttling.User"), Some(ErrorKind::RateLimited));
/// assert_eq!(classify(TABLE, "Other"), None);
/// ```
pub fn classify(table: &[(&str, ErrorKind)], code: &str) -> Option<ErrorKind> {
    if let Some((_, kind)) = table.iter().find(|(c, _)| *c == code) {
        return Some(*kind);
    }
    table
        .iter()
        .filter_map(|(c, kind)| Some((c.strip_suffix('*')?, *kind)))
        .filter(|(prefix, _)| code.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, kind)| kind)
}

/// What the vendor said about a failed call, kept for support tickets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VendorDetail {
    /// The vendor's error code (`Throttling.User`, `1500`).
    pub code: Option<String>,
    /// The vendor's message, redacted of anything secret.
    pub message: Option<String>,
    /// The vendor's request id, to quote to its support.
    pub request_id: Option<String>,
    /// The HTTP status of the answer.
    pub http_status: Option<u16>,
    /// A vendor link or hint (Aliyun `Recommend`).
    pub recommend: Option<String>,
}

impl VendorDetail {
    /// An empty detail to fill in.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the vendor code.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the vendor message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the request id when there is one.
    pub fn request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    /// Sets the HTTP status.
    pub fn http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets the vendor's hint or link.
    pub fn recommend(mut self, recommend: Option<String>) -> Self {
        self.recommend = recommend;
        self
    }
}

/// The error of every fallible operation in this library.
///
/// ```
/// use vod_core::{Error, ErrorKind};
/// let err = Error::invalid_input("title", "must be at most 128 characters (got 130)");
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert_eq!(err.field(), Some("title"));
/// assert!(!err.is_retryable());
/// assert_eq!(err.to_string(), "invalid input: `title` must be at most 128 characters (got 130)");
/// ```
#[derive(Clone)]
pub struct Error(Box<Inner>);

// Boxed so `Result<T, Error>` stays one pointer wide on the happy path; the source is shared so a
// failure can be handed to every caller waiting on the same vendor call.
#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    provider: Option<&'static str>,
    operation: Option<&'static str>,
    vendor: Option<Box<VendorDetail>>,
    retry_after: Option<Duration>,
    server_time: Option<OffsetDateTime>,
    outcome_unknown: bool,
    attempts: Option<u32>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message saying what happened.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            field: None,
            provider: None,
            operation: None,
            vendor: None,
            retry_after: None,
            server_time: None,
            outcome_unknown: false,
            attempts: None,
            source: None,
        }))
    }

    /// Invalid input: `field` breaks `rule` (written to follow the field name, e.g. "must not be empty").
    pub fn invalid_input(field: impl Into<String>, rule: impl fmt::Display) -> Self {
        let field = field.into();
        let mut err = Self::new(ErrorKind::InvalidInput, format!("`{field}` {rule}"));
        err.0.field = Some(field);
        err
    }

    /// A configuration error about `key`.
    pub fn config(key: impl Into<String>, problem: impl fmt::Display) -> Self {
        let key = key.into();
        let mut err = Self::new(ErrorKind::Config, format!("`{key}` {problem}"));
        err.0.field = Some(key);
        err
    }

    /// The vendor answered `status` with a body that cannot be read; `excerpt` is a short,
    /// secret-free piece of it.
    pub fn invalid_response(status: u16, what: impl fmt::Display, excerpt: &str) -> Self {
        Self::new(
            ErrorKind::InvalidResponse,
            format!("{what}; body starts: {excerpt:?}"),
        )
        .with_vendor(VendorDetail::new().http_status(status))
    }

    /// The vendor answered `status` with a body that is not in its format at all (a proxy's HTML
    /// page, a cut-off body); `excerpt` is a short, secret-free piece of it.
    ///
    /// A throttling (429) or server-error (5xx) status still says what happened, and a later
    /// attempt can succeed, so the error keeps that retryable kind
    /// ([`ErrorKind::from_http_status`]). Any other status with such a body is
    /// [`invalid_response`](Self::invalid_response). Both quote the excerpt the same way.
    ///
    /// ```
    /// use vod_core::{Error, ErrorKind};
    /// let err = Error::unreadable_response(502, "the answer is not JSON", "<html>");
    /// assert_eq!(err.kind(), ErrorKind::Unavailable);
    /// assert!(err.is_retryable());
    /// assert_eq!(err.to_string(), r#"vendor unavailable: the answer is not JSON; body starts: "<html>" (HTTP 502)"#);
    /// let err = Error::unreadable_response(200, "the answer is not JSON", "<html>");
    /// assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    /// assert_eq!(err.http_status(), Some(200));
    /// ```
    pub fn unreadable_response(status: u16, what: impl fmt::Display, excerpt: &str) -> Self {
        match status {
            429 | 500..=599 => Self::new(
                ErrorKind::from_http_status(status),
                format!("{what}; body starts: {excerpt:?}"),
            )
            .with_vendor(VendorDetail::new().http_status(status)),
            _ => Self::invalid_response(status, what, excerpt),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Whether retrying the same request can succeed.
    pub fn is_retryable(&self) -> bool {
        self.0.kind.is_retryable()
    }

    /// The message without the kind and vendor detail.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The request field or config key at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The provider that failed (`"aliyun"`, `"wangsu"`).
    pub fn provider(&self) -> Option<&'static str> {
        self.0.provider
    }

    /// The vendor operation that failed (`"CreateUploadVideo"`).
    pub fn operation(&self) -> Option<&'static str> {
        self.0.operation
    }

    /// What the vendor said, when it said anything.
    pub fn vendor(&self) -> Option<&VendorDetail> {
        self.0.vendor.as_deref()
    }

    /// The vendor's error code, when there is one.
    pub fn vendor_code(&self) -> Option<&str> {
        self.0.vendor.as_ref()?.code.as_deref()
    }

    /// The vendor's request id, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.vendor.as_ref()?.request_id.as_deref()
    }

    /// The HTTP status of the vendor's answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.0.vendor.as_ref()?.http_status
    }

    /// How long the vendor asked the caller to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The vendor's clock (its `Date` header) when the error came with one.
    pub fn server_time(&self) -> Option<OffsetDateTime> {
        self.0.server_time
    }

    /// Whether the request was sent and the vendor may have acted on it although no answer said
    /// so: a timeout or a broken connection after sending, or an answer not in the vendor's format
    /// (a gateway's 5xx page). A create that failed this way may have created the video; check
    /// before creating it again. Errors the vendor answered in its own format, and failures before
    /// the request left (connection refused), are not outcome-unknown.
    pub fn is_outcome_unknown(&self) -> bool {
        self.0.outcome_unknown
    }

    /// Marks the outcome as unknown ([`Error::is_outcome_unknown`]).
    pub fn with_outcome_unknown(mut self) -> Self {
        self.0.outcome_unknown = true;
        self
    }

    /// The same error, its message preceded by `context`: what the failure means where it
    /// happened. Kind, vendor detail and flags stay as they are.
    ///
    /// ```
    /// use vod_core::{Error, ErrorKind};
    /// let err = Error::new(ErrorKind::NotFound, "no such upload").in_context("completing part 3");
    /// assert_eq!(err.message(), "completing part 3: no such upload");
    /// assert_eq!(err.kind(), ErrorKind::NotFound);
    /// ```
    pub fn in_context(mut self, context: impl fmt::Display) -> Self {
        self.0.message = format!("{context}: {}", self.0.message);
        self
    }

    /// How many attempts the call made before it failed, when a retry layer counted them.
    pub fn attempts(&self) -> Option<u32> {
        self.0.attempts
    }

    /// Records how many attempts the call made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = Some(attempts);
        self
    }

    /// Attaches what the vendor said, merging with detail already present.
    pub fn with_vendor(mut self, detail: VendorDetail) -> Self {
        match &mut self.0.vendor {
            None => self.0.vendor = Some(Box::new(detail)),
            Some(have) => {
                have.code = have.code.take().or(detail.code);
                have.message = have.message.take().or(detail.message);
                have.request_id = have.request_id.take().or(detail.request_id);
                have.http_status = have.http_status.or(detail.http_status);
                have.recommend = have.recommend.take().or(detail.recommend);
            }
        }
        self
    }

    /// Names the provider and operation, unless already named.
    pub fn with_context(mut self, provider: &'static str, operation: &'static str) -> Self {
        self.0.provider.get_or_insert(provider);
        self.0.operation.get_or_insert(operation);
        self
    }

    /// Records the vendor's `Retry-After`, unless already recorded.
    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.0.retry_after = self.0.retry_after.or(after);
        self
    }

    /// Records the vendor's clock, unless already recorded.
    pub fn with_server_time(mut self, at: Option<OffsetDateTime>) -> Self {
        self.0.server_time = self.0.server_time.or(at);
        self
    }

    /// Attaches the underlying cause. Only attach causes whose text holds no secret.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.0.kind)?;
        match (self.0.provider, self.0.operation) {
            (Some(p), Some(op)) => write!(f, "{p} {op}: ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            _ => {}
        }
        f.write_str(&self.0.message)?;
        if self.0.outcome_unknown {
            f.write_str("; outcome unknown: the vendor may have acted on the request")?;
        }
        let mut parts = Vec::new();
        if let Some(v) = &self.0.vendor {
            if let Some(code) = &v.code {
                parts.push(format!("code {code}"));
            }
            if let Some(id) = &v.request_id {
                parts.push(format!("request id {id}"));
            }
            if let Some(status) = v.http_status {
                parts.push(format!("HTTP {status}"));
            }
        }
        match self.0.attempts {
            Some(1) => parts.push("1 attempt".to_owned()),
            Some(n) => parts.push(format!("{n} attempts")),
            None => {}
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_vendor_detail() {
        let err = Error::new(
            ErrorKind::RateLimited,
            "Request was denied due to user flow control.",
        )
        .with_context("aliyun", "CreateUploadVideo")
        .with_vendor(
            VendorDetail::new()
                .code("Throttling.User")
                .request_id(Some("0F2C".into()))
                .http_status(400),
        );
        let text = err.to_string();
        assert_eq!(
            text,
            "rate limited: aliyun CreateUploadVideo: Request was denied due to user flow control. \
             (code Throttling.User, request id 0F2C, HTTP 400)"
        );
        assert!(!text.contains('\n'));
        assert!(err.is_retryable());
        assert_eq!(err.vendor_code(), Some("Throttling.User"));
        assert_eq!(err.request_id(), Some("0F2C"));
        assert_eq!(err.http_status(), Some(400));
    }

    #[test]
    fn retryable_kinds() {
        use ErrorKind::*;
        for kind in [RateLimited, Unavailable, Timeout, Network, ChecksumMismatch] {
            assert!(kind.is_retryable(), "{kind:?}");
            assert!(!kind.needs_new_credential(), "{kind:?}");
        }
        assert!(!CredentialExpired.is_retryable());
        assert!(CredentialExpired.needs_new_credential());
        for kind in [
            InvalidInput,
            Unauthenticated,
            PermissionDenied,
            NotFound,
            ClockSkew,
            InvalidResponse,
            Config,
            Unsupported,
            CredentialExpired,
        ] {
            assert!(!kind.is_retryable(), "{kind:?}");
        }
    }

    #[test]
    fn kinds_from_http_statuses() {
        use ErrorKind::*;
        for (status, kind) in [
            (400, InvalidInput),
            (401, Unauthenticated),
            (403, PermissionDenied),
            (404, NotFound),
            (408, InvalidInput),
            (409, InvalidInput),
            (429, RateLimited),
            (499, InvalidInput),
            (500, Unavailable),
            (503, Unavailable),
            (599, Unavailable),
            (0, InvalidResponse),
            (200, InvalidResponse),
            (302, InvalidResponse),
            (600, InvalidResponse),
        ] {
            assert_eq!(ErrorKind::from_http_status(status), kind, "HTTP {status}");
        }
    }

    #[test]
    fn unreadable_answers() {
        let err = Error::unreadable_response(502, "answer is not JSON", "<html>");
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert!(err.is_retryable());
        assert!(err.message().contains("<html>"), "{err}");
        assert_eq!(err.http_status(), Some(502));
        assert!(err.to_string().contains("(HTTP 502)"), "{err}");
        assert_eq!(
            Error::unreadable_response(429, "x", "").kind(),
            ErrorKind::RateLimited
        );
        for status in [200, 400, 401, 404] {
            let err = Error::unreadable_response(status, "answer is not JSON", "<html>");
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{status}");
            assert_eq!(err.http_status(), Some(status));
        }
    }

    #[test]
    fn display_says_attempts_and_unknown_outcomes() {
        let err = Error::new(ErrorKind::Timeout, "no answer")
            .with_context("aliyun", "CreateUploadVideo")
            .with_outcome_unknown()
            .with_attempts(1);
        assert!(err.is_outcome_unknown());
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(
            err.to_string(),
            "timeout: aliyun CreateUploadVideo: no answer; outcome unknown: the vendor may have \
             acted on the request (1 attempt)"
        );
        let err = Error::new(ErrorKind::RateLimited, "slow down")
            .with_vendor(VendorDetail::new().code("Throttling").http_status(400))
            .with_attempts(3);
        assert!(!err.is_outcome_unknown());
        assert_eq!(
            err.to_string(),
            "rate limited: slow down (code Throttling, HTTP 400, 3 attempts)"
        );
    }

    #[test]
    fn vendor_detail_merges_without_overwriting() {
        let err = Error::new(ErrorKind::Unavailable, "x")
            .with_vendor(VendorDetail::new().code("A"))
            .with_vendor(VendorDetail::new().code("B").http_status(503));
        assert_eq!(err.vendor_code(), Some("A"));
        assert_eq!(err.http_status(), Some(503));
    }
}
