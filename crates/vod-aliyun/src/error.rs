//! Aliyun error answers, turned into [`vod_core::Error`].
//!
//! Aliyun documents the same code with different HTTP statuses, so the kind comes from the
//! `Code` in the body, through one table, [`ERROR_CODES`], which the tests walk row by row. The
//! HTTP status only decides for codes the table does not know, and for answers without a
//! readable body (a load balancer's HTML page).
//!
//! Two things need more than a table lookup:
//!
//! - `SignatureDoesNotMatch`: the service quotes the string to sign it computed. When it equals
//!   ours, the keys are right in form and the secret is wrong; otherwise the request was encoded
//!   or altered differently, and the message shows where the two strings part. The quoted
//!   string carries the caller's STS `SecurityToken` (V1 signs it as a parameter), so it is
//!   redacted before it reaches any message, and it is never kept verbatim.
//! - Text from the vendor can quote what we sent. Every vendor text that enters an error is
//!   scrubbed of the caller's secrets first.

use vod_core::text::{VENDOR_MESSAGE_CHARS, one_line};
use vod_core::transport::excerpt;
use vod_core::{Error, ErrorKind, VendorDetail};

use crate::sign::encode::encode;

/// Every error code of the Aliyun VOD notes, with the kind it maps to.
///
/// Rows ending in `*` are prefixes ([`vod_core::error::classify`]): exact rows win, then the
/// longest prefix, so `MissingSecurityToken` is `Unauthenticated` although `Missing*` (a missing
/// parameter) is `InvalidInput`.
pub const ERROR_CODES: &[(&str, ErrorKind)] = &[
    // The video.
    ("InvalidVideo.NotFound", ErrorKind::NotFound),
    ("InvalidVideo.Damaged", ErrorKind::InvalidInput),
    // Bad input.
    ("InvalidFileName.Extension", ErrorKind::InvalidInput),
    ("IllegalCharacters", ErrorKind::InvalidInput),
    ("LengthExceededMax", ErrorKind::InvalidInput),
    ("TagsExceededMax", ErrorKind::InvalidInput),
    ("MissingParameter", ErrorKind::InvalidInput),
    ("Missing*", ErrorKind::InvalidInput),
    ("InvalidParameter", ErrorKind::InvalidInput),
    ("InvalidParameter.Format", ErrorKind::InvalidInput),
    ("InvalidParameter.*", ErrorKind::InvalidInput),
    // A referenced resource is missing.
    ("InvalidTemplateGroupId.NotFound", ErrorKind::NotFound),
    ("InvalidStorage.NotFound", ErrorKind::NotFound),
    // The caller's keys or signature.
    ("InvalidAccessKeyId.NotFound", ErrorKind::Unauthenticated),
    ("InvalidAccessKeyId.Inactive", ErrorKind::Unauthenticated),
    ("InvalidAccessKeyId.*", ErrorKind::Unauthenticated),
    ("SignatureDoesNotMatch", ErrorKind::Unauthenticated),
    ("IncompleteSignature", ErrorKind::Unauthenticated),
    ("InvalidSecurityToken.*", ErrorKind::Unauthenticated),
    ("MissingSecurityToken", ErrorKind::Unauthenticated),
    // Time. A stale timestamp is our clock's fault (the transport corrects it and retries); a
    // malformed one is a bug of this library.
    ("InvalidTimeStamp.Expired", ErrorKind::ClockSkew),
    ("InvalidTimeStamp.Format", ErrorKind::InvalidInput),
    ("IllegalTimestamp", ErrorKind::InvalidInput),
    // A replayed nonce: the same request with a fresh nonce succeeds.
    ("SignatureNonceUsed", ErrorKind::Unavailable),
    // Not allowed.
    ("Forbidden", ErrorKind::PermissionDenied),
    ("Forbidden.RAM", ErrorKind::PermissionDenied),
    ("Forbidden.InitFailed", ErrorKind::PermissionDenied),
    ("Forbidden.*", ErrorKind::PermissionDenied),
    ("OperationDenied", ErrorKind::PermissionDenied),
    ("OperationDenied.Suspended", ErrorKind::PermissionDenied),
    ("OperationDenied.*", ErrorKind::PermissionDenied),
    // Throttled.
    ("Throttling", ErrorKind::RateLimited),
    ("Throttling.User", ErrorKind::RateLimited),
    ("Throttling.Api", ErrorKind::RateLimited),
    ("Throttling.*", ErrorKind::RateLimited),
    // Transient.
    ("InternalError", ErrorKind::Unavailable),
    ("ServiceUnavailable", ErrorKind::Unavailable),
    ("ServiceUnAvailable", ErrorKind::Unavailable),
    ("AddVideoFailed", ErrorKind::Unavailable),
    // A bug of ours: an operation, version or method the service does not know.
    ("InvalidApi.NotFound", ErrorKind::Unsupported),
    ("InvalidAction.NotFound", ErrorKind::Unsupported),
    ("InvalidVersion", ErrorKind::Unsupported),
    ("UnsupportedHTTPMethod", ErrorKind::Unsupported),
];

