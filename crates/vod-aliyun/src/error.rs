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
//!   scrubbed of the caller's secrets first, by the [`Redactor`] the transport hands over with
//!   each answer.

use vod_core::raw::redact::Redactor;
use vod_core::raw::text::{VENDOR_MESSAGE_CHARS, one_line};
use vod_core::raw::transport::Response;
use vod_core::{Error, ErrorKind, VendorDetail};

use crate::api::{ErrorBody, REDACTED_FIELDS};

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

/// What the server quotes before its string to sign in a `SignatureDoesNotMatch` message.
const SERVER_STRING_TO_SIGN: &str = "server string to sign is:";

/// The kind of an error answer with this HTTP status, code and message: by code through
/// [`ERROR_CODES`], else by HTTP status ([`ErrorKind::from_http_status`]). Aliyun's codes are
/// specific enough that the message never decides.
pub fn kind_of(http_status: u16, code: Option<&str>, _message: Option<&str>) -> ErrorKind {
    code.and_then(|c| vod_core::error::classify(ERROR_CODES, c))
        .unwrap_or_else(|| ErrorKind::from_http_status(http_status))
}

/// The redaction for answers to a caller with these secret values (its AccessKey secret and STS
/// token): the credential fields of a success ([`REDACTED_FIELDS`]) and every form of the
/// values. The V1 string to sign, which `SignatureDoesNotMatch` quotes, holds the STS token
/// percent-encoded twice; a URL would hold it encoded once; vod-core replaces both, and a form cut
/// off at the end of a truncated answer.
pub(crate) fn redactor<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
    Redactor::new().fields(REDACTED_FIELDS).values(secrets)
}

/// Turns an answer that is not a success into an [`Error`]: an Aliyun error body, or a body
/// that is not one (then by HTTP status: 5xx and 429 stay retryable, the rest is an invalid
/// response). `string_to_sign` is ours for this attempt, to compare with the server's.
pub(crate) fn from_answer(response: &Response, string_to_sign: Option<&str>) -> Error {
    match serde_json::from_slice::<ErrorBody>(&response.body) {
        Ok(parsed) => from_body(response.status, parsed, string_to_sign, response.redactor()),
        Err(_) => response
            .unreadable("the answer is not Aliyun JSON (a gateway or load balancer answered?)"),
    }
}

/// An answer as the transport hands it over to a caller with these secret values (tests).
#[cfg(test)]
pub(crate) fn response(status: u16, body: &[u8], secrets: &[&str]) -> Response {
    Response::new(status, Default::default(), body.to_vec())
        .with_redactor(redactor(secrets.iter().copied()))
}

