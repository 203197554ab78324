//! Fault injection: what can go wrong on purpose, the per-vendor queue of faults waiting to
//! happen, and how a queued fault turns into what the client sees.
//!
//! Real vendors throttle, time out, answer from a load balancer's HTML error page, reset
//! connections and (rarely) cut bodies short. Clients must survive all of that, and the only way
//! to test it deterministically is to make it happen on demand. A test queues a [`Fault`] (through
//! [`EmulatorHandle::inject`](crate::EmulatorHandle::inject) or `POST /__emulator/faults`); the
//! next requests to that vendor's API take faults from the front of its queue, in the order they
//! were injected, before any authentication or validation. Admin requests never take faults.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::server::ConnectionKiller;
use crate::state::{Shared, lock};

/// One fault to inject: `kind` happens to the next `times` requests to `vendor`'s API.
///
/// Faults queue per vendor. Each request to the vendor's API (admin paths excluded) takes one use
/// of the fault at the front of that vendor's queue, in the order the faults were injected, before
/// any authentication or validation. A faulted request is still counted by
/// [`EmulatorHandle::calls`](crate::EmulatorHandle::calls): it reached the server.
/// `times == 0` is accepted and does nothing.
///
/// # JSON form
///
/// The admin path takes a [`Fault`] as JSON. `kind` is tagged by `type`; `times` defaults to 1;
/// a delay is given in whole milliseconds.
///
/// ```
/// use std::time::Duration;
/// use vod_emulator::{Fault, FaultKind, Vendor};
///
/// let fault: Fault = serde_json::from_str(
///     r#"{"vendor": "wangsu", "times": 2, "kind": {"type": "delay", "millis": 1500}}"#,
/// )
/// .unwrap();
/// assert_eq!(
///     fault,
///     Fault::new(Vendor::Wangsu, FaultKind::Delay(Duration::from_millis(1500))).times(2)
/// );
///
/// // The other kinds:
/// for kind in [
///     r#"{"type": "vendor_error", "code": "Throttling.User", "message": "slow down", "http_status": 400}"#,
///     r#"{"type": "server_error_html", "status": 502}"#,
///     r#"{"type": "drop_connection"}"#,
///     r#"{"type": "answer_lost"}"#,
///     r#"{"type": "truncated_json"}"#,
///     r#"{"type": "retry_after", "status": 429, "seconds": 2}"#,
/// ] {
///     let json = format!(r#"{{"vendor": "aliyun", "kind": {kind}}}"#);
///     let fault: Fault = serde_json::from_str(&json).unwrap();
///     assert_eq!(fault.times, 1);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Whose API misbehaves.
    pub vendor: Vendor,
    /// How many of the vendor's next requests this fault takes (default 1 in JSON).
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to those requests.
    pub kind: FaultKind,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault that happens to the next request to `vendor`.
    pub fn new(vendor: Vendor, kind: FaultKind) -> Self {
        Fault {
            vendor,
            times: 1,
            kind,
        }
    }

    /// Makes the fault happen to the next `times` requests instead.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Why this fault cannot be honoured as given, if it cannot (an HTTP status outside
    /// 100..=999). [`EmulatorHandle::inject`](crate::EmulatorHandle::inject) still queues such a
    /// fault and answers 500 in place of the bad status; the admin path refuses it.
    pub(crate) fn problem(&self) -> Option<String> {
        let status = match &self.kind {
            FaultKind::VendorError { http_status, .. } => *http_status,
            FaultKind::ServerErrorHtml { status } | FaultKind::RetryAfter { status, .. } => *status,
            FaultKind::Delay(_)
            | FaultKind::DropConnection
            | FaultKind::AnswerLost
            | FaultKind::TruncatedJson => {
                return None;
            }
        };
        StatusCode::from_u16(status)
            .is_err()
            .then(|| format!("{status} is not an HTTP status code"))
    }
}

/// One of the emulated vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Aliyun ApsaraVideo VOD.
    #[serde(alias = "Aliyun")]
    Aliyun,
    /// Wangsu (CDNetworks) Cloud VoD.
    #[serde(alias = "Wangsu")]
    Wangsu,
}