/// JSON fields whose values never appear in an excerpt of an answer.
pub(crate) const REDACTED_FIELDS: &[&str] = &[
    "UploadAuth",
    "UploadAddress",
    "AccessKeySecret",
    "SecurityToken",
];

/// What the server quotes before its string to sign in a `SignatureDoesNotMatch` message.
const SERVER_STRING_TO_SIGN: &str = "server string to sign is:";

/// The kind of an error answer: by code through [`ERROR_CODES`], else by HTTP status
/// ([`ErrorKind::from_http_status`]).
pub fn kind_of(code: Option<&str>, http_status: u16) -> ErrorKind {
    code.and_then(|c| vod_core::error::classify(ERROR_CODES, c))
        .unwrap_or_else(|| ErrorKind::from_http_status(http_status))
}

/// An Aliyun error body. Every field is optional.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(rename = "RequestId")]
    pub(crate) request_id: Option<String>,
    #[serde(rename = "Code")]
    pub(crate) code: Option<String>,
    #[serde(rename = "Message")]
    pub(crate) message: Option<String>,
    #[serde(rename = "Recommend")]
    pub(crate) recommend: Option<String>,
}

/// Removes the caller's secrets from vendor text before it enters an error.
///
/// The V1 string to sign, which `SignatureDoesNotMatch` quotes, holds the STS `SecurityToken`
/// percent-encoded twice; a URL would hold it encoded once. Every form is replaced, and so is a
/// form cut off at the end of the text (a truncated answer).
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    forms: Vec<String>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} forms)", self.forms.len())
    }
}

/// The shortest cut-off tail of a secret that is still replaced.
const MIN_PARTIAL: usize = 8;

impl Scrubber {
    /// A scrubber for these secret values (empty ones are skipped).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::new();
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            let once = encode(secret);
            let twice = encode(&once);
            for form in [secret.to_owned(), once, twice] {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // Longest first, so a form that contains another is replaced whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Self { forms }
    }

    /// `text` with every secret form replaced by `<redacted>`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), vod_core::secret::REDACTED);
            }
        }
        // A secret cut off by the end of the text.
        for form in &self.forms {
            let longest = form.len().min(out.len());
            for len in (MIN_PARTIAL..longest.saturating_add(1)).rev() {
                if !form.is_char_boundary(len) {
                    continue;
                }
                if out.ends_with(&form[..len]) {
                    let keep = out.len() - len;
                    out.truncate(keep);
                    out.push_str(vod_core::secret::REDACTED);
                    break;
                }
            }
        }
        out
    }

    /// True when there is nothing to scrub.
    fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }
}

/// Secret-free excerpt of `body`: redacted fields and the caller's secrets replaced.
pub(crate) fn body_excerpt(body: &[u8], scrubber: &Scrubber) -> String {
    if scrubber.is_empty() {
        return excerpt(body, REDACTED_FIELDS);
    }
    let text = scrubber.scrub(&String::from_utf8_lossy(body));
    excerpt(text.as_bytes(), REDACTED_FIELDS)
}

/// The invalid-response error for an answer that cannot be read: what went wrong, the HTTP
/// status and a secret-free excerpt. (`Response::invalid` of vod-core, plus the scrubbing of the
/// caller's own secrets, and usable on plain bytes so parsers can be tested without a transport.)
pub(crate) fn invalid_response(
    status: u16,
    body: &[u8],
    what: impl std::fmt::Display,
    scrubber: &Scrubber,
) -> Error {
    Error::invalid_response(status, what, &body_excerpt(body, scrubber))
}

/// What the error parser needs to know about the attempt that failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttemptContext<'a> {
    /// Our string to sign for this attempt, to compare with the server's.
    pub(crate) string_to_sign: Option<&'a str>,
    /// The caller's secrets, to keep out of messages.
    pub(crate) scrubber: &'a Scrubber,
}