/// An Aliyun error body, classified.
pub(crate) fn from_body(
    status: u16,
    body: ErrorBody,
    string_to_sign: Option<&str>,
    redactor: &Redactor,
) -> Error {
    let code = body.code.as_deref().filter(|c| !c.is_empty());
    let kind = kind_of(status, code, body.message.as_deref());
    let vendor_message = body.message.as_deref().map(|m| vendor_message(m, redactor));

    let message = match code {
        Some("SignatureDoesNotMatch") => {
            signature_mismatch(body.message.as_deref(), string_to_sign, redactor)
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
        .recommend(body.recommend.map(|r| redactor.scrub(&r)));
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
fn vendor_message(message: &str, redactor: &Redactor) -> String {
    let text = match message.find(SERVER_STRING_TO_SIGN) {
        Some(at) => format!("{}{SERVER_STRING_TO_SIGN}<omitted>", &message[..at]),
        None => message.to_owned(),
    };
    one_line(&redactor.scrub(&text), VENDOR_MESSAGE_CHARS)
}

/// How many characters of each string to sign a mismatch message shows.
const DIFF_CHARS: usize = 60;
/// How many characters before the first difference it shows.
const DIFF_CONTEXT: usize = 20;

/// The message of a `SignatureDoesNotMatch` answer: which of secret and canonical form is wrong.
fn signature_mismatch(message: Option<&str>, ours: Option<&str>, redactor: &Redactor) -> String {
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
            let ours = redact_string_to_sign(ours, redactor);
            let server = redact_string_to_sign(server, redactor);
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
fn redact_string_to_sign(text: &str, redactor: &Redactor) -> String {
    let mut text = redactor.scrub(text);
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
pub(crate) fn first_difference(a: &str, b: &str) -> (String, String, usize) {
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
            assert_eq!(kind_of(200, Some(code), None), kind, "{code}");
        }
    }

    #[test]
    fn every_vendor_notes_code_maps_and_keeps_its_detail() {
        for &(code, kind) in VENDOR_NOTES {
            // Classify by code: the status says something else on purpose.
            for status in [400, 404, 503] {
                let err = from_answer(&response(status, &answer(code, "msg"), &[]), None);
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
        assert_eq!(
            kind_of(400, Some("MissingSecurityToken"), None),
            Unauthenticated
        );
        assert_eq!(kind_of(400, Some("MissingAnything"), None), InvalidInput);
        assert_eq!(kind_of(503, Some("Throttling.Whatever"), None), RateLimited);
        assert_eq!(
            kind_of(400, Some("Forbidden.Other"), None),
            PermissionDenied
        );
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
            assert_eq!(
                kind_of(status, Some("Brand.NewCode"), None),
                kind,
                "{status}"
            );
            assert_eq!(kind_of(status, None, None), kind, "{status}");
        }
    }

    #[test]
    fn the_vectors_error_examples() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/aliyun-upload-response.json"
        ))
        .unwrap();
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut seen = 0;
        for example in file["error_examples"].as_array().unwrap() {
            let status = example["http_status"].as_u64().unwrap() as u16;
            let body = serde_json::to_vec(&example["body"]).unwrap();
            let err = from_answer(&response(status, &body, &[]), None);
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
        let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let err = from_answer(&response(502, html, &[]), None);
        assert_eq!(err.kind(), Unavailable);
        assert!(err.is_retryable());
        assert!(err.message().contains("502 Bad Gateway"), "{err}");
        assert_eq!(err.http_status(), Some(502));

        let err = from_answer(&response(400, b"{\"Code\":\"Throttl", &[]), None);
        assert_eq!(err.kind(), InvalidResponse);
        assert!(err.to_string().contains("HTTP 400"), "{err}");
        assert!(err.message().contains("Throttl"), "{err}");

        let err = from_answer(&response(429, b"slow down", &[]), None);
        assert_eq!(err.kind(), RateLimited);

        let err = from_answer(&response(400, b"{}", &[]), None);
        assert_eq!(err.kind(), InvalidInput);
        assert!(err.message().contains("without an error code"), "{err}");
    }

    #[test]
    fn excerpts_hide_credentials_and_the_callers_token() {
        let body = br#"{"RequestId":"r","UploadAuth":"eyJTZWN1","Message":"token CAIS+sts/token== and CAIS%252Bsts%252Ftoken%253D%253D"#;
        let err = from_answer(&response(400, body, &["CAIS+sts/token=="]), None);
        let text = err.to_string();
        assert!(!text.contains("eyJTZWN1"), "{text}");
        assert!(!text.contains("CAIS"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
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
        let err = from_answer(
            &response(400, &mismatch(OUR_STS), &["CAIS+test/token=="]),
            Some(OUR_STS),
        );
        assert_eq!(err.kind(), Unauthenticated);
        assert!(err.message().contains("the secret is wrong"), "{err}");
        let vendor = err.vendor().unwrap().message.clone().unwrap();
        assert!(vendor.contains("not matched"), "{vendor}");
        assert!(!vendor.contains("AccessKeyId"), "{vendor}");
        assert!(!format!("{err:?}").contains("CAIS"), "{err:?}");
    }

    #[test]
    fn signature_mismatch_with_another_string_to_sign_shows_where() {
        let server = OUR_STS.replace("VideoId%3Dv1", "VideoId%3Dv2");
        let err = from_answer(
            &response(400, &mismatch(&server), &["CAIS+test/token=="]),
            Some(OUR_STS),
        );
        let text = err.to_string();
        assert!(text.contains("the canonical form differs"), "{text}");
        assert!(
            text.contains("VideoId%3Dv1") && text.contains("VideoId%3Dv2"),
            "{text}"
        );
        assert!(!format!("{err:?}").contains("CAIS"), "{err:?}");

        // The difference is in the token itself: still never shown.
        let server = OUR_STS.replace("CAIS%252Btest", "CAIS%252Bother");
        let err = from_answer(
            &response(400, &mismatch(&server), &["CAIS+test/token=="]),
            Some(OUR_STS),
        );
        let shown = format!("{err:?}");
        assert!(
            !shown.contains("CAIS") && !shown.contains("other"),
            "{shown}"
        );
        assert!(shown.contains("canonical form differs"), "{shown}");
    }

    #[test]
    fn signature_mismatch_without_a_quote() {
        let err = from_answer(
            &response(400, &answer("SignatureDoesNotMatch", "bad"), &[]),
            None,
        );
        assert!(err.message().contains("did not quote"), "{err}");
        assert_eq!(err.vendor().unwrap().message.as_deref(), Some("bad"));
    }

    #[test]
    fn timestamp_format_is_reported_as_our_bug() {
        for code in ["InvalidTimeStamp.Format", "IllegalTimestamp"] {
            let err = from_answer(&response(400, &answer(code, "bad time"), &[]), None);
            assert_eq!(err.kind(), InvalidInput);
            assert!(err.message().contains("bug of the vod library"), "{err}");
        }
    }
}