impl Vendor {
    fn index(self) -> usize {
        match self {
            Vendor::Aliyun => 0,
            Vendor::Wangsu => 1,
        }
    }
}

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "FaultKindJson", from = "FaultKindJson")]
#[non_exhaustive]
pub enum FaultKind {
    /// A vendor error in the vendor's own format. Aliyun: the error body
    /// `{"RequestId","HostId","Code","Message","Recommend"}` with `code` (e.g. `Throttling.User`)
    /// and this HTTP status. Wangsu: the envelope `{"code", "message"}` with `code` as a JSON
    /// number when it is numeric (e.g. `"1500"`) and a string otherwise, sent with this HTTP
    /// status (200 for the usual business error).
    VendorError {
        /// The vendor's error code.
        code: String,
        /// The human-readable message.
        message: String,
        /// The HTTP status to answer with.
        http_status: u16,
    },
    /// An HTML error page with this (usually 5xx) status, as a load balancer in front of the
    /// vendor sends: `Content-Type: text/html`, no vendor request id.
    ServerErrorHtml {
        /// The HTTP status to answer with.
        status: u16,
    },
    /// Waits this long, then handles the request normally. Use it to test client timeouts.
    /// In JSON it is whole milliseconds.
    Delay(Duration),
    /// Closes the TCP connection without writing any response. The client sees a connection
    /// error (e.g. "connection closed before message completed"), never an HTTP response.
    DropConnection,
    /// Handles the request normally (the vendor acts on it: a create creates), then closes the
    /// connection instead of sending the answer. The client sees a connection error and cannot
    /// know the outcome.
    AnswerLost,
    /// HTTP 200 with a success-shaped body (the vendor's usual headers and
    /// `Content-Type: application/json`) cut in half, so it is not valid JSON. The credential in
    /// it is freshly minted and not stored.
    TruncatedJson,
    /// A throttling answer with a `Retry-After: seconds` header and this status. Aliyun: a
    /// `Throttling.User` error body. Wangsu: `{"code": status, "message": ...}`.
    RetryAfter {
        /// The HTTP status to answer with (Wangsu usually 429 or 503).
        status: u16,
        /// The value of the `Retry-After` header, in seconds.
        seconds: u64,
    },
}

/// The JSON shape of [`FaultKind`]: tagged by `type`, a delay in milliseconds.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FaultKindJson {
    VendorError {
        code: String,
        message: String,
        http_status: u16,
    },
    ServerErrorHtml {
        status: u16,
    },
    Delay {
        millis: u64,
    },
    DropConnection,
    AnswerLost,
    TruncatedJson,
    RetryAfter {
        status: u16,
        seconds: u64,
    },
}

impl From<FaultKindJson> for FaultKind {
    fn from(json: FaultKindJson) -> Self {
        match json {
            FaultKindJson::VendorError {
                code,
                message,
                http_status,
            } => FaultKind::VendorError {
                code,
                message,
                http_status,
            },
            FaultKindJson::ServerErrorHtml { status } => FaultKind::ServerErrorHtml { status },
            FaultKindJson::Delay { millis } => FaultKind::Delay(Duration::from_millis(millis)),
            FaultKindJson::DropConnection => FaultKind::DropConnection,
            FaultKindJson::AnswerLost => FaultKind::AnswerLost,
            FaultKindJson::TruncatedJson => FaultKind::TruncatedJson,
            FaultKindJson::RetryAfter { status, seconds } => {
                FaultKind::RetryAfter { status, seconds }
            }
        }
    }
}

impl From<FaultKind> for FaultKindJson {
    fn from(kind: FaultKind) -> Self {
        match kind {
            FaultKind::VendorError {
                code,
                message,
                http_status,
            } => FaultKindJson::VendorError {
                code,
                message,
                http_status,
            },
            FaultKind::ServerErrorHtml { status } => FaultKindJson::ServerErrorHtml { status },
            FaultKind::Delay(delay) => FaultKindJson::Delay {
                millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            },
            FaultKind::DropConnection => FaultKindJson::DropConnection,
            FaultKind::AnswerLost => FaultKindJson::AnswerLost,
            FaultKind::TruncatedJson => FaultKindJson::TruncatedJson,
            FaultKind::RetryAfter { status, seconds } => {
                FaultKindJson::RetryAfter { status, seconds }
            }
        }
    }
}

/// The faults waiting to happen, one FIFO queue per vendor.
#[derive(Debug, Default)]
pub(crate) struct FaultQueues {
    queues: Mutex<[VecDeque<Fault>; 2]>,
}