/// Turns an answer that is not a success into an [`Error`]: an Aliyun error body, or a body
/// that is not one (then by HTTP status: 5xx and 429 stay retryable, the rest is an invalid
/// response).
pub(crate) fn from_answer(status: u16, body: &[u8], ctx: AttemptContext<'_>) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => from_body(status, parsed, ctx),
        Err(_) => not_json(status, body, ctx.scrubber),
    }
}

/// An error answer whose body is not JSON (a proxy's HTML page, a cut-off body): 5xx and 429
/// stay retryable ([`Error::unreadable_response`]), the rest is an invalid response.
pub(crate) fn not_json(status: u16, body: &[u8], scrubber: &Scrubber) -> Error {
    Error::unreadable_response(
        status,
        "the answer is not Aliyun JSON (a gateway or load balancer answered?)",
        &body_excerpt(body, scrubber),
    )
}

/// An Aliyun error body, classified.
pub(crate) fn from_body(status: u16, body: ErrorBody, ctx: AttemptContext<'_>) -> Error {
    let code = body.code.as_deref().filter(|c| !c.is_empty());
    let kind = kind_of(code, status);
    let vendor_message = body
        .message
        .as_deref()
        .map(|m| vendor_message(m, ctx.scrubber));

    let message = match code {
        Some("SignatureDoesNotMatch") => {
            signature_mismatch(body.message.as_deref(), ctx.string_to_sign, ctx.scrubber)
        }
        Some(c @ ("InvalidTimeStamp.Format" | "IllegalTimestamp")) => format!(
            "Aliyun rejected the request timestamp's format ({c}): this is a bug of the vod \
             library, please report it{}",
            vendor_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        Some("SignatureNonceUsed") => format!(
            "Aliyun saw this signature nonce before; a retry signs with a fresh one{}",
            vendor_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        _ => match (&vendor_message, code) {
            (Some(m), _) if !m.trim().is_empty() => m.clone(),
            (_, Some(c)) => format!("Aliyun answered {c}"),
            (_, None) => format!("Aliyun answered HTTP {status} without an error code"),
        },
    };

    let mut detail = VendorDetail::new()
        .request_id(body.request_id.filter(|id| !id.is_empty()))
        .http_status(status)
        .recommend(body.recommend.map(|r| ctx.scrubber.scrub(&r)));
    if let Some(code) = code {
        detail = detail.code(code);
    }
    if let Some(m) = vendor_message {
        detail = detail.message(m);
    }
    Error::new(kind, message).with_vendor(detail)
}

/// The vendor's message as kept in [`VendorDetail::message`]: scrubbed of secrets, on one line
/// and at most [`VENDOR_MESSAGE_CHARS`] characters, and without the string to sign a `SignatureDoesNotMatch` message quotes (the error message carries the
/// comparison instead).
fn vendor_message(message: &str, scrubber: &Scrubber) -> String {
    let text = match message.find(SERVER_STRING_TO_SIGN) {
        Some(at) => format!("{}{SERVER_STRING_TO_SIGN}<omitted>", &message[..at]),
        None => message.to_owned(),
    };
    one_line(&scrubber.scrub(&text), VENDOR_MESSAGE_CHARS)
}

/// How many characters of each string to sign a mismatch message shows.
const DIFF_CHARS: usize = 60;
/// How many characters before the first difference it shows.
const DIFF_CONTEXT: usize = 20;

/// The message of a `SignatureDoesNotMatch` answer: which of secret and canonical form is wrong.
fn signature_mismatch(message: Option<&str>, ours: Option<&str>, scrubber: &Scrubber) -> String {
    let server = message
        .and_then(|m| {
            m.find(SERVER_STRING_TO_SIGN)
                .map(|at| &m[at + SERVER_STRING_TO_SIGN.len()..])
        })
        .map(str::trim);
    match (server, ours) {
        (Some(server), Some(ours)) if server == ours.trim() => {
            "signature rejected: the secret is wrong (the server computed the same string to sign)"
                .to_owned()
        }
        (Some(server), Some(ours)) => {
            let ours = redact_string_to_sign(ours, scrubber);
            let server = redact_string_to_sign(server, scrubber);
            if ours == server {
                return "signature rejected: the canonical form differs in the security token \
                        (not shown): check that the configured token belongs to the access key"
                    .to_owned();
            }
            let (ours_part, server_part, at) = first_difference(&ours, &server);
            format!(
                "signature rejected: the canonical form differs (so the secret may be right): \
                 from character {at}, ours {ours_part:?}, server's {server_part:?}"
            )
        }
        _ => "signature rejected: the access key secret is wrong or the request was altered \
              on the way (the server did not quote its string to sign)"
            .to_owned(),
    }
}

/// A string to sign with the STS token replaced, in whatever encoding it appears.
fn redact_string_to_sign(text: &str, scrubber: &Scrubber) -> String {
    let mut text = scrubber.scrub(text);
    // The V1 string to sign: `SecurityToken%3D{value}%26...`, even when our token differs from
    // the one the server quotes (it should not, but then neither is shown).
    for marker in ["SecurityToken%3D", "SecurityToken="] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(marker) {
            let value_start = at + marker.len();
            out.push_str(&rest[..value_start]);
            let value = &rest[value_start..];
            let end = ["%26", "&"]
                .iter()
                .filter_map(|sep| value.find(sep))
                .min()
                .unwrap_or(value.len());
            if !value[..end].is_empty() && &value[..end] != vod_core::secret::REDACTED {
                out.push_str(vod_core::secret::REDACTED);
            } else {
                out.push_str(&value[..end]);
            }
            rest = &value[end..];
        }
        out.push_str(rest);
        text = out;
    }
    // On one line (the V3 string to sign has a newline) and whole: the caller shows only the
    // part around the first difference.
    one_line(&text, usize::MAX)
}

/// The parts of `a` and `b` from a little before their first difference, and its position.
fn first_difference(a: &str, b: &str) -> (String, String, usize) {
    let at = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let start = at.saturating_sub(DIFF_CONTEXT);
    let part = |s: &str| {
        let tail: String = s.chars().skip(start).collect();
        let mut shown: String = tail.chars().take(DIFF_CHARS).collect();
        if start > 0 {
            shown.insert_str(0, "...");
        }
        if tail.chars().count() > DIFF_CHARS {
            shown.push_str("...");
        }
        shown
    };
    (part(a), part(b), at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;

    /// The codes of the vendor notes' error table, spelled out so that removing a row from
    /// [`ERROR_CODES`] fails here. Prefix rows of the notes (`Missing{Name}`,
    /// `InvalidSecurityToken.*`) are represented by codes the service sends.
    const VENDOR_NOTES: &[(&str, ErrorKind)] = &[
        ("InvalidVideo.NotFound", NotFound),
        ("InvalidVideo.Damaged", InvalidInput),
        ("InvalidFileName.Extension", InvalidInput),
        ("IllegalCharacters", InvalidInput),
        ("LengthExceededMax", InvalidInput),
        ("TagsExceededMax", InvalidInput),
        ("MissingParameter", InvalidInput),
        ("MissingTitle", InvalidInput),
        ("MissingFileName", InvalidInput),
        ("MissingVideoId", InvalidInput),
        ("InvalidParameter", InvalidInput),
        ("InvalidParameter.Format", InvalidInput),
        ("InvalidTemplateGroupId.NotFound", NotFound),
        ("InvalidStorage.NotFound", NotFound),
        ("InvalidAccessKeyId.NotFound", Unauthenticated),
        ("InvalidAccessKeyId.Inactive", Unauthenticated),
        ("SignatureDoesNotMatch", Unauthenticated),
        ("IncompleteSignature", Unauthenticated),
        ("InvalidSecurityToken.Expired", Unauthenticated),
        ("InvalidSecurityToken.Malformed", Unauthenticated),
        (
            "InvalidSecurityToken.MismatchWithAccessKey",
            Unauthenticated,
        ),
        ("MissingSecurityToken", Unauthenticated),
        ("InvalidTimeStamp.Expired", ClockSkew),
        ("InvalidTimeStamp.Format", InvalidInput),
        ("IllegalTimestamp", InvalidInput),
        ("SignatureNonceUsed", Unavailable),
        ("Forbidden", PermissionDenied),
        ("Forbidden.RAM", PermissionDenied),
        ("OperationDenied", PermissionDenied),
        ("OperationDenied.Suspended", PermissionDenied),
        ("Forbidden.InitFailed", PermissionDenied),
        ("Throttling", RateLimited),
        ("Throttling.User", RateLimited),
        ("Throttling.Api", RateLimited),
        ("InternalError", Unavailable),
        ("ServiceUnavailable", Unavailable),
        ("ServiceUnAvailable", Unavailable),
        ("AddVideoFailed", Unavailable),
        ("InvalidApi.NotFound", Unsupported),
        ("InvalidAction.NotFound", Unsupported),
        ("InvalidVersion", Unsupported),
        ("UnsupportedHTTPMethod", Unsupported),
    ];

    fn ctx(scrubber: &Scrubber) -> AttemptContext<'_> {
        AttemptContext {
            string_to_sign: None,
            scrubber,
        }
    }

    fn answer(code: &str, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "RequestId": "RID-1",
            "HostId": "vod.cn-shanghai.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=x",
        }))
        .unwrap()
    }

    #[test]
    fn every_table_row_classifies_as_listed() {
        for &(code, kind) in ERROR_CODES {
            let probe = code.strip_suffix('*').map(|p| format!("{p}Something"));
            let code = probe.as_deref().unwrap_or(code);
            assert_eq!(kind_of(Some(code), 200), kind, "{code}");
        }
    }

    #[test]
    fn every_vendor_notes_code_maps_and_keeps_its_detail() {
        let scrubber = Scrubber::default();
        for &(code, kind) in VENDOR_NOTES {
            // Classify by code: the status says something else on purpose.
            for status in [400, 404, 503] {
                let err = from_answer(status, &answer(code, "msg"), ctx(&scrubber));
                assert_eq!(err.kind(), kind, "{code} with HTTP {status}");
                assert_eq!(err.vendor_code(), Some(code));
                assert_eq!(err.request_id(), Some("RID-1"));
                assert_eq!(err.http_status(), Some(status));
                let detail = err.vendor().unwrap();
                assert_eq!(detail.message.as_deref(), Some("msg"));
                assert!(detail.recommend.as_deref().unwrap().starts_with("https://"));
            }
        }
    }

    #[test]
    fn exact_rows_win_over_prefixes() {
        assert_eq!(kind_of(Some("MissingSecurityToken"), 400), Unauthenticated);
        assert_eq!(kind_of(Some("MissingAnything"), 400), InvalidInput);
        assert_eq!(kind_of(Some("Throttling.Whatever"), 503), RateLimited);
        assert_eq!(kind_of(Some("Forbidden.Other"), 400), PermissionDenied);
    }

    #[test]
    fn unknown_codes_fall_back_by_status() {
        for (status, kind) in [
            (401, Unauthenticated),
            (403, PermissionDenied),
            (404, NotFound),
            (429, RateLimited),
            (500, Unavailable),
            (503, Unavailable),
            (400, InvalidInput),
            (409, InvalidInput),
            (200, InvalidResponse),
        ] {
            assert_eq!(kind_of(Some("Brand.NewCode"), status), kind, "{status}");
            assert_eq!(kind_of(None, status), kind, "{status}");
        }
    }

    #[test]
    fn the_vectors_error_examples() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/vectors/aliyun-upload-response.json"
        ))
        .unwrap();
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        let scrubber = Scrubber::default();
        let mut seen = 0;
        for example in file["error_examples"].as_array().unwrap() {
            let status = example["http_status"].as_u64().unwrap() as u16;
            let body = serde_json::to_vec(&example["body"]).unwrap();
            let err = from_answer(status, &body, ctx(&scrubber));
            let code = example["body"]["Code"].as_str().unwrap();
            let expected = VENDOR_NOTES.iter().find(|(c, _)| *c == code).unwrap().1;
            assert_eq!(err.kind(), expected, "{code}");
            assert_eq!(err.request_id(), example["body"]["RequestId"].as_str());
            assert_eq!(err.message(), example["body"]["Message"].as_str().unwrap());
            assert_eq!(
                err.vendor().unwrap().recommend.as_deref(),
                example["body"]["Recommend"].as_str()
            );
            seen += 1;
        }
        assert_eq!(seen, 3);
    }

    #[test]
    fn non_json_answers() {
        let scrubber = Scrubber::default();
        let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let err = from_answer(502, html, ctx(&scrubber));
        assert_eq!(err.kind(), Unavailable);
        assert!(err.is_retryable());
        assert!(err.message().contains("502 Bad Gateway"), "{err}");
        assert_eq!(err.http_status(), Some(502));

        let err = from_answer(400, b"{\"Code\":\"Throttl", ctx(&scrubber));
        assert_eq!(err.kind(), InvalidResponse);
        assert!(err.to_string().contains("HTTP 400"), "{err}");
        assert!(err.message().contains("Throttl"), "{err}");

        let err = from_answer(429, b"slow down", ctx(&scrubber));
        assert_eq!(err.kind(), RateLimited);

        let err = from_answer(400, b"{}", ctx(&scrubber));
        assert_eq!(err.kind(), InvalidInput);
        assert!(err.message().contains("without an error code"), "{err}");
    }

    #[test]
    fn excerpts_hide_credentials_and_the_callers_token() {
        let scrubber = Scrubber::new(["CAIS+sts/token=="]);
        let body = br#"{"RequestId":"r","UploadAuth":"eyJTZWN1","Message":"token CAIS+sts/token== and CAIS%252Bsts%252Ftoken%253D%253D"#;
        let err = from_answer(400, body, ctx(&scrubber));
        let text = err.to_string();
        assert!(!text.contains("eyJTZWN1"), "{text}");
        assert!(!text.contains("CAIS"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }

    #[test]
    fn scrubber_replaces_cut_off_secrets() {
        let s = Scrubber::new(["CAIS+sts/token/abcdefgh=="]);
        assert_eq!(s.scrub("x CAIS+sts/tok"), "x <redacted>");
        assert_eq!(s.scrub("x CAIS%252Bsts%252Fto"), "x <redacted>");
        // Short endings are too common to be a secret's start.
        assert_eq!(s.scrub("x CAIS"), "x CAIS");
        assert_eq!(Scrubber::new([""]).scrub("abc"), "abc");
    }

    const OUR_STS: &str = "POST&%2F&AccessKeyId%3DSTS.testid%26Action%3DRefreshUploadVideo%26Format%3DJSON%26SecurityToken%3DCAIS%252Btest%252Ftoken%253D%253D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dn1%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2017-03-21%26VideoId%3Dv1";

    fn mismatch(server: &str) -> Vec<u8> {
        answer(
            "SignatureDoesNotMatch",
            &format!(
                "Specified signature is not matched with our calculation. server string to sign is:{server}"
            ),
        )
    }

    #[test]
    fn signature_mismatch_with_the_same_string_to_sign_blames_the_secret() {
        let scrubber = Scrubber::new(["CAIS+test/token=="]);
        let ctx = AttemptContext {
            string_to_sign: Some(OUR_STS),
            scrubber: &scrubber,
        };
        let err = from_answer(400, &mismatch(OUR_STS), ctx);
        assert_eq!(err.kind(), Unauthenticated);
        assert!(err.message().contains("the secret is wrong"), "{err}");
        let vendor = err.vendor().unwrap().message.clone().unwrap();
        assert!(vendor.contains("not matched"), "{vendor}");
        assert!(!vendor.contains("AccessKeyId"), "{vendor}");
        assert!(!format!("{err:?}").contains("CAIS"), "{err:?}");
    }

    #[test]
    fn signature_mismatch_with_another_string_to_sign_shows_where() {
        let scrubber = Scrubber::new(["CAIS+test/token=="]);
        let ctx = AttemptContext {
            string_to_sign: Some(OUR_STS),
            scrubber: &scrubber,
        };
        let server = OUR_STS.replace("VideoId%3Dv1", "VideoId%3Dv2");
        let err = from_answer(400, &mismatch(&server), ctx);
        let text = err.to_string();
        assert!(text.contains("the canonical form differs"), "{text}");
        assert!(
            text.contains("VideoId%3Dv1") && text.contains("VideoId%3Dv2"),
            "{text}"
        );
        assert!(!format!("{err:?}").contains("CAIS"), "{err:?}");

        // The difference is in the token itself: still never shown.
        let server = OUR_STS.replace("CAIS%252Btest", "CAIS%252Bother");
        let err = from_answer(400, &mismatch(&server), ctx);
        let shown = format!("{err:?}");
        assert!(
            !shown.contains("CAIS") && !shown.contains("other"),
            "{shown}"
        );
        assert!(shown.contains("canonical form differs"), "{shown}");
    }

    #[test]
    fn signature_mismatch_without_a_quote() {
        let scrubber = Scrubber::default();
        let err = from_answer(400, &answer("SignatureDoesNotMatch", "bad"), ctx(&scrubber));
        assert!(err.message().contains("did not quote"), "{err}");
        assert_eq!(err.vendor().unwrap().message.as_deref(), Some("bad"));
    }

    #[test]
    fn timestamp_format_is_reported_as_our_bug() {
        let scrubber = Scrubber::default();
        for code in ["InvalidTimeStamp.Format", "IllegalTimestamp"] {
            let err = from_answer(400, &answer(code, "bad time"), ctx(&scrubber));
            assert_eq!(err.kind(), InvalidInput);
            assert!(err.message().contains("bug of the vod library"), "{err}");
        }
    }
}