impl FaultQueues {
    /// Queues `fault` behind the vendor's other faults.
    pub(crate) fn push(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.queues)[fault.vendor.index()].push_back(fault);
        }
    }

    /// Forgets every queued fault of both vendors.
    pub(crate) fn clear(&self) {
        lock(&self.queues).iter_mut().for_each(VecDeque::clear);
    }

    /// The queued faults, each with the uses it has left, Aliyun's first.
    pub(crate) fn pending(&self) -> Vec<Fault> {
        lock(&self.queues).iter().flatten().cloned().collect()
    }

    /// Uses the fault at the front of `vendor`'s queue once, if there is one.
    pub(crate) fn take(&self, vendor: Vendor) -> Option<FaultKind> {
        let mut queues = lock(&self.queues);
        let queue = &mut queues[vendor.index()];
        let front = queue.front_mut()?;
        front.times -= 1;
        if front.times == 0 {
            queue.pop_front().map(|fault| fault.kind)
        } else {
            Some(front.kind.clone())
        }
    }
}

/// How one vendor words the faults whose body is in its own format. Built per request, so it can
/// carry what the answer depends on (the host, the signature variant).
pub(crate) trait Dialect {
    /// The vendor's error answer with this code, message and status.
    fn vendor_error(&self, code: &str, message: &str, status: StatusCode) -> Response;
    /// The vendor's throttling answer with this status (the caller adds `Retry-After`).
    fn throttled(&self, status: StatusCode) -> Response;
    /// A complete success answer (freshly minted, not stored) whose body the caller truncates.
    fn success(&self) -> Response;
}

/// Takes the next fault queued for `vendor`, if any, and carries it out. Returns the response to
/// send instead of handling the request, or `None` to handle it normally (no fault, or after a
/// delay). A dropped connection never returns.
pub(crate) async fn intercept(
    state: &Shared,
    vendor: Vendor,
    killer: &ConnectionKiller,
    dialect: &impl Dialect,
) -> Option<Response> {
    let kind = state.faults.take(vendor)?;
    tracing::debug!(?vendor, ?kind, "injecting fault");
    match kind {
        FaultKind::Delay(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        FaultKind::DropConnection => killer.kill().await,
        FaultKind::AnswerLost => {
            killer.kill_after_answer();
            None
        }
        FaultKind::ServerErrorHtml { status } => Some(html_error(status_or_500(status))),
        FaultKind::VendorError {
            code,
            message,
            http_status,
        } => Some(dialect.vendor_error(&code, &message, status_or_500(http_status))),
        FaultKind::TruncatedJson => Some(truncate_body(dialect.success()).await),
        FaultKind::RetryAfter { status, seconds } => {
            let mut response = dialect.throttled(status_or_500(status));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            Some(response)
        }
    }
}

fn status_or_500(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A load balancer's error page.
fn html_error(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
         <center><h1>{title}</h1></center>\r\n<hr><center>vod-emulator load balancer</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Keeps the status and headers of `response` and the first half of its body.
async fn truncate_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, bytes.slice(..bytes.len() / 2).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_takes_in_order_and_counts_down() {
        let queues = FaultQueues::default();
        queues.push(Fault::new(Vendor::Aliyun, FaultKind::TruncatedJson).times(2));
        queues.push(Fault::new(Vendor::Aliyun, FaultKind::DropConnection));
        queues.push(Fault::new(Vendor::Wangsu, FaultKind::TruncatedJson).times(0));
        assert_eq!(queues.take(Vendor::Wangsu), None);
        assert_eq!(queues.take(Vendor::Aliyun), Some(FaultKind::TruncatedJson));
        assert_eq!(queues.pending()[0].times, 1);
        assert_eq!(queues.take(Vendor::Aliyun), Some(FaultKind::TruncatedJson));
        assert_eq!(queues.take(Vendor::Aliyun), Some(FaultKind::DropConnection));
        assert_eq!(queues.take(Vendor::Aliyun), None);
    }

    #[test]
    fn json_round_trips_and_reports_bad_statuses() {
        let fault = Fault::new(
            Vendor::Aliyun,
            FaultKind::RetryAfter {
                status: 503,
                seconds: 7,
            },
        )
        .times(3);
        let json = serde_json::to_string(&fault).unwrap();
        assert_eq!(
            json,
            r#"{"vendor":"aliyun","times":3,"kind":{"type":"retry_after","status":503,"seconds":7}}"#
        );
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), fault);
        assert_eq!(fault.problem(), None);
        let bad = Fault::new(Vendor::Wangsu, FaultKind::ServerErrorHtml { status: 1000 });
        assert!(bad.problem().is_some());
    }
}
